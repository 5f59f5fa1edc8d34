//! Scores per fold: the batch split by the number at the end of each
//! fixture's name (`scam-bank-pin-045` is call 45), modulo the number of
//! folds, with the scores of each part and their mean. The evaluation
//! corpus keeps fold 0 as its held-out part (docs/evaluation.md).
//!
//! Owns: the split and its table. Does not own: the scores themselves
//! (`report.rs`).

use std::io::Write;

use super::report::{risk_score, tag_scores};
use super::Outcome;

/// The number at the end of a fixture's name, if any.
fn number(fixture: &str) -> Option<u64> {
    let digits = fixture
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .filter(|d| !d.is_empty())?;
    digits.parse().ok()
}

/// Which fold a result is in; `None` for a name without a number.
pub fn fold_of(outcome: &Outcome, folds: u64) -> Option<u64> {
    let name = match outcome {
        Outcome::Replayed { call, .. } => &call.fixture,
        Outcome::Error { fixture, .. } => fixture,
    };
    Some(number(name)? % folds.max(1))
}

fn percent(n: u32, of: u32) -> Option<f64> {
    (of > 0).then(|| f64::from(n) * 100.0 / f64::from(of))
}

fn cell(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.0}%"))
}

/// One row per fold, then the mean over the folds that have calls:
/// scam calls high, everyday calls medium or above, and each tag's
/// precision.
pub fn table(results: &[Outcome], folds: u64, out: &mut impl Write) -> std::io::Result<()> {
    let folds = folds.max(1);
    let names: Vec<&str> = tag_scores(results)
        .map(|s| s.into_keys().collect())
        .unwrap_or_default();
    writeln!(out)?;
    write!(
        out,
        "{:<6}  {:>12}  {:>16}",
        "FOLD", "SCAMS HIGH", "EVERYDAY MED+"
    )?;
    for name in &names {
        write!(out, "  {:>14}", format!("{name} prec"))?;
    }
    writeln!(out)?;
    let mut sums = vec![(0.0, 0u32); names.len() + 2];
    for fold in 0..folds {
        let part: Vec<Outcome> = results
            .iter()
            .filter(|r| fold_of(r, folds) == Some(fold))
            .cloned()
            .collect();
        let Some(risk) = risk_score(&part) else {
            continue;
        };
        let tags = tag_scores(&part).unwrap_or_default();
        let mut row = vec![
            (
                format!("{}/{}", risk.scam_calls_high, risk.scam_calls),
                percent(risk.scam_calls_high, risk.scam_calls),
            ),
            (
                format!(
                    "{}/{}",
                    risk.everyday_calls_medium_or_above, risk.everyday_calls
                ),
                percent(risk.everyday_calls_medium_or_above, risk.everyday_calls),
            ),
        ];
        for name in &names {
            let s = tags.get(name).cloned().unwrap_or_default();
            let found = s.true_positives + s.false_positives;
            row.push((
                format!("{}/{}", s.true_positives, found),
                percent(s.true_positives, found),
            ));
        }
        write!(out, "{fold:<6}")?;
        for (i, (text, value)) in row.iter().enumerate() {
            let width = if i < 2 { [12, 16][i] } else { 14 };
            write!(out, "  {:>width$}", format!("{text} {}", cell(*value)))?;
            if let (Some(v), Some(sum)) = (value, sums.get_mut(i)) {
                sum.0 += v;
                sum.1 += 1;
            }
        }
        writeln!(out)?;
    }
    write!(out, "{:<6}", "mean")?;
    for (i, (sum, n)) in sums.iter().enumerate() {
        let width = if i < 2 { [12, 16][i] } else { 14 };
        write!(
            out,
            "  {:>width$}",
            cell((*n > 0).then(|| sum / f64::from(*n)))
        )?;
    }
    writeln!(out)
}
