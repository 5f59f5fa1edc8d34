//! Registering linewarden to a SIP trunk (RFC 3261 §10.2): REGISTER with
//! digest credentials, refreshed before the granted expiry, retried with
//! backoff after a failure.
//!
//! Owns: [`TrunkRegistration`], a thin wrapper over rsipstack's
//! `Registration` (which builds the REGISTER, answers the 401/407 and reads
//! the granted expiry) with our own Call-ID, and [`next_attempt`], the pure
//! schedule: when to register next after a success or a run of failures.
//!
//! Does not own: the clock or the loop that waits (the application's shell
//! sleeps until the time [`next_attempt`] gives).

use std::time::Duration;

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::registration::{backoff_interval, refresh_interval, Registration};
use rsipstack::sip::{headers::CallId, StatusCode, Uri};

use crate::error::SipError;
use crate::uac::Credentials;
use crate::SipEndpoint;

/// How a REGISTER ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    /// 2xx: registered for this many seconds.
    Ok { expires: u32 },
    /// A final error status (after our credentials, if challenged).
    Refused { status: u16 },
    /// No answer, or the request could not be sent.
    Unreachable { detail: String },
}

/// When to register next: at 75% of the granted expiry after a success,
/// else after a backoff of 1 s doubling per consecutive failure, at most
/// 60 s.
pub fn next_attempt(last: &Registered, failures: u32) -> Duration {
    match last {
        Registered::Ok { expires } => refresh_interval(*expires),
        _ => backoff_interval(failures.saturating_sub(1)),
    }
}

/// One registration of ours to a trunk.
pub struct TrunkRegistration {
    inner: Registration,
    server: Uri,
    expires: u32,
}

impl SipEndpoint {
    /// A registration to `server` (`sip:host[:port]`) as
    /// `credentials.username`, asking for `expires` seconds. Nothing is sent
    /// until [`TrunkRegistration::register`].
    pub fn trunk_registration(
        &self,
        server: &str,
        credentials: &Credentials,
        expires: u32,
        call_id: String,
    ) -> Result<TrunkRegistration, SipError> {
        let server = Uri::try_from(server).map_err(|e| SipError::Target {
            target: server.to_string(),
            detail: e.to_string(),
        })?;
        let credential = Credential {
            username: credentials.username.clone(),
            password: credentials.password.clone(),
            realm: None,
            auth_username: None,
        };
        let mut inner = Registration::new(self.inner(), Some(credential));
        inner.call_id = CallId::from(call_id);
        Ok(TrunkRegistration {
            inner,
            server,
            expires,
        })
    }
}

impl TrunkRegistration {
    /// Sends one REGISTER (and its authenticated retry) and waits for the
    /// outcome.
    pub async fn register(&mut self) -> Registered {
        self.send(self.expires).await
    }

    /// Removes the registration (Expires: 0).
    pub async fn unregister(&mut self) -> Registered {
        self.send(0).await
    }

    async fn send(&mut self, expires: u32) -> Registered {
        match self
            .inner
            .register(self.server.clone(), Some(expires))
            .await
        {
            Ok(resp) if resp.status_code.kind() == rsipstack::sip::StatusCodeKind::Successful => {
                Registered::Ok {
                    expires: self.inner.granted_expires.unwrap_or(expires),
                }
            }
            Ok(resp) if resp.status_code == StatusCode::RequestTimeout => Registered::Unreachable {
                detail: "no answer".into(),
            },
            Ok(resp) => Registered::Refused {
                status: u16::from(resp.status_code),
            },
            Err(e) => Registered::Unreachable {
                detail: e.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule() {
        let ok = Registered::Ok { expires: 3600 };
        assert_eq!(next_attempt(&ok, 0), Duration::from_secs(2700));
        let refused = Registered::Refused { status: 403 };
        assert_eq!(next_attempt(&refused, 1), Duration::from_secs(1));
        assert_eq!(next_attempt(&refused, 2), Duration::from_secs(2));
        assert_eq!(next_attempt(&refused, 4), Duration::from_secs(8));
        assert_eq!(next_attempt(&refused, 40), Duration::from_secs(60));
    }
}
