//! `linewarden fixture import CAPTURE`: a packet capture of a real call
//! (SIP and RTP over UDP) becomes a fixture directory — `call.toml`,
//! `caller.wav` and `resident.wav` (8 kHz mono 16-bit) — that replays
//! through the same pipeline as the hand-made ones.
//!
//! Owns: [`import_with`] (and, for tests, [`import`] and [`import_call`]) and
//! the call's timeline: the call is the first INVITE answered with 2xx
//! (or the one with a given Call-ID); t = 0 is the capture time of that
//! 200 OK; the call ends at the first BYE (else at the last RTP packet).
//! The party that sent the INVITE is the caller; the one that answered it
//! is the answering side: linewarden, when its prompts are found in that
//! side's audio (`screening.rs`: then the challenge digit and the outcome
//! come from them, and `resident.wav` is that side's audio from the end of
//! "connecting you", the resident once bridged), else the resident's phone.
//!
//! Does not own: reading capture files (`capture.rs`), SIP (`call.rs`),
//! RTP (`media.rs`), its summary, errors and screening (`types.rs`), the fixture file format (`crate::research::fixture`; `output.rs`
//! hands it what was found), or the command line. Not handled: SIP over
//! TCP/TLS, SRTP, codecs other than G.711, media moved by a re-INVITE.

mod call;
mod capture;
mod media;
mod output;
mod screening;
#[cfg(test)]
mod tests;
mod types;

use std::path::Path;

use sip::media::SAMPLE_RATE;

/// Who sent a packet, pressed a key or hung up: the party that sent the
/// INVITE is the caller, the one that answered it the resident's side.
pub use crate::research::fixture::Party;

use self::capture::CaptureError;
pub use self::types::{ImportError, ImportSummary, ImportedDigit, Screening};

/// Longest call imported (4 h): both tracks are held in memory.
const MAX_CALL_SECS: u32 = 4 * 3600;

/// What to import and what the capture cannot say.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The call with this Call-ID (a capture may hold several; the
    /// summary's warnings list the others); `None`: the first answered.
    pub call_id: Option<String>,
    /// The digit the challenge asked for, when linewarden's prompts are
    /// not in the capture (or to override what they say).
    pub challenge_digit: Option<u8>,
}

/// Reads the packet capture `capture` (pcap or pcapng), finds its first
/// answered INVITE, the 200 OK to it, the BYE and the RTP of both sides,
/// and writes a fixture directory at `out_dir` (created; it must not exist
/// or be empty).
#[cfg(test)]
pub fn import(capture: &Path, out_dir: &Path) -> Result<ImportSummary, ImportError> {
    import_with(capture, out_dir, &ImportOptions::default())
}

/// [`import`], for the call with Call-ID `call_id` when given.
#[cfg(test)]
pub fn import_call(
    capture: &Path,
    out_dir: &Path,
    call_id: Option<&str>,
) -> Result<ImportSummary, ImportError> {
    let options = ImportOptions {
        call_id: call_id.map(str::to_owned),
        challenge_digit: None,
    };
    import_with(capture, out_dir, &options)
}

/// [`import`], with `options`.
pub fn import_with(
    capture: &Path,
    out_dir: &Path,
    options: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let call_id = options.call_id.as_deref();
    let path = capture.to_path_buf();
    let bytes = std::fs::read(capture).map_err(|source| ImportError::Read {
        path: path.clone(),
        cause: source,
    })?;
    let capture = capture::read(&bytes).map_err(|e: CaptureError| ImportError::Capture {
        path: path.clone(),
        message: e.to_string(),
    })?;
    drop(bytes);
    let call = match call::find(&capture.datagrams, call_id) {
        Ok(call) => call,
        Err(call::CallError::NoInvite(_)) if !capture.unsupported_links.is_empty() => {
            let names: Vec<String> = capture
                .unsupported_links
                .iter()
                .map(|l| format!("{l} ({:?})", pcap_file::DataLink::from(*l)))
                .collect();
            return Err(ImportError::UnsupportedLinkType {
                path,
                link_types: names.join(", "),
            });
        }
        Err(e) => {
            let context = format!(
                "{e} [{} packets, {} UDP datagrams]",
                capture.packets,
                capture.datagrams.len()
            );
            return Err(ImportError::Call {
                path,
                message: context,
            });
        }
    };

    let routes = media::Routes {
        caller_sdp: call.caller_media.remote,
        resident_sdp: call.resident_media.remote,
    };
    // The call's length: to the BYE, else to the last RTP packet (+20 ms).
    let window = media::Window {
        answered: call.answered,
        from: call.invited,
        until: call.ended.map(|(t, _)| t),
    };
    let sdps = [&call.caller_media, &call.resident_media];
    let probe = media::collect(&capture.datagrams, &routes, sdps, &window, 0);
    if probe.caller_packets + probe.resident_packets == 0 {
        return Err(ImportError::NoRtp {
            path,
            call_id: call.call_id,
            looked_for: describe_routes(&routes, call.caller_signalling),
        });
    }
    let end_nanos = match (call.ended, probe.last_packet) {
        (Some((t, _)), _) => media::signed_nanos(t, call.answered),
        (None, Some(t)) => media::signed_nanos(t, call.answered) + 20_000_000,
        (None, None) => 0,
    };
    if end_nanos > i128::from(MAX_CALL_SECS) * 1_000_000_000 {
        return Err(ImportError::Call {
            path,
            message: format!(
                "the call {} lasts {} s (answer to end), more than the {MAX_CALL_SECS} s an import takes",
                call.call_id,
                end_nanos / 1_000_000_000
            ),
        });
    }
    let samples = end_nanos.max(0) * i128::from(SAMPLE_RATE) / 1_000_000_000;
    let length = usize::try_from(samples).unwrap_or(0);
    let media = media::collect(&capture.datagrams, &routes, sdps, &window, length);

    let (digits, warnings) = digits_and_warnings(&call, &media);
    let duration_ms = u64::try_from(end_nanos.max(0) / 1_000_000).unwrap_or(0);
    let prompts = crate::prompts::Prompts::load().map_err(|e| ImportError::Call {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let caller_hung_up = call.ended.map(|(_, p)| p) == Some(Party::Caller);
    let screening = screening::read(&media.resident, &prompts, &digits, caller_hung_up);
    let resident = resident_track(&media.resident, screening.as_ref());
    let summary = ImportSummary {
        dir: out_dir.to_path_buf(),
        call_id: call.call_id.clone(),
        caller: call.caller.clone(),
        called: call.called.clone(),
        codecs: media.codecs.clone(),
        duration_ms,
        hung_up_by: call.ended.map(|(_, p)| p),
        caller_packets: media.caller_packets,
        resident_packets: media.resident_packets,
        digits,
        screening,
        challenge_digit: options.challenge_digit.or(screening.map(|s| s.digit)),
        resident_written: resident.is_some(),
        warnings,
    };
    let source_name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    output::write(
        out_dir,
        &summary,
        &source_name,
        &media.caller,
        resident.as_deref(),
    )?;
    Ok(summary)
}

/// The key presses of the call (RTP events and SIP INFO) in time order,
/// and what a researcher should be warned of: keys before the answer (left
/// out), RTP that could not be decoded, a silent side, other calls in the
/// capture.
fn digits_and_warnings(
    call: &call::Call,
    media: &media::Media,
) -> (Vec<ImportedDigit>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut digits: Vec<ImportedDigit> = Vec::new();
    let info = call.info_digits.iter().map(|&(t, digit, by)| {
        let ms = media::signed_nanos(t, call.answered) / 1_000_000;
        (i64::try_from(ms).unwrap_or(i64::MIN), digit, by)
    });
    for (at_ms, digit, by) in media.digits.iter().copied().chain(info) {
        let digit = digit.to_ascii_uppercase();
        match u64::try_from(at_ms) {
            Ok(at_ms) => digits.push(ImportedDigit { at_ms, digit, by }),
            Err(_) => warnings.push(format!(
                "key {digit} by {} {} ms before the answer: left out",
                by.as_str(),
                at_ms.unsigned_abs()
            )),
        }
    }
    digits.sort_by_key(|d| d.at_ms);
    if media.unknown_payload > 0 {
        warnings.push(format!(
            "{} RTP packets with a payload type other than G.711 or telephone-event: left out (silence)",
            media.unknown_payload
        ));
    }
    for (party, packets) in [
        (Party::Caller, media.caller_packets),
        (Party::Resident, media.resident_packets),
    ] {
        if packets == 0 {
            warnings.push(format!(
                "no RTP from the {}: {}.wav is silence",
                party.as_str(),
                party.as_str()
            ));
        }
    }

    if !call.other_calls.is_empty() {
        warnings.push(format!(
            "the capture has {} other calls, not imported: Call-ID {}",
            call.other_calls.len(),
            call.other_calls.join(", ")
        ));
    }
    (digits, warnings)
}

/// The resident's audio to write: the answering side's track, or, when
/// linewarden answered, its side from the moment the resident was
/// connected (silence before); `None` when the resident never was.
fn resident_track(resident: &[i16], screening: Option<&Screening>) -> Option<Vec<i16>> {
    // With linewarden answering, its side is the prompts until the
    // resident was connected: only the rest is the resident's.
    match screening {
        None => Some(resident.to_vec()),
        Some(Screening {
            connected_at: Some(at),
            ..
        }) => {
            let mut track = resident.to_vec();
            let cut = (*at).min(track.len());
            track[..cut].fill(0);
            Some(track)
        }
        Some(_) => None,
    }
}

fn describe_routes(r: &media::Routes, invite_from: std::net::SocketAddr) -> String {
    let addr = |a: Option<std::net::SocketAddr>| a.map_or("none".to_string(), |a| a.to_string());
    format!(
        "UDP to or from the caller's SDP address {} or the answer's {}; the INVITE came from {}",
        addr(r.caller_sdp),
        addr(r.resident_sdp),
        invite_from
    )
}
