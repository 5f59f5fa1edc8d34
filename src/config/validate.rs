//! Semantic checks run after a configuration has been parsed: everything
//! serde's types cannot express (ranges, uniqueness, cross-key rules), and
//! the `ivr` crate's own checks of a line's screening settings and policy
//! lists, each reported at the key it is about.

use std::collections::HashMap;

use crate::config::toml_key::{problem, KeyPath, Problem};

use super::model::{Config, LineConfig, ScreeningConfig, ServiceConfig, CATCH_ALL};
use super::policy::LinePolicy;
use super::sip_peers::{parse_source, verified_numbers};

/// Longest accepted line name, called number and user agent, in characters.
const MAX_NAME: usize = 64;
const MAX_USER_AGENT: usize = 128;
const MAX_SHUTDOWN_GRACE_SECS: u64 = 60;
/// A day: longer than any call a node should wait for.
const MAX_DRAIN_SECS: u64 = 86_400;
/// The most calls in progress `max_calls` may allow.
const MAX_CALLS: usize = 100_000;
const DIGIT_TIMEOUT_SECS: std::ops::RangeInclusive<u64> = 1..=60;
const MAX_RETRIES: u8 = 5;
const MAX_ANSWER_AFTER_MS: u64 = 30_000;

impl Config {
    /// Checks the rules serde cannot; the first problem found is returned.
    pub(super) fn validate(&self) -> Result<(), Problem> {
        validate_service(&self.service, KeyPath::default().key("service"))?;
        super::store::validate_store(&self.store, KeyPath::default().key("store"))?;
        super::speech::validate_speech(&self.speech, KeyPath::default().key("speech"))?;
        super::tagging::validate_tagging(&self.tagging, KeyPath::default().key("tagging"))?;
        if let Some(console) = &self.console {
            if console.tls_half_set() {
                return problem(
                    KeyPath::default().key("console"),
                    "tls_cert and tls_key go together: set both or neither",
                );
            }
        }
        for (i, trunk) in self.trunks.iter().enumerate() {
            let path = KeyPath::default().key("trunk").index(i);
            if trunk.sources.is_empty() {
                return problem(
                    path.key("sources"),
                    "expected at least one source address or network",
                );
            }
            super::sip_peers::validate_trunk_outgoing(trunk, path.clone())?;
            for (j, source) in trunk.sources.iter().enumerate() {
                if parse_source(source).is_none() {
                    return problem(
                        path.clone().key("sources").index(j),
                        format!(
                            "expected an address or a network such as \"203.0.113.0/24\", got {source:?}"
                        ),
                    );
                }
            }
        }
        let lines = KeyPath::default().key("line");
        if self.lines.is_empty() {
            return problem(lines, "at least one [[line]] table is required");
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut users: HashMap<String, String> = HashMap::new();
        let mut numbers: HashMap<&str, usize> = HashMap::new();
        for (i, line) in self.lines.iter().enumerate() {
            let path = lines.clone().index(i);
            validate_line(line, path.clone())?;
            validate_outbound(line, path.clone())?;
            if let Some(url) = &line.alerts.webhook {
                if let Err(why) = super::webhook::validate_url(url) {
                    return problem(path.clone().key("alerts").key("webhook"), why);
                }
            }
            for (j, account) in line.accounts.iter().enumerate() {
                super::sip_peers::validate_account(
                    account,
                    path.clone().key("account").index(j),
                    &mut users,
                )?;
            }
            if let Some(first) = names.insert(&line.name, i) {
                return problem(
                    path.key("name"),
                    format!("duplicate line name {:?} (also line[{first}])", line.name),
                );
            }
            for (j, number) in line.numbers.iter().enumerate() {
                match numbers.insert(number, i) {
                    Some(other) if other == i => {
                        return problem(
                            path.key("numbers").index(j),
                            format!("number {number:?} is listed twice"),
                        )
                    }
                    Some(other) if number == CATCH_ALL => {
                        return problem(
                            path.key("numbers").index(j),
                            format!(
                            "only one line may be the catch-all \"*\" (line[{other}] already is)"
                        ),
                        )
                    }
                    Some(other) => {
                        return problem(
                            path.key("numbers").index(j),
                            format!("number {number:?} is also listed by line[{other}]"),
                        )
                    }
                    None => {}
                }
            }
        }
        Ok(())
    }
}

fn validate_service(service: &ServiceConfig, path: KeyPath) -> Result<(), Problem> {
    if service.listen.port() == 0 {
        return problem(path.key("listen"), "listen port must not be 0");
    }
    match service.media_address {
        Some(ip) if ip.is_unspecified() => {
            return problem(
                path.key("media_address"),
                format!("{ip} cannot be advertised; give the address callers should send audio to"),
            )
        }
        None if service.listen.ip().is_unspecified() => {
            return problem(
                path.key("media_address"),
                "required when listen is a wildcard address (0.0.0.0 or ::)",
            )
        }
        _ => {}
    }
    if service.data_dir.as_os_str().is_empty() {
        return problem(path.key("data_dir"), "must not be empty");
    }
    let ports = service.rtp_ports;
    let ports_path = path.clone().key("rtp_ports");
    if ports.first == 0 {
        return problem(ports_path.key("first"), "port 0 is not allowed");
    }
    if ports.count() < 2 {
        return problem(
            ports_path.key("last"),
            format!(
                "expected a range of at least 2 ports, got first = {}, last = {}",
                ports.first, ports.last
            ),
        );
    }
    if ports.contains(service.listen.port()) {
        return problem(
            ports_path,
            format!(
                "the range {}-{} includes the SIP listen port {}",
                ports.first,
                ports.last,
                service.listen.port()
            ),
        );
    }
    let tcp = service.tcp;
    let tcp_path = path.clone().key("tcp");
    if !(1..=3600).contains(&tcp.idle_timeout_secs) {
        return problem(
            tcp_path.key("idle_timeout_secs"),
            "expected 1 to 3600 seconds",
        );
    }
    if !(1..=300).contains(&tcp.request_timeout_secs) {
        return problem(
            tcp_path.key("request_timeout_secs"),
            "expected 1 to 300 seconds",
        );
    }
    if !(1..=65_535).contains(&tcp.max_connections) {
        return problem(tcp_path.key("max_connections"), "expected 1 to 65535");
    }
    if tcp.max_per_source == 0 || tcp.max_per_source > tcp.max_connections {
        return problem(
            tcp_path.key("max_per_source"),
            format!("expected 1 to max_connections ({})", tcp.max_connections),
        );
    }
    let agent = &service.user_agent;
    if agent.trim().is_empty() || agent.chars().count() > MAX_USER_AGENT {
        return problem(
            path.key("user_agent"),
            format!("expected 1 to {MAX_USER_AGENT} characters"),
        );
    }
    if agent.chars().any(char::is_control) {
        return problem(
            path.key("user_agent"),
            "must not contain control characters",
        );
    }
    let realm = &service.realm;
    if realm.is_empty()
        || realm.chars().count() > MAX_NAME
        || realm
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '\\')
    {
        return problem(
            path.key("realm"),
            format!("expected 1 to {MAX_NAME} characters without quotes, backslashes or control characters"),
        );
    }
    if service.shutdown_grace_secs > MAX_SHUTDOWN_GRACE_SECS {
        return problem(
            path.key("shutdown_grace_secs"),
            format!(
                "expected 0 to {MAX_SHUTDOWN_GRACE_SECS} seconds, got {}",
                service.shutdown_grace_secs
            ),
        );
    }
    if service.drain_secs > MAX_DRAIN_SECS {
        return problem(
            path.key("drain_secs"),
            format!(
                "expected 0 to {MAX_DRAIN_SECS} seconds, got {}",
                service.drain_secs
            ),
        );
    }
    validate_load(service, path)
}

/// The limits of admission by load.
fn validate_load(service: &ServiceConfig, path: KeyPath) -> Result<(), Problem> {
    if !(1..=MAX_CALLS).contains(&service.max_calls) {
        return problem(
            path.key("max_calls"),
            format!("expected 1 to {MAX_CALLS} calls, got {}", service.max_calls),
        );
    }
    if !(64..=262_144).contains(&service.udp_receive_buffer_kib) {
        return problem(
            path.key("udp_receive_buffer_kib"),
            format!(
                "expected 64 to 262144 KiB, got {}",
                service.udp_receive_buffer_kib
            ),
        );
    }
    if !(10..=10_000).contains(&service.max_lag_ms) {
        return problem(
            path.key("max_lag_ms"),
            format!("expected 10 to 10000 ms, got {}", service.max_lag_ms),
        );
    }
    if !(1..=3600).contains(&service.retry_after_secs) {
        return problem(
            path.key("retry_after_secs"),
            format!(
                "expected 1 to 3600 seconds, got {}",
                service.retry_after_secs
            ),
        );
    }
    Ok(())
}

fn validate_line(line: &LineConfig, path: KeyPath) -> Result<(), Problem> {
    let name = &line.name;
    let name_ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !name_ok {
        return problem(
            path.key("name"),
            format!(
                "expected 1 to {MAX_NAME} letters, digits, '.', '_' or '-', not starting with '.', got {name:?}"
            ),
        );
    }
    for (j, phone) in line.phones.iter().enumerate() {
        let rest = phone
            .strip_prefix("sip:")
            .or_else(|| phone.strip_prefix("sips:"));
        let host = rest.map(|r| r.rsplit('@').next().unwrap_or(r));
        if !host.is_some_and(|h| !h.is_empty() && !h.contains(char::is_whitespace)) {
            return problem(
                path.key("phones").index(j),
                format!(
                    "expected a SIP URI such as \"sip:resident@192.0.2.20:5060\", got {phone:?}"
                ),
            );
        }
    }
    if line.remember_passed_days > 365 {
        return problem(
            path.key("remember_passed_days"),
            format!("expected 0 to 365 days, got {}", line.remember_passed_days),
        );
    }
    if !(5..=300).contains(&line.ring_timeout_secs) {
        return problem(
            path.key("ring_timeout_secs"),
            format!("expected 5 to 300 seconds, got {}", line.ring_timeout_secs),
        );
    }
    if line.numbers.is_empty() {
        return problem(
            path.key("numbers"),
            "expected at least one called number (or \"*\" for any)",
        );
    }
    for (j, number) in line.numbers.iter().enumerate() {
        let ok = number == CATCH_ALL
            || (!number.is_empty()
                && number.chars().count() <= MAX_NAME
                && !number
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '*'));
        if !ok {
            return problem(
                path.clone().key("numbers").index(j),
                format!(
                    "expected \"*\" or a number of 1 to {MAX_NAME} characters without spaces or '*', got {number:?}"
                ),
            );
        }
    }
    validate_screening(&line.screening, path.clone().key("screening"))?;
    validate_policy(&line.policy, path.key("policy"))
}

fn validate_screening(screening: &ScreeningConfig, path: KeyPath) -> Result<(), Problem> {
    if let Some(digit) = screening.challenge_digit {
        if digit > 9 {
            return problem(
                path.key("challenge_digit"),
                format!("expected a digit 0-9, got {digit}"),
            );
        }
    }
    if !DIGIT_TIMEOUT_SECS.contains(&screening.digit_timeout_secs) {
        return problem(
            path.key("digit_timeout_secs"),
            format!(
                "expected {} to {} seconds, got {}",
                DIGIT_TIMEOUT_SECS.start(),
                DIGIT_TIMEOUT_SECS.end(),
                screening.digit_timeout_secs
            ),
        );
    }
    if screening.retries > MAX_RETRIES {
        return problem(
            path.key("retries"),
            format!("expected 0 to {MAX_RETRIES}, got {}", screening.retries),
        );
    }
    if screening.answer_after_ms > MAX_ANSWER_AFTER_MS {
        return problem(
            path.key("answer_after_ms"),
            format!(
                "expected 0 to {MAX_ANSWER_AFTER_MS} milliseconds, got {}",
                screening.answer_after_ms
            ),
        );
    }
    // The ivr crate's own check, in case it is stricter than the above.
    if let Err(err) = screening.challenge_settings().validate() {
        let key = match err {
            ivr::SettingsError::FixedDigit(_) => "challenge_digit",
            ivr::SettingsError::DigitTimeout(_) => "digit_timeout_secs",
            ivr::SettingsError::AnswerAfter(_) => "answer_after_ms",
            _ => return problem(path, err.to_string()),
        };
        return problem(path.key(key), err.to_string());
    }
    Ok(())
}

/// The `ivr` crate's check of the lists, located at the offending entry
/// (`allowlist[1]`) with the entry's own message.
fn validate_policy(policy: &LinePolicy, path: KeyPath) -> Result<(), Problem> {
    use ivr::PolicyError as E;
    let Err(err) = policy.policy_config().validate() else {
        return Ok(());
    };
    let (list, index) = match &err {
        E::NotANumber { list, index, .. } | E::WildcardNotAllowed { list, index, .. } => {
            (list_key(*list), *index)
        }
        E::BadPrefix { index, .. } => ("blocklist", *index),
        E::AllowsNeverCallsOut { index, .. } => ("allowlist", *index),
    };
    // The key path already names the entry: drop "allowlist[1] " from the
    // front of the message.
    let message = err.to_string();
    let prefix = format!("{list}[{index}] ");
    let message = message.strip_prefix(&prefix).unwrap_or(&message);
    problem(path.key(list).index(index), message)
}

/// The `[line.policy]` key of an `ivr` policy list.
fn list_key(list: ivr::ListName) -> &'static str {
    match list {
        ivr::ListName::Allowlist => "allowlist",
        ivr::ListName::Blocklist => "blocklist",
        ivr::ListName::NeverCallsOut => "never_calls_out",
    }
}

/// Checks a line's `[[line.verified]]` and `[line.outbound]`.
fn validate_outbound(line: &LineConfig, path: KeyPath) -> Result<(), Problem> {
    if let Err((i, why)) = verified_numbers(&line.verified) {
        return problem(path.key("verified").index(i), why);
    }
    if let Err(e) = line.outbound.policy_config().validate() {
        return problem(path.key("outbound"), e.to_string());
    }
    Ok(())
}
