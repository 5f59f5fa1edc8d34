//! A real capture: tshark on the loopback interface (pcapng, Ethernet link
//! type, nanosecond timestamps) while SIPp's `uac_pass.xml` called SIPp's
//! built-in UAS. The UAS answers PCMU and sends no RTP; the caller sends
//! PCMA (g711a.pcap, 30 ms packets, one silence gap) and '5' as RFC 4733 on
//! another SSRC, then hangs up. Only the capture's section and interface
//! options were stripped (they named the capturing machine).

use super::*;

const CAPTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/sipp-uac-pass.pcapng"
);

#[test]
fn sipp_call_captured_with_tshark() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("sipp");
    let summary = import(Path::new(CAPTURE), &out).expect("import");
    println!("{summary}");

    assert_eq!(summary.caller, "5550100");
    assert_eq!(summary.called, "service");
    assert_eq!(summary.codecs, [Codec::Pcma]);
    assert_eq!(summary.hung_up_by, Some(Party::Caller));
    // BYE 10.0216 s after the 200 OK.
    assert_eq!(summary.duration_ms, 10_021);
    // 234 PCMA packets and 10 telephone-event packets, all from the caller.
    assert_eq!((summary.caller_packets, summary.resident_packets), (244, 0));
    assert_eq!(
        summary.digits,
        [ImportedDigit {
            at_ms: 7014,
            digit: '5',
            by: Party::Caller
        }]
    );
    assert_eq!(
        summary.warnings,
        ["no RTP from the resident: resident.wav is silence"]
    );

    let fixture = crate::research::fixture::Fixture::load(&out).expect("load");
    assert_eq!(fixture.caller.len(), 80_172);
    let resident = fixture.resident.expect("resident.wav");
    assert_eq!(resident.len(), fixture.caller.len());
    assert!(resident.iter().all(|&s| s == 0));
    // Speech-like audio in the first 7 s, nothing after the caller's
    // stream stopped.
    let caller = &fixture.caller;
    assert!(
        rms(span(caller, 600, 7000)) > 300.0,
        "rms {}",
        rms(span(caller, 600, 7000))
    );
    assert_eq!(rms(span(caller, 7100, 10_000)), 0.0);
}
