//! CloudWatch Logs exports → a recording, so a past incident can be watched. Reads the
//! JSON `aws logs filter-log-events` prints (one or several pages, each with its
//! `events` and perhaps a `nextToken`), and plain text: `aws logs tail` lines
//! (`TIMESTAMP STREAM MESSAGE`), `--format short` lines (`TIMESTAMP MESSAGE`) or bare
//! lines of one stream. Lines go through the same parser and translator as the live
//! logs source, stamped with their own times.

use std::collections::HashSet;

use crate::event::Event;
use crate::ids::Stamp;
use crate::logs::translate::{Counts, Translator};

/// One log event of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub stream: String,
    /// Unix ms.
    pub ts_ms: i64,
    pub message: String,
}

/// Reads one export file's text. `stream` names the stream of lines that carry none.
pub fn parse_export(name: &str, text: &str, stream: &str) -> Result<Vec<RawLine>, String> {
    let first = text.trim_start().chars().next();
    match first {
        None => Err(format!("{name} is empty")),
        Some('{' | '[') => parse_json(name, text),
        Some(_) => Ok(parse_text(text, stream)),
    }
}

fn parse_json(name: &str, text: &str) -> Result<Vec<RawLine>, String> {
    let mut out = Vec::new();
    let docs = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    for doc in docs {
        let doc = doc.map_err(|e| {
            format!(
                "{name} line {}: not valid JSON ({e}); export with aws logs filter-log-events --output json",
                e.line()
            )
        })?;
        let events = match &doc {
            serde_json::Value::Array(a) => a,
            serde_json::Value::Object(o) => match o.get("events") {
                Some(serde_json::Value::Array(a)) => a,
                _ => {
                    return Err(format!(
                        "{name}: JSON without an \"events\" list: not a CloudWatch Logs export (aws logs filter-log-events prints one)"
                    ));
                }
            },
            _ => return Err(format!("{name}: not a CloudWatch Logs export")),
        };
        for (i, e) in events.iter().enumerate() {
            let field = |k: &str| e.get(k);
            let (Some(ts), Some(message)) = (
                field("timestamp").and_then(serde_json::Value::as_i64),
                field("message").and_then(serde_json::Value::as_str),
            ) else {
                return Err(format!(
                    "{name}: event {} has no timestamp or message",
                    i + 1
                ));
            };
            out.push(RawLine {
                stream: field("logStreamName")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("export")
                    .to_string(),
                ts_ms: ts,
                message: message.to_string(),
            });
        }
    }
    Ok(out)
}

fn parse_text(text: &str, stream: &str) -> Vec<RawLine> {
    let mut out = Vec::new();
    let mut last_ts = 0;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let (ts, rest) = match line.split_once([' ', '\t']) {
            Some((first, rest)) => match timestamp_ms(first) {
                Some(ts) => (Some(ts), rest),
                None => (None, line),
            },
            None => (None, line),
        };
        let ts = ts.unwrap_or(last_ts);
        last_ts = ts;
        // `aws logs tail`: the stream comes next.
        let (s, message) = match rest.split_once(' ') {
            Some((name, message)) if looks_like_stream(name) => (name, message),
            _ => (stream, rest),
        };
        out.push(RawLine {
            stream: s.to_string(),
            ts_ms: ts,
            message: message.to_string(),
        });
    }
    out
}

/// `2026/11/23/[$LATEST]3893…`.
fn looks_like_stream(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 12 && b[4] == b'/' && b[7] == b'/' && b[10] == b'/' && s.contains(']')
}

/// RFC 3339 with an optional offset (`2026-07-22T03:52:53.960000+00:00`, `...Z`,
/// `2026-04-23T18:21:14`) → Unix ms.
pub fn timestamp_ms(s: &str) -> Option<i64> {
    if s.len() < 19 || s.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    // Offsets and fractions are ASCII: anything else is not a timestamp (and must not be
    // cut inside a character).
    let tail = s.get(19..)?;
    let (base, offset_s) = match tail.rfind(['+', '-']) {
        Some(i) => {
            let at = 19 + i;
            let off = &s[at..];
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let (h, m) = off[1..].split_once(':').unwrap_or((&off[1..], "0"));
            let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
            if !(0..24).contains(&h) || !(0..60).contains(&m) {
                return None;
            }
            (&s[..at], sign * (h * 3600 + m * 60))
        }
        None => (s.trim_end_matches('Z'), 0),
    };
    let t = humantime::parse_rfc3339_weak(base).ok()?;
    let ms = i64::try_from(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis()).ok()?;
    Some(ms - offset_s * 1000)
}

/// What an import made.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub events: Vec<Event>,
    pub counts: Counts,
    pub streams: usize,
    /// Unix µs of the first line.
    pub start_wall_us: i64,
}

/// Lines of any number of files → the events of one recording, in time order.
pub fn to_events(mut lines: Vec<RawLine>) -> Imported {
    lines.sort_by_key(|l| l.ts_ms);
    let mut seen = HashSet::new();
    lines.retain(|l| seen.insert((l.stream.clone(), l.ts_ms, l.message.clone())));
    let streams = lines
        .iter()
        .map(|l| l.stream.as_str())
        .collect::<HashSet<_>>()
        .len();
    let t0 = lines.first().map_or(0, |l| l.ts_ms);
    let mut translator = Translator::new();
    let mut out = Vec::new();
    for l in &lines {
        translator.line(&l.stream, l.ts_ms, &l.message, &mut out);
    }
    translator.flush(&mut out);
    out.sort_by_key(|(ts, _)| *ts);
    let events = out
        .into_iter()
        .map(|(ts, kind)| {
            // Timestamps come from the file: any i64 may be there.
            let mono_ms = u64::try_from(ts.saturating_sub(t0)).unwrap_or(0);
            Event::new(
                Stamp {
                    mono_us: mono_ms.saturating_mul(1000),
                    wall_us: ts.saturating_mul(1000),
                },
                kind,
            )
        })
        .collect();
    Imported {
        events,
        counts: translator.counts,
        streams,
        start_wall_us: t0.saturating_mul(1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_the_aws_cli() {
        let z = timestamp_ms("2026-07-22T03:52:53.960Z").unwrap();
        assert_eq!(timestamp_ms("2026-07-22T03:52:53.960000+00:00"), Some(z));
        assert_eq!(timestamp_ms("2026-07-22T05:52:53.960+02:00"), Some(z));
        assert_eq!(timestamp_ms("2026-07-21T21:52:53.960-06:00"), Some(z));
        assert_eq!(timestamp_ms("2026-07-22T03:52:53"), Some(z - 960));
        assert_eq!(timestamp_ms("START"), None);
        assert_eq!(timestamp_ms("2026/07/22/[$LATEST]abc"), None);
        assert_eq!(timestamp_ms("2026-07-22Tgarbage+xx:yy"), None);
        // Found by fuzzing (fuzz/regressions/logs_export): a character across byte 19,
        // and offsets no clock has.
        assert_eq!(timestamp_ms("2026-07-22T03:52:5\u{fffd}+00:00"), None);
        assert_eq!(
            timestamp_ms("2026-07-22T03:52:53+99999999999999999:00"),
            None
        );
        assert_eq!(timestamp_ms("2026-07-22T03:52:53-24:00"), None);
    }

    #[test]
    fn text_lines_in_three_shapes() {
        let tail = "2026-07-22T03:52:34.157000+00:00 2026/07/22/[$LATEST]4d92 INIT_START Runtime Version: nodejs:24.v48\n\
                    2026-07-22T03:52:34.460000+00:00 2026/07/22/[$LATEST]4d92 START RequestId: c7bb Version: $LATEST\n";
        let lines = parse_text(tail, "x");
        assert_eq!(lines[0].stream, "2026/07/22/[$LATEST]4d92");
        assert!(lines[1].message.starts_with("START RequestId: c7bb"));
        let short = parse_text(
            "2026-04-23T18:21:14 START RequestId: f541 Version: $LATEST\n",
            "s",
        );
        assert_eq!(short[0].stream, "s");
        assert!(short[0].message.starts_with("START"));
        let bare = parse_text(
            "START RequestId: a Version: $LATEST\n\nEND RequestId: a\n",
            "one",
        );
        assert_eq!(bare.len(), 2);
        assert_eq!(bare[1].message, "END RequestId: a");
    }
}
