//! linewarden's sans-IO call control.
//!
//! Owns: the state machines that decide what happens on a call once it has
//! been answered: the screening challenge ("to be connected, press N") in
//! [`screening`], and connecting a screened caller to the resident's phones
//! in [`bridge`], and the two composed, with the tagger alongside, into
//! one machine per answered call in [`call`]. Each machine takes events and the current
//! time in and hands actions and its next deadline out; none of them reads
//! a clock, spawns a task, touches a socket or draws hidden randomness.
//! Also the pure decisions taken before a call is answered: reading and
//! checking the caller ID in [`numbers`], and the per-line choice to block,
//! ring through or challenge in [`policy`].
//! And the line-clear callback (end every leg, then call back) in [`lineclear`],
//! and whether the service takes one more call now in [`admission`].
//!
//! Does not own: SIP signalling, media (audio playback, DTMF decoding),
//! timers, configuration loading or storage. The runtime shell in the
//! binary drives these machines and carries out their actions.
#![forbid(unsafe_code)]

pub mod admission;
pub mod bridge;
pub mod call;
pub mod lineclear;
pub mod numbers;
pub mod policy;
pub mod screening;
pub mod tagging;
mod types;

pub use bridge::{
    BridgeAction, BridgeCall, BridgeEvent, BridgeOutcome, BridgePrompt, BridgeSettings,
    BridgeSettingsError, ANNOUNCE_GUARD, ANNOUNCE_TIMES, ANNOUNCE_WAIT, MAX_PHONES,
    MESSAGE_PROMPT_GUARD, VOICEMAIL_MAX,
};
pub use call::{Call, CallSettings, EndReason, HungUpBy};
pub use lineclear::{
    Callback, CallbackAction, CallbackError, CallbackEvent, CallbackLog, CallbackPrompt,
    CallbackResult, CallbackSettings, CallbackSettingsError, ClearAction, ClearEvent, Clearance,
    ClearedHow, ClearingProof, Destination, LegId, LegState, LineClear, Mentioned, OutboundConfig,
    OutboundConfigError, OutboundDecision, OutboundPolicy, RateLimit, RefuseReason, Trigger,
    VerifiedNumber, VerifiedNumbers, VerifiedNumbersError,
};
pub use numbers::{
    check_cli, normalize, parse_caller_id, CallerId, CliRules, CliVerdict, InvalidReason,
    NumberKind, SuspiciousReason, UkNumber, NEVER_CALL_OUT_CODES,
};
pub use policy::{
    AllowReason, Decision, ListName, Policy, PolicyConfig, PolicyError, RejectHow, RejectReason,
    SuspiciousAction, WithheldAction,
};

pub use screening::{
    Action, ChallengeSettings, Event, Outcome, Prompt, PromptId, ScreeningCall, SettingsError,
    NAME_GUARD, NAME_MAX,
};
pub use tagging::{
    HeardWord, PhraseConfig, Risk, RiskReason, RiskRule, Speaker, Tag, TagEvent, TagKind,
    TagOutput, Tagger, TaggerConfig, TaggerConfigError, UnknownRisk, UnknownTag,
};
