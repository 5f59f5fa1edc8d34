//! Tag details and the call's risk: writing them (a tag's details together
//! with its name in `tags`, in one statement; risk only ever raised) and
//! reading the details back leniently.

use super::db::Store;
use super::types::{StoreError, TagDetail};
use rusqlite::params;
use rusqlite::types::ValueRef;

impl Store {
    /// Appends `tag` to the call's tag details unless a detail with the
    /// same tag name is already there (the first one is kept), and adds
    /// the name to `tags` as [`Store::add_tag`] does. Both columns change
    /// in one statement, so they never disagree. If either column holds
    /// something other than a JSON array (it was changed by hand), this is
    /// an error ([`StoreError::NotAnArray`], or SQLite's for text that is
    /// not JSON) and neither changes.
    pub fn add_tag_detail(&self, id: i64, tag: &TagDetail) -> Result<(), StoreError> {
        let at_ms = i64::try_from(tag.at_ms).unwrap_or(i64::MAX);
        let changed = self.conn.execute(
            "UPDATE calls SET
                 tag_details = CASE
                     WHEN tag_details IS NULL THEN json_array(json_object(
                         'tag', ?2, 'at_ms', ?3, 'evidence', ?4, 'confidence', ?5))
                     WHEN EXISTS (SELECT 1 FROM json_each(calls.tag_details) AS d
                                  WHERE json_extract(d.value, '$.tag') = ?2) THEN tag_details
                     ELSE json_insert(tag_details, '$[#]', json_object(
                         'tag', ?2, 'at_ms', ?3, 'evidence', ?4, 'confidence', ?5))
                 END,
                 tags = CASE
                     WHEN tags IS NULL THEN json_array(?2)
                     WHEN EXISTS (SELECT 1 FROM json_each(calls.tags) WHERE value = ?2) THEN tags
                     ELSE json_insert(tags, '$[#]', ?2)
                 END
             WHERE id = ?1
               AND (tag_details IS NULL OR json_type(tag_details) = 'array')
               AND (tags IS NULL OR json_type(tags) = 'array')",
            params![id, tag.tag, at_ms, tag.evidence, tag.confidence],
        )?;
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
    /// higher is kept. An unknown risk is [`StoreError::BadRisk`].
    pub fn set_risk(&self, id: i64, risk: &str) -> Result<(), StoreError> {
        let new: ivr::Risk = risk
            .parse()
            .map_err(|_| StoreError::BadRisk(risk.to_owned()))?;
        // The levels the stored risk must not be at for it to be replaced
        // (a stored value that is no level at all is replaced).
        let at_or_above: Vec<&str> = ivr::Risk::ALL
            .iter()
            .filter(|level| **level >= new)
            .map(ivr::Risk::as_str)
            .collect();
        let at_or_above = serde_json::Value::from(at_or_above).to_string();
        self.update(
            id,
            "UPDATE calls SET risk = CASE
                 WHEN risk IS NULL OR risk NOT IN (SELECT value FROM json_each(?3)) THEN ?2
                 ELSE risk
             END
             WHERE id = ?1",
            params![id, new.as_str(), at_or_above],
        )
    }
}

/// The `tag_details` column at `index` of call `id`: NULL is none; a value
/// that is not a JSON array of details gives none, and an entry that is not
/// a detail is left out, each with a warning, so one odd row does not hide
/// the call log. The warnings never quote the column (it holds evidence);
/// the parser's message, which may, is logged at debug level only.
pub(super) fn tag_details(
    row: &rusqlite::Row<'_>,
    index: usize,
    id: i64,
) -> rusqlite::Result<Vec<TagDetail>> {
    let text = match row.get_ref(index)? {
        ValueRef::Null => return Ok(Vec::new()),
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    };
    let Some(text) = text else {
        tracing::warn!(
            call = id,
            "call log: tag details are not text; shown as none"
        );
        return Ok(Vec::new());
    };
    let entries: Vec<serde_json::Value> = match serde_json::from_str(text) {
        Ok(entries) => entries,
        Err(err) => {
            tracing::warn!(call = id, "call log: unreadable tag details; shown as none");
            tracing::debug!(call = id, %err, "unreadable tag details");
            return Ok(Vec::new());
        }
    };
    let mut details = Vec::with_capacity(entries.len());
    for (entry, value) in entries.into_iter().enumerate() {
        match serde_json::from_value(value) {
            Ok(detail) => details.push(detail),
            Err(err) => {
                tracing::warn!(call = id, entry, "call log: unreadable tag detail left out");
                tracing::debug!(call = id, entry, %err, "unreadable tag detail");
            }
        }
    }
    Ok(details)
}
