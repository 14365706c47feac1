//! DESIGN.md's "Fidelity" list, each over real HTTP against the emulator on loopback.

use crate::common;

use std::collections::HashSet;

use common::{burst, get, peak_overlap, quick, sleep_ms, start};
use thaw::config::{EmulatorConfig, Front};
use thaw::event::{EventKind, InvokeOutcome, Stat};

fn distinct_envs(resps: &[common::Resp]) -> HashSet<String> {
    resps.iter().map(common::Resp::env).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f1_f2_parallel_burst_is_all_cold_then_all_warm_on_the_same_environments() {
    let mut emu = start(quick()).await;
    let url = emu.url("sleep_ms=300");
    let first = burst(&url, 50).await;
    assert!(first.iter().all(|r| r.status == 200));
    assert_eq!(
        distinct_envs(&first).len(),
        50,
        "1. N parallel -> N environments"
    );
    assert!(first.iter().all(common::Resp::cold), "1. all cold");

    let second = burst(&url, 50).await;
    assert_eq!(
        distinct_envs(&second),
        distinct_envs(&first),
        "2. no new environment"
    );
    assert!(second.iter().all(|r| !r.cold()), "2. all warm");
    let inits = emu
        .drain()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::InitStart { .. }))
        .count();
    assert_eq!(inits, 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f3_serial_requests_reuse_one_environment() {
    let emu = start(quick()).await;
    let mut resps = Vec::new();
    for _ in 0..20 {
        resps.push(get(&emu.url("")).await);
    }
    assert_eq!(distinct_envs(&resps).len(), 1);
    assert_eq!(resps.iter().filter(|r| r.cold()).count(), 1);
    assert_eq!(resps[19].header(thaw::probe::INVOCATIONS), Some("20"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f4_overlap_not_count_decides_the_number_of_environments() {
    let emu = start(EmulatorConfig {
        init_ms: Some(0.0),
        duration_ms: Some(0.0),
        ..quick()
    })
    .await;
    // Three waves of 4 requests of 600 ms, 400 ms apart: wave 2 overlaps waves 1 and 3,
    // wave 3 starts after wave 1 ended. Peak overlap is 8, requests 12.
    let url = emu.url("sleep_ms=600");
    let mut waves = Vec::new();
    for _ in 0..3 {
        let url = url.clone();
        waves.push(tokio::spawn(async move { burst(&url, 4).await }));
        sleep_ms(400).await;
    }
    let mut all = Vec::new();
    for w in waves {
        all.extend(w.await.unwrap());
    }
    assert_eq!(peak_overlap(&all), 8);
    assert_eq!(distinct_envs(&all).len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f5_provisioned_serve_first_warm_and_the_rest_spill_over_cold() {
    let emu = start(EmulatorConfig {
        provisioned_concurrency: 5,
        ..quick()
    })
    .await;
    sleep_ms(300).await; // provisioned Init runs in the background at start
    let resps = burst(&emu.url("sleep_ms=300"), 8).await;
    let pc: Vec<_> = resps
        .iter()
        .filter(|r| r.header(thaw::probe::INIT_TYPE) == Some("provisioned-concurrency"))
        .collect();
    assert_eq!(pc.len(), 5);
    assert!(
        pc.iter().all(|r| !r.cold()),
        "provisioned: no Init on the request path"
    );
    let spill: Vec<_> = resps
        .iter()
        .filter(|r| r.header(thaw::probe::INIT_TYPE) == Some("on-demand"))
        .collect();
    assert_eq!(spill.len(), 3);
    assert!(spill.iter().all(|r| r.cold()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f6_reserved_concurrency_throttles_the_rest_per_front() {
    for (front, status) in [
        (Front::RestApi, 500),
        (Front::HttpApi, 500),
        (Front::FunctionUrl, 429),
    ] {
        let emu = start(EmulatorConfig {
            account_concurrency: 200,
            reserved_concurrency: Some(5),
            front,
            ..quick()
        })
        .await;
        let resps = burst(&emu.url("sleep_ms=300"), 8).await;
        let ok = resps.iter().filter(|r| r.status == 200).count();
        let throttled: Vec<_> = resps.iter().filter(|r| r.status == status).collect();
        assert_eq!((ok, throttled.len()), (5, 3), "{front:?}");
        // Nothing hangs: throttles answer at once, long before the admitted ones end.
        assert!(
            throttled
                .iter()
                .all(|r| r.done - r.sent < std::time::Duration::from_millis(250))
        );
        if front == Front::RestApi {
            assert_eq!(throttled[0].body, r#"{"message": "Internal server error"}"#);
        }
        if front == Front::FunctionUrl {
            assert!(
                throttled[0]
                    .body
                    .contains("ReservedFunctionConcurrentInvocationLimitExceeded")
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f6_account_limit_caps_concurrency() {
    let emu = start(EmulatorConfig {
        account_concurrency: 4,
        ..quick()
    })
    .await;
    let resps = burst(&emu.url("sleep_ms=300"), 7).await;
    assert_eq!(resps.iter().filter(|r| r.status == 500).count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f7_scaling_rate_throttles_part_of_a_burst_and_refills_continuously() {
    let emu = start(EmulatorConfig {
        scaling_burst: 10,
        scaling_refill_per_s: 2.0,
        timeout_s: 10.0,
        ..quick()
    })
    .await;
    // The first burst holds its environments busy while the second one arrives.
    let url = emu.url("sleep_ms=3000");
    let first = {
        let url = url.clone();
        tokio::spawn(async move { burst(&url, 15).await })
    };
    // 1.5 s later: about 3 tokens back, not a whole refill of 10.
    sleep_ms(1500).await;
    let more = burst(&url, 8).await;
    let resps = first.await.unwrap();
    assert_eq!(resps.iter().filter(|r| r.status == 500).count(), 5);
    let ok = more.iter().filter(|r| r.status == 200).count();
    assert!((2..=4).contains(&ok), "refilled about 3, got {ok}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f8_idle_environments_are_reclaimed_and_provisioned_ones_are_not() {
    let emu = start(EmulatorConfig {
        idle_reclaim_s: 0.3,
        idle_reclaim_jitter_s: 0.1,
        provisioned_concurrency: 1,
        ..quick()
    })
    .await;
    sleep_ms(200).await;
    let pair = burst(&emu.url("sleep_ms=100"), 2).await;
    let od = pair.iter().find(|r| r.cold()).unwrap().env();
    let pc = pair.iter().find(|r| !r.cold()).unwrap().env();
    sleep_ms(800).await;
    let again = burst(&emu.url("sleep_ms=100"), 2).await;
    let envs = distinct_envs(&again);
    assert!(envs.contains(&pc), "provisioned never reclaimed");
    assert!(
        !envs.contains(&od),
        "on-demand reclaimed after its idle time"
    );
    assert_eq!(
        again.iter().filter(|r| r.cold()).count(),
        1,
        "the next request is cold again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f9_function_timeout_errors_and_resets_the_environment() {
    let mut emu = start(EmulatorConfig {
        timeout_s: 0.3,
        ..quick()
    })
    .await;
    let r = get(&emu.url("sleep_ms=2000")).await;
    assert_eq!(r.status, 502);
    let elapsed = r.done - r.sent;
    assert!(
        elapsed.as_millis() >= 340 && elapsed.as_millis() < 1500,
        "{elapsed:?}"
    );
    let next = get(&emu.url("")).await;
    assert_eq!(next.env(), r.env(), "reset in place, same log stream");
    assert!(next.cold(), "Init runs again inside the next invocation");
    let events = emu.drain();
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::Log(l) if l.text.ends_with("Task timed out after 0.30 seconds"))));
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::InvokeEnd {
            outcome: InvokeOutcome::Timeout,
            ..
        }
    )));
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.kind, EventKind::Reset { .. }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f10_crash_and_init_error_destroy_the_environment() {
    let mut emu = start(quick()).await;
    let warm = get(&emu.url("")).await;
    let crash = get(&emu.url("crash=1")).await;
    assert_eq!(crash.status, 502);
    assert_eq!(crash.env(), warm.env());
    let next = get(&emu.url("")).await;
    assert!(next.cold());
    assert_ne!(next.env(), warm.env());

    // An Init that fails: 502, and nothing of the environment stays.
    let init = burst(&emu.url("crash=init"), 2).await;
    assert!(init.iter().any(|r| r.status == 502 && r.cold()));
    let events = emu.drain();
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::Destroyed {
            reason: thaw::event::DestroyReason::Crash,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::Destroyed {
            reason: thaw::event::DestroyReason::InitError,
            ..
        }
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f11_concurrent_executions_maximum_equals_the_clients_peak_overlap() {
    let mut emu = start(quick()).await;
    let resps = burst(&emu.url("sleep_ms=600"), 30).await;
    sleep_ms(1200).await; // let the metric periods close
    let max = emu
        .drain()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Metric(m) if m.name == "ConcurrentExecutions" && m.stat == Stat::Maximum => {
                Some(m.value)
            }
            _ => None,
        })
        .fold(0.0, f64::max);
    assert_eq!(peak_overlap(&resps), 30);
    assert!(
        (max - 30.0).abs() < f64::EPSILON,
        "ConcurrentExecutions {max}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_answers_function_errors_integration_timeouts_and_stage_throttles() {
    let rest = start(EmulatorConfig {
        integration_timeout_ms: Some(200),
        stage_burst: 5,
        stage_rate_per_s: 1.0,
        ..quick()
    })
    .await;
    assert_eq!(get(&rest.url("fail=1")).await.status, 502);
    assert_eq!(get(&rest.url("sleep_ms=1000")).await.status, 504);
    let resps = burst(&rest.url(""), 6).await;
    let stage: Vec<_> = resps.iter().filter(|r| r.status == 429).collect();
    assert!(!stage.is_empty());
    assert_eq!(stage[0].body, r#"{"message":"Too Many Requests"}"#);

    let http = start(EmulatorConfig {
        front: Front::HttpApi,
        integration_timeout_ms: Some(200),
        ..quick()
    })
    .await;
    assert_eq!(get(&http.url("fail=1")).await.status, 500);
    assert_eq!(get(&http.url("sleep_ms=1000")).await.status, 503);
    let bad = get(&http.url("sleep_ms=abc")).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("sleep_ms 'abc'"), "{}", bad.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_carry_probe_headers_and_a_readable_body() {
    let emu = start(quick()).await;
    let r = get(&emu.url("")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.env().len(), 32);
    assert_eq!(r.header(thaw::probe::COLD), Some("true"));
    assert_eq!(r.header(thaw::probe::INIT_MS), Some("50.00"));
    assert_eq!(r.header(thaw::probe::INVOCATIONS), Some("1"));
    assert!(
        r.header("x-amzn-requestid")
            .is_some_and(|id| id.len() == 36)
    );
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["environment"], r.env());
    assert_eq!(body["cold"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_log_format_emits_platform_records() {
    let mut emu = start(EmulatorConfig {
        log_format: thaw::config::LogFormat::Json,
        ..quick()
    })
    .await;
    get(&emu.url("")).await;
    let types: Vec<String> = emu
        .drain()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Log(l) => serde_json::from_str::<serde_json::Value>(&l.text)
                .ok()
                .and_then(|v| v["type"].as_str().map(str::to_string)),
            _ => None,
        })
        .collect();
    assert_eq!(
        types,
        [
            "platform.initStart",
            "platform.start",
            "platform.runtimeDone",
            "platform.report"
        ]
    );
}
