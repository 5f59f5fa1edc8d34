//! How a call's risk reasons read in HTML: one item per rise in risk
//! (the risk reached, when, the rule) with the evidence behind it, for the
//! call page and the evidence bundle's summary. Every value is escaped by
//! maud: the evidence quotes the speech recognizer, and a log changed by
//! hand may hold anything.
//!
//! Does not own: reading the reasons (`calls`) or the pages around them.

use maud::{html, Markup};

use crate::store::RiskReason;

/// The reasons as a list, oldest first (`id` names the list); a call
/// with a risk but no reasons (logged before they were kept) says so.
pub fn list(id: &str, reasons: &[RiskReason], risk: Option<&str>) -> Markup {
    html! {
        ul id=(id) {
            @for r in reasons {
                li.reason {
                    strong { (r.risk) } " at " (format!("{:.1}", r.at_ms as f64 / 1000.0))
                    " s into the call: " (r.rule)
                    @if !r.evidence.is_empty() {
                        ul.evidence { @for e in &r.evidence { li { (e) } } }
                    }
                }
            }
            @if reasons.is_empty() {
                li { (if risk.is_some() { "No reasons were logged for this risk." } else { "No risk was logged." }) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rise_reads_with_its_rule_and_escaped_evidence() {
        let reasons = [
            RiskReason {
                risk: "low".to_owned(),
                at_ms: 4_200,
                rule: "rule any of police -> low".to_owned(),
                evidence: vec!["\"detective\" (police)".to_owned()],
            },
            RiskReason {
                risk: "high".to_owned(),
                at_ms: 42_000,
                rule: "request".to_owned(),
                evidence: vec!["caller said \"<b>safe account</b>\"".to_owned()],
            },
        ];
        let html = list("reasons", &reasons, Some("high")).into_string();
        let low = html
            .find("rule any of police -&gt; low")
            .expect("first rule");
        let high = html.find("42.0 s into the call: request").expect("second");
        assert!(low < high, "oldest first: {html}");
        assert!(html.contains("&lt;b&gt;safe account&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        let none = list("reasons", &[], Some("high")).into_string();
        assert!(none.contains("No reasons were logged"), "{none}");
    }
}
