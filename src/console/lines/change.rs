//! Changing the running lines: adding, replacing and removing a stored
//! line, and putting a caller on a line's allowlist or blocklist. Each
//! change reads the stored lines, merges them with the file's, checks the
//! result with the configuration's rules, writes the store and publishes
//! the new configuration in one step (the store is written only when the
//! new lines are published). Also who may change what.
//!
//! Does not own: the HTTP side or the audit entries (`api`, `page`), the
//! rules (`merge::check`).

use crate::sql::Connection;

use super::live::LiveLines;
use super::merge::{self, Invalid, Source};
use super::stored;
use crate::config::LineConfig;
use crate::console::error::{ApiError, ConsoleError};
use crate::console::lists::List;
use crate::console::users::{Role, User};

/// One change to the lines.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new line (no running line may have its name).
    Add(LineConfig),
    /// The running line of this name, replaced (lines are not renamed).
    Replace(String, LineConfig),
    /// The stored line of this name removed (a file line of the same
    /// name then runs again).
    Remove(String),
    /// `number` onto the line's allowlist or blocklist (and off the other).
    List {
        line: String,
        list: List,
        number: String,
    },
}

impl Change {
    /// The line the change is about.
    pub fn line(&self) -> &str {
        match self {
            Change::Add(l) => &l.name,
            Change::Replace(name, _) | Change::Remove(name) | Change::List { line: name, .. } => {
                name
            }
        }
    }
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("{0}")]
    Invalid(Invalid),
    #[error("no line {0:?}")]
    NotFound(String),
    #[error("a line {0:?} already exists")]
    Exists(String),
    #[error("line {0:?} is defined in the configuration file only: remove it there and reload")]
    FileOnly(String),
    #[error(transparent)]
    Store(#[from] ConsoleError),
    #[error("publishing the lines: {0}")]
    Publish(String),
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> ApiError {
        use axum::http::StatusCode as S;
        match e {
            ChangeError::Invalid(i) => ApiError {
                field: Some(i.field.clone()),
                ..ApiError::bad_request(format!("{}: {}", i.field, i.message))
            },
            ChangeError::NotFound(_) => ApiError::new(S::NOT_FOUND, e.to_string()),
            ChangeError::Exists(_) | ChangeError::FileOnly(_) => {
                ApiError::new(S::CONFLICT, e.to_string())
            }
            ChangeError::Store(e) => e.into(),
            ChangeError::Publish(_) => {
                tracing::warn!(error = %e, "console: line change not applied");
                ApiError::new(S::INTERNAL_SERVER_ERROR, e.to_string())
            }
        }
    }
}

/// Whether `user` may add, replace or remove the line `name`: admins any
/// line, staff the lines they are given, tenants none. (Everyone who may
/// see a call may allowlist or blocklist its caller on its line.)
pub fn may_edit(user: &User, name: &str) -> bool {
    match user.role {
        Role::Admin => true,
        Role::Staff => user.lines.iter().any(|l| l == name),
        Role::Tenant => false,
    }
}

/// Applies `change` by `by` at `at_ms`: checks, stores and publishes, or
/// refuses with nothing changed. Returns the line as it runs now (`None`
/// once removed with no file line of its name) and its source.
pub fn apply(
    conn: &Connection,
    live: &dyn LiveLines,
    change: Change,
    by: &str,
    at_ms: i64,
) -> Result<Option<(LineConfig, Source)>, ChangeError> {
    let file = live.file_lines();
    let mut stored = stored::list(conn)?;
    let mut config = live.running();
    let running = |name: &str| config.lines.iter().find(|l| l.name == name).cloned();
    let name = change.line().to_owned();
    let put = match change {
        Change::Add(line) if running(&line.name).is_some() => {
            return Err(ChangeError::Exists(line.name))
        }
        Change::Add(line) => Some(line),
        Change::Replace(name, line) if line.name != name => {
            return Err(ChangeError::Invalid(Invalid::new(
                "name",
                format!("expected {name:?}: a line keeps its name (add a new line instead)"),
            )))
        }
        Change::Replace(name, _) if running(&name).is_none() => {
            return Err(ChangeError::NotFound(name))
        }
        Change::Replace(_, line) => Some(line),
        Change::Remove(name) if !stored.iter().any(|l| l.name == name) => {
            return Err(match running(&name) {
                Some(_) => ChangeError::FileOnly(name),
                None => ChangeError::NotFound(name),
            });
        }
        Change::Remove(_) => None,
        Change::List { line, list, number } => {
            let mut l = running(&line).ok_or(ChangeError::NotFound(line))?;
            let (onto, off) = match list {
                List::Allow => (&mut l.policy.allowlist, &mut l.policy.blocklist),
                List::Block => (&mut l.policy.blocklist, &mut l.policy.allowlist),
            };
            off.retain(|n| n != &number);
            if !onto.contains(&number) {
                onto.push(number);
            }
            Some(l)
        }
    };
    stored.retain(|l| l.name != name);
    stored.extend(put.iter().cloned());
    config.lines = merge::merge(&file, &stored);
    let config = merge::check(&config, put.as_ref().map(|l| l.name.as_str()))
        .map_err(ChangeError::Invalid)?;
    let tx = conn.unchecked_transaction().map_err(ConsoleError::from)?;
    match &put {
        Some(line) => stored::put(&tx, line, by, at_ms)?,
        None => {
            stored::remove(&tx, &name)?;
        }
    }
    let now = config.lines.iter().find(|l| l.name == name).cloned();
    live.publish(config)
        .map_err(|e| ChangeError::Publish(format!("{e:#}")))?;
    tx.commit().map_err(ConsoleError::from)?;
    Ok(now.map(|l| {
        let source = merge::source(&l.name, &file, &stored);
        (l, source)
    }))
}
