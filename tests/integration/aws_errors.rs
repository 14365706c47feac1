//! AWS errors never stop a source: a local server answers the error shapes AWS uses
//! (JSON for CloudWatch Logs, CBOR for CloudWatch) for `AccessDenied`, throttling and an
//! expired token, and each becomes one status line that names the fix, while the source
//! keeps asking. (moto and LocalStack do not check credentials, hence this stub.)

use crate::common::aws_servers;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use thaw::clock::Clock;
use thaw::config::AwsConfig;
use thaw::event::EventKind;
use thaw::event::EventSink;
use thaw::sources::cloudwatch::MetricsSource;
use thaw::sources::logs::LogsSource;

/// One canned answer: status, headers, body.
type Answer = (u16, Vec<(&'static str, &'static str)>, Vec<u8>);

/// Serves the answers in order, then the last one forever; counts requests.
async fn stub(answers: Vec<Answer>) -> (String, Arc<Mutex<u32>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let queue = Arc::new(Mutex::new(VecDeque::from(answers)));
    let count = Arc::new(Mutex::new(0));
    let counted = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let queue = queue.clone();
            let count = counted.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req: Request<Incoming>| {
                    let queue = queue.clone();
                    let count = count.clone();
                    async move {
                        *count.lock().unwrap() += 1;
                        let (status, headers, body) = {
                            let mut q = queue.lock().unwrap();
                            if q.len() > 1 {
                                q.pop_front().unwrap()
                            } else {
                                q.front().unwrap().clone()
                            }
                        };
                        let mut r = Response::builder().status(status);
                        for (k, v) in headers {
                            r = r.header(k, v);
                        }
                        Ok::<_, Infallible>(r.body(Full::new(Bytes::from(body))).unwrap())
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    (url, count)
}

fn json_error(kind: &'static str, message: &str) -> Answer {
    (
        400,
        vec![("content-type", "application/x-amz-json-1.1")],
        serde_json::json!({"__type": kind, "message": message})
            .to_string()
            .into_bytes(),
    )
}

/// A CBOR text string (short ones only, as here).
fn cbor_text(out: &mut Vec<u8>, s: &str) {
    let n = u8::try_from(s.len()).unwrap();
    if n < 24 {
        out.push(0x60 | n);
    } else {
        out.extend([0x78, n]);
    }
    out.extend(s.as_bytes());
}

/// An RPC v2 CBOR error, as CloudWatch sends it.
fn cbor_error(kind: &str, query_error: &'static str, message: &str) -> Answer {
    let mut body = vec![0xa2];
    cbor_text(&mut body, "__type");
    cbor_text(&mut body, kind);
    cbor_text(&mut body, "message");
    cbor_text(&mut body, message);
    (
        400,
        vec![
            ("content-type", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
            ("x-amzn-query-error", query_error),
        ],
        body,
    )
}

async fn errors_until(
    rx: &mut tokio::sync::mpsc::Receiver<thaw::event::Event>,
    n: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while out.len() < n {
        let Ok(Some(e)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
            panic!("only {out:?}");
        };
        if let EventKind::SourceError { message, .. } = e.kind {
            out.push(message);
        }
    }
    out
}

/// Which source a test runs against the stub.
enum Source {
    Logs,
    Metrics,
}

/// Runs `source` against `url` until it reported `n` errors; returns them and the task.
async fn errors_of(
    source: Source,
    url: &str,
    aws: &AwsConfig,
    n: usize,
) -> (Vec<String>, tokio::task::JoinHandle<()>) {
    let sdk = aws_servers::sdk_with(url, false).await;
    let (sink, mut rx) = EventSink::channel(1024);
    let task = match source {
        Source::Logs => tokio::spawn(
            LogsSource::new(&sdk, aws, Clock::start(), sink)
                .unwrap()
                .run(),
        ),
        Source::Metrics => tokio::spawn(
            MetricsSource::new(&sdk, aws, Clock::start(), sink)
                .unwrap()
                .run(),
        ),
    };
    (errors_until(&mut rx, n).await, task)
}

#[tokio::test]
async fn logs_access_denied_and_throttling_are_status_lines_and_the_source_keeps_going() {
    let denied = "User: arn:aws:iam::123456789012:user/demo is not authorized to perform: logs:FilterLogEvents";
    let (url, count) = stub(vec![
        json_error(
            "AccessDeniedException",
            "not authorized to perform: logs:DescribeLogGroups",
        ),
        json_error("ThrottlingException", "Rate exceeded"),
        json_error("AccessDeniedException", denied),
    ])
    .await;
    let aws = AwsConfig {
        function: Some("hello".into()),
        live_tail: false,
        logs_poll_ms: 200,
        ..AwsConfig::default()
    };
    let (errors, task) = errors_of(Source::Logs, &url, &aws, 3).await;
    assert!(
        errors[0].contains("allow logs:DescribeLogGroups in the IAM policy"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("logs:FilterLogEvents throttled by AWS; backing off"),
        "{errors:?}"
    );
    assert!(
        errors[2].contains("allow logs:FilterLogEvents"),
        "{errors:?}"
    );
    assert!(errors.iter().all(|e| !e.contains('\n')));
    // Still asking, with back-off, after the errors.
    let seen = *count.lock().unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(*count.lock().unwrap() > seen, "the source stopped asking");
    task.abort();
}

#[tokio::test]
async fn an_expired_token_names_the_fix() {
    let (url, _) = stub(vec![json_error(
        "ExpiredTokenException",
        "The security token included in the request is expired",
    )])
    .await;
    let aws = AwsConfig {
        function: Some("hello".into()),
        ..AwsConfig::default()
    };
    let (errors, task) = errors_of(Source::Logs, &url, &aws, 1).await;
    assert!(errors[0].contains("AWS credentials expired"), "{errors:?}");
    assert!(errors[0].contains("aws sso login"), "{errors:?}");
    task.abort();
}

#[tokio::test]
async fn cloudwatch_throttling_then_access_denied_in_cbor() {
    let (url, count) = stub(vec![
        // The first call looks for Web Functions metrics (ListMetrics); its failure is
        // silent: the Lambda series come anyway.
        cbor_error(
            "com.amazonaws.cloudwatch#AccessDeniedException",
            "AccessDenied;Sender",
            "not authorized to perform: cloudwatch:ListMetrics",
        ),
        cbor_error(
            "com.amazonaws.cloudwatch#LimitExceededException",
            "Throttling;Sender",
            "Rate exceeded",
        ),
        cbor_error(
            "com.amazonaws.cloudwatch#AccessDeniedException",
            "AccessDenied;Sender",
            "not authorized to perform: cloudwatch:GetMetricData",
        ),
    ])
    .await;
    let aws = AwsConfig {
        function: Some("hello".into()),
        metrics_poll_s: 5,
        ..AwsConfig::default()
    };
    let (errors, task) = errors_of(Source::Metrics, &url, &aws, 2).await;
    assert!(
        errors[0].contains("cloudwatch:GetMetricData throttled by AWS"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("allow cloudwatch:GetMetricData in the IAM policy"),
        "{errors:?}"
    );
    assert!(*count.lock().unwrap() >= 2);
    task.abort();
}
