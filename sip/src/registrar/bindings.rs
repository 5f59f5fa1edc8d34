//! The table of bindings: which contacts each account has registered, from
//! where, until when.
//!
//! Owns: applying what a REGISTER asks (refusing, with 500, a REGISTER
//! older than the one a binding came from), dropping lapsed bindings,
//! keeping at most [`MAX_BINDINGS`] per account (the one lapsing first
//! makes room), the [`BindingChange`] of every change, and looking
//! bindings up: by account, and by the Contact a request is addressed to
//! (a phone behind NAT). Beside its own, the table holds the bindings a
//! shared store last showed (made through other nodes): lookups see both,
//! and for a contact in both, the one lapsing later (the newer REGISTER).
//!
//! Does not own: reading the REGISTER (`register.rs`), accounts and
//! authentication (the parent module), or the clock (`now`, Unix seconds,
//! is an argument).

use std::collections::HashMap;
use std::net::SocketAddr;

use rsipstack::sip::{StatusCode, Uri};

use super::register::Asked;
use super::types::{Binding, BindingChange, RegisterReply, MAX_BINDINGS};

/// Every account's bindings.
#[derive(Debug, Default)]
pub(super) struct Bindings {
    by_user: HashMap<String, Vec<Binding>>,
    /// The bindings the shared store last showed, by account.
    stored: HashMap<String, Vec<Binding>>,
}

impl Bindings {
    /// Puts back one binding kept from before a restart (the caller drops
    /// lapsed ones and ones of unknown accounts).
    pub fn restore(&mut self, b: Binding) {
        let list = self.by_user.entry(b.user.clone()).or_default();
        list.retain(|old| old.contact != b.contact);
        if list.len() < MAX_BINDINGS {
            list.push(b);
        }
    }

    /// Replaces the bindings the shared store shows.
    pub fn set_stored(&mut self, bindings: Vec<Binding>) {
        self.stored.clear();
        for b in bindings {
            self.stored.entry(b.user.clone()).or_default().push(b);
        }
    }

    /// The live bindings of `user` at `now`: its own, and the store's it
    /// has no newer copy of.
    pub fn contacts(&self, user: &str, now: u64) -> Vec<Binding> {
        let own = self.by_user.get(user).map(Vec::as_slice).unwrap_or(&[]);
        let stored = self.stored.get(user).map(Vec::as_slice).unwrap_or(&[]);
        let mut out: Vec<Binding> = Vec::new();
        for b in own.iter().chain(stored).filter(|b| b.expires_at > now) {
            match out.iter_mut().find(|o| o.contact == b.contact) {
                Some(o) if o.expires_at < b.expires_at => *o = b.clone(),
                Some(_) => {}
                None => out.push(b.clone()),
            }
        }
        out
    }

    /// The source of a live binding whose Contact is `target` reached over
    /// UDP from another address; `None` for any other target.
    pub fn nat_source(&self, target: &Uri, now: u64) -> Option<SocketAddr> {
        let host = target.host_with_port.host.to_string();
        let port = target
            .host_with_port
            .port
            .as_ref()
            .map_or(5060, |p| p.value());
        let tcp = target
            .params
            .iter()
            .any(|p| matches!(p, rsipstack::sip::Param::Transport(t) if *t != rsipstack::sip::Transport::Udp));
        if tcp {
            return None;
        }
        self.by_user
            .values()
            .chain(self.stored.values())
            .flatten()
            .filter(|b| b.expires_at > now && b.path.is_empty())
            .find_map(|b| {
                let contact = Uri::try_from(b.contact.as_str()).ok()?;
                let same = contact.host_with_port.host.to_string() == host
                    && contact
                        .host_with_port
                        .port
                        .as_ref()
                        .map_or(5060, |p| p.value())
                        == port;
                let moved = b.source.ip().to_string() != host || b.source.port() != port;
                (same && moved).then_some(b.source)
            })
    }

    /// Applies what a REGISTER of `user` from `source`, along `path`,
    /// asked at `now`.
    pub fn apply(
        &mut self,
        user: &str,
        asked: Asked,
        (source, path): (SocketAddr, &[String]),
        now: u64,
    ) -> Result<Vec<BindingChange>, RegisterReply> {
        let (wanted, call_id, cseq) = match asked {
            Asked::RemoveAll => {
                let removed = self.by_user.remove(user).unwrap_or_default();
                return Ok(removed
                    .into_iter()
                    .map(|b| BindingChange::Removed {
                        user: b.user,
                        contact: b.contact,
                    })
                    .collect());
            }
            Asked::Contacts {
                wanted,
                call_id,
                cseq,
            } => (wanted, call_id, cseq),
        };
        let list = self.by_user.entry(user.to_string()).or_default();
        for (contact, _) in &wanted {
            if let Some(old) = list.iter().find(|b| &b.contact == contact) {
                if old.call_id == call_id && old.cseq >= cseq {
                    return Err(RegisterReply::status(StatusCode::ServerInternalError));
                }
            }
        }

        let mut changes = Vec::new();
        list.retain(|b| b.expires_at > now);
        for (contact, expires) in wanted {
            list.retain(|b| b.contact != contact);
            if expires == 0 {
                changes.push(BindingChange::Removed {
                    user: user.to_string(),
                    contact,
                });
                continue;
            }
            if list.len() >= MAX_BINDINGS {
                list.sort_by_key(|b| b.expires_at);
                let old = list.remove(0);
                changes.push(BindingChange::Removed {
                    user: old.user,
                    contact: old.contact,
                });
            }
            let binding = Binding {
                user: user.to_string(),
                contact,
                source,
                path: path.to_vec(),
                call_id: call_id.clone(),
                cseq,
                expires_at: now + u64::from(expires),
            };
            list.push(binding.clone());
            changes.push(BindingChange::Set(binding));
        }
        Ok(changes)
    }
}
