//! Console latency at scale, run by `benches/console.sh`: fills a call log
//! with N calls (default 1 000 000, over the last year, on 20 lines), then
//! times the call-log API and page against a running `linewarden serve`
//! and prints p50/p99 per request kind.
//!
//!   console_bench fill DATA_DIR [N]
//!   console_bench measure BASE_URL USER PASSWORD [REQUESTS]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fill") if args.len() >= 2 => {
            let n = args
                .get(2)
                .and_then(|n| n.parse().ok())
                .unwrap_or(1_000_000);
            fill(std::path::Path::new(&args[1]), n);
        }
        Some("measure") if args.len() >= 4 => {
            let requests = args.get(4).and_then(|n| n.parse().ok()).unwrap_or(200);
            measure(&args[1], &args[2], &args[3], requests);
        }
        _ => {
            eprintln!("usage: console_bench fill DATA_DIR [N] | measure BASE_URL USER PASSWORD [REQUESTS]");
            std::process::exit(2);
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Writes `n` calls into an existing (migrated) call log.
fn fill(dir: &std::path::Path, n: u64) {
    let started = Instant::now();
    let mut conn = rusqlite::Connection::open(dir.join("calls.sqlite")).expect("open");
    let tx = conn.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO calls (call_id, line, caller, called, started_at, started_at_ms,
                    ended_at, ended_at_ms, outcome, end_reason, policy, risk, tags)
                 VALUES (?1, ?2, ?3, '100', ?4, ?5, ?4, ?5 + 30000, ?6, 'caller hung up', 'challenge', ?7, ?8)",
            )
            .expect("prepare");
        let mut rng = fastrand::Rng::with_seed(7);
        let end = now_ms();
        let year = 365 * 86_400_000i64;
        for i in 0..n {
            let at = end - year + (i as i64) * year / n as i64;
            let text =
                humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(at as u64))
                    .to_string();
            let outcome = [
                "passed",
                "passed",
                "passed",
                "failed",
                "timeout",
                "abandoned",
            ][rng.usize(..6)];
            let risk = ["none", "none", "none", "low", "medium", "high"][rng.usize(..6)];
            let tags = (risk == "high").then_some("[\"police\"]");
            insert
                .execute(rusqlite::params![
                    format!("bench-{i}"),
                    format!("flat-{}", rng.u32(1..=20)),
                    format!("0161496{:04}", rng.u32(0..10_000)),
                    text,
                    at,
                    outcome,
                    risk,
                    tags
                ])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
    conn.execute_batch("ANALYZE").expect("analyze");
    println!(
        "filled {n} calls in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The path of the i-th request of one kind.
type PathFor<'a> = Box<dyn Fn(usize) -> String + 'a>;

fn measure(base: &str, user: &str, password: &str, requests: usize) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent();
    let mut login = agent
        .post(format!("{base}/api/login"))
        .header("Content-Type", "application/json")
        .send(format!(
            "{{\"user\":\"{user}\",\"password\":\"{password}\"}}"
        ))
        .expect("login");
    assert_eq!(login.status(), 200, "login");
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("cookie")
        .to_owned();
    let _ = login.body_mut().read_to_string();
    let get = |path: &str| -> (u16, String, Duration) {
        let t = Instant::now();
        let mut r = agent
            .get(format!("{base}{path}"))
            .header("Cookie", &cookie)
            .call()
            .expect("request");
        let body = r
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap_or_default();
        (r.status().as_u16(), body, t.elapsed())
    };
    // Cursors spread over the log, for deep pages.
    let mut cursors = Vec::new();
    let (_, first, _) = get("/api/calls?limit=500");
    let mut next = serde_json::from_str::<serde_json::Value>(&first).expect("json")["next_before"]
        .as_str()
        .map(str::to_owned);
    while let Some(c) = next.take() {
        cursors.push(c.clone());
        if cursors.len() >= 20 {
            break;
        }
        let (_, body, _) = get(&format!("/api/calls?limit=500&before={c}"));
        next = serde_json::from_str::<serde_json::Value>(&body).expect("json")["next_before"]
            .as_str()
            .map(str::to_owned);
    }
    let kinds: Vec<(&str, PathFor)> = vec![
        ("api first page", Box::new(|_| "/api/calls".to_owned())),
        (
            "api deeper page",
            Box::new(|i| format!("/api/calls?before={}", cursors[i % cursors.len()])),
        ),
        (
            "api line filter",
            Box::new(|i| format!("/api/calls?line=flat-{}", i % 20 + 1)),
        ),
        (
            "api risk=high",
            Box::new(|_| "/api/calls?risk=high".to_owned()),
        ),
        (
            "api tag=police",
            Box::new(|_| "/api/calls?tag=police".to_owned()),
        ),
        (
            "api caller",
            Box::new(|i| format!("/api/calls?caller=0161496{:04}", i % 10_000)),
        ),
        // Worst case: no call has the tag, so the whole log is scanned.
        (
            "api tag (no match)",
            Box::new(|_| "/api/calls?tag=no-such-tag".to_owned()),
        ),
        ("page /calls", Box::new(|_| "/calls".to_owned())),
        (
            "page /calls?line=",
            Box::new(|i| format!("/calls?line=flat-{}", i % 20 + 1)),
        ),
    ];
    println!(
        "{:<20} {:>9} {:>9}  ({requests} requests each, sequential)",
        "request", "p50 ms", "p99 ms"
    );
    for (name, path) in &kinds {
        let n = if name.contains("no match") {
            requests.min(10)
        } else {
            requests
        };
        let mut times: Vec<Duration> = (0..n)
            .map(|i| {
                let (status, _, t) = get(&path(i));
                assert_eq!(status, 200, "{name}");
                t
            })
            .collect();
        times.sort();
        let pct = |p: f64| {
            times[((times.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
        };
        println!("{name:<20} {:>9.1} {:>9.1}  (n={n})", pct(0.50), pct(0.99));
    }
}
