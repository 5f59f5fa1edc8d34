//! The RTP session under injection: packets sprayed at our port from
//! another source during a call are neither recorded nor answered, and are
//! counted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sip::media::g711::Codec;
use sip::media::sdp::{Direction, Negotiated};
use sip::rtp_session::{FrameSink, MediaSession};
use tokio::net::UdpSocket;
use tokio::time::timeout;
use webrtc_util::marshal::Marshal;

#[derive(Clone, Default)]
struct Callers(Arc<Mutex<Vec<Vec<i16>>>>);

impl FrameSink for Callers {
    fn frame(&mut self, _at: std::time::Instant, caller: &[i16], _sent: &[i16]) {
        if let Ok(mut f) = self.0.lock() {
            f.push(caller.to_vec());
        }
    }
}

fn rtp(seq: u16, ssrc: u32, payload: Vec<u8>) -> Vec<u8> {
    let p = rtp::packet::Packet {
        header: rtp::header::Header {
            version: 2,
            payload_type: 0,
            sequence_number: seq,
            timestamp: u32::from(seq) * 160,
            ssrc,
            ..Default::default()
        },
        payload: payload.into(),
    };
    p.marshal().expect("marshal").to_vec()
}

fn encoded(samples: &[i16]) -> Vec<u8> {
    let mut payload = Vec::new();
    Codec::Pcmu.encode(samples, &mut payload);
    payload
}

#[tokio::test]
async fn sprayed_rtp_from_another_port_is_dropped_and_counted() {
    let ours = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let ours_addr = ours.local_addr().expect("addr");
    let caller = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let attacker = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let negotiated = Negotiated {
        codec: Codec::Pcmu,
        payload_type: 0,
        telephone_event: None,
        remote: Some(caller.local_addr().expect("addr")),
        remote_direction: Direction::SendRecv,
        ptime: None,
    };
    let frames = Callers::default();
    let media = MediaSession::start(ours, negotiated, frames.clone(), 3);

    // The caller talks quietly; once its media flows, the attacker sprays
    // loud audio at twice the rate, with the caller's own sequence numbers
    // and others.
    let quiet = encoded(&[1000; 160]);
    let loud = encoded(&[30000; 160]);
    for seq in 0..50u16 {
        if seq >= 5 {
            attacker
                .send_to(&rtp(seq, 0xbad, loud.clone()), ours_addr)
                .await
                .expect("send");
        }
        caller
            .send_to(&rtp(seq, 0x600d, quiet.clone()), ours_addr)
            .await
            .expect("send");
        if seq >= 5 {
            attacker
                .send_to(&rtp(seq + 1000, 0xbad, loud.clone()), ours_addr)
                .await
                .expect("send");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let dropped = media.dropped_packets();
    let callers = media.stop().await.expect("sink back");
    let callers = callers.0.lock().expect("frames").clone();

    // The signalled caller is heard, the attacker never.
    let heard = callers.iter().flatten().filter(|&&s| s > 500).count();
    assert!(heard > 160 * 20, "the caller is recorded ({heard} samples)");
    assert!(
        callers.iter().flatten().all(|&s| s < 5000),
        "no sprayed audio in the recording"
    );
    assert_eq!(dropped, 90, "every sprayed packet is counted");

    // We sent our media to the caller, and nothing to the attacker.
    let mut buf = [0u8; 2048];
    let got = timeout(Duration::from_millis(500), caller.recv_from(&mut buf)).await;
    assert!(got.is_ok(), "the caller gets our RTP");
    let got = timeout(Duration::from_millis(300), attacker.recv_from(&mut buf)).await;
    assert!(got.is_err(), "the attacker gets none");
}
