//! `thaw doctor` as a user runs it before pointing the screen at a function: against
//! moto (STS, Lambda, CloudWatch Logs) and LocalStack (CloudWatch metrics) with the
//! function, its log group and metrics seeded; without credentials; without a Region; and
//! behind a stub that denies one action. Each line and the exit status are checked.

use std::process::Command;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::tools::{Tool, need};
use crate::common::{aws_servers, lambda_fn, lambda_logs, scratch};

/// `thaw doctor ARGS` with no AWS settings from outside (a scratch HOME, no AWS_*
/// variables) but `env`; returns the exit status and stdout.
fn doctor(args: &[&str], env: &[(&str, String)]) -> (i32, String) {
    let home = scratch::scratch("doctor-home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_thaw"));
    cmd.arg("doctor").args(args).env("HOME", &home);
    // Tests talk to loopback only: no instance metadata lookups for credentials.
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), format!("{stdout}{stderr}"))
}

fn creds() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
    ]
}

/// `thaw doctor --function hello` with every AWS call sent to `endpoint`, tried once.
async fn hello_through(endpoint: &str) -> (i32, String) {
    let mut env = creds();
    env.push(("AWS_ENDPOINT_URL", endpoint.to_string()));
    env.push(("AWS_MAX_ATTEMPTS", "1".into()));
    tokio::task::spawn_blocking(move || {
        doctor(&["--function", "hello", "--region", "us-east-1"], &env)
    })
    .await
    .unwrap()
}

fn line<'a>(out: &'a str, check: &str) -> &'a str {
    out.lines()
        .find(|l| {
            l.split_once(' ')
                .is_some_and(|(_, rest)| rest.starts_with(check))
        })
        .unwrap_or_else(|| panic!("no '{check}' line:\n{out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn a_seeded_function_passes_every_check() {
    need(&[Tool::AwsServers]);
    let moto = aws_servers::moto();
    let localstack = aws_servers::localstack();
    let sdk = aws_servers::sdk(&moto.url).await;
    lambda_fn::create(&sdk, moto.port, "hello", Some(10)).await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    lambda_logs::put(&logs, "/aws/lambda/hello", &lambda_logs::streams(false)).await;
    let mut env = creds();
    env.push(("AWS_ENDPOINT_URL", moto.url.clone()));
    // CloudWatch speaks CBOR, which moto lacks: metrics go to LocalStack.
    env.push(("AWS_ENDPOINT_URL_CLOUDWATCH", localstack.url.clone()));
    let (code, out) = doctor(
        &["--function", "hello", "--region", "us-east-1", "-n", "50"],
        &env,
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        line(&out, "Region").starts_with("✓") && out.contains("us-east-1"),
        "{out}"
    );
    assert!(
        line(&out, "credentials")
            .contains("arn:aws:sts::123456789012:user/moto (account 123456789012)"),
        "{out}"
    );
    let f = line(&out, "function");
    assert!(f.starts_with("✓"), "{out}");
    assert!(
        f.contains("hello: nodejs22.x 256 MB arm64 · reserved 10 · timeout 3 s · "),
        "{out}"
    );
    assert!(
        line(&out, "log group").contains("/aws/lambda/hello"),
        "{out}"
    );
    assert!(line(&out, "log events").starts_with("✓"), "{out}");
    assert!(line(&out, "metrics").starts_with("✓"), "{out}");
    assert!(line(&out, "metric names").starts_with("✓"), "{out}");
    assert!(line(&out, "endpoint").starts_with("–"), "{out}");
    assert!(line(&out, "open files").starts_with("✓"), "{out}");
    assert!(
        out.ends_with("thaw doctor: ready; the screen will work\n"),
        "{out}"
    );

    // The same as JSON, for scripts.
    let mut args = vec!["--function", "hello", "--region", "us-east-1", "-o", "json"];
    let (code, json) = doctor(&args, &env);
    assert_eq!(code, 0, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["checks"][2]["check"], "function");
    assert_eq!(v["checks"][2]["verdict"], "pass");

    // A function that is not there: that line says so, and the status is 1.
    args[1] = "nothere";
    args.truncate(4);
    let (code, out) = doctor(&args, &env);
    assert_eq!(code, 1, "{out}");
    assert!(
        line(&out, "function").contains(
            "✗ function      no function 'nothere' in us-east-1: check --function and --region"
        ),
        "{out}"
    );
    assert!(
        line(&out, "log group").contains("/aws/lambda/nothere does not exist"),
        "{out}"
    );
}

#[test]
fn no_credentials_names_the_fix() {
    let (code, out) = doctor(
        &["--function", "hello", "--region", "us-east-1"],
        &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9".into())],
    );
    assert_eq!(code, 1, "{out}");
    assert!(line(&out, "Region").starts_with("✓"), "{out}");
    let c = line(&out, "credentials");
    assert!(c.starts_with("✗") && c.contains("aws configure"), "{out}");
    assert!(line(&out, "function").starts_with("–"), "{out}");
}

#[test]
fn no_region_names_the_fix() {
    let (code, out) = doctor(&["--function", "hello"], &creds());
    assert_eq!(code, 1, "{out}");
    let r = line(&out, "Region");
    assert!(r.starts_with("✗") && r.contains("pass --region"), "{out}");
    assert!(line(&out, "credentials").starts_with("–"), "{out}");
}

/// Forwards every request to `upstream` except `logs:FilterLogEvents`, which it denies
/// as IAM would.
async fn deny_filter_log_events(upstream: u16) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 16384];
                // The head, then as much body as Content-Length says.
                let (head_end, length) = loop {
                    let n = client.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    req.extend_from_slice(&buf[..n]);
                    if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&req[..i]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (i + 4, length);
                    }
                };
                while req.len() < head_end + length {
                    let n = client.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    req.extend_from_slice(&buf[..n]);
                }
                let head = String::from_utf8_lossy(&req[..head_end]).to_lowercase();
                if head.contains("x-amz-target: logs_20140328.filterlogevents") {
                    let body = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:user/moto is not authorized to perform: logs:FilterLogEvents"}"#;
                    let answer = format!(
                        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-ErrorType: AccessDeniedException\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = client.write_all(answer.as_bytes()).await;
                    return;
                }
                // Anything else: to moto, one request per connection.
                let text = String::from_utf8_lossy(&req[..head_end]).into_owned();
                let mut head = text
                    .lines()
                    .filter(|l| !l.is_empty() && !l.to_lowercase().starts_with("connection:"))
                    .collect::<Vec<_>>()
                    .join("\r\n");
                head.push_str("\r\nConnection: close");
                let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    return;
                };
                let _ = up.write_all(head.as_bytes()).await;
                let _ = up.write_all(b"\r\n\r\n").await;
                let _ = up.write_all(&req[head_end..]).await;
                // Both ways until either side closes: a Live Tail answer is a stream.
                let _ = tokio::io::copy_bidirectional(&mut client, &mut up).await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn a_denied_action_is_named_with_its_fix() {
    need(&[Tool::AwsServers]);
    let moto = aws_servers::moto();
    let sdk = aws_servers::sdk(&moto.url).await;
    lambda_fn::create(&sdk, moto.port, "hello", None).await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    lambda_logs::put(&logs, "/aws/lambda/hello", &lambda_logs::streams(false)).await;
    let stub = deny_filter_log_events(moto.port).await;
    let (code, out) = hello_through(&format!("http://127.0.0.1:{stub}")).await;
    assert_eq!(code, 1, "{out}");
    assert!(line(&out, "function").starts_with("✓"), "{out}");
    let denied = line(&out, "log events");
    assert!(
        denied.starts_with("✗ log events    logs:FilterLogEvents denied"),
        "{out}"
    );
    assert!(
        denied.contains("allow logs:FilterLogEvents in the IAM policy"),
        "{out}"
    );
    assert!(out.contains("thaw doctor: "), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_without_probe_headers_is_said_so() {
    let emu = crate::common::start(crate::common::quick()).await;
    let url = emu.url("");
    let (code, out) = tokio::task::spawn_blocking(move || doctor(&["--url", &url], &[]))
        .await
        .unwrap();
    assert_eq!(code, 0, "{out}");
    assert!(line(&out, "AWS").starts_with("–"), "{out}");
    let e = line(&out, "endpoint");
    assert!(e.starts_with("✓") && e.contains("answered 200"), "{out}");
    assert!(e.contains("probe headers: environment"), "{out}");
    let (code, out) = doctor(&["--url", "http://127.0.0.1:9/"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        line(&out, "endpoint").contains("did not answer (refused)"),
        "{out}"
    );
}

/// An endpoint that accepts and never answers: the check fails after its time limit
/// instead of the doctor hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_never_answers_is_a_failed_line_not_a_hang() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn);
        }
    });
    let (code, out) = hello_through(&format!("http://127.0.0.1:{port}")).await;
    assert_eq!(code, 1, "{out}");
    let c = line(&out, "credentials");
    assert!(
        c.starts_with("✗") && c.contains("did not answer in time"),
        "{out}"
    );
    assert!(!c.contains("retrying"), "{out}");
}
