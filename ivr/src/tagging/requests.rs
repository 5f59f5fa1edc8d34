//! The built-in request cues and request phrases: what turns a mention of
//! a fraud topic into a stranger asking for something.
//!
//! Owns: the default lists only. A *request cue* is a few words that ask
//! ("read out", "key in", "tell me"); a speech-tag phrase said by the same
//! speaker within [`super::TaggerConfig::cue_span`] after a cue is a
//! request ("read out your sort code"). A *request phrase* asks on its own
//! ("safe account", "the courier will", "don't tell the cashier"). Either
//! makes the call high risk by itself (why: see `risk.rs`); a mention alone
//! ("a police car outside", "the new bank card came") does not.
//!
//! Does not own: matching (`matcher.rs`) or what a request does to the risk
//! ([`super::Tagger`]).
//!
//! Written from the published descriptions of police and bank
//! impersonation fraud (police and bank warnings, Take Five, Action
//! Fraud's courier-fraud pages): the fraudster asks for a credential
//! (PIN, passcode, card number, security code, account number and sort
//! code), for money to move (withdraw it, transfer it to a "safe account",
//! buy gold or gift cards), for a hand-over (a courier, a taxi, an officer
//! at the door), or for secrecy ("don't tell the cashier").

/// Words that ask. Each must be followed, by the same speaker and within
/// the cue span, by a speech-tag phrase for the pair to be a request.
pub const DEFAULT_CUES: &[&str] = &[
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
/// phrases in `config.rs` (which keyphrase spotting needs short and few).
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
