//! Lines managed from the console, against the real service: `/api/lines`
//! for every role (401 without a session, 403 outside one's lines and for
//! a tenant's change, 200/201 within), refused lines (400 naming the
//! field, with the configuration file's own message), a line added over
//! the API taking calls at once and surviving a restart, the call page's
//! "always block" refusing the caller's next call. (`lines import` and
//! `lines export`: `console_lines_file.rs`.)

mod common;
mod console_support;

use std::process::Command;
use std::time::{Duration, Instant};

use console_support::{add_user, Client, Console, NewUser};
use serde_json::{json, Value};

/// Valid UK numbers (Ofcom's drama range).
const CALLER: &str = "+441632960555";
const OTHER: &str = "+441632960777";

fn line(name: &str, number: &str, allow: &[&str]) -> Value {
    json!({ "name": name, "numbers": [number], "policy": { "allowlist": allow } })
}

fn names(reply: &console_support::Reply) -> Vec<String> {
    reply
        .json()
        .as_array()
        .expect("lines")
        .iter()
        .map(|s| s["line"]["name"].as_str().expect("name").to_owned())
        .collect()
}

fn start() -> Console {
    Console::start("", |data| {
        for user in [
            NewUser("ann", "admin", &[]),
            NewUser("sam", "staff", &["flat-9"]),
            NewUser("tia", "tenant", &["test"]),
        ] {
            add_user(data, &user);
        }
    })
}

#[test]
fn every_role_against_the_lines_api() {
    let console = start();
    let base = &console.base;
    let anonymous = Client::new(base);
    for (method, path) in [
        ("GET", "/api/lines"),
        ("GET", "/api/lines/test"),
        ("POST", "/api/lines"),
        ("PUT", "/api/lines/test"),
        ("DELETE", "/api/lines/test"),
    ] {
        let body = (method != "GET" && method != "DELETE").then(|| line("test", "1", &[]));
        let status = match method {
            "GET" => anonymous.get(path).status,
            _ => {
                anonymous
                    .send_json(method, path, body.as_ref(), true)
                    .status
            }
        };
        assert_eq!(status, 401, "no session: {method} {path}");
    }
    let (ann, sam, tia) = (
        Client::logged_in(base, "ann"),
        Client::logged_in(base, "sam"),
        Client::logged_in(base, "tia"),
    );
    // Reading: admins every line, staff and tenants their own.
    assert_eq!(names(&ann.get("/api/lines")), ["test"]);
    assert!(names(&sam.get("/api/lines")).is_empty());
    assert_eq!(names(&tia.get("/api/lines")), ["test"]);
    assert_eq!(ann.get("/api/lines/test").json()["source"], "file");
    assert_eq!(sam.get("/api/lines/test").status, 403);
    assert_eq!(tia.get("/api/lines/test").status, 200);
    assert_eq!(ann.get("/api/lines/nowhere").status, 404);

    // Adding: a tenant never, staff only their lines; without CSRF never.
    let flat9 = line("flat-9", "1009", &[CALLER]);
    assert_eq!(tia.post_json("/api/lines", &flat9, true).status, 403);
    assert_eq!(sam.post_json("/api/lines", &flat9, false).status, 403);
    let added = sam.post_json("/api/lines", &flat9, true);
    assert_eq!(added.status, 201, "{}", added.text());
    assert_eq!(added.json()["source"], "store");
    assert_eq!(sam.post_json("/api/lines", &flat9, true).status, 409);
    let flat10 = line("flat-10", "1010", &[]);
    assert_eq!(sam.post_json("/api/lines", &flat10, true).status, 403);
    assert_eq!(ann.post_json("/api/lines", &flat10, true).status, 201);
    assert_eq!(names(&sam.get("/api/lines")), ["flat-9"]);
    assert_eq!(names(&ann.get("/api/lines")), ["test", "flat-10", "flat-9"]);

    // Changing: the file's line is stored and then replaces it.
    let mut test = ann.get("/api/lines/test").json()["line"].clone();
    test["policy"]["blocklist"] = json!([OTHER]);
    for (who, c) in [("sam", &sam), ("tia", &tia)] {
        let status = c
            .send_json("PUT", "/api/lines/test", Some(&test), true)
            .status;
        assert_eq!(status, 403, "{who}");
    }
    let changed = ann.send_json("PUT", "/api/lines/test", Some(&test), true);
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["source"], "store_over_file");
    assert_eq!(
        changed.json()["line"]["policy"]["blocklist"],
        json!([OTHER])
    );
    assert_eq!(
        tia.get("/api/lines/test").json()["line"]["policy"]["blocklist"],
        json!([OTHER])
    );

    // Removing: the stored line goes, the file's comes back; a line only
    // the file has cannot be removed here.
    for (who, c, path, csrf, want) in [
        ("sam", &sam, "/api/lines/flat-10", true, 403),
        ("tia", &tia, "/api/lines/test", true, 403),
        ("ann without CSRF", &ann, "/api/lines/flat-10", false, 403),
        ("ann", &ann, "/api/lines/flat-10", true, 200),
        ("ann again", &ann, "/api/lines/flat-10", true, 404),
    ] {
        let status = c.send_json("DELETE", path, None, csrf).status;
        assert_eq!(status, want, "{who}: DELETE {path}");
    }
    let back = ann.send_json("DELETE", "/api/lines/test", None, true);
    assert_eq!(back.status, 200);
    assert_eq!(back.json()["source"], "file");
    assert_eq!(back.json()["line"]["policy"]["blocklist"], json!([]));
    assert_eq!(
        ann.send_json("DELETE", "/api/lines/test", None, true)
            .status,
        409
    );
    assert_eq!(
        sam.send_json("DELETE", "/api/lines/flat-9", None, true)
            .status,
        200
    );

    // Every change is audited.
    let audit = ann.get("/api/audit").json();
    let actions: Vec<(&str, &str)> = audit
        .as_array()
        .expect("audit")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["target"].as_str().unwrap_or(""),
            )
        })
        .collect();
    for want in [
        ("line added", "line flat-9"),
        ("line added", "line flat-10"),
        ("line changed", "line test"),
        ("line removed", "line test"),
        ("line removed", "line flat-9"),
    ] {
        assert!(actions.contains(&want), "{want:?} in {actions:?}");
    }
}

/// The message `linewarden check-config` gives for a `[[line]]` named
/// `name` with number 1001 and the keys `line_keys`: the text after the
/// key path.
fn file_message(dir: &std::path::Path, name: &str, line_keys: &str) -> String {
    let path = dir.join("check.toml");
    let text = format!("[[line]]\nname = {name:?}\nnumbers = [\"1001\"]\n{line_keys}\n");
    std::fs::write(&path, text).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["check-config"])
        .arg(&path)
        .output()
        .expect("check-config");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let (_, message) = err.split_once(": key ").expect("key");
    let (_, message) = message.split_once(": ").expect("message");
    message.trim().to_owned()
}

#[test]
fn refused_lines_name_the_field_with_the_files_message() {
    let console = start();
    let ann = Client::logged_in(&console.base, "ann");
    let dir = tempfile::tempdir().expect("dir");
    // The line's body, the field named, and the same line's keys in a
    // file (for the file's message) when the rule is one of the file's.
    let cases = [
        (
            json!({"name": "bad name", "numbers": ["1001"]}),
            "name",
            Some(""),
        ),
        (
            line("flat-1", "1001", &["12ab"]),
            "policy.allowlist[0]",
            Some("[line.policy]\nallowlist = [\"12ab\"]"),
        ),
        (
            json!({"name": "flat-1", "numbers": ["1001"], "screening": {"retries": 9}}),
            "screening.retries",
            Some("[line.screening]\nretries = 9"),
        ),
        (
            json!({"name": "flat-1", "numbers": ["1001"], "phones": ["resident"]}),
            "phones[0]",
            Some("phones = [\"resident\"]"),
        ),
        (
            json!({"name": "flat-1", "numbers": ["1001"], "colour": "red"}),
            "colour",
            None,
        ),
        (
            json!({"name": "flat-1", "numbers": ["1001"], "screening": {"retries": "x"}}),
            "screening.retries",
            None,
        ),
        // The catch-all is the file's line "test".
        (line("flat-1", "*", &[]), "numbers[0]", None),
    ];
    for (body, field, file_keys) in cases {
        let r = ann.post_json("/api/lines", &body, true);
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        let e = r.json();
        assert_eq!(e["field"], field, "{e}");
        let message = e["error"].as_str().expect("error");
        assert!(message.starts_with(&format!("{field}: ")), "{message}");
        if let Some(keys) = file_keys {
            let name = body["name"].as_str().expect("name");
            let want = file_message(dir.path(), name, keys);
            assert_eq!(message, format!("{field}: {want}"), "{body}");
        }
    }
    let taken = ann
        .post_json("/api/lines", &line("flat-1", "*", &[]), true)
        .json();
    assert!(
        taken["error"]
            .as_str()
            .expect("error")
            .contains("line \"test\""),
        "{taken}"
    );
    assert_eq!(names(&ann.get("/api/lines")), ["test"], "nothing was added");
}

/// Sends an INVITE from `from` to `to`; the final response's status line.
fn invite_final(console: &Console, from: &str, to: &str, call_id: &str) -> String {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(300))).ok();
    let local = sock.local_addr().expect("addr");
    let a = console.svc.addr;
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let invite = format!(
        "INVITE sip:{to}@{a} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-{branch};rport\r\nMax-Forwards: 70\r\nFrom: <sip:{from}@{local}>;tag=t\r\nTo: <sip:{to}@{a}>\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@{local}>\r\nContent-Type: application/sdp\r\nContent-Length: {len}\r\n\r\n{sdp}",
        len = sdp.len(),
        branch = call_id.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    sock.send_to(invite.as_bytes(), a).expect("send");
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok((n, _)) = sock.recv_from(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            if !text.starts_with("SIP/2.0 1") {
                return text.lines().next().unwrap_or("").to_owned();
            }
        }
    }
    panic!("no final response to {call_id}");
}

#[test]
fn an_added_line_takes_calls_at_once_and_survives_a_restart() {
    let mut console = start();
    let ann = Client::logged_in(&console.base, "ann");
    let added = ann.post_json("/api/lines", &line("flat-7", "1007", &[CALLER]), true);
    assert_eq!(added.status, 201, "{}", added.text());

    // The allowlisted caller to the new line's number is let through.
    let out = common::sipp(
        &console.svc,
        "uac_pass.xml",
        "lines-1",
        &["-set", "caller", CALLER, "-s", "1007"],
    );
    common::assert_ok(&out, &console.svc, "call to the added line");
    let call = console
        .svc
        .wait_call("lines-1", |c| !c["ended_at"].is_null());
    assert_eq!(
        (call["line"].as_str(), call["policy"].as_str()),
        (Some("flat-7"), Some("allowlisted")),
        "{call}"
    );

    // Another caller on the file's line is challenged; "always block" from
    // the call's page refuses their next call.
    let out = common::sipp(
        &console.svc,
        "uac_pass.xml",
        "lines-2",
        &["-set", "caller", OTHER],
    );
    common::assert_ok(&out, &console.svc, "call to the file's line");
    console
        .svc
        .wait_call("lines-2", |c| !c["ended_at"].is_null());
    let calls = ann.get("/api/calls?caller=%2B441632960777").json();
    let id = calls["calls"][0]["id"].as_i64().expect("call id");
    let csrf = ann.csrf.clone().expect("csrf");
    let listed = ann.post_form(
        &format!("/calls/{id}/list"),
        &[("list", "block"), ("csrf", &csrf)],
    );
    assert_eq!(listed.status, 303, "{}", listed.text());
    let test = ann.get("/api/lines/test").json();
    assert_eq!(
        test["line"]["policy"]["blocklist"],
        json!([OTHER]),
        "{test}"
    );
    assert_eq!(
        invite_final(&console, OTHER, "5550000", "lines-3@test"),
        "SIP/2.0 603 Decline"
    );
    let page = ann.get(&format!("/calls/{id}")).text();
    assert!(page.contains("on the line's blocklist"), "{page}");

    // Both stored lines are back after a restart, and still screen.
    console.svc.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    while console.svc.log().matches("console is running").count() < 2 {
        assert!(Instant::now() < deadline, "no console after the restart");
        std::thread::sleep(Duration::from_millis(50));
    }
    let ann = Client::logged_in(&console.base, "ann");
    let flat7 = ann.get("/api/lines/flat-7").json();
    assert_eq!(flat7["source"], "store");
    assert_eq!(flat7["line"]["policy"]["allowlist"], json!([CALLER]));
    assert_eq!(
        ann.get("/api/lines/test").json()["source"],
        "store_over_file"
    );
    assert_eq!(
        invite_final(&console, OTHER, "5550000", "lines-4@test"),
        "SIP/2.0 603 Decline"
    );
}

#[test]
fn the_console_follows_a_reload_and_keeps_its_lines_through_it() {
    let console = start();
    let ann = Client::logged_in(&console.base, "ann");
    let added = ann.post_json("/api/lines", &line("flat-7", "1007", &[CALLER]), true);
    assert_eq!(added.status, 201, "{}", added.text());
    // The file gains a line; SIGHUP.
    let mut text = std::fs::read_to_string(&console.svc.config).expect("config");
    text.push_str("\n[[line]]\nname = \"flat-20\"\nnumbers = [\"1020\"]\n");
    std::fs::write(&console.svc.config, text).expect("write");
    console.svc.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !console.svc.log().contains("configuration reloaded") {
        assert!(
            Instant::now() < deadline,
            "no reload:\n{}",
            console.svc.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(names(&ann.get("/api/lines")), ["test", "flat-20", "flat-7"]);
    assert_eq!(ann.get("/api/lines/flat-7").json()["source"], "store");
    let users = ann.get("/users").text();
    assert!(users.contains("<option value=\"flat-20\">"), "{users}");
}
