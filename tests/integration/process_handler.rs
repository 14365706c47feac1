//! The process handler with a function written with the official Rust runtime crates
//! (`lambda_http`, `tests/fixtures/rust-fn`), built by this test and run unchanged: one
//! process per environment, real Init Durations, warm reuse, its output in its log
//! stream; a panicking handler, a failing Init, a timeout, a runtime that exits or
//! never calls `next`; and no process left behind.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::common::tools::{Tool, need};
use thaw::config::{EmulatorConfig, Handler};
use thaw::event::{DestroyReason, EventKind};
use thaw::logs::parse::{Line, parse};

/// Builds the fixture once (sharing the probe's target directory) and returns its binary.
fn fixture() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root.join("target"), PathBuf::from)
            .join("probe");
        let out = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--manifest-path"])
            .arg(root.join("tests/fixtures/rust-fn/Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "fixture build: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        target.join("debug/bootstrap")
    })
}

/// The fixture under a name of this test's own (a symlink: argv[0] is the name it was
/// started by), so its processes can be counted without seeing anyone else's.
fn private_copy(tag: &str) -> common::Scratch {
    let bin = common::scratch(&format!("bootstrap-{tag}"));
    std::os::unix::fs::symlink(fixture(), &bin).unwrap();
    bin
}

/// Live (not zombie) environment processes running `bin`.
fn processes(bin: &Path) -> usize {
    states(bin).len()
}

/// The states (`R`, `S`, `T` stopped, ...) of the live processes running `bin` that
/// lead their process group, as each environment's process does (a shell runtime's
/// subshells, forked under the same name, are not environments).
fn states(bin: &Path) -> Vec<char> {
    let needle = bin.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| {
            let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            // After the command name: state, parent, process group, ...
            let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split(' ').collect();
            let state = fields.first()?.chars().next()?;
            if fields.get(2).copied() != e.file_name().to_str() {
                return None;
            }
            // The program itself (argv[0]), not a command line that mentions it.
            let argv0 = cmd.split(|b| *b == 0).next().unwrap_or_default();
            (String::from_utf8_lossy(argv0) == needle && state != 'Z').then_some(state)
        })
        .collect()
}

fn config(command: Vec<String>) -> EmulatorConfig {
    EmulatorConfig {
        handler: Handler::Process,
        timeout_s: 3.0,
        seed: Some(5),
        process: thaw::config::ProcessConfig {
            command,
            ..Default::default()
        },
        ..EmulatorConfig::default()
    }
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(150)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lambda_http_function_runs_unchanged_one_process_per_environment() {
    let bin = private_copy("main");
    let mut running = common::start(config(vec![bin.display().to_string()])).await;
    let url = running.url("sleep_ms=200");

    let first = common::burst(&url, 10).await;
    assert!(
        first.iter().all(|r| r.status == 200),
        "{:?}",
        first
            .iter()
            .map(|r| (r.status, &r.body))
            .collect::<Vec<_>>()
    );
    assert!(first.iter().all(common::Resp::cold));
    assert!(
        first.iter().all(|r| r.header("x-fixture") == Some("yes")),
        "the function's own headers"
    );
    assert!(
        first[0].body.contains(r#""path":"/prod/hello""#),
        "{}",
        first[0].body
    );
    assert_eq!(processes(&bin), 10, "one process per environment");
    // Real Init: the fixture sleeps 30 ms before its first `next`.
    let inits: Vec<f64> = first
        .iter()
        .map(|r| r.header(thaw::probe::INIT_MS).unwrap().parse().unwrap())
        .collect();
    assert!(
        inits.iter().all(|ms| *ms >= 30.0 && *ms < 5000.0),
        "{inits:?}"
    );

    let serial: Vec<_> = {
        let mut v = Vec::new();
        for _ in 0..10 {
            v.push(common::get(&running.url("")).await);
        }
        v
    };
    let envs: std::collections::HashSet<_> = serial.iter().map(common::Resp::env).collect();
    assert_eq!(envs.len(), 1, "serial requests share one environment");
    assert!(serial.iter().all(|r| !r.cold()));
    assert_eq!(processes(&bin), 10, "no new process for warm requests");

    settle().await;
    let events = running.drain();
    let outputs: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Log(l) if l.text.starts_with("fixture: GET /prod/hello") => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(
        outputs.len(),
        20,
        "the function's own lines reach its log stream"
    );
    // ... between their invocation's START and END.
    let mut open: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    for e in &events {
        if let EventKind::Log(l) = &e.kind {
            if l.text.starts_with("START") {
                open.insert(&l.stream, true);
            } else if l.text.starts_with("END") {
                open.insert(&l.stream, false);
            } else if l.text.starts_with("fixture: GET") {
                assert_eq!(
                    open.get(l.stream.as_str()),
                    Some(&true),
                    "{} outside START..END",
                    l.text
                );
            }
        }
    }
    assert!(
        outputs
            .iter()
            .all(|l| l.env.is_some() && l.stream.contains("[$LATEST]"))
    );
    let reports = events.iter().filter(|e| matches!(&e.kind, EventKind::Log(l) if l.text.starts_with("REPORT") && l.text.contains("Init Duration"))).count();
    assert_eq!(reports, 10);
    // Idle environments are frozen, as Lambda freezes them between invocations.
    let frozen = states(&bin).iter().filter(|s| **s == 'T').count();
    assert_eq!(frozen, 10, "{:?}", states(&bin));

    running.emulator.shutdown().await;
    settle().await;
    assert_eq!(processes(&bin), 0, "no process outlives the emulator");
}

/// `Max Memory Used` is the process's own peak, and as on Lambda it is the environment's
/// high-water mark: it stays up after the memory is freed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_carries_the_processs_real_peak_memory() {
    let bin = private_copy("memory");
    let mut running = common::start(config(vec![bin.display().to_string()])).await;
    // Read back with thaw's own parser of Lambda's log lines.
    let reported = |events: &[thaw::event::Event]| -> Vec<u32> {
        events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Log(l) => match parse(&l.text) {
                    Ok(Line::Report(r)) => Some(r.max_memory_used_mb),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    };
    for query in ["", "alloc_mb=96", ""] {
        assert_eq!(common::get(&running.url(query)).await.status, 200);
    }
    settle().await;
    let mb = reported(&running.drain());
    assert_eq!(mb.len(), 3, "{mb:?}");
    assert!(mb[0] < 64, "a small function's peak: {mb:?}");
    assert!(mb[1] >= 96, "96 MB touched: {mb:?}");
    assert_eq!(mb[2], mb[1], "the high-water mark stays: {mb:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_a_function_error_and_the_environment_stays() {
    let bin = private_copy("panic");
    let running = common::start(config(vec![bin.display().to_string()])).await;
    let r = common::get(&running.url("panic=1")).await;
    // lambda_runtime catches the panic and posts it to /error: REST answers 502.
    assert_eq!(r.status, 502, "{}", r.body);
    let again = common::get(&running.url("")).await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.env(),
        r.env(),
        "the same environment serves the next request"
    );
    assert!(!again.cold());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_init_destroys_the_environment() {
    let bin = private_copy("initfail");
    let mut cfg = config(vec![bin.display().to_string()]);
    cfg.process
        .env
        .insert("FIXTURE_INIT_PANIC".into(), "1".into());
    let mut running = common::start(cfg).await;
    let r = common::get(&running.url("")).await;
    assert_eq!(r.status, 502, "{}", r.body);
    assert_eq!(r.header(thaw::probe::COLD), Some("true"));
    let r2 = common::get(&running.url("")).await;
    assert_eq!(r2.status, 502);
    assert_ne!(
        r2.env(),
        r.env(),
        "the next request starts cold in a new environment"
    );
    settle().await;
    let destroyed = running
        .drain()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Destroyed {
                    reason: DestroyReason::InitError,
                    ..
                }
            )
        })
        .count();
    assert_eq!(destroyed, 2);
    assert_eq!(processes(&bin), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_kills_and_replaces_the_process() {
    let bin = private_copy("timeout");
    let mut cfg = config(vec![bin.display().to_string()]);
    cfg.timeout_s = 0.5;
    let mut running = common::start(cfg).await;
    let slow = common::get(&running.url("sleep_ms=3000")).await;
    assert_eq!(slow.status, 502, "{}", slow.body);
    let next = common::get(&running.url("")).await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(
        next.env(),
        slow.env(),
        "the environment stays; its runtime was replaced"
    );
    assert!(
        next.cold(),
        "the new runtime's Init runs inside this request"
    );
    assert_eq!(processes(&bin), 1);
    settle().await;
    let events = running.drain();
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::Log(l) if l.text.contains("Task timed out after 0.50 seconds"))));
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Reset { .. }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtimes_that_exit_before_next_or_never_call_it_fail_init() {
    // Exits at once.
    let running = common::start(config(vec!["/bin/sh".into(), "-c".into(), "exit 3".into()])).await;
    let r = common::get(&running.url("")).await;
    assert_eq!(r.status, 502, "{}", r.body);
    // Never calls next: the Init timeout ends it.
    let mut cfg = config(vec!["/bin/sh".into(), "-c".into(), "exec sleep 30".into()]);
    cfg.init_timeout_s = 0.5;
    let mut running = common::start(cfg).await;
    let started = std::time::Instant::now();
    let r = common::get(&running.url("")).await;
    assert_eq!(r.status, 502, "{}", r.body);
    assert!(started.elapsed() >= Duration::from_millis(450));
    settle().await;
    assert!(
        running
            .drain()
            .iter()
            .any(|e| matches!(&e.kind, EventKind::Log(l) if l.text.starts_with("INIT_REPORT")))
    );
    // A command that does not exist: one clear init error, no hang.
    let running = common::start(config(vec!["/nonexistent/bootstrap".into()])).await;
    assert_eq!(common::get(&running.url("")).await.status, 502);
}

#[test]
fn a_panic_in_thaw_leaves_no_process_behind() {
    let bin = private_copy("panic-thaw");
    let cfg = config(vec![bin.display().to_string()]);
    let counted = bin.to_path_buf();
    let outcome = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let running = common::start(cfg).await;
            let r = common::burst(&running.url(""), 3).await;
            assert!(r.iter().all(|r| r.status == 200));
            assert_eq!(processes(&counted), 3);
            panic!("thaw panics with environments alive");
        });
    })
    .join();
    assert!(outcome.is_err(), "the thread panicked");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        processes(&bin),
        0,
        "unwinding killed every environment's process"
    );
}

/// Ctrl-C, `kill`, and the terminal window closed (SIGHUP, which never reaches the
/// handler processes: each has its own process group).
#[test]
#[ignore = "needs curl: ./scripts/test runs it"]
fn a_stop_signal_to_thaw_emulate_leaves_no_process_behind() {
    need(&[Tool::Curl]);
    for signal in ["INT", "TERM", "HUP"] {
        let bin = private_copy(&format!("emulate-{signal}"));
        let mut served = common::serve(&["--quiet", "--handler-cmd", bin.to_str().unwrap()]);
        for _ in 0..3 {
            let out = Command::new("curl")
                .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", &served.url])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
        }
        assert_eq!(processes(&bin), 1, "serial requests: one environment");
        common::signal(&served.child, signal);
        let status = served.child.wait().unwrap();
        assert!(status.success(), "SIG{signal}: {status}");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(processes(&bin), 0, "SIG{signal}");
    }
}

/// SIGKILL gives thaw no chance to clean up: the kernel kills its handler processes,
/// frozen ones included, even a runtime that ignores SIGHUP (which the kernel sends a
/// stopped process orphaned by thaw's death) and retries `next` forever.
#[test]
#[ignore = "needs curl: ./scripts/test runs it"]
fn even_sigkill_to_thaw_leaves_no_process_behind() {
    need(&[Tool::Curl]);
    // The runtime is a shell under a name of this test's own.
    let shell = common::scratch("stubborn-sh");
    std::os::unix::fs::symlink("/bin/sh", &shell).unwrap();
    let script = common::scratch("runtime.sh");
    std::fs::write(
        &script,
        RUNTIME_API_SH.to_string()
            + r#"trap '' HUP
while true; do
  id="$(next_id)"
  if [ -n "$id" ]; then
    sleep 0.3
    curl -s -X POST "$api/invocation/$id/response" -d '{"statusCode":200,"body":"ok"}' > /dev/null
  else
    sleep 0.1
  fi
done
"#,
    )
    .unwrap();
    let cmd = format!("{} {}", shell.display(), script.display());
    let mut served = common::serve(&["--quiet", "--handler-cmd", &cmd]);
    let bin = shell.to_path_buf();
    // Three at once (the runtime takes 300 ms each): three environments.
    let curls: Vec<_> = (0..3)
        .map(|_| {
            Command::new("curl")
                .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", &served.url])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in curls {
        let out = c.wait_with_output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
    }
    assert_eq!(processes(&bin), 3, "three environments");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        states(&bin).iter().all(|s| *s == 'T'),
        "idle ones are frozen: {:?}",
        states(&bin)
    );
    common::signal(&served.child, "KILL");
    served.child.wait().unwrap();
    let started = std::time::Instant::now();
    while processes(&bin) > 0 && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(processes(&bin), 0, "{:?}", states(&bin));
}

/// `thaw burst` on the embedded emulator stopped mid-plan: the summary of what was done,
/// and every handler process gone.
#[test]
fn a_stop_signal_to_thaw_burst_prints_the_summary_and_leaves_no_process_behind() {
    for signal in ["TERM", "HUP"] {
        let bin = private_copy(&format!("burst-{signal}"));
        let child = Command::new(env!("CARGO_BIN_EXE_thaw"))
            .args([
                "burst",
                "-p",
                "parallel 4; rate 20 for 60s",
                "--handler-cmd",
            ])
            .arg(&*bin)
            .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while processes(&bin) < 4 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the burst's environments never started"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(500));
        common::signal(&child, signal);
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("stopped by SIG{signal}; summary of what was done")),
            "{stderr}"
        );
        assert!(stdout.contains("requests "), "{stdout}");
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(processes(&bin), 0, "SIG{signal}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_serves_several_requests_at_once_under_web_functions() {
    let bin = private_copy("concurrent");
    let mut cfg = config(vec![bin.display().to_string()]);
    cfg.execution_model = thaw::config::ExecutionModel::WebFunctions;
    cfg.max_concurrency_per_env = Some(10);
    let running = common::start(cfg).await;
    let burst = common::burst(&running.url("sleep_ms=300"), 10).await;
    assert!(
        burst.iter().all(|r| r.status == 200),
        "{:?}",
        burst.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let envs: std::collections::HashSet<_> = burst.iter().map(common::Resp::env).collect();
    assert_eq!(envs.len(), 1, "ten requests, one environment");
    assert_eq!(processes(&bin), 1, "one process");
    let most = burst
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["concurrent"]
                .as_u64()
                .unwrap()
        })
        .max()
        .unwrap();
    assert!(
        most > 1,
        "lambda_runtime's concurrent loops served several at once ({most})"
    );
}

/// What the shell runtimes share: the Runtime API's address, and `next_id`, which waits
/// for the next invocation and prints its request id (nothing if the API did not answer).
const RUNTIME_API_SH: &str = r#"api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
next_id() {
  curl -sf -D - -o /dev/null "$api/invocation/next" |
    grep -i '^lambda-runtime-aws-request-id:' | tr -d '\r' | cut -d' ' -f2
}
"#;

/// The custom runtime of AWS's tutorial, in shell with curl: the smallest real Runtime
/// API client. It answers what the test asks: a valid proxy response, or one API
/// Gateway cannot map (a 502).
fn shell_runtime(answer: &str) -> Vec<String> {
    let script = format!(
        r#"set -eu
{RUNTIME_API_SH}while true; do
  id="$(next_id)"
  curl -sS -X POST "$api/invocation/$id/response" -d '{answer}' > /dev/null
done"#
    );
    vec!["/bin/sh".into(), "-c".into(), script]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs curl: ./scripts/test runs it"]
async fn a_shell_runtime_with_curl_and_what_api_gateway_does_with_its_answers() {
    need(&[Tool::Curl]);
    let ok = common::start(config(shell_runtime(
        r#"{"statusCode":201,"headers":{"x-from":"shell"},"body":"made"}"#,
    )))
    .await;
    let r = common::get(&ok.url("")).await;
    assert_eq!((r.status, r.body.as_str()), (201, "made"));
    assert_eq!(r.header("x-from"), Some("shell"));
    assert!(r.cold());
    let again = common::get(&ok.url("")).await;
    assert_eq!(again.status, 201);
    assert!(!again.cold());
    // An answer without statusCode: a REST API calls it malformed (502).
    let bad = common::start(config(shell_runtime(r#"{"hello":"world"}"#))).await;
    let r = common::get(&bad.url("")).await;
    assert_eq!(r.status, 502, "{}", r.body);
    assert!(r.body.contains("Internal server error"), "{}", r.body);
}
