//! An alert's idempotency key: made once when the alert is queued, stored
//! with it, and sent with every attempt to deliver it (the
//! `Idempotency-Key` header and the body's `alert_id`), whichever node
//! makes the attempt, so a receiver can drop a repeat.
//!
//! Does not own: storing the key (`worker`) or the body (`mod.rs`).

/// A new key: a random UUID (version 4) in its usual text form, such as
/// `8e03978e-40d5-43e8-bc93-6894a57f9324`.
pub(super) fn new_key() -> String {
    let mut bytes = [0u8; 16];
    if let Err(err) = getrandom::fill(&mut bytes) {
        // Unique enough for one receiver's duplicate check.
        tracing::warn!(%err, "no system randomness for an alert key; using a seeded one");
        bytes = fastrand::u128(..).to_be_bytes();
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The key of a stored alert that has none (queued before keys were
/// stored): stable for the row, so every node sends the same one.
pub(super) fn of_row(id: i64, stored: Option<String>) -> String {
    stored.unwrap_or_else(|| format!("alert-{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_uuid_v4_and_differ() {
        let a = new_key();
        let b = new_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36, "{a}");
        let groups: Vec<&str> = a.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(groups[2].starts_with('4'), "{a}");
        assert!(
            matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
            "{a}"
        );
        assert!(a.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit()));
        assert_eq!(of_row(7, None), "alert-7");
        assert_eq!(of_row(7, Some(a.clone())), a);
    }
}
