//! `[store]`: SQLite in `data_dir` without it, PostgreSQL with a `url`,
//! and a bad `url` named by file, line and key without its password.

use super::super::Config;
use super::common::LINE;
use crate::store::Location;

#[test]
fn sqlite_in_the_data_dir_unless_a_url_is_given() {
    let config = Config::parse(LINE, "test").expect("parses");
    assert_eq!(config.store.url, None);
    assert_eq!(
        Location::of(&config),
        Location::Sqlite("./linewarden-data".into())
    );
    let text = format!("[store]\nurl = \"postgres://lw:pw@db.example:5432/calls\"\n{LINE}");
    let config = Config::parse(&text, "test").expect("parses");
    let at = Location::of(&config);
    assert_eq!(
        at,
        Location::Postgres("postgres://lw:pw@db.example:5432/calls".into())
    );
    assert_eq!(at.to_string(), "postgres://lw:***@db.example:5432/calls");
    let pairs = format!("[store]\nurl = \"host=/run/postgresql dbname=linewarden\"\n{LINE}");
    Config::parse(&pairs, "test").expect("key=value form parses");
}

#[test]
fn a_bad_url_names_file_line_and_key() {
    for (url, fragment) in [
        (
            "mysql://db/calls",
            "expected a PostgreSQL connection string",
        ),
        ("", "expected a PostgreSQL connection string"),
        (
            "postgres://lw:pw@db:notaport/calls",
            "not a PostgreSQL connection string",
        ),
        ("dbname=calls", "names no host"),
        (
            "postgres://db/calls?sslmode=require",
            "sslmode=require is not supported",
        ),
    ] {
        let text = format!("[store]\nurl = \"{url}\"\n{LINE}");
        let err = Config::parse(&text, "bad.toml").expect_err(url).to_string();
        assert!(
            err.starts_with("bad.toml:2:7: key store.url:"),
            "{url}: {err}"
        );
        assert!(err.contains(fragment), "{url}: {err}");
        assert!(!err.contains("pw"), "the password is not shown: {err}");
    }
    let typo = format!("[store]\nuri = \"postgres://db/calls\"\n{LINE}");
    assert!(
        Config::parse(&typo, "test").is_err(),
        "unknown keys are errors"
    );
}

#[test]
fn files_dir_and_alert_claim_default_and_are_checked() {
    let config = Config::parse(LINE, "test").expect("parses");
    assert_eq!(config.store.alert_claim_secs, 35);
    let data = config.service.data_dir.clone();
    assert_eq!(config.store.files_dir(&data), data);
    let text = format!("[store]\nfiles_dir = \"/srv/shared\"\nalert_claim_secs = 12\n{LINE}");
    let config = Config::parse(&text, "test").expect("parses");
    assert_eq!(
        config.store.files_dir(&data),
        std::path::Path::new("/srv/shared")
    );
    assert_eq!(config.store.alert_claim_secs, 12);

    let short = format!("[store]\nalert_claim_secs = 9\n{LINE}");
    let err = Config::parse(&short, "bad.toml")
        .expect_err("too short")
        .to_string();
    assert!(
        err.starts_with("bad.toml:2:20: key store.alert_claim_secs: must be at least 10"),
        "{err}"
    );
    let empty = format!("[store]\nfiles_dir = \"\"\n{LINE}");
    let err = Config::parse(&empty, "bad.toml")
        .expect_err("empty")
        .to_string();
    assert!(
        err.starts_with("bad.toml:2:13: key store.files_dir: must not be empty"),
        "{err}"
    );
}
