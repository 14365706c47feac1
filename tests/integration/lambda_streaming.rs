//! Response streaming end to end: a Node.js function written with
//! `awslambda.streamifyResponse`, run by AWS's `aws-lambda-ric`, streams through a
//! function URL front and through `InvokeWithResponseStream` (Rust SDK and boto3); the
//! first bytes arrive before the last are written.

use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvokeWithResponseStreamResponseEvent as StreamEvent;
use http_body_util::BodyExt as _;
use thaw::config::{EmulatorConfig, Front, Handler, ProcessConfig};

use crate::common::tools::{Tool, need};
use crate::common::{self, aws_servers};

/// The gap between the function's two parts (400 ms) less room for a slow machine.
const GAP: Duration = Duration::from_millis(250);

fn node_stream(front: Front) -> EmulatorConfig {
    let (dir, _, _) = crate::readme_lines::prepared();
    EmulatorConfig {
        handler: Handler::Process,
        front,
        timeout_s: 10.0,
        process: ProcessConfig {
            command: vec![
                "npx".into(),
                "aws-lambda-ric".into(),
                "stream.handler".into(),
            ],
            cwd: Some(dir.join("assets/probe/node").display().to_string()),
            ..Default::default()
        },
        ..EmulatorConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node, npm, python3: ./scripts/test runs it"]
async fn a_function_url_streams_the_first_part_before_the_last_is_written() {
    need(&[Tool::Node, Tool::Npm, Tool::Python]);
    let emu = common::start(node_stream(Front::FunctionUrl)).await;
    let url: hyper::Uri = format!("{}/stream", emu.emulator.url()).parse().unwrap();
    let stream = tokio::net::TcpStream::connect(url.authority().unwrap().as_str())
        .await
        .unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = hyper::Request::get("/stream")
        .header("host", url.authority().unwrap().as_str())
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["x-streamed-by"],
        "node",
        "the prelude's headers"
    );
    assert_eq!(res.headers()["content-type"], "text/plain");
    let mut body = res.into_body();
    let (mut text, mut first_at) = (String::new(), None);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            first_at.get_or_insert_with(Instant::now);
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    let gap = first_at.unwrap().elapsed();
    assert_eq!(text, "first part\nlast part\n");
    assert!(
        gap >= GAP,
        "the first part arrived only {gap:?} before the end"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node, npm, python3: ./scripts/test runs it"]
async fn the_sdks_stream_reads_payload_chunks_as_they_are_written() {
    need(&[Tool::Node, Tool::Npm, Tool::Python]);
    let emu = common::start(node_stream(Front::RestApi)).await;
    let client =
        aws_sdk_lambda::Client::new(&aws_servers::sdk_with(&emu.emulator.url(), false).await);
    let out = client
        .invoke_with_response_stream()
        .function_name("thaw-emulated")
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("InvokeWithResponseStream");
    assert_eq!(out.status_code(), 200);
    let mut events = out.event_stream;
    let (mut text, mut first_at, mut completed) = (String::new(), None, None);
    while let Some(event) = events.recv().await.expect("a valid event stream") {
        match event {
            StreamEvent::PayloadChunk(c) => {
                first_at.get_or_insert_with(Instant::now);
                text.push_str(&String::from_utf8_lossy(c.payload().unwrap().as_ref()));
            }
            StreamEvent::InvokeComplete(c) => {
                completed = Some((c.error_code().map(str::to_string), Instant::now()));
            }
            _ => {}
        }
    }
    assert_eq!(text, "first part\nlast part\n");
    let (error, done_at) = completed.expect("InvokeComplete");
    assert_eq!(error, None);
    let gap = done_at - first_at.unwrap();
    assert!(
        gap >= GAP,
        "the first chunk came only {gap:?} before the end"
    );

    // A stream that breaks off: InvokeComplete names the error.
    let out = client
        .invoke_with_response_stream()
        .function_name("thaw-emulated")
        .payload(Blob::new(r#"{"fail": true}"#))
        .send()
        .await
        .expect("InvokeWithResponseStream");
    let mut events = out.event_stream;
    let mut error = None;
    while let Some(event) = events.recv().await.expect("a valid event stream") {
        if let StreamEvent::InvokeComplete(c) = event {
            error = c.error_code().map(str::to_string);
        }
    }
    assert!(error.is_some_and(|e| !e.is_empty()), "the error is named");

    // A plain Invoke gets the streamed answer whole.
    let whole = client
        .invoke()
        .function_name("thaw-emulated")
        .send()
        .await
        .expect("Invoke");
    assert_eq!(
        whole.payload().unwrap().as_ref(),
        b"first part\nlast part\n"
    );
}

const BOTO3_STREAM: &str = r#"
import json, sys, time
import boto3
lam = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1")
r = lam.invoke_with_response_stream(FunctionName="thaw-emulated", Payload=b"{}")
first = None
text = ""
for event in r["EventStream"]:
    if "PayloadChunk" in event:
        first = first or time.monotonic()
        text += event["PayloadChunk"]["Payload"].decode()
    if "InvokeComplete" in event:
        done = time.monotonic()
print(json.dumps({"text": text, "gap_ms": (done - first) * 1000}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node, npm, python3, moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn boto3_reads_the_stream_too() {
    need(&[Tool::Node, Tool::Npm, Tool::Python, Tool::AwsServers]);
    let emu = common::start(node_stream(Front::RestApi)).await;
    let url = emu.emulator.url();
    let out = tokio::task::spawn_blocking(move || {
        aws_servers::client("python")
            .args(["-c", BOTO3_STREAM, &url])
            .output()
            .expect("python runs")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["text"], "first part\nlast part\n");
    assert!(
        got["gap_ms"].as_f64().unwrap() >= GAP.as_secs_f64() * 1000.0,
        "{got}"
    );
}

fn rust_stream(front: Front) -> EmulatorConfig {
    let (dir, _, _) = crate::readme_lines::prepared();
    let bin = dir.join("assets/probe/rust/target/debug/stream");
    assert!(
        bin.exists(),
        "the README's cargo build makes {}",
        bin.display()
    );
    EmulatorConfig {
        handler: Handler::Process,
        front,
        timeout_s: 10.0,
        process: ProcessConfig {
            command: vec![bin.display().to_string()],
            ..Default::default()
        },
        ..EmulatorConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node, npm, python3: ./scripts/test runs it"]
async fn a_rust_function_streams_through_a_function_url_and_the_api() {
    need(&[Tool::Node, Tool::Npm, Tool::Python]);
    let emu = common::start(rust_stream(Front::FunctionUrl)).await;
    let url = format!("{}/stream", emu.emulator.url());
    // curl prints each part as it arrives: the first well before the last.
    let lines = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut child = std::process::Command::new("curl")
            .args(["-s", "-N", "-i", &url])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        let mut line = String::new();
        while std::io::BufRead::read_line(&mut reader, &mut line).unwrap() > 0 {
            lines.push((line.trim_end().to_string(), started.elapsed()));
            line.clear();
        }
        child.wait().unwrap();
        lines
    })
    .await
    .unwrap();
    let at = |text: &str| match lines.iter().find(|(l, _)| l == text) {
        Some((_, t)) => *t,
        None => panic!("no line {text:?} in {lines:?}"),
    };
    assert!(
        lines
            .iter()
            .any(|(l, _)| l.eq_ignore_ascii_case("x-streamed-by: rust"))
    );
    assert!(
        at("last part").saturating_sub(at("first part")) >= GAP,
        "{lines:?}"
    );

    let emu = common::start(rust_stream(Front::RestApi)).await;
    let client =
        aws_sdk_lambda::Client::new(&aws_servers::sdk_with(&emu.emulator.url(), false).await);
    let out = client
        .invoke_with_response_stream()
        .function_name("thaw-emulated")
        .send()
        .await
        .expect("InvokeWithResponseStream");
    assert_eq!(
        out.response_stream_content_type(),
        Some("application/vnd.awslambda.http-integration-response"),
        "the function's stream type, passed on with its prelude"
    );
    let mut events = out.event_stream;
    let (mut text, mut first_at) = (String::new(), None);
    while let Some(event) = events.recv().await.expect("a valid event stream") {
        if let StreamEvent::PayloadChunk(c) = event {
            let chunk = String::from_utf8_lossy(c.payload().unwrap().as_ref()).into_owned();
            if chunk.contains("first part") {
                first_at = Some(Instant::now());
            }
            text.push_str(&chunk);
        }
    }
    assert!(text.ends_with("first part\nlast part\n"), "{text:?}");
    assert!(first_at.unwrap().elapsed() >= GAP);
}
