//! Word normalisation shared by the configured phrases and the heard
//! words, so both compare alike.
//!
//! Does not own: matching (`matcher.rs`) or checking the configuration
//! (`validate.rs`).

/// Lower case, punctuation dropped, possessives ("pin's", "officers'") and
/// simple plurals ("officers", "taxis", but not "address" or "bus") folded.
/// Splits on white space, hyphens, slashes and underscores, so one text
/// can give several words, or none.
pub fn normalise(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '-' | '/' | '_'))
        .filter_map(|piece| {
            let lower = piece.to_lowercase();
            let trimmed = lower
                .strip_suffix("'s")
                .or_else(|| lower.strip_suffix("\u{2019}s"))
                .unwrap_or(&lower);
            let word: String = trimmed.chars().filter(|c| c.is_alphanumeric()).collect();
            let folded = match word.strip_suffix('s') {
                Some(stem)
                    if word.chars().count() >= 4
                        && !stem.ends_with('s')
                        && !stem.ends_with('u') =>
                {
                    stem.to_owned()
                }
                _ => word,
            };
            (!folded.is_empty()).then_some(folded)
        })
        .collect()
}
