//! `[store] url`: the service on a PostgreSQL database. A caller who passes
//! the challenge is logged there (no `calls.sqlite` appears; the recording
//! is in the data directory), `calls` reads it back, the console's `user`
//! commands keep people there, and all of it is still there after a
//! restart; the service (with its console) stops cleanly. The database is a fresh one on a throwaway cluster.

mod common;
#[path = "../src/sql/testpg.rs"]
mod testpg;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{assert_ok, sipp, Service};

/// Runs `linewarden ARGS --config CONFIG`, with `stdin` given; its stdout.
fn linewarden(svc: &Service, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(args)
        .arg("--config")
        .arg(&svc.config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("writes");
    let out = child.wait_with_output().expect("ends");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn calls_and_users_are_kept_in_postgres() {
    let url = testpg::fresh_database();
    // The console too: its connections are closed when the service stops.
    let console = common::free_port();
    let screening = format!(
        "challenge_digit = 5\ndigit_timeout_secs = 4\n\n[store]\nurl = {url:?}\n\n\
         [console]\nlisten = \"127.0.0.1:{console}\"\n"
    );
    let mut svc = Service::start(&screening);
    let out = sipp(&svc, "uac_pass.xml", "pg-1", &[]);
    assert_ok(&out, &svc, "pass");
    let call = svc.wait_call("pg-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "passed", "{call}");
    let recording = call["recording"].as_str().expect("recorded");
    assert!(svc.data_dir().join(recording).is_file(), "{recording}");
    assert!(
        !svc.data_dir().join("calls.sqlite").exists(),
        "no SQLite call log beside the recordings"
    );
    let mut db = postgres::Client::connect(&url, postgres::NoTls).expect("connects");
    let row = db
        .query_one(
            "SELECT outcome, end_reason FROM calls WHERE call_id = 'pg-1'",
            &[],
        )
        .expect("the call is in the database");
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some("passed"));
    assert!(row.get::<_, Option<String>>(1).is_some());

    linewarden(
        &svc,
        &["user", "add", "--role", "admin", "ann"],
        "correct horse battery\n",
    );
    assert!(linewarden(&svc, &["user", "list"], "").contains("ann\tadmin"));
    let audit: i64 = db
        .query_one(
            "SELECT COUNT(*) FROM audit WHERE action = 'user added'",
            &[],
        )
        .expect("audit")
        .get(0);
    assert_eq!(audit, 1);

    svc.restart();
    assert_eq!(svc.calls().len(), 1, "the call log survives a restart");
    assert!(linewarden(&svc, &["user", "list"], "").contains("ann\tadmin"));
    assert_eq!(svc.stop(), Some(0), "a clean stop");
    assert!(
        !svc.log().contains("panicked"),
        "no panic (a connection closed on the runtime):\n{}",
        svc.log()
    );
}
