//! `linewarden lines import` and `lines export`: a CSV imported, then
//! exported, gives the same lines back, and the export imports again to
//! the same text (CSV and TOML); `--all` adds the file's lines; a bad row
//! is refused with its line and field and nothing is stored.

use std::process::Command;

const CALLER: &str = "+441632960555";
const OTHER: &str = "+441632960777";

fn linewarden(args: &[&str], config: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .expect("linewarden")
}

#[test]
fn lines_import_of_a_csv_then_export_round_trips() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let config = dir.path().join("linewarden.toml");
    std::fs::write(
        &config,
        format!(
            "[service]\ndata_dir = \"{}\"\n\n[[line]]\nname = \"test\"\nnumbers = [\"*\"]\n",
            data.display()
        ),
    )
    .expect("config");
    let csv = dir.path().join("lines.csv");
    std::fs::write(
        &csv,
        format!(
            "name,numbers,phones,allowlist,blocklist,settings\n\
             flat-1,\"1001, 1002\",sip:resident@192.0.2.20:5060,{CALLER},,\"voicemail = true\n[screening]\nretries = 2\n\"\n\
             flat-2,1003,,,{OTHER},\n"
        ),
    )
    .expect("csv");
    let out = linewarden(&["lines", "import", csv.to_str().expect("path")], &config);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let export = |format: &str| {
        let out = linewarden(&["lines", "export", "--format", format], &config);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let exported = export("csv");
    let mut rows = csv_rows(&exported);
    assert_eq!(
        rows.remove(0),
        [
            "name",
            "numbers",
            "phones",
            "allowlist",
            "blocklist",
            "settings"
        ]
    );
    assert_eq!(rows.len(), 2, "{exported}");
    assert_eq!(
        rows[0][..5],
        [
            "flat-1",
            "1001, 1002",
            "sip:resident@192.0.2.20:5060",
            CALLER,
            ""
        ]
    );
    assert_eq!(rows[1][..5], ["flat-2", "1003", "", "", OTHER]);
    assert!(
        rows[0][5].contains("voicemail = true") && rows[0][5].contains("retries = 2"),
        "{}",
        rows[0][5]
    );

    // The export imports again to the same lines, in either format.
    std::fs::write(&csv, &exported).expect("write");
    let toml = export("toml");
    let again = linewarden(&["lines", "import", csv.to_str().expect("path")], &config);
    assert!(again.status.success());
    assert_eq!(export("csv"), exported);
    let toml_file = dir.path().join("lines.toml");
    std::fs::write(&toml_file, &toml).expect("write");
    let again = linewarden(
        &["lines", "import", toml_file.to_str().expect("path")],
        &config,
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(export("toml"), toml);
    assert!(export("csv").contains("flat-2"));
    // --all adds the file's line.
    let all = linewarden(&["lines", "export", "--all"], &config);
    assert!(String::from_utf8_lossy(&all.stdout).contains("name = \"test\""));

    // A bad row is refused with its row and field, and nothing is stored.
    std::fs::write(
        &csv,
        "name,numbers,phones,allowlist,blocklist,settings\nflat-3,1004,,12ab,,\n",
    )
    .expect("write");
    let bad = linewarden(&["lines", "import", csv.to_str().expect("path")], &config);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("flat-3") || err.contains("policy.allowlist[0]"),
        "{err}"
    );
    assert!(!export("csv").contains("flat-3"));
}

/// The rows of a CSV text (quoted fields may hold commas, quotes and new
/// lines).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows
}
