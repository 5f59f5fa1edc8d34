use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, UNIX_EPOCH};

use super::format::{wav_spec, FLUSH_EVERY_FRAMES};
use super::writer::{Opening, Sink};
use super::*;

const FRAME: usize = 160;

/// Caller audio for the 20 ms frame `k`: a ramp 0, 1, 2, ... across frames.
fn caller_frame(k: usize) -> Vec<i16> {
    (0..FRAME).map(|i| (k * FRAME + i) as i16).collect()
}

/// Sent audio for frame `k`: the negated ramp, minus one.
fn sent_frame(k: usize) -> Vec<i16> {
    (0..FRAME).map(|i| -((k * FRAME + i) as i16) - 1).collect()
}

/// Reads a WAV back: its spec and (left, right) samples.
fn read_back(path: &Path) -> (hound::WavSpec, Vec<i16>, Vec<i16>) {
    let mut reader = hound::WavReader::open(path).expect("valid WAV");
    let spec = reader.spec();
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .collect::<Result<_, _>>()
        .expect("samples read");
    let left = samples.iter().step_by(2).copied().collect();
    let right = samples.iter().skip(1).step_by(2).copied().collect();
    (spec, left, right)
}

fn assert_ramps(left: &[i16], right: &[i16]) {
    assert_eq!(left.len(), right.len());
    for (n, (l, r)) in left.iter().zip(right).enumerate() {
        assert_eq!(*l, n as i16, "left sample {n}");
        assert_eq!(*r, -(n as i16) - 1, "right sample {n}");
    }
}

/// Waits up to `limit` for `path` to read back as a WAV of `frames` frames.
fn wait_for_frames(path: &Path, frames: u32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if hound::WavReader::open(path).is_ok_and(|r| r.duration() >= frames) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn channels_carry_exactly_what_was_pushed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("a/b/call.wav");
    let recording = Recording::start(&path, None).expect("starts");
    recording.push(&[1, 2, 3], &[-1, -2, -3]);
    recording.push(&[4, 5, 6, 7], &[-4]); // sent is shorter: padded
    recording.push(&[8], &[-8, -9]); // caller is shorter: padded
    recording.push(&[], &[]); // nothing
    let summary = finish(recording).expect("finishes");
    assert_eq!(summary.path, path);
    assert_eq!(summary.frames, 9);
    assert_eq!(summary.duration, Duration::from_micros(9 * 125));
    assert_eq!(summary.dropped_pushes, 0);

    let (spec, left, right) = read_back(&path);
    assert_eq!(spec, wav_spec());
    assert_eq!(spec.channels, 2);
    assert_eq!(spec.sample_rate, 8000);
    assert_eq!(spec.bits_per_sample, 16);
    assert_eq!(left, [1, 2, 3, 4, 5, 6, 7, 8, 0]);
    assert_eq!(right, [-1, -2, -3, -4, 0, 0, 0, -8, -9]);
}

#[test]
fn finish_reports_frames_and_duration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("call.wav");
    let recording = Recording::start(&path, None).expect("starts");
    for k in 0..100 {
        recording.push(&caller_frame(k), &sent_frame(k));
    }
    let summary = finish(recording).expect("finishes");
    assert_eq!(summary.frames, 16_000);
    assert_eq!(summary.duration, Duration::from_secs(2));
    let (_, left, right) = read_back(&path);
    assert_eq!(left.len(), 16_000);
    assert_ramps(&left, &right);
}

#[test]
fn drop_without_finish_finalizes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("dropped.wav");
    let recording = Recording::start(&path, None).expect("starts");
    for k in 0..125 {
        recording.push(&caller_frame(k), &sent_frame(k));
    }
    drop(recording);
    assert!(
        wait_for_frames(&path, 20_000, Duration::from_secs(10)),
        "file was not finalized with all 2.5 s"
    );
    let (spec, left, right) = read_back(&path);
    assert_eq!(spec, wav_spec());
    assert_eq!(left.len(), 20_000);
    assert_ramps(&left, &right);
}

#[test]
fn header_is_flushed_every_second_so_a_lost_writer_leaves_a_valid_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("forgotten.wav");
    let mut sink = Sink::create(Opening {
        path: path.clone(),
        room: None,
        disk_full: Default::default(),
        dropped: Default::default(),
    })
    .expect("creates");
    let mut interleaved = Vec::new();
    for k in 0..60 {
        // 1.2 s of audio.
        interleaved.clear();
        for (c, s) in caller_frame(k).into_iter().zip(sent_frame(k)) {
            interleaved.extend([c, s]);
        }
        sink.write(&interleaved).expect("writes");
    }
    // As if the process died now: no finalize, buffered bytes lost.
    std::mem::forget(sink);
    let (spec, left, right) = read_back(&path);
    assert_eq!(spec, wav_spec());
    assert!(
        left.len() >= FLUSH_EVERY_FRAMES as usize,
        "{} frames",
        left.len()
    );
    assert_ramps(&left, &right);
}

#[test]
fn forgotten_recording_keeps_audio_up_to_the_last_flush() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("leaked.wav");
    let recording = Recording::start(&path, None).expect("starts");
    for k in 0..60 {
        recording.push(&caller_frame(k), &sent_frame(k));
    }
    // Leak it: the channel never closes, so nothing is ever finalized.
    std::mem::forget(recording);
    assert!(wait_for_frames(&path, 8000, Duration::from_secs(10)));
    let (_, left, right) = read_back(&path);
    assert_ramps(&left, &right);
}

const CRASH_ENV: &str = "LINEWARDEN_TEST_CRASH_WAV";
const READY: &str = "CRASH-CHILD-READY";

/// Run only as the child process of
/// `sigkill_mid_call_leaves_a_valid_wav`: records 1.5 s, reports ready once
/// the first second is flushed, then waits to be killed.
#[test]
#[ignore = "child process of sigkill_mid_call_leaves_a_valid_wav"]
fn crash_child() {
    let Some(path) = std::env::var_os(CRASH_ENV) else {
        return;
    };
    let path = PathBuf::from(path);
    let recording = Recording::start(&path, None).expect("starts");
    for k in 0..75 {
        recording.push(&caller_frame(k), &sent_frame(k));
    }
    assert!(wait_for_frames(&path, 8000, Duration::from_secs(10)));
    println!("{READY}");
    std::thread::sleep(Duration::from_secs(60));
    drop(recording);
}

#[test]
fn sigkill_mid_call_leaves_a_valid_wav() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("killed.wav");
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args([
            "serve::recording::tests::crash_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_ENV, &path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts");
    let stdout = child.stdout.take().expect("child stdout");
    let ready = BufReader::new(stdout)
        .lines()
        .any(|line| line.is_ok_and(|line| line.contains(READY)));
    child.kill().expect("SIGKILL");
    child.wait().expect("child reaped");
    assert!(ready, "child did not get ready");

    let (spec, left, right) = read_back(&path);
    assert_eq!(spec, wav_spec());
    assert!(left.len() >= 8000, "only {} frames survived", left.len());
    assert!(left.len() <= 12_000);
    assert_ramps(&left, &right);
}

/// A file that cannot be created is found at the finish, not at the
/// start (the start never waits on the disk), and says there is no file.
#[test]
fn an_unusable_path_is_reported_at_the_finish_with_no_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let rec = Recording::start(&file.join("sub/call.wav"), None).expect("queued");
    rec.push(&caller_frame(0), &sent_frame(0));
    let err = finish(rec).expect_err("fails");
    assert!(matches!(err, RecordingError::CreateDir { .. }), "{err}");
    assert!(err.left_no_file());
    let rec = Recording::start(dir.path(), None).expect("queued");
    rec.push(&caller_frame(0), &sent_frame(0));
    let err = finish(rec).expect_err("a directory is not a file");
    assert!(matches!(err, RecordingError::NotCreated { .. }), "{err}");
    assert!(err.left_no_file());
    // The directory and the file that were there are untouched.
    assert_eq!(std::fs::read(&file).expect("read"), b"x");
}

#[test]
fn relative_paths_are_dated_and_safe() {
    let started = UNIX_EPOCH + Duration::from_millis(1_714_564_803_250);
    assert_eq!(
        relative_path("flat-1a", started, "a84b4c76e66710@pc33.example.com#7"),
        Path::new(
            "recordings/flat-1a/2024-05-01/120003.250Z_a84b4c76e66710_pc33.example.com_7.wav"
        )
    );
    let hostile = relative_path("..", started, "../../etc/passwd");
    assert_eq!(
        hostile,
        Path::new("recordings/_./2024-05-01/120003.250Z__._.._etc_passwd.wav")
    );
    assert!(hostile
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_))));
    let long = relative_path("", started, &"x".repeat(500));
    let name = long.file_name().and_then(|n| n.to_str()).expect("name");
    assert!(name.len() < 100, "{name}");
    assert!(long.starts_with("recordings/_/"));
}

#[test]
fn no_recording_starts_without_room_above_the_reserve() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("call.wav");
    let full = crate::serve::disk::DiskRoom::new(dir.path(), u64::MAX);
    let err = Recording::start(&path, Some(full)).err().expect("refused");
    assert!(matches!(err, RecordingError::DiskFull), "{err}");
    assert_eq!(err.to_string().split(':').next(), Some("not recorded"));
    assert!(!path.exists());
    let roomy = crate::serve::disk::DiskRoom::new(dir.path(), 0);
    let rec = Recording::start(&path, Some(roomy)).expect("starts");
    rec.push(&[1; 160], &[2; 160]);
    let summary = finish(rec).expect("finishes");
    assert!(!summary.disk_full);
    assert_eq!(summary.frames, 160);
}

/// Finishes `rec` as a call task does, on a runtime of its own.
fn finish(rec: Recording) -> Result<RecordingSummary, RecordingError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(rec.finished())
}
