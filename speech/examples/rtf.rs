//! Prints what PocketSphinx hears in WAV files, and how much CPU it takes
//! per second of audio (the real-time factor), in keyphrase and language
//! model mode.
//!
//! ```sh
//! cargo run -p speech --release --example rtf -- tests/fixtures/*/caller.wav
//! ```
//!
//! Any WAV is first brought to 8 kHz mono, like a fixture. Audio is pushed
//! in 20 ms chunks, as RTP delivers it. CPU time is this thread's, from
//! `/proc/thread-self/schedstat` (wall-clock time where that is missing);
//! model loading is timed separately.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use speech::{Config, Engine, Keyphrase, Mode, Recognizer, Word};

/// The phrases spotted in keyphrase mode.
pub const PHRASES: [&str; 8] = [
    "police officer",
    "detective sergeant",
    "fraud squad",
    "bank account",
    "your pin",
    "your card",
    "a courier",
    "bank holiday",
];

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: rtf WAV...");
        std::process::exit(2);
    }
    let modes = [
        ("keyphrases", keyphrase_mode()),
        ("language model", Mode::LanguageModel(None)),
    ];
    for (name, mode) in modes {
        let config = Config {
            mode,
            ..Config::default()
        };
        let mut audio_s = 0.0;
        let mut cpu_s = 0.0;
        for path in &paths {
            let pcm = match common::read_8k(path) {
                Ok(pcm) => pcm,
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            };
            let load = cpu_time();
            let mut engine = match Engine::open(&config) {
                Ok(engine) => engine,
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            };
            let start = cpu_time();
            let words = run(&mut engine, &pcm);
            let used = (cpu_time() - start).as_secs_f64();
            let seconds = pcm.len() as f64 / 8000.0;
            audio_s += seconds;
            cpu_s += used;
            println!(
                "{name:>14} | {} | {seconds:.1} s audio, {used:.2} s CPU (RTF {:.3}), open {:.2} s",
                path.display(),
                used / seconds,
                (start - load).as_secs_f64(),
            );
            println!("{:>14} | {}", "", describe(&words));
        }
        println!("{name:>14} | total RTF {:.3}\n", cpu_s / audio_s);
    }
}

fn keyphrase_mode() -> Mode {
    Mode::Keyphrases(
        PHRASES
            .iter()
            .map(|p| Keyphrase::new(*p, Keyphrase::DEFAULT_THRESHOLD))
            .collect(),
    )
}

fn run(engine: &mut Engine, pcm: &[i16]) -> Vec<Word> {
    let mut words = Vec::new();
    for chunk in pcm.chunks(160) {
        if let Err(e) = engine.push(chunk) {
            eprintln!("{e}");
            std::process::exit(1);
        }
        words.extend(engine.take_words());
    }
    match engine.finish() {
        Ok(rest) => words.extend(rest),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    words
}

fn describe(words: &[Word]) -> String {
    words
        .iter()
        .map(|w| format!("{}@{}-{}({})", w.text, w.start_ms, w.end_ms, w.confidence))
        .collect::<Vec<_>>()
        .join(" ")
}

/// CPU time of this thread so far.
fn cpu_time() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_else(|| start.elapsed())
}
