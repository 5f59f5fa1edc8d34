//! Whether a call the resident's phone places may go out, as a pure
//! decision with a reason to log.
//!
//! Owns: recognising the line-clear feature code (default `*55`);
//! matching a dialled string against the line's [`VerifiedNumbers`] after
//! normalising it with [`crate::normalize`]; the per-line option for
//! general outbound calling (off by default); and the per-line rate limit,
//! a token bucket on the virtual clock. The rules, in order:
//!
//! 1. a call not from a phone registered to the line is refused, whatever
//!    it dials;
//! 2. 999 and 112 always go out, never rate-limited;
//! 3. the feature code, a verified number, or (with general outbound on) a
//!    UK number that is not premium rate nor a non-public short code go
//!    out if the rate limit has a token left;
//! 4. everything else is refused.
//!
//! Matching is on [`crate::normalize`]'s form, so "+44 800 123 4567" and
//! "0800 123 4567" are one number, and a `sip:`/`tel:` URI's user part is
//! read. A short code is only itself: "0101" is not 101 (it is no UK
//! number at all and is refused), while "+44 101" is read as 101 the way
//! [`crate::numbers`] reads it. A refused attempt takes no token.
//!
//! Does not own: placing the call, the line clearing that a verified
//! number or the feature code starts ([`super::Callback`]), or the clock.

use std::time::{Duration, Instant};

use super::verified::{dialable, is_emergency, VerifiedNumbers};
use crate::numbers::normalize;
use crate::types::later;

/// How many calls a line may attempt in how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Attempts allowed in a burst; one more is earned every
    /// `per / attempts`.
    pub attempts: u32,
    pub per: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            attempts: 5,
            per: Duration::from_secs(10 * 60),
        }
    }
}

/// One line's outbound choices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundConfig {
    /// What the resident dials to clear the line and get the menu.
    pub feature_code: String,
    /// Let the resident's phone call any UK number, not only verified ones.
    pub general_outbound: bool,
    pub rate_limit: RateLimit,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            feature_code: "*55".to_owned(),
            general_outbound: false,
            rate_limit: RateLimit::default(),
        }
    }
}

/// An [`OutboundConfig`] that cannot be used as configured.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutboundConfigError {
    #[error("feature code {0:?} must be 2 to 8 of 0-9, * and #, starting with * or #")]
    FeatureCode(String),
    #[error("rate limit must allow 1 to 100 attempts per period, got {0}")]
    Attempts(u32),
    #[error("rate limit period must be more than zero and at most a day, got {0:?}")]
    Period(Duration),
}

impl OutboundConfig {
    pub fn validate(&self) -> Result<(), OutboundConfigError> {
        let code = &self.feature_code;
        let code_ok = (2..=8).contains(&code.len())
            && code.starts_with(['*', '#'])
            && code
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
            && code.chars().any(|c| c.is_ascii_digit());
        let attempts = self.rate_limit.attempts;
        let per = self.rate_limit.per;
        if !code_ok {
            Err(OutboundConfigError::FeatureCode(code.clone()))
        } else if !(1..=100).contains(&attempts) {
            Err(OutboundConfigError::Attempts(attempts))
        } else if per.is_zero() || per > Duration::from_secs(24 * 3600) {
            Err(OutboundConfigError::Period(per))
        } else {
            Ok(())
        }
    }
}

/// Where an allowed call goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Destination {
    /// Clear the line and offer the menu ([`super::Trigger::FeatureCode`]).
    FeatureCode,
    /// This entry of the line's verified numbers
    /// ([`super::Trigger::DialledVerified`]).
    Verified(usize),
    /// Any other number, normalized: general outbound, or an emergency
    /// number the table does not list.
    Number(String),
}

/// Why a call may go out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AllowReason {
    FeatureCode,
    /// 999 or 112: never refused from the line's phone.
    Emergency,
    Verified,
    GeneralOutbound,
}

/// Why a call may not go out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefuseReason {
    /// The call does not come from a phone registered to the line.
    NotRegistered,
    /// The dialled string is no phone number.
    NotANumber,
    /// Not a verified number, and general outbound is off (or the number
    /// is premium rate, international or a non-public short code).
    NotAllowedDestination,
    /// Too many attempts; another is allowed at `retry_at`.
    RateLimited { retry_at: Instant },
}

impl RefuseReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            RefuseReason::NotRegistered => "not_registered",
            RefuseReason::NotANumber => "not_a_number",
            RefuseReason::NotAllowedDestination => "not_allowed_destination",
            RefuseReason::RateLimited { .. } => "rate_limited",
        }
    }
}

/// The decision on one attempt, to act on and to log.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OutboundDecision {
    Allowed {
        to: Destination,
        reason: AllowReason,
    },
    Refused {
        reason: RefuseReason,
    },
}

/// One line's outbound rules and rate-limit state.
#[derive(Clone, Debug)]
pub struct OutboundPolicy {
    config: OutboundConfig,
    tokens: u32,
    /// When the bucket was last topped up; `None` until the first attempt
    /// (the bucket starts full).
    refilled: Option<Instant>,
}

impl OutboundPolicy {
    /// Never panics on a bad config: attempts are clamped to at least 1
    /// and the period to at least a millisecond.
    pub fn new(config: OutboundConfig) -> Self {
        let mut config = config;
        config.rate_limit.attempts = config.rate_limit.attempts.max(1);
        config.rate_limit.per = config.rate_limit.per.max(Duration::from_millis(1));
        Self {
            tokens: config.rate_limit.attempts,
            config,
            refilled: None,
        }
    }

    pub fn config(&self) -> &OutboundConfig {
        &self.config
    }

    /// Is `dialled` (a number, or a request URI) the feature code?
    pub fn is_feature_code(&self, dialled: &str) -> bool {
        decoded_user_part(dialled) == self.config.feature_code
    }

    /// Decides one attempt at `now` by the phone the runtime vouches for
    /// (`registered`: it is registered to this line) to call `dialled`.
    pub fn decide(
        &mut self,
        now: Instant,
        registered: bool,
        dialled: &str,
        numbers: &VerifiedNumbers,
    ) -> OutboundDecision {
        let refused = |reason| OutboundDecision::Refused { reason };
        if !registered {
            return refused(RefuseReason::NotRegistered);
        }
        let (to, reason) = if self.is_feature_code(dialled) {
            (Destination::FeatureCode, AllowReason::FeatureCode)
        } else {
            let Some(number) = normalize(&decoded_user_part(dialled)) else {
                return refused(RefuseReason::NotANumber);
            };
            let verified = numbers.by_normalized(&number);
            if is_emergency(&number) {
                let to = verified.map_or(Destination::Number(number), Destination::Verified);
                return OutboundDecision::Allowed {
                    to,
                    reason: AllowReason::Emergency,
                };
            }
            match verified {
                Some(entry) => (Destination::Verified(entry), AllowReason::Verified),
                None if self.config.general_outbound && dialable(&number).is_ok() => {
                    (Destination::Number(number), AllowReason::GeneralOutbound)
                }
                None => return refused(RefuseReason::NotAllowedDestination),
            }
        };
        match self.take_token(now) {
            Ok(()) => OutboundDecision::Allowed { to, reason },
            Err(retry_at) => refused(RefuseReason::RateLimited { retry_at }),
        }
    }

    /// Takes a token, or says when the next one comes.
    fn take_token(&mut self, now: Instant) -> Result<(), Instant> {
        let limit = self.config.rate_limit;
        let interval = limit.per / limit.attempts;
        let since = self.refilled.get_or_insert(now);
        let earned = now.saturating_duration_since(*since).as_nanos() / interval.as_nanos().max(1);
        let room = u128::from(limit.attempts - self.tokens.min(limit.attempts));
        if earned >= room {
            self.tokens = limit.attempts;
            *since = now;
        } else if earned > 0 {
            // earned < room <= attempts, so this fits in u32.
            let earned = earned as u32;
            self.tokens += earned;
            *since += interval * earned;
        }
        if self.tokens == 0 {
            return Err(later(*since, interval));
        }
        self.tokens -= 1;
        Ok(())
    }
}

/// The user part of a number or `sip:`/`sips:`/`tel:` URI, with `%2A`
/// and `%23` read as `*` and `#`.
fn decoded_user_part(dialled: &str) -> String {
    let s = dialled.trim();
    let lower = s.to_ascii_lowercase();
    let skip = ["sips:", "sip:", "tel:"]
        .iter()
        .find(|scheme| lower.starts_with(*scheme))
        .map_or(0, |scheme| scheme.len());
    let user = s.get(skip..).unwrap_or_default();
    let user = user.split(['@', ';']).next().unwrap_or_default().trim();
    user.replace("%2A", "*")
        .replace("%2a", "*")
        .replace("%23", "#")
}
