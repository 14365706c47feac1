//! Traces whose answers can be worked out by hand, through the model.

use super::*;
use crate::whatif::trace::{Arrival, Basis};

/// Idle environments reclaimed after exactly 10 minutes, every Init 100 ms.
fn base() -> EmulatorConfig {
    EmulatorConfig {
        idle_reclaim_s: 600.0,
        idle_reclaim_jitter_s: 0.0,
        ..EmulatorConfig::default()
    }
}

fn trace(arrivals: Vec<Arrival>, init_ms: f64) -> Trace {
    let span_s = arrivals.last().map_or(1.0, |a| a.at_us as f64 / 1e6 + 1.0);
    Trace {
        start_wall_us: 1_800_000_000_000_000,
        arrivals,
        init_ms: vec![init_ms],
        span_s,
        basis: Basis::Lifecycle,
        observed_cold: 0,
        observed_throttled: 0,
        memory_mb: None,
        architecture: None,
    }
}

/// 50 parallel requests of 100 ms every 15 minutes, four times.
fn fifty_every_fifteen_minutes() -> Vec<Arrival> {
    (0..4_u64)
        .flat_map(|b| {
            (0..50).map(move |_| Arrival {
                at_us: b * 900_000_000,
                work_ms: Some(100.0),
            })
        })
        .collect()
}

fn run_one(t: &Trace, name: &str, f: impl FnOnce(&mut Scenario)) -> Outcome {
    let mut s = Scenario {
        name: name.into(),
        cfg: base(),
        keep_warm: None,
        autoscale: None,
    };
    f(&mut s);
    simulate(t, &s, 7)
}

/// 50 parallel requests every 15 minutes, four times: idle longer than the 10 minutes an
/// environment lives, so on-demand every burst is cold (200); 50 provisioned or a warmer
/// 50 wide every 5 minutes keep them all warm (0); a for-loop warmer keeps one (196).
#[test]
fn fifty_parallel_every_fifteen_minutes() {
    let arrivals = fifty_every_fifteen_minutes();
    let t = trace(arrivals, 100.0);
    assert_eq!(run_one(&t, "on-demand", |_| {}).cold, 200);
    let pc = run_one(&t, "pc", |s| s.cfg.provisioned_concurrency = 50);
    assert_eq!((pc.cold, pc.provisioned_ms > 0.0), (0, true));
    let wide = run_one(&t, "warm 50", |s| {
        s.keep_warm = Some(KeepWarm {
            width: 50,
            every_s: 300.0,
        });
    });
    assert_eq!(wide.cold, 0);
    let naive = run_one(&t, "warm 1", |s| {
        s.keep_warm = Some(KeepWarm {
            width: 1,
            every_s: 300.0,
        });
    });
    assert_eq!(naive.cold, 196);
    assert_eq!(naive.peak_envs, 50);
}

/// 20 requests a second of 100 ms each, Init 90 ms: the first four find no free
/// environment (each is still in Init or busy when the next arrives), then two in
/// flight at a time reuse them: 4 cold of 1,200, four environments.
#[test]
fn a_steady_twenty_a_second() {
    let arrivals = (0..1200_u64)
        .map(|i| Arrival {
            at_us: i * 50_000,
            work_ms: Some(100.0),
        })
        .collect();
    let t = trace(arrivals, 90.0);
    let o = run_one(&t, "on-demand", |_| {});
    assert_eq!(
        (o.requests, o.cold, o.throttled, o.peak_envs),
        (1200, 4, 0, 4)
    );
    assert!((o.cold_wait_ms(0.5).unwrap() - 90.0).abs() < 1.0);
    assert_eq!(t.concurrency().2, 2, "two in flight at once");
}

/// One spike of 1,000 at once: 1,000 cold on 1,000 new environments (the scaling burst
/// and the account limit are both 1,000); with 100 reserved, 100 cold and 900 throttled.
#[test]
fn one_spike_of_a_thousand() {
    let arrivals = (0..1000)
        .map(|_| Arrival {
            at_us: 0,
            work_ms: Some(200.0),
        })
        .collect();
    let t = trace(arrivals, 150.0);
    let o = run_one(&t, "on-demand", |_| {});
    assert_eq!((o.cold, o.throttled, o.peak_envs), (1000, 0, 1000));
    let r = run_one(&t, "reserved", |s| s.cfg.reserved_concurrency = Some(100));
    assert_eq!((r.requests, r.cold, r.throttled), (100, 100, 900));
}

/// The default set and the recommendation: the cheapest configuration within budget,
/// said against on-demand and the for-loop warmer.
#[test]
fn the_default_set_and_its_recommendation() {
    let arrivals = fifty_every_fifteen_minutes();
    let t = trace(arrivals, 100.0);
    let opts = Options::defaults(base());
    let w = run("t.jsonl", t, &opts, &PricingConfig::default());
    let names: Vec<&str> = w.rows.iter().map(|r| r.scenario.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "on-demand",
            "provisioned 50",
            "keep-warm 50/5m",
            "keep-warm 1/5m"
        ]
    );
    // The wide warmer costs pings; provisioned 50 costs capacity all day.
    let best = w.best().unwrap();
    assert_eq!(best.scenario.name, "keep-warm 50/5m");
    let text = w.recommendation();
    assert!(
        text.starts_with("Keep-warm 50/5m keeps cold starts under 1.0%"),
        "{text}"
    );
    assert!(text.contains("more than on-demand (100.0% cold)"), "{text}");
    assert!(
        text.contains("a for-loop warmer (one environment) (98.0% cold)"),
        "{text}"
    );
}

/// Steady traffic at concurrency 10 for 20 minutes, provisioned 5 auto scaling at 70 %:
/// every 3 minutes over the target it grows to ceil(allocated × utilisation / target):
/// 5 at 100 % -> 8 -> 12 (still 100 %, the rest spilling over) -> 15 (10/12 = 83 %),
/// then 10/15 = 67 % holds. A 2-minute burst never scales it out (3 datapoints needed).
#[test]
fn provisioned_auto_scaling_follows_three_minutes_over_the_target() {
    // Ten requests of 1 s every second: ten in flight at any time.
    let steady = |seconds: u64| -> Vec<Arrival> {
        (0..seconds)
            .flat_map(|s| {
                (0..10).map(move |_| Arrival {
                    at_us: s * 1_000_000,
                    work_ms: Some(999.0),
                })
            })
            .collect()
    };
    let t = trace(steady(1200), 100.0);
    let o = run_one(&t, "autoscale", |s| {
        s.cfg.provisioned_concurrency = 5;
        s.autoscale = Some(0.7);
    });
    assert_eq!(o.provisioned_peak, 15);
    let short = trace(steady(120), 100.0);
    let o = run_one(&short, "autoscale", |s| {
        s.cfg.provisioned_concurrency = 5;
        s.autoscale = Some(0.7);
    });
    assert_eq!(
        o.provisioned_peak, 5,
        "two minutes over the target is not three"
    );
}

/// The chart puts each configuration by its cost and cold starts: on-demand (A) top
/// right of the cheap warmer (C), the provisioned row (B) bottom right.
#[test]
fn the_chart_places_each_configuration() {
    let arrivals = fifty_every_fifteen_minutes();
    let opts = Options {
        provisioned: vec![50],
        keep_warm: vec![KeepWarm {
            width: 50,
            every_s: 300.0,
        }],
        ..Options::defaults(base())
    };
    let w = run(
        "t.jsonl",
        trace(arrivals, 100.0),
        &opts,
        &PricingConfig::default(),
    );
    assert!(w.chart(40).is_none(), "too narrow");
    let chart = w.chart(100).unwrap();
    let lines: Vec<&str> = chart.lines().collect();
    let row = |c: char| lines.iter().position(|l| l.contains(c)).unwrap();
    let col = |c: char| lines[row(c)].find(c).unwrap();
    assert_eq!(row('A'), 1, "{chart}");
    assert!(row('B') > row('A') && row('C') > row('A'), "{chart}");
    assert!(col('B') > col('C'), "provisioned costs more:\n{chart}");
    assert!(chart.contains("  B provisioned 50"), "{chart}");
}

/// A latency budget instead of a share: what cold starts add at p99. On-demand adds its
/// 100 ms Init to a quarter of the requests (p99 100 ms): within 150 ms it is the
/// cheapest; within 50 ms only the rows without cold starts qualify.
#[test]
fn a_p99_budget_picks_by_added_latency() {
    let t = trace(fifty_every_fifteen_minutes(), 100.0);
    let within = |ms: f64| {
        let opts = Options {
            max_p99_ms: Some(ms),
            ..Options::defaults(base())
        };
        let w = run("t.jsonl", t.clone(), &opts, &PricingConfig::default());
        w.best()
            .map(|r| (r.scenario.name.clone(), r.outcome.added_ms(0.99)))
    };
    let (name, added) = within(150.0).unwrap();
    assert_eq!(name, "on-demand");
    assert!((added - 100.0).abs() < 1.0, "{added}");
    let (name, added) = within(50.0).unwrap();
    assert_ne!(name, "on-demand");
    assert!(added < 1.0, "{added}");
}
