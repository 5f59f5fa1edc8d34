//! A call's evidence bundle: one zip with the recording (`recording.wav`,
//! when there is one), the call record (`call.json`), its tags with times
//! and evidence (`tags.json`), a short human-readable `summary.html` (with
//! why the risk is what it is), and
//! `SHA256SUMS` over all of them (`sha256sum -c` checks it).
//!
//! Does not own: who may download it, auditing it or holding the call
//! (`api`).

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

use super::calls::Call;
use super::error::ConsoleError;
use super::sessions::hex;

/// The zip's bytes. `wav` is the recording's path, if it has one.
pub fn bundle(call: &Call, wav: Option<&Path>, made_at: &str) -> Result<Vec<u8>, ConsoleError> {
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    if let Some(path) = wav {
        files.push(("recording.wav", std::fs::read(path)?));
    }
    files.push((
        "call.json",
        serde_json::to_vec_pretty(call).unwrap_or_default(),
    ));
    files.push((
        "tags.json",
        serde_json::to_vec_pretty(&call.tag_details).unwrap_or_default(),
    ));
    files.push((
        "summary.html",
        summary(call, wav.is_some(), made_at).into_bytes(),
    ));
    let sums: String = files
        .iter()
        .map(|(name, data)| format!("{}  {name}\n", hex(&Sha256::digest(data))))
        .collect();
    files.push(("SHA256SUMS", sums.into_bytes()));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in &files {
        zip.start_file(*name, options)?;
        zip.write_all(data)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The bundle's summary page (every value escaped by maud).
fn summary(call: &Call, has_wav: bool, made_at: &str) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    maud::html! {
        (maud::DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Call " (call.id) " evidence" } }
            body {
                h1 { "Call " (call.id) " on line " (call.line) }
                p { "Bundle made " (made_at) ". Check the files with " code { "sha256sum -c SHA256SUMS" } "." }
                table {
                    tr { th { "Caller" } td { (call.caller) } }
                    tr { th { "Caller's display name" } td { (opt(&call.caller_name)) } }
                    tr { th { "Called" } td { (call.called) } }
                    tr { th { "Started" } td { (call.started_at) } }
                    tr { th { "Ended" } td { (opt(&call.ended_at)) } }
                    tr { th { "Policy decision" } td { (opt(&call.policy)) } }
                    tr { th { "Challenge outcome" } td { (opt(&call.outcome)) } }
                    tr { th { "Bridge" } td { (opt(&call.bridge)) } }
                    tr { th { "Hung up by" } td { (opt(&call.hangup_by)) } }
                    tr { th { "Risk" } td { (opt(&call.risk)) } }
                    tr { th { "Recording" } td { (if has_wav { "recording.wav" } else { "none" }) } }
                }
                h2 { "Why this risk" }
                (super::reasons::list("reasons", &call.reasons, call.risk.as_deref()))
                h2 { "Tags" }
                ul {
                    @for t in &call.tag_details {
                        li { (t.tag) " at " (format!("{:.1}", t.at_ms as f64 / 1000.0)) " s: " (t.evidence) " (" (t.confidence) "%)" }
                    }
                    @if call.tag_details.is_empty() && !call.tags.is_empty() {
                        li { (call.tags.join(", ")) }
                    }
                }
            }
        }
    }
    .into_string()
}
