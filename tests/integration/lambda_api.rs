//! The emulator's Lambda API through the Rust SDK (`aws-sdk-lambda`) with an endpoint
//! URL, as any program invokes a function: concurrency makes environments, reserved
//! concurrency throttles with Lambda's reason, the queue takes `Event` invocations, the
//! control calls change the running model, and bad requests get Lambda's errors.

use std::collections::HashSet;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType, ThrottleReason};
use base64::Engine as _;
use thaw::config::EmulatorConfig;
use thaw::event::EventKind;

use crate::common::tools::{Tool, need};
use crate::common::{self, aws_servers};

async fn client(url: &str) -> Client {
    Client::new(&aws_servers::sdk_with(url, false).await)
}

/// What one invocation said: its environment (from the payload) and whether its REPORT
/// has an Init Duration (from the Tail log).
async fn invoke(client: &Client, payload: &str) -> Result<(String, bool), String> {
    let out = client
        .invoke()
        .function_name("thaw-emulated")
        .log_type(LogType::Tail)
        .payload(Blob::new(payload))
        .send()
        .await
        .map_err(|e| format!("{:?}", e.into_service_error()))?;
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.executed_version(), Some("$LATEST"));
    let body: serde_json::Value =
        serde_json::from_slice(out.payload().expect("payload").as_ref()).expect("json");
    let log = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().expect("Tail log"))
        .expect("base64");
    let log = String::from_utf8(log).expect("utf-8");
    let report = log
        .lines()
        .find(|l| l.starts_with("REPORT RequestId:"))
        .unwrap_or_else(|| panic!("no REPORT in the Tail log: {log}"));
    Ok((
        body["environment"]
            .as_str()
            .expect("environment")
            .to_string(),
        report.contains("Init Duration"),
    ))
}

async fn fifty(client: &Client, payload: &str) -> Vec<Result<(String, bool), String>> {
    let calls = (0..50).map(|_| invoke(client, payload));
    futures_util::future::join_all(calls).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_invokes_make_fifty_cold_environments_then_reuse_them_warm() {
    let emu = common::start(common::quick()).await;
    let client = client(&emu.emulator.url()).await;
    let first = fifty(&client, r#"{"sleep_ms": 400}"#).await;
    let first: Vec<_> = first.into_iter().map(Result::unwrap).collect();
    let envs: HashSet<_> = first.iter().map(|(e, _)| e.clone()).collect();
    assert_eq!(envs.len(), 50, "one environment per concurrent invoke");
    assert!(
        first.iter().all(|(_, cold)| *cold),
        "all cold the first time"
    );
    let again = fifty(&client, r#"{"sleep_ms": 400}"#).await;
    let again: Vec<_> = again.into_iter().map(Result::unwrap).collect();
    assert!(
        again.iter().all(|(_, cold)| !cold),
        "all warm the second time"
    );
    let reused: HashSet<_> = again.iter().map(|(e, _)| e.clone()).collect();
    assert_eq!(reused, envs, "the same fifty environments");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_of_ten_throttles_forty_with_lambdas_reason() {
    let emu = common::start(common::quick()).await;
    let client = client(&emu.emulator.url()).await;
    let put = client
        .put_function_concurrency()
        .function_name("thaw-emulated")
        .reserved_concurrent_executions(10)
        .send()
        .await
        .expect("PutFunctionConcurrency");
    assert_eq!(put.reserved_concurrent_executions(), Some(10));
    let results = fifty(&client, r#"{"sleep_ms": 400}"#).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let throttled: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!((ok, throttled.len()), (10, 40));
    assert!(
        throttled
            .iter()
            .all(|e| e.contains("TooManyRequestsException")
                && e.contains("ReservedFunctionConcurrentInvocationLimitExceeded")),
        "{:?}",
        throttled.first()
    );
    // The reason, typed, as the SDK parses it.
    let err = client
        .put_function_concurrency()
        .function_name("thaw-emulated")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .expect("reserved 0");
    assert_eq!(err.reserved_concurrent_executions(), Some(0));
    let refused = client
        .invoke()
        .function_name("thaw-emulated")
        .send()
        .await
        .expect_err("reserved 0 throttles every invoke")
        .into_service_error();
    let reason = match refused {
        aws_sdk_lambda::operation::invoke::InvokeError::TooManyRequestsException(e) => {
            e.reason().cloned()
        }
        other => panic!("not a throttle: {other:?}"),
    };
    assert_eq!(
        reason,
        Some(ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded)
    );
    client
        .delete_function_concurrency()
        .function_name("thaw-emulated")
        .send()
        .await
        .expect("DeleteFunctionConcurrency");
    assert!(invoke(&client, "{}").await.is_ok(), "unthrottled again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioned_concurrency_is_in_progress_until_its_environments_ran_init() {
    let cfg = EmulatorConfig {
        init_ms: Some(300.0),
        ..common::quick()
    };
    let mut emu = common::start(cfg).await;
    let client = client(&emu.emulator.url()).await;
    let put = client
        .put_provisioned_concurrency_config()
        .function_name("thaw-emulated")
        .qualifier("live")
        .provisioned_concurrent_executions(3)
        .send()
        .await
        .expect("PutProvisionedConcurrencyConfig");
    assert_eq!(
        put.status()
            .map(aws_sdk_lambda::types::ProvisionedConcurrencyStatusEnum::as_str),
        Some("IN_PROGRESS")
    );
    let mut status = String::new();
    for _ in 0..50 {
        let got = client
            .get_provisioned_concurrency_config()
            .function_name("thaw-emulated")
            .qualifier("live")
            .send()
            .await
            .expect("GetProvisionedConcurrencyConfig");
        status = got
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if status == "READY" {
            assert_eq!(got.available_provisioned_concurrent_executions(), Some(3));
            break;
        }
        common::sleep_ms(50).await;
    }
    assert_eq!(status, "READY");
    let events = emu.drain();
    let born = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::InitStart { init_type, .. } if init_type.as_str() == "provisioned-concurrency"))
        .count();
    assert_eq!(born, 3, "the screen sees three environments born");
    assert!(
        events.iter().any(|e| matches!(&e.kind, EventKind::FunctionConfig(f) if f.limits().contains("provisioned"))),
        "the function's configuration on screen changes with it"
    );
    let on_latest = client
        .put_provisioned_concurrency_config()
        .function_name("thaw-emulated")
        .qualifier("$LATEST")
        .provisioned_concurrent_executions(1)
        .send()
        .await
        .expect_err("not on $LATEST");
    assert!(format!("{:?}", on_latest.into_service_error()).contains("InvalidParameterValue"));
    let conf = client
        .get_function()
        .function_name("thaw-emulated")
        .send()
        .await
        .expect("GetFunction");
    let c = conf.configuration().expect("configuration");
    assert_eq!(c.function_name(), Some("thaw-emulated"));
    assert_eq!(c.memory_size(), Some(128));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_invocations_queue_and_a_failing_one_is_dropped_when_retries_are_off() {
    let mut emu = common::start(common::quick()).await;
    let client = client(&emu.emulator.url()).await;
    client
        .put_function_event_invoke_config()
        .function_name("thaw-emulated")
        .maximum_retry_attempts(0)
        .send()
        .await
        .expect("PutFunctionEventInvokeConfig");
    for payload in [r#"{"sleep_ms": 20}"#, r#"{"fail": true}"#] {
        let out = client
            .invoke()
            .function_name("thaw-emulated")
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload))
            .send()
            .await
            .expect("Event");
        assert_eq!(out.status_code(), 202);
    }
    let dry = client
        .invoke()
        .function_name("thaw-emulated")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .expect("DryRun");
    assert_eq!(dry.status_code(), 204);
    let mut last = None;
    for _ in 0..100 {
        for e in emu.drain() {
            if let EventKind::AsyncQueue(q) = e.kind {
                last = Some(q);
            }
        }
        if last.is_some_and(|q| q.depth == 0 && q.delivered + q.dropped == 2) {
            break;
        }
        common::sleep_ms(20).await;
    }
    let q = last.expect("the queue is shown");
    assert_eq!((q.delivered, q.dropped, q.retried), (1, 1, 0), "{q:?}");
}

#[tokio::test]
async fn bad_requests_get_lambdas_own_errors() {
    let emu = common::start(common::quick()).await;
    let client = client(&emu.emulator.url()).await;
    let code = |e: String| e.split(['(', ' ']).next().unwrap_or_default().to_string();
    let unknown = client.invoke().function_name("nope").send().await;
    let unknown = format!("{:?}", unknown.expect_err("404").into_service_error());
    assert_eq!(code(unknown), "ResourceNotFoundException");
    let qualifier = client
        .invoke()
        .function_name("thaw-emulated")
        .qualifier("42")
        .send()
        .await;
    let qualifier = format!("{:?}", qualifier.expect_err("404").into_service_error());
    assert_eq!(code(qualifier), "ResourceNotFoundException");
    let malformed = client
        .invoke()
        .function_name("thaw-emulated")
        .payload(Blob::new("{not json"))
        .send()
        .await;
    let malformed = format!("{:?}", malformed.expect_err("400").into_service_error());
    assert_eq!(code(malformed), "InvalidRequestContentException");
    let big = client
        .invoke()
        .function_name("thaw-emulated")
        .payload(Blob::new(vec![b' '; 6 * 1024 * 1024 + 10]))
        .send()
        .await;
    let big = format!("{:?}", big.expect_err("413").into_service_error());
    assert_eq!(code(big), "RequestTooLargeException");
    let failed = client
        .invoke()
        .function_name("thaw-emulated")
        .payload(Blob::new(r#"{"fail": true}"#))
        .send()
        .await
        .expect("a function error is a 200");
    assert_eq!(failed.function_error(), Some("Unhandled"));
}

#[tokio::test]
#[ignore = "needs curl: ./scripts/test runs it"]
async fn unsigned_requests_are_refused_when_signing_is_required() {
    need(&[Tool::Curl]);
    let cfg = EmulatorConfig {
        require_signature: true,
        ..common::quick()
    };
    let emu = common::start(cfg).await;
    let url = format!(
        "{}/2015-03-31/functions/thaw-emulated/invocations",
        emu.emulator.url()
    );
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("curl")
            .args(["-s", "-i", "-X", "POST", "-d", "{}", &url])
            .output()
            .expect("curl")
    })
    .await
    .expect("joins");
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(text.starts_with("http/1.1 403"), "{text}");
    assert!(
        text.contains("x-amzn-errortype: missingauthenticationtokenexception"),
        "{text}"
    );
    // The SDK signs: it gets through.
    let client = client(&emu.emulator.url()).await;
    assert!(invoke(&client, "{}").await.is_ok());
}
