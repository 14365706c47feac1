//! A Live Tail session that stays open, as AWS keeps one for up to three hours (moto
//! replays what it holds and hangs up, so this serves the real event-stream framing
//! from a local server): updates arriving a second apart become environments as they
//! come, and the source never falls back to polling.

use crate::common::aws_servers;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use thaw::clock::Clock;
use thaw::config::AwsConfig;
use thaw::event::EventKind;
use thaw::event::EventSink;
use thaw::sources::logs::LogsSource;
use thaw::state::State;

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

const GROUP: &str = "/aws/lambda/hello";
const ARN: &str = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/hello";

/// One event-stream message of the given event type with a JSON payload.
fn frame(event_type: &'static str, payload: &serde_json::Value) -> Bytes {
    let message = Message::new(Bytes::from(payload.to_string()))
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String("event".into()),
        ))
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String(event_type.into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ));
    let mut out = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&message, &mut out).unwrap();
    Bytes::from(out)
}

fn update(lines: &[(&str, &str)]) -> Bytes {
    let results: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(i, (stream, message))| {
            serde_json::json!({
                "logStreamName": stream, "logGroupIdentifier": ARN, "message": message,
                "timestamp": 1_795_000_000_000_i64 + i64::try_from(i).unwrap(), "ingestionTime": 1_795_000_000_500_i64,
            })
        })
        .collect();
    frame(
        "sessionUpdate",
        &serde_json::json!({"sessionMetadata": {"sampled": false}, "sessionResults": results}),
    )
}

const A: &str = "2026/11/23/[$LATEST]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "2026/11/23/[$LATEST]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn updates() -> Vec<Bytes> {
    vec![
        frame(
            "sessionStart",
            &serde_json::json!({"requestId": "a1b2", "sessionId": "s1", "logGroupIdentifiers": [ARN]}),
        ),
        update(&[
            (
                A,
                "INIT_START Runtime Version: python:3.13.v43\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:df8f",
            ),
            (
                A,
                "START RequestId: 11111111-1111-4111-8111-111111111111 Version: $LATEST",
            ),
            (A, "END RequestId: 11111111-1111-4111-8111-111111111111"),
            (
                A,
                "REPORT RequestId: 11111111-1111-4111-8111-111111111111\tDuration: 3.10 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 91.20 ms\t",
            ),
        ]),
        update(&[
            (
                A,
                "START RequestId: 22222222-2222-4222-8222-222222222222 Version: $LATEST",
            ),
            (
                A,
                "REPORT RequestId: 22222222-2222-4222-8222-222222222222\tDuration: 1.10 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t",
            ),
            (
                B,
                "INIT_START Runtime Version: python:3.13.v43\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:df8f",
            ),
            (
                B,
                "START RequestId: 33333333-3333-4333-8333-333333333333 Version: $LATEST",
            ),
            (
                B,
                "REPORT RequestId: 33333333-3333-4333-8333-333333333333\tDuration: 2.90 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 88.00 ms\t",
            ),
        ]),
    ]
}

fn answer(req: &Request<Incoming>, polls: &AtomicU32) -> Response<Body> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    match target.as_str() {
        "Logs_20140328.DescribeLogGroups" => {
            let body = serde_json::json!({"logGroups": [{"logGroupName": GROUP, "logGroupArn": ARN, "arn": format!("{ARN}:*")}]});
            Response::builder()
                .header("content-type", "application/x-amz-json-1.1")
                .body(Full::new(Bytes::from(body.to_string())).boxed())
                .unwrap()
        }
        "Logs_20140328.StartLiveTail" => {
            let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(8);
            tokio::spawn(async move {
                for u in updates() {
                    if tx.send(u).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                // Stay open, as a real session does.
                tx.closed().await;
            });
            let stream = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv()
                    .await
                    .map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx))
            });
            Response::builder()
                .header("content-type", "application/vnd.amazon.eventstream")
                .body(StreamBody::new(stream).boxed())
                .unwrap()
        }
        _ => {
            polls.fetch_add(1, Ordering::SeqCst);
            Response::builder()
                .header("content-type", "application/x-amz-json-1.1")
                .body(Full::new(Bytes::from(r#"{"events":[],"searchedLogStreams":[]}"#)).boxed())
                .unwrap()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_tail_that_stays_open_delivers_updates_as_they_come() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let polls = Arc::new(AtomicU32::new(0));
    let counted = polls.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let polls = counted.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let polls = polls.clone();
                    async move { Ok::<_, Infallible>(answer(&req, &polls)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    let sdk = aws_servers::sdk_with(&url, false).await;
    let aws = AwsConfig {
        function: Some("hello".into()),
        ..AwsConfig::default()
    };
    let (sink, mut rx) = EventSink::channel(4096);
    let task = tokio::spawn(
        LogsSource::new(&sdk, &aws, Clock::start(), sink)
            .unwrap()
            .run(),
    );
    let mut state = State::new();
    let mut statuses = Vec::new();
    let mut cold_first = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while state.platform.invocations < 3 {
        let Ok(Some(e)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
            panic!(
                "only {} invocations; {statuses:?}",
                state.platform.invocations
            );
        };
        match &e.kind {
            EventKind::SourceStatus { message, .. } => statuses.push(message.clone()),
            EventKind::SourceError { message, .. } => panic!("{message}"),
            _ => {}
        }
        state.apply(&e);
        if state.platform.invocations == 1 && cold_first.is_none() {
            cold_first = Some(tokio::time::Instant::now());
        }
    }
    // The second update came about a second after the first: they were streamed.
    let gap = cold_first.unwrap().elapsed();
    assert!(gap >= Duration::from_millis(500), "{gap:?}");
    assert_eq!(
        (state.platform.cold_starts, state.platform.warm_starts),
        (2, 1)
    );
    assert_eq!(state.envs.len(), 2);
    assert_eq!(statuses, ["Live Tail on /aws/lambda/hello"]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        polls.load(Ordering::SeqCst),
        0,
        "the source polled while tailing"
    );
    task.abort();
}
