//! Connection strings shown without their password, for logs and
//! errors.
//!
//! Does not own: parsing them (the `postgres` crate).

/// `url` with its password replaced by `***`: in a URL's user info
/// (`postgres://user:secret@host`) and in a `password=` pair.
pub fn redacted(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if let Some((info, host)) = authority.rsplit_once('@') {
            if let Some((user, _)) = info.split_once(':') {
                return format!("{scheme}://{user}:***@{host}{tail}");
            }
        }
        // A password given as a query parameter.
        if let Some(at) = tail.find("password=") {
            let value_end = tail[at..].find('&').map_or(tail.len(), |i| at + i);
            return format!(
                "{scheme}://{authority}{}password=***{}",
                &tail[..at],
                &tail[value_end..]
            );
        }
        return url.to_owned();
    }
    url.split_whitespace()
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.trim() == "password" => "password=***".to_owned(),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redacted("postgres://lw:s3cret@db.example:5432/calls"),
            "postgres://lw:***@db.example:5432/calls"
        );
        assert_eq!(
            redacted("postgresql://db/calls?user=lw&password=s3cret&sslmode=disable"),
            "postgresql://db/calls?user=lw&password=***&sslmode=disable"
        );
        assert_eq!(
            redacted("host=/run/pg user=lw password=s3cret dbname=calls"),
            "host=/run/pg user=lw password=*** dbname=calls"
        );
        assert_eq!(redacted("postgres://lw@db/calls"), "postgres://lw@db/calls");
    }
}
