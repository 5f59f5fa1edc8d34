//! A running `linewarden serve` on loopback with a throw-away config and
//! data directory, and reading back its call log.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::ports::{free_port, rtp_range};

/// A running `linewarden serve`.
pub struct Service {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    /// The service's RTP port range.
    pub rtp_ports: (u16, u16),
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
