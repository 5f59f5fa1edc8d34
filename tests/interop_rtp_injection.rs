//! Interop over loopback: RTP sprayed at linewarden's caller-leg port from
//! another source port during a bridged call is neither recorded nor
//! relayed to the resident's phone, and is counted in the log.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use common::raw_sip::{raw_phone, rtp, sdp_media, CallerMedia, RawCaller, CALLER_BYTE, LOUD_BYTE};
use common::Service;

#[test]
fn sprayed_rtp_is_neither_recorded_nor_relayed() {
    let phone_port = common::free_port();
    let phone_uri = format!("sip:resident@127.0.0.1:{phone_port}");
    let mut svc = Service::start_with_phones("challenge_digit = 5\n", &[&phone_uri]);
    let phone = raw_phone(phone_port);

    let caller = RawCaller::call(svc.addr, "inject-1");
    let (ip, port) = sdp_media(&caller.answer);
    let caller_leg = SocketAddr::new(ip, port);
    let media = CallerMedia::start(&caller.rtp, caller_leg, Some((Duration::from_secs(7), 5)));
    svc.wait_call("inject-1", |c| !c["bridged_at"].is_null());
    std::thread::sleep(Duration::from_secs(1));

    // The attacker: the loudest audio, twice the caller's packet rate,
    // from another port of the same host.
    let attacker = UdpSocket::bind("127.0.0.1:0").expect("bind");
    for i in 0..300u16 {
        let packet = rtp(
            0,
            i == 0,
            40_000u16.wrapping_add(i),
            u32::from(i) * 160,
            0xbad,
            &[LOUD_BYTE; 160],
        );
        attacker.send_to(&packet, caller_leg).expect("spray");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(500));
    media.stop();
    caller.hang_up();
    let heard = phone.join().expect("phone thread");
    let call = svc.wait_call("inject-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "answered", "{call}");

    // The phone heard the caller, and never the attacker.
    let caller_packets = heard
        .iter()
        .filter(|p| p.iter().filter(|&&b| b == CALLER_BYTE).count() > 100)
        .count();
    assert!(
        caller_packets > 50,
        "the caller reached the phone ({caller_packets} packets)"
    );
    let loud_packets = heard
        .iter()
        .filter(|p| p.iter().filter(|&&b| b == LOUD_BYTE).count() > 80)
        .count();
    assert_eq!(loud_packets, 0, "sprayed audio relayed to the phone");

    // The recording's caller channel (left) holds the caller, not the spray.
    let rec = svc
        .data_dir()
        .join(call["recording"].as_str().expect("recording"));
    let mut reader = hound::WavReader::open(&rec).expect("valid WAV");
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let caller_samples = left.iter().filter(|&&s| (700..1100).contains(&s)).count();
    assert!(
        caller_samples > 8000,
        "the caller is recorded ({caller_samples} samples)"
    );
    let loud = left.iter().filter(|&&s| s > 30_000).count();
    assert_eq!(loud, 0, "sprayed audio in the recording");
    let log = svc.log();
    assert!(
        log.contains("RTP from other sources than the caller's was dropped"),
        "{log}"
    );
    assert_eq!(svc.stop(), Some(0));
}
