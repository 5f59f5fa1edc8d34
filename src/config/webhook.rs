//! Checking a trusted contact's webhook URL, shared by config validation
//! and alert delivery (which checks again before each attempt).
//!
//! Does not own: delivering alerts (`crate::serve::alerts`).

/// Checks a webhook URL: `http://` or `https://` with a host. The message
/// says what is wrong without repeating the URL (it may hold a token).
pub fn validate_url(url: &str) -> Result<(), String> {
    if url.trim().is_empty() {
        return Err("is empty".to_owned());
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err("must start with http:// or https://".to_owned());
    }
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|err| format!("is not a valid URL ({err})"))?;
    match uri.host() {
        Some(host) if !host.is_empty() => Ok(()),
        _ => Err("has no host".to_owned()),
    }
}
