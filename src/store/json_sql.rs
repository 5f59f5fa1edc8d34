//! The statements' parts that append to the JSON text columns (`tags`,
//! `tag_details`, `risk_reasons`), one per dialect: SQLite's JSON functions, or
//! PostgreSQL's jsonb for the checks with the text kept as SQLite writes
//! it (compact, in order).
//!
//! Does not own: running them (`db`, `tags`) or reading the columns back.

use crate::sql::Dialect;

/// The `tags` column with the name `?2` appended unless it is there: JSON
/// kept compact (`["a","b"]`) in both dialects.
pub(super) fn add_name_sql(dialect: Dialect) -> String {
    let (present, name) = match dialect {
        Dialect::Sqlite => (
            "EXISTS (SELECT 1 FROM json_each(calls.tags) WHERE value = ?2)",
            "?2",
        ),
        Dialect::Postgres => (
            "tags::jsonb @> jsonb_build_array(?2::text)",
            "to_json(?2::text)",
        ),
    };
    let append = append_object_sql(dialect, "tags", name);
    format!("CASE WHEN {present} THEN tags ELSE {append} END")
}

/// [`Store::add_tag_detail`]'s statement: the detail (`?2` to `?5`) and
/// its name appended to call `?1`'s columns, if both hold arrays.
pub(super) fn add_detail_sql(dialect: Dialect) -> String {
    let (present, detail) = match dialect {
        Dialect::Sqlite => (
            "EXISTS (SELECT 1 FROM json_each(calls.tag_details) AS d
                     WHERE json_extract(d.value, '$.tag') = ?2)",
            "json_object('tag', ?2, 'at_ms', ?3, 'evidence', ?4, 'confidence', ?5)",
        ),
        Dialect::Postgres => (
            "tag_details::jsonb @> jsonb_build_array(jsonb_build_object('tag', ?2::text))",
            "jsonb_build_object('tag', ?2::text, 'at_ms', ?3::bigint,
                 'evidence', ?4::text, 'confidence', ?5::bigint)",
        ),
    };
    let append = append_object_sql(dialect, "tag_details", detail);
    format!(
        "UPDATE calls SET tag_details = CASE WHEN {present} THEN tag_details ELSE {append} END,
             tags = {}
         WHERE id = ?1 AND {} AND {}",
        add_name_sql(dialect),
        is_array_sql(dialect, "tag_details"),
        is_array_sql(dialect, "tags")
    )
}

/// `column` (a JSON array as text) with the JSON value `object` appended
/// at its end: a one-entry array when the column is NULL (or, in
/// PostgreSQL, empty). `object` is an expression of the dialect
/// (`json_object(...)`, `jsonb_build_object(...)`, a text parameter).
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
