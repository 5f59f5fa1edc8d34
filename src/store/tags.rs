//! Tag details and the call's risk: writing them (a tag's details together
//! with its name in `tags`, in one statement; risk only ever raised) and
//! reading the details (and any JSON array column) back leniently.
//!
//! Does not own: the risk's reasons (`reasons.rs`).

use super::db::Store;
use super::json_sql::add_detail_sql;
use super::types::{StoreError, TagDetail};
use crate::sql::{params, Dialect, Value};

impl Store {
    /// Appends `tag` to the call's tag details unless a detail with the
    /// same tag name is already there (the first one is kept), and adds
    /// the name to `tags` as [`Store::add_tag`] does. Both columns change
    /// in one statement, so they never disagree. If either column holds
    /// something other than a JSON array (it was changed by hand), this is
    /// an error ([`StoreError::NotAnArray`], or the database's for text
    /// that is not JSON) and neither changes.
    pub fn add_tag_detail(&self, id: i64, tag: &TagDetail) -> Result<(), StoreError> {
        let at_ms = i64::try_from(tag.at_ms).unwrap_or(i64::MAX);
        let changed = self.conn.execute(
            &add_detail_sql(self.conn.dialect()),
            params![id, tag.tag, at_ms, tag.evidence, tag.confidence],
        )?;
        self.appended(id, changed)
    }

    /// The result of an update that appends to a JSON array column of call
    /// `id` and changed `changed` rows: none changed means no such call, or
    /// a column that is not an array ([`StoreError::NotAnArray`]).
    pub(super) fn appended(&self, id: i64, changed: usize) -> Result<(), StoreError> {
        if changed > 0 {
            return Ok(());
        }
        let exists: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM calls WHERE id = ?1)",
            [id],
            |row| row.get(0),
        )?;
        Err(if exists {
            StoreError::NotAnArray(id)
        } else {
            StoreError::NoSuchCall(id)
        })
    }

    /// Raises the call's risk to `risk` (`none`, `low`, `medium` or
    /// `high`, as `ivr::Risk::as_str()` gives); a risk already as high or
    /// higher is kept. An unknown risk is [`StoreError::BadRisk`]. The
    /// live service raises a risk with its reason instead
    /// ([`Store::raise_risk`]).
    #[cfg(test)]
    pub fn set_risk(&self, id: i64, risk: &str) -> Result<(), StoreError> {
        let (new, at_or_above) = raising(risk)?;
        let raises = raises_sql(self.conn.dialect());
        let sql = format!(
            "UPDATE calls SET risk = CASE WHEN {raises} THEN ?2 ELSE risk END
             WHERE id = ?1"
        );
        self.update(id, &sql, params![id, new.as_str(), at_or_above])
    }
}

/// `risk` as a level, and the levels at or above it as a JSON array (the
/// `?3` of [`raises_sql`]). An unknown risk is [`StoreError::BadRisk`].
pub(super) fn raising(risk: &str) -> Result<(ivr::Risk, String), StoreError> {
    let new: ivr::Risk = risk
        .parse()
        .map_err(|_| StoreError::BadRisk(risk.to_owned()))?;
    let at_or_above: Vec<&str> = ivr::Risk::ALL
        .iter()
        .filter(|level| **level >= new)
        .map(ivr::Risk::as_str)
        .collect();
    Ok((new, serde_json::Value::from(at_or_above).to_string()))
}

/// Whether the stored risk is to be replaced: it is not at one of the
/// levels `?3` lists (the JSON array of [`raising`]); a stored value that
/// is no level at all is replaced.
pub(super) fn raises_sql(dialect: Dialect) -> String {
    let levels = match dialect {
        Dialect::Sqlite => "SELECT value FROM json_each(?3)",
        Dialect::Postgres => "SELECT jsonb_array_elements_text(?3::text::jsonb)",
    };
    format!("(risk IS NULL OR risk NOT IN ({levels}))")
}

/// The `tag_details` column at `index` of call `id`, read as
/// [`entries`] reads a column.
pub(super) fn tag_details(
    row: &crate::sql::Row,
    index: usize,
    id: i64,
) -> Result<Vec<TagDetail>, crate::sql::Error> {
    entries(row, index, id, "tag details")
}

/// A JSON array column (`what` names it in warnings) at `index` of call
/// `id`: NULL is none; a value that is not a JSON array gives none, and an
/// entry that is not a `T` is left out, each with a warning, so one odd
/// row does not hide the call log. The warnings never quote the column (it
/// holds evidence); the parser's message, which may, is logged at debug
/// level only.
pub(super) fn entries<T: serde::de::DeserializeOwned>(
    row: &crate::sql::Row,
    index: usize,
    id: i64,
    what: &'static str,
) -> Result<Vec<T>, crate::sql::Error> {
    let text = match row.get_ref(index)? {
        Value::Null => return Ok(Vec::new()),
        Value::Text(text) => Some(text.as_str()),
        _ => None,
    };
    let Some(text) = text else {
        tracing::warn!(
            call = id,
            what,
            "call log: column is not text; shown as none"
        );
        return Ok(Vec::new());
    };
    let entries: Vec<serde_json::Value> = match serde_json::from_str(text) {
        Ok(entries) => entries,
        Err(err) => {
            tracing::warn!(
                call = id,
                what,
                "call log: unreadable column; shown as none"
            );
            tracing::debug!(call = id, what, %err, "unreadable column");
            return Ok(Vec::new());
        }
    };
    let mut read = Vec::with_capacity(entries.len());
    for (entry, value) in entries.into_iter().enumerate() {
        match serde_json::from_value(value) {
            Ok(one) => read.push(one),
            Err(err) => {
                tracing::warn!(
                    call = id,
                    what,
                    entry,
                    "call log: unreadable entry left out"
                );
                tracing::debug!(call = id, what, entry, %err, "unreadable entry");
            }
        }
    }
    Ok(read)
}
