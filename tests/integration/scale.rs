//! Scale: 10,000 requests released at once by thaw's burst engine, 10,000 execution
//! environments alive at once in the emulator, over real HTTP. A test binary of its own
//! so its 20,000 sockets don't share the machine with timing-sensitive tests.

use crate::common;

use std::collections::HashSet;

use thaw::burst::RequestSpec;
use thaw::event::Classification;

/// 10,000 environments alive at once: the emulator in its own process (each side needs
/// 10,000 sockets), the account limit, scaling burst and stage burst raised in config
/// (API Gateway's default burst of 5,000 would throttle the rest, as it should).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_environments_alive_at_once() {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap();
    // SCALE_ENVS lets the benchmark script measure other sizes (RSS is printed).
    let n: usize = std::env::var("SCALE_ENVS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    assert!(
        limit >= n as u64 + 200,
        "open-file limit {limit} is too low; raise `ulimit -n`"
    );
    let served = common::serve(&[
        "--quiet",
        "--set",
        "emulator.account_concurrency=20000",
        "--set",
        "emulator.scaling_burst=20000",
        "--set",
        "emulator.stage_burst=20000",
        "--set",
        "emulator.timeout_s=60",
        "--set",
        "emulator.init_ms=5",
    ]);
    let url = format!("{}/?sleep_ms=4000", served.url);
    let (rs, steps) =
        common::fire_with(&url, &format!("parallel {n}"), RequestSpec::default()).await;
    let ok = rs.iter().filter(|r| r.status == Some(200)).count();
    let mut failures: Vec<String> = rs
        .iter()
        .filter(|r| r.status != Some(200))
        .map(|r| format!("{:?}/{:?}", r.status, r.error))
        .collect();
    failures.dedup();
    assert_eq!(ok, n, "every request served; others: {failures:?}");
    let envs: HashSet<_> = rs
        .iter()
        .filter_map(|r| r.probe.as_ref().map(|p| p.env.clone()))
        .collect();
    assert_eq!(envs.len(), n, "one environment each");
    assert!(rs.iter().all(|r| r.class == Some(Classification::Cold)));
    // All in flight at once: the last request was sent before the first one ended.
    let last_sent = rs.iter().map(|r| r.sent_us).max().unwrap();
    let first_end = rs.iter().map(|r| r.end_us).min().unwrap();
    assert!(last_sent < first_end, "all {n} overlap");
    println!(
        "release spread of {n}: {:?}",
        steps[0].release_spread.unwrap()
    );
    let rss = std::fs::read_to_string(format!("/proc/{}/status", served.child.id()))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .map(str::to_string)
        .unwrap_or_default();
    println!("emulator with {n} environments alive: {rss}");
}
