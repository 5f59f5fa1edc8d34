//! `linewarden replay --to sip:USER@HOST:PORT PATH`: play a fixture as a
//! real SIP call.
//!
//! Owns: one outgoing call per fixture from our own user agent — INVITE with
//! a PCMU/PCMA + telephone-event offer, the caller's audio as RTP in real
//! time from the answer, the caller's keys as RFC 4733 events at their
//! times, BYE when the audio ends unless the far end hangs up first — and a
//! report of what happened; optionally, what the caller heard, as a WAV.
//! Does not own: placing the call's leg (`crate::leg`), SIP or RTP
//! mechanics (`sip`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sip::media::sdp;
use sip::rtp_session::{MediaCommand, MediaEvent, MediaSession};
use sip::{EndpointConfig, SipEndpoint, UacCommand, UacEvent};
use tokio::time::Instant;

use crate::leg::{self, LegRequest, Rtp};
use crate::research::fixture::{Fixture, Party};

/// What happened when a fixture was played to a live service.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LiveReport {
    pub fixture: String,
    pub target: String,
    pub call_id: String,
    /// Final status of the INVITE (200 when answered).
    pub status: Option<u16>,
    /// From sending the INVITE to the answer.
    pub answer_ms: Option<u64>,
    /// From the answer to the end of the call.
    pub duration_ms: u64,
    /// "caller" (we hung up when the audio ended) or "service" (BYE from the
    /// far end) or "none" (never answered).
    pub ended_by: String,
    /// Keys sent as RFC 4733 events.
    pub keys_sent: u32,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The local address to use towards `target`: loopback for a loopback
/// target, otherwise every interface.
fn local_ip_for(target: &str) -> IpAddr {
    let loopback = ["@127.", "@localhost", "@[::1]"]
        .iter()
        .any(|p| target.contains(p));
    if loopback {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    }
}

/// Plays one fixture as a call to `target`.
pub async fn play(
    fx: &Fixture,
    target: &str,
    heard: Option<&std::path::Path>,
) -> anyhow::Result<LiveReport> {
    let ip = local_ip_for(target);
    let (endpoint, _incoming) = SipEndpoint::start(EndpointConfig {
        listen: SocketAddr::new(ip, 0),
        user_agent: "linewarden-replay".into(),
        seed: fastrand::u64(..),
        registrar: None,
        tcp: Default::default(),
        on_shed: None,
        udp_receive_buffer: 0,
    })
    .await?;
    // The offer names the address the far end can reach, never 0.0.0.0
    // (which would mean "on hold").
    let advertise = match ip.is_unspecified() {
        true => sip::uac::local_ip_towards(target).await,
        false => None,
    };
    let rtp = Rtp::Any {
        bind: ip,
        advertise,
    };
    let request = LegRequest {
        target: target.to_string(),
        from_user: fx.meta.caller.clone(),
        ..Default::default()
    };
    let invited = Instant::now();
    let placed = leg::place(&endpoint, rtp, request, fastrand::u64(1..1 << 62)).await?;
    let (mut call, rtp) = (placed.uac, placed.socket);
    let mut report = LiveReport {
        fixture: fx.name.clone(),
        target: target.to_string(),
        call_id: call.call_id.clone(),
        status: None,
        answer_ms: None,
        duration_ms: 0,
        ended_by: "none".into(),
        keys_sent: 0,
    };

    // Up to the answer.
    let answer = loop {
        match call.events.recv().await {
            Some(UacEvent::Answered { answer }) => break answer,
            Some(UacEvent::Failed { status }) => {
                report.status = Some(status);
                endpoint.shutdown();
                return Ok(report);
            }
            Some(UacEvent::Progress(_) | UacEvent::EarlyMedia { .. }) => {}
            Some(UacEvent::Timeout) | None => {
                endpoint.shutdown();
                return Ok(report);
            }
            Some(_) => {}
        }
    };
    let answered = Instant::now();
    report.status = Some(200);
    report.answer_ms = Some(ms(answered - invited));
    let negotiated = sdp::parse_answer(&answer)?;
    let mut media = MediaSession::start(rtp, negotiated, Heard::default(), fastrand::u64(..));
    let audio: Arc<[i16]> = fx.caller.clone().into();
    media.command(MediaCommand::Play {
        id: 1,
        samples: audio,
    });
    let mut keys: Vec<(Duration, char)> = fx
        .meta
        .dtmf
        .iter()
        .filter(|k| k.by == Party::Caller)
        .map(|k| (Duration::from_millis(k.at_ms), k.digit))
        .collect();
    keys.reverse();

    loop {
        let next_key = keys.last().map(|&(at, _)| answered + at);
        tokio::select! {
            _ = sleep_until(next_key) => {
                if let Some((_, digit)) = keys.pop() {
                    media.command(MediaCommand::Dtmf { digit, duration_ms: 120 });
                    report.keys_sent += 1;
                }
            }
            ev = media.events.recv() => {
                if let Some(MediaEvent::PlaybackFinished(1)) = ev {
                    // The recording is over: the caller hangs up.
                    call.send(UacCommand::Hangup).ok();
                    report.ended_by = "caller".into();
                }
            }
            ev = call.events.recv() => match ev {
                Some(UacEvent::PeerHungUp) => {
                    report.ended_by = "service".into();
                    break;
                }
                Some(UacEvent::HangupDone { .. }) | None => break,
                Some(UacEvent::ReInvite { .. }) => {
                    call.send(UacCommand::AnswerReInvite { status: 488, sdp: None }).ok();
                }
                Some(_) => {}
            },
        }
    }
    report.duration_ms = ms(answered.elapsed());
    let received = media.stop().await;
    endpoint.shutdown();
    if let (Some(path), Some(Heard(samples))) = (heard, received) {
        write_heard(path, &samples)?;
    }
    Ok(report)
}

/// What the caller heard: every 20 ms frame received from the far end.
#[derive(Default)]
struct Heard(Vec<i16>);

impl sip::rtp_session::FrameSink for Heard {
    fn frame(&mut self, _at: std::time::Instant, received: &[i16], _sent: &[i16]) {
        self.0.extend_from_slice(received);
    }
}

/// Writes what the caller heard as an 8 kHz mono WAV.
fn write_heard(path: &std::path::Path, samples: &[i16]) -> anyhow::Result<()> {
    use anyhow::Context;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec)
        .with_context(|| format!("writing {}", path.display()))?;
    for &s in samples {
        w.write_sample(s)?;
    }
    w.finalize()?;
    Ok(())
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
