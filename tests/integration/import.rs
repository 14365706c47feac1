//! `thaw import`: CloudWatch Logs exports (the JSON of `aws logs filter-log-events`,
//! with several streams and pages joined by `nextToken`, in both log formats; and the
//! text of `aws logs tail`) become recordings that replay to the right environments.

use crate::common::lambda_logs;

use crate::common::scratch::scratch;

use std::fmt::Write as _;
use std::process::Command;

use thaw::record::import;
use thaw::state::State;

/// The events of `lambda_logs::streams` as `aws logs filter-log-events` prints them,
/// cut into `pages` pages (each but the last with a `nextToken`).
pub(crate) fn export_pages(json_format: bool, pages: usize) -> String {
    let mut events = Vec::new();
    let base = 1_795_000_000_000_i64;
    for (s, (stream, lines)) in lambda_logs::streams(json_format).iter().enumerate() {
        for (i, message) in lines.iter().enumerate() {
            let ts = base + i64::try_from(s * 1000 + i * 10).unwrap();
            events.push(serde_json::json!({
                "logStreamName": stream, "timestamp": ts, "message": format!("{message}\n"),
                "ingestionTime": ts + 400, "eventId": format!("{ts}{s}{i}"),
            }));
        }
    }
    // The CLI prints events time-ordered across streams.
    events.sort_by_key(|e| e["timestamp"].as_i64());
    let per = events.len().div_ceil(pages);
    events
        .chunks(per)
        .enumerate()
        .map(|(p, chunk)| {
            let mut doc = serde_json::json!({"events": chunk, "searchedLogStreams": []});
            if p + 1 < pages {
                doc["nextToken"] =
                    serde_json::json!(format!("Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCqt{p}"));
            }
            serde_json::to_string_pretty(&doc).unwrap()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn state_of(imported: &import::Imported) -> State {
    let mut s = State::new();
    for e in &imported.events {
        s.apply(e);
    }
    s
}

#[test]
fn json_exports_in_both_formats_with_pages_become_environments() {
    for json_format in [false, true] {
        let text = export_pages(json_format, 3);
        assert_eq!(text.matches("nextToken").count(), 2);
        let lines = import::parse_export("export.json", &text, "x").unwrap();
        let imported = import::to_events(lines);
        assert_eq!(imported.streams, 3);
        assert_eq!(imported.counts.malformed, 0);
        let s = state_of(&imported);
        assert_eq!(s.envs.len(), 3, "json_format={json_format}");
        assert_eq!(
            (
                s.platform.cold_starts,
                s.platform.warm_starts,
                s.platform.invocations
            ),
            (2, 3, 5)
        );
        // Time order survives: each invocation starts before it ends.
        assert!(
            imported
                .events
                .windows(2)
                .all(|w| w[0].at.mono_us <= w[1].at.mono_us)
        );
    }
}

#[test]
fn pages_exported_twice_are_not_counted_twice() {
    let page = export_pages(false, 1);
    let text = format!("{page}\n{page}");
    let imported = import::to_events(import::parse_export("twice.json", &text, "x").unwrap());
    assert_eq!(state_of(&imported).platform.invocations, 5);
}

#[test]
fn text_of_aws_logs_tail_becomes_environments() {
    let mut text = String::new();
    for (s, (stream, lines)) in lambda_logs::streams(false).iter().enumerate() {
        for (i, message) in lines.iter().enumerate() {
            let ms = s * 1000 + i * 10;
            let _ = writeln!(
                text,
                "2026-11-23T10:00:{:02}.{:03}000+00:00 {stream} {message}",
                ms / 1000,
                ms % 1000
            );
        }
    }
    let imported = import::to_events(import::parse_export("tail.txt", &text, "x").unwrap());
    let s = state_of(&imported);
    assert_eq!(
        (s.envs.len(), s.platform.cold_starts, s.platform.warm_starts),
        (3, 2, 3)
    );
}

#[test]
fn bad_exports_are_one_line_errors() {
    for (text, want) in [
        ("", "is empty"),
        ("{\"events\": [", "line 1: not valid JSON"),
        ("{\"logGroups\": []}", "not a CloudWatch Logs export"),
        (
            "{\"events\": [{\"message\": \"START\"}]}",
            "event 1 has no timestamp or message",
        ),
    ] {
        let e = import::parse_export("bad.json", text, "x").unwrap_err();
        assert!(e.contains(want), "{text}: {e}");
    }
}

#[test]
fn the_command_writes_a_recording_that_replays() {
    let a = scratch("page1.json");
    let b = scratch("page2.txt");
    std::fs::write(&a, export_pages(true, 2)).unwrap();
    // A second file: one stream's bare lines, named by --stream.
    std::fs::write(
        &b,
        "INIT_START Runtime Version: python:3.13.v43\tRuntime Version ARN: x\n\
         START RequestId: 9d0e0000-0000-4000-8000-000000000009 Version: $LATEST\n\
         REPORT RequestId: 9d0e0000-0000-4000-8000-000000000009\tDuration: 3.00 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 90.00 ms\t\n",
    )
    .unwrap();
    let out = scratch("incident.thaw.jsonl");
    let run = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .arg("import")
        .arg(&a)
        .arg(&b)
        .args([
            "--stream",
            "2026/11/23/[$LATEST]dddddddddddddddddddddddddddddddd",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(said.contains("-> 4 environments, 3 cold, 3 warm"), "{said}");
    assert!(said.contains("thaw replay"), "{said}");
    let summary = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(["replay", "--summary"])
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&summary.stdout);
    assert!(
        text.contains("platform      6 invocations on 4 environments: 3 cold, 3 warm"),
        "{text}"
    );
    // A file that is not an export: one line, exit status 2.
    let bad = scratch("bad.json");
    std::fs::write(&bad, "{\"logGroups\": []}").unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .arg("import")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&run.stderr).lines().count(), 1);
}
