//! Where an event of one of the resident's phones goes: to the bridge
//! machine, or (a key on the bridged phone) to the tagger.
//!
//! Owns: this mapping, from the phone's role right now (hearing the
//! announcement, bridged, or neither). Does not own: the bridge's rules
//! for the event (`crate::bridge`) or the tagger's.

use crate::bridge::BridgeEvent;

use super::types::PhoneEvent;

/// What to do with a phone's event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneRoute {
    /// Into the bridge machine.
    Bridge(BridgeEvent),
    /// The bridged phone hung up: the resident did, then into the bridge.
    ResidentHungUp(BridgeEvent),
    /// A key the bridged resident pressed: the tagger counts it.
    ResidentKey(char),
    Ignore,
}

/// Routes `event` of `phone`, given the phone hearing the announcement and
/// the bridged one, if any.
pub fn route(
    phone: usize,
    event: PhoneEvent,
    announced: Option<usize>,
    bridged: Option<usize>,
) -> PhoneRoute {
    let is_bridged = bridged == Some(phone);
    let to_bridge = match event {
        // 100 Trying is not ringing.
        PhoneEvent::Progress(status) if status > 100 => {
            BridgeEvent::PhoneProgress { phone, status }
        }
        PhoneEvent::Progress(_) => return PhoneRoute::Ignore,
        PhoneEvent::EarlyMedia => BridgeEvent::PhoneEarlyMedia { phone },
        PhoneEvent::Answered => BridgeEvent::PhoneAnswered { phone },
        PhoneEvent::Failed(status) => BridgeEvent::PhoneFailed { phone, status },
        // Only the connected phone's BYE is the resident hanging up (the
        // others' cross our CANCEL or BYE).
        PhoneEvent::HungUp if is_bridged => {
            return PhoneRoute::ResidentHungUp(BridgeEvent::PhoneHungUp { phone })
        }
        PhoneEvent::HungUp => BridgeEvent::PhoneHungUp { phone },
        PhoneEvent::Gone => BridgeEvent::PhoneGone { phone },
        PhoneEvent::Key(digit) if announced == Some(phone) => {
            BridgeEvent::ResidentKey { phone, digit }
        }
        PhoneEvent::Key(digit) if is_bridged => return PhoneRoute::ResidentKey(digit),
        PhoneEvent::Key(_) => return PhoneRoute::Ignore,
    };
    PhoneRoute::Bridge(to_bridge)
}
