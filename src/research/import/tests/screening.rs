//! Reading the screening from linewarden's prompts in the answering side's
//! audio: the digit, the outcome, and where the resident starts.

use ivr::Prompt;

use super::*;
use crate::prompts::Prompts;
use crate::research::fixture::ExpectOutcome;

/// The answering side's audio: `parts` (silence in ms, or a prompt) one
/// after the other, through a G.711 channel.
fn side(codec: Codec, parts: &[Part]) -> Vec<i16> {
    let prompts = Prompts::load().expect("prompts");
    let mut pcm = Vec::new();
    for part in parts {
        match part {
            Part::Quiet(ms) => pcm.extend(std::iter::repeat_n(0i16, ms * 8)),
            Part::Say(prompt) => pcm.extend(prompts.audio(*prompt).iter()),
            Part::Tone(ms) => pcm.extend(build::tone(600.0, 5000.0, 0, ms * 8)),
        }
    }
    let mut bytes = Vec::new();
    codec.encode(&pcm, &mut bytes);
    let mut out = Vec::new();
    codec.decode(&bytes, &mut out);
    out
}

enum Part {
    Quiet(usize),
    Say(Prompt),
    Tone(usize),
}

fn key(at_ms: u64, digit: char) -> ImportedDigit {
    ImportedDigit {
        at_ms,
        digit,
        by: Party::Caller,
    }
}

fn read(track: &[i16], keys: &[ImportedDigit], caller_hung_up: bool) -> Option<Screening> {
    let prompts = Prompts::load().expect("prompts");
    crate::research::import::screening::read(track, &prompts, keys, caller_hung_up)
}

/// Where the prompts in `parts` before index `n` end, in samples.
fn end_of(parts: &[Part], n: usize) -> usize {
    let prompts = Prompts::load().expect("prompts");
    parts[..n]
        .iter()
        .map(|p| match p {
            Part::Quiet(ms) | Part::Tone(ms) => ms * 8,
            Part::Say(prompt) => prompts.audio(*prompt).len(),
        })
        .sum()
}

#[test]
fn a_passed_call_gives_its_digit_and_where_the_resident_starts() {
    for (codec, digit) in [(Codec::Pcma, 7), (Codec::Pcmu, 0)] {
        let parts = [
            Part::Say(Prompt::Notice),
            Part::Say(Prompt::Challenge { digit }),
            Part::Quiet(900),
            Part::Say(Prompt::Connecting),
            Part::Tone(2000),
        ];
        let track = side(codec, &parts);
        let keyed = (end_of(&parts, 2) / 8 + 500) as u64;
        let found = read(&track, &[key(keyed, char::from(b'0' + digit))], true).expect("found");
        assert_eq!(found.digit, digit);
        assert_eq!(found.outcome, Some(ExpectOutcome::Passed));
        assert_eq!(found.connected_at, Some(end_of(&parts, 4)));
    }
}

#[test]
fn goodbye_after_a_key_is_failed_and_after_silence_a_timeout() {
    let wrong_twice = [
        Part::Say(Prompt::Notice),
        Part::Say(Prompt::Challenge { digit: 3 }),
        Part::Quiet(500),
        Part::Say(Prompt::WrongKey),
        Part::Say(Prompt::Challenge { digit: 3 }),
        Part::Quiet(500),
        Part::Say(Prompt::Goodbye),
    ];
    let track = side(Codec::Pcmu, &wrong_twice);
    let keys = [
        key((end_of(&wrong_twice, 2) / 8 + 200) as u64, '1'),
        key((end_of(&wrong_twice, 5) / 8 + 200) as u64, '2'),
    ];
    let found = read(&track, &keys, false).expect("found");
    assert_eq!(found.digit, 3);
    assert_eq!(found.outcome, Some(ExpectOutcome::Failed));
    assert_eq!(found.connected_at, None);

    // A wrong key first, then nothing after the second challenge.
    let found = read(&track, &keys[..1], false).expect("found");
    assert_eq!(found.outcome, Some(ExpectOutcome::Timeout));
}

#[test]
fn no_ending_is_abandoned_when_the_caller_hung_up_and_unknown_otherwise() {
    let parts = [
        Part::Say(Prompt::Notice),
        Part::Say(Prompt::Challenge { digit: 9 }),
        Part::Quiet(2000),
    ];
    let track = side(Codec::Pcma, &parts);
    let found = read(&track, &[], true).expect("found");
    assert_eq!(
        (found.digit, found.outcome),
        (9, Some(ExpectOutcome::Abandoned))
    );
    assert_eq!(read(&track, &[], false).expect("found").outcome, None);
}

#[test]
fn audio_without_linewarden_prompts_says_nothing() {
    let track = side(Codec::Pcmu, &[Part::Tone(5000), Part::Quiet(1000)]);
    assert_eq!(read(&track, &[key(2000, '5')], true), None);
    // The notice alone (the caller hung up before the challenge).
    let track = side(Codec::Pcmu, &[Part::Say(Prompt::Notice)]);
    assert_eq!(read(&track, &[], true), None);
}

/// A captured call to linewarden: the answering side sends the notice, the
/// challenge for 5, "connecting you", then the resident's 1000 Hz tone;
/// the caller presses 5 at 6500 ms and hangs up.
#[test]
fn an_imported_call_to_linewarden_keeps_its_digit_outcome_and_resident() {
    let parts = [
        Part::Say(Prompt::Notice),
        Part::Say(Prompt::Challenge { digit: 5 }),
    ];
    let prompts_end = end_of(&parts, 2);
    assert!(prompts_end < 6500 * 8, "the challenge ends before the key");
    let mut service = side(Codec::Pcmu, &parts);
    service.resize(6600 * 8, 0);
    let connecting = side(Codec::Pcmu, &[Part::Say(Prompt::Connecting)]);
    let connected_at = service.len() + connecting.len();
    service.extend(&connecting);
    service.resize(10_000 * 8, 0);
    let resident_tone = build::tone(1000.0, 4000.0, 0, 8000);
    service[connected_at..connected_at + 8000].copy_from_slice(&resident_tone);

    let tmp = tempfile::tempdir().expect("tempdir");
    let capture = write_capture(
        tmp.path(),
        "screened.pcap",
        &pcap(&with_service_audio(&call(&CallSpec::default()), &service)),
    );
    let out = tmp.path().join("fixture");
    let summary = import(&capture, &out).expect("import");
    let screening = summary.screening.expect("linewarden answered");
    assert_eq!(screening.digit, 5);
    assert_eq!(screening.outcome, Some(ExpectOutcome::Passed));
    assert_eq!(screening.connected_at, Some(connected_at));
    assert!(summary
        .to_string()
        .contains("challenge digit 5, outcome passed"));

    let fixture = crate::research::fixture::Fixture::load(&out).expect("load");
    assert_eq!(fixture.meta.challenge_digit, Some(5));
    let expect = fixture.meta.expect.expect("[expect]");
    assert_eq!(expect.outcome, Some(ExpectOutcome::Passed));
    assert_eq!((expect.tags, expect.risk), (None, None));
    // resident.wav: silence over the prompts, the resident after.
    let resident = fixture.resident.expect("resident.wav");
    assert!(resident[..connected_at].iter().all(|&s| s == 0));
    assert!(rms(&resident[connected_at..connected_at + 8000]) > 2000.0);

    // The digit given on the command line wins.
    let options = ImportOptions {
        call_id: None,
        challenge_digit: Some(4),
    };
    let summary = import_with(&capture, &tmp.path().join("given"), &options).expect("import");
    assert_eq!(summary.challenge_digit, Some(4));
}
