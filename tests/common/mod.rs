//! Test support: run the real `linewarden serve` binary on loopback with a
//! throw-away config and data directory, drive it with real SIP peers, and
//! read back its call log.
#![allow(dead_code)]

pub mod raw_sip;
pub mod webhook;

use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A running `linewarden serve`.
pub struct Service {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    /// The service's RTP port range.
    pub rtp_ports: (u16, u16),
}

/// A port free for both UDP and TCP, for a service or a peer to listen on.
///
/// Ports come from 21000–29999: below the kernel's ephemeral ports
/// (32768–60999), where any socket bound to port 0 — a SIPp peer's, a
/// service's outgoing leg, another test's — could take one between this
/// check and the bind that uses it; above the default RTP range
/// (20000–20999); apart from the services' RTP ranges (`rtp_range`) and
/// SIPp's media ports (`sipp_media_port`). Within a test binary a counter
/// hands each port out once, four apart, as some peers bind the ports
/// above their own (baresip, SIPp); the process id spreads binaries apart.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 21_000;
    const SLOTS: u32 = 9_000 / 4;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(97) % SLOTS,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let port = (FIRST + NEXT.fetch_add(1, Ordering::SeqCst) % SLOTS * 4) as u16;
        if UdpSocket::bind(("127.0.0.1", port)).is_ok()
            && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
        {
            return port;
        }
    }
}

/// A media port for one SIPp instance. SIPp binds the port and the three
/// above it (RTCP, video), so ports come four at a time from a range above
/// the kernel's ephemeral ports (32768–60999) and the services' RTP ranges,
/// where neither `free_port` nor a service can take them meanwhile.
pub fn sipp_media_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 61_000;
    const SLOTS: u32 = (65_500 - FIRST) / 4;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id() % SLOTS,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let slot = NEXT.fetch_add(1, Ordering::SeqCst) % SLOTS;
        let port = (FIRST + slot * 4) as u16;
        if (port..port + 4).all(|p| UdpSocket::bind(("127.0.0.1", p)).is_ok()) {
            return port;
        }
    }
}

/// An RTP range of 40 ports unlikely to collide with another test's.
fn rtp_range(sip_port: u16) -> (u16, u16) {
    let base = 30000 + (sip_port % 700) * 40;
    (base, base + 39)
}

impl Service {
    /// Starts the service with the given `[[line]]` screening extras
    /// (TOML lines appended to `[line.screening]`).
    pub fn start(screening_extra: &str) -> Service {
        Self::start_with_numbers(screening_extra, &["*"])
    }

    /// Starts the service with one line whose phones are `phones`.
    pub fn start_with_phones(screening_extra: &str, phones: &[&str]) -> Service {
        Self::start_line(screening_extra, &["*"], phones)
    }

    /// Like [`Service::start_with_phones`], with more keys of the
    /// `[[line]]` table itself (`line_keys`, TOML lines).
    pub fn start_with_line_keys(
        line_keys: &str,
        screening_extra: &str,
        phones: &[&str],
    ) -> Service {
        Self::start_full(line_keys, screening_extra, &["*"], phones)
    }

    /// Starts the service with one line answering `numbers`.
    pub fn start_with_numbers(screening_extra: &str, numbers: &[&str]) -> Service {
        Self::start_line(screening_extra, numbers, &[])
    }

    fn start_line(screening_extra: &str, numbers: &[&str], phones: &[&str]) -> Service {
        Self::start_full("", screening_extra, numbers, phones)
    }

    /// Like [`Service::start_with_phones`], with more keys of the
    /// `[service]` table (`service_keys`, TOML lines).
    pub fn start_with_service_keys(
        service_keys: &str,
        screening_extra: &str,
        phones: &[&str],
    ) -> Service {
        Self::start_custom(service_keys, "", screening_extra, &["*"], phones, |_| {})
    }

    fn start_full(
        line_keys: &str,
        screening_extra: &str,
        numbers: &[&str],
        phones: &[&str],
    ) -> Service {
        Self::start_custom("", line_keys, screening_extra, numbers, phones, |_| {})
    }

    /// The most general start: more `[service]` keys (`service_keys`, TOML
    /// lines), and `prepare` called with the (not yet existing) data
    /// directory's path before the service starts.
    pub fn start_custom(
        service_keys: &str,
        line_keys: &str,
        screening_extra: &str,
        numbers: &[&str],
        phones: &[&str],
        prepare: impl FnOnce(&Path),
    ) -> Service {
        let phones = phones
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        let numbers = numbers
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        // Speech recognition is off unless a test turns it on: its false
        // alarms would make test calls risky and trigger callbacks.
        let speech = if screening_extra.contains("[speech]") {
            ""
        } else {
            "[speech]\nengine = \"off\"\n"
        };
        // Tests start many services at once on a busy machine, where the
        // event loop of a debug build often runs late: shedding calls for
        // that would fail tests at random. Admission by lag is tested on a
        // virtual clock in ivr and measured by benches/overload.sh.
        let lag = if service_keys.contains("max_lag_ms") {
            ""
        } else {
            "max_lag_ms = 10000\n"
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let (first, last) = rtp_range(port);
        let config = dir.path().join("linewarden.toml");
        let data = dir.path().join("data");
        let text = format!(
            r#"[service]
listen = "127.0.0.1:{port}"
data_dir = "{data}"
rtp_ports = {{ first = {first}, last = {last} }}
shutdown_grace_secs = 2
{lag}{service_keys}

[[line]]
name = "test"
numbers = [{numbers}]
phones = [{phones}]
ring_timeout_secs = 5
{line_keys}
[line.screening]
{screening_extra}
{speech}
"#,
            data = data.display()
        );
        std::fs::write(&config, text).expect("write config");
        prepare(&data);
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let mut svc = Service {
            child: None,
            addr,
            dir,
            config,
            rtp_ports: (first, last),
        };
        svc.spawn();
        svc
    }

    /// Starts the binary on this service's config and waits until it
    /// answers; its log is appended to `service.log`.
    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("service.log"))
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_linewarden"))
            .arg("serve")
            .arg("--config")
            .arg(&self.config)
            // A call's steps are DEBUG lines (its INFO line is a summary);
            // tests read some of them.
            .env("RUST_LOG", "info,rsipstack=info,linewarden=debug")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start linewarden");
        self.child = Some(child);
        self.wait_ready();
        // SIP answers before the rest of start-up (speech models) is done.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.log().contains("linewarden is running") {
            assert!(
                Instant::now() < deadline,
                "linewarden did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the service cleanly and starts it again on the same config
    /// and data directory.
    pub fn restart(&mut self) {
        assert_eq!(self.stop(), Some(0), "clean stop before restart");
        self.spawn();
    }

    /// Waits until the service answers OPTIONS.
    fn wait_ready(&self) {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
        sock.set_read_timeout(Some(Duration::from_millis(200))).ok();
        let deadline = Instant::now() + Duration::from_secs(20);
        let local = sock.local_addr().expect("local");
        while Instant::now() < deadline {
            let msg = format!(
                "OPTIONS sip:probe@{a} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKready{n}\r\nMax-Forwards: 70\r\nFrom: <sip:probe@{local}>;tag=probe\r\nTo: <sip:probe@{a}>\r\nCall-ID: ready-{n}@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
                a = self.addr,
                n = fastrand::u32(..)
            );
            sock.send_to(msg.as_bytes(), self.addr).ok();
            let mut buf = [0u8; 2048];
            if let Ok((n, _)) = sock.recv_from(&mut buf) {
                if String::from_utf8_lossy(&buf[..n]).starts_with("SIP/2.0 200") {
                    return;
                }
            }
        }
        panic!("linewarden did not start:\n{}", self.log());
    }

    /// The service's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("service.log")).unwrap_or_default()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status code.
    pub fn stop(&mut self) -> Option<i32> {
        let child = self.child.as_ref()?;
        Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .ok();
        self.wait_exit(Duration::from_secs(20))
    }

    /// Kills the service with SIGKILL (a crash) and starts it again on the
    /// same config and data directory.
    pub fn crash_and_restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
        self.spawn();
    }

    /// The running service's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Whether the service's process is still running.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Waits up to `limit` for the service to exit by itself; its exit
    /// code.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let mut child = self.child.take()?;
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code();
            }
            if Instant::now() > deadline {
                child.kill().ok();
                panic!("linewarden did not exit in {limit:?}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends the running service `signal` (a `kill` name: "HUP").
    pub fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("running");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{signal}");
    }

    /// The call log as JSON objects, newest first.
    pub fn calls(&self) -> Vec<serde_json::Value> {
        let out = Command::new(env!("CARGO_BIN_EXE_linewarden"))
            .args(["calls", "--json", "--config"])
            .arg(&self.config)
            .output()
            .expect("linewarden calls");
        assert!(
            out.status.success(),
            "calls failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }

    /// Polls the call log until `pred` holds for some call.
    pub fn wait_call_where(&self, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let calls = self.calls();
            if let Some(c) = calls.iter().find(|c| pred(c)) {
                return c.clone();
            }
            if Instant::now() > deadline {
                panic!("no call matched: {calls:?}\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Polls the call log until `pred` holds for the call with this Call-ID.
    pub fn wait_call(
        &self,
        call_id: &str,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let calls = self.calls();
            if let Some(c) = calls.iter().find(|c| c["call_id"] == call_id) {
                if pred(c) {
                    return c.clone();
                }
                if Instant::now() > deadline {
                    panic!("call {call_id} never matched: {c}\n{}", self.log());
                }
            } else if Instant::now() > deadline {
                panic!("call {call_id} not in the log: {calls:?}\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

/// The scenario directory.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(name)
}

/// The SIPp command for one call of `scenario_file` against the service,
/// with its Call-ID set to `call_id` and message traces in the test's
/// directory.
pub fn sipp_command(svc: &Service, scenario_file: &str, call_id: &str, extra: &[&str]) -> Command {
    let media_port = sipp_media_port();
    let mut cmd = Command::new("sipp");
    cmd.current_dir(svc.dir.path())
        .arg(svc.addr.to_string())
        .arg("-sf")
        .arg(scenario(scenario_file))
        .args(["-i", "127.0.0.1", "-p"])
        .arg(free_port().to_string())
        .arg("-mp")
        .arg(media_port.to_string())
        .args([
            "-m",
            "1",
            "-timeout",
            "90s",
            "-timeout_error",
            "-nostdin",
            "-trace_err",
            "-trace_msg",
        ])
        .args(["-cid_str", call_id])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// SIPp playing a peer (a phone, a trunk) from `port`: `scenario` run once
/// in `dir`, with its own media port, a 60 s limit, and its messages traced
/// to `log` there; `extra` arguments are added (a target address first, if
/// the peer starts the call). Scenario `"uas"` is SIPp's built-in callee.
pub fn sipp_peer(dir: &Path, scenario_file: &str, port: u16, extra: &[&str], log: &str) -> Command {
    let mut cmd = Command::new("sipp");
    cmd.current_dir(dir).args(extra);
    if scenario_file == "uas" {
        cmd.args(["-sn", "uas"]);
    } else {
        cmd.arg("-sf").arg(scenario(scenario_file));
    }
    cmd.args(["-i", "127.0.0.1", "-p"])
        .arg(port.to_string())
        .arg("-mp")
        .arg(sipp_media_port().to_string())
        .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"])
        .args(["-trace_msg", "-message_file", log])
        .stdin(Stdio::null());
    cmd
}

/// Runs one SIPp call of `scenario` against the service; returns its output.
pub fn sipp(svc: &Service, scenario_file: &str, call_id: &str, extra: &[&str]) -> Output {
    sipp_command(svc, scenario_file, call_id, extra)
        .output()
        .unwrap_or_else(|e| panic!("cannot run sipp ({e}); install it: apt-get install sip-tester"))
}

/// Runs one SIPp call in the background (for tests that act on the service
/// while the call is up).
pub fn sipp_in_background(
    svc: &Service,
    scenario_file: &str,
    call_id: &str,
) -> std::thread::JoinHandle<Output> {
    let mut cmd = sipp_command(svc, scenario_file, call_id, &[]);
    std::thread::spawn(move || cmd.output().expect("run sipp"))
}

/// SIPp's message trace of a run (all messages it sent and received).
pub fn sipp_messages(svc: &Service) -> String {
    let mut all = String::new();
    if let Ok(rd) = std::fs::read_dir(svc.dir.path()) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with("_messages.log") || name.ends_with("_errors.log") {
                let mut s = String::new();
                if let Ok(mut f) = std::fs::File::open(e.path()) {
                    f.read_to_string(&mut s).ok();
                }
                all.push_str(&format!("==== {name}\n{s}"));
            }
        }
    }
    all
}

/// Fails the test with everything useful when a SIPp run did not succeed.
pub fn assert_ok(out: &std::process::Output, svc: &Service, what: &str) {
    assert!(
        out.status.success(),
        "{what}: sipp exit {:?}\nstdout:\n{}\nstderr:\n{}\nmessages:\n{}\nservice log:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        sipp_messages(svc),
        svc.log()
    );
}

/// The call rang at least `rung_ms` before it was answered, and its
/// recording holds only the answered part (within a second), not the
/// ringing.
pub fn assert_recorded_from_answer(svc: &Service, call: &serde_json::Value, rung_ms: f64) {
    let talk_ms = call["talk_ms"].as_f64().expect("talk_ms");
    let duration_ms = call["duration_ms"].as_f64().expect("duration_ms");
    assert!(duration_ms - talk_ms >= rung_ms, "{call}");
    let rec = svc
        .data_dir()
        .join(call["recording"].as_str().expect("recording"));
    let reader = hound::WavReader::open(&rec).expect("valid WAV");
    let spec = reader.spec();
    let rec_ms = f64::from(reader.duration()) * 1000.0 / f64::from(spec.sample_rate);
    assert!(rec_ms > 500.0, "something was recorded: {rec_ms} ms");
    assert!(
        rec_ms <= talk_ms + 1000.0,
        "recorded {rec_ms} ms of a call answered for {talk_ms} ms: {call}"
    );
}

/// A webhook receiver on a free port: accepts one HTTP request, answers
/// 200, and hands back its head and body.
pub fn webhook_receiver() -> (u16, std::sync::mpsc::Receiver<(String, String)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = std::sync::mpsc::channel();
    use std::io::{BufRead, Read, Write};
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let mut reader = std::io::BufReader::new(stream);
        let mut head = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            let end = line == "\r\n";
            head.push_str(&line);
            if end {
                break;
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).ok();
        let mut stream = reader.into_inner();
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .ok();
        tx.send((head, String::from_utf8_lossy(&body).into_owned()))
            .ok();
    });
    (port, rx)
}

/// SIPp as the line's phone account `kitchen` (digest password
/// `password`) running `scenario` from `port` against `svc`, dialling
/// `number`; its output.
pub fn kitchen_phone(
    svc: &Service,
    port: u16,
    scenario: &str,
    number: &str,
    password: &str,
    log: &str,
) -> Output {
    let target = svc.addr.to_string();
    let args = [
        target.as_str(),
        "-s",
        number,
        "-set",
        "user",
        "kitchen",
        "-au",
        "kitchen",
        "-ap",
        password,
    ];
    sipp_peer(svc.dir.path(), scenario, port, &args, log)
        .output()
        .expect("run sipp as the phone")
}

/// SIPp as the provider's trunk (`trunk_callout.xml`: challenges one
/// INVITE with 401, then takes the call), on `port` in the background; its
/// messages in `dir/trunk_messages.log`.
pub fn sipp_trunk(dir: &Path, port: u16) -> std::thread::JoinHandle<Output> {
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        sipp_peer(&dir, "trunk_callout.xml", port, &[], "trunk_messages.log")
            .output()
            .expect("run sipp as the trunk")
    })
}
