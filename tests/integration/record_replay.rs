//! Recordings: a session recorded from the emulator replays to the identical state; bad
//! recordings (truncated, corrupt mid-file, newer version, empty, binary, unknown kinds)
//! are reported as the issue says; secrets never reach the file.

use crate::common;

use common::Scratch;
use std::time::Duration;

use thaw::clock::Clock;
use thaw::event::EventSink;
use thaw::event::{Event, EventKind, LogLine};
use thaw::ids::Stamp;
use thaw::record::{self, Header, Recorder};
use thaw::sources::replay::{Replay, Speed};
use thaw::state::State;

/// Plays `path` at `speed` to its end; returns the state folded from the recorded
/// events (replay's own progress events left out) and the errors it reported.
async fn replay(path: &std::path::Path, speed: Speed) -> (State, Vec<String>) {
    let (sink, mut rx) = EventSink::channel(1 << 20);
    let r = Replay::spawn(path, speed, sink).unwrap();
    let mut state = State::new();
    let mut errors = Vec::new();
    loop {
        let e = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        match &e.kind {
            EventKind::ReplayProgress(p) if p.done => break,
            EventKind::ReplayProgress(_) => {}
            EventKind::SourceError { message, .. } if message.contains(".jsonl") => {
                errors.push(message.clone());
            }
            _ => state.apply(&e),
        }
    }
    r.shutdown();
    (state, errors)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_emulator_session_replays_to_the_identical_state() {
    let mut running = common::start(common::quick()).await;
    let url = format!("{}/", running.emulator.url());
    let clock = Clock::start();
    let path = common::scratch("roundtrip.jsonl");
    let header = Header::new(&url, "quick emulator", clock.at(Duration::ZERO).wall_us);
    let recorder = Recorder::create(&path, &header, EventSink::none(), clock).unwrap();
    let mut live = State::new();
    for plan in ["parallel 20", "parallel 20", "serial 10"] {
        let mut seen = Vec::new();
        thaw::burst::run(
            &plan.parse().unwrap(),
            thaw::burst::Target::parse(&format!("{url}?sleep_ms=30")).unwrap(),
            thaw::burst::RequestSpec::default(),
            None,
            clock,
            |e| seen.push(e),
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        // As the live app does: every event, in the order it is folded, is recorded.
        for e in running.drain().into_iter().chain(seen) {
            recorder.record(&e);
            live.apply(&e);
        }
    }
    let written = recorder.finish().await.unwrap();
    assert_eq!(written.events, live.events);
    assert_eq!(
        (live.platform.cold_starts, live.platform.warm_starts),
        (20, 30)
    );

    let (replayed, errors) = replay(&path, Speed::Max).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        replayed, live,
        "the replayed state differs from the live one"
    );
    // And the summary reads the same file.
    let text = std::process::Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(["replay", "--summary"])
        .arg(&path)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(text.status.success(), "{out}");
    assert!(out.contains("cold / warm   20 / 30"), "{out}");
    assert!(
        out.contains("platform      50 invocations on 20 environments"),
        "{out}"
    );
}

fn event_line(mono_us: u64, text: &str) -> String {
    let e = Event::new(
        Stamp {
            mono_us,
            wall_us: 1_795_000_000_000_000 + i64::try_from(mono_us).unwrap(),
        },
        EventKind::Log(LogLine {
            stream: "2026/11/23/[$LATEST]ab".into(),
            env: None,
            text: text.into(),
        }),
    );
    serde_json::to_string(&e).unwrap()
}

fn header_line(version: u32) -> String {
    let mut h = Header::new("http://x/", "test", 1_795_000_000_000_000);
    h.version = version;
    serde_json::to_string(&h).unwrap()
}

fn write(name: &str, bytes: &[u8]) -> Scratch {
    let p = common::scratch(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read_all(path: &std::path::Path) -> (Vec<Event>, Option<String>, record::Recording) {
    let mut rec = record::open(path).unwrap();
    let mut events = Vec::new();
    let mut error = None;
    while let Some(e) = rec.next_event() {
        match e {
            Ok(e) => events.push(e),
            Err(m) => {
                error = Some(m.to_string());
                break;
            }
        }
    }
    (events, error, rec)
}

#[tokio::test]
async fn a_truncated_last_line_is_reported_and_the_rest_plays() {
    let text = format!(
        "{}\n{}\n{}\n{}\n{}",
        header_line(1),
        event_line(1000, "START RequestId: a Version: $LATEST"),
        event_line(2000, "END RequestId: a"),
        event_line(3000, "REPORT RequestId: a\tDuration: 1.00 ms"),
        &event_line(4000, "START RequestId: b Version: $LATEST")[..40]
    );
    let path = write("truncated.jsonl", text.as_bytes());
    let (events, error, rec) = read_all(&path);
    assert_eq!((events.len(), error), (3, None));
    assert_eq!(rec.truncated, Some(5));
    assert!(
        rec.notes().unwrap().contains("line 5 was cut off"),
        "{:?}",
        rec.notes()
    );
    // The replay plays the three and says so.
    let (state, errors) = replay(&path, Speed::Max).await;
    assert_eq!(state.logs.len(), 3);
    assert!(
        errors.iter().any(|e| e.contains("line 5 was cut off")),
        "{errors:?}"
    );
}

#[test]
fn corrupt_json_mid_file_names_the_line() {
    let text = format!(
        "{}\n{}\n{{\"at\": garbage\n{}\n",
        header_line(1),
        event_line(1000, "START RequestId: a Version: $LATEST"),
        event_line(2000, "END RequestId: a"),
    );
    let path = write("corrupt.jsonl", text.as_bytes());
    let (events, error, _) = read_all(&path);
    assert_eq!(events.len(), 1);
    let error = error.unwrap();
    assert!(
        error.contains("corrupt.jsonl line 3: not a thaw event"),
        "{error}"
    );
    // On the command line: one line, exit status 1.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(["replay", "--summary"])
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn unknown_event_kinds_from_a_newer_thaw_are_skipped_and_counted() {
    let text = format!(
        "{}\n{}\n{}\n{}\n",
        header_line(1),
        event_line(1000, "START RequestId: a Version: $LATEST"),
        r#"{"at":{"mono_us":1500,"wall_us":1},"type":"quantum_entanglement","qubits":3}"#,
        event_line(2000, "END RequestId: a"),
    );
    let path = write("newer.jsonl", text.as_bytes());
    let (events, error, rec) = read_all(&path);
    assert_eq!((events.len(), error), (2, None));
    assert_eq!(rec.unknown, 1);
    assert!(
        rec.notes()
            .unwrap()
            .contains("1 events of kinds a newer thaw wrote were skipped")
    );
}

#[test]
fn wrong_version_empty_and_binary_files_are_one_line_errors() {
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "v99.jsonl",
            format!("{}\n", header_line(99)).into_bytes(),
            "recording format version 99 is newer than this thaw reads (1); upgrade thaw",
        ),
        (
            "empty.jsonl",
            Vec::new(),
            "empty.jsonl is empty: not a thaw recording",
        ),
        (
            "garbage.bin",
            vec![0x00, 0xff, 0xfe, 0x89, b'P', b'N', b'G', b'\n', 0x00, 0x01],
            "garbage.bin is not a thaw recording (line 1 is not its header)",
        ),
        (
            "other.json",
            b"{\"events\": []}\n".to_vec(),
            "other.json is not a thaw recording",
        ),
        (
            "partial-header.jsonl",
            b"{\"format\":\"thaw-recording\",\"version\":1}\n".to_vec(),
            "line 1: the header is incomplete",
        ),
        (
            // Read up to 4 MB, not whole: a file without line breaks is not loaded.
            "no-breaks.bin",
            vec![b'{'; 6 << 20],
            "no-breaks.bin is not a thaw recording (line 1 is not its header)",
        ),
    ];
    for (name, bytes, want) in cases {
        let path = write(name, &bytes);
        let Err(e) = record::open(&path) else {
            panic!("{name} opened");
        };
        let e = e.to_string();
        assert!(e.contains(want), "{name}: {e}");
        assert!(!e.contains('\n'));
    }
}

#[test]
fn a_line_too_long_to_be_an_event_is_a_one_line_error() {
    let mut bytes = format!("{}\n", header_line(1)).into_bytes();
    bytes.extend(std::iter::repeat_n(b'x', 5 << 20));
    let path = write("long-line.jsonl", &bytes);
    let mut rec = record::open(&path).unwrap();
    let Some(Err(e)) = rec.next_event() else {
        panic!("a 5 MB line was read as an event");
    };
    let e = e.to_string();
    assert!(
        e.contains("line 2: longer than 4 MB, not a thaw event"),
        "{e}"
    );
}

#[tokio::test]
async fn secrets_never_reach_a_recording() {
    let path = common::scratch("secrets.jsonl");
    let clock = Clock::start();
    let header = Header::new(
        "https://admin:hunter2@abc.lambda-url.eu-west-1.on.aws/?X-Amz-Signature=deadbeef",
        "test",
        0,
    );
    let r = Recorder::create(&path, &header, EventSink::none(), clock).unwrap();
    for kind in [
        EventKind::BurstStarted {
            plan: "parallel 5".into(),
            target: "https://admin:hunter2@abc.lambda-url.eu-west-1.on.aws/?token=s3cr3t&n=1".into(),
        },
        EventKind::Log(LogLine {
            stream: "s".into(),
            env: None,
            text: r#"2026-11-23T10:00:00Z	r1	INFO	event {"headers":{"Authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"}}"#.into(),
        }),
        EventKind::SourceError {
            source: "logs".into(),
            message: "User AKIAIOSFODNN7EXAMPLE is not authorized".into(),
        },
    ] {
        r.record(&Event::new(clock.stamp(), kind));
    }
    r.finish().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    for secret in [
        "hunter2",
        "deadbeef",
        "s3cr3t",
        "eyJhbGciOiJIUzI1NiJ9",
        "AKIAIOSFODNN7EXAMPLE",
    ] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    assert!(
        text.contains("n=1") && text.contains("is not authorized"),
        "{text}"
    );
}

#[tokio::test]
async fn replay_keeps_the_original_timing() {
    let text = format!(
        "{}\n{}\n{}\n",
        header_line(1),
        event_line(0, "START RequestId: a Version: $LATEST"),
        event_line(600_000, "END RequestId: a"),
    );
    let path = write("timing.jsonl", text.as_bytes());
    let (sink, mut rx) = EventSink::channel(1024);
    let started = tokio::time::Instant::now();
    let r = Replay::spawn(&path, Speed::Times(2.0), sink).unwrap();
    let mut logs = Vec::new();
    while logs.len() < 2 {
        let e = rx.recv().await.unwrap();
        if matches!(e.kind, EventKind::Log(_)) {
            logs.push(started.elapsed());
        }
    }
    r.shutdown();
    // 600 ms apart at twice the pace: never sooner than 300 ms.
    assert!(logs[1] >= Duration::from_millis(290), "{logs:?}");
}

#[test]
fn the_demo_in_assets_tells_the_seed_story() {
    let demo =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/seed-story.jsonl");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(["replay", "--summary"])
        .arg(&demo)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 50 cold, 50 warm, 50 serial (warm), then 20 provisioned (warm) + 10 spilled (cold).
    assert!(
        text.contains("parallel 50; parallel 50; serial 50; parallel 30"),
        "{text}"
    );
    assert!(text.contains("cold / warm   60 / 120"), "{text}");
    assert!(
        text.contains("180 invocations on 80 environments"),
        "{text}"
    );
    // Serial requests share one environment: 50 births, then 20 provisioned, 10 spilled.
    let mut rec = record::open(&demo).unwrap();
    let mut state = State::new();
    let mut after_serial = None;
    while let Some(e) = rec.next_event() {
        let e = e.unwrap();
        let serial_done = matches!(&e.kind, EventKind::BurstFinished(b) if b.plan == "serial 50");
        state.apply(&e);
        if serial_done {
            after_serial = Some(state.envs.len());
        }
    }
    assert_eq!(
        after_serial,
        Some(50),
        "the serial burst made no new environment"
    );
    let provisioned = state.envs.rows().filter(|r| r.provisioned()).count();
    assert_eq!(provisioned, 20);
}

#[tokio::test]
async fn a_crash_loses_well_under_a_second_of_recording() {
    // Events recorded, then no orderly finish (as when thaw is killed): what reached the
    // file within 300 ms is everything before that point.
    let path = common::scratch("crash.jsonl");
    let clock = Clock::start();
    let header = Header::new("http://x/", "test", 0);
    let r = Recorder::create(&path, &header, EventSink::none(), clock).unwrap();
    for i in 0..50 {
        r.record(&Event::new(
            clock.stamp(),
            EventKind::SourceStatus {
                source: "test".into(),
                message: format!("event {i}"),
            },
        ));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.lines().count(),
        51,
        "header and all 50 events are on disk"
    );
    std::mem::forget(r);
}
