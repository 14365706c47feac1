//! Entry points for the fuzz targets in `fuzz/`: each takes raw bytes and drives one of
//! thaw's input readers end to end, as far as a real input would go (parsed, translated,
//! folded into the screen's state). None may panic, whatever the bytes.
//!
//! `tests/fuzz_corpus.rs` runs every committed seed and every past finding through the same
//! functions on stable Rust, so a finding stays fixed without the fuzzer.

use std::sync::OnceLock;

use crate::event::{Event, Stamp};
use crate::record::{import, read};
use crate::sources::logs::{parse, translate::Translator};
use crate::state::State;

/// CloudWatch Logs lines of one or several streams, one per input line. A line
/// `@stream NAME` switches the stream the following lines belong to, as several streams
/// interleave in a Live Tail session.
pub fn log_lines(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut translator = Translator::new();
    let mut out = Vec::new();
    let mut stream = "2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef";
    for (i, line) in text.split('\n').enumerate() {
        if let Some(name) = line.strip_prefix("@stream ") {
            stream = name;
            continue;
        }
        let _ = parse::parse(line);
        let wall_ms = 1_790_000_000_000 + i64::try_from(i).unwrap_or(0) * 250;
        translator.line(stream, wall_ms, line, &mut out);
    }
    translator.flush(&mut out);
    translator.expire(i64::MAX, &mut out);
    let mut state = State::new();
    for (ts, kind) in out {
        let mono_us = u64::try_from(ts.saturating_sub(1_790_000_000_000))
            .unwrap_or(0)
            .saturating_mul(1000);
        state.apply(&Event::new(
            Stamp {
                mono_us,
                wall_us: ts.saturating_mul(1000),
            },
            kind,
        ));
    }
}

/// One HTTP/1.x response off a connection: the head, its framing and the probe headers.
pub fn http_response(data: &[u8]) {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    let runtime =
        RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().ok());
    let Some(runtime) = runtime else { return };
    runtime.block_on(async {
        let mut reader = data;
        let mut buf = Vec::new();
        // A connection carries responses back to back: read until the bytes run out.
        while let Ok(r) = crate::burst::http1::read_response(&mut reader, &mut buf, false).await {
            if !r.reusable || reader.is_empty() {
                break;
            }
        }
    });
}

/// A recording file, replayed into the screen's state as `thaw replay` does.
pub fn recording(data: &[u8]) {
    let Ok(mut rec) = read::from_reader("fuzz.jsonl", std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    let mut state = State::new();
    while let Some(Ok(event)) = rec.next_event() {
        state.apply(&event);
    }
    let _ = rec.notes();
}

/// A config file's text, loaded and validated as `--config FILE` does.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = crate::config::load_text("fuzz.toml", text) {
        let _ = config.emulator.summary();
    }
}

/// A CloudWatch Logs export (`aws logs filter-log-events` JSON, `aws logs tail` text or
/// bare lines), imported into events and replayed into the screen's state.
pub fn logs_export(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(lines) = import::parse_export("fuzz.json", &text, "fuzz-stream") else {
        return;
    };
    let imported = import::to_events(lines);
    let mut state = State::new();
    for event in &imported.events {
        state.apply(event);
    }
}

/// A fuzz target's body: any bytes in, no panic out.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/` and `fuzz/seeds/` name them.
pub const TARGETS: [(&str, Target); 5] = [
    ("log_lines", log_lines),
    ("http_response", http_response),
    ("recording", recording),
    ("config", config),
    ("logs_export", logs_export),
];
