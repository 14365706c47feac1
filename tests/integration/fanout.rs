//! Bursts fanned out over Lambda workers, offline: one `thaw emulate` runs thaw's burst
//! worker (assets/burst-worker, built by ./scripts/test) as a `process` function, and
//! `thaw burst --fan-out` invokes it through that emulator's Invoke API to fire at a
//! target served by a second `thaw emulate`. Then the ways a worker fails: a crash, a
//! timeout, a throttle, an instant already past; each is reported as such and the
//! other workers' requests are kept.

use std::process::Command;

use serde_json::Value;
use thaw::event::{EventKind, WorkerOutcome};
use thaw::state::State;

use crate::common::tools::{Tool, need};
use crate::common::{self, Served, scratch::scratch};

/// A `thaw emulate` whose function is the burst worker; `tag` names its processes (the
/// worker ignores arguments), so a test can find its own.
fn workers(tag: &str, extra: &[&str]) -> Served {
    let cmd = format!("{} {tag}", crate::common::tools::worker_bin().display());
    let base = [
        "--port",
        "0",
        "--quiet",
        "--set",
        "emulator.function_name=thaw-burst-worker",
        "--set",
        "emulator.timeout_s=60",
        "--handler-cmd",
        &cmd,
    ];
    common::serve(&[&base[..], extra].concat())
}

/// A target that takes a whole fanned-out burst cold: no account or scaling limit below
/// 5,000 new environments.
fn target() -> Served {
    common::serve(&[
        "--port",
        "0",
        "--quiet",
        "--seed",
        "7",
        "--set",
        "emulator.account_concurrency=5000",
        "--set",
        "emulator.scaling_burst=5000",
    ])
}

use crate::common::burst_json as burst;

/// `thaw burst URL -p 'parallel N' --fan-out W` through `pool`'s workers, and `extra`.
fn fanned(
    url: &str,
    n: u32,
    w: u32,
    pool: &Served,
    extra: &[&str],
) -> (Value, Option<i32>, String) {
    let (plan, w) = (format!("parallel {n}"), w.to_string());
    let base = [
        url,
        "-p",
        &plan,
        "--fan-out",
        &w,
        "--worker-endpoint-url",
        &pool.url,
    ];
    burst(&[&base[..], extra].concat())
}

fn outcomes(summary: &Value) -> Value {
    summary["fanout"]["outcomes"].clone()
}

#[test]
#[ignore = "needs the burst worker: ./scripts/test runs it"]
fn a_burst_fanned_out_over_4_8_and_16_workers_arrives_whole_and_merges_into_one_state() {
    need(&[Tool::BurstWorker]);
    let pool = workers("fanout-main", &[]);
    for w in [4u32, 8, 16] {
        let n = w * 250;
        let target = target();
        let rec = scratch(&format!("fanout-{w}.jsonl"));
        let (s, code, stderr) = fanned(
            &format!("{}/prod/hello", target.url),
            n,
            w,
            &pool,
            &["--record", rec.to_str().expect("utf-8")],
        );
        assert_eq!(code, Some(0), "W={w}: {s}\n{stderr}");
        assert!(
            stderr.contains(&format!(
                "fan-out over {w} workers of lambda:thaw-burst-worker"
            )) && stderr.contains("clock probes"),
            "the preview says what it takes: {stderr}"
        );
        assert_eq!(s["requests"], n, "W={w}: every request answered: {s}");
        assert_eq!(s["ok"], n, "{s}");
        // A fresh target: each cold request is an environment born (how many of them
        // find another's environment free depends on the spread, which
        // scripts/bench-peers measures).
        assert_eq!(
            s["cold"]
                .as_u64()
                .zip(s["warm"].as_u64())
                .map(|(c, w)| c + w),
            Some(u64::from(n)),
            "{s}"
        );
        assert_eq!(s["environments"], s["cold"], "{s}");
        assert_eq!(s["inferred"], 0, "classified by the probe headers");
        let f = &s["fanout"];
        assert_eq!(f["workers"], w);
        assert_eq!(outcomes(&s), serde_json::json!({ "released": w }));
        assert_eq!(f["not_carried"], 0);
        assert_eq!(f["lead_measured"], true);
        assert!(f["probes"].as_u64() >= Some(u64::from(w)), "{f}");
        // Three rounds of probes and one burst per worker, each billed (its REPORT).
        assert_eq!(f["invocations"], 4 * w, "{f}");
        assert!(f["billed_s"].as_f64() > Some(0.0), "{f}");
        assert!(stderr.contains("the workers cost about $"), "{stderr}");
        for worker in f["per_worker"].as_array().expect("workers") {
            assert_eq!(worker["share"], 250);
            assert_eq!(worker["carried"], 250);
            assert!(worker["lateness_us"].is_i64(), "{worker}");
        }
        // The recording holds the one stream: folded, it is the same burst.
        let mut state = State::new();
        let mut rec = thaw::record::open(&rec).expect("the recording opens");
        let mut ids = std::collections::HashSet::new();
        while let Some(e) = rec.next_event() {
            let e = e.expect("a good event");
            if let EventKind::Request(r) = &e.kind {
                ids.insert(r.id.0.clone());
            }
            state.apply(&e);
        }
        assert_eq!(
            ids.len(),
            n as usize,
            "one event per request, ids unique across workers"
        );
        assert_eq!(Some(state.envs.len() as u64), s["environments"].as_u64());
        assert_eq!(Some(state.client.cold), s["cold"].as_u64());
        // The lanes hold every request as a bar, each lane starting with its birth.
        assert!(state.envs.rows().all(|e| !e.lane.spans.is_empty()));
        let bars: usize = state.envs.rows().map(|e| e.lane.spans.len()).sum();
        assert_eq!(bars, n as usize, "one bar per request");
        let fanout = state
            .fanout
            .as_deref()
            .expect("the fan-out report is recorded");
        assert!(
            fanout
                .workers
                .iter()
                .all(|x| x.outcome == WorkerOutcome::Released)
        );
    }
}

#[test]
#[ignore = "needs the burst worker: ./scripts/test runs it"]
fn a_replayed_fan_out_tells_the_same_story() {
    need(&[Tool::BurstWorker]);
    let pool = workers("fanout-replay", &[]);
    let target = target();
    let rec = scratch("fanout-replay.jsonl");
    let (_, code, stderr) = fanned(
        &format!("{}/prod/hello", target.url),
        40,
        4,
        &pool,
        &["--record", rec.to_str().expect("utf-8")],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let out = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(["replay", "--summary"])
        .arg(&rec)
        .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
        .output()
        .expect("thaw replay runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("fan-out       4 workers (lambda:thaw-burst-worker): 4 released"),
        "{text}"
    );
    assert!(
        text.contains("sync          release starts from the instant"),
        "{text}"
    );
    assert!(text.contains("cold / warm   40 / 0"), "{text}");
}

#[test]
#[ignore = "needs the burst worker: ./scripts/test runs it"]
fn a_lambda_target_is_signed_by_the_workers_own_role() {
    need(&[Tool::BurstWorker]);
    // The target takes only signed requests; thaw's payload carries no credential, so
    // the workers sign with the role credentials their environment hands them.
    let pool = workers("fanout-signed", &[]);
    let target = common::serve(&[
        "--port",
        "0",
        "--quiet",
        "--set",
        "emulator.require_signature=true",
    ]);
    let (s, code, stderr) = burst(&[
        "lambda:thaw-emulated",
        "--endpoint-url",
        &target.url,
        "-p",
        "parallel 20",
        "--fan-out",
        "2",
        "--worker-endpoint-url",
        &pool.url,
    ]);
    assert_eq!(code, Some(0), "{s}\n{stderr}");
    assert_eq!(s["cold"], 20, "exact, from each Invoke's Tail log: {s}");
    assert_eq!(s["inferred"], 0);
}

#[test]
fn credentials_never_travel_to_workers_and_bad_fan_outs_are_one_line() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["lambda:f", "--fan-out", "2", "--invocation-type", "Event"],
            "synchronously",
        ),
        (
            &[
                "http://127.0.0.1:9/",
                "--fan-out",
                "2",
                "-H",
                "Authorization: Bearer x",
            ],
            "would travel in every worker's payload",
        ),
        (
            &["http://127.0.0.1:9/", "--fan-out", "2", "-p", "serial 10"],
            "releases one parallel step",
        ),
        (&["--fan-out", "2"], "needs the endpoint's URL"),
        (
            &[
                "http://127.0.0.1:9/",
                "--fan-out",
                "2",
                "-p",
                "parallel 5000",
            ],
            "--fan-out 5 or more",
        ),
    ];
    for (args, says) in cases {
        let (_, code, stderr) = burst(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(says) && stderr.trim().lines().count() == 1,
            "{args:?}: {stderr}"
        );
    }
}

#[test]
#[ignore = "needs the burst worker: ./scripts/test runs it"]
fn a_throttled_worker_loses_only_its_share() {
    need(&[Tool::BurstWorker]);
    // Reserved concurrency 2: of four workers invoked at once, two are throttled.
    let pool = workers("fanout-throttled", &["--reserved", "2"]);
    let target = target();
    let (s, code, stderr) = fanned(&format!("{}/prod/hello", target.url), 40, 4, &pool, &[]);
    assert_eq!(
        code,
        Some(3),
        "a worker that did not release fails the run: {stderr}"
    );
    assert!(
        stderr.contains("reserved concurrency is 2: 2 of the 4 workers will be throttled"),
        "said before firing: {stderr}"
    );
    assert_eq!(
        outcomes(&s),
        serde_json::json!({ "released": 2, "throttled": 2 }),
        "{s}"
    );
    assert_eq!(s["requests"], 20, "the released shares are kept: {s}");
    assert_eq!(s["fanout"]["not_carried"], 20);
    let throttled = s["fanout"]["per_worker"]
        .as_array()
        .expect("workers")
        .iter()
        .find(|w| w["outcome"] == "throttled")
        .expect("a throttled worker")
        .clone();
    assert!(
        throttled["message"].as_str().is_some_and(|m| m
            .contains("ReservedFunctionConcurrentInvocationLimitExceeded")
            || m.contains("Rate exceeded")),
        "{throttled}"
    );
}

#[test]
#[ignore = "needs the burst worker: ./scripts/test runs it"]
fn workers_that_time_out_or_start_after_the_instant_say_so() {
    need(&[Tool::BurstWorker]);
    // A 2 s function timeout against a target that answers in 5 s: every worker is
    // still waiting for its answers when Lambda stops it.
    let slow = workers("fanout-timeout", &["--set", "emulator.timeout_s=2"]);
    let target = target();
    let (s, code, stderr) = fanned(
        &format!("{}/prod/hello?sleep_ms=5000", target.url),
        8,
        2,
        &slow,
        &["--timeout", "10s"],
    );
    assert_eq!(code, Some(3));
    assert_eq!(outcomes(&s), serde_json::json!({ "timed_out": 2 }), "{s}");
    assert!(
        stderr.contains("the worker's timeout (2 s) is shorter than the lead plus --timeout"),
        "the preview warned: {stderr}"
    );
    assert_eq!(s["requests"], 0);

    // No lead at all: the instant has passed before any worker starts.
    let pool = workers("fanout-late", &[]);
    let (s, code, _) = fanned(
        &format!("{}/prod/hello", target.url),
        8,
        2,
        &pool,
        &["--lead", "0ms"],
    );
    assert_eq!(code, Some(3));
    assert_eq!(outcomes(&s), serde_json::json!({ "late": 2 }), "{s}");
    let late = &s["fanout"]["per_worker"][0];
    assert!(
        late["message"]
            .as_str()
            .is_some_and(|m| m.contains("had passed") && m.contains("--lead")),
        "{late}"
    );
}

#[test]
#[ignore = "needs the burst worker: ./scripts/test runs it"]
fn a_worker_that_crashes_mid_burst_loses_only_its_share() {
    need(&[Tool::BurstWorker]);
    // A long lead holds every worker waiting for the instant, its share connected; one of
    // them is killed meanwhile, as a crash would end it.
    let pool = workers("fanout-crash", &[]);
    let target = target();
    let url = format!("{}/prod/hello", target.url);
    let port: u16 = target
        .url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("the target's port");
    let run = std::thread::spawn(move || fanned(&url, 40, 4, &pool, &["--lead", "8s"]));
    // Every worker has connected its share and waits for the instant.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    while connected_to(port) < 40 {
        assert!(
            std::time::Instant::now() < deadline,
            "the workers never connected"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = worker_pids("fanout-crash")
        .into_iter()
        .next()
        .expect("a worker process of this test");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("the worker is killed");
    let (s, code, stderr) = run.join().expect("joins");
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(
        outcomes(&s),
        serde_json::json!({ "released": 3, "crashed": 1 }),
        "{s}"
    );
    assert_eq!(s["requests"], 30, "the other three shares are kept: {s}");
}

/// The screen's Enter fans the burst out too: the environments arrive as from any burst,
/// and the burst panel says how the workers did.
#[test]
#[ignore = "needs the burst worker, tmux: ./scripts/test runs it"]
fn the_screen_fans_a_parallel_burst_out() {
    use crate::common::tmux::{self, tmux, wait_for};
    need(&[Tool::BurstWorker, Tool::Tmux]);
    let pool = workers("fanout-screen", &[]);
    let target = target();
    let args = format!(
        "-n 20 --url {}/prod/hello --fan-out 2 --worker-endpoint-url {}",
        target.url, pool.url
    );
    let prefix = "env AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true";
    let session = tmux::start("fanout", 120, 40, prefix, &args);
    let name = session.0.clone();
    wait_for(&name, "no environments yet");
    tmux(&["send-keys", "-t", &name, "Enter"]);
    let s = wait_for(&name, "cold      20");
    assert!(s.contains("envs      20"), "{s}");
    let s = wait_for(&name, "2/2 released");
    assert!(s.contains("start p99"), "{s}");
    tmux(&["send-keys", "-t", &name, "q"]);
    wait_for(&name, "thaw-exited-0");
    drop(session);
}

/// Established TCP connections to `port` on this machine's loopback (IPv4).
fn connected_to(port: u16) -> usize {
    let remote = format!(":{port:04X}");
    std::fs::read_to_string("/proc/net/tcp")
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            f.len() > 3 && f[2].ends_with(&remote) && f[3] == "01"
        })
        .count()
}

/// The processes of the burst workers tagged `tag` (see [`workers`]).
fn worker_pids(tag: &str) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let pid: i32 = e.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let ours = args.first()?.ends_with(b"thaw-burst-worker")
            && args.get(1).is_some_and(|a| *a == tag.as_bytes());
        ours.then_some(pid)
    })
    .collect()
}
