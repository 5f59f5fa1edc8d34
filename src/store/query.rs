//! Reading the call log back: the newest calls, optionally only one
//! line's, only those since a time, or only those at a risk or above.
//!
//! Does not own: printing them (`print`) or parsing the command line's
//! filters (`crate::commands`).

use std::time::SystemTime;

use super::db::Store;
use super::tags;
use super::types::{CallRecord, StoreError};
use crate::sql::Value;
use crate::time::unix_millis;

/// Which calls [`Store::find_calls`] returns. [`Default`]: every call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallFilter {
    /// Only calls to the line with this name.
    pub line: Option<String>,
    /// Only calls that started at or after this time.
    pub since: Option<SystemTime>,
    /// Only calls at this risk or above (`none`, `low`, `medium`, `high`);
    /// a call with no risk logged counts as `none`.
    pub min_risk: Option<ivr::tagging::Risk>,
}

/// A risk's rank in SQL: the `risk` column as 0 (none or not logged) to 3
/// (high).
const RISK_RANK: &str =
    "CASE risk WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 0 END";

fn rank(risk: ivr::tagging::Risk) -> i64 {
    use ivr::tagging::Risk;
    match risk {
        Risk::None => 0,
        Risk::Low => 1,
        Risk::Medium => 2,
        Risk::High => 3,
    }
}

impl Store {
    /// The newest `limit` calls, newest first.
    #[cfg(test)]
    pub fn list_calls(&self, limit: usize) -> Result<Vec<CallRecord>, StoreError> {
        self.find_calls(&CallFilter::default(), limit)
    }

    /// The newest `limit` calls that pass `filter`, newest first.
    pub fn find_calls(
        &self,
        filter: &CallFilter,
        limit: usize,
    ) -> Result<Vec<CallRecord>, StoreError> {
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if let Some(line) = &filter.line {
            values.push(Value::Text(line.clone()));
            conditions.push(format!("line = ?{}", values.len()));
        }
        if let Some(since) = filter.since {
            values.push(Value::Integer(unix_millis(since)));
            conditions.push(format!("started_at_ms >= ?{}", values.len()));
        }
        if let Some(risk) = filter.min_risk {
            values.push(Value::Integer(rank(risk)));
            conditions.push(format!("{RISK_RANK} >= ?{}", values.len()));
        }
        let condition = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        values.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        let sql = format!(
            "SELECT id, call_id, line, caller, called, started_at, answered_at, ended_at,
                    ended_at_ms - started_at_ms, outcome, recording, end_reason, policy, tags,
                    bridge, answered_by, bridged_at, ended_at_ms - bridged_at_ms, hangup_by,
                    risk, tag_details, voicemail, callback, recording_note, listened,
                    risk_reasons
             FROM calls {condition} ORDER BY started_at_ms DESC, id DESC LIMIT ?{}",
            values.len()
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(values, |row| {
            let id = row.get(0)?;
            Ok(CallRecord {
                id,
                call_id: row.get(1)?,
                line: row.get(2)?,
                caller: row.get(3)?,
                called: row.get(4)?,
                started_at: row.get(5)?,
                answered_at: row.get(6)?,
                ended_at: row.get(7)?,
                duration_ms: row.get(8)?,
                outcome: row.get(9)?,
                recording: row.get(10)?,
                end_reason: row.get(11)?,
                policy: row.get(12)?,
                tags: tag_names(row, 13)?,
                bridge: row.get(14)?,
                answered_by: row.get(15)?,
                bridged_at: row.get(16)?,
                talk_ms: row.get(17)?,
                hangup_by: row.get(18)?,
                risk: row.get(19)?,
                reasons: tags::entries(row, 25, id, "risk reasons")?,
                tag_details: tags::tag_details(row, 20, id)?,
                voicemail: row.get(21)?,
                callback: row.get(22)?,
                recording_note: row.get(23)?,
                listened: row.get(24)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

/// The `tags` column at `index`: a JSON array of names, or NULL for none.
fn tag_names(row: &crate::sql::Row, index: usize) -> Result<Vec<String>, crate::sql::Error> {
    match row.get::<_, Option<String>>(index)? {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text).map_err(|err| crate::sql::Error::Column {
            index,
            why: format!("tags are not a JSON array of names: {err}"),
        }),
    }
}
