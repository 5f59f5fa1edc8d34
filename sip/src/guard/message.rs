//! Textual framing of one datagram: start line, header fields (compact
//! names mapped to full ones, folded lines joined) and body.
//!
//! Nothing here rejects anything; it records what it saw so that the
//! checks in the parent module can, and so that an error response can be
//! addressed even when the stack's parser would give up.

use std::borrow::Cow;

/// Header fields the guard looks at, with their compact forms (RFC 3261 §7.3.3).
const NAMES: &[(&str, Option<&str>)] = &[
    ("Via", Some("v")),
    ("From", Some("f")),
    ("To", Some("t")),
    ("Call-ID", Some("i")),
    ("CSeq", None),
    ("Contact", Some("m")),
    ("Content-Length", Some("l")),
    ("Content-Type", Some("c")),
    ("Content-Encoding", Some("e")),
    ("Content-Disposition", None),
    ("Supported", Some("k")),
    ("Max-Forwards", None),
    ("Require", None),
    ("Proxy-Require", None),
    ("Accept", None),
    ("Date", None),
    ("Route", None),
    ("Record-Route", None),
];

/// The full name of a header field the guard knows, whatever form it was written in.
fn canonical(name: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(full, compact)| {
            name.eq_ignore_ascii_case(full) || compact.is_some_and(|c| name.eq_ignore_ascii_case(c))
        })
        .map(|(full, _)| *full)
}

/// One header field line, unfolded.
#[derive(Debug)]
pub(super) struct Field {
    /// Full name when the guard knows the field, `None` for any other.
    pub name: Option<&'static str>,
    /// The value with folding replaced by single spaces and outer whitespace trimmed.
    pub value: String,
}

/// A datagram split into its parts.
#[derive(Debug)]
pub(super) struct Message<'a> {
    pub start: String,
    pub fields: Vec<Field>,
    /// Every octet after the empty line (more than Content-Length says, for dblreq).
    pub body: &'a [u8],
    /// An empty line (CRLF CRLF) ends the header section.
    pub terminated: bool,
    /// The start line and header section are valid UTF-8.
    pub utf8: bool,
    /// Some line is neither `token ":" value` nor a continuation of one.
    pub bad_line: bool,
}

impl<'a> Message<'a> {
    pub fn lex(datagram: &'a [u8]) -> Self {
        let end = datagram.windows(4).position(|w| w == b"\r\n\r\n");
        let (head, body) = match end {
            Some(i) => (
                datagram.get(..i).unwrap_or_default(),
                datagram.get(i + 4..).unwrap_or_default(),
            ),
            None => (datagram, &[][..]),
        };
        let text = String::from_utf8_lossy(head);
        let mut lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        if end.is_none() {
            // A header section cut short still ends where the datagram does.
            while lines.last().is_some_and(|l| l.is_empty()) {
                lines.pop();
            }
        }
        let mut lines = lines.into_iter();
        let start = lines.next().unwrap_or_default().to_string();
        let mut fields: Vec<Field> = Vec::new();
        let mut bad_line = false;
        for line in lines {
            if line.starts_with([' ', '\t']) {
                match fields.last_mut() {
                    Some(field) => {
                        field.value.push(' ');
                        field.value.push_str(line.trim());
                    }
                    None => bad_line = true,
                }
                continue;
            }
            match line.split_once(':') {
                Some((name, value)) if super::syntax::is_token(name.trim_end()) => {
                    fields.push(Field {
                        name: canonical(name.trim_end()),
                        value: value.to_string(),
                    });
                }
                _ => bad_line = true,
            }
        }
        for field in &mut fields {
            field.value = field.value.trim().to_string();
        }
        Message {
            start,
            fields,
            body,
            terminated: end.is_some(),
            utf8: matches!(text, Cow::Borrowed(_)),
            bad_line,
        }
    }

    /// Values of every field with this (full) name, in message order.
    pub fn values<'m>(&'m self, name: &'static str) -> impl Iterator<Item = &'m str> + 'm {
        self.fields
            .iter()
            .filter(move |f| f.name == Some(name))
            .map(|f| f.value.as_str())
    }

    pub fn first(&self, name: &'static str) -> Option<&str> {
        self.values(name).next()
    }

    pub fn count(&self, name: &'static str) -> usize {
        self.values(name).count()
    }
}
