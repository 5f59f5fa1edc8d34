//! The line's verified numbers: the only numbers the line-clear callback
//! ever dials.
//!
//! Owns: the table of choices (police non-emergency 101, 999/112, the
//! banks' 159 service, the resident's bank's published number, a trusted
//! relative), checking it ([`VerifiedNumbers::new`]), and looking entries up
//! by menu key or by what the resident's phone dialled.
//!
//! Does not own: reading the configuration file, deciding whether a call
//! may go out ([`super::OutboundPolicy`]) or placing it. The machines refer
//! to an entry by its index in this table, never by a number string, so a
//! number heard or keyed on a call can never be dialled.

use std::fmt;

use crate::numbers::{parse_caller_id, CallerId, NumberKind};

/// Most entries a menu offers (keys '1' to '9').
pub const MAX_MENU_ENTRIES: usize = 9;

/// Most entries a line's table may hold, on the menu or not.
pub const MAX_VERIFIED: usize = 16;

/// The UK emergency numbers. An entry is `emergency` exactly when its
/// number is one of these.
pub const EMERGENCY_NUMBERS: [&str; 2] = ["999", "112"];

/// Short codes a verified entry may name: emergency, police non-emergency
/// (101), the banks' fraud line (159), power cut (105), NHS (111) and the
/// 116xxx helplines. Operator, directory (118xxx) and other service codes
/// may not.
const DIALLABLE_SHORT_CODES: [&str; 6] = ["999", "112", "101", "159", "105", "111"];

/// Longest label accepted, in characters.
const MAX_LABEL: usize = 80;

/// One choice, as the configuration gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedNumber {
    /// The menu key ('1' to '9'), or `None` for an entry that is only
    /// dialled directly (typically 999 and 112).
    pub key: Option<char>,
    /// What the menu says after "Press N for": "the police on one-zero-one".
    pub label: String,
    /// The number as written in the configuration, in any form
    /// [`crate::normalize`] accepts.
    pub number: String,
    /// 999 or 112: never delayed beyond clearing, never refused.
    pub emergency: bool,
}

impl VerifiedNumber {
    pub fn new(key: Option<char>, label: &str, number: &str, emergency: bool) -> Self {
        Self {
            key,
            label: label.to_owned(),
            number: number.to_owned(),
            emergency,
        }
    }
}

/// Why a number cannot be a verified entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadNumber {
    #[error("not a UK number")]
    NotUk,
    #[error("{0}")]
    Invalid(#[from] crate::numbers::InvalidReason),
    #[error("a premium-rate number")]
    Premium,
    #[error("a short code that is not a public service line")]
    ShortCode,
}

/// A table of verified numbers that cannot be used as configured. Entries
/// are named by their position (from 0) and label.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifiedNumbersError {
    #[error("a line has at most {MAX_VERIFIED} verified numbers, got {0}")]
    TooMany(usize),
    #[error("a menu offers at most {MAX_MENU_ENTRIES} choices, got {0}")]
    TooManyMenuEntries(usize),
    #[error("entry {index}: the label is empty or longer than {MAX_LABEL} characters")]
    Label { index: usize },
    #[error("entry {index} ({label}): menu key {key:?} is not a digit 1-9")]
    BadKey {
        index: usize,
        label: String,
        key: char,
    },
    #[error("entries {first} and {second} both use menu key {key:?}")]
    DuplicateKey {
        key: char,
        first: usize,
        second: usize,
    },
    #[error("entry {index} ({label}): {number:?} is not a dialable UK number: {reason}")]
    BadNumber {
        index: usize,
        label: String,
        number: String,
        reason: BadNumber,
    },
    #[error("entry {index} ({label}): emergency must be set exactly for 999 and 112")]
    EmergencyFlag { index: usize, label: String },
}

/// A line's checked table. Built only by [`VerifiedNumbers::new`], so every
/// entry's number is dialable and every key unique.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedNumbers {
    entries: Vec<VerifiedNumber>,
    /// Each entry's number in [`crate::normalize`]'s form ("101",
    /// "+448001234567").
    normalized: Vec<String>,
}

/// One menu choice, for the prompt that speaks it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MenuItem {
    pub key: char,
    /// Index of the entry in its [`VerifiedNumbers`].
    pub entry: usize,
    pub label: String,
}

impl fmt::Display for MenuItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Press {} for {}.", self.key, self.label)
    }
}

impl VerifiedNumbers {
    /// Checks and keeps `entries`, in their order.
    pub fn new(entries: Vec<VerifiedNumber>) -> Result<Self, VerifiedNumbersError> {
        let normalized = Self::validate(&entries)?;
        Ok(Self {
            entries,
            normalized,
        })
    }

    /// Checks a table as a configuration file gives it, returning each
    /// entry's normalized number.
    pub fn validate(entries: &[VerifiedNumber]) -> Result<Vec<String>, VerifiedNumbersError> {
        use VerifiedNumbersError as E;
        if entries.len() > MAX_VERIFIED {
            return Err(E::TooMany(entries.len()));
        }
        let on_menu = entries.iter().filter(|e| e.key.is_some()).count();
        if on_menu > MAX_MENU_ENTRIES {
            return Err(E::TooManyMenuEntries(on_menu));
        }
        let mut normalized = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let label = || entry.label.clone();
            let chars = entry.label.trim().chars().count();
            if chars == 0 || chars > MAX_LABEL {
                return Err(E::Label { index });
            }
            if let Some(key) = entry.key {
                if !('1'..='9').contains(&key) {
                    return Err(E::BadKey {
                        index,
                        label: label(),
                        key,
                    });
                }
                let first = entries[..index].iter().position(|e| e.key == Some(key));
                if let Some(first) = first {
                    return Err(E::DuplicateKey {
                        key,
                        first,
                        second: index,
                    });
                }
            }
            let number = dialable(&entry.number).map_err(|reason| E::BadNumber {
                index,
                label: label(),
                number: entry.number.clone(),
                reason,
            })?;
            if entry.emergency != is_emergency(&number) {
                return Err(E::EmergencyFlag {
                    index,
                    label: label(),
                });
            }
            normalized.push(number);
        }
        Ok(normalized)
    }

    /// 101 on '1', 159 on '2', and 999 and 112 off the menu. The resident's
    /// own bank and a trusted relative have no defaults.
    pub fn uk_defaults() -> Self {
        let entries = vec![
            VerifiedNumber::new(Some('1'), "the police on one-zero-one", "101", false),
            VerifiedNumber::new(Some('2'), "your bank through one-five-nine", "159", false),
            VerifiedNumber::new(None, "emergency services", "999", true),
            VerifiedNumber::new(None, "emergency services", "112", true),
        ];
        let normalized = entries.iter().map(|e| e.number.clone()).collect();
        Self {
            entries,
            normalized,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, entry: usize) -> Option<&VerifiedNumber> {
        self.entries.get(entry)
    }

    pub fn entries(&self) -> &[VerifiedNumber] {
        &self.entries
    }

    /// The entry's number in [`crate::normalize`]'s form: E.164, or the
    /// short code itself. This is what the runtime dials.
    pub fn normalized(&self, entry: usize) -> Option<&str> {
        self.normalized.get(entry).map(String::as_str)
    }

    pub fn is_emergency(&self, entry: usize) -> bool {
        self.entries.get(entry).is_some_and(|e| e.emergency)
    }

    /// The entry on menu key `key`.
    pub fn by_key(&self, key: char) -> Option<usize> {
        self.entries.iter().position(|e| e.key == Some(key))
    }

    /// The first entry whose number is `normalized` (already in
    /// [`crate::normalize`]'s form).
    pub fn by_normalized(&self, normalized: &str) -> Option<usize> {
        self.normalized.iter().position(|n| n == normalized)
    }

    /// The menu, in key order.
    pub fn menu(&self) -> Vec<MenuItem> {
        let mut menu: Vec<MenuItem> = (self.entries.iter().enumerate())
            .filter_map(|(entry, e)| {
                Some(MenuItem {
                    key: e.key?,
                    entry,
                    label: e.label.clone(),
                })
            })
            .collect();
        menu.sort_by_key(|item| item.key);
        menu
    }
}

/// 999 or 112, in normalized form.
pub(crate) fn is_emergency(normalized: &str) -> bool {
    EMERGENCY_NUMBERS.contains(&normalized)
}

/// `number`'s normalized form if a verified entry may name it: a UK
/// number other than premium rate, or a public-service short code.
pub(crate) fn dialable(number: &str) -> Result<String, BadNumber> {
    match parse_caller_id(number) {
        CallerId::Valid(n) => match n.kind() {
            NumberKind::Premium => Err(BadNumber::Premium),
            NumberKind::Special if !is_public_short_code(n.e164()) => Err(BadNumber::ShortCode),
            _ => Ok(n.e164().to_owned()),
        },
        CallerId::International(_) | CallerId::Withheld => Err(BadNumber::NotUk),
        CallerId::Invalid { reason, .. } => Err(BadNumber::Invalid(reason)),
    }
}

fn is_public_short_code(code: &str) -> bool {
    DIALLABLE_SHORT_CODES.contains(&code) || (code.len() == 6 && code.starts_with("116"))
}
