//! Printing a replay batch: a table for people, JSON lines for programs, and
//! per-tag precision/recall when fixtures say which tags they expect.
//!
//! Owns: formatting only. Does not own: replaying or checking.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use ivr::TagKind;

use super::engine::Replayed;
use super::outcome::Outcome;
use crate::research::fixture::Expect;

/// Per-tag counts over the fixtures that list expected tags.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct TagScore {
    pub true_positives: u32,
    pub false_positives: u32,
    pub false_negatives: u32,
}

impl TagScore {
    fn precision(&self) -> Option<f64> {
        let found = self.true_positives + self.false_positives;
        (found > 0).then(|| f64::from(self.true_positives) / f64::from(found))
    }

    fn recall(&self) -> Option<f64> {
        let wanted = self.true_positives + self.false_negatives;
        (wanted > 0).then(|| f64::from(self.true_positives) / f64::from(wanted))
    }
}

/// The replayed fixtures that say what they expect, with their expectations.
fn expected(results: &[Outcome]) -> impl Iterator<Item = (&Replayed, &Expect)> {
    results.iter().filter_map(|r| match r {
        Outcome::Replayed {
            call,
            expect: Some(expect),
            ..
        } => Some((call.as_ref(), expect)),
        _ => None,
    })
}

/// Precision/recall per tag name; `None` when no fixture expects tags.
pub fn tag_scores(results: &[Outcome]) -> Option<BTreeMap<&'static str, TagScore>> {
    let mut scores: BTreeMap<&'static str, TagScore> = BTreeMap::new();
    let mut any = false;
    for (call, expect) in expected(results) {
        let Some(wanted) = &expect.tags else { continue };
        any = true;
        for name in TagKind::ALL.map(|kind| kind.as_str()) {
            let got = call.tags.iter().any(|t| t.name == name);
            let want = wanted.iter().any(|t| t == name);
            let s = scores.entry(name).or_default();
            match (got, want) {
                (true, true) => s.true_positives += 1,
                (true, false) => s.false_positives += 1,
                (false, true) => s.false_negatives += 1,
                (false, false) => {}
            }
        }
    }
    any.then_some(scores)
}

/// How the call-level risk did: scam calls (expected high) that reached
/// high, and everyday calls (expected none or low) that reached medium or
/// above.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct RiskScore {
    pub scam_calls: u32,
    pub scam_calls_high: u32,
    pub everyday_calls: u32,
    pub everyday_calls_medium_or_above: u32,
}

/// The risk score; `None` when no fixture expects a risk.
pub fn risk_score(results: &[Outcome]) -> Option<RiskScore> {
    use ivr::Risk;
    let mut score = RiskScore::default();
    for (call, expect) in expected(results) {
        let reached_medium = matches!(call.risk.as_str(), "medium" | "high");
        match expect.risk {
            Some(Risk::High) => {
                score.scam_calls += 1;
                score.scam_calls_high += u32::from(call.risk == "high");
            }
            Some(Risk::None) | Some(Risk::Low) => {
                score.everyday_calls += 1;
                score.everyday_calls_medium_or_above += u32::from(reached_medium);
            }
            _ => {}
        }
    }
    (score.scam_calls + score.everyday_calls > 0).then_some(score)
}

fn share(n: u32, of: u32) -> String {
    if of == 0 {
        return "-".into();
    }
    format!("{n}/{of} ({:.0}%)", f64::from(n) * 100.0 / f64::from(of))
}

/// One JSON object per fixture, then a `summary` object when tags or risks
/// are expected anywhere.
pub fn json_lines(results: &[Outcome], out: &mut impl Write) -> std::io::Result<()> {
    for r in results {
        serde_json::to_writer(&mut *out, r)?;
        writeln!(out)?;
    }
    let tags = tag_scores(results);
    let risk = risk_score(results);
    if tags.is_some() || risk.is_some() {
        let summary = serde_json::json!({ "summary": { "tags": tags, "risk": risk } });
        serde_json::to_writer(&mut *out, &summary)?;
        writeln!(out)?;
    }
    Ok(())
}

fn secs(ms: Option<u64>) -> String {
    ms.map_or("-".into(), |ms| format!("{:.1}s", ms as f64 / 1000.0))
}

/// A table, one row per fixture, then precision/recall per tag.
pub fn table(results: &[Outcome], out: &mut impl Write) -> std::io::Result<()> {
    let width = results
        .iter()
        .map(|r| match r {
            Outcome::Replayed { call, .. } => call.fixture.len(),
            Outcome::Error { fixture, .. } => fixture.len(),
        })
        .max()
        .unwrap_or(7)
        .clamp(7, 48);
    writeln!(
        out,
        "{:<width$}  {:<9}  {:>7}  {:>7}  {:<7}  {:<6}  {:<24}  CHECK",
        "FIXTURE", "OUTCOME", "AT", "ENDED", "BY", "RISK", "TAGS"
    )?;
    for r in results {
        match r {
            Outcome::Replayed {
                call,
                expect,
                problems,
            } => {
                let tags = if call.tags.is_empty() {
                    "-".to_string()
                } else {
                    call.tags
                        .iter()
                        .map(|t| format!("{}@{:.1}s", t.name, t.at_ms as f64 / 1000.0))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                let check = match (expect, problems.is_empty()) {
                    (None, _) => "-".to_string(),
                    (Some(_), true) => "ok".to_string(),
                    (Some(_), false) => format!("FAIL: {}", problems.join("; ")),
                };
                writeln!(
                    out,
                    "{:<width$}  {:<9}  {:>7}  {:>7}  {:<7}  {:<6}  {:<24}  {}",
                    call.fixture,
                    call.outcome,
                    secs(call.outcome_ms),
                    secs(Some(call.ended_ms)),
                    call.ended_by,
                    call.risk,
                    tags,
                    check
                )?;
            }
            Outcome::Error { fixture, error } => {
                writeln!(out, "{fixture:<width$}  ERROR  {error}")?;
            }
        }
    }
    if let Some(scores) = tag_scores(results) {
        writeln!(out)?;
        writeln!(
            out,
            "{:<15}  {:>9}  {:>6}  TP/FP/FN",
            "TAG", "PRECISION", "RECALL"
        )?;
        let pct = |v: Option<f64>| v.map_or("-".into(), |v| format!("{:.0}%", v * 100.0));
        for (name, s) in scores {
            writeln!(
                out,
                "{name:<15}  {:>9}  {:>6}  {}/{}/{}",
                pct(s.precision()),
                pct(s.recall()),
                s.true_positives,
                s.false_positives,
                s.false_negatives
            )?;
        }
    }
    if let Some(r) = risk_score(results) {
        writeln!(out)?;
        writeln!(
            out,
            "scam calls at high risk: {}",
            share(r.scam_calls_high, r.scam_calls)
        )?;
        writeln!(
            out,
            "everyday calls at medium risk or above: {}",
            share(r.everyday_calls_medium_or_above, r.everyday_calls)
        )?;
    }
    Ok(())
}
