//! Test support shared by the call and the tagging scenarios: the words a
//! recogniser hears, on a virtual clock counted in milliseconds.
//!
//! Owns: [`ms`] and [`words`]. Does not own: any scenario, the simulated
//! call shell (`common`) or a tagger's call (`tagging/common.rs`).

use std::time::Duration;

use ivr::HeardWord;

pub const fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// `text`'s words from `at_ms` (in a call, after the answer), 300 ms each
/// with 100 ms between, at 90%.
pub fn words(at_ms: u64, text: &str) -> Vec<HeardWord> {
    text.split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            let start = ms(at_ms + 400 * i as u64);
            HeardWord::new(w, start, start + ms(300), 90)
        })
        .collect()
}
