//! The alert itself, without a receiver: the webhook URL's check, what
//! logs may say of it, the retry back-off, and the JSON body's optional
//! fields.

use super::tests::alert;
use super::types::origin;
use super::worker::backoff;
use super::DeliverySettings;
use crate::config::webhook::validate_url;

#[test]
fn validate_url_accepts_only_http_and_https_with_a_host() {
    assert!(validate_url("ftp://x").is_err());
    assert!(validate_url("").is_err());
    assert!(validate_url("http://").is_err());
    assert!(validate_url("https://").is_err());
    assert!(validate_url("127.0.0.1:8080/hook").is_err());
    assert!(validate_url("http://exa mple/").is_err());
    assert_eq!(validate_url("http://127.0.0.1:8080/hook"), Ok(()));
    assert_eq!(validate_url("HTTPS://sms.example.org/send?key=k"), Ok(()));
}

#[test]
fn logs_name_only_the_origin() {
    assert_eq!(
        origin("https://user:pw@sms.example.org:8443/send?key=k"),
        "https://sms.example.org:8443"
    );
    assert_eq!(origin("not a url"), "(invalid URL)");
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let settings = DeliverySettings::default();
    let secs = |n| backoff(&settings, n).as_secs();
    assert_eq!([secs(1), secs(2), secs(3), secs(4)], [2, 4, 8, 16]);
    assert_eq!(secs(9), 512);
    assert_eq!(secs(10), 600);
    assert_eq!(secs(1000), 600);
}

#[test]
fn the_body_says_how_much_of_the_call_was_heard() {
    let mut deaf = alert("abc@example.org");
    deaf.listened = Some("none".to_owned());
    let body: serde_json::Value =
        serde_json::from_str(&deaf.to_json("k").expect("json")).expect("parses");
    assert_eq!(body["listened"], "none", "{body}");
    let body: serde_json::Value =
        serde_json::from_str(&alert("x").to_json("k").expect("json")).expect("parses");
    assert!(body.get("listened").is_none(), "{body}");
}

#[test]
fn the_body_says_why_when_known() {
    let mut why = alert("abc@example.org");
    why.reason = Some("high risk: claim (caller said \"sort code\" at 0:42)".to_owned());
    let body: serde_json::Value =
        serde_json::from_str(&why.to_json("k").expect("json")).expect("parses");
    assert_eq!(
        body["reason"],
        "high risk: claim (caller said \"sort code\" at 0:42)"
    );
    let body: serde_json::Value =
        serde_json::from_str(&alert("x").to_json("k").expect("json")).expect("parses");
    assert!(body.get("reason").is_none(), "{body}");
}
