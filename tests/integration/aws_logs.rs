//! The CloudWatch Logs source against moto: START/REPORT lines put into several log
//! streams, in both formats, become the right environments, cold starts and reuses;
//! the Live Tail path runs (moto replays what it holds, then hangs up, and the source
//! polls on without counting anything twice).

use crate::common::aws_servers;
use crate::common::lambda_logs;

use std::time::Duration;

use lambda_logs::{R3, put, streams};

use crate::common::tools::{Tool, need};
use thaw::clock::Clock;
use thaw::config::AwsConfig;
use thaw::event::EventSink;
use thaw::event::{Event, EventKind};
use thaw::sources::logs::LogsSource;
use thaw::state::State;

/// Runs the source until `done` holds for the folded state (or 20 s pass); returns
/// the state and every event.
async fn watch(
    server: &aws_servers::Server,
    aws: AwsConfig,
    done: impl Fn(&State) -> bool,
) -> (State, Vec<Event>) {
    let sdk = aws_servers::sdk(&server.url).await;
    let (sink, mut rx) = EventSink::channel(1 << 16);
    let source = LogsSource::new(&sdk, &aws, Clock::start(), sink).unwrap();
    let task = tokio::spawn(source.run());
    let mut state = State::new();
    let mut all = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done(&state) {
        let Ok(Some(e)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
            break;
        };
        state.apply(&e);
        all.push(e);
    }
    // A little longer: nothing may arrive twice.
    let settle = tokio::time::Instant::now() + Duration::from_millis(2500);
    while let Ok(Some(e)) = tokio::time::timeout_at(settle, rx.recv()).await {
        state.apply(&e);
        all.push(e);
    }
    task.abort();
    (state, all)
}

fn config(function: &str, live_tail: bool) -> AwsConfig {
    AwsConfig {
        function: Some(function.into()),
        live_tail,
        logs_poll_ms: 300,
        ..AwsConfig::default()
    }
}

fn check(state: &State) {
    let p = &state.platform;
    assert_eq!(state.envs.len(), 3, "one environment per log stream");
    assert_eq!((p.cold_starts, p.warm_starts, p.invocations), (2, 3, 5));
    let a = state.envs.get(&thaw::ids::EnvId("a".repeat(32))).unwrap();
    assert_eq!(a.invocations, 2);
    assert!(a.init_ms.is_some_and(|ms| (ms - 141.7).abs() < 1e-6));
    let c = state.envs.get(&thaw::ids::EnvId("c".repeat(32))).unwrap();
    assert_eq!((c.invocations, c.init_ms), (2, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn text_and_json_logs_become_environments_colds_and_reuses() {
    need(&[Tool::AwsServers]);
    let server = aws_servers::moto();
    let client = aws_sdk_cloudwatchlogs::Client::new(&aws_servers::sdk(&server.url).await);
    for (function, json) in [("hello-text", false), ("hello-json", true)] {
        put(&client, &format!("/aws/lambda/{function}"), &streams(json)).await;
        let (state, events) = watch(&server, config(function, false), |s| {
            s.platform.invocations >= 5
        })
        .await;
        check(&state);
        // Function output is skipped; platform lines reach the log pane.
        assert!(state.logs.iter().all(|l| !l.line.text.contains("serving")));
        assert!(state.logs.iter().any(|l| l.line.text.contains(R3)));
        assert!(events.iter().any(|e| matches!(&e.kind,
            EventKind::SourceStatus { message, .. } if message.contains("polling /aws/lambda/"))));
        let malformed: Vec<_> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::SourceError { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect();
        assert!(malformed.is_empty(), "{malformed:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn the_live_tail_path_runs_then_polling_takes_over_without_repeats() {
    need(&[Tool::AwsServers]);
    let server = aws_servers::moto();
    let client = aws_sdk_cloudwatchlogs::Client::new(&aws_servers::sdk(&server.url).await);
    put(&client, "/aws/lambda/tailed", &streams(false)).await;
    let (state, events) = watch(&server, config("tailed", true), |s| {
        s.platform.invocations >= 5
    })
    .await;
    check(&state);
    let statuses: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SourceStatus { message, .. } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        statuses
            .iter()
            .any(|m| m.starts_with("Live Tail on /aws/lambda/tailed")),
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .any(|m| m.contains("polling FilterLogEvents")),
        "{statuses:?}"
    );
    // The lines came through the tail, before polling began.
    let first_line = events
        .iter()
        .position(|e| matches!(e.kind, EventKind::Log(_)));
    let polling = events.iter().position(|e| {
        matches!(&e.kind, EventKind::SourceStatus { message, .. } if message.contains("polling FilterLogEvents"))
    });
    assert!(first_line < polling, "{first_line:?} {polling:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn a_missing_log_group_is_a_status_line_and_the_source_waits_for_it() {
    need(&[Tool::AwsServers]);
    let server = aws_servers::moto();
    let sdk = aws_servers::sdk(&server.url).await;
    let (sink, mut rx) = EventSink::channel(1 << 16);
    let task = tokio::spawn(
        LogsSource::new(&sdk, &config("late", false), Clock::start(), sink)
            .unwrap()
            .run(),
    );
    let mut state = State::new();
    while state.source_errors.is_empty() {
        let e = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        state.apply(&e);
    }
    let e = state.source_errors.back().unwrap();
    assert_eq!(e.source, "logs");
    assert!(
        e.message.contains("log group /aws/lambda/late not found"),
        "{}",
        e.message
    );
    assert!(e.message.contains("--log-group"), "{}", e.message);
    // The function runs for the first time: its group appears and the same source reads it.
    let client = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    put(&client, "/aws/lambda/late", &streams(false)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while state.platform.invocations < 5 {
        let Ok(Some(e)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
            break;
        };
        state.apply(&e);
    }
    task.abort();
    check(&state);
}
