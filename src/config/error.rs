//! Configuration errors: which file, which line and column, which key, and
//! what was expected. Positions come from the spans the `toml` crate keeps;
//! a problem found after parsing is located by walking its key path through
//! the spanned document.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use toml::de::{DeTable, DeValue};

/// A position in a configuration text, shown as `origin:line:column`
/// (both counted from 1, columns in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub origin: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    fn at(text: &str, origin: &str, offset: usize) -> Location {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            origin: origin.to_owned(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.origin, self.line, self.column)
    }
}

/// Why a configuration could not be loaded or written.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read config file: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The text is not valid TOML.
    #[error("{at}: TOML syntax error: {message}")]
    Syntax { at: Location, message: String },
    /// Valid TOML, but a key is unknown, missing, of the wrong type or has
    /// a value that is not allowed.
    #[error("{at}: key {key}: {message}")]
    Invalid {
        at: Location,
        key: String,
        message: String,
    },
    #[error("cannot write the configuration as TOML: {0}")]
    Serialize(#[from] toml::ser::Error),
}

/// A path to a key, shown as `line[0].screening.retries`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct KeyPath(Vec<Seg>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

impl KeyPath {
    pub(super) fn key(mut self, key: &str) -> KeyPath {
        self.0.push(Seg::Key(key.to_owned()));
        self
    }

    pub(super) fn index(mut self, index: usize) -> KeyPath {
        self.0.push(Seg::Index(index));
        self
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(key) if i == 0 => write!(f, "{key}")?,
                Seg::Key(key) => write!(f, ".{key}")?,
                Seg::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A semantic problem found after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    pub(super) path: KeyPath,
    pub(super) message: String,
}

impl ConfigError {
    pub(super) fn syntax(text: &str, origin: &str, err: &toml::de::Error) -> ConfigError {
        let offset = err.span().map_or(0, |span| span.start);
        ConfigError::Syntax {
            at: Location::at(text, origin, offset),
            message: one_line(err.message()),
        }
    }

    pub(super) fn from_serde(
        text: &str,
        origin: &str,
        err: serde_path_to_error::Error<toml::de::Error>,
    ) -> ConfigError {
        let mut path = KeyPath::default();
        for seg in err.path().iter() {
            match seg {
                serde_path_to_error::Segment::Map { key } => path = path.key(key),
                serde_path_to_error::Segment::Seq { index } => path = path.index(*index),
                _ => {}
            }
        }
        let inner = err.into_inner();
        let message = one_line(inner.message());
        if let Some(unknown) = unknown_field(&message) {
            if path.0.last() != Some(&Seg::Key(unknown.to_owned())) {
                path = path.key(unknown);
            }
        }
        let span = inner.span().or_else(|| span_of(text, &path));
        ConfigError::Invalid {
            at: Location::at(text, origin, span.map_or(0, |s| s.start)),
            key: path.to_string(),
            message,
        }
    }

    pub(super) fn invalid(text: &str, origin: &str, problem: Problem) -> ConfigError {
        let span = span_of(text, &problem.path);
        ConfigError::Invalid {
            at: Location::at(text, origin, span.map_or(0, |s| s.start)),
            key: problem.path.to_string(),
            message: problem.message,
        }
    }
}

/// serde reports an unknown key against its table; name the key itself.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(&rest[..rest.find('`')?])
}

fn one_line(message: &str) -> String {
    message.trim().replace('\n', "; ")
}

/// The span of the value at `path`, or of its nearest ancestor present in
/// the document (a key left at its default has no span of its own).
fn span_of(text: &str, path: &KeyPath) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut span = root.span();
    let root = DeValue::Table(root.into_inner());
    let mut node = &root;
    for seg in &path.0 {
        let next = match seg {
            Seg::Key(key) => node.get(key.as_str()),
            Seg::Index(index) => node.get(*index),
        };
        let Some(next) = next else { break };
        span = next.span();
        node = next.get_ref();
    }
    Some(span)
}
