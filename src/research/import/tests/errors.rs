//! Captures that can't be imported: each error names the file and the
//! problem; mangled captures never panic.

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::DataLink;

use super::*;

fn import_err(name: &str, bytes: &[u8]) -> (String, ImportError) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let capture = write_capture(tmp.path(), name, bytes);
    let err = import(&capture, &tmp.path().join("out")).expect_err("import must fail");
    assert!(
        !tmp.path().join("out").exists(),
        "nothing is written on error"
    );
    let text = err.to_string();
    assert!(text.starts_with(&capture.display().to_string()), "{text}");
    (text, err)
}

fn short_call() -> Vec<Pkt> {
    call(&CallSpec {
        talk_ms: 1000,
        ..CallSpec::default()
    })
}

#[test]
fn cut_off_capture() {
    let bytes = pcap(&short_call());
    let (text, err) = import_err("cut.pcap", &bytes[..bytes.len() - 7]);
    assert!(matches!(err, ImportError::Capture { .. }));
    assert!(text.contains("cut off after"), "{text}");
    let (text, _) = import_err("header.pcap", &bytes[..10]);
    assert!(
        text.contains("not a pcap or pcapng capture: the pcap file header is cut off"),
        "{text}"
    );
}

#[test]
fn not_a_capture() {
    let (text, _) = import_err("notes.txt", b"INVITE sip:1@example.com SIP/2.0\r\n");
    assert!(
        text.contains("not a pcap or pcapng capture: unknown magic number"),
        "{text}"
    );
    let (text, _) = import_err("empty.pcap", b"");
    assert!(text.contains("only 0 bytes"), "{text}");
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("missing.pcap");
    let err = import(&missing, &tmp.path().join("out")).unwrap_err();
    assert!(matches!(err, ImportError::Read { .. }));
    assert!(err.to_string().contains("missing.pcap"));
}

#[test]
fn capture_without_sip() {
    let rtp_only: Vec<Pkt> = short_call()
        .into_iter()
        .filter(|p| p.src.port() != 5062 && p.src.port() != 5060)
        .collect();
    let (text, err) = import_err("rtp.pcap", &pcap(&rtp_only));
    assert!(matches!(err, ImportError::Call { .. }));
    assert!(text.contains("no SIP INVITE found"), "{text}");
    assert!(text.contains("UDP datagrams"), "{text}");
}

#[test]
fn unanswered_call() {
    let mut packets = short_call();
    for p in &mut packets {
        if p.payload.starts_with(b"SIP/2.0 200 OK") && p.time < ANSWER + Duration::from_secs(1) {
            let text = String::from_utf8_lossy(&p.payload).replace("200 OK", "486 Busy Here");
            p.payload = text.into_bytes();
        }
    }
    let (text, _) = import_err("busy.pcap", &pcap(&packets));
    assert!(text.contains("never answered with 200 OK"), "{text}");
    assert!(text.contains("486"), "{text}");
}

#[test]
fn answered_call_without_rtp() {
    let sip_only: Vec<Pkt> = short_call()
        .into_iter()
        .filter(|p| p.src.port() == 5062 || p.src.port() == 5060)
        .collect();
    let (text, err) = import_err("sip.pcap", &pcap(&sip_only));
    assert!(matches!(err, ImportError::NoRtp { .. }));
    assert!(
        text.contains("192.0.2.10:16200") && text.contains("192.0.2.20:20000"),
        "{text}"
    );
}

#[test]
fn unsupported_link_type() {
    let header = PcapHeader {
        datalink: DataLink::IEEE802_11,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).expect("header");
    let data = [0u8; 40];
    w.write_packet(&PcapPacket::new(START, 40, &data))
        .expect("packet");
    let (text, err) = import_err("wifi.pcap", &w.into_writer());
    assert!(matches!(err, ImportError::UnsupportedLinkType { .. }));
    assert!(text.contains("unsupported link type 105"), "{text}");
}

/// Flipped bytes, cuts and garbage anywhere in a capture: an error or a
/// fixture, never a panic.
#[test]
fn mangled_captures_never_panic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let originals = [pcap(&short_call()), pcapng_sll2(&short_call(), true)];
    let mut rng = fastrand::Rng::with_seed(4733);
    let mut imported = 0;
    for i in 0..300 {
        let mut bytes = originals[i % 2].clone();
        match rng.u8(0..3) {
            0 => {
                for _ in 0..rng.usize(1..16) {
                    let at = rng.usize(0..bytes.len());
                    bytes[at] = rng.u8(..);
                }
            }
            1 => bytes.truncate(rng.usize(0..bytes.len())),
            _ => {
                let at = rng.usize(0..bytes.len());
                let junk: Vec<u8> = (0..rng.usize(1..64)).map(|_| rng.u8(..)).collect();
                bytes.splice(at..at, junk);
            }
        }
        let capture = write_capture(tmp.path(), &format!("m{i}.pcap"), &bytes);
        if import(&capture, &tmp.path().join(format!("out{i}"))).is_ok() {
            imported += 1;
        }
    }
    // Most single-byte damage lands in audio and the call still imports.
    assert!(imported > 20, "only {imported} of 300 imported");
}
