//! Runs traces of 250k, 1M and 4M requests through one configuration and prints the
//! resident memory the simulation added beyond the trace itself: it must not grow with
//! the number of requests. `cargo run --release --example whatif_memory`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use thaw::config::EmulatorConfig;
use thaw::whatif::trace::{Arrival, Basis};
use thaw::whatif::{Scenario, Trace, simulate};

#[path = "support/rss.rs"]
mod rss;
use rss::rss_kb;

fn main() {
    let s = Scenario {
        name: "on-demand".into(),
        cfg: EmulatorConfig::default(),
        keep_warm: None,
        autoscale: None,
    };
    for n in [250_000_u64, 1_000_000, 4_000_000] {
        // 1,000 a second, 80 ms each: about 80 environments whatever the length.
        let arrivals: Vec<Arrival> = (0..n)
            .map(|i| Arrival {
                at_us: i * 1000,
                work_ms: Some(80.0),
            })
            .collect();
        let t = Trace {
            start_wall_us: 1_800_000_000_000_000,
            span_s: n as f64 / 1000.0 + 1.0,
            arrivals,
            init_ms: vec![150.0],
            basis: Basis::Lifecycle,
            observed_cold: 0,
            observed_throttled: 0,
            memory_mb: None,
            architecture: None,
        };
        let before = rss_kb();
        let started = std::time::Instant::now();
        let o = simulate(&t, &s, 7);
        println!(
            "{n:>9} requests: {:>6.0} ms, {} cold, peak {} environments, +{} kB resident beyond the trace",
            started.elapsed().as_secs_f64() * 1000.0,
            o.cold,
            o.peak_envs,
            rss_kb().saturating_sub(before)
        );
    }
}
