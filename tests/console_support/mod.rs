//! Test support for the operator console: a service with `[console]` on a
//! free port, users made with `linewarden user add`, calls written into
//! the call log before start, and a small HTTP client that keeps the
//! session cookie and CSRF token.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{free_port, Service};

/// A running service with its console.
pub struct Console {
    pub svc: Service,
    pub base: String,
}

/// A user to create before start: name, role, lines; password is
/// `NAME-password`.
pub struct NewUser<'a>(pub &'a str, pub &'a str, pub &'a [&'a str]);

pub fn password(name: &str) -> String {
    format!("{name}-password")
}

/// Adds a user with the command line.
pub fn add_user(data: &Path, user: &NewUser<'_>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_linewarden"));
    cmd.args(["user", "add", user.0, "--role", user.1, "--data-dir"])
        .arg(data);
    for line in user.2 {
        cmd.args(["--line", line]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("linewarden user add");
    use std::io::Write;
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{}", password(user.0)).expect("password");
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "user add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A call written straight into the call log (the schema is created by
/// `user add` or by [`ensure_schema`]).
pub struct SeedCall<'a> {
    pub line: &'a str,
    pub caller: &'a str,
    pub caller_name: Option<&'a str>,
    pub started_ms: i64,
    pub outcome: &'a str,
    /// Seconds of a test tone recorded, if any.
    pub recording_secs: Option<u32>,
}

/// Creates the call log's schema (via `linewarden user list`).
pub fn ensure_schema(data: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["user", "list", "--data-dir"])
        .arg(data)
        .output()
        .expect("user list");
    assert!(out.status.success());
}

/// Writes `call` and its recording; returns its id.
pub fn seed_call(data: &Path, call: &SeedCall<'_>) -> i64 {
    let conn = rusqlite::Connection::open(data.join("calls.sqlite")).expect("open log");
    let recording = call.recording_secs.map(|secs| {
        let rel = format!("recordings/seed-{}-{}.wav", call.line, call.started_ms);
        std::fs::create_dir_all(data.join("recordings")).expect("dir");
        write_tone(&data.join(&rel), secs);
        rel
    });
    let at = std::time::UNIX_EPOCH + Duration::from_millis(call.started_ms as u64);
    let started = humantime::format_rfc3339_millis(at).to_string();
    conn.execute(
        "INSERT INTO calls (call_id, line, caller, caller_name, called, started_at, started_at_ms,
            answered_at, answered_at_ms, ended_at, ended_at_ms, outcome, recording, end_reason, policy,
            tags, tag_details, risk, bridge, hangup_by, risk_reasons)
         VALUES (?1, ?2, ?3, ?4, '100', ?5, ?6, ?5, ?6, ?5, ?6 + 5000, ?8, ?7, 'caller', 'challenge',
            '[\"police\"]', json_array(json_object('tag','police','at_ms',1500,'evidence','this is the police','confidence',80)),
            CASE ?8 WHEN 'failed' THEN 'high' WHEN 'timeout' THEN 'medium' ELSE 'low' END, 'answered', 'caller',
            json_array(json_object('risk',
                CASE ?8 WHEN 'failed' THEN 'high' WHEN 'timeout' THEN 'medium' ELSE 'low' END,
                'at_ms',1500,'rule','seeded rule','evidence',json_array('\"<i>the police</i>\" (police)'))))",
        rusqlite::params![
            format!("seed-{}", call.started_ms),
            call.line,
            call.caller,
            call.caller_name,
            started,
            call.started_ms,
            recording,
            call.outcome
        ],
    )
    .expect("insert call");
    conn.last_insert_rowid()
}

/// A mono 8 kHz 16-bit WAV of a 440 Hz tone.
pub fn write_tone(path: &Path, secs: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("wav");
    for i in 0..secs * 8000 {
        let t = i as f32 / 8000.0;
        w.write_sample((8000.0 * (t * 440.0 * std::f32::consts::TAU).sin()) as i16)
            .expect("sample");
    }
    w.finalize().expect("finalize");
}

impl Console {
    /// Starts the service with the console on; `prepare` gets the data
    /// directory before start (add users and calls there).
    pub fn start(line_keys: &str, prepare: impl FnOnce(&Path)) -> Console {
        Self::start_with("", line_keys, prepare)
    }

    /// Like [`Console::start`] with more `[console]` keys (TOML lines);
    /// with `tls_cert` among them the base URL is `https://`.
    pub fn start_with(console_keys: &str, line_keys: &str, prepare: impl FnOnce(&Path)) -> Console {
        let port = free_port();
        let service_keys = format!("\n[console]\nlisten = \"127.0.0.1:{port}\"\n{console_keys}\n");
        let scheme = if console_keys.contains("tls_cert") {
            "https"
        } else {
            "http"
        };
        let svc = Service::start_custom(&service_keys, line_keys, "", &["*"], &[], prepare);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !svc.log().contains("console is running") {
            assert!(Instant::now() < deadline, "no console:\n{}", svc.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        Console {
            svc,
            base: format!("{scheme}://127.0.0.1:{port}"),
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }
}

/// An HTTP client for the console that keeps one session.
pub struct Client {
    agent: ureq::Agent,
    pub base: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

/// A response's status, headers we look at, and body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
}

impl Client {
    pub fn new(base: &str) -> Client {
        // Test certificates are self-signed.
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(true)
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .new_agent();
        Client {
            agent,
            base: base.to_owned(),
            cookie: None,
            csrf: None,
        }
    }

    fn finish(&self, res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut res = res.expect("request");
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = res
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// GET with the session cookie and extra headers.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.finish(req.call())
    }

    pub fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[])
    }

    /// POST a JSON body, with the CSRF header when `csrf`.
    pub fn post_json(&self, path: &str, body: &serde_json::Value, csrf: bool) -> Reply {
        self.send_json("POST", path, Some(body), csrf)
    }

    /// `method` (POST, PUT, DELETE) with a JSON body if any, with the CSRF
    /// header when `csrf`.
    pub fn send_json(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
        csrf: bool,
    ) -> Reply {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        if csrf {
            if let Some(t) = &self.csrf {
                req = req.header("X-CSRF-Token", t);
            }
        }
        let res = match body {
            Some(b) => self.agent.run(
                req.header("Content-Type", "application/json")
                    .body(b.to_string())
                    .expect("request"),
            ),
            None => self.agent.run(req.body(()).expect("request")),
        };
        self.finish(res)
    }

    /// POST a form (`fields`, already including `csrf` if wanted).
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut req = self.agent.post(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        self.finish(req.send_form(fields.iter().copied()))
    }

    /// Logs in through the API; returns the reply.
    pub fn login(&mut self, user: &str, password: &str) -> Reply {
        let reply = self.post_json(
            "/api/login",
            &serde_json::json!({ "user": user, "password": password }),
            false,
        );
        if reply.status == 200 {
            let set = reply.header("set-cookie").expect("set-cookie").to_owned();
            self.cookie = set.split(';').next().map(str::to_owned);
            self.csrf = reply.json()["csrf_token"].as_str().map(str::to_owned);
        }
        reply
    }

    /// Logs in as `user` with the test password; panics unless 200.
    pub fn logged_in(base: &str, user: &str) -> Client {
        let mut c = Client::new(base);
        let r = c.login(user, &password(user));
        assert_eq!(r.status, 200, "login {user}: {}", r.text());
        c
    }
}

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
