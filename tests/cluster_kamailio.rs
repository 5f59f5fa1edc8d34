//! Two linewarden nodes behind Kamailio with the shipped configuration
//! (`deploy/kamailio/kamailio.cfg`): SIPp's calls to Kamailio are spread
//! over both nodes and bridged to the phone; a node drained by SIGTERM
//! answers 503, Kamailio sends every new call to the other node, and the
//! drained node's call in progress goes on until its caller hangs up. A
//! node killed with SIGKILL: Kamailio sends new calls to the other, and the
//! killed node marks its call `interrupted` when it starts again. Two
//! nodes sharing a PostgreSQL store: a phone that registered through
//! Kamailio (reaching one node) is rung by both, along its Path through
//! Kamailio.

mod common;
#[path = "../src/sql/testpg.rs"]
mod testpg;

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::raw_sip::RawCaller;
use common::Service;

/// The number both nodes allowlist: its calls go straight to the phone.
const CALLER: &str = "+441632960555";

/// Kamailio on a free loopback port, dispatching to `nodes`.
struct Kamailio {
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Kamailio {
    fn start(nodes: &[SocketAddr]) -> Kamailio {
        let dir = tempfile::tempdir().expect("tempdir");
        let list = dir.path().join("dispatcher.list");
        let text: String = nodes.iter().map(|n| format!("1 sip:{n}\n")).collect();
        std::fs::write(&list, text).expect("write dispatcher.list");
        let port = common::free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kamailio/kamailio.cfg");
        let log = std::fs::File::create(dir.path().join("kamailio.log")).expect("log");
        let child = Command::new("kamailio")
            .arg("-f")
            .arg(&cfg)
            .args(["-DD", "-E", "-m", "64", "-M", "8"])
            .args(["-A", &format!("LISTEN=udp:{addr}")])
            .args(["-A", &format!("DISPATCHER_LIST=\"{}\"", list.display())])
            .arg("-P")
            .arg(dir.path().join("kamailio.pid"))
            .arg("-Y")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run kamailio ({e}); apt-get install kamailio"));
        let kamailio = Kamailio { child, addr, dir };
        kamailio.wait_ready();
        kamailio
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kamailio.log")).unwrap_or_default()
    }

    /// Waits until an OPTIONS sent to Kamailio is answered 200 (by a node).
    fn wait_ready(&self) {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
        sock.set_read_timeout(Some(Duration::from_millis(300))).ok();
        let local = sock.local_addr().expect("local");
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut n = 0;
        while Instant::now() < deadline {
            n += 1;
            let msg = format!(
                "OPTIONS sip:probe@{a} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKkam{n}\r\nMax-Forwards: 70\r\nFrom: <sip:probe@{local}>;tag=p{n}\r\nTo: <sip:probe@{a}>\r\nCall-ID: kam-ready-{n}@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
                a = self.addr
            );
            sock.send_to(msg.as_bytes(), self.addr).ok();
            let mut buf = [0u8; 2048];
            if let Ok((len, _)) = sock.recv_from(&mut buf) {
                if String::from_utf8_lossy(&buf[..len]).starts_with("SIP/2.0 200") {
                    return;
                }
            }
        }
        panic!("kamailio did not start:\n{}", self.log());
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .ok();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A node: the caller allowlisted and bridged to the phone at `phone`.
fn node(phone: u16, service_keys: &str) -> Service {
    let phone = format!("sip:resident@127.0.0.1:{phone}");
    Service::start_custom(
        service_keys,
        &format!("[line.policy]\nallowlist = [\"{CALLER}\"]\n"),
        "",
        &["*"],
        &[&phone],
        |_| {},
    )
}

/// The phone: SIPp answering every call (the bench's phone scenario).
fn phone(port: u16, dir: &Path) -> Child {
    Command::new("sipp")
        .current_dir(dir)
        .arg("-sf")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sipp/phone.xml"))
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &common::sipp_media_port().to_string()])
        .args(["-nostdin", "-timeout", "120s"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run sipp as the phone")
}

/// `calls` calls (held 1 s) from the allowlisted caller to Kamailio, 10 a
/// second; SIPp's output (exit 0: every call succeeded).
fn callers(kamailio: &Kamailio, calls: usize, dir: &Path) -> Output {
    Command::new("sipp")
        .current_dir(dir)
        .arg(kamailio.addr.to_string())
        .arg("-sf")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sipp/caller.xml"))
        .args(["-i", "127.0.0.1", "-p", &common::free_port().to_string()])
        .args(["-m", &calls.to_string(), "-r", "10", "-nostdin"])
        .args(["-timeout", "60s", "-timeout_error", "-trace_err"])
        .stdin(Stdio::null())
        .output()
        .expect("run sipp as the callers")
}

/// Calls from the allowlisted caller in a node's call log.
fn bridged(svc: &Service) -> usize {
    svc.calls()
        .iter()
        .filter(|c| c["caller"] == CALLER && c["bridge"] == "answered")
        .count()
}

#[test]
fn calls_spread_over_two_nodes_and_a_draining_node_gets_no_new_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let phone_port = common::free_port();
    let mut phone = phone(phone_port, dir.path());
    let mut a = node(phone_port, "drain_secs = 60\n");
    let b = node(phone_port, "");
    let kamailio = Kamailio::start(&[a.addr, b.addr]);

    let out = callers(&kamailio, 20, dir.path());
    let why = |out: &Output, a: &Service, b: &Service| {
        format!(
            "sipp: {:?}\n{}\nkamailio:\n{}\nnode A:\n{}\nnode B:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr),
            kamailio.log(),
            a.log(),
            b.log()
        )
    };
    assert!(out.status.success(), "{}", why(&out, &a, &b));
    let (on_a, on_b) = (bridged(&a), bridged(&b));
    assert_eq!(on_a + on_b, 20, "{}", why(&out, &a, &b));
    assert!(
        on_a >= 5 && on_b >= 5,
        "A took {on_a}, B {on_b}: not spread"
    );

    // A call held on A, then A drains: new calls all go to B.
    let held = RawCaller::call(a.addr, "held-on-a");
    a.signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !a.log().contains("SIGTERM: draining") {
        assert!(Instant::now() < deadline, "A did not drain:\n{}", a.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = callers(&kamailio, 10, dir.path());
    assert!(out.status.success(), "{}", why(&out, &a, &b));
    assert_eq!(bridged(&a), on_a, "A took a call while draining");
    assert_eq!(bridged(&b), on_b + 10, "{}", why(&out, &a, &b));
    assert!(a.running(), "A stopped with a call in progress");

    held.hang_up();
    assert_eq!(a.wait_exit(Duration::from_secs(20)), Some(0));
    phone.kill().ok();
    phone.wait().ok();
}

#[test]
fn a_killed_node_loses_no_new_call_and_marks_its_call_interrupted_at_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let phone_port = common::free_port();
    let mut phone = phone(phone_port, dir.path());
    let mut a = node(phone_port, "");
    let b = node(phone_port, "");
    let kamailio = Kamailio::start(&[a.addr, b.addr]);

    let _held = RawCaller::call(a.addr, "held-on-a");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !a.calls().iter().any(|c| c["call_id"] == "held-on-a") {
        assert!(
            Instant::now() < deadline,
            "held call not logged:\n{}",
            a.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // SIGKILL: A stops answering at once, with its call open in its log.
    let pid = a.pid();
    Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill");
    let out = callers(&kamailio, 10, dir.path());
    assert!(
        out.status.success(),
        "sipp: {}\nkamailio:\n{}",
        String::from_utf8_lossy(&out.stderr),
        kamailio.log()
    );
    assert_eq!(bridged(&b), 10, "B took every call");

    a.crash_and_restart();
    let calls = a.calls();
    let held = calls
        .iter()
        .find(|c| c["call_id"] == "held-on-a")
        .expect("the held call is in A's log");
    assert_eq!(held["end_reason"], "interrupted", "{held}");
    phone.kill().ok();
    phone.wait().ok();
}

/// A node with a phone account and no fixed phone, on the store at `url`.
fn registrar_node(url: &str) -> Service {
    Service::start_custom(
        "",
        "",
        &format!(
            "[line.policy]\nallowlist = [\"{CALLER}\"]\n\n[[line.account]]\n\
             user = \"kitchen\"\npassword = \"kitchen-secret\"\n\n[store]\nurl = {url:?}\n"
        ),
        &["*"],
        &[],
        |_| {},
    )
}

/// The INVITEs in a SIPp message log: each one's Call-ID and Via lines.
fn invites_received(log: &str) -> Vec<(String, Vec<String>)> {
    log.split("message received")
        .filter_map(|msg| {
            let lines: Vec<&str> = msg.lines().map(str::trim).collect();
            lines.iter().find(|l| l.starts_with("INVITE sip:"))?;
            let header = |name: &str| {
                lines
                    .iter()
                    .filter(|l| l.to_ascii_lowercase().starts_with(name))
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
            };
            let call_id = header("call-id:").first()?.clone();
            Some((call_id, header("via:")))
        })
        .collect()
}

#[test]
fn a_phone_registered_through_one_node_is_rung_by_both_along_its_path() {
    let url = testpg::fresh_database();
    let dir = tempfile::tempdir().expect("tempdir");
    let phone_port = common::free_port();
    // One after the other: the first migrates the shared database.
    let a = registrar_node(&url);
    let b = registrar_node(&url);
    let kamailio = Kamailio::start(&[a.addr, b.addr]);

    let target = kamailio.addr.to_string();
    let args = [target.as_str(), "-s", "kitchen", "-au", "kitchen"];
    let out = common::sipp_peer(
        dir.path(),
        "phone_register.xml",
        phone_port,
        &[&args[..], &["-ap", "kitchen-secret"]].concat(),
        "register_messages.log",
    )
    .output()
    .expect("run sipp as the registering phone");
    let wire =
        std::fs::read_to_string(dir.path().join("register_messages.log")).unwrap_or_default();
    assert!(
        out.status.success(),
        "{}\n{wire}\nkamailio:\n{}\nA:\n{}\nB:\n{}",
        String::from_utf8_lossy(&out.stderr),
        kamailio.log(),
        a.log(),
        b.log()
    );
    let registered_on = |svc: &Service| svc.log().contains("phone registered");
    assert!(
        registered_on(&a) != registered_on(&b),
        "the REGISTER lands on one node"
    );
    // The other node reads the store's bindings every second.
    std::thread::sleep(Duration::from_millis(2500));

    let mut phone = Command::new("sipp")
        .current_dir(dir.path())
        .arg("-sf")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sipp/phone.xml"))
        .args(["-i", "127.0.0.1", "-p", &phone_port.to_string()])
        .args(["-mp", &common::sipp_media_port().to_string()])
        .args(["-nostdin", "-timeout", "120s"])
        .args(["-trace_msg", "-message_file", "phone_messages.log"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run sipp as the phone");
    std::thread::sleep(Duration::from_millis(500));
    const CALLS: usize = 6;
    let out = callers(&kamailio, CALLS, dir.path());
    phone.kill().ok();
    phone.wait().ok();
    let wire = std::fs::read_to_string(dir.path().join("phone_messages.log")).unwrap_or_default();
    assert!(
        out.status.success(),
        "sipp: {}\nphone:\n{wire}\nkamailio:\n{}\nA:\n{}\nB:\n{}",
        String::from_utf8_lossy(&out.stderr),
        kamailio.log(),
        a.log(),
        b.log()
    );
    // One shared call log: every call bridged to the registered phone.
    assert_eq!(bridged(&a), CALLS, "{wire}");

    // Every call rang the phone through Kamailio (its Via on top), and
    // both nodes rang it (a node's Via below Kamailio's).
    let mut invites = invites_received(&wire);
    invites.sort();
    invites.dedup_by(|x, y| x.0 == y.0);
    assert_eq!(invites.len(), CALLS, "{wire}");
    let via_of = |addr: SocketAddr| format!("127.0.0.1:{}", addr.port());
    let from = |node: SocketAddr| {
        invites
            .iter()
            .filter(|(_, vias)| {
                vias.first()
                    .is_some_and(|v| v.contains(&via_of(kamailio.addr)))
                    && vias.iter().skip(1).any(|v| v.contains(&via_of(node)))
            })
            .count()
    };
    let (by_a, by_b) = (from(a.addr), from(b.addr));
    assert_eq!(by_a + by_b, CALLS, "{wire}");
    assert!(by_a >= 1 && by_b >= 1, "A rang {by_a}, B {by_b}: {wire}");
}
