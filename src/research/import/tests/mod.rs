//! Tests for `fixture import`: captures built here (`build.rs`; a real
//! capture needs privileges, `real.rs` has one made with tshark), then
//! imported, checked file by file and loaded as a fixture.

use std::path::Path;
use std::time::Duration;

use sip::media::g711::Codec;

use super::*;
use build::*;

mod build;
mod errors;
mod real;
mod screening;

fn read_wav(path: &Path) -> (hound::WavSpec, Vec<i16>) {
    let mut r = hound::WavReader::open(path).expect("wav");
    let spec = r.spec();
    let samples = r.samples::<i16>().map(|s| s.expect("sample")).collect();
    (spec, samples)
}

fn rms(s: &[i16]) -> f64 {
    let sum: f64 = s.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    (sum / s.len().max(1) as f64).sqrt()
}

/// Zero crossings per second: twice the frequency of a pure tone.
fn crossings_per_second(s: &[i16]) -> f64 {
    let n = s.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    n as f64 * 8000.0 / s.len() as f64
}

/// Samples from `from_ms` to `to_ms`.
fn span(s: &[i16], from_ms: usize, to_ms: usize) -> &[i16] {
    &s[from_ms * 8..to_ms * 8]
}

fn write_capture(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write capture");
    path
}

#[test]
fn imports_a_whole_call_from_pcap() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let capture = write_capture(tmp.path(), "call.pcap", &pcap(&call(&CallSpec::default())));
    let out = tmp.path().join("fixture");
    let summary = import(&capture, &out).expect("import");

    assert_eq!(summary.caller, "+441632960001");
    assert_eq!(summary.called, "5550000");
    assert_eq!(summary.call_id, CALL_ID);
    assert_eq!(summary.codecs, [Codec::Pcmu]);
    assert_eq!(summary.hung_up_by, Some(Party::Caller));
    assert_eq!(summary.duration_ms, 10_200);
    assert_eq!(
        summary.digits,
        [
            ImportedDigit {
                at_ms: 6500,
                digit: '5',
                by: Party::Caller
            },
            ImportedDigit {
                at_ms: 8000,
                digit: '1',
                by: Party::Resident
            },
        ]
    );
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);

    let (spec, caller) = read_wav(&out.join("caller.wav"));
    let (rspec, resident) = read_wav(&out.join("resident.wav"));
    for s in [spec, rspec] {
        assert_eq!(
            (s.channels, s.sample_rate, s.bits_per_sample),
            (1, 8000, 16)
        );
    }
    assert_eq!(caller.len(), 10_200 * 8);
    assert_eq!(resident.len(), 10_200 * 8);
    // The caller's 440 Hz tone (peak 8000), a lost second of silence, the
    // tone again; nothing after the caller stopped talking.
    let talk = span(&caller, 0, 2000);
    assert!(
        (rms(talk) - 8000.0 / 2f64.sqrt()).abs() < 300.0,
        "rms {}",
        rms(talk)
    );
    assert!((crossings_per_second(talk) - 880.0).abs() < 10.0);
    assert_eq!(rms(span(&caller, 2000, 3000)), 0.0);
    assert!(rms(span(&caller, 3000, 6500)) > 5000.0);
    assert_eq!(rms(span(&caller, 6500, 6600)), 0.0, "no audio while keying");
    assert_eq!(rms(span(&caller, 10_000, 10_200)), 0.0);
    // The service's 1000 Hz at 4000; its early media is not in the file
    // (it would overwrite nothing: it lies before t = 0).
    let all = span(&resident, 0, 10_000);
    assert!(
        (rms(all) - 4000.0 / 2f64.sqrt()).abs() < 200.0,
        "rms {}",
        rms(all)
    );
    assert!((crossings_per_second(all) - 2000.0).abs() < 10.0);

    let text = std::fs::read_to_string(out.join("call.toml")).expect("call.toml");
    let meta: toml::Table = toml::from_str(&text).expect("toml");
    assert_eq!(meta["caller"].as_str(), Some("+441632960001"));
    assert_eq!(meta["called"].as_str(), Some("5550000"));
    let dtmf = meta["dtmf"].as_array().expect("dtmf");
    assert_eq!(dtmf[0]["at_ms"].as_integer(), Some(6500));
    assert_eq!(dtmf[0]["digit"].as_str(), Some("5"));
    assert_eq!(dtmf[0]["by"].as_str(), Some("caller"));
    assert_eq!(dtmf[1]["by"].as_str(), Some("resident"));
    let notes = meta["notes"].as_str().expect("notes");
    assert!(
        notes.contains("call.pcap") && notes.contains("caller hung up"),
        "{notes}"
    );

    // The fixture loader reads back what was found.
    let fixture = crate::research::fixture::Fixture::load(&out).expect("load the imported fixture");
    assert_eq!(fixture.meta.caller, "+441632960001");
    assert_eq!(fixture.meta.called, "5550000");
    assert_eq!(fixture.meta.dtmf.len(), 2);
    assert_eq!(fixture.meta.dtmf[0].at_ms, 6500);
    assert_eq!(fixture.meta.dtmf[0].digit, '5');
    assert_eq!(fixture.meta.dtmf[0].by, Party::Caller);
    assert_eq!(fixture.meta.dtmf[1].by, Party::Resident);
    assert_eq!(fixture.caller, caller);
    assert_eq!(fixture.resident.as_deref(), Some(resident.as_slice()));
    assert_eq!(fixture.caller_ms(), 10_200);

    // Importing again into the same place is refused, naming the directory.
    let err = import(&capture, &out).unwrap_err().to_string();
    assert!(
        err.contains("fixture") && err.contains("not empty"),
        "{err}"
    );
}

#[test]
fn pcapng_with_cooked_framing_and_both_timestamp_units() {
    for nanos in [true, false] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let spec = CallSpec {
            talk_ms: 7000,
            ..CallSpec::default()
        };
        let capture = write_capture(tmp.path(), "c.pcapng", &pcapng_sll2(&call(&spec), nanos));
        let summary = import(&capture, &tmp.path().join("f")).expect("import");
        assert_eq!(summary.duration_ms, 7200, "nanos {nanos}");
        assert_eq!(summary.digits.len(), 1);
        assert_eq!(summary.digits[0].at_ms, 6500);
        // 350 frames less 50 lost and 5 while keying, plus 7 event packets;
        // the service: 350 frames and 2 early-media packets.
        assert_eq!(
            (summary.caller_packets, summary.resident_packets),
            (302, 352)
        );
    }
}

#[test]
fn caller_behind_nat_is_found_by_destination() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let spec = CallSpec {
        caller_source: Some(v4([198, 51, 100, 7], 61000)),
        gap: false,
        talk_ms: 7000,
    };
    let capture = write_capture(tmp.path(), "nat.pcap", &pcap(&call(&spec)));
    let out = tmp.path().join("f");
    let summary = import(&capture, &out).expect("import");
    assert_eq!(summary.digits[0].by, Party::Caller);
    let (_, caller) = read_wav(&out.join("caller.wav"));
    let (_, resident) = read_wav(&out.join("resident.wav"));
    assert!(rms(span(&caller, 0, 6000)) > 5000.0);
    assert!((crossings_per_second(span(&resident, 0, 6000)) - 2000.0).abs() < 10.0);
}

#[test]
fn picks_the_first_answered_call_or_the_one_asked_for() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut packets = call(&CallSpec {
        talk_ms: 7000,
        ..CallSpec::default()
    });
    // A busy call before; our own first attempt challenged for credentials
    // (same Call-ID and From tag, CSeq 0); another call after ours.
    packets.extend(other_call("busy-1@192.0.2.10", 1, -3.0, "486 Busy Here"));
    packets.extend(other_call(
        CALL_ID,
        0,
        -1.0,
        "407 Proxy Authentication Required",
    ));
    packets.extend(other_call("later-2@192.0.2.10", 1, 9.0, "200 OK"));
    packets.sort_by_key(|p| p.time);
    let capture = write_capture(tmp.path(), "many.pcap", &pcap(&packets));

    let summary = import(&capture, &tmp.path().join("first")).expect("import");
    assert_eq!(summary.call_id, CALL_ID);
    assert_eq!(summary.digits.len(), 1);
    assert_eq!(summary.digits[0].at_ms, 6500);
    assert_eq!(
        summary.warnings,
        ["the capture has 2 other calls, not imported: Call-ID busy-1@192.0.2.10, later-2@192.0.2.10"]
    );

    // Asking for the later call finds it (its 200 has no SDP here).
    let err = import_call(
        &capture,
        &tmp.path().join("later"),
        Some("later-2@192.0.2.10"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no SDP for the answering side (Call-ID later-2@192.0.2.10)"),
        "{err}"
    );
    let err = import_call(
        &capture,
        &tmp.path().join("busy"),
        Some("busy-1@192.0.2.10"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("never answered with 200 OK (final response: 486 Busy Here)"),
        "{err}"
    );
    let err = import_call(&capture, &tmp.path().join("none"), Some("nope"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no SIP INVITE found (SIP over UDP only) with Call-ID nope; the capture has busy-1@192.0.2.10, imp0rt-test@192.0.2.10, later-2@192.0.2.10"), "{err}");
}
