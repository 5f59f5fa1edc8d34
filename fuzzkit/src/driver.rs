//! Running one fuzz target as a test: its seeds first, then mutations of
//! them until the time budget or the iteration cap.
//!
//! Owns: where seed corpora live and how they are read, the budget and
//! seed environment variables, catching a panic and reporting the input
//! that caused it. Does not own: the mutation operators ([`Mutator`]) or
//! what a target checks.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Mutator;

/// Seconds of mutations per target (decimal allowed; 0 runs only the seeds).
pub const SECS_VAR: &str = "LINEWARDEN_FUZZ_SECS";
/// The mutator's seed, to explore a different stream than CI's.
pub const SEED_VAR: &str = "LINEWARDEN_FUZZ_SEED";

const DEFAULT_SECS: f64 = 3.0;
const DEFAULT_SEED: u64 = 0x6c77_6675_7a7a_0001;
/// Mutations per run at most, whatever the budget.
const MAX_MUTATIONS: u64 = 10_000_000;

/// One corpus file.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The file name, to name the seed in reports.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub seeds: usize,
    pub mutations: u64,
    pub elapsed: Duration,
}

/// `fuzz/corpus/<target>/` of the workspace.
pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

/// Every file of `fuzz/corpus/<target>/`, sorted by name. Panics when the
/// directory is missing or empty: a target without seeds tests nothing.
pub fn seeds(target: &str) -> Vec<Seed> {
    let dir = corpus_dir(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut seeds: Vec<Seed> = entries
        .map(|entry| {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            Seed {
                name: name.unwrap_or_default(),
                bytes,
            }
        })
        .collect();
    seeds.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!seeds.is_empty(), "{}: no seed files", dir.display());
    seeds
}

/// The time budget for mutations: `LINEWARDEN_FUZZ_SECS`, default 3 s.
pub fn budget() -> Duration {
    match std::env::var(SECS_VAR) {
        Err(_) => Duration::from_secs_f64(DEFAULT_SECS),
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .unwrap_or_else(|| panic!("{SECS_VAR}={text:?}: expected seconds, such as 3 or 0.5")),
    }
}

fn seed() -> u64 {
    match std::env::var(SEED_VAR) {
        Err(_) => DEFAULT_SEED,
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{SEED_VAR}={text:?}: expected an unsigned integer")),
    }
}

/// Runs `check` on every seed, then on mutations of them (stacked
/// operators, `tokens` as the dictionary) until [`budget`] has passed.
/// A panic in `check` fails the run with the input saved to a file whose
/// path the message gives (add it to the corpus as a regression seed once
/// the bug is fixed).
pub fn run(target: &str, seeds: &[Seed], tokens: &[&[u8]], check: impl Fn(&[u8])) -> Report {
    run_for(target, seeds, tokens, budget(), check)
}

/// [`run`] with the time budget given.
fn run_for(
    target: &str,
    seeds: &[Seed],
    tokens: &[&[u8]],
    budget: Duration,
    check: impl Fn(&[u8]),
) -> Report {
    assert!(!seeds.is_empty(), "{target}: no seeds");
    let started = Instant::now();
    for s in seeds {
        guarded(target, &format!("seed {}", s.name), &s.bytes, &check);
    }
    let seed = seed();
    let mut mutator = Mutator::new(seed, tokens);
    let mut pick = fastrand::Rng::with_seed(seed ^ 0x5eed);
    let mutating = Instant::now();
    let mut mutations = 0;
    while mutations < MAX_MUTATIONS && mutating.elapsed() < budget {
        let base = &seeds[pick.usize(..seeds.len())];
        let donor = &seeds[pick.usize(..seeds.len())];
        let input = mutator.mutate(&base.bytes, &donor.bytes);
        let what = format!(
            "mutation {mutations} of seed {} ({SEED_VAR}={seed})",
            base.name
        );
        guarded(target, &what, &input, &check);
        mutations += 1;
    }
    let report = Report {
        seeds: seeds.len(),
        mutations,
        elapsed: started.elapsed(),
    };
    eprintln!(
        "fuzz {target}: {} seeds and {} mutations in {:.1} s",
        report.seeds,
        report.mutations,
        report.elapsed.as_secs_f64()
    );
    report
}

/// `check(input)`, with a panic turned into one that says which input it was.
fn guarded(target: &str, what: &str, input: &[u8], check: &impl Fn(&[u8])) {
    if catch_unwind(AssertUnwindSafe(|| check(input))).is_ok() {
        return;
    }
    let path = std::env::temp_dir().join(format!("fuzz-{target}-crash-{}.bin", std::process::id()));
    let saved = match std::fs::write(&path, input) {
        Ok(()) => format!("saved to {}", path.display()),
        Err(e) => format!("not saved: {e}"),
    };
    let shown = input.get(..400).unwrap_or(input).escape_ascii();
    panic!(
        "{target}: {what} panicked ({} bytes, {saved}); it begins: {shown}",
        input.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_set() -> Vec<Seed> {
        vec![Seed {
            name: "one".to_owned(),
            bytes: b"key = 1".to_vec(),
        }]
    }

    #[test]
    fn a_panicking_check_names_the_input() {
        let result = catch_unwind(|| {
            run_for("unit", &seed_set(), &[], Duration::ZERO, |input| {
                assert!(input.len() < 3, "too long");
            })
        });
        let err = result.expect_err("the check panics on the seed");
        let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(message.contains("unit: seed one panicked"), "{message}");
        assert!(message.contains("key = 1"), "{message}");
    }

    #[test]
    fn a_passing_check_runs_seeds_and_mutations() {
        let seen = std::cell::Cell::new(0u64);
        let budget = Duration::from_millis(50);
        let report = run_for("unit", &seed_set(), &[b"x"], budget, |_| {
            seen.set(seen.get() + 1)
        });
        assert_eq!(report.seeds, 1);
        assert!(report.mutations > 0);
        assert_eq!(seen.get(), 1 + report.mutations);
    }

    #[test]
    fn a_mutation_that_panics_is_named_by_number_and_seed() {
        let result = catch_unwind(|| {
            let budget = Duration::from_secs(5);
            run_for("unit", &seed_set(), &[], budget, |input| {
                assert!(input == b"key = 1", "changed");
            })
        });
        let err = result.expect_err("the first mutation panics");
        let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            message.contains("unit: mutation 0 of seed one"),
            "{message}"
        );
    }
}
