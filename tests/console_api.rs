//! The console's JSON API against the real service: every role against
//! every endpoint (401 without a session, 403 outside one's lines, 200
//! within), CSRF refusals, the login throttle, Range requests, the
//! evidence bundle's hashes, the audit log and the first-admin setup code.

mod common;
mod console_support;

use std::io::Read;

use console_support::{add_user, seed_call, Client, Console, NewUser, SeedCall};
use sha2::{Digest, Sha256};

/// Calls: `mine` on line `test` (recorded, display name with markup),
/// `theirs` on line `other` (recorded).
struct World {
    console: Console,
    mine: i64,
    theirs: i64,
}

fn world() -> World {
    let mut ids = (0, 0);
    let console = Console::start("", |data| {
        for user in [
            NewUser("ann", "admin", &[]),
            NewUser("sam", "staff", &["other"]),
            NewUser("tia", "tenant", &["test"]),
        ] {
            add_user(data, &user);
        }
        ids.0 = seed_call(
            data,
            &SeedCall {
                line: "test",
                caller: "+441632960100",
                caller_name: Some("<script>alert(1)</script>"),
                started_ms: console_support::now_ms() - 120_000,
                outcome: "passed",
                recording_secs: Some(2),
            },
        );
        ids.1 = seed_call(
            data,
            &SeedCall {
                line: "other",
                caller: "5550199",
                caller_name: None,
                started_ms: console_support::now_ms() - 60_000,
                outcome: "passed",
                recording_secs: Some(1),
            },
        );
    });
    World {
        console,
        mine: ids.0,
        theirs: ids.1,
    }
}

fn endpoints(w: &World) -> Vec<(String, String)> {
    let mut all = vec![("calls".to_owned(), "/api/calls".to_owned())];
    for (name, id) in [("mine", w.mine), ("theirs", w.theirs)] {
        for (what, suffix) in [
            ("call", ""),
            ("recording", "/recording"),
            ("evidence", "/evidence"),
        ] {
            all.push((format!("{what} {name}"), format!("/api/calls/{id}{suffix}")));
        }
        all.push((format!("page {name}"), format!("/calls/{id}")));
    }
    all.push(("audit".to_owned(), "/api/audit".to_owned()));
    all.push(("me".to_owned(), "/api/me".to_owned()));
    all
}

#[test]
fn every_role_against_every_endpoint() {
    let w = world();
    let base = &w.console.base;
    let anonymous = Client::new(base);
    for (what, path) in endpoints(&w) {
        let status = anonymous.get(&path).status;
        let want = if path.starts_with("/api/") { 401 } else { 303 };
        assert_eq!(status, want, "no session: {what}");
    }
    assert_eq!(anonymous.get("/api/live").status, 401);
    // What each role gets; `live` streams, so only its status is read.
    let expect = |user: &str, what: &str| -> u16 {
        let theirs = what.ends_with("theirs");
        let mine = what.ends_with("mine");
        match (user, what) {
            (_, "calls") | (_, "me") => 200,
            ("ann", _) => 200,
            (_, "audit") => 403,
            ("sam", _) if theirs => 200,
            ("sam", _) if mine => 403,
            ("tia", _) if mine => 200,
            ("tia", _) if theirs => 403,
            _ => unreachable!(),
        }
    };
    for user in ["ann", "sam", "tia"] {
        let c = Client::logged_in(base, user);
        for (what, path) in endpoints(&w) {
            assert_eq!(
                c.get(&path).status,
                expect(user, &what),
                "{user}: {what} ({path})"
            );
        }
        let listed: Vec<String> = c.get("/api/calls").json()["calls"]
            .as_array()
            .expect("calls")
            .iter()
            .map(|c| c["line"].as_str().expect("line").to_owned())
            .collect();
        let want: &[&str] = match user {
            "ann" => &["other", "test"],
            "sam" => &["other"],
            _ => &["test"],
        };
        assert_eq!(listed, want, "{user} sees only their lines, newest first");
        let live = c.get_live_status();
        assert_eq!(live, 200, "{user}: live");
    }
}

trait LiveStatus {
    fn get_live_status(&self) -> u16;
}

impl LiveStatus for Client {
    /// Opens the event stream and reads only the status line.
    fn get_live_status(&self) -> u16 {
        use std::io::Write;
        let addr = self.base.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .ok();
        write!(
            s,
            "GET /api/live HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\n\r\n",
            self.cookie.as_deref().unwrap_or("")
        )
        .expect("write");
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).expect("read");
        let head = String::from_utf8_lossy(&buf[..n]).to_string();
        head.split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }
}

#[test]
fn csrf_logout_throttle_range_evidence_and_audit() {
    let w = world();
    let base = &w.console.base;
    let mut ann = Client::new(base);
    let login = ann.login("ann", &console_support::password("ann"));
    let cookie = login.header("set-cookie").expect("cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    // State-changing requests without the CSRF token are refused.
    let list = format!("/calls/{}/list", w.mine);
    assert_eq!(ann.post_form(&list, &[("list", "block")]).status, 403);
    assert_eq!(
        ann.post_form(&list, &[("list", "block"), ("csrf", "wrong")])
            .status,
        403
    );
    assert_eq!(
        ann.post_json("/api/logout", &serde_json::json!({}), false)
            .status,
        403
    );
    let csrf = ann.csrf.clone().expect("csrf");
    assert_eq!(
        ann.post_form(&list, &[("list", "block"), ("csrf", &csrf)])
            .status,
        303
    );
    let page = ann.get(&format!("/calls/{}", w.mine)).text();
    // "Always block" changes the line's blocklist at once (see
    // console_lines.rs for the refused next call) and is kept.
    assert!(page.contains("blocklisted by ann"), "change kept");
    assert!(page.contains("on the line's blocklist"), "applied");

    // Untrusted text renders as text.
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>alert(1)"));
    // Why the risk is what it is: the rule and the phrase heard, escaped.
    assert!(page.contains("1.5 s into the call: seeded rule"), "{page}");
    assert!(page.contains("&lt;i&gt;the police&lt;/i&gt;") && !page.contains("<i>the police"));
    // The live view's risk cell names the rule in its tooltip.
    let live = ann.get("/live").text();
    assert!(
        live.contains(r#"<td class="risk" title="seeded rule">"#),
        "{live}"
    );

    // Range: 206 with Content-Range; the whole file is 200.
    let rec = format!("/api/calls/{}/recording", w.mine);
    let whole = ann.get(&rec);
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("content-type"), Some("audio/wav"));
    let part = ann.get_with(&rec, &[("Range", "bytes=0-99")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.body.len(), 100);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 0-99/{}", whole.body.len()).as_str())
    );
    assert_eq!(part.body, whole.body[..100]);
    let tail = ann.get_with(&rec, &[("Range", "bytes=100-")]);
    assert_eq!(tail.status, 206);
    assert_eq!(tail.body, whole.body[100..]);

    // The evidence bundle's hashes hold.
    let zip = ann.get(&format!("/api/calls/{}/evidence", w.mine));
    assert_eq!(zip.status, 200);
    let files = unzip(&zip.body);
    let sums = String::from_utf8(files["SHA256SUMS"].clone()).expect("utf-8");
    let mut checked = Vec::new();
    for line in sums.lines() {
        let (hash, name) = line.split_once("  ").expect("sum line");
        let digest: String = Sha256::digest(&files[name])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hash, digest, "{name}");
        checked.push(name.to_owned());
    }
    checked.sort();
    assert_eq!(
        checked,
        ["call.json", "recording.wav", "summary.html", "tags.json"]
    );
    assert_eq!(files["recording.wav"], whole.body);
    let summary = String::from_utf8_lossy(&files["summary.html"]).into_owned();
    assert!(summary.contains("&lt;script&gt;") && !summary.contains("<script>alert"));
    assert!(summary.contains("seeded rule"), "{summary}");
    let call = ann.get(&format!("/api/calls/{}", w.mine)).json();
    assert_eq!(call["reasons"][0]["rule"], "seeded rule", "{call}");
    assert_eq!(
        call["evidence_hold"], true,
        "downloading holds the call as evidence"
    );

    // The audit log has the login, the playback, the download and the list change.
    let audit = ann.get("/api/audit").json();
    let actions: Vec<&str> = audit
        .as_array()
        .expect("audit")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or(""))
        .collect();
    for want in [
        "login",
        "recording played",
        "evidence downloaded",
        "caller blocklisted",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
    // The whole file and the range from byte 0 start a playback; the
    // range from byte 100 continues one.
    assert_eq!(
        actions.iter().filter(|a| **a == "recording played").count(),
        2
    );

    // Logout ends the session.
    assert_eq!(
        ann.post_json("/api/logout", &serde_json::json!({}), true)
            .status,
        200
    );
    assert_eq!(ann.get("/api/calls").status, 401);

    // Wrong passwords: 401 three times free, then throttled (429), and the
    // right password is not even checked while it lasts.
    let mut eve = Client::new(base);
    for _ in 0..4 {
        assert_eq!(eve.login("tia", "wrong-password").status, 401);
    }
    // The fourth failure started a 1 s wait.
    assert_eq!(eve.login("tia", "wrong-password").status, 429);
    assert_eq!(
        eve.login("tia", &console_support::password("tia")).status,
        429
    );
    let failed = Client::logged_in(base, "ann").get("/api/audit").json();
    let failures = failed
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| e["action"] == "login failed" && e["actor"] == "tia")
        .count();
    assert_eq!(failures, 6, "every failed try is audited");
}

fn unzip(bytes: &[u8]) -> std::collections::HashMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut files = std::collections::HashMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("entry");
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read");
        let name = f.name().expect("entry name").to_string();
        files.insert(name, data);
    }
    files
}

#[test]
fn first_admin_from_the_setup_code() {
    let console = Console::start("", console_support::ensure_schema);
    let log = console.svc.log();
    let code = log
        .split("setup_code=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("setup code in the log")
        .to_owned();
    let c = Client::new(&console.base);
    let page = c.get("/login").text();
    assert!(
        page.contains("linewarden user add NAME --role admin"),
        "{page}"
    );
    let wrong = c.post_form(
        "/setup",
        &[
            ("code", "WRONGCODE123"),
            ("user", "root"),
            ("password", "long-enough"),
        ],
    );
    assert_eq!(wrong.status, 403);
    let ok = c.post_form(
        "/setup",
        &[
            ("code", &code),
            ("user", "root"),
            ("password", "long-enough"),
        ],
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
    let mut root = Client::new(&console.base);
    assert_eq!(root.login("root", "long-enough").status, 200);
    assert_eq!(root.get("/api/audit").status, 200, "an admin");
    let again = c.post_form(
        "/setup",
        &[
            ("code", &code),
            ("user", "two"),
            ("password", "long-enough"),
        ],
    );
    assert_eq!(again.status, 403, "the code is used up");
}

#[test]
fn https_with_secure_cookies() {
    let certs = tempfile::tempdir().expect("tempdir");
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (apt-get install openssl)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let keys = format!("tls_cert = {:?}\ntls_key = {:?}\n", cert, key);
    let console = Console::start_with(&keys, "", |data| {
        add_user(data, &NewUser("ann", "admin", &[]))
    });
    assert!(console.base.starts_with("https://"));
    let mut ann = Client::new(&console.base);
    let login = ann.login("ann", &console_support::password("ann"));
    assert_eq!(login.status, 200, "{}", login.text());
    let cookie = login.header("set-cookie").expect("cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert_eq!(ann.get("/api/me").status, 200);
    let plain = format!("http://{}", console.base.trim_start_matches("https://"));
    assert!(
        ureq::get(format!("{plain}/api/me")).call().is_err(),
        "no plain HTTP on the TLS port"
    );
}

#[test]
fn users_from_the_page_and_the_command_line() {
    let console = Console::start("", |data| {
        add_user(data, &NewUser("ann", "admin", &[]));
        add_user(data, &NewUser("sam", "staff", &["test"]));
    });
    let base = &console.base;
    let ann = Client::logged_in(base, "ann");
    let sam = Client::logged_in(base, "sam");
    let csrf = ann.csrf.clone().expect("csrf");
    let new = [
        ("name", "tom"),
        ("role", "tenant"),
        ("lines", "test"),
        ("password", "tom-password"),
    ];
    let mut with_csrf = new.to_vec();
    with_csrf.push(("csrf", &csrf));
    assert_eq!(ann.post_form("/users", &new).status, 403, "no CSRF token");
    let sam_csrf = sam.csrf.clone().expect("csrf");
    let mut as_staff = new.to_vec();
    as_staff.push(("csrf", &sam_csrf));
    assert_eq!(
        sam.post_form("/users", &as_staff).status,
        403,
        "staff cannot add users"
    );
    assert_eq!(sam.get("/users").status, 403);
    assert_eq!(ann.post_form("/users", &with_csrf).status, 303);
    let tom = Client::logged_in(base, "tom");
    assert_eq!(
        tom.get("/api/me").json()["user"]["lines"],
        serde_json::json!(["test"])
    );
    // A tenant needs exactly one line.
    let two = [
        ("name", "ted"),
        ("role", "tenant"),
        ("lines", "a, b"),
        ("password", "ted-password"),
        ("csrf", &csrf),
    ];
    assert_eq!(ann.post_form("/users", &two).status, 400);

    // Removing a user ends their sessions.
    let remove = ann.post_form("/users/tom/remove", &[("csrf", &csrf)]);
    assert_eq!(remove.status, 303);
    assert_eq!(tom.get("/api/me").status, 401);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["user", "remove", "sam", "--config"])
        .arg(&console.svc.config)
        .output()
        .expect("user remove");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sam.get("/api/me").status, 401);
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["user", "list", "--config"])
        .arg(&console.svc.config)
        .output()
        .expect("user list");
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        "ann\tadmin\tall lines\n"
    );
    let actions: Vec<String> = ann
        .get("/api/audit")
        .json()
        .as_array()
        .expect("audit")
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap_or(""),
                e["target"].as_str().unwrap_or("")
            )
        })
        .collect();
    for want in ["user added tom", "user removed tom", "user removed sam"] {
        assert!(actions.iter().any(|a| a == want), "{want} in {actions:?}");
    }
}
