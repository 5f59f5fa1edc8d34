//! Configuration errors: which file, which line and column, which key, and
//! what was expected. Positions come from the spans the `toml` crate keeps;
//! a problem found after parsing is located by walking its key path through
//! the spanned document (both through [`crate::config::toml_key`]).

use std::fmt;
use std::path::PathBuf;

use crate::config::toml_key::{line_col, one_line, span_of, KeyPath, Problem};

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
        let (line, column) = line_col(text, offset);
        Location {
            origin: origin.to_owned(),
            line,
            column,
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
    #[error("{}: cannot read config file: {cause}", .path.display())]
    Read {
        path: PathBuf,
        cause: std::io::Error,
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
    /// A command-line option (`--listen`, `--data-dir`) makes the
    /// configuration invalid: the same check as the file's, naming the
    /// option and the value given.
    #[error("{option} {value}: key {key}: {message}")]
    Override {
        option: &'static str,
        value: String,
        key: String,
        message: String,
    },
    #[error("cannot write the configuration as TOML: {0}")]
    Serialize(toml::ser::Error),
}

impl From<toml::ser::Error> for ConfigError {
    fn from(err: toml::ser::Error) -> Self {
        ConfigError::Serialize(err)
    }
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
        let message = one_line(err.inner().message());
        let path = KeyPath::from_serde(err.path(), &message);
        let inner = err.into_inner();
        let span = inner.span().or_else(|| span_of(text, &path));
        ConfigError::Invalid {
            at: Location::at(text, origin, span.map_or(0, |s| s.start)),
            key: path.to_string(),
            message,
        }
    }

    pub(super) fn invalid(text: &str, origin: &str, problem: Problem) -> ConfigError {
        let span = span_of(text, &problem.key);
        ConfigError::Invalid {
            at: Location::at(text, origin, span.map_or(0, |s| s.start)),
            key: problem.key.to_string(),
            message: problem.message,
        }
    }
}
