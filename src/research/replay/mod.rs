//! `linewarden replay PATH...`: recorded calls through the same pipeline as
//! live calls, offline and fast.
//!
//! Owns: finding the fixtures, replaying them on worker threads (results in
//! input order, so output is byte-for-byte the same on every run), checking
//! them against their expectations, and printing a table or JSON lines plus
//! per-tag precision/recall. A bad fixture is reported and the batch goes on.
//!
//! Does not own: the replay of one call (`engine`), the fixture format
//! (`fixture`), or playing a fixture as a live SIP call (`live`).

mod engine;
mod folds;
pub mod listen;
pub mod live;
mod outcome;
mod report;
mod tag;

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant as WallClock;

use crate::config::Config;
use crate::policy::LinePolicies;
use crate::prompts::Prompts;
use crate::research::fixture::{self, Fixture};

pub use engine::{replay, Replayed};
use outcome::Outcome;

/// How to run a batch.
pub struct Options {
    pub json: bool,
    pub check: bool,
    pub jobs: usize,
    /// Split the scores into this many folds by the number ending each
    /// fixture's name; 0 does not.
    pub folds: u64,
    /// Where the words come from.
    pub listening: listen::Listening,
}

/// Replays every fixture under `paths`; returns the process exit code: 0,
/// 1 when `--check` finds unmet expectations, 2 when a fixture was bad.
pub fn run(
    paths: &[PathBuf],
    config: &Config,
    options: &Options,
    out: &mut impl Write,
) -> anyhow::Result<u8> {
    let prompts = Prompts::load()?;
    let policies = LinePolicies::new(config)?;
    let found = fixture::discover(paths);
    let started = WallClock::now();
    let cpu_before = process_cpu();
    let results = replay_all(
        &found,
        config,
        &policies,
        &prompts,
        &options.listening,
        options.jobs.max(1),
    );
    let elapsed = started.elapsed();
    let cpu = process_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));

    let mut bad = false;
    let mut unmet = false;
    for r in &results {
        match r {
            Outcome::Error { .. } => bad = true,
            Outcome::Replayed { problems, .. } => unmet |= !problems.is_empty(),
        }
    }
    if options.json {
        report::json_lines(&results, out)?;
    } else {
        report::table(&results, out)?;
        if options.folds > 0 {
            folds::table(&results, options.folds, out)?;
        }
    }
    // Speed goes to stderr so that stdout stays identical run to run.
    let audio_ms: u64 = results
        .iter()
        .filter_map(|r| match r {
            Outcome::Replayed { call, .. } => Some(call.audio_ms),
            Outcome::Error { .. } => None,
        })
        .sum();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let audio_secs = audio_ms as f64 / 1000.0;
    let cpu_text = match cpu {
        Some(cpu) if audio_secs > 0.0 => format!(
            "; CPU {:.1} s: real-time factor {:.3} CPU-seconds per audio second",
            cpu.as_secs_f64(),
            cpu.as_secs_f64() / audio_secs
        ),
        _ => String::new(),
    };
    eprintln!(
        "replayed {} fixture(s), {audio_secs:.1} s of audio in {secs:.3} s: {:.0}x real time{cpu_text}",
        results.len(),
        audio_secs / secs
    );
    Ok(if bad {
        2
    } else if options.check && unmet {
        1
    } else {
        0
    })
}

/// Replays the found fixtures on `jobs` threads; results keep input order.
fn replay_all(
    found: &[Result<PathBuf, fixture::FixtureError>],
    config: &Config,
    policies: &LinePolicies,
    prompts: &Prompts,
    listening: &listen::Listening,
    jobs: usize,
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<Outcome>> = vec![None; found.len()];
    let done = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(found.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = found.get(i) else { break };
                let outcome = match item {
                    Err(e) => Outcome::Error {
                        fixture: e.path().display().to_string(),
                        error: e.to_string(),
                    },
                    Ok(dir) => match Fixture::load(dir) {
                        Err(e) => Outcome::Error {
                            fixture: dir.display().to_string(),
                            error: e.to_string(),
                        },
                        Ok(fx) => match replay(&fx, config, policies, prompts, listening) {
                            Ok(call) => checked(&fx, Box::new(call)),
                            Err(e) => Outcome::Error {
                                fixture: dir.display().to_string(),
                                error: format!("speech recognition: {e}"),
                            },
                        },
                    },
                };
                if let Ok(mut d) = done.lock() {
                    d.push((i, outcome));
                }
            });
        }
    });
    for (i, outcome) in done.into_inner().unwrap_or_default() {
        if let Some(slot) = slots.get_mut(i) {
            *slot = Some(outcome);
        }
    }
    slots.into_iter().flatten().collect()
}

/// Compares a replay with the fixture's expectations.
fn checked(fx: &Fixture, call: Box<Replayed>) -> Outcome {
    let expect = fx.meta.expect.clone();
    let mut problems = Vec::new();
    if let Some(e) = &expect {
        if let Some(o) = &e.outcome {
            let want = o.as_str();
            if call.outcome != want {
                problems.push(format!("outcome {} (expected {want})", call.outcome));
            }
        }
        if let Some(tags) = &e.tags {
            let mut got: Vec<&str> = call.tags.iter().map(|t| t.name.as_str()).collect();
            got.sort_unstable();
            got.dedup();
            let mut want: Vec<&str> = tags.iter().map(String::as_str).collect();
            want.sort_unstable();
            if got != want {
                problems.push(format!("tags {got:?} (expected {want:?})"));
            }
        }
        if let Some(r) = &e.risk {
            if call.risk != r.as_str() {
                problems.push(format!("risk {} (expected {})", call.risk, r.as_str()));
            }
        }
    }
    Outcome::Replayed {
        call,
        expect,
        problems,
    }
}

/// CPU time (user and system) this process has used, from
/// `/proc/self/stat`; `None` where that is not available.
fn process_cpu() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces), in brackets.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13
    // after the name, counted from 1 at the state field.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // Linux reports these in USER_HZ, 100 per second on every mainstream
    // architecture.
    Some(std::time::Duration::from_millis((utime + stime) * 10))
}
