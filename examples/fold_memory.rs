//! Folds one million request events (over 1,000 environments and about 28 hours of
//! session time) and prints the process's resident memory along the way: it must stay
//! flat after warm-up. `cargo run --release --example fold_memory`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use thaw::event::{Classification, Event, EventKind, ProbeFields, RequestObserved};
use thaw::ids::{EnvId, RequestId, Stamp};
use thaw::state::State;

#[path = "support/rss.rs"]
mod rss;
use rss::rss_kb;

fn main() {
    let envs: Vec<EnvId> = (0..1000u64).map(|i| EnvId(format!("{i:032x}"))).collect();
    let mut state = State::new();
    for i in 0..1_000_000u64 {
        let t_us = 1_000_000 + i * 100_000;
        let env = &envs[(i % 1000) as usize];
        let cold = i < 1000;
        state.apply(&Event::new(
            Stamp {
                mono_us: t_us,
                wall_us: 1_795_000_000_000_000 + t_us.cast_signed(),
            },
            EventKind::Request(RequestObserved {
                id: RequestId(i.to_string()),
                planned_us: t_us - 90_000,
                sent_us: t_us - 90_000,
                first_byte_us: Some(t_us),
                end_us: t_us,
                connect_us: None,
                status: Some(200),
                bytes: 2,
                error: None,
                probe: Some(ProbeFields {
                    env: env.clone(),
                    cold,
                    init_ms: None,
                    invocations: None,
                }),
                class: Some(if cold {
                    Classification::Cold
                } else {
                    Classification::Warm
                }),
                said: None,
            }),
        ));
        if (i + 1) % 100_000 == 0 {
            println!("{:>9} events  VmRSS {} kB", i + 1, rss_kb());
        }
    }
}
