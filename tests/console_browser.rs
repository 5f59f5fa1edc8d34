//! The console in a real browser (Chromium, headless, over WebDriver from
//! chromium-driver): an admin logs in, adds a line with an allowlisted
//! number through the Lines form, and a SIPp call from that number to that
//! line appears in the live view without a reload, let straight through
//! (its From display name, with markup and an `&`, as text), a
//! logged caller whose display name is `<script>alert(1)</script>`
//! renders as text, the call's recording plays, its evidence zip downloads and its hashes
//! verify, a form post without the CSRF token is refused, and a tenant
//! sees only their line. With `LINEWARDEN_SCREENSHOTS=1` the main pages are
//! saved to `docs/console/*.png`.

mod common;
mod console_support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use console_support::{add_user, password, seed_call, Console, NewUser, SeedCall};
use fantoccini::{Client, ClientBuilder, Locator};
use sha2::{Digest, Sha256};

const MARKUP_NAME: &str = "<script>alert(1)</script>";
/// The live call's From display name: markup, an ampersand and quotes,
/// which must reach the page as these characters.
const LIVE_NAME: &str = "<script>alert(2)</script> Bank & Police 'Fraud' <b>Dept</b>";
/// The number the admin allowlists on the line they add, and calls from.
const CALLER: &str = "+441632960555";

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn chromedriver() -> Driver {
    let port = common::free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run chromedriver ({e}); install it: apt-get install chromium chromium-driver")
        });
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

async fn browser(driver: &Driver, downloads: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--autoplay-policy=no-user-gesture-required"],
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false
            }
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("WebDriver session")
}

/// Saves a screenshot of the page to docs/console/NAME.png when asked to.
async fn screenshot(b: &Client, name: &str) {
    if std::env::var_os("LINEWARDEN_SCREENSHOTS").is_none() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/console");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = b.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write png");
}

async fn log_in(b: &Client, base: &str, user: &str) {
    b.goto(&format!("{base}/login")).await.expect("login page");
    b.find(Locator::Css("#login input[name=user]"))
        .await
        .expect("user")
        .send_keys(user)
        .await
        .expect("type");
    b.find(Locator::Css("#login input[name=password]"))
        .await
        .expect("password")
        .send_keys(&password(user))
        .await
        .expect("type");
    b.find(Locator::Css("#login button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    b.wait()
        .for_element(Locator::Css("nav .who"))
        .await
        .expect("logged in");
}

async fn js(b: &Client, script: &str) -> serde_json::Value {
    b.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Polls `script` (a JS expression) until it is truthy.
async fn until(b: &Client, what: &str, script: &str, secs: u64) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let v = js(b, &format!("return ({script});")).await;
        if !(v.is_null() || v == false || v == "" || v == 0) {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn scenario_with_display_name(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(common::scenario("uac_pass.xml")).expect("scenario");
    // The display name is quoted as SIP requires (the messages are CDATA).
    let named = text.replace(
        "From: <sip:[$caller]",
        &format!("From: \"{LIVE_NAME}\" <sip:[$caller]"),
    );
    assert_ne!(named, text);
    let path = dir.join("uac_pass_named.xml");
    std::fs::write(&path, named).expect("write scenario");
    path
}

fn verify_zip(bytes: &[u8]) {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut files = std::collections::HashMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("entry");
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read");
        files.insert(f.name().expect("name").to_string(), data);
    }
    let sums = String::from_utf8(files["SHA256SUMS"].clone()).expect("sums");
    assert_eq!(sums.lines().count(), 4, "{sums}");
    for line in sums.lines() {
        let (hash, name) = line.split_once("  ").expect("line");
        let digest: String = Sha256::digest(&files[name])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hash, digest, "{name}");
    }
    assert!(files["recording.wav"].len() > 44, "a recording with audio");
}

#[test]
fn console_in_a_browser() {
    let (mut other, mut marked) = (0, 0);
    let console = Console::start("", |data| {
        add_user(data, &NewUser("ann", "admin", &[]));
        add_user(data, &NewUser("tia", "tenant", &["test"]));
        // A fortnight of earlier calls for the chart, and one on another line.
        let now = console_support::now_ms();
        for day in 0..14i64 {
            for (n, outcome) in ["passed", "failed", "timeout", "passed"]
                .iter()
                .enumerate()
                .take((day % 4 + 1) as usize)
            {
                seed_call(
                    data,
                    &SeedCall {
                        line: "test",
                        caller: "5550111",
                        caller_name: None,
                        started_ms: now - day * 86_400_000 - 3_600_000 - n as i64 * 60_000,
                        outcome,
                        recording_secs: None,
                    },
                );
            }
        }
        marked = seed_call(
            data,
            &SeedCall {
                line: "test",
                caller: "5550166",
                caller_name: Some(MARKUP_NAME),
                started_ms: now - 1_800_000,
                outcome: "failed",
                recording_secs: None,
            },
        );
        other = seed_call(
            data,
            &SeedCall {
                line: "other",
                caller: "5550199",
                caller_name: None,
                started_ms: now - 7_200_000,
                outcome: "passed",
                recording_secs: Some(1),
            },
        );
    });
    let base = console.base.clone();
    let downloads = tempfile::tempdir().expect("downloads");
    let driver = chromedriver();
    let scenario = scenario_with_display_name(console.svc.dir.path());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let b = browser(&driver, downloads.path()).await;
        b.goto(&format!("{base}/login")).await.expect("login page");
        screenshot(&b, "login").await;

        // The admin logs in and watches the live view.
        log_in(&b, &base, "ann").await;
        until(&b, "the live stream", "document.getElementById('live-status').dataset.state === 'connected'", 20).await;
        // The logged caller's markup name is text, and made no element.
        let cell = format!("document.querySelector('#live-calls tr[data-id=\"{marked}\"] td.caller-name')");
        assert_eq!(js(&b, &format!("return {cell}.textContent;")).await, MARKUP_NAME);
        assert_eq!(js(&b, &format!("return {cell}.children.length;")).await, 0);
        assert_eq!(js(&b, "return document.scripts.length;").await, 1, "only the console's own script");

        // The admin adds a line with an allowlisted number on its form.
        b.goto(&format!("{base}/lines")).await.expect("lines page");
        b.find(Locator::Css("#add-line")).await.expect("add link").click().await.expect("click");
        for (field, value) in [("name", "flat-7"), ("numbers", "1007"), ("allowlist", CALLER)] {
            b.find(Locator::Css(&format!("#line-form input[name={field}]")))
                .await
                .expect("field")
                .send_keys(value)
                .await
                .expect("type");
        }
        b.set_window_size(1280, 1100).await.expect("window");
        screenshot(&b, "line-form").await;
        b.set_window_size(1280, 900).await.expect("window");
        b.find(Locator::Css("#line-form button")).await.expect("add").click().await.expect("click");
        let listed = until(&b, "the added line", "document.querySelector('#lines tr[data-line=\"flat-7\"] td.allowlist')?.textContent", 10).await;
        assert_eq!(listed, CALLER);
        screenshot(&b, "lines").await;

        b.goto(&format!("{base}/live")).await.expect("live page");
        until(&b, "the live stream", "document.getElementById('live-status').dataset.state === 'connected'", 20).await;
        js(&b, "window.noReload = 'still here'; return null;").await;

        // A call from the allowlisted number to the new line arrives.
        let mut sipp = common::sipp_command(&console.svc, scenario.to_str().expect("path"), "browser-call@test", &["-set", "caller", CALLER, "-s", "1007"]);
        let call = std::thread::spawn(move || sipp.output().expect("sipp"));
        let row = format!("[...document.querySelectorAll('#live-calls tbody tr')].find(r => r.querySelector('td.caller').textContent === '{CALLER}')");
        let row = row.as_str();
        let id = until(&b, "the call in the live view", &format!("{row} && {row}.dataset.id"), 30).await;
        let id: i64 = id.as_str().and_then(|s| s.parse().ok()).expect("row id");
        let name = until(&b, "the display name", &format!("{row}.querySelector('td.caller-name').textContent !== '-' && {row}.querySelector('td.caller-name').textContent"), 20).await;
        assert_eq!(name, LIVE_NAME, "rendered as text");
        assert_eq!(js(&b, &format!("return {row}.querySelector('td.caller-name').children.length;")).await, 0);
        assert_eq!(js(&b, &format!("return {row}.querySelector('td.line').textContent;")).await, "flat-7");
        let policy = until(&b, "the policy", &format!("{row}.querySelector('td.policy').textContent !== '-' && {row}.querySelector('td.policy').textContent"), 20).await;
        assert_eq!(policy, "allowlisted", "let straight through, live");
        assert_eq!(js(&b, "return window.noReload;").await, "still here", "no reload");
        let out = tokio::task::spawn_blocking(move || call.join().expect("sipp thread")).await.expect("join");
        common::assert_ok(&out, &console.svc, "browser call");
        until(&b, "the call's end", &format!("{row}.querySelector('td.state').textContent !== 'in progress'"), 20).await;
        // Let straight through: the line's allowlist applied to this call.
        assert_eq!(js(&b, &format!("return {row}.querySelector('td.policy').textContent;")).await, "allowlisted");
        screenshot(&b, "live").await;

        // Its page: the name as text, the recording plays.
        b.goto(&format!("{base}/calls/{id}")).await.expect("call page");
        let shown = b.find(Locator::Css("#caller-name")).await.expect("name").text().await.expect("text");
        assert_eq!(shown, LIVE_NAME);
        let duration = until(&b, "the recording's duration", "(() => { const a = document.getElementById('player'); return a && a.readyState >= 1 && a.duration; })()", 20).await;
        assert!(duration.as_f64().unwrap_or(0.0) > 0.0, "duration {duration}");
        js(&b, "const a = document.getElementById('player'); a.muted = true; a.play(); return null;").await;
        until(&b, "playback", "document.getElementById('player').currentTime > 0", 20).await;
        js(&b, "const a = document.getElementById('player'); a.pause(); a.currentTime = 0; return null;").await;
        // The whole call page, tags and actions included.
        b.set_window_size(1280, 1250).await.expect("window");
        screenshot(&b, "call").await;
        b.set_window_size(1280, 900).await.expect("window");

        // The evidence zip downloads, and its hashes verify.
        b.find(Locator::Css("#evidence")).await.expect("link").click().await.expect("click");
        let zip_path = downloads.path().join(format!("call-{id}-evidence.zip"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !zip_path.exists() {
            assert!(Instant::now() < deadline, "no download in {}", downloads.path().display());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        verify_zip(&std::fs::read(&zip_path).expect("zip"));

        // A form post without its CSRF token is refused.
        js(&b, "document.querySelector('form[action$=\"/list\"] input[name=csrf]').remove(); document.querySelector('form[action$=\"/list\"]').submit(); return null;").await;
        until(&b, "the refusal", "document.body.textContent.includes('403')", 10).await;
        assert!(js(&b, "return document.body.textContent;").await.as_str().unwrap_or("").contains("CSRF"));

        b.goto(&format!("{base}/calls/{marked}")).await.expect("marked call");
        let shown = b.find(Locator::Css("#caller-name")).await.expect("name").text().await.expect("text");
        assert_eq!(shown, MARKUP_NAME);
        assert_eq!(js(&b, "return document.scripts.length;").await, 1);
        b.goto(&format!("{base}/calls")).await.expect("call log");
        screenshot(&b, "call-log").await;
        b.goto(&format!("{base}/audit")).await.expect("audit");
        screenshot(&b, "audit").await;
        b.goto(&format!("{base}/users")).await.expect("users");
        screenshot(&b, "users").await;
        b.find(Locator::Css("nav form button")).await.expect("logout").click().await.expect("click");
        b.wait().for_element(Locator::Css("#login")).await.expect("logged out");

        // A tenant sees only their line.
        log_in(&b, &base, "tia").await;
        b.goto(&format!("{base}/calls")).await.expect("call log");
        let lines = js(&b, "return [...document.querySelectorAll('#call-log td.line')].map(td => td.textContent);").await;
        let lines: Vec<String> = serde_json::from_value(lines).expect("lines");
        assert!(!lines.is_empty() && lines.iter().all(|l| l == "test"), "{lines:?}");
        b.goto(&format!("{base}/calls/{other}")).await.expect("other line's call");
        let text = js(&b, "return document.body.textContent;").await;
        assert!(text.as_str().unwrap_or("").contains("403"), "{text}");
        b.close().await.ok();
    });
}
