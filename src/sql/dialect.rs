//! Which SQL a backend speaks ([`Dialect`]) and the one place SQLite's
//! placeholders (`?`, `?N`) become PostgreSQL's (`$N`).
//!
//! Does not own: the statements themselves (their modules pick a text per
//! dialect where the two differ).

/// The SQL a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// `sql` with SQLite's placeholders written as PostgreSQL's: `?N` is
/// `$N`, a bare `?` the next number after the highest so far (as SQLite
/// numbers them). Quoted text, quoted names and comments are left alone.
pub fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut highest = 0u32;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                let n = digits.parse().unwrap_or(highest + 1);
                highest = highest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_postgres;

    #[test]
    fn placeholders_become_numbered_outside_quotes() {
        assert_eq!(
            to_postgres("UPDATE t SET a = ?2, b = '?' WHERE id = ?1 AND \"c?\" = ?2"),
            "UPDATE t SET a = $2, b = '?' WHERE id = $1 AND \"c?\" = $2"
        );
        assert_eq!(
            to_postgres("SELECT ? , ?, ? -- what?\nFROM t"),
            "SELECT $1 , $2, $3 -- what?\nFROM t"
        );
        assert_eq!(to_postgres("x IN (?3, ?)"), "x IN ($3, $4)");
    }
}
