//! Printing calls: the table (aligned, safe, the recording path whole and
//! last, risk and tag offsets as `replay` shows them) and the JSON lines.

use super::tags_risk::detail;
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

#[test]
fn table_is_aligned_and_safe() {
    let mut out = Vec::new();
    print_calls(&sample_records(), false, &mut out).expect("prints");
    let text = String::from_utf8(out).expect("utf-8");
    let expected = "\
STARTED (UTC)        LINE     CALLER       CALLED  POLICY                OUTCOME      BRIDGE                        RISK  TAGS                   DURATION  RECORDING
2024-05-01 12:05:00  flat-2b  evil?[31m    1002    suspicious-challenge  in progress  -                             none  suspicious-cli,police  -         -
2024-05-01 12:00:00  flat-1a  +4930555000  1001    -                     passed       answered/resident@192.0.2.10  none  -                      1m05s     recordings/flat-1a/a.wav
";
    assert_eq!(text, expected, "\n{text}");

    let mut out = Vec::new();
    print_calls(&[], false, &mut out).expect("prints");
    assert_eq!(out, b"no calls\n");
}

#[test]
fn json_is_one_object_per_line() {
    let records = sample_records();
    let mut out = Vec::new();
    print_calls(&records, true, &mut out).expect("prints");
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    for (line, record) in lines.iter().zip(&records) {
        let value: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
        assert_eq!(value["id"], record.id);
        assert_eq!(value["caller"], record.caller.as_str());
    }
    let second: serde_json::Value = serde_json::from_str(lines[1]).expect("json");
    assert_eq!(second["duration_ms"], 65_432);
    assert_eq!(second["outcome"], "passed");
    assert_eq!(second["policy"], serde_json::Value::Null);
    assert_eq!(second["tags"], serde_json::json!([]));
    assert_eq!(second["bridge"], "answered");
    assert_eq!(
        second["answered_by"],
        "sip:resident@192.0.2.10:5060;transport=udp"
    );
    assert_eq!(second["bridged_at"], "2024-05-01T12:00:20.000Z");
    assert_eq!(second["talk_ms"], 45_432);
    assert_eq!(second["hangup_by"], "caller");
    let first: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
    assert!(first["outcome"].is_null());
    for field in [
        "bridge",
        "answered_by",
        "bridged_at",
        "talk_ms",
        "hangup_by",
    ] {
        assert!(first[field].is_null(), "{field}: {first}");
    }
    assert_eq!(first["policy"], "suspicious-challenge");
    assert_eq!(
        first["tags"],
        serde_json::json!(["suspicious-cli", "police"])
    );

    let mut out = Vec::new();
    print_calls(&[], true, &mut out).expect("prints");
    assert!(out.is_empty());
}

#[test]
fn cells_and_durations() {
    assert_eq!(print::duration(0), "0.0s");
    assert_eq!(print::duration(1_250), "1.2s");
    assert_eq!(print::duration(59_999), "59.9s");
    assert_eq!(print::duration(60_000), "1m00s");
    assert_eq!(print::duration(7_390_000), "2h03m10s");
    assert_eq!(print::duration(-5), "0.0s");
    let long = "x".repeat(100);
    let cut = print::cell(&long);
    assert_eq!(cut.chars().count(), 40);
    assert!(cut.ends_with('…'));
    assert_eq!(print::cell(""), "-");
}

#[test]
fn table_shows_risk_and_tag_offsets() {
    let mut record = sample_records().remove(0);
    record.risk = Some("high".to_owned());
    record.tags = vec![
        "police".to_owned(),
        "bank-details".to_owned(),
        "suspicious-cli".to_owned(),
    ];
    record.tag_details = vec![
        detail("police", 12_345, "heard police"),
        detail("bank-details", 40_100, "asked for 8 digits"),
    ];
    let mut out = Vec::new();
    print_calls(std::slice::from_ref(&record), false, &mut out).expect("prints");
    let text = String::from_utf8(out).expect("utf-8");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let row = lines.next().expect("row");
    assert!(header.contains("  BRIDGE  "), "{text}");
    assert!(header.contains("  RISK  TAGS  "), "{text}");
    assert!(
        row.contains("  high  police@12.3s,bank-details@40.1s,suspicious-cli  "),
        "{text}"
    );
    assert!(!text.contains("heard police"), "no evidence in the table");

    // Long offsets read like durations; a detail whose name is missing from
    // the tags still shows; a long cell is cut.
    record.tags = vec!["police".to_owned()];
    record.tag_details = vec![
        detail("police", 125_000, "heard police"),
        detail("pin", 3_600_000, "keyed 4 digits"),
    ];
    assert_eq!(print::tags(&record), "police@2m05s,pin@1h00m00s");
    record.tags = (0..10).map(|i| format!("tag-{i}")).collect();
    let cell = print::tags(&record);
    assert_eq!(cell.chars().count(), 48);
    assert!(cell.ends_with('…'), "{cell}");
    record.tags.clear();
    record.tag_details.clear();
    assert_eq!(print::tags(&record), "-");
}
