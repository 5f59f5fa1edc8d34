//! The RTP session over loopback sockets: symmetric latching, DTMF, prompt
//! playback, the frame pairs handed to the recorder, and sending RFC 4733
//! DTMF.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sip::media::dtmf::{event_packets, TelephoneEvent};
use sip::media::dtmf_send::DtmfSendError;
use sip::media::g711::Codec;
use sip::media::sdp::{Direction, Negotiated};
use sip::rtp_session::{FrameSink, MediaCommand, MediaEvent, MediaSession};
use tokio::net::UdpSocket;
use tokio::time::timeout;
use webrtc_util::marshal::{Marshal, Unmarshal};

/// One tick's (caller, sent) frames.
type FramePair = (Vec<i16>, Vec<i16>);

#[derive(Clone, Default)]
struct Frames(Arc<Mutex<Vec<FramePair>>>);

impl FrameSink for Frames {
    fn frame(&mut self, _at: std::time::Instant, caller: &[i16], sent: &[i16]) {
        if let Ok(mut f) = self.0.lock() {
            f.push((caller.to_vec(), sent.to_vec()));
        }
    }
}

fn negotiated(remote: SocketAddr) -> Negotiated {
    Negotiated {
        codec: Codec::Pcmu,
        payload_type: 0,
        telephone_event: Some(101),
        remote: Some(remote),
        remote_direction: Direction::SendRecv,
        ptime: None,
    }
}

fn rtp(pt: u8, seq: u16, ts: u32, marker: bool, payload: Vec<u8>) -> Vec<u8> {
    let p = rtp::packet::Packet {
        header: rtp::header::Header {
            version: 2,
            payload_type: pt,
            sequence_number: seq,
            timestamp: ts,
            ssrc: 0x1234_5678,
            marker,
            ..Default::default()
        },
        payload: payload.into(),
    };
    p.marshal().expect("marshal").to_vec()
}

fn tone() -> Vec<i16> {
    (0..160)
        .map(|i| ((i as f64 * 0.3).sin() * 8000.0) as i16)
        .collect()
}

async fn recv_rtp(sock: &UdpSocket) -> rtp::packet::Packet {
    let mut buf = [0u8; 2048];
    let (n, _) = timeout(Duration::from_secs(2), sock.recv_from(&mut buf))
        .await
        .expect("RTP within 2 s")
        .expect("recv");
    let mut b = &buf[..n];
    rtp::packet::Packet::unmarshal(&mut b).expect("valid RTP")
}

#[tokio::test]
async fn latches_to_the_real_source_reports_dtmf_once_and_records_both_sides() {
    let ours = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let ours_addr = ours.local_addr().expect("addr");
    let peer = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    // The SDP names an address nobody listens on (as a NAT'd phone's would).
    let bogus: SocketAddr = "127.0.0.1:9".parse().expect("addr");
    let frames = Frames::default();
    let mut media = MediaSession::start(ours, negotiated(bogus), frames.clone(), 7);

    // The caller's audio reaches us; from then on we send to its source.
    let mut payload = Vec::new();
    Codec::Pcmu.encode(&tone(), &mut payload);
    for seq in 0..10u16 {
        let pkt = rtp(0, seq, u32::from(seq) * 160, seq == 0, payload.clone());
        peer.send_to(&pkt, ours_addr).await.expect("send");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = recv_rtp(&peer).await;
    assert_eq!(got.header.payload_type, 0);
    assert_eq!(got.payload.len(), 160);

    // One digit, sent the usual way (start, updates, three end packets).
    for (i, (ev, marker)) in event_packets('7', 100).into_iter().enumerate() {
        let pkt = rtp(101, 100 + i as u16, 99_999, marker, ev.to_bytes().to_vec());
        peer.send_to(&pkt, ours_addr).await.expect("send");
    }
    let ev = timeout(Duration::from_secs(2), media.events.recv())
        .await
        .expect("digit within 2 s");
    assert_eq!(ev, Some(MediaEvent::Dtmf('7')));

    // A prompt plays to the latched peer and its end is reported.
    let prompt: Arc<[i16]> = vec![6000i16; 480].into();
    media.command(MediaCommand::Play {
        id: 3,
        samples: prompt,
    });
    let ev = timeout(Duration::from_secs(2), media.events.recv())
        .await
        .expect("prompt end within 2 s");
    assert_eq!(ev, Some(MediaEvent::PlaybackFinished(3)));
    assert!(
        timeout(Duration::from_millis(300), media.events.recv())
            .await
            .is_err(),
        "no second report of the digit or the prompt"
    );

    let sink = media.stop().await.expect("sink back");
    let frames = sink.0.lock().expect("lock").clone();
    assert!(frames.iter().all(|(c, s)| c.len() == 160 && s.len() == 160));
    let loud = |v: &[i16]| v.iter().any(|&s| s.unsigned_abs() > 1000);
    assert!(frames.iter().any(|(c, _)| loud(c)), "caller audio recorded");
    assert!(frames.iter().any(|(_, s)| loud(s)), "prompt recorded");
}

#[tokio::test]
async fn sends_nothing_while_the_caller_holds() {
    let ours = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let peer = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let mut n = negotiated(peer.local_addr().expect("addr"));
    n.remote_direction = Direction::SendOnly; // the caller put us on hold
    let media = MediaSession::start(ours, n, Frames::default(), 1);
    media.command(MediaCommand::Play {
        id: 1,
        samples: vec![6000i16; 1600].into(),
    });
    let mut buf = [0u8; 2048];
    let got = timeout(Duration::from_millis(400), peer.recv_from(&mut buf)).await;
    assert!(got.is_err(), "no RTP towards a holding caller");
    media.stop().await;
}

#[tokio::test]
async fn sends_a_digit_as_rfc4733_events_then_resumes_audio() {
    let ours = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let peer = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let mut media = MediaSession::start(
        ours,
        negotiated(peer.local_addr().expect("addr")),
        Frames::default(),
        5,
    );
    media.command(MediaCommand::Play {
        id: 1,
        samples: vec![6000i16; 8000].into(),
    });
    media.command(MediaCommand::Dtmf {
        digit: '#',
        duration_ms: 100,
    });
    let mut packets = Vec::new();
    while packets.len() < 12 {
        packets.push(recv_rtp(&peer).await);
    }
    let first = packets
        .iter()
        .position(|p| p.header.payload_type == 101)
        .expect("telephone-events");
    let events = &packets[first..first + 7];
    assert!(events.iter().all(|p| p.header.payload_type == 101));
    let start = events[0].header.timestamp;
    assert!(events.iter().all(|p| p.header.timestamp == start));
    let markers: Vec<bool> = events.iter().map(|p| p.header.marker).collect();
    assert_eq!(markers, [true, false, false, false, false, false, false]);
    let blocks: Vec<(u8, bool, u16)> = events
        .iter()
        .map(|p| {
            let ev = TelephoneEvent::parse(&p.payload).expect("event block");
            (ev.event, ev.end, ev.duration)
        })
        .collect();
    assert_eq!(
        blocks,
        [
            (11, false, 160),
            (11, false, 320),
            (11, false, 480),
            (11, false, 640),
            (11, true, 800),
            (11, true, 800),
            (11, true, 800),
        ]
    );
    // Sequence numbers run on through the event; audio comes back after it.
    for w in packets.windows(2) {
        assert_eq!(
            w[1].header.sequence_number,
            w[0].header.sequence_number.wrapping_add(1)
        );
    }
    let after = &packets[first + 7];
    assert_eq!(after.header.payload_type, 0);
    assert_eq!(after.header.timestamp, start.wrapping_add(7 * 160));
    let ev = timeout(Duration::from_secs(2), media.events.recv())
        .await
        .expect("report within 2 s");
    assert_eq!(ev, Some(MediaEvent::DtmfSent('#')));
    media.stop().await;
}

#[tokio::test]
async fn reports_a_digit_it_cannot_send() {
    let ours = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let peer = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let mut n = negotiated(peer.local_addr().expect("addr"));
    n.telephone_event = None;
    let mut media = MediaSession::start(ours, n, Frames::default(), 2);
    media.command(MediaCommand::Dtmf {
        digit: '1',
        duration_ms: 100,
    });
    let ev = timeout(Duration::from_secs(2), media.events.recv()).await;
    assert_eq!(
        ev.expect("report within 2 s"),
        Some(MediaEvent::DtmfNotSent {
            digit: '1',
            reason: DtmfSendError::NotNegotiated
        })
    );
    for _ in 0..10 {
        assert_eq!(recv_rtp(&peer).await.header.payload_type, 0, "audio only");
    }
    media.stop().await;
}

/// Two streams bridged both ways: `caller` talks to leg A, `phone`
/// hears leg B (whose negotiation `phone_side` may change).
struct Bridged {
    leg_a: MediaSession<sip::rtp_session::NoSink>,
    leg_b: MediaSession<sip::rtp_session::NoSink>,
    caller: Option<UdpSocket>,
    a_addr: SocketAddr,
    phone: UdpSocket,
}

async fn bridged(phone_side: impl FnOnce(&mut Negotiated)) -> Bridged {
    use sip::rtp_session::{relay_pair, NoSink};
    let a_sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let a_addr = a_sock.local_addr().expect("addr");
    let b_sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let caller = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let phone = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let leg_a = MediaSession::start(
        a_sock,
        negotiated(caller.local_addr().expect("a")),
        NoSink,
        1,
    );
    let mut b_side = negotiated(phone.local_addr().expect("b"));
    phone_side(&mut b_side);
    let leg_b = MediaSession::start(b_sock, b_side, NoSink, 2);
    let (to_a, to_b) = relay_pair();
    leg_a.command(to_a);
    leg_b.command(to_b);
    Bridged {
        leg_a,
        leg_b,
        caller: Some(caller),
        a_addr,
        phone,
    }
}

impl Bridged {
    /// The caller sends `packets` 20 ms frames of tone (PCMU) to leg A, in
    /// the background.
    fn talk(&mut self, packets: u16) -> tokio::task::JoinHandle<()> {
        let caller = self.caller.take().expect("the caller talks once");
        let a_addr = self.a_addr;
        let mut payload = Vec::new();
        Codec::Pcmu.encode(&tone(), &mut payload);
        tokio::spawn(async move {
            for seq in 0..packets {
                let pkt = rtp(0, seq, u32::from(seq) * 160, seq == 0, payload.clone());
                caller.send_to(&pkt, a_addr).await.expect("send");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    }

    async fn stop(self) {
        self.leg_a.stop().await;
        self.leg_b.stop().await;
    }
}

#[tokio::test]
async fn relays_audio_between_two_legs_transcoding_pcmu_to_pcma() {
    let mut legs = bridged(|b| {
        b.codec = Codec::Pcma;
        b.payload_type = 8;
    })
    .await;
    // The caller talks (PCMU) into leg A for half a second.
    let sender = legs.talk(25);
    let phone = &legs.phone;
    // The phone hears it from leg B as PCMA, with leg B's own SSRC.
    let mut loud = 0;
    for _ in 0..40 {
        let p = recv_rtp(phone).await;
        assert_eq!(p.header.payload_type, 8, "PCMA towards the phone");
        assert_ne!(p.header.ssrc, 0x1234_5678, "our own SSRC, not the caller's");
        let mut pcm = Vec::new();
        Codec::Pcma.decode(&p.payload, &mut pcm);
        if pcm.iter().any(|&s| s.unsigned_abs() > 1000) {
            loud += 1;
        }
    }
    sender.await.expect("sender");
    assert!(
        loud >= 10,
        "the caller's voice reached the phone: {loud} loud packets"
    );
    legs.stop().await;
}

/// A prompt played on a bridged leg (the resident's warning) is mixed over
/// the relayed party, not put in its place.
#[tokio::test]
async fn a_prompt_on_a_relayed_leg_is_mixed_over_the_other_party() {
    let mut legs = bridged(|_| {}).await;
    // A steady (DC) "prompt" for one second on the phone's leg only.
    legs.leg_b.command(MediaCommand::Play {
        id: 9,
        samples: vec![5000i16; 8000].into(),
    });
    let sender = legs.talk(40);
    let phone = &legs.phone;
    let mut mixed = 0;
    for _ in 0..40 {
        let p = recv_rtp(phone).await;
        let mut pcm = Vec::new();
        Codec::Pcmu.decode(&p.payload, &mut pcm);
        let mean = pcm.iter().map(|&s| i64::from(s)).sum::<i64>() / pcm.len().max(1) as i64;
        let (lo, hi) = (
            pcm.iter().copied().min().unwrap_or(0),
            pcm.iter().copied().max().unwrap_or(0),
        );
        // The prompt's level and the caller's tone, both in one packet.
        if (4000..6000).contains(&mean) && hi - lo > 2000 {
            mixed += 1;
        }
    }
    sender.await.expect("sender");
    assert!(
        mixed >= 10,
        "prompt and caller heard together in {mixed} packets"
    );
    legs.stop().await;
}

/// The time of every frame a stream hands over.
#[derive(Clone, Default)]
struct Times(Arc<Mutex<Vec<std::time::Instant>>>);

impl FrameSink for Times {
    fn frame(&mut self, at: std::time::Instant, _caller: &[i16], _sent: &[i16]) {
        if let Ok(mut t) = self.0.lock() {
            t.push(at);
        }
    }
}

/// An idle stream (nothing to play, nothing received) sleeps past its
/// ticks, but still hands over a frame for every 20 ms, in order, and
/// sends its first packet and a keepalive a second later.
#[tokio::test]
async fn an_idle_stream_hands_over_every_tick_and_keeps_its_keepalive() {
    let sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let peer = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let times = Times::default();
    let started = std::time::Instant::now();
    let media = MediaSession::start(
        sock,
        negotiated(peer.local_addr().expect("addr")),
        times.clone(),
        7,
    );
    let first = recv_rtp(&peer).await;
    let keepalive = recv_rtp(&peer).await;
    let gap = keepalive
        .header
        .timestamp
        .wrapping_sub(first.header.timestamp);
    assert_eq!(
        gap,
        50 * 160,
        "the keepalive is one second of timestamps later"
    );
    assert_eq!(
        keepalive.header.sequence_number,
        first.header.sequence_number.wrapping_add(1),
        "nothing was sent in between"
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    media.stop().await;
    let elapsed = started.elapsed();
    let at = times.0.lock().expect("times").clone();
    assert!(
        at.windows(2)
            .all(|w| w[1] - w[0] == Duration::from_millis(20)),
        "one frame per 20 ms tick, in order"
    );
    let expected = (elapsed.as_millis() / 20) as usize;
    assert!(
        at.len() + 3 >= expected && at.len() <= expected + 1,
        "{} frames in {elapsed:?}: every tick up to the stop",
        at.len()
    );
}

/// Audio relayed to a stream that has been idle is sent at its next ticks,
/// not held until the stream would have woken by itself (which would
/// overflow the relay's short queue and drop most of it).
#[tokio::test]
async fn audio_relayed_to_an_idle_leg_is_sent_as_it_comes() {
    let mut legs = bridged(|_| {}).await;
    // Both legs idle for half a second: only their first packets go out.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sender = legs.talk(25);
    let phone = &legs.phone;
    let mut loud = 0;
    let mut buf = [0u8; 2048];
    let until = tokio::time::Instant::now() + Duration::from_millis(1500);
    while let Ok(Ok((n, _))) = tokio::time::timeout_at(until, phone.recv_from(&mut buf)).await {
        let mut b = &buf[..n];
        let p = rtp::packet::Packet::unmarshal(&mut b).expect("valid RTP");
        let mut pcm = Vec::new();
        Codec::Pcmu.decode(&p.payload, &mut pcm);
        if pcm.iter().any(|&s| s.unsigned_abs() > 1000) {
            loud += 1;
        }
    }
    sender.await.expect("sender");
    assert!(
        loud >= 21,
        "{loud} of the caller's 25 frames reached the phone"
    );
    legs.stop().await;
}
