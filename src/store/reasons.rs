//! Why a call's risk is what it is: each rise logged with its
//! [`RiskReason`] in the `risk_reasons` column, in the same statement as
//! the risk so the two never disagree, and a reason told in one short
//! line (for the trusted contact's alert) or by its rule alone (for the
//! table).
//!
//! Does not own: deciding the risk or its reasons (the tagger), reading
//! the column back (`query.rs`, with `tags::entries`) or the risk alone
//! (`tags.rs`).

use super::db::Store;
use super::json_sql::{append_object_sql, is_array_sql};
use super::tags::{raises_sql, raising};
use super::types::{RiskReason, StoreError};
use crate::sql::{params, Dialect};

/// Longest [`RiskReason::summary`] may be, in characters.
const MAX_SUMMARY: usize = 200;

impl Store {
    /// Raises the call's risk to `reason.risk` as [`Store::set_risk`] does
    /// and, when that raises it, appends `reason` to the call's reasons;
    /// one statement, so a risk is never logged without its reason or a
    /// reason without its risk. A risk already as high or higher is kept,
    /// with its own reasons. An unknown risk is [`StoreError::BadRisk`];
    /// reasons that are not a JSON array (changed by hand) are
    /// [`StoreError::NotAnArray`] (or the database's error for text that
    /// is not JSON) and nothing changes.
    pub fn raise_risk(&self, id: i64, reason: &RiskReason) -> Result<(), StoreError> {
        let (new, at_or_above) = raising(&reason.risk)?;
        let at_ms = i64::try_from(reason.at_ms).unwrap_or(i64::MAX);
        let evidence = serde_json::Value::from(reason.evidence.clone()).to_string();
        let changed = self.conn.execute(
            &raise_sql(self.conn.dialect()),
            params![id, new.as_str(), at_or_above, at_ms, reason.rule, evidence],
        )?;
        self.appended(id, changed)
    }
}

/// [`Store::raise_risk`]'s statement: call `?1`'s risk raised to `?2`
/// unless it is at one of the levels `?3` lists, and then the reason
/// `{risk: ?2, at_ms: ?4, rule: ?5, evidence: ?6}` (`?6` a JSON array)
/// appended to its reasons, if they hold an array. Every right-hand side
/// sees the row as it was, so both test the old risk.
fn raise_sql(dialect: Dialect) -> String {
    let raises = raises_sql(dialect);
    let reason = match dialect {
        Dialect::Sqlite => "json_object('risk', ?2, 'at_ms', ?4, 'rule', ?5, 'evidence', json(?6))",
        Dialect::Postgres => {
            "jsonb_build_object('risk', ?2::text, 'at_ms', ?4::bigint, 'rule', ?5::text,
                 'evidence', ?6::text::jsonb)"
        }
    };
    let append = append_object_sql(dialect, "risk_reasons", reason);
    let guard = is_array_sql(dialect, "risk_reasons");
    format!(
        "UPDATE calls SET
             risk_reasons = CASE WHEN {raises} THEN {append} ELSE risk_reasons END,
             risk = CASE WHEN {raises} THEN ?2 ELSE risk END
         WHERE id = ?1 AND {guard}"
    )
}

impl RiskReason {
    /// One short line: `high risk: <rule> (<evidence>, ... at 0:42)`, at
    /// most 200 characters (the evidence is cut with `…` first), control
    /// characters shown as `?`.
    pub fn summary(&self) -> String {
        let head = format!("{} risk: {}", self.risk, self.rule);
        let tail = format!(" at {})", clock(self.at_ms));
        let room = MAX_SUMMARY.saturating_sub(head.chars().count() + tail.chars().count() + 2);
        let evidence = self.evidence.join(", ");
        let line = if evidence.is_empty() {
            format!("{head} ({}", tail.trim_start())
        } else {
            format!("{head} ({}{tail}", cut(&evidence, room))
        };
        let line: String = line
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        cut(&line, MAX_SUMMARY)
    }

    /// The rule, as short as it reads in a table: without the leading
    /// `rule ` and the trailing ` -> <risk>` (the risk has its own column).
    pub fn brief_rule(&self) -> &str {
        let rule = self.rule.strip_prefix("rule ").unwrap_or(&self.rule);
        rule.strip_suffix(self.risk.as_str())
            .and_then(|r| r.strip_suffix(" -> "))
            .unwrap_or(rule)
    }
}

/// `text` cut to `max` characters, the last one `…` when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `0:42`, `12:05`, `1:02:03`: milliseconds into the call as a clock.
pub(super) fn clock(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        0..3600 => format!("{}:{:02}", secs / 60, secs % 60),
        _ => format!("{}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60),
    }
}
