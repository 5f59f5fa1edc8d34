//! `linewarden lines import FILE.csv|FILE.toml` and `linewarden lines
//! export [--format csv|toml] [--all]`: bulk changes to the stored lines.
//! An import stores each line of the file (replacing a stored line of the
//! same name), checked together with the configuration file's lines by
//! the configuration's rules, all or nothing, and audited with actor
//! `cli`; a running service takes them within a few seconds (it polls
//! the store's configuration version).
//! Export writes the stored lines (with `--all`, every line as it runs:
//! the file's merged with the stored).
//!
//! Does not own: the formats (`file`) or the merge and check (`merge`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::file::{self, Format};
use super::merge;
use super::stored;
use crate::cli::LinesCmd;
use crate::console::audit::{self, Event};

pub fn run(command: LinesCmd) -> anyhow::Result<ExitCode> {
    match command {
        LinesCmd::Import { config, file } => {
            let config = config.load()?;
            let imported = import(&config, &file)?;
            println!(
                "{imported} lines imported into {}; a running service applies them within a few seconds",
                crate::store::Location::of(&config)
            );
            Ok(ExitCode::SUCCESS)
        }
        LinesCmd::Export {
            config,
            format,
            all,
        } => {
            let config = config.load()?;
            let stored = stored::load(&crate::store::Location::of(&config))?;
            let lines = if all {
                merge::merge(&config.lines, &stored)
            } else {
                stored
            };
            print!("{}", file::write(&lines, format)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The format a file's name ends in.
fn format_of(path: &Path) -> anyhow::Result<Format> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => Ok(Format::Csv),
        Some(e) if e.eq_ignore_ascii_case("toml") => Ok(Format::Toml),
        _ => anyhow::bail!("{}: expected a .csv or .toml file", path.display()),
    }
}

/// Stores the lines of `path` beside the stored ones; how many.
pub fn import(config: &crate::config::Config, path: &Path) -> anyhow::Result<usize> {
    let format = format_of(path)?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let lines = file::read(&text, &path.display().to_string(), format)?;
    let conn = crate::console::db::open_conn(&crate::store::Location::of(config))?;
    let mut stored = stored::list(&conn)?;
    stored.retain(|s| !lines.iter().any(|l| l.name == s.name));
    stored.extend(lines.iter().cloned());
    let mut merged = config.clone();
    merged.lines = merge::merge(&config.lines, &stored);
    merge::check(&merged, None).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let now = crate::time::now_millis();
    let tx = conn.unchecked_transaction()?;
    for line in &lines {
        stored::put(&tx, line, "cli", now)?;
        let target = format!("line {}", line.name);
        let detail = format!("from {}", path.display());
        let event = Event {
            actor: Some("cli"),
            action: "line imported",
            target: Some(&target),
            detail: Some(&detail),
            source: None,
        };
        audit::record(&tx, now, &event)?;
    }
    tx.commit()?;
    Ok(lines.len())
}
