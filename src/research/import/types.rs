//! What an import reports: [`ImportSummary`] (with each
//! [`ImportedDigit`] and the [`Screening`] read from the prompts) and
//! [`ImportError`].
//!
//! Does not own: finding the call in the capture (the parent module),
//! reading the prompts (`screening.rs`) or writing the fixture
//! (`output.rs`).

use std::fmt;
use std::path::PathBuf;

use sip::media::g711::Codec;

use crate::research::fixture::{ExpectOutcome, Party};

/// A key press found in the capture (RFC 4733 or SIP INFO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedDigit {
    /// Milliseconds from the answer.
    pub at_ms: u64,
    pub digit: char,
    pub by: Party,
}

/// What [`import`] found and wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSummary {
    /// The fixture directory written.
    pub dir: PathBuf,
    pub call_id: String,
    /// From user of the INVITE.
    pub caller: String,
    /// Request-URI user of the INVITE.
    pub called: String,
    /// Audio codecs the call's RTP used.
    pub codecs: Vec<Codec>,
    /// From the answer to the end of the call; both WAV files are this long.
    pub duration_ms: u64,
    /// Who sent the BYE; `None` when the capture has none (the call then
    /// ends at its last RTP packet).
    pub hung_up_by: Option<Party>,
    pub caller_packets: usize,
    pub resident_packets: usize,
    pub digits: Vec<ImportedDigit>,
    /// The challenge digit, how the screening ended and when the resident
    /// was connected, read from linewarden's prompts; `None` when the
    /// answering side's audio has none (it is then all `resident.wav`).
    pub screening: Option<Screening>,
    /// The challenge digit written to `call.toml`: the one given to
    /// [`import_call`], else the screening's.
    pub challenge_digit: Option<u8>,
    /// Whether `resident.wav` was written (not when linewarden answered
    /// and never connected the caller).
    pub resident_written: bool,
    /// Things a researcher should know: key presses before the answer,
    /// RTP with payload types that could not be decoded, a silent side.
    pub warnings: Vec<String>,
}

/// Several lines: the Call-ID, the numbers, length and hang-up, packet
/// counts, key presses, warnings. No trailing newline.
impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codecs: Vec<&str> = self.codecs.iter().map(|c| c.encoding_name()).collect();
        let codecs = if codecs.is_empty() {
            "-".to_string()
        } else {
            codecs.join(", ")
        };
        let hung_up = self.hung_up_by.map_or("nobody (no BYE)", Party::as_str);
        let mut lines = vec![
            format!("call {}", self.call_id),
            format!("  caller {} -> called {}", self.caller, self.called),
            format!(
                "  {:.1} s after the answer, hung up by {hung_up}; codec {codecs}",
                self.duration_ms as f64 / 1000.0
            ),
            format!(
                "  RTP packets: {} from the caller, {} from the resident's side",
                self.caller_packets, self.resident_packets
            ),
        ];
        match (&self.screening, self.challenge_digit) {
            (Some(s), digit) => {
                let outcome = s.outcome.map_or("not seen (capture ends first)", |o| o.as_str());
                lines.push(format!(
                    "  answered by linewarden: challenge digit {}, outcome {outcome} (from its prompts)",
                    digit.unwrap_or(s.digit)
                ));
                lines.push(match s.connected_at {
                    Some(at) => format!(
                        "  resident.wav: the answering side from {} ms (\"connecting you\" ended), silence before",
                        at / 8
                    ),
                    None => "  no resident.wav: the caller was never connected".to_owned(),
                });
            }
            (None, Some(digit)) => lines.push(format!("  challenge digit {digit} (as given)")),
            (None, None) => lines.push(
                "  no linewarden prompts in the answering side's audio: it is resident.wav whole; no challenge digit or outcome"
                    .to_owned(),
            ),
        }
        for d in &self.digits {
            lines.push(format!(
                "  key {} by {} at {} ms",
                d.digit,
                d.by.as_str(),
                d.at_ms
            ));
        }
        for w in &self.warnings {
            lines.push(format!("  warning: {w}"));
        }
        f.write_str(&lines.join("\n"))
    }
}

/// Why a capture could not be imported. Every message starts with the
/// file or directory it is about.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {cause}", .path.display())]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// Not a pcap/pcapng file, cut off, or corrupt.
    #[error("{}: {message}", .path.display())]
    Capture { path: PathBuf, message: String },
    /// Packets whose link layer is not Ethernet, Linux cooked (SLL/SLL2),
    /// loopback/null or raw IP, and no SIP anywhere else.
    #[error("{}: unsupported link type {} (supported: Ethernet, Linux cooked SLL/SLL2, loopback/null, raw IP)", .path.display(), .link_types)]
    UnsupportedLinkType { path: PathBuf, link_types: String },
    #[error("{}: {message}", .path.display())]
    Call { path: PathBuf, message: String },
    /// The call was found but no RTP of it was captured.
    #[error("{}: no RTP for the call {call_id} (looked for {looked_for})", .path.display())]
    NoRtp {
        path: PathBuf,
        call_id: String,
        looked_for: String,
    },
    /// The output directory exists and is not empty.
    #[error("{}: the output directory is not empty; remove it or choose another", .path.display())]
    OutputNotEmpty { path: PathBuf },
    #[error("{}: {message}", .path.display())]
    Write { path: PathBuf, message: String },
    /// Writing the fixture failed; the message starts with the file.
    #[error(transparent)]
    Fixture(#[from] crate::research::fixture::FixtureError),
}

/// What linewarden's prompts say about a captured call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screening {
    /// The digit the challenge asked for.
    pub digit: u8,
    /// How the screening ended; `None` when the capture stops before it
    /// did (no prompt ending it and no hang-up by the caller).
    pub outcome: Option<ExpectOutcome>,
    /// Where "connecting you" ended, in samples from the answer: from here
    /// the answering side's audio is the resident's.
    pub connected_at: Option<usize>,
}
