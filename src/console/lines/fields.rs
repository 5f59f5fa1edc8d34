//! A line as flat fields, for the page's form and the CSV file: the
//! name, the called numbers, the phones, the allowlist and the blocklist
//! as comma-separated text, and every other key of the line (screening,
//! the rest of the policy, accounts, alerts, verified numbers, outbound
//! calls, ...) as `settings`, TOML written as inside a `[[line]]` table.
//! A line made from fields is read by the configuration's own types, so
//! every value means what it means in the file.
//!
//! Does not own: checking the line against the rules (`merge::check`).

use serde::{Deserialize, Serialize};

use super::merge::Invalid;
use crate::config::toml_key::one_line;
use crate::config::LineConfig;

/// One line's fields; also one CSV row (columns in this order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineFields {
    pub name: String,
    #[serde(default)]
    pub numbers: String,
    #[serde(default)]
    pub phones: String,
    #[serde(default)]
    pub allowlist: String,
    #[serde(default)]
    pub blocklist: String,
    #[serde(default)]
    pub settings: String,
}

/// The CSV header, in column order.
pub const COLUMNS: [&str; 6] = [
    "name",
    "numbers",
    "phones",
    "allowlist",
    "blocklist",
    "settings",
];

/// The keys with a field of their own: not allowed in `settings`.
const OWN_FIELDS: [&str; 3] = ["name", "numbers", "phones"];
const OWN_POLICY_FIELDS: [&str; 2] = ["allowlist", "blocklist"];

fn split(text: &str) -> toml::Value {
    toml::Value::Array(
        text.split([',', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| toml::Value::String(s.to_owned()))
            .collect(),
    )
}

fn join(list: &[String]) -> String {
    list.join(", ")
}

impl LineFields {
    /// The line these fields describe; a value of the wrong type or an
    /// unknown key is refused naming the field.
    pub fn to_line(&self) -> Result<LineConfig, Invalid> {
        let mut table: toml::Table = self
            .settings
            .parse()
            .map_err(|e: toml::de::Error| Invalid::new("settings", one_line(e.message())))?;
        for key in OWN_FIELDS {
            if table.contains_key(key) {
                return Err(Invalid::new(
                    format!("settings.{key}"),
                    format!("give {key} in its own field"),
                ));
            }
        }
        table.insert("name".into(), toml::Value::String(self.name.trim().into()));
        table.insert("numbers".into(), split(&self.numbers));
        table.insert("phones".into(), split(&self.phones));
        let policy = table
            .entry("policy")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(policy) = policy.as_table_mut() else {
            return Err(Invalid::new("settings.policy", "expected a table"));
        };
        for (key, text) in OWN_POLICY_FIELDS
            .iter()
            .zip([&self.allowlist, &self.blocklist])
        {
            if policy.contains_key(*key) {
                return Err(Invalid::new(
                    format!("settings.policy.{key}"),
                    format!("give {key} in its own field"),
                ));
            }
            policy.insert((*key).into(), split(text));
        }
        serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| Invalid::from_serde(e.path(), e.inner().message()))
    }

    /// The fields of `line`; `settings` holds every key without a field.
    pub fn from_line(line: &LineConfig) -> LineFields {
        let mut table = match toml::Value::try_from(line) {
            Ok(toml::Value::Table(t)) => t,
            _ => toml::Table::new(),
        };
        for key in OWN_FIELDS {
            table.remove(key);
        }
        if let Some(policy) = table.get_mut("policy").and_then(toml::Value::as_table_mut) {
            for key in OWN_POLICY_FIELDS {
                policy.remove(key);
            }
        }
        LineFields {
            name: line.name.clone(),
            numbers: join(&line.numbers),
            phones: join(&line.phones),
            allowlist: join(&line.policy.allowlist),
            blocklist: join(&line.policy.blocklist),
            settings: toml::to_string(&table).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn a_line_survives_fields_and_back() {
        let mut line = Config::default_config().lines[0].clone();
        line.numbers = vec!["1001".into(), "1002".into()];
        line.phones = vec!["sip:resident@192.0.2.20:5060".into()];
        line.policy.allowlist = vec!["+15550100".into(), "+15550101".into()];
        line.screening.retries = 3;
        line.voicemail = true;
        let fields = LineFields::from_line(&line);
        assert_eq!(fields.numbers, "1001, 1002");
        assert!(
            fields.settings.contains("retries = 3"),
            "{}",
            fields.settings
        );
        assert_eq!(fields.to_line().expect("back"), line);
    }

    #[test]
    fn a_bad_value_names_its_field() {
        let cases = [
            ("[screening]\nretries = \"three\"", "screening.retries"),
            ("name = \"x\"", "settings.name"),
            ("[policy]\nallowlist = []", "settings.policy.allowlist"),
            ("[screening\n", "settings"),
        ];
        for (settings, field) in cases {
            let fields = LineFields {
                name: "flat-1".into(),
                numbers: "1001".into(),
                settings: settings.into(),
                ..LineFields::default()
            };
            assert_eq!(fields.to_line().expect_err(settings).field, field);
        }
    }
}
