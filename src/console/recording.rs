//! Serving a call's recording: the WAV file with HTTP Range support (one
//! byte range: 206 and Content-Range; none: 200; unsatisfiable: 416), and
//! the waveform's peaks, computed from the WAV for the call page.
//!
//! Does not own: who may fetch it (`api`) or where recordings are written
//! (`crate::serve::recording`).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A byte range asked for, resolved against the file's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// No (usable) Range header: the whole file.
    Whole,
    /// Bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// A range that starts past the end.
    Unsatisfiable,
}

/// Resolves a `Range` header value against a file of `len` bytes. Only a
/// single `bytes=` range is honoured; anything else serves the whole file
/// (as RFC 9110 allows).
pub fn wanted(range: Option<&str>, len: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Wanted::Whole;
    };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Wanted::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(start), Ok(end)) if end >= start => (start, end.min(len.saturating_sub(1))),
        (Ok(start), Err(_)) if b.is_empty() => (start, len.saturating_sub(1)),
        (Err(_), Ok(suffix)) if a.is_empty() && suffix > 0 => {
            (len.saturating_sub(suffix), len.saturating_sub(1))
        }
        _ => return Wanted::Whole,
    };
    if start >= len {
        return Wanted::Unsatisfiable;
    }
    Wanted::Part { start, end }
}

/// Whether this request starts playing or downloading (not a later range
/// of the same playback), so it is audited once.
pub fn is_first_fetch(headers: &HeaderMap) -> bool {
    match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(r) => r.trim().starts_with("bytes=0-"),
    }
}

/// The response for `path` (a WAV) and the request's headers.
pub fn respond(path: &Path, headers: &HeaderMap) -> std::io::Result<Response> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let mut response = match wanted(range, len) {
        Wanted::Whole => {
            let mut body = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
            file.read_to_end(&mut body)?;
            (StatusCode::OK, body).into_response()
        }
        Wanted::Part { start, end } => {
            file.seek(SeekFrom::Start(start))?;
            let mut body = Vec::new();
            file.take(end - start + 1).read_to_end(&mut body)?;
            let mut r = (StatusCode::PARTIAL_CONTENT, body).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r
        }
        Wanted::Unsatisfiable => {
            let mut r = (StatusCode::RANGE_NOT_SATISFIABLE, Body::empty()).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r
        }
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// The WAV's length in milliseconds and `buckets` peak levels (0.0-1.0,
/// all channels), or `None` if it cannot be read as a WAV.
pub fn peaks(path: &Path, buckets: usize) -> Option<(u64, Vec<f32>)> {
    let mut reader = hound::WavReader::open(path).ok()?;
    let spec = reader.spec();
    let channels = u64::from(spec.channels.max(1));
    let frames = u64::from(reader.duration());
    let duration_ms = frames * 1000 / u64::from(spec.sample_rate.max(1));
    if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 || buckets == 0
    {
        return Some((duration_ms, Vec::new()));
    }
    let per_bucket = (frames * channels).div_ceil(buckets as u64).max(1);
    let mut out = Vec::with_capacity(buckets);
    let mut peak = 0u16;
    let mut n = 0u64;
    for sample in reader.samples::<i16>() {
        let s = sample.ok()?;
        peak = peak.max(s.unsigned_abs());
        n += 1;
        if n == per_bucket {
            out.push(f32::from(peak) / 32768.0);
            peak = 0;
            n = 0;
        }
    }
    if n > 0 {
        out.push(f32::from(peak) / 32768.0);
    }
    Some((duration_ms, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(wanted(None, 100), Wanted::Whole);
        let parts = [
            ("bytes=0-", 0, 99),
            ("bytes=10-19", 10, 19),
            ("bytes=90-500", 90, 99),
            ("bytes=-10", 90, 99),
        ];
        for (range, start, end) in parts {
            assert_eq!(
                wanted(Some(range), 100),
                Wanted::Part { start, end },
                "{range}"
            );
        }
        assert_eq!(wanted(Some("bytes=100-"), 100), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=5-1"), 100), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=0-1,5-6"), 100), Wanted::Whole);
        assert_eq!(wanted(Some("items=0-1"), 100), Wanted::Whole);
    }

    #[test]
    fn peaks_follow_the_audio() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).expect("create");
        for i in 0..16000 {
            // Quiet first second, loud second.
            w.write_sample(if i < 8000 { 100i16 } else { 16000 })
                .expect("write");
        }
        w.finalize().expect("finalize");
        let (ms, p) = peaks(&path, 4).expect("peaks");
        assert_eq!(ms, 2000);
        assert_eq!(p.len(), 4);
        assert!(p[0] < 0.01 && p[3] > 0.4, "{p:?}");
    }
}
