//! The probe functions in `assets/probe/` (deployed to AWS, they give thaw the exact
//! environment of every response): the Node.js and Python handlers invoked with an API
//! Gateway proxy event by their own interpreters, as Lambda's runtimes do, twice in one
//! process: a cold answer, then a warm one from the same environment. (The Rust probe
//! has its own tests: `cargo test --manifest-path assets/probe/rust/Cargo.toml`, run by
//! ./scripts/test.)

use std::path::Path;
use std::process::Command;

use crate::common::tools::{Tool, need};
use serde_json::Value;

const STREAM: &str = "2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef";

fn event() -> String {
    serde_json::json!({
        "resource": "/hello", "path": "/hello", "httpMethod": "GET",
        "headers": {"Host": "abc.execute-api.eu-west-1.amazonaws.com"},
        "queryStringParameters": {"sleep_ms": "20"},
        "requestContext": {"requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "stage": "prod"},
        "body": null, "isBase64Encoded": false
    })
    .to_string()
}

fn probe_dir(lang: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/probe")
        .join(lang)
        .display()
        .to_string()
}

/// Runs `program args` with Lambda's variables; its stdout is two JSON answers.
fn answers(program: &str, args: &[&str], init_type: &str) -> (Value, Value) {
    let out = Command::new(program)
        .args(args)
        .env("AWS_LAMBDA_LOG_STREAM_NAME", STREAM)
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", init_type)
        .env("PROBE_EVENT", event())
        .output()
        .unwrap_or_else(|e| panic!("{program} not runnable ({e}); ./scripts/test installs it"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{program}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap());
    (lines.next().unwrap(), lines.next().unwrap())
}

fn check(first: &Value, second: &Value) {
    for (answer, cold, n) in [(first, "true", "1"), (second, "false", "2")] {
        assert_eq!(answer["statusCode"], 200);
        let h = &answer["headers"];
        assert_eq!(
            h["x-thaw-env"], "0123456789abcdef0123456789abcdef",
            "{answer}"
        );
        assert_eq!(h["x-thaw-cold"], cold, "{answer}");
        assert_eq!(h["x-thaw-invocations"], n, "{answer}");
        assert_eq!(h["x-thaw-init-type"], "on-demand");
        let init: f64 = h["x-thaw-init-ms"].as_str().unwrap().parse().unwrap();
        assert!((0.0..60_000.0).contains(&init), "{init}");
        // thaw's own classifier reads these headers.
        let probe = thaw::classify::probe_fields(|name| h[name].as_str()).unwrap();
        assert_eq!(probe.env.0, "0123456789abcdef0123456789abcdef");
        assert_eq!(probe.cold, cold == "true");
        assert_eq!(probe.invocations, Some(n.parse().unwrap()));
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["env"], h["x-thaw-env"]);
    }
}

const NODE: &str = r"
const m = await import(process.argv[1]);
const ev = JSON.parse(process.env.PROBE_EVENT);
console.log(JSON.stringify(await m.handler(ev, {})));
console.log(JSON.stringify(await m.handler(ev, {})));
";

const PYTHON: &str = r"
import json, os, sys
sys.path.insert(0, sys.argv[1])
import app
ev = json.loads(os.environ['PROBE_EVENT'])
print(json.dumps(app.handler(ev, None)))
print(json.dumps(app.handler(ev, None)))
";

#[test]
#[ignore = "needs node: ./scripts/test runs it"]
fn the_node_probe_answers_cold_then_warm_with_the_probe_headers() {
    need(&[Tool::Node]);
    let module = format!("file://{}/index.mjs", probe_dir("node"));
    let (a, b) = answers(
        "node",
        &["--input-type=module", "-e", NODE, &module],
        "on-demand",
    );
    check(&a, &b);
}

#[test]
#[ignore = "needs python3: ./scripts/test runs it"]
fn the_python_probe_answers_cold_then_warm_with_the_probe_headers() {
    need(&[Tool::Python]);
    let (a, b) = answers(
        "python3",
        &["-c", PYTHON, &probe_dir("python")],
        "on-demand",
    );
    check(&a, &b);
}

#[test]
#[ignore = "needs node, python3: ./scripts/test runs it"]
fn provisioned_environments_are_never_cold() {
    need(&[Tool::Node, Tool::Python]);
    let module = format!("file://{}/index.mjs", probe_dir("node"));
    let (a, _) = answers(
        "node",
        &["--input-type=module", "-e", NODE, &module],
        "provisioned-concurrency",
    );
    assert_eq!(a["headers"]["x-thaw-cold"], "false");
    let (a, _) = answers(
        "python3",
        &["-c", PYTHON, &probe_dir("python")],
        "provisioned-concurrency",
    );
    assert_eq!(a["headers"]["x-thaw-cold"], "false");
}
