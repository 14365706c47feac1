//! The Runtime API over real HTTP, as runtimes call it: `next` long-polls and carries
//! the documented headers; answers are accepted once (400 for an id never handed out,
//! 403 for a second answer); error bodies of the official clients (Python, Node.js,
//! Rust) give their error type; `init/error` is reported.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use thaw::emulator::runtime_api::{Delivery, RuntimeApi, RuntimeMsg};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 exchange: status, lower-case headers, body.
async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = write!(req, "{k}: {v}\r\n");
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    (status, headers, body.to_string())
}

fn delivery(invocation: u64, id: &str) -> Delivery {
    Delivery {
        invocation,
        request_id: id.into(),
        deadline_epoch_ms: 1_795_000_003_000,
        function_arn: "arn:aws:lambda:us-east-1:123456789012:function:f".into(),
        trace_id: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=0"
            .into(),
        client_context: None,
        payload: Bytes::from_static(br#"{"path":"/"}"#),
    }
}

fn api() -> (RuntimeApi, Arc<Mutex<Vec<RuntimeMsg>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let api = RuntimeApi::start(Instant::now(), move |m| s.lock().unwrap().push(m)).unwrap();
    (api, seen)
}

const NEXT: &str = "/2018-06-01/runtime/invocation/next";

#[tokio::test]
async fn next_long_polls_and_carries_the_documented_headers() {
    let (api, seen) = api();
    let addr = api.addr;
    let poll = tokio::spawn(async move { http(addr, "GET", NEXT, &[], "").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!poll.is_finished(), "next must wait for an invocation");
    assert!(
        matches!(seen.lock().unwrap()[0], RuntimeMsg::Ready { .. }),
        "the first next ends Init"
    );
    // A direct invocation's X-Amz-Client-Context reaches the runtime as is.
    api.deliver(Delivery {
        client_context: Some("eyJjdXN0b20iOnsiYSI6MX19".into()),
        ..delivery(7, "8476a536-e9f4-11e8-9739-2dfe598c3fcd")
    });
    let (status, headers, body) = poll.await.unwrap();
    assert_eq!(status, 200);
    let h = |k: &str| {
        headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(h("content-type"), Some("application/json"));
    assert_eq!(
        h("lambda-runtime-aws-request-id"),
        Some("8476a536-e9f4-11e8-9739-2dfe598c3fcd")
    );
    assert_eq!(h("lambda-runtime-deadline-ms"), Some("1795000003000"));
    assert_eq!(
        h("lambda-runtime-invoked-function-arn"),
        Some("arn:aws:lambda:us-east-1:123456789012:function:f")
    );
    assert!(h("lambda-runtime-trace-id").unwrap().starts_with("Root=1-"));
    assert_eq!(
        h("lambda-runtime-client-context"),
        Some("eyJjdXN0b20iOnsiYSI6MX19")
    );
    assert_eq!(body, r#"{"path":"/"}"#);
    assert_eq!(api.host_port(), addr.to_string());
}

#[tokio::test]
async fn answers_are_taken_once_and_unknown_ids_refused() {
    let (api, seen) = api();
    let addr = api.addr;
    api.deliver(delivery(1, "req-1"));
    assert_eq!(http(addr, "GET", NEXT, &[], "").await.0, 200);
    let path = "/2018-06-01/runtime/invocation/req-1/response";
    let (status, _, body) = http(addr, "POST", path, &[], r#"{"statusCode":200}"#).await;
    assert_eq!(status, 202, "{body}");
    let (status, _, body) = http(addr, "POST", path, &[], "{}").await;
    assert_eq!(status, 403, "a second answer: {body}");
    assert!(body.contains("InvalidStateTransition"));
    let (status, _, body) = http(
        addr,
        "POST",
        "/2018-06-01/runtime/invocation/nope/response",
        &[],
        "{}",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("InvalidRequestID"));
    let (status, _, _) = http(
        addr,
        "POST",
        "/2018-06-01/runtime/invocation/nope/error",
        &[],
        "{}",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        http(addr, "GET", "/2018-06-01/runtime/other", &[], "")
            .await
            .0,
        404
    );
    let msgs = seen.lock().unwrap();
    assert_eq!(
        msgs.iter()
            .filter(|m| matches!(m, RuntimeMsg::Response { invocation: 1, .. }))
            .count(),
        1
    );
}

/// (request id, extra headers, error body, the type expected)
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);

#[tokio::test]
async fn error_bodies_of_the_official_clients() {
    let (api, seen) = api();
    let addr = api.addr;
    let cases: [Case<'_>; 3] = [
        // awslambdaric (Python)
        (
            "py",
            &[],
            r#"{"errorMessage":"boom","errorType":"ZeroDivisionError","requestId":"py","stackTrace":["  File \"/var/task/app.py\", line 3\n"]}"#,
            "ZeroDivisionError",
        ),
        // aws-lambda-ric (Node.js)
        (
            "node",
            &[],
            r#"{"errorType":"TypeError","errorMessage":"x is not a function","trace":["TypeError: x is not a function","    at Runtime.handler (/var/task/index.js:2:3)"]}"#,
            "TypeError",
        ),
        // lambda_runtime (Rust): the type also in a header
        (
            "rust",
            &[(
                "lambda-runtime-function-error-type",
                "&alloc::boxed::Box<dyn core::error::Error>",
            )],
            r#"{"errorType":"&alloc::boxed::Box<dyn core::error::Error>","errorMessage":"fixture"}"#,
            "&alloc::boxed::Box<dyn core::error::Error>",
        ),
    ];
    for (i, (id, headers, body, want)) in cases.iter().enumerate() {
        api.deliver(delivery(i as u64, id));
        assert_eq!(http(addr, "GET", NEXT, &[], "").await.0, 200);
        let path = format!("/2018-06-01/runtime/invocation/{id}/error");
        assert_eq!(http(addr, "POST", &path, headers, body).await.0, 202);
        let msgs = seen.lock().unwrap();
        let got = msgs.iter().rev().find_map(|m| match m {
            RuntimeMsg::Error { error_type, .. } => Some(error_type.clone()),
            _ => None,
        });
        assert_eq!(got.as_deref(), Some(*want));
    }
    let (status, _, _) = http(
        addr,
        "POST",
        "/2018-06-01/runtime/init/error",
        &[],
        r#"{"errorMessage":"No module named 'app'","errorType":"Runtime.ImportModuleError","stackTrace":[]}"#,
    )
    .await;
    assert_eq!(status, 202);
    assert!(seen.lock().unwrap().iter().any(|m| matches!(m, RuntimeMsg::InitError { error_type, .. } if error_type == "Runtime.ImportModuleError")));
}
