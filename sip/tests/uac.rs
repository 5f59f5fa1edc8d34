//! Outgoing calls between two endpoints on loopback: our UAC calls our UAS,
//! over UDP and TCP — answer, RTP both ways, RFC 4733 DTMF, BYE from either
//! side, CANCEL with and without a provisional response, rejection, and
//! the Call-ID we generate.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sip::media::g711::Codec;
use sip::media::sdp::{build_answer, build_offer, negotiate, parse_answer, Direction, Negotiated};
use sip::rtp_session::{FrameSink, MediaCommand, MediaEvent, MediaSession};
use sip::{
    CallEvent, CallHandle, Command, EndpointConfig, IncomingCall, OutgoingCall, SipEndpoint,
    UacCommand, UacEvent, UacHandle,
};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(5);

async fn endpoint(seed: u64) -> (SipEndpoint, mpsc::Receiver<IncomingCall>) {
    SipEndpoint::start(EndpointConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        user_agent: "linewarden-test".into(),
        seed,
        registrar: None,
        tcp: Default::default(),
        on_shed: None,
        udp_receive_buffer: 0,
    })
    .await
    .expect("endpoint starts")
}

/// rsipstack binds an endpoint's TCP listener in the background after
/// `start` returns: wait until it accepts.
async fn tcp_ready(addr: SocketAddr) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no TCP listener on {addr}");
}

async fn rtp_socket() -> (UdpSocket, SocketAddr) {
    let sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind RTP");
    let addr = sock.local_addr().expect("addr");
    (sock, addr)
}

async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> Option<T> {
    timeout(WAIT, rx.recv()).await.expect("an event within 5 s")
}

/// The next UAC event that is not a provisional response.
async fn next_final(call: &mut UacHandle) -> Option<UacEvent> {
    loop {
        match next(&mut call.events).await {
            Some(UacEvent::Progress(_)) => continue,
            other => return other,
        }
    }
}

async fn incoming(rx: &mut mpsc::Receiver<IncomingCall>) -> IncomingCall {
    timeout(WAIT, rx.recv())
        .await
        .expect("INVITE within 5 s")
        .expect("incoming call")
}

#[derive(Clone, Default)]
struct Loudness(Arc<Mutex<usize>>);

impl FrameSink for Loudness {
    fn frame(&mut self, _at: std::time::Instant, caller: &[i16], _sent: &[i16]) {
        if caller.iter().any(|s| s.unsigned_abs() > 1000) {
            if let Ok(mut n) = self.0.lock() {
                *n += 1;
            }
        }
    }
}

fn tone(ms: usize) -> Arc<[i16]> {
    (0..ms * 8)
        .map(|i| ((i as f64 * 0.3).sin() * 8000.0) as i16)
        .collect::<Vec<_>>()
        .into()
}

/// An answered call: the UAC's handle and answer, the UAS's handle and
/// negotiation, and both RTP sockets.
struct Answered {
    uac: UacHandle,
    uac_rtp: UdpSocket,
    uac_media: Negotiated,
    uas: CallHandle,
    uas_rtp: UdpSocket,
    uas_media: Negotiated,
    _endpoints: (SipEndpoint, SipEndpoint),
}

async fn answered_call(transport: &str) -> Answered {
    let (callee, mut calls) = endpoint(1).await;
    let (caller, _none) = endpoint(2).await;
    let (uac_rtp, uac_rtp_addr) = rtp_socket().await;
    let (uas_rtp, uas_rtp_addr) = rtp_socket().await;
    let offer = build_offer(uac_rtp_addr, &[], Direction::SendRecv, 7, 1);
    if !transport.is_empty() {
        tcp_ready(callee.local_addr()).await;
    }
    let target = format!("sip:5550199@{}{transport}", callee.local_addr());
    let mut uac = caller
        .call(OutgoingCall {
            target,
            from_user: "+441632960001".into(),
            from_display: Some("Replay \"test\"".into()),
            offer: offer.clone(),
            ..Default::default()
        })
        .await
        .expect("INVITE sent");

    let call = incoming(&mut calls).await;
    assert_eq!(call.call_id, uac.call_id);
    assert_eq!(call.caller, "+441632960001");
    assert_eq!(call.caller_display.as_deref(), Some("Replay test"));
    assert_eq!(call.called, "5550199");
    assert_eq!(call.reliable, !transport.is_empty());
    assert_eq!(call.offer.as_deref(), Some(offer.as_bytes()));
    let uas_media = negotiate(offer.as_bytes()).expect("offer negotiates");
    assert_eq!(uas_media.telephone_event, Some(101));
    let answer = build_answer(&uas_media, uas_rtp_addr, 9, 1);
    let mut uas = call.start();
    uas.send(Command::Accept {
        sdp: answer.clone(),
    })
    .expect("accept");

    let got = next_final(&mut uac).await;
    assert_eq!(
        got,
        Some(UacEvent::Answered {
            answer: answer.clone().into_bytes()
        })
    );
    // Our ACK reached the callee.
    assert_eq!(next(&mut uas.events).await, Some(CallEvent::Confirmed));
    let uac_media = parse_answer(answer.as_bytes()).expect("answer parses");
    assert_eq!(uac_media.remote, Some(uas_rtp_addr));
    Answered {
        uac,
        uac_rtp,
        uac_media,
        uas,
        uas_rtp,
        uas_media,
        _endpoints: (callee, caller),
    }
}

/// Media events until `want`, skipping others; panics after 5 s.
async fn media_until(rx: &mut mpsc::UnboundedReceiver<MediaEvent>, want: MediaEvent) {
    loop {
        let ev = next(rx).await.expect("media running");
        if ev == want {
            return;
        }
    }
}

#[tokio::test]
async fn call_answer_rtp_dtmf_and_our_bye() {
    let a = answered_call("").await;
    let (mut uac, mut uas) = (a.uac, a.uas);
    let uac_heard = Loudness::default();
    let uas_heard = Loudness::default();
    let mut uac_media = MediaSession::start(a.uac_rtp, a.uac_media, uac_heard.clone(), 11);
    let mut uas_media = MediaSession::start(a.uas_rtp, a.uas_media, uas_heard.clone(), 12);
    uac_media.command(MediaCommand::Play {
        id: 1,
        samples: tone(600),
    });
    uas_media.command(MediaCommand::Play {
        id: 1,
        samples: tone(600),
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    uac_media.command(MediaCommand::Dtmf {
        digit: '5',
        duration_ms: 100,
    });
    media_until(&mut uas_media.events, MediaEvent::Dtmf('5')).await;
    media_until(&mut uac_media.events, MediaEvent::DtmfSent('5')).await;
    // Exactly once: nothing but the prompt's end follows on the callee's side.
    let quiet = tokio::time::Instant::now() + Duration::from_millis(600);
    while let Ok(ev) = tokio::time::timeout_at(quiet, uas_media.events.recv()).await {
        assert_eq!(ev, Some(MediaEvent::PlaybackFinished(1)), "one digit only");
    }

    uac.send(UacCommand::Hangup).expect("hang up");
    assert_eq!(
        next(&mut uac.events).await,
        Some(UacEvent::HangupDone { status: Some(200) })
    );
    assert_eq!(next(&mut uas.events).await, Some(CallEvent::PeerHungUp));
    assert_eq!(next(&mut uac.events).await, None, "the call is over");

    uac_media.stop().await;
    uas_media.stop().await;
    let heard = |l: &Loudness| *l.0.lock().expect("lock");
    assert!(heard(&uac_heard) > 5, "the caller heard the callee");
    assert!(heard(&uas_heard) > 5, "the callee heard the caller");
}

#[tokio::test]
async fn the_callee_hangs_up() {
    let a = answered_call("").await;
    let (mut uac, mut uas) = (a.uac, a.uas);
    uas.send(Command::Hangup).expect("hang up");
    assert_eq!(next(&mut uac.events).await, Some(UacEvent::PeerHungUp));
    assert_eq!(
        next(&mut uas.events).await,
        Some(CallEvent::HangupDone { status: Some(200) })
    );
    assert_eq!(next(&mut uac.events).await, None);
    assert!(matches!(
        uac.send(UacCommand::Hangup),
        Err(sip::SipError::CallGone)
    ));
}

#[tokio::test]
async fn over_tcp_both_byes() {
    let a = answered_call(";transport=tcp").await;
    let (mut uac, mut uas) = (a.uac, a.uas);
    uac.send(UacCommand::Hangup).expect("hang up");
    assert_eq!(
        next(&mut uac.events).await,
        Some(UacEvent::HangupDone { status: Some(200) })
    );
    assert_eq!(next(&mut uas.events).await, Some(CallEvent::PeerHungUp));

    let b = answered_call(";transport=tcp").await;
    let (mut uac, mut uas) = (b.uac, b.uas);
    uas.send(Command::Hangup).expect("hang up");
    assert_eq!(next(&mut uac.events).await, Some(UacEvent::PeerHungUp));
    assert_eq!(
        next(&mut uas.events).await,
        Some(CallEvent::HangupDone { status: Some(200) })
    );
}

/// Dials the callee, which does nothing by itself.
async fn ringing_call() -> (UacHandle, CallHandle, (SipEndpoint, SipEndpoint)) {
    let (callee, mut calls) = endpoint(3).await;
    let (caller, _none) = endpoint(4).await;
    let (_rtp, rtp_addr) = rtp_socket().await;
    let uac = caller
        .call(OutgoingCall {
            target: format!("sip:5550199@{}", callee.local_addr()),
            from_user: "5550100".into(),
            from_display: None,
            offer: build_offer(rtp_addr, &[Codec::Pcma], Direction::SendRecv, 1, 1),
            ..Default::default()
        })
        .await
        .expect("INVITE sent");
    let uas = incoming(&mut calls).await.start();
    (uac, uas, (callee, caller))
}

#[tokio::test]
async fn cancel_after_ringing_gets_487() {
    let (mut uac, mut uas, _eps) = ringing_call().await;
    uas.send(Command::Ringing).expect("ring");
    assert_eq!(next(&mut uac.events).await, Some(UacEvent::Progress(180)));
    uac.send(UacCommand::Hangup).expect("hang up");
    assert_eq!(next(&mut uas.events).await, Some(CallEvent::Cancelled));
    assert_eq!(
        next(&mut uac.events).await,
        Some(UacEvent::Failed { status: 487 })
    );
    assert_eq!(next(&mut uac.events).await, None);
}

#[tokio::test]
async fn early_media_is_a_183_with_the_answer_then_the_same_answer_in_the_200() {
    let (mut uac, uas, _eps) = ringing_call().await;
    let (_rtp, rtp_addr) = rtp_socket().await;
    let answer = build_offer(rtp_addr, &[Codec::Pcma], Direction::SendRecv, 7, 1);
    uas.send(Command::EarlyMedia {
        sdp: answer.clone(),
    })
    .expect("early media");
    assert_eq!(
        next(&mut uac.events).await,
        Some(UacEvent::EarlyMedia {
            status: 183,
            answer: answer.clone().into_bytes(),
        })
    );
    uas.send(Command::Accept {
        sdp: answer.clone(),
    })
    .expect("accept");
    assert_eq!(
        next(&mut uac.events).await,
        Some(UacEvent::Answered {
            answer: answer.into_bytes(),
        })
    );
}

#[tokio::test]
async fn cancel_without_a_provisional_goes_after_the_deferral() {
    let (mut uac, mut uas, _eps) = ringing_call().await;
    let asked = tokio::time::Instant::now();
    uac.send(UacCommand::Hangup).expect("hang up");
    assert_eq!(next(&mut uas.events).await, Some(CallEvent::Cancelled));
    assert!(asked.elapsed() >= sip::uac::CANCEL_DEFER);
    assert_eq!(
        next(&mut uac.events).await,
        Some(UacEvent::Failed { status: 487 })
    );
}

#[tokio::test]
async fn rejected_call_fails_with_its_status() {
    let (mut uac, uas, _eps) = ringing_call().await;
    uas.send(Command::Reject { status: 486 }).expect("reject");
    assert_eq!(
        next(&mut uac.events).await,
        Some(UacEvent::Failed { status: 486 })
    );
    assert_eq!(next(&mut uac.events).await, None);
}

#[tokio::test]
async fn call_id_is_ours_not_a_vendors() {
    let (caller, _none) = endpoint(5).await;
    let (_rtp, rtp_addr) = rtp_socket().await;
    let offer = build_offer(rtp_addr, &[], Direction::SendRecv, 1, 1);
    // Nobody listens there; the INVITE just goes out.
    let target = "sip:1@127.0.0.1:9".to_string();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let call = caller
            .call(OutgoingCall {
                target: target.clone(),
                from_user: "5550100".into(),
                from_display: None,
                offer: offer.clone(),
                ..Default::default()
            })
            .await
            .expect("INVITE sent");
        ids.push(call.call_id.clone());
    }
    for id in &ids {
        let (random, host) = id.split_once('@').expect("an @ in the Call-ID");
        assert_eq!(host, "127.0.0.1", "{id}");
        assert_eq!(random.len(), 32, "{id}");
        assert!(random.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    assert_ne!(ids[0], ids[1]);

    let bad = caller
        .call(OutgoingCall {
            target: "sips:1@127.0.0.1".into(),
            from_user: "5550100".into(),
            from_display: None,
            offer,
            ..Default::default()
        })
        .await;
    assert!(matches!(bad, Err(sip::SipError::Target { .. })));
}
