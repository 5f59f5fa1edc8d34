//! Reading calls for the console: one call, a filtered page of the call
//! log (keyset pagination on `(started_at_ms, id)`, newest first, limited
//! to the lines a user may see) and calls per day per outcome for the
//! chart.
//!
//! Does not own: writing calls (`crate::store`) or who may see which line
//! (`users`).

use crate::sql::{params_from_iter, Connection, Dialect, OptionalExtension, Row, Value};
use serde::{Deserialize, Serialize};

use super::error::ConsoleError;
use crate::store::{RiskReason, TagDetail};

/// Most calls on one page.
pub const MAX_LIMIT: i64 = 500;
/// Calls on a page when no limit is asked for.
pub const DEFAULT_LIMIT: i64 = 50;

/// A call as the console and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Call {
    pub id: i64,
    pub call_id: String,
    pub line: String,
    pub caller: String,
    /// The From header's display name (untrusted text).
    pub caller_name: Option<String>,
    pub called: String,
    pub started_at: String,
    pub started_at_ms: i64,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_ms: Option<i64>,
    /// From the start to the answer (the recording starts there).
    pub answer_offset_ms: Option<i64>,
    pub policy: Option<String>,
    pub outcome: Option<String>,
    pub bridge: Option<String>,
    pub answered_by: Option<String>,
    pub hangup_by: Option<String>,
    pub end_reason: Option<String>,
    pub risk: Option<String>,
    /// Why the risk is what it is: each rise, oldest first.
    pub reasons: Vec<RiskReason>,
    /// The rule behind the last rise, short, as the live feed's `risk`
    /// event and the `calls` table's WHY column give it (empty: none).
    pub why: String,
    pub tags: Vec<String>,
    pub tag_details: Vec<TagDetail>,
    /// Whether a recording can be fetched (`/api/calls/{id}/recording`).
    pub has_recording: bool,
    pub recording_note: Option<String>,
    /// Set when retention deleted the recording (unix ms).
    pub recording_deleted_at_ms: Option<i64>,
    /// Kept as evidence: retention never deletes its recording.
    pub evidence_hold: bool,
    /// A line-clear callback's proof (JSON text as logged).
    pub callback: Option<String>,
    /// How much the speech recognizer heard: `full`, `partial`, `none`.
    pub listened: Option<String>,
    #[serde(skip)]
    pub recording: Option<String>,
}

const COLUMNS: &str = "id, call_id, line, caller, caller_name, called, started_at, started_at_ms,
    answered_at, ended_at, ended_at_ms - started_at_ms, policy, outcome, bridge, answered_by,
    hangup_by, end_reason, risk, tags, tag_details, recording, recording_note,
    recording_deleted_at_ms, evidence_hold, callback, answered_at_ms - started_at_ms, listened,
    risk_reasons";

fn json_list<T: for<'de> Deserialize<'de>>(
    row: &Row,
    i: usize,
) -> Result<Vec<T>, crate::sql::Error> {
    let text: Option<String> = row.get(i)?;
    // Lenient: a column changed by hand shows as empty, not as an error.
    Ok(text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

fn call(row: &Row) -> Result<Call, crate::sql::Error> {
    let recording: Option<String> = row.get(20)?;
    let deleted: Option<i64> = row.get(22)?;
    let reasons: Vec<RiskReason> = json_list(row, 27)?;
    let why = reasons
        .last()
        .map(|r| r.brief_rule().to_owned())
        .unwrap_or_default();
    Ok(Call {
        id: row.get(0)?,
        call_id: row.get(1)?,
        line: row.get(2)?,
        caller: row.get(3)?,
        caller_name: row.get(4)?,
        called: row.get(5)?,
        started_at: row.get(6)?,
        started_at_ms: row.get(7)?,
        answered_at: row.get(8)?,
        ended_at: row.get(9)?,
        duration_ms: row.get(10)?,
        policy: row.get(11)?,
        outcome: row.get(12)?,
        bridge: row.get(13)?,
        answered_by: row.get(14)?,
        hangup_by: row.get(15)?,
        end_reason: row.get(16)?,
        risk: row.get(17)?,
        reasons,
        why,
        tags: json_list(row, 18)?,
        tag_details: json_list(row, 19)?,
        has_recording: recording.is_some() && deleted.is_none(),
        recording,
        recording_note: row.get(21)?,
        recording_deleted_at_ms: deleted,
        evidence_hold: row.get::<_, i64>(23)? != 0,
        callback: row.get(24)?,
        answer_offset_ms: row.get(25)?,
        listened: row.get(26)?,
    })
}

/// The call with row id `id`.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Call>, ConsoleError> {
    let sql = format!("SELECT {COLUMNS} FROM calls WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], call).optional()?)
}

/// The call-log filters (`GET /api/calls` query, the call-log page form).
/// Empty text counts as not given.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Filter {
    pub line: Option<String>,
    /// Calls started at or after: unix ms or RFC 3339.
    pub since: Option<String>,
    /// Calls started before: unix ms or RFC 3339.
    pub until: Option<String>,
    pub risk: Option<String>,
    pub tag: Option<String>,
    pub outcome: Option<String>,
    /// The caller's number, exactly.
    pub caller: Option<String>,
    pub limit: Option<i64>,
    /// The cursor from the previous page: `started_at_ms:id`.
    pub before: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A time filter: unix milliseconds, or RFC 3339 (a date alone is midnight
/// UTC).
pub fn parse_time(text: &str) -> Option<i64> {
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    let text = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    let t = humantime::parse_rfc3339_weak(&text).ok()?;
    Some(crate::time::unix_millis(t))
}

/// Unix ms as RFC 3339 UTC with milliseconds.
pub fn rfc3339_ms(ms: i64) -> String {
    let t =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    crate::time::rfc3339_millis(t)
}

/// A page of calls and the cursor for the next (older) one.
#[derive(Debug, Serialize)]
pub struct Page {
    pub calls: Vec<Call>,
    /// Pass as `before` for the next page; `null` on the last page.
    pub next_before: Option<String>,
}

/// SQL conditions and their values for `filter` within `scope` (`None`:
/// every line).
fn conditions(
    filter: &Filter,
    scope: Option<&[String]>,
    dialect: Dialect,
) -> Result<(String, Vec<Value>), String> {
    let mut sql = vec!["1 = 1".to_owned()];
    let mut values: Vec<Value> = Vec::new();
    if let Some(lines) = scope {
        if lines.is_empty() {
            sql.push("1 = 0".to_owned());
        } else {
            let marks = vec!["?"; lines.len()].join(",");
            sql.push(format!("line IN ({marks})"));
        }
        values.extend(lines.iter().map(|l| Value::Text(l.clone())));
    }
    for (column, v) in [
        ("line", &filter.line),
        ("risk", &filter.risk),
        ("outcome", &filter.outcome),
        ("caller", &filter.caller),
    ] {
        if let Some(v) = given(v) {
            sql.push(format!("{column} = ?"));
            values.push(Value::Text(v.to_owned()));
        }
    }
    if let Some(tag) = given(&filter.tag) {
        sql.push(
            match dialect {
                Dialect::Sqlite => "EXISTS (SELECT 1 FROM json_each(calls.tags) WHERE value = ?)",
                Dialect::Postgres => "tags::jsonb @> jsonb_build_array(?::text)",
            }
            .to_owned(),
        );
        values.push(Value::Text(tag.to_owned()));
    }
    for (op, v, name) in [
        (">=", &filter.since, "since"),
        ("<", &filter.until, "until"),
    ] {
        if let Some(v) = given(v) {
            let ms = parse_time(v).ok_or(format!("{name}: expected unix ms or RFC 3339"))?;
            sql.push(format!("started_at_ms {op} ?"));
            values.push(Value::Integer(ms));
        }
    }
    if let Some(cursor) = given(&filter.before) {
        let (ms, id) = cursor
            .split_once(':')
            .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)))
            .ok_or("before: expected the next_before of the previous page")?;
        sql.push("(started_at_ms < ? OR (started_at_ms = ? AND id < ?))".to_owned());
        values.extend([Value::Integer(ms), Value::Integer(ms), Value::Integer(id)]);
    }
    Ok((sql.join(" AND "), values))
}

/// A page of calls matching `filter` within `scope`, newest first.
/// `Err(Ok(why))` for a bad filter.
pub fn page(
    conn: &Connection,
    filter: &Filter,
    scope: Option<&[String]>,
) -> Result<Result<Page, String>, ConsoleError> {
    let (cond, mut values) = match conditions(filter, scope, conn.dialect()) {
        Ok(c) => c,
        Err(why) => return Ok(Err(why)),
    };
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    values.push(Value::Integer(limit + 1));
    let sql = format!(
        "SELECT {COLUMNS} FROM calls WHERE {cond} ORDER BY started_at_ms DESC, id DESC LIMIT ?"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut calls = stmt
        .query_map(params_from_iter(values), call)?
        .collect::<Result<Vec<_>, _>>()?;
    let more = calls.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    calls.truncate(usize::try_from(limit).unwrap_or(0));
    let next_before = more
        .then(|| {
            calls
                .last()
                .map(|c| format!("{}:{}", c.started_at_ms, c.id))
        })
        .flatten();
    Ok(Ok(Page { calls, next_before }))
}

/// Calls per UTC day per outcome (`in progress` / the end reason when no
/// outcome) for `filter` within `scope`, from `from_ms` on (the filter's
/// `since` wins when later), ignoring the page cursor.
pub fn per_day(
    conn: &Connection,
    filter: &Filter,
    scope: Option<&[String]>,
    from_ms: i64,
) -> Result<Vec<(i64, String, i64)>, ConsoleError> {
    let filter = Filter {
        before: None,
        ..filter.clone()
    };
    let Ok((cond, mut values)) = conditions(&filter, scope, conn.dialect()) else {
        return Ok(Vec::new());
    };
    values.push(Value::Integer(from_ms));
    let sql = format!(
        "SELECT started_at_ms / 86400000 AS day,
                COALESCE(outcome, end_reason, CASE WHEN ended_at_ms IS NULL THEN 'in progress' ELSE 'none' END),
                COUNT(*)
         FROM calls WHERE {cond} AND started_at_ms >= ? GROUP BY 1, 2 ORDER BY 1, 2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(values), |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
#[path = "calls_tests.rs"]
mod tests;
