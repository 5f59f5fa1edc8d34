//! The display name of a From (or To) header written as a quoted string
//! (RFC 3261 §25.1: `"name" <uri>`, with `\"` and `\\` escapes).
//!
//! Owns: splitting such a value into the unescaped name and the rest (the
//! `<uri>` and its parameters). rsipstack's parser looks for the first `<`
//! even inside the quotes, so a caller named `"<b>x</b>"` would lose both
//! the name and the number; this runs first. Does not own: parsing the
//! URI or the parameters (rsipstack's), or what a name may be used for
//! (it comes from the network: callers must treat it as untrusted text).

/// The unescaped quoted display name at the start of `value`, and the
/// rest of the value after it (trimmed); `None` when `value` does not
/// start with a quoted string, or the quote is never closed.
pub(crate) fn split_quoted(value: &str) -> Option<(String, &str)> {
    let body = value.trim_start().strip_prefix('"')?;
    let mut name = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => name.push(chars.next()?.1),
            '"' => return Some((name, body[i + 1..].trim_start())),
            c => name.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::split_quoted;

    #[test]
    fn a_name_with_angle_brackets_stays_whole() {
        let (name, rest) =
            split_quoted(r#""<script>alert(1)</script>" <sip:5550100@example.com>;tag=a"#)
                .expect("quoted");
        assert_eq!(name, "<script>alert(1)</script>");
        assert_eq!(rest, "<sip:5550100@example.com>;tag=a");
    }

    #[test]
    fn escapes_are_read() {
        let (name, rest) = split_quoted(r#" "Say \"hi\" \\ bye"<sip:a@b>"#).expect("quoted");
        assert_eq!(name, r#"Say "hi" \ bye"#);
        assert_eq!(rest, "<sip:a@b>");
    }

    #[test]
    fn unquoted_or_unclosed_values_are_left_alone() {
        assert_eq!(split_quoted("Alice <sip:a@b>"), None);
        assert_eq!(split_quoted("<sip:a@b>;tag=1"), None);
        assert_eq!(split_quoted(r#""open <sip:a@b>"#), None);
        assert_eq!(split_quoted(r#""trailing \"#), None);
    }
}
