//! Lines in files, for `linewarden lines import|export`: CSV (one row per
//! line, the columns of [`LineFields`](super::fields::LineFields)) and
//! TOML (`[[line]]` tables, as in the configuration file, read by the
//! configuration's own parser so errors name `file:line:column` and the
//! key).
//!
//! Does not own: storing or checking the lines against the running ones
//! (`cli`, `merge`).

use serde::Serialize;

use super::fields::{LineFields, COLUMNS};
use super::merge::Invalid;
use crate::config::{Config, LineConfig};

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Toml,
}

/// Reads the lines in `text` (`origin` names it in errors).
pub fn read(text: &str, origin: &str, format: Format) -> anyhow::Result<Vec<LineConfig>> {
    match format {
        Format::Toml => Ok(Config::parse(text, origin)?.lines),
        Format::Csv => {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
            if header != COLUMNS {
                anyhow::bail!(
                    "{origin}: expected the columns {}, got {}",
                    COLUMNS.join(","),
                    header.join(",")
                );
            }
            let mut lines = Vec::new();
            for (i, row) in reader.deserialize::<LineFields>().enumerate() {
                // Row 1 is the header.
                let row = row.map_err(|e| anyhow::anyhow!("{origin}: row {}: {e}", i + 2))?;
                let line = row.to_line().map_err(|Invalid { field, message }| {
                    anyhow::anyhow!("{origin}: row {}: {field}: {message}", i + 2)
                })?;
                lines.push(line);
            }
            Ok(lines)
        }
    }
}

#[derive(Serialize)]
struct LinesFile<'a> {
    line: &'a [LineConfig],
}

/// `lines` in `format`, with a header row for CSV.
pub fn write(lines: &[LineConfig], format: Format) -> anyhow::Result<String> {
    match format {
        Format::Toml => Ok(toml::to_string(&LinesFile { line: lines })?),
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            if lines.is_empty() {
                writer.write_record(COLUMNS)?;
            }
            for line in lines {
                writer.serialize(LineFields::from_line(line))?;
            }
            Ok(String::from_utf8(writer.into_inner()?)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_read_back_what_they_write() {
        let mut line = Config::default_config().lines[0].clone();
        line.name = "flat-1".into();
        line.numbers = vec!["1001".into()];
        line.policy.allowlist = vec!["+15550100".into(), "+15550101".into()];
        line.policy.blocklist = vec!["+15550199".into()];
        let mut other = line.clone();
        other.name = "flat-2".into();
        other.numbers = vec!["1002".into()];
        other.screening.record = false;
        let lines = vec![line, other];
        for format in [Format::Csv, Format::Toml] {
            let text = write(&lines, format).expect("write");
            assert_eq!(read(&text, "t", format).expect("read"), lines, "{format:?}");
            let again = write(&read(&text, "t", format).expect("read"), format).expect("write");
            assert_eq!(again, text, "{format:?}");
        }
    }

    #[test]
    fn a_bad_csv_row_names_its_row_and_field() {
        let text = "name,numbers,phones,allowlist,blocklist,settings\nflat-1,1001,,,,\"[screening]\nretries = \"\"x\"\"\"\n";
        let e = read(text, "in.csv", Format::Csv).expect_err("bad");
        assert!(
            e.to_string()
                .starts_with("in.csv: row 2: screening.retries"),
            "{e}"
        );
    }
}
