//! `thaw whatif`'s engine: one million requests through one configuration on virtual
//! time (target: 1 s or less), and the memory it holds (flat: fixed-size histograms; the
//! model's environments and timers, not its requests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use thaw::config::EmulatorConfig;
use thaw::whatif::trace::{Arrival, Basis};
use thaw::whatif::{Scenario, Trace, simulate};

/// A million requests: 1,000 a second for 1,000 s, each working 80 ms, with a burst of
/// 500 at once every 100 s (about 80 in flight, 500 at the bursts).
fn trace() -> Trace {
    let mut arrivals: Vec<Arrival> = Vec::with_capacity(1_000_000);
    let mut i = 0_u64;
    while arrivals.len() < 1_000_000 {
        let at_us = i * 1000;
        arrivals.push(Arrival {
            at_us,
            work_ms: Some(80.0),
        });
        if at_us.is_multiple_of(100_000_000) {
            for _ in 0..500 {
                arrivals.push(Arrival {
                    at_us,
                    work_ms: Some(80.0),
                });
            }
        }
        i += 1;
    }
    arrivals.truncate(1_000_000);
    Trace {
        start_wall_us: 1_800_000_000_000_000,
        span_s: arrivals.last().unwrap().at_us as f64 / 1e6 + 1.0,
        arrivals,
        init_ms: vec![150.0, 180.0, 210.0],
        basis: Basis::Lifecycle,
        observed_cold: 0,
        observed_throttled: 0,
        memory_mb: None,
        architecture: None,
    }
}

fn million(c: &mut Criterion) {
    let t = trace();
    let s = Scenario {
        name: "on-demand".into(),
        cfg: EmulatorConfig::default(),
        keep_warm: None,
        autoscale: None,
    };
    let mut g = c.benchmark_group("whatif");
    g.sample_size(10);
    g.throughput(Throughput::Elements(t.arrivals.len() as u64));
    g.bench_function("1M requests, one configuration", |b| {
        b.iter(|| black_box(simulate(&t, &s, 7).cold));
    });
    g.finish();
}

criterion_group!(benches, million);
criterion_main!(benches);
