//! `thaw whatif` as a user runs it: a session recorded from the emulator replayed
//! through the model under the same settings gives back what was observed; the demo and
//! an imported CloudWatch Logs export give a table and a recommendation; bad input is
//! one line naming it.

use std::process::{Command, Output};

use crate::common::scratch::scratch;

fn thaw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(args)
        .env_remove("THAW_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Recorded under settings C with seed S, replayed under C: the same cold starts and
/// throttles, exactly.
#[test_case::test_case("parallel 60; wait 1s; parallel 30; serial 10; rate 40 for 3s", &["emulator.account_concurrency=40"] ; "account limit")]
#[test_case::test_case("ramp 1 30 over 3s; parallel 20", &["emulator.reserved_concurrency=12", "emulator.scaling_burst=8", "emulator.scaling_refill_per_s=4"] ; "reserved and scaling")]
fn a_recording_replayed_under_its_own_settings_gives_back_what_was_seen(
    plan: &str,
    settings: &[&str],
) {
    let file = scratch("cross-check.jsonl");
    let file = file.to_str().unwrap();
    let mut args = vec!["burst", "/?sleep_ms=200", "-p", plan, "--record", file];
    let mut set = Vec::new();
    for s in settings.iter().chain(&["emulator.seed=3"]) {
        set.push("--set");
        set.push(*s);
    }
    args.extend(&set);
    let fired = thaw(&args);
    assert!(
        fired.status.code().is_some_and(|c| c == 0 || c == 3),
        "{}",
        stderr(&fired)
    );
    let mut args = vec!["whatif", file, "-o", "json"];
    args.extend(&set);
    let o = thaw(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let on_demand = &v["configurations"][0];
    assert_eq!(on_demand["name"], "on-demand");
    assert_eq!(on_demand["cold"], v["trace"]["observed_cold"], "{v:#}");
    assert_eq!(
        on_demand["throttled"], v["trace"]["observed_throttled"],
        "{v:#}"
    );
    assert!(v["trace"]["observed_cold"].as_u64().unwrap() > 0);
    assert!(
        v["trace"]["observed_throttled"].as_u64().unwrap() > 0,
        "{v:#}"
    );
}

#[test]
fn the_demo_gives_a_table_and_a_recommendation() {
    let o = thaw(&["whatif", "assets/demo/seed-story.jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("configuration"), "{text}");
    assert!(text.contains("$/month"), "{text}");
    for row in [
        "on-demand",
        "provisioned 50",
        "keep-warm 50/5m",
        "keep-warm 1/5m",
    ] {
        assert!(text.lines().any(|l| l.starts_with(row)), "{row}: {text}");
    }
    assert!(text.contains("keeps cold starts under 1.0%"), "{text}");
    assert!(text.contains("- prices: us-east-1"), "{text}");
    let csv = stdout(&thaw(&[
        "whatif",
        "assets/demo/seed-story.jsonl",
        "-o",
        "csv",
    ]));
    assert!(csv.starts_with("configuration,requests,cold,"), "{csv}");
    assert_eq!(csv.lines().count(), 7, "{csv}");
}

/// An imported CloudWatch Logs export: its invocations from REPORT lines.
#[test]
fn an_imported_log_export_gives_a_table_and_a_recommendation() {
    let export = scratch("export.json");
    std::fs::write(&export, crate::import::export_pages(false, 1)).unwrap();
    let rec = scratch("imported.thaw.jsonl");
    let import = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .arg("import")
        .arg(&export)
        .arg("-o")
        .arg(&rec)
        .output()
        .unwrap();
    assert!(import.status.success(), "{}", stderr(&import));
    let o = thaw(&[
        "whatif",
        rec.to_str().unwrap(),
        "--provisioned",
        "1,3",
        "--max-cold",
        "0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("5 requests"), "{text}");
    assert!(text.contains("observed: 2 cold"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("provisioned 3")),
        "{text}"
    );
    assert!(
        text.contains("Provisioned 3 keeps cold starts under 0.0%"),
        "{text}"
    );
}

#[test]
fn bad_input_is_one_line_naming_it() {
    let empty = scratch("empty.jsonl");
    std::fs::write(
        &empty,
        "{\"format\":\"thaw-recording\",\"version\":1,\"thaw\":\"0.1.0\",\"target\":\"x\",\"config\":\"\",\"started_wall_us\":0}\n",
    )
    .unwrap();
    let empty = empty.to_str().unwrap();
    let demo = "assets/demo/seed-story.jsonl";
    let cases: [(&[&str], &str); 6] = [
        (&["whatif", empty], "empty.jsonl: no requests in it"),
        (
            &["whatif", demo, "--model", "lambda"],
            "--model 'lambda': one of classic, managed-instances, web-functions",
        ),
        (
            &[
                "whatif",
                demo,
                "--set",
                "pricing.requests_per_million=cheap",
            ],
            "pricing.requests_per_million",
        ),
        (
            &["whatif", demo, "--keep-warm", "10"],
            "--keep-warm '10': a keep-warm is WIDTH/INTERVAL",
        ),
        (
            &["whatif", demo, "--region", "eu-west-1"],
            "--region eu-west-1: the prices at hand are us-east-1's",
        ),
        (
            &["whatif", "/nonexistent/rec.jsonl"],
            "/nonexistent/rec.jsonl",
        ),
    ];
    for (args, says) in cases {
        let o = thaw(args);
        let err = stderr(&o);
        assert!(!o.status.success(), "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// A recording of an endpoint thaw fired at (no logs, no emulator events): the trace
/// comes from the client's requests, each working its latency less its Init, and the
/// table says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_of_requests_alone_is_a_trace_too() {
    let emu = crate::common::start(crate::common::quick()).await;
    let url = emu.url("sleep_ms=100");
    let file = scratch("client-only.jsonl");
    let rec = file.to_str().unwrap().to_string();
    let out = tokio::task::spawn_blocking(move || {
        let fired = thaw(&[
            "burst",
            &url,
            "-p",
            "parallel 20; serial 10",
            "--record",
            &rec,
        ]);
        assert!(fired.status.success(), "{}", stderr(&fired));
        thaw(&["whatif", &rec, "--provisioned", "20", "-o", "json"])
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["trace"]["basis"], "client");
    assert_eq!(v["trace"]["requests"], 30);
    assert_eq!(v["trace"]["observed_cold"], 20);
    assert_eq!(v["configurations"][0]["cold"], 20, "{v:#}");
    assert_eq!(v["configurations"][1]["cold"], 0, "{v:#}");
    assert!(
        v["assumptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().contains("an upper bound")),
        "{v:#}"
    );
}
