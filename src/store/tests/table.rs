//! The table: the recording path whole and last, risk as `replay` shows it.

use super::*;

#[test]
fn recording_path_is_whole_and_last_and_no_risk_reads_none() {
    let mut record = sample_records().remove(1);
    let long = format!("recordings/flat-1a/{}.wav", "x".repeat(80));
    record.recording = Some(long.clone());
    record.risk = None;
    let mut out = Vec::new();
    print_calls(std::slice::from_ref(&record), false, &mut out).expect("prints");
    let text = String::from_utf8(out).expect("utf-8");
    let row = text.lines().nth(1).expect("row");
    assert!(row.ends_with(&format!("  {long}")), "{text}");
    assert!(!row.contains('…'), "{text}");
    assert!(row.contains("  none  "), "{text}");
    // A risk that was logged shows as logged.
    record.risk = Some("medium".into());
    let mut out = Vec::new();
    print_calls(std::slice::from_ref(&record), false, &mut out).expect("prints");
    assert!(String::from_utf8(out)
        .expect("utf-8")
        .contains("  medium  "));
}
