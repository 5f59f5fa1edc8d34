//! The statements' parts that append to the JSON text columns (`tags`,
//! `tag_details`, `risk_reasons`), one per dialect: SQLite's JSON functions, or
//! PostgreSQL's jsonb for the checks with the text kept as SQLite writes
//! it (compact, in order).
//!
//! Does not own: running them (`db`, `tags`) or reading the columns back.

use crate::sql::Dialect;

/// The `tags` column with the name `?2` appended unless it is there: JSON
/// kept compact (`["a","b"]`) in both dialects.
pub(super) fn add_name_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "CASE
                 WHEN tags IS NULL THEN json_array(?2)
                 WHEN EXISTS (SELECT 1 FROM json_each(calls.tags) WHERE value = ?2) THEN tags
                 ELSE json_insert(tags, '$[#]', ?2)
             END"
        }
        Dialect::Postgres => {
            "CASE
                 WHEN tags IS NULL THEN '[' || to_json(?2::text)::text || ']'
                 WHEN tags::jsonb @> jsonb_build_array(?2::text) THEN tags
                 WHEN jsonb_array_length(tags::jsonb) = 0 THEN '[' || to_json(?2::text)::text || ']'
                 ELSE left(rtrim(tags), -1) || ',' || to_json(?2::text)::text || ']'
             END"
        }
    }
}

/// [`Store::add_tag_detail`]'s statement: the detail (`?2` to `?5`) and
/// its name appended to call `?1`'s columns, if both hold arrays.
pub(super) fn add_detail_sql(dialect: Dialect) -> String {
    let (details, guard) = match dialect {
        Dialect::Sqlite => (
            "CASE
                 WHEN tag_details IS NULL THEN json_array(json_object(
                     'tag', ?2, 'at_ms', ?3, 'evidence', ?4, 'confidence', ?5))
                 WHEN EXISTS (SELECT 1 FROM json_each(calls.tag_details) AS d
                              WHERE json_extract(d.value, '$.tag') = ?2) THEN tag_details
                 ELSE json_insert(tag_details, '$[#]', json_object(
                     'tag', ?2, 'at_ms', ?3, 'evidence', ?4, 'confidence', ?5))
             END",
            "(tag_details IS NULL OR json_type(tag_details) = 'array')
               AND (tags IS NULL OR json_type(tags) = 'array')",
        ),
        Dialect::Postgres => (
            "CASE
                 WHEN tag_details IS NULL OR jsonb_array_length(tag_details::jsonb) = 0
                     THEN '[' || jsonb_build_object('tag', ?2::text, 'at_ms', ?3::bigint,
                         'evidence', ?4::text, 'confidence', ?5::bigint)::text || ']'
                 WHEN tag_details::jsonb @> jsonb_build_array(jsonb_build_object('tag', ?2::text))
                     THEN tag_details
                 ELSE left(rtrim(tag_details), -1) || ',' || jsonb_build_object('tag', ?2::text,
                     'at_ms', ?3::bigint, 'evidence', ?4::text, 'confidence', ?5::bigint)::text
                     || ']'
             END",
            "(tag_details IS NULL OR json_typeof(tag_details::json) = 'array')
               AND (tags IS NULL OR json_typeof(tags::json) = 'array')",
        ),
    };
    format!(
        "UPDATE calls SET tag_details = {details}, tags = {}
         WHERE id = ?1 AND {guard}",
        add_name_sql(dialect)
    )
}

/// `column` (a JSON array as text) with the JSON object `object` appended
/// at its end: a one-entry array when the column is NULL (or, in
/// PostgreSQL, empty). `object` is an expression of the dialect
/// (`json_object(...)`, `jsonb_build_object(...)`).
pub(super) fn append_object_sql(dialect: Dialect, column: &str, object: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!(
            "CASE
                 WHEN {column} IS NULL THEN json_array({object})
                 ELSE json_insert({column}, '$[#]', {object})
             END"
        ),
        Dialect::Postgres => format!(
            "CASE
                 WHEN {column} IS NULL OR jsonb_array_length({column}::jsonb) = 0
                     THEN '[' || ({object})::text || ']'
                 ELSE left(rtrim({column}), -1) || ',' || ({object})::text || ']'
             END"
        ),
    }
}

/// Whether `column` may be appended to: NULL, or a JSON array.
pub(super) fn is_array_sql(dialect: Dialect, column: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("({column} IS NULL OR json_type({column}) = 'array')"),
        Dialect::Postgres => {
            format!("({column} IS NULL OR json_typeof({column}::json) = 'array')")
        }
    }
}
