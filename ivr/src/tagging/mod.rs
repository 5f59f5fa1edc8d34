//! Tagging a call and rating its fraud risk, as a sans-IO machine.
//!
//! Owns: turning what is said and keyed on one call into [`Tag`]s
//! (`police`, `bank-details`, `courier`, `cash`, `pin-keyed`, plus tags
//! added from outside such as `suspicious-cli`) and into a [`Risk`] level
//! that only ever goes up, so the shell can warn the resident when it turns
//! [`Risk::High`]. Time comes in as `now` (for keys) and as word offsets
//! from the call's start (for speech); there is no randomness.
//!
//! - Phrases are matched per speaker over consecutive words, with
//!   exclusions for everyday talk (the matching rules are in `matcher.rs`). A phrase
//!   may run across two utterances of the same speaker only if the pause
//!   between them is shorter than [`TaggerConfig::join_gap`] (1.5 s by
//!   default).
//! - Each kind is tagged at most once per call: the first evidence wins
//!   and the tag never changes after (its confidence is that evidence's).
//!   Later evidence still counts towards risk.
//! - Risk is the highest [`RiskRule`] matching the tags heard within one
//!   [`TaggerConfig::window`] plus the call-wide ones (why windows: see `risk.rs`).
//! - The request model is opt-in ([`TaggerConfig::requests`]; the default
//!   configuration has no cues, claims or request phrases, so the two
//!   points below never fire with it). In it, a request is high on its
//!   own: a request phrase ("safe account"), or a
//!   phrase said by the same speaker within [`TaggerConfig::cue_span`]
//!   of a request cue, before or after it ("read out" ... "sort code";
//!   the lists are in `requests.rs`, the pairing in `pairing.rs`; a police
//!   phrase is a claim, never what is asked for). A mention without a cue
//!   counts only through the rules.
//! - A claim to be the police ("this is detective", `requests.rs`) and a
//!   bank-details, cash or courier phrase by the same speaker within the
//!   window, in either order, is high too (rule "claim"); a claim is
//!   matched in a lane of its own and raises no tag by itself, unless
//!   [`TaggerConfig::tag_requests_only`] (the request model): then only
//!   what is asked for or claimed is tagged, the claim being the police
//!   tag, and a mention counts only in the rules.
//! - Every rise in risk comes with a [`RiskReason`] ([`Tagger::reasons`]):
//!   the rule or request, and the phrases, keys and added tags behind it.
//! - `pin-keyed`: the resident keys a run of `pin_min_digits` to
//!   `pin_max_digits` digits, each within `digit_timeout` of the last,
//!   ended by the timeout, any non-digit key ('#', '*', ...) or the call
//!   ending. The run counts if, when it ends, the call is tagged `police`
//!   or `bank-details` by evidence from before the run's first digit; so a
//!   run in progress when such a tag arrives counts only if the words were
//!   said before the keying began (the recogniser reports words late), and
//!   digits keyed before the evidence never count. Only the number of
//!   digits and their times are kept, never which digits.
//!
//! Does not own: speech recognition, DTMF detection, warning the resident,
//! storing tags, the actual timer, or reading the configuration. The shell
//! feeds [`TagEvent`]s in with [`Tagger::handle_event`] (or the method for
//! each event), fires the deadline from [`Tagger::poll_timeout`] with
//! [`Tagger::handle_timeout`], and drains [`TagOutput`]s with
//! [`Tagger::poll_output`].

mod config;
mod defaults;
mod keys;
mod matcher;
mod normalise;
mod pairing;
mod requests;
mod risk;
mod shared;
mod types;
mod validate;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use self::config::{
    PhraseConfig, RiskRule, TaggerConfig, MAX_PIN_DIGITS, MAX_TAGGING_DURATION,
};
pub use self::defaults::{default_phrases, default_rules, DEFAULT_EXCLUSIONS};
use self::keys::{KeyRun, KeyRuns};
use self::matcher::{tokens, Phrases, Stream};
pub use self::normalise::normalise;
use self::pairing::{Pairing, Said};
pub use self::requests::{request_rules, REQUEST_CUES, REQUEST_PHRASES};
use self::risk::Assessor;
pub use self::shared::SharedTaggerConfig;
pub use self::types::*;
pub use self::validate::TaggerConfigError;

/// Tags and risk for one call.
#[derive(Debug)]
pub struct Tagger {
    start: Instant,
    phrases: std::sync::Arc<Phrases>,
    assessor: Assessor,
    /// Caller's and resident's word streams.
    streams: [Stream; 2],
    /// The resident's runs of keys.
    keys: KeyRuns,
    /// Requests and claims: what each speaker said that may pair up.
    pairing: Pairing,
    /// See [`TaggerConfig::tag_requests_only`].
    tag_requests_only: bool,
    /// When police or bank talk was first heard or tagged, whether or not
    /// the phrase was tagged: a PIN keyed after it is `pin-keyed`.
    police_or_bank_talk: Option<Duration>,
    reasons: Vec<RiskReason>,
    tags: Vec<Tag>,
    /// Tags that count in every window: keyed and added ones.
    call_wide: u8,
    risk: Risk,
    ended: bool,
    outputs: VecDeque<TagOutput>,
}

impl Tagger {
    /// A tagger for a call that started at `start`. Never panics on a bad
    /// configuration: bad entries are skipped and durations clamped (see
    /// [`TaggerConfig::validate`]).
    pub fn new(config: &TaggerConfig, start: Instant) -> Self {
        Self::with_phrases(config, std::sync::Arc::new(Phrases::new(config)), start)
    }

    /// A tagger on a configuration compiled once for many calls.
    pub fn shared(shared: &SharedTaggerConfig, start: Instant) -> Self {
        Self::with_phrases(shared.config(), shared.phrases.clone(), start)
    }

    fn with_phrases(
        config: &TaggerConfig,
        phrases: std::sync::Arc<Phrases>,
        start: Instant,
    ) -> Self {
        Self {
            start,
            phrases,
            assessor: Assessor::new(config),
            tag_requests_only: config.tag_requests_only,
            police_or_bank_talk: None,
            streams: Default::default(),
            keys: KeyRuns::new(config),
            pairing: Pairing::new(config),
            reasons: Vec::new(),
            tags: Vec::new(),
            call_wide: 0,
            risk: Risk::None,
            ended: false,
            outputs: VecDeque::new(),
        }
    }

    pub fn handle_event(&mut self, now: Instant, event: TagEvent) {
        match event {
            TagEvent::Heard { speaker, words } => self.heard(speaker, &words),
            TagEvent::Key { by, key } => self.key(now, by, key),
            TagEvent::Add { kind, evidence } => self.add(now, kind, evidence),
            TagEvent::Ended => self.end(),
        }
    }

    /// One utterance by `speaker`. Words carry their own offsets, so no
    /// `now` is needed.
    pub fn heard(&mut self, speaker: Speaker, words: &[HeardWord]) {
        if self.ended {
            return;
        }
        let stream = &mut self.streams[speaker as usize];
        let found = stream.hear(&self.phrases, speaker, tokens(words));
        for m in found {
            let Some(phrase) = self.phrases.list.get(m.phrase) else {
                continue;
            };
            let said = Said {
                text: phrase.text.clone(),
                tag: phrase.tag,
                at: m.at,
            };
            if phrase.claim {
                // A pairing signal. Its police words are matched in the
                // police lane, which raises the tag, unless only what is
                // asked for or claimed is tagged: then the claim does.
                let claim = self.pairing.claimed_with(speaker, &said, true);
                if self.tag_requests_only {
                    self.raise_said(speaker, &said, m.confidence);
                    if let Some((_, mention)) = &claim {
                        self.raise_said(speaker, mention, m.confidence);
                    }
                }
                self.pairing.request(claim.map(|(c, _)| (c, "claim")), m.at);
                continue;
            }
            let request = if phrase.request {
                Some((said_evidence(speaker, &said), said.clone()))
            } else {
                self.pairing.paired(speaker, &said)
            };
            // Remembered for a later claim even when this is a request.
            let claim = self.pairing.claimed_with(speaker, &said, false);
            let request = match request {
                Some(r) => Some((r, "request")),
                None => claim.map(|c| (c, "claim")),
            };
            if let Some(tag) = said.tag {
                self.assessor.heard(tag, m.phrase, m.at);
                self.talk_of(tag, m.at);
                if !self.tag_requests_only {
                    self.raise_said(speaker, &said, m.confidence);
                }
            }
            if let (true, Some(((_, asked), _))) = (self.tag_requests_only, &request) {
                // What was asked for, when it was said (a cue may come
                // after it), with this match's confidence.
                self.raise_said(speaker, asked, m.confidence);
            }
            self.pairing.remember(speaker, said);
            self.pairing
                .request(request.map(|((evidence, _), rule)| (evidence, rule)), m.at);
        }
        self.assess();
    }

    /// A key pressed by `by` at `now`. Only the resident's keys count.
    pub fn key(&mut self, now: Instant, by: Speaker, key: char) {
        if self.ended || by != Speaker::Resident {
            return;
        }
        let at = self.offset(now);
        if let Some(run) = self.keys.key(at, key) {
            self.run_ended(run);
        }
    }

    /// A tag decided outside the tagger (confidence 100, at `now`). It
    /// counts for the whole call in risk rules. Ignored if the call
    /// already has this kind.
    pub fn add(&mut self, now: Instant, kind: TagKind, evidence: impl Into<String>) {
        if self.ended {
            return;
        }
        let at = self.offset(now);
        if self.raise(kind, at, evidence.into(), 100) {
            self.call_wide |= kind.bit();
            self.assess();
        }
    }

    /// The call is over: a run of keys in progress ends, then every later
    /// event is ignored and there is no deadline.
    pub fn end(&mut self) {
        if !self.ended {
            self.end_keys();
            self.ended = true;
            self.streams.iter_mut().for_each(Stream::clear);
        }
    }

    /// Ends the run of keys if its timeout is at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|at| at <= now) {
            self.end_keys();
        }
    }

    /// When the resident's run of keys times out, while one is in progress.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let after = self.keys.deadline()?;
        Some(self.start.checked_add(after).unwrap_or(self.start))
    }

    /// The next output to record or act on.
    pub fn poll_output(&mut self) -> Option<TagOutput> {
        self.outputs.pop_front()
    }

    /// Every tag raised so far, in the order raised.
    pub fn tags(&self) -> &[Tag] {
        &self.tags
    }

    pub fn has(&self, kind: TagKind) -> bool {
        self.tags.iter().any(|t| t.kind == kind)
    }

    pub fn risk(&self) -> Risk {
        self.risk
    }

    /// Why the risk went up, one reason per rise, in order.
    pub fn reasons(&self) -> &[RiskReason] {
        &self.reasons
    }

    /// [`Self::end`] has been called.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    fn offset(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.start)
    }

    /// Police or bank talk at `at` (a phrase heard or a tag raised, of
    /// `kind`) counts for a PIN keyed after it.
    fn talk_of(&mut self, kind: TagKind, at: Duration) {
        if matches!(kind, TagKind::Police | TagKind::BankDetails) {
            self.police_or_bank_talk = Some(self.police_or_bank_talk.map_or(at, |t| t.min(at)));
        }
    }

    /// Raises the tag of a phrase `speaker` said, if it has one.
    fn raise_said(&mut self, speaker: Speaker, said: &Said, confidence: u8) {
        if let Some(tag) = said.tag {
            self.raise(tag, said.at, said_evidence(speaker, said), confidence);
        }
    }

    /// Raises `kind` unless the call has it; true if raised.
    fn raise(&mut self, kind: TagKind, at: Duration, evidence: String, confidence: u8) -> bool {
        self.talk_of(kind, at);
        if self.has(kind) {
            return false;
        }
        let tag = Tag {
            kind,
            at,
            evidence,
            confidence: confidence.min(100),
        };
        self.tags.push(tag.clone());
        self.outputs.push_back(TagOutput::Tagged(tag));
        true
    }

    /// Ends the resident's run of keys in progress, if any.
    fn end_keys(&mut self) {
        if let Some(run) = self.keys.end() {
            self.run_ended(run);
        }
    }

    /// A run of keys ended: `pin-keyed` if it is PIN-length and police or
    /// bank talk came before it.
    fn run_ended(&mut self, run: KeyRun) {
        let asked = self.police_or_bank_talk.is_some_and(|at| at <= run.first);
        if self.keys.is_pin(&run) && asked {
            let evidence = format!("{} digits keyed by the resident", run.count);
            if self.raise(TagKind::PinKeyed, run.first, evidence, 100) {
                self.call_wide |= TagKind::PinKeyed.bit();
                self.assess();
            }
        }
    }

    fn assess(&mut self) {
        let reason = match self.pairing.requested() {
            Some(request) if request.risk > self.risk => request.clone(),
            _ => {
                let found = self.assessor.assess(self.call_wide);
                // Explained only when it raises the risk.
                if found.risk <= self.risk {
                    return;
                }
                self.explain(found)
            }
        };
        self.risk = reason.risk;
        self.reasons.push(reason.clone());
        self.outputs.push_back(TagOutput::Risk(reason));
    }

    /// A rule's assessment as a reason: its phrases' evidence, then the
    /// call-wide tags'.
    fn explain(&self, found: risk::Assessment) -> RiskReason {
        let mut evidence: Vec<String> = Vec::new();
        for text in found
            .phrases
            .iter()
            .filter_map(|&p| self.phrases.list.get(p))
            .map(|p| format!("\"{}\" ({})", p.text, p.tag.map_or("cue", |t| t.as_str())))
        {
            if !evidence.contains(&text) {
                evidence.push(text);
            }
        }
        let call_wide = self
            .tags
            .iter()
            .filter(|t| self.call_wide & t.kind.bit() != 0);
        evidence.extend(call_wide.map(|t| format!("{} ({})", t.evidence, t.kind)));
        let at = self.tags.iter().map(|t| t.at).max().unwrap_or_default();
        RiskReason {
            risk: found.risk,
            at,
            rule: found.rule,
            evidence,
        }
    }
}

/// `speaker said "<phrase>"`: the evidence of one phrase.
fn said_evidence(speaker: Speaker, said: &Said) -> String {
    format!("{speaker} said \"{}\"", said.text)
}
