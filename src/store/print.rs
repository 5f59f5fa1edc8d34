//! Printing the call log: an aligned table for people, JSON Lines for
//! programs.

use std::io::{self, Write};

use super::CallRecord;

/// Longest a table cell may be, in characters; longer values are cut with
/// a trailing `…`.
const MAX_CELL: usize = 40;

/// Writes `records` to `out`.
///
/// - `json = false`: an aligned table with a header row: start time (UTC,
///   to the second), line, caller, called, the policy decision, outcome (or,
///   if none was decided, the end reason, or `in progress`), tags
///   (comma-separated), duration, recording. An empty cell shows `-`.
///   Control characters (which could reach a terminal from a caller's SIP
///   headers) are shown as `?`. No records prints `no calls`.
/// - `json = true`: JSON Lines: one [`CallRecord`] object per line, in the
///   given order (`tags` as an array, `[]` for none), nothing for no records.
pub fn print_calls(records: &[CallRecord], json: bool, out: &mut impl Write) -> io::Result<()> {
    if json {
        for record in records {
            serde_json::to_writer(&mut *out, record)?;
            out.write_all(b"\n")?;
        }
        return Ok(());
    }
    if records.is_empty() {
        return writeln!(out, "no calls");
    }
    const HEADER: [&str; COLUMNS] = [
        "STARTED (UTC)",
        "LINE",
        "CALLER",
        "CALLED",
        "POLICY",
        "OUTCOME",
        "TAGS",
        "DURATION",
        "RECORDING",
    ];
    let rows: Vec<[String; COLUMNS]> = records.iter().map(row).collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = HEADER.map(str::to_owned);
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            let pad = width.saturating_sub(cell.chars().count());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Columns in the table.
const COLUMNS: usize = 9;

fn row(record: &CallRecord) -> [String; COLUMNS] {
    let started = record.started_at.get(..19).unwrap_or(&record.started_at);
    let outcome = match (&record.outcome, &record.ended_at, &record.end_reason) {
        (Some(outcome), _, _) => outcome.as_str(),
        (None, None, None) => "in progress",
        (None, _, Some(reason)) => reason.as_str(),
        (None, Some(_), None) => "-",
    };
    [
        cell(&started.replacen('T', " ", 1)),
        cell(&record.line),
        cell(&record.caller),
        cell(&record.called),
        cell(record.policy.as_deref().unwrap_or("-")),
        cell(outcome),
        cell(&record.tags.join(",")),
        record.duration_ms.map_or_else(|| "-".to_owned(), duration),
        cell(record.recording.as_deref().unwrap_or("-")),
    ]
}

/// `text` made safe and short for one table cell.
pub(super) fn cell(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_CELL)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().count() > MAX_CELL {
        out.pop();
        out.push('…');
    }
    if out.is_empty() {
        out.push('-');
    }
    out
}

/// `1.2s`, `4m05s`, `2h03m10s`.
pub(super) fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    let secs = ms / 1000;
    match secs {
        0..60 => format!("{}.{}s", secs, (ms % 1000) / 100),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m{:02}s", secs / 3600, (secs / 60) % 60, secs % 60),
    }
}
