//! Which lines run, and whether they may: the configuration file's lines
//! with the stored ones merged in (a stored line replaces the file's line
//! of the same name; stored lines the file does not have follow the
//! file's), and the check of the result with the configuration's own
//! rules and messages — the merged configuration is written as TOML and
//! read back by `Config::parse`, exactly as a file would be — with the
//! problem named by the field of the line it is about.
//!
//! Does not own: the rules themselves (`crate::config`), storing lines
//! (`stored`), or publishing (`live`).

use serde::Serialize;

use crate::config::toml_key::{one_line, KeyPath};
use crate::config::{Config, ConfigError, LineConfig};

/// Where a running line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The configuration file only.
    File,
    /// The store only.
    Store,
    /// The store, replacing the file's line of the same name.
    StoreOverFile,
}

/// A line refused by the configuration's rules: the field (a key path
/// such as `policy.allowlist[0]`, or `line "other".numbers[0]` for a
/// problem found on another line) and the configuration's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Invalid {
        Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A serde error at `path` while reading a line (JSON, a form's
    /// settings, a CSV row).
    pub fn from_serde(path: &serde_path_to_error::Path, message: &str) -> Invalid {
        let message = one_line(message);
        let field = KeyPath::from_serde(path, &message).to_string();
        Invalid { field, message }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The file's lines with the stored ones merged in: the file's order,
/// then the stored lines the file does not have, by name.
pub fn merge(file: &[LineConfig], stored: &[LineConfig]) -> Vec<LineConfig> {
    let mut lines: Vec<LineConfig> = file
        .iter()
        .map(|f| {
            stored
                .iter()
                .find(|s| s.name == f.name)
                .unwrap_or(f)
                .clone()
        })
        .collect();
    let mut added: Vec<&LineConfig> = stored
        .iter()
        .filter(|s| !file.iter().any(|f| f.name == s.name))
        .collect();
    added.sort_by(|a, b| a.name.cmp(&b.name));
    lines.extend(added.into_iter().cloned());
    lines
}

/// Where the line `name` comes from, given the file's and the stored lines.
pub fn source(name: &str, file: &[LineConfig], stored: &[LineConfig]) -> Source {
    let in_file = file.iter().any(|l| l.name == name);
    match (stored.iter().any(|l| l.name == name), in_file) {
        (true, true) => Source::StoreOverFile,
        (true, false) => Source::Store,
        _ => Source::File,
    }
}

/// Checks `config` as the configuration file would be checked. Problems
/// in the line `about` name its field (`policy.allowlist[0]`); problems
/// elsewhere name the line (`line "flat-2".numbers[0]`), and so do
/// messages that point at another line.
pub fn check(config: &Config, about: Option<&str>) -> Result<Config, Invalid> {
    let text = config
        .to_toml()
        .map_err(|e| Invalid::new("(line)", e.to_string()))?;
    match Config::parse(&text, "lines") {
        Ok(checked) => Ok(checked),
        Err(ConfigError::Invalid { key, message, .. }) => {
            Err(name_field(&config.lines, about, &key, &message))
        }
        Err(other) => Err(Invalid::new("(line)", other.to_string())),
    }
}

/// The configuration `file` (already checked) with the `stored` lines
/// merged in and the result checked; `file` unchanged when nothing is
/// stored.
pub fn with_stored(file: Config, stored: &[LineConfig]) -> Result<Config, Invalid> {
    if stored.is_empty() {
        return Ok(file);
    }
    let mut config = file;
    config.lines = merge(&config.lines, stored);
    check(&config, None)
}

/// `line[3].policy.allowlist[0]` as `policy.allowlist[0]` when line 3 is
/// `about`, else as `line "name".policy.allowlist[0]`; `line[N]` in the
/// message becomes `line "name"` too.
fn name_field(lines: &[LineConfig], about: Option<&str>, key: &str, message: &str) -> Invalid {
    let mut message = message.to_owned();
    for (i, line) in lines.iter().enumerate().rev() {
        message = message.replace(&format!("line[{i}]"), &format!("line {:?}", line.name));
    }
    let Some(rest) = key.strip_prefix("line[") else {
        return Invalid::new(key, message);
    };
    let Some((index, rest)) = rest.split_once(']') else {
        return Invalid::new(key, message);
    };
    let Some(line) = index.parse::<usize>().ok().and_then(|i| lines.get(i)) else {
        return Invalid::new(key, message);
    };
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    let field = if about == Some(line.name.as_str()) {
        if rest.is_empty() {
            "(line)".to_owned()
        } else {
            rest.to_owned()
        }
    } else if rest.is_empty() {
        format!("line {:?}", line.name)
    } else {
        format!("line {:?}.{rest}", line.name)
    };
    Invalid::new(field, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, number: &str) -> LineConfig {
        let mut l = Config::default_config().lines[0].clone();
        l.name = name.to_owned();
        l.numbers = vec![number.to_owned()];
        l
    }

    #[test]
    fn a_stored_line_replaces_the_files_of_its_name_and_others_follow() {
        let file = [line("a", "1"), line("b", "2")];
        let stored = [line("c", "3"), line("a", "9")];
        let names: Vec<(String, String)> = merge(&file, &stored)
            .into_iter()
            .map(|l| (l.name, l.numbers[0].clone()))
            .collect();
        let want = [("a", "9"), ("b", "2"), ("c", "3")];
        let stored = [line("d", "4"), line("c", "3"), line("a", "9")];
        let order: Vec<String> = merge(&file, &stored).into_iter().map(|l| l.name).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
        assert_eq!(names, want.map(|(a, b)| (a.to_owned(), b.to_owned())));
        assert_eq!(source("a", &file, &stored), Source::StoreOverFile);
        assert_eq!(source("b", &file, &stored), Source::File);
        assert_eq!(source("c", &file, &stored), Source::Store);
    }

    #[test]
    fn problems_name_the_lines_field_with_the_configurations_message() {
        let mut config = Config::default_config();
        config.lines = vec![line("a", "1"), line("b", "2")];
        assert!(check(&config, Some("b")).is_ok());
        config.lines[1].policy.allowlist = vec!["not a number".into()];
        let e = check(&config, Some("b")).expect_err("bad allowlist");
        assert_eq!(e.field, "policy.allowlist[0]");
        config.lines[1].policy.allowlist.clear();
        config.lines[1].numbers = vec!["1".into()];
        let e = check(&config, Some("b")).expect_err("number taken");
        assert_eq!(e.field, "numbers[0]");
        assert!(e.message.contains("line \"a\""), "{}", e.message);
        config.lines[1].screening.retries = 9;
        let e = check(&config, Some("a")).expect_err("other line");
        assert!(e.field.starts_with("line \"b\"."), "{}", e.field);
    }
}
