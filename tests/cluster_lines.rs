//! Two nodes on one PostgreSQL database: a line changed through node A's
//! console reaches node B without a reload. B's next call from the
//! caller A allowlisted is allowlisted; a call B took before the change
//! was challenged. The nodes have their own data directories and share
//! one `[store] files_dir`: node A's console plays (whole and by Range)
//! the recording node B made of that call. The database is a fresh one
//! on a throwaway cluster.

mod common;
mod console_support;
#[path = "../src/sql/testpg.rs"]
mod testpg;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{sipp, Service};
use console_support::{password, Client, Console};

/// A valid UK number (Ofcom's drama range).
const CALLER: &str = "+441632960555";

/// Waits until the service log holds `text`.
fn wait_log(svc: &Service, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !svc.log().contains(text) {
        assert!(Instant::now() < deadline, "no {text:?} in:\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `linewarden user add --role admin NAME --config CONFIG`.
fn add_admin(svc: &Service, name: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["user", "add", "--role", "admin", name, "--config"])
        .arg(&svc.config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{}", password(name)).expect("password");
    drop(stdin);
    let out = child.wait_with_output().expect("ends");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One call from `CALLER` to `svc`; its `policy` once it has ended. What
/// the caller hears is not the point here: the line has no phone, so an
/// allowlisted call may be ended by the service before SIPp's own BYE
/// (which SIPp counts as a failure); the policy B applied is.
fn call_policy(svc: &Service, call_id: &str) -> String {
    sipp(svc, "uac_pass.xml", call_id, &["-set", "caller", CALLER]);
    let call = svc.wait_call(call_id, |c| !c["ended_at"].is_null());
    call["policy"].as_str().unwrap_or_default().to_owned()
}

/// A file under `dir` (at any depth) whose name holds `part`.
fn find_file(dir: &Path, part: &str) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, part) {
                return Some(found);
            }
        } else if entry.file_name().to_string_lossy().contains(part) {
            return Some(path);
        }
    }
    None
}

/// Node A's console serves the recording node B made of the call
/// `call_id` (kept under the shared `files`): the same bytes, whole and
/// by Range.
fn recording_served_by_the_other_node(ann: &Client, files: &Path, call_id: &str) {
    let calls = ann.get("/api/calls").json();
    let call = calls["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .find(|c| c["call_id"] == call_id)
        .unwrap_or_else(|| panic!("{call_id} listed: {calls}"))
        .clone();
    let id = call["id"].as_i64().expect("id");
    assert_eq!(call["has_recording"], true, "{call}");
    let file = find_file(&files.join("recordings"), call_id)
        .unwrap_or_else(|| panic!("no recording of {call_id} in files_dir"));
    let on_disk = std::fs::read(&file).expect("read the recording");
    assert!(on_disk.len() > 1000, "{file:?}: {} bytes", on_disk.len());
    let path = format!("/api/calls/{id}/recording");
    let whole = ann.get(&path);
    assert_eq!(whole.status, 200, "{}", whole.text());
    assert_eq!(whole.body, on_disk, "the same bytes");
    let part = ann.get_with(&path, &[("Range", "bytes=100-299")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.body, on_disk[100..300]);
    assert_eq!(
        part.header("Content-Range"),
        Some(format!("bytes 100-299/{}", on_disk.len()).as_str())
    );
}

#[test]
fn a_line_changed_on_one_node_is_used_by_the_other() {
    let url = testpg::fresh_database();
    let shared = tempfile::tempdir().expect("tempdir");
    let files = shared.path().join("files");
    let store = format!("\n[store]\nurl = {url:?}\nfiles_dir = {files:?}\n");
    let policy = "[line.policy]\nallowlist = []\n";
    let a = Console::start_with(&store, policy, |_| {});
    let b = Service::start_custom(&store, policy, "record = true\n", &["*"], &[], |_| {});
    assert_ne!(a.svc.data_dir(), b.data_dir());
    assert_eq!(call_policy(&b, "cluster-before"), "challenge");

    add_admin(&a.svc, "ann");
    let ann = Client::logged_in(&a.base, "ann");
    let mut line = ann.get("/api/lines/test").json()["line"].clone();
    line["policy"]["allowlist"] = serde_json::json!([CALLER]);
    let changed = ann.send_json("PUT", "/api/lines/test", Some(&line), true);
    assert_eq!(changed.status, 200, "{}", changed.text());

    wait_log(&b, "the stored lines changed in the store");
    assert_eq!(call_policy(&b, "cluster-after"), "allowlisted");
    assert_eq!(call_policy(&a.svc, "cluster-on-a"), "allowlisted");

    recording_served_by_the_other_node(&ann, &files, "cluster-before");
    assert!(
        !b.data_dir().join("recordings").exists(),
        "B recorded into files_dir, not its data_dir"
    );
}
