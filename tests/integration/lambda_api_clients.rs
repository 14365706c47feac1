//! The emulator's Lambda API driven by software nobody here wrote: the AWS CLI and
//! boto3 (installed by scripts/aws-test-servers), each with `--endpoint-url`.

use base64::Engine as _;
use serde_json::Value;
use thaw::event::{EventKind, InitType};

use crate::common::tools::{Tool, need};
use crate::common::{self, aws_servers, scratch::scratch};

/// Runs `aws lambda ARGS --endpoint-url URL`; its JSON output, or its error text.
fn aws(url: &str, args: &[&str]) -> Result<Value, String> {
    let out = aws_servers::client("aws")
        .arg("lambda")
        .args(args)
        .args(["--endpoint-url", url, "--output", "json"])
        .output()
        .expect("the AWS CLI runs");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn report(log_result: &Value) -> String {
    let log = base64::engine::general_purpose::STANDARD
        .decode(log_result.as_str().expect("LogResult"))
        .expect("base64");
    String::from_utf8(log)
        .expect("utf-8")
        .lines()
        .find(|l| l.starts_with("REPORT"))
        .expect("a REPORT line")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn the_aws_cli_invokes_tails_queues_and_provisions() {
    need(&[Tool::AwsServers]);
    let mut emu = common::start(common::quick()).await;
    let url = emu.emulator.url();
    let out = scratch("out.json");
    let out = out.to_str().expect("utf-8 path");
    let (u, o) = (url.clone(), out.to_string());
    let first = tokio::task::spawn_blocking(move || {
        aws(
            &u,
            &[
                "invoke",
                "--function-name",
                "thaw-emulated",
                "--log-type",
                "Tail",
                "--payload",
                r#"{"sleep_ms": 5}"#,
                &o,
            ],
        )
    })
    .await
    .expect("joins")
    .expect("invoke");
    assert_eq!(first["StatusCode"], 200);
    assert!(
        report(&first["LogResult"]).contains("Init Duration"),
        "cold"
    );
    let payload: Value =
        serde_json::from_slice(&std::fs::read(out).expect("outfile")).expect("json");
    assert_eq!(payload["cold"], true);

    let (u, o) = (url.clone(), out.to_string());
    let queued = tokio::task::spawn_blocking(move || {
        aws(
            &u,
            &[
                "invoke",
                "--function-name",
                "thaw-emulated",
                "--invocation-type",
                "Event",
                &o,
            ],
        )
    })
    .await
    .expect("joins")
    .expect("Event");
    assert_eq!(queued["StatusCode"], 202);

    let u = url.clone();
    let pc = tokio::task::spawn_blocking(move || {
        aws(
            &u,
            &[
                "put-provisioned-concurrency-config",
                "--function-name",
                "thaw-emulated",
                "--qualifier",
                "live",
                "--provisioned-concurrent-executions",
                "2",
            ],
        )
    })
    .await
    .expect("joins")
    .expect("put-provisioned-concurrency-config");
    assert_eq!(pc["RequestedProvisionedConcurrentExecutions"], 2);
    common::sleep_ms(300).await;
    let born = emu
        .drain()
        .iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::InitStart { init_type, .. }
                if *init_type == InitType::ProvisionedConcurrency)
        })
        .count();
    assert_eq!(
        born, 2,
        "the running emulator starts two provisioned environments"
    );

    let u = url.clone();
    let unknown = tokio::task::spawn_blocking(move || {
        aws(&u, &["get-function", "--function-name", "missing"])
    })
    .await
    .expect("joins")
    .expect_err("unknown function");
    assert!(unknown.contains("ResourceNotFoundException"), "{unknown}");
}

const BOTO3: &str = r#"
import base64, json, sys
import boto3
from concurrent.futures import ThreadPoolExecutor
from botocore.config import Config

url = sys.argv[1]
lam = boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                   config=Config(retries={"max_attempts": 1}, max_pool_connections=20))

def one(_):
    r = lam.invoke(FunctionName="thaw-emulated", LogType="Tail",
                   Payload=json.dumps({"sleep_ms": 300}))
    log = base64.b64decode(r["LogResult"]).decode()
    body = json.loads(r["Payload"].read())
    return body["environment"], "Init Duration" in log

with ThreadPoolExecutor(20) as pool:
    first = list(pool.map(one, range(20)))
with ThreadPoolExecutor(20) as pool:
    again = list(pool.map(one, range(20)))
try:
    lam.invoke(FunctionName="thaw-emulated", Payload=b"{oops")
    bad = None
except lam.exceptions.InvalidRequestContentException as e:
    bad = e.response["Error"]["Code"]
print(json.dumps({
    "envs": len({e for e, _ in first}),
    "cold_first": sum(c for _, c in first),
    "cold_again": sum(c for _, c in again),
    "same": {e for e, _ in first} == {e for e, _ in again},
    "bad": bad,
}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn boto3_sees_twenty_cold_environments_then_twenty_warm() {
    need(&[Tool::AwsServers]);
    let emu = common::start(common::quick()).await;
    let url = emu.emulator.url();
    let out = tokio::task::spawn_blocking(move || {
        aws_servers::client("python")
            .args(["-c", BOTO3, &url])
            .output()
            .expect("python runs")
    })
    .await
    .expect("joins");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(got["envs"], 20);
    assert_eq!(got["cold_first"], 20);
    assert_eq!(got["cold_again"], 0);
    assert_eq!(got["same"], true);
    assert_eq!(got["bad"], "InvalidRequestContentException");
}

/// `thaw burst ARGS`: its JSON summary and exit status.
fn burst(args: &[&str]) -> (Value, Option<i32>) {
    let (summary, code, stderr) = common::burst_json(args);
    assert!(!summary.is_null(), "no JSON summary: {stderr}");
    (summary, code)
}

#[test]
#[ignore = "needs curl: ./scripts/test runs it"]
fn thaw_bursts_through_the_invoke_api_cold_and_warm_exactly_from_the_tail_log() {
    need(&[Tool::Curl]);
    // A real server (thaw emulate) that takes only signed requests: thaw signs them,
    // with placeholder credentials on loopback when the machine has none.
    let served = common::serve(&["--port", "0", "--set", "emulator.require_signature=true"]);
    let lambda = ["lambda:thaw-emulated", "--endpoint-url", &served.url];
    let payload = ["-d", r#"{"sleep_ms": 300}"#];
    let (first, code) = burst(&[&lambda[..], &["-p", "parallel 100"], &payload].concat());
    assert_eq!(code, Some(0), "{first}");
    assert_eq!(first["cold"], 100, "{first}");
    assert_eq!(first["inferred"], 0, "exact, from the Tail log's REPORT");
    assert_eq!(
        first["environments"], 100,
        "the payload names each environment"
    );
    let (again, _) = burst(&[&lambda[..], &["-p", "parallel 100"], &payload].concat());
    assert_eq!(
        (again["cold"].as_u64(), again["warm"].as_u64()),
        (Some(0), Some(100))
    );

    // Reserved concurrency 10: Lambda's throttle, and its reason, reported.
    let put = std::process::Command::new("curl")
        .args([
            "-s",
            "-X",
            "PUT",
            "-H",
            "Authorization: AWS4-HMAC-SHA256 Credential=x",
            "-d",
            r#"{"ReservedConcurrentExecutions": 10}"#,
            &format!(
                "{}/2017-10-31/functions/thaw-emulated/concurrency",
                served.url
            ),
        ])
        .output()
        .expect("curl");
    assert!(String::from_utf8_lossy(&put.stdout).contains("10"));
    let (throttled, code) = burst(&[&lambda[..], &["-p", "parallel 50"], &payload].concat());
    assert_eq!(code, Some(3), "failed requests: exit status 3");
    assert_eq!(throttled["throttled"], 40, "{throttled}");
    let said = throttled["said"].to_string();
    assert!(
        said.contains(
            "TooManyRequestsException (ReservedFunctionConcurrentInvocationLimitExceeded)"
        ) && said.contains("40"),
        "{said}"
    );
    // Queued invocations answer 202 before any Init: nothing is classified from them.
    let event = crate::common::scratch::scratch("event.json");
    std::fs::write(&event, r#"{"sleep_ms": 10}"#).unwrap();
    let event = event.to_str().unwrap();
    let (queued, code) = burst(
        &[
            &lambda[..],
            &[
                "-p",
                "parallel 5",
                "--invocation-type",
                "Event",
                "--payload-file",
                event,
            ],
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{queued}");
    assert_eq!(
        (
            queued["ok"].as_u64(),
            queued["cold"].as_u64(),
            queued["warm"].as_u64()
        ),
        (Some(5), Some(0), Some(0)),
        "{queued}"
    );
    let (missing, _) = burst(&[
        "lambda:nope",
        "--endpoint-url",
        &served.url,
        "-p",
        "parallel 1",
    ]);
    assert!(
        missing["said"]
            .to_string()
            .contains("ResourceNotFoundException")
    );
}
