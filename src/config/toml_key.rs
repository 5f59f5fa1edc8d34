//! Locating keys and errors in a TOML text, and naming them.
//!
//! Owns: key paths such as `line[0].screening.retries` ([`KeyPath`]),
//! building them from what `serde_path_to_error` reports, a semantic
//! [`Problem`] found at a key after parsing, finding a key's span in the
//! text (through the spans the `toml` crate keeps), turning a byte offset
//! into `line:column`, and flattening a message onto one line.
//!
//! Does not own: each caller's error enum, its `Display` format or its
//! messages (`config::ConfigError`, `fixture::FixtureError`), nor deciding
//! what is wrong.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// A path to a key, shown as `line[0].screening.retries`; the empty path
/// is shown as `(top level)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyPath(Vec<Seg>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

impl KeyPath {
    pub(crate) fn key(mut self, key: &str) -> KeyPath {
        self.0.push(Seg::Key(key.to_owned()));
        self
    }

    pub(crate) fn index(mut self, index: usize) -> KeyPath {
        self.0.push(Seg::Index(index));
        self
    }

    /// The path `serde_path_to_error` reports, plus the unknown key itself
    /// when serde names it only in `message` (the caller chooses which form
    /// of the message to look in).
    pub(crate) fn from_serde(path: &serde_path_to_error::Path, message: &str) -> KeyPath {
        let mut keys = KeyPath::default();
        for seg in path.iter() {
            match seg {
                serde_path_to_error::Segment::Map { key } => keys = keys.key(key),
                serde_path_to_error::Segment::Seq { index } => keys = keys.index(*index),
                _ => {}
            }
        }
        if let Some(unknown) = unknown_field(message) {
            if keys.0.last() != Some(&Seg::Key(unknown.to_owned())) {
                keys = keys.key(unknown);
            }
        }
        keys
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

/// A semantic problem found after parsing: what is wrong at `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) key: KeyPath,
    pub(crate) message: String,
}

/// `Err` with a [`Problem`] at `key`.
pub(crate) fn problem(key: KeyPath, message: impl Into<String>) -> Result<(), Problem> {
    Err(Problem {
        key,
        message: message.into(),
    })
}

/// serde reports an unknown key against its table; name the key itself.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(&rest[..rest.find('`')?])
}

/// `message` trimmed, with its line breaks turned into `; `.
pub(crate) fn one_line(message: &str) -> String {
    message.trim().replace('\n', "; ")
}

/// 1-based line and column (in characters) of byte `offset` in `text`;
/// an offset past the end or inside a character counts from the last
/// character boundary before it.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The span of the value at `path`, or of its nearest ancestor present in
/// the text (a key left at its default has no span of its own); `None` if
/// `text` is not valid TOML.
pub(crate) fn span_of(text: &str, path: &KeyPath) -> Option<Range<usize>> {
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
