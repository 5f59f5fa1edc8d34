//! The prompt audio, compiled into the binary.
//!
//! Owns: decoding the WAVs under `prompts/` (8 kHz mono 16-bit, made by
//! `prompts/generate.sh`) once at start-up, and composing a prompt the call
//! control asks for — "to be connected, press" followed by the digit — into
//! one buffer. Does not own: when prompts play (the `ivr` crate's decision) or
//! sending them (the RTP session's).

use std::collections::HashMap;
use std::sync::Arc;

use ivr::Prompt;

/// All prompt audio, decoded.
#[derive(Debug, Clone)]
pub struct Prompts {
    notice: Arc<[i16]>,
    wrong_key: Arc<[i16]>,
    no_key: Arc<[i16]>,
    connecting: Arc<[i16]>,
    goodbye: Arc<[i16]>,
    unavailable: Arc<[i16]>,
    leave_message: Arc<[i16]>,
    /// The in-call warning the resident hears when a call turns high risk.
    warning: Arc<[i16]>,
    say_name: Arc<[i16]>,
    call_from: Arc<[i16]>,
    accept_reject: Arc<[i16]>,
    declined: Arc<[i16]>,
    line_clear: Arc<[i16]>,
    could_not_connect: Arc<[i16]>,
    /// The callback's offer and menu, in pieces.
    callback: HashMap<&'static str, Arc<[i16]>>,
    /// "zero" to "nine".
    digits: Vec<Arc<[i16]>>,
    /// "To be connected, press N" for N = 0..9.
    challenge: Vec<Arc<[i16]>>,
}

/// A compiled-in prompt file that does not decode.
#[derive(Debug, thiserror::Error)]
#[error("prompt {name}: {detail}")]
pub struct PromptError {
    name: &'static str,
    detail: String,
}

const DIGITS: [&[u8]; 10] = [
    include_bytes!("../prompts/digit-0.wav"),
    include_bytes!("../prompts/digit-1.wav"),
    include_bytes!("../prompts/digit-2.wav"),
    include_bytes!("../prompts/digit-3.wav"),
    include_bytes!("../prompts/digit-4.wav"),
    include_bytes!("../prompts/digit-5.wav"),
    include_bytes!("../prompts/digit-6.wav"),
    include_bytes!("../prompts/digit-7.wav"),
    include_bytes!("../prompts/digit-8.wav"),
    include_bytes!("../prompts/digit-9.wav"),
];

/// A short pause between "press" and the digit, so they don't run together.
const GAP_SAMPLES: usize = 800;

fn decode(name: &'static str, bytes: &[u8]) -> Result<Vec<i16>, PromptError> {
    let err = |detail: String| PromptError { name, detail };
    let reader = hound::WavReader::new(bytes).map_err(|e| err(e.to_string()))?;
    let spec = reader.spec();
    if spec.sample_rate != 8000 || spec.channels != 1 || spec.bits_per_sample != 16 {
        return Err(err(format!(
            "expected 8000 Hz mono 16-bit, found {} Hz, {} channel(s), {}-bit",
            spec.sample_rate, spec.channels, spec.bits_per_sample
        )));
    }
    reader
        .into_samples::<i16>()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))
}

impl Prompts {
    /// Decodes the compiled-in prompts.
    pub fn load() -> Result<Prompts, PromptError> {
        let press = decode("challenge", include_bytes!("../prompts/challenge.wav"))?;
        let mut challenge = Vec::with_capacity(10);
        let mut digits = Vec::with_capacity(10);
        for bytes in DIGITS {
            let digit = decode("digit", bytes)?;
            digits.push(Arc::from(digit.clone()));
            let mut all = press.clone();
            all.resize(all.len() + GAP_SAMPLES, 0);
            all.extend_from_slice(&digit);
            challenge.push(all.into());
        }
        Ok(Prompts {
            notice: decode("notice", include_bytes!("../prompts/notice.wav"))?.into(),
            wrong_key: decode("wrong-key", include_bytes!("../prompts/wrong-key.wav"))?.into(),
            no_key: decode("no-key", include_bytes!("../prompts/no-key.wav"))?.into(),
            connecting: decode("connecting", include_bytes!("../prompts/connecting.wav"))?.into(),
            goodbye: decode("goodbye", include_bytes!("../prompts/goodbye.wav"))?.into(),
            unavailable: decode("unavailable", include_bytes!("../prompts/unavailable.wav"))?
                .into(),
            leave_message: decode(
                "leave-message",
                include_bytes!("../prompts/leave-message.wav"),
            )?
            .into(),
            warning: decode("warning", include_bytes!("../prompts/warning.wav"))?.into(),
            say_name: decode("say-name", include_bytes!("../prompts/say-name.wav"))?.into(),
            call_from: decode("call-from", include_bytes!("../prompts/call-from.wav"))?.into(),
            accept_reject: decode(
                "accept-reject",
                include_bytes!("../prompts/accept-reject.wav"),
            )?
            .into(),
            declined: decode("declined", include_bytes!("../prompts/declined.wav"))?.into(),
            line_clear: decode("line-clear", include_bytes!("../prompts/line-clear.wav"))?.into(),
            could_not_connect: decode(
                "could-not-connect",
                include_bytes!("../prompts/could-not-connect.wav"),
            )?
            .into(),
            callback: callback_pieces()?,
            digits,
            challenge,
        })
    }

    /// The audio for a prompt.
    pub fn audio(&self, prompt: Prompt) -> Arc<[i16]> {
        match prompt {
            Prompt::Notice => self.notice.clone(),
            Prompt::Challenge { digit } => self
                .challenge
                .get(usize::from(digit))
                .or(self.challenge.first())
                .cloned()
                .unwrap_or_else(|| Arc::from(Vec::new())),
            Prompt::WrongKey => self.wrong_key.clone(),
            Prompt::NoKey => self.no_key.clone(),
            Prompt::Connecting => self.connecting.clone(),
            Prompt::Goodbye => self.goodbye.clone(),
            Prompt::SayName => self.say_name.clone(),
        }
    }
}

/// The UK ring tone the caller hears while the resident's phones ring:
/// 400 Hz + 450 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off; one cadence
/// (3 s) per call.
pub fn ringback() -> Arc<[i16]> {
    let rate = 8000.0;
    let on = |range: std::ops::Range<usize>, i: usize| range.contains(&i);
    (0..24_000usize)
        .map(|i| {
            if on(0..3200, i) || on(4800..8000, i) {
                let t = i as f64 / rate;
                let s = (2.0 * std::f64::consts::PI * 400.0 * t).sin()
                    + (2.0 * std::f64::consts::PI * 450.0 * t).sin();
                (s * 4000.0) as i16
            } else {
                0
            }
        })
        .collect()
}

/// The pieces the callback's offer and menu are made of.
fn callback_pieces() -> Result<HashMap<&'static str, Arc<[i16]>>, PromptError> {
    let files: [(&'static str, &[u8]); 11] = [
        ("call-guard", include_bytes!("../prompts/call-guard.wav")),
        (
            "mentioned-police",
            include_bytes!("../prompts/mentioned-police.wav"),
        ),
        (
            "mentioned-bank",
            include_bytes!("../prompts/mentioned-bank.wav"),
        ),
        (
            "mentioned-both",
            include_bytes!("../prompts/mentioned-both.wav"),
        ),
        ("never-ask", include_bytes!("../prompts/never-ask.wav")),
        (
            "line-now-clear",
            include_bytes!("../prompts/line-now-clear.wav"),
        ),
        ("menu-press", include_bytes!("../prompts/menu-press.wav")),
        ("menu-police", include_bytes!("../prompts/menu-police.wav")),
        ("menu-bank", include_bytes!("../prompts/menu-bank.wav")),
        ("menu-call", include_bytes!("../prompts/menu-call.wav")),
        ("or-hang-up", include_bytes!("../prompts/or-hang-up.wav")),
    ];
    let mut map = HashMap::new();
    for (name, bytes) in files {
        map.insert(name, Arc::from(decode(name, bytes)?));
    }
    Ok(map)
}

/// The tone before a voicemail recording: 1 kHz for 0.4 s, faded in and
/// out over 10 ms.
pub fn beep() -> Arc<[i16]> {
    const LEN: usize = 3200;
    const FADE: usize = 80;
    (0..LEN)
        .map(|i| {
            let t = i as f64 / 8000.0;
            let fade = (i.min(LEN - 1 - i) as f64 / FADE as f64).min(1.0);
            ((2.0 * std::f64::consts::PI * 1000.0 * t).sin() * 12000.0 * fade) as i16
        })
        .collect()
}

impl Prompts {
    /// The audio for a prompt of the bridge (connecting to the resident).
    pub fn bridge_audio(&self, prompt: ivr::BridgePrompt) -> Arc<[i16]> {
        match prompt {
            ivr::BridgePrompt::Unavailable => self.unavailable.clone(),
            ivr::BridgePrompt::LeaveMessage => self.leave_message.clone(),
            ivr::BridgePrompt::Declined => self.declined.clone(),
        }
    }

    /// The audio for a prompt of the line-clear callback. The menu says
    /// each entry as "Press <key>" and its label when it is one of the
    /// recorded ones (the UK defaults), else "to call" and the number's
    /// digits one by one.
    pub fn callback_audio(
        &self,
        prompt: &ivr::lineclear::CallbackPrompt,
        numbers: &ivr::lineclear::VerifiedNumbers,
    ) -> Option<Arc<[i16]>> {
        use ivr::lineclear::{CallbackPrompt as P, Mentioned};
        let mut out: Vec<i16> = Vec::new();
        let pieces = &self.callback;
        let say = |out: &mut Vec<i16>, piece: &str| {
            if let Some(a) = pieces.get(piece) {
                out.extend_from_slice(a);
                out.extend(std::iter::repeat_n(0, 1600));
            }
        };
        let menu = match prompt {
            P::LineClearConnecting => return Some(self.line_clear.clone()),
            P::Connecting => return Some(self.connecting.clone()),
            P::CouldNotConnect => return Some(self.could_not_connect.clone()),
            P::Goodbye => return Some(self.goodbye.clone()),
            P::Offer { mentioned, menu } => {
                say(&mut out, "call-guard");
                match mentioned {
                    Mentioned::Police => say(&mut out, "mentioned-police"),
                    Mentioned::BankDetails => say(&mut out, "mentioned-bank"),
                    Mentioned::Both => say(&mut out, "mentioned-both"),
                    Mentioned::Nothing => {}
                }
                say(&mut out, "never-ask");
                menu
            }
            P::Menu { menu } => {
                say(&mut out, "call-guard");
                say(&mut out, "line-now-clear");
                menu
            }
        };
        for item in menu {
            say(&mut out, "menu-press");
            let digit = item
                .key
                .to_digit(10)
                .and_then(|d| self.digits.get(d as usize));
            if let Some(d) = digit {
                out.extend_from_slice(d);
                out.extend(std::iter::repeat_n(0, 800));
            }
            match item.label.as_str() {
                "the police on one-zero-one" => say(&mut out, "menu-police"),
                "your bank through one-five-nine" => say(&mut out, "menu-bank"),
                _ => {
                    say(&mut out, "menu-call");
                    let number = numbers.normalized(item.entry).unwrap_or_default();
                    for c in number.chars().filter_map(|c| c.to_digit(10)) {
                        if let Some(d) = self.digits.get(c as usize) {
                            out.extend_from_slice(d);
                            out.extend(std::iter::repeat_n(0, 400));
                        }
                    }
                    out.extend(std::iter::repeat_n(0, 1200));
                }
            }
        }
        say(&mut out, "or-hang-up");
        Some(out.into())
    }

    /// What the resident hears before accepting a call: "Call from",
    /// the caller's recorded name, "Press 1 to accept, or 2 to reject."
    pub fn announcement(&self, name: &[i16]) -> Arc<[i16]> {
        let gap = [0i16; 1600];
        let mut all = Vec::with_capacity(
            self.call_from.len() + name.len() + 2 * gap.len() + self.accept_reject.len(),
        );
        all.extend_from_slice(&self.call_from);
        all.extend_from_slice(&gap[..800]);
        all.extend_from_slice(name);
        all.extend_from_slice(&gap);
        all.extend_from_slice(&self.accept_reject);
        all.into()
    }

    /// "Warning. Police and banks never ask for your PIN, or send a
    /// courier. You can hang up now."
    pub fn warning(&self) -> Arc<[i16]> {
        self.warning.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prompt_decodes_and_has_speech() {
        let p = Prompts::load().expect("compiled-in prompts decode");
        let mut all = vec![
            Prompt::Notice,
            Prompt::WrongKey,
            Prompt::NoKey,
            Prompt::Connecting,
            Prompt::Goodbye,
            Prompt::SayName,
        ];
        all.extend((0..10).map(|digit| Prompt::Challenge { digit }));
        let mut audio: Vec<(String, Arc<[i16]>)> = all
            .into_iter()
            .map(|prompt| (format!("{prompt:?}"), p.audio(prompt)))
            .collect();
        for b in [
            ivr::BridgePrompt::Unavailable,
            ivr::BridgePrompt::LeaveMessage,
            ivr::BridgePrompt::Declined,
        ] {
            audio.push((format!("{b:?}"), p.bridge_audio(b)));
        }
        audio.push(("warning".into(), p.warning()));
        let numbers = ivr::lineclear::VerifiedNumbers::uk_defaults();
        for prompt in [
            ivr::lineclear::CallbackPrompt::LineClearConnecting,
            ivr::lineclear::CallbackPrompt::CouldNotConnect,
        ] {
            audio.push((
                format!("{prompt:?}"),
                p.callback_audio(&prompt, &numbers).expect("recorded"),
            ));
        }
        for (prompt, a) in audio {
            // At least half a second, at most ten, and not silent.
            assert!(
                a.len() > 4000 && a.len() < 80_000,
                "{prompt:?}: {}",
                a.len()
            );
            let peak = a.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
            assert!(peak > 3000, "{prompt:?} peak {peak}");
        }
    }

    #[test]
    fn ringback_follows_the_uk_cadence() {
        let r = ringback();
        assert_eq!(r.len(), 24_000, "3 s at 8 kHz");
        let loud = |a: usize, b: usize| r[a..b].iter().any(|s| s.unsigned_abs() > 1000);
        assert!(loud(0, 3200) && loud(4800, 8000), "two 0.4 s bursts");
        assert!(
            !loud(3200, 4800) && !loud(8000, 24_000),
            "0.2 s and 2 s gaps"
        );
    }

    #[test]
    fn challenge_is_press_then_the_digit() {
        let p = Prompts::load().expect("prompts");
        let five = p.audio(Prompt::Challenge { digit: 5 });
        let six = p.audio(Prompt::Challenge { digit: 6 });
        let press = decode("challenge", include_bytes!("../prompts/challenge.wav")).unwrap();
        assert_eq!(&five[..press.len()], &press[..]);
        assert_ne!(five, six);
    }
}

#[cfg(test)]
mod callback_tests {
    use super::*;
    use ivr::lineclear::{CallbackPrompt, Mentioned, VerifiedNumber, VerifiedNumbers};

    #[test]
    fn the_offer_names_the_menu_and_says_custom_numbers_digit_by_digit() {
        let p = Prompts::load().expect("prompts");
        let uk = VerifiedNumbers::uk_defaults();
        let offer = CallbackPrompt::Offer {
            mentioned: Mentioned::Both,
            menu: uk.menu(),
        };
        let menu = CallbackPrompt::Menu { menu: uk.menu() };
        let offer = p.callback_audio(&offer, &uk).expect("offer");
        let plain = p.callback_audio(&menu, &uk).expect("menu");
        // The offer adds the warning to the menu: longer, and both long.
        assert!(
            offer.len() > plain.len() && plain.len() > 8000 * 8,
            "{} {}",
            offer.len(),
            plain.len()
        );
        let custom = VerifiedNumbers::new(vec![VerifiedNumber::new(
            Some('3'),
            "my daughter",
            "01632 960123",
            false,
        )])
        .expect("valid");
        let spoken = p
            .callback_audio(
                &CallbackPrompt::Menu {
                    menu: custom.menu(),
                },
                &custom,
            )
            .expect("menu");
        // "Press three to call" and eleven digits.
        let digits: usize = p.digits.iter().map(|d| d.len()).min().unwrap_or(0);
        assert!(spoken.len() > 11 * digits, "{}", spoken.len());
    }
}
