//! The request model: request cues, request phrases and claims to be the
//! police, what turns a mention of a fraud topic into a stranger asking for
//! something. Opt-in ([`TaggerConfig::requests`], or the same lists written
//! out in config/tagging-requests.toml); [`TaggerConfig::default`] keeps the
//! mention pairs, which hear more scams through keyphrase spotting
//! (docs/evaluation.md).
//!
//! Owns: the model's lists and rules. A *request cue* is a few words that ask
//! ("read out", "key in", "tell me"); a speech-tag phrase said by the same
//! speaker within [`super::TaggerConfig::cue_span`] after a cue is a
//! request ("read out your sort code"). A *request phrase* asks on its own
//! ("safe account", "the courier will", "don't tell the cashier"). Either
//! makes the call high risk by itself (why: see `risk.rs`); a mention alone
//! ("a police car outside", "the new bank card came") does not, not even
//! two different ones (the model drops the built-in pair rules).
//!
//! Does not own: the built-in mention lists (`defaults.rs`), matching
//! (`matcher.rs`) or what a request does to the risk ([`super::Tagger`]).
//!
//! Written from the published descriptions of police and bank
//! impersonation fraud (police and bank warnings, Take Five, Action
//! Fraud's courier-fraud pages): the fraudster asks for a credential
//! (PIN, passcode, card number, security code, account number and sort
//! code), for money to move (withdraw it, transfer it to a "safe account",
//! buy gold or gift cards), for a hand-over (a courier, a taxi, an officer
//! at the door), or for secrecy ("don't tell the cashier").

use std::time::Duration;

use super::config::{PhraseConfig, RiskRule, TaggerConfig};
use super::defaults::{base_rules, default_phrases, DEFAULT_EXCLUSIONS};
use super::types::{Risk, Speaker, TagKind};

/// Words that ask. Each must be followed, by the same speaker and within
/// the cue span, by a speech-tag phrase for the pair to be a request.
pub const REQUEST_CUES: &[&str] = &[
    "read out",
    "read me",
    "read it out",
    "tell me",
    "give me",
    "key in",
    "type in",
    "type your",
    "enter your",
    "confirm your",
    "say your",
    "what is your",
    "i need your",
    "i need you to",
    "we need you to",
    "you must",
    "you need to",
    "please put",
    "put your",
    "please read",
    "please say",
    "buy",
    "hand",
    "what is the",
    "need your",
    "put the cards",
    "give him",
    "give us",
    "pay",
];

/// Mentions of a credential that the cues ask for, beyond the topic
/// phrases in `defaults.rs` (which keyphrase spotting needs short and few).
pub const CREDENTIALS: &[&str] = &[
    "pin",
    "passcode",
    "password",
    "digit code",
    "number it shows",
];

/// The caller saying they are the police, not talking about them: with a
/// bank-details, cash or courier phrase within the window, the opening of
/// police impersonation ("this is Detective Sergeant Wilson from the fraud
/// squad; your bank account has been compromised"). Everyday calls talk
/// about the police ("a retired police officer", "training to be a police
/// constable"); they do not introduce themselves as them.
pub const CLAIMS: &[&str] = &[
    "this is detective",
    "this is police",
    "this is sergeant",
    "this is constable",
    "this is officer",
    "this is pc",
    "this is dc",
    "my name is detective",
    "my name is sergeant",
    "my name is officer",
    "i am detective",
    "i am sergeant",
    "i am officer",
    "it is detective",
    "it is police",
    "it is sergeant",
    "speaking to officer",
    "speaking to detective",
    "from the fraud squad",
    "from the metropolitan police",
    "from scotland yard",
    "from your local police",
    "calling from the police",
];

/// Everyday phrases around the cues: a warning not to give details out is
/// not a request for them.
pub const CUE_EXCLUSIONS: &[&str] = &[
    "don't give",
    "do not give",
    "never give",
    "never ask",
    "will never",
    "withdraw from",
];

/// Phrases that are requests on their own, by speech tag.
pub const REQUEST_PHRASES: &[(&str, &[&str])] = &[
    (
        "cash",
        &[
            "safe account",
            "secure account",
            "holding account",
            "protected account",
            "withdraw",
            "take out the money",
            "take out as much",
            "get the money out",
            "draw out",
            "rolex",
            "buy gold",
            "buy gift cards",
            "transfer all your",
            "move your money",
            "cashier asks",
            "tell the cashier",
            "if the bank asks",
        ],
    ),
    (
        "courier",
        &[
            "courier will",
            "to collect the",
            "pick up the cash",
            "collect the money",
            "collect your card",
            "to the driver",
            "send a taxi",
            "sending a taxi",
            "at your door",
            "will collect",
            "knock on your door",
        ],
    ),
];

/// A bank-details mention the model adds to the built-in ones (after them):
/// the claim's "your bank account has been compromised".
const BANK_ACCOUNT: &str = "bank account";

impl TaggerConfig {
    /// The request model: the built-in phrases with "bank account", the
    /// credential mentions, the claims and the request phrases (all the
    /// caller's), the request cues within 4 s, the built-in exclusions with
    /// the cues' own, and the built-in rules without the pairs of mentions.
    /// Everything else as [`TaggerConfig::default`].
    pub fn requests() -> TaggerConfig {
        let caller = |tag: TagKind, text: &str| PhraseConfig {
            speaker: Some(Speaker::Caller),
            ..PhraseConfig::new(tag.as_str(), text)
        };
        let mut phrases = default_phrases();
        let bank = TagKind::BankDetails.as_str();
        let after_bank = phrases
            .iter()
            .rposition(|p| p.tag == bank)
            .map_or(phrases.len(), |i| i + 1);
        phrases.insert(after_bank, caller(TagKind::BankDetails, BANK_ACCOUNT));
        phrases.extend(CREDENTIALS.iter().map(|p| caller(TagKind::BankDetails, p)));
        phrases.extend(CLAIMS.iter().map(|p| PhraseConfig {
            claim: true,
            ..caller(TagKind::Police, p)
        }));
        phrases.extend(REQUEST_PHRASES.iter().flat_map(|(tag, list)| {
            list.iter().map(move |p| PhraseConfig {
                speaker: Some(Speaker::Caller),
                request: true,
                ..PhraseConfig::new(*tag, *p)
            })
        }));
        TaggerConfig {
            phrases,
            cues: REQUEST_CUES.iter().map(|c| c.to_string()).collect(),
            cue_span: Duration::from_secs(4),
            exclusions: DEFAULT_EXCLUSIONS
                .iter()
                .chain(CUE_EXCLUSIONS)
                .map(|e| e.to_string())
                .collect(),
            rules: request_rules(),
            tag_requests_only: true,
            ..TaggerConfig::default()
        }
    }
}

/// The request model's rules: any tag is low; a suspicious caller ID with
/// any speech tag, or a PIN keyed after police or bank talk, is high.
/// Mentions alone stay low (or medium through
/// [`TaggerConfig::phrases_for_medium`]), even two different ones: on the
/// large corpus's tuning folds, with reference transcripts, two mentions
/// within a minute made 15 of 80 everyday calls high ("a retired police
/// officer" and "the new bank card"), and every scam asked for something,
/// which a request catches.
pub fn request_rules() -> Vec<RiskRule> {
    let mut rules = base_rules();
    rules.push(RiskRule::new(&["pin-keyed"], &[], Risk::High));
    rules
}
