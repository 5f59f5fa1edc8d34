//! A cursor over one header value, for the RFC 3261 §25 productions that
//! allow linear whitespace between their parts, and list splitting; and
//! what a `token` character is, which both need.
//!
//! Does not own: what a header must look like (`syntax.rs` uses the cursor
//! to check that).

/// `token` characters.
pub(super) fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&c)
}

/// Header parameters: name and optional value, as written.
pub(super) type Params<'a> = Vec<(&'a str, Option<&'a str>)>;

/// A byte cursor over a header value; every method keeps to char boundaries
/// because it only ever steps over ASCII.
pub(super) struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    pub fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    pub fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or_default()
    }

    /// Skips spaces and tabs (SWS, once folding is undone); true if any.
    pub fn sws(&mut self) -> bool {
        let from = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos > from
    }

    pub fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.s.len());
    }

    pub fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let from = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii() && f(c)) {
            self.pos += 1;
        }
        self.s.get(from..self.pos).unwrap_or_default()
    }

    pub fn token(&mut self) -> Option<&'a str> {
        Some(self.take_while(is_token_char)).filter(|t| !t.is_empty())
    }

    /// A `quoted-string`, quotes included.
    pub fn quoted_string(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let mut chars = rest.char_indices();
        if chars.next()?.1 != '"' {
            return None;
        }
        loop {
            match chars.next()? {
                (_, '\\') => match chars.next()? {
                    (_, '\r' | '\n') => return None,
                    (_, c) if !c.is_ascii() => return None,
                    _ => {}
                },
                (i, '"') => {
                    self.skip(i + 1);
                    return rest.get(..=i);
                }
                (_, c) if (c < ' ' && c != '\t') || c == '\x7f' => return None,
                _ => {}
            }
        }
    }

    /// `*( SEMI generic-param )` up to the end of the value.
    pub fn params(&mut self) -> Option<Params<'a>> {
        let mut out = Vec::new();
        loop {
            self.sws();
            if self.peek().is_none() {
                return Some(out);
            }
            if !self.eat(b';') {
                return None;
            }
            self.sws();
            let name = self.token()?;
            self.sws();
            let value = if self.eat(b'=') {
                self.sws();
                Some(self.gen_value()?)
            } else {
                None
            };
            out.push((name, value));
        }
    }

    /// `token / host / quoted-string` (IPv6 hosts with or without brackets).
    fn gen_value(&mut self) -> Option<&'a str> {
        match self.peek()? {
            b'"' => self.quoted_string(),
            b'[' => {
                let from = self.pos;
                self.skip(1);
                self.take_while(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.');
                self.eat(b']').then(|| self.s.get(from..self.pos))?
            }
            _ => Some(self.take_while(|c| is_token_char(c) || c == b':')).filter(|v| !v.is_empty()),
        }
    }
}

/// Splits a value at the commas that separate list elements (not those in
/// quoted strings or between `<` and `>`).
pub(super) fn split_commas(v: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut from, mut quoted, mut escaped, mut angle) = (0, false, false, false);
    for (i, c) in v.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '<' => angle = true,
            '>' => angle = false,
            ',' if !angle => {
                out.push(v.get(from..i).unwrap_or_default().trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(v.get(from..).unwrap_or_default().trim());
    out
}
