//! Reading a caller ID: the user part of From or P-Asserted-Identity, a
//! `sip:`/`tel:` URI, or a number as a person writes it in a config file,
//! into a [`CallerId`] under the Ofcom numbering plan (see the parent
//! module), and its normalized form ([`normalize`], and
//! [`normalize_prefix`] for a block-list prefix).
//!
//! Owns: the UK ranges, the short codes, the withheld spellings, the
//! E.164 length limits and [`CallerId`], [`UkNumber`], [`NumberKind`] and
//! [`InvalidReason`]. Does not own: judging a caller ID (`cli.rs`) or SIP
//! header parsing. Nothing here panics on any input.

/// Spellings of "no number presented", matched without regard to case.
const WITHHELD_WORDS: [&str; 6] = [
    "anonymous",
    "unavailable",
    "withheld",
    "private",
    "restricted",
    "unknown",
];

/// Three-digit UK short codes recognized as [`NumberKind::Special`]; six-digit
/// 116xxx and 118xxx codes are recognized too.
const SHORT_CODES: [&str; 9] = [
    "999", "112", "101", "105", "111", "159", "100", "123", "155",
];

/// UK ranges by national prefix, first match wins: the kind and the shortest
/// length with the leading 0 (the longest is always 11).
const UK_RANGES: [(&str, NumberKind, usize); 13] = [
    ("01", NumberKind::Geographic, 10),
    ("02", NumberKind::Geographic, 11),
    ("03", NumberKind::NonGeographic, 11),
    ("055", NumberKind::NonGeographic, 11),
    ("056", NumberKind::NonGeographic, 11),
    ("070", NumberKind::Personal, 11),
    ("07624", NumberKind::Mobile, 11), // Isle of Man mobiles, inside 076
    ("076", NumberKind::Pager, 11),
    ("07", NumberKind::Mobile, 11),
    ("080", NumberKind::NonGeographic, 10),
    ("084", NumberKind::NonGeographic, 11),
    ("087", NumberKind::NonGeographic, 11),
    ("09", NumberKind::Premium, 11),
];

/// Digits in an international number (E.164 with its country code).
const MIN_E164_DIGITS: usize = 7;
const MAX_E164_DIGITS: usize = 15;

/// What the user part of From or P-Asserted-Identity says about the caller.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CallerId {
    /// No number: empty, or "anonymous", "unavailable", "withheld",
    /// "private", "restricted" or "unknown" in any case.
    Withheld,
    /// A well-formed UK number or short code. It may still be one that never
    /// calls out, or a premium number: see [`check_cli`](super::check_cli).
    Valid(UkNumber),
    /// A number under a country code other than +44, as E.164 ("+33123456789").
    International(String),
    /// Something that cannot be a phone number; `raw` is the input as given.
    Invalid { raw: String, reason: InvalidReason },
}

/// A well-formed UK number. Built only by [`parse_caller_id`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UkNumber {
    e164: String,
    national: String,
    kind: NumberKind,
}

impl UkNumber {
    /// "+441632960001"; for a [`NumberKind::Special`] short code, which has
    /// no E.164 form, the code itself ("999"). This is [`normalize`]'s result.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// "01632960001"; for a short code, the code itself.
    pub fn national(&self) -> &str {
        &self.national
    }

    pub fn kind(&self) -> NumberKind {
        self.kind
    }
}

/// The Ofcom range a UK number belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumberKind {
    /// 01, 02.
    Geographic,
    /// 07, except 070 and 076 (but 07624, Isle of Man mobiles, is Mobile).
    Mobile,
    /// 03, 055, 056, 080, 084, 087.
    NonGeographic,
    /// 09.
    Premium,
    /// 070.
    Personal,
    /// 076, except 07624.
    Pager,
    /// Short codes: 999, 112, 101, 105, 111, 159, 100, 123, 155, 116xxx, 118xxx.
    Special,
}

/// Why a caller ID cannot be a phone number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum InvalidReason {
    /// Something other than digits, the separators " -()." and one leading "+".
    #[error("not a phone number: characters other than digits, separators and a leading +")]
    NotDigits,
    /// `digits` counts the national form with its leading 0 for a UK number,
    /// the E.164 digits (country code included, no "+") for an international
    /// one. Length is checked before the prefix.
    #[error("wrong length for a phone number: {digits} digits")]
    WrongLength { digits: usize },
    /// No UK range or country code starts like this (04, 06, 05x other than
    /// 055/056, 081, +0…, or bare digits without 0, 00, 44 or "+").
    #[error("no UK range or country code starts like this")]
    BadPrefix,
}

/// Reads a caller ID. Accepts a user part or number ("+44 1632 960001",
/// "00441632960001", "441632960001", "01632 960001", "+44 (0)1632 960001"),
/// optionally as a `sip:`, `sips:` or `tel:` URI (anything from the first
/// "@" or ";" on is ignored), with the separators " -()." anywhere.
pub fn parse_caller_id(raw: &str) -> CallerId {
    let user = user_part(raw);
    if user.is_empty() || WITHHELD_WORDS.iter().any(|w| user.eq_ignore_ascii_case(w)) {
        return CallerId::Withheld;
    }
    let parsed = match digits_of(user) {
        Some((plus, digits)) if !digits.is_empty() => classify(plus, &digits),
        _ => Err(InvalidReason::NotDigits),
    };
    parsed.unwrap_or_else(|reason| CallerId::Invalid {
        raw: raw.to_owned(),
        reason,
    })
}

/// The form allow/block lists are matched in: E.164 for a UK or
/// international number, the code itself for a UK short code; `None` for a
/// withheld or invalid caller ID. "01632 960001" and "+441632960001" both
/// give "+441632960001".
pub fn normalize(raw: &str) -> Option<String> {
    match parse_caller_id(raw) {
        CallerId::Valid(n) => Some(n.e164),
        CallerId::International(e164) => Some(e164),
        CallerId::Withheld | CallerId::Invalid { .. } => None,
    }
}

/// A number prefix for a block-list entry such as "+44 9" or "09" (the "*"
/// already removed), as an E.164 prefix ("+449"). It must start with "+",
/// "00" or "0" and name at least a country code digit.
pub(crate) fn normalize_prefix(raw: &str) -> Option<String> {
    let (plus, digits) = digits_of(raw.trim())?;
    let international = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("44{rest}")
    } else {
        return None;
    };
    let international = match international.strip_prefix("440") {
        Some(rest) => format!("44{rest}"), // "+44 (0)9"
        None => international,
    };
    let plausible = !international.is_empty()
        && !international.starts_with('0')
        && international.len() <= MAX_E164_DIGITS;
    plausible.then(|| format!("+{international}"))
}

/// The trimmed user part: scheme, host and parameters removed.
fn user_part(raw: &str) -> &str {
    let s = raw.trim();
    let s = ["sips:", "sip:", "tel:"]
        .iter()
        .find_map(|scheme| {
            let head = s.get(..scheme.len())?;
            head.eq_ignore_ascii_case(scheme)
                .then(|| s.get(scheme.len()..))
                .flatten()
        })
        .unwrap_or(s);
    s.split(['@', ';']).next().unwrap_or_default().trim()
}

/// The digits of `s` and whether a "+" led them; `None` if `s` has anything
/// but ASCII digits, separators and one "+" before the first digit.
fn digits_of(s: &str) -> Option<(bool, String)> {
    let mut plus = false;
    let mut digits = String::with_capacity(s.len().min(32));
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            '+' if !plus && digits.is_empty() => plus = true,
            _ => return None,
        }
    }
    Some((plus, digits))
}

fn classify(plus: bool, digits: &str) -> Result<CallerId, InvalidReason> {
    if plus {
        return international(digits);
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return international(rest);
    }
    if digits.starts_with('0') {
        return uk_national(digits.to_owned()).map(CallerId::Valid);
    }
    if is_short_code(digits) {
        return Ok(CallerId::Valid(short_code(digits)));
    }
    match digits.strip_prefix("44") {
        Some(significant) => uk_significant(significant),
        None => Err(InvalidReason::BadPrefix),
    }
}

/// Digits after "+" or "00".
fn international(digits: &str) -> Result<CallerId, InvalidReason> {
    if let Some(significant) = digits.strip_prefix("44") {
        return uk_significant(significant);
    }
    if digits.starts_with('0') {
        return Err(InvalidReason::BadPrefix);
    }
    if !(MIN_E164_DIGITS..=MAX_E164_DIGITS).contains(&digits.len()) {
        return Err(InvalidReason::WrongLength {
            digits: digits.len(),
        });
    }
    Ok(CallerId::International(format!("+{digits}")))
}

/// Digits after the 44 country code.
fn uk_significant(significant: &str) -> Result<CallerId, InvalidReason> {
    // "+44 (0)1632 …": the trunk 0 some people write after the country code.
    let significant = significant.strip_prefix('0').unwrap_or(significant);
    if is_short_code(significant) {
        return Ok(CallerId::Valid(short_code(significant)));
    }
    uk_national(format!("0{significant}")).map(CallerId::Valid)
}

/// A national number, which starts with 0.
fn uk_national(national: String) -> Result<UkNumber, InvalidReason> {
    let digits = national.len();
    if !(10..=11).contains(&digits) {
        return Err(InvalidReason::WrongLength { digits });
    }
    let (_, kind, min_digits) = UK_RANGES
        .iter()
        .find(|(prefix, ..)| national.starts_with(prefix))
        .ok_or(InvalidReason::BadPrefix)?;
    if digits < *min_digits {
        return Err(InvalidReason::WrongLength { digits });
    }
    let significant = national.strip_prefix('0').unwrap_or(&national);
    Ok(UkNumber {
        e164: format!("+44{significant}"),
        national,
        kind: *kind,
    })
}

fn is_short_code(digits: &str) -> bool {
    SHORT_CODES.contains(&digits)
        || (digits.len() == 6 && (digits.starts_with("116") || digits.starts_with("118")))
}

fn short_code(code: &str) -> UkNumber {
    UkNumber {
        e164: code.to_owned(),
        national: code.to_owned(),
        kind: NumberKind::Special,
    }
}
