//! The fold over a long emulated session: the state stays the same size while requests
//! pile up (the emulator's pure core makes the events, on virtual time).

use std::time::Duration;

use thaw::config::EmulatorConfig;
use thaw::emulator::builtin::InvokeParams;
use thaw::emulator::core::{Core, Effect};
use thaw::event::Event;
use thaw::ids::Stamp;
use thaw::state::{SERIES_SECONDS, State};

/// A long emulated session: the state stays the same size while requests pile up.
#[test]
fn memory_does_not_grow_per_request() {
    let mut core = Core::new(
        EmulatorConfig {
            seed: Some(1),
            idle_reclaim_s: 5.0,
            idle_reclaim_jitter_s: 1.0,
            ..EmulatorConfig::default()
        },
        0,
    );
    let mut s = State::new();
    let mut out = Vec::new();
    let mut now = Duration::ZERO;
    core.start(now, &mut out);
    let mut sizes = Vec::new();
    for round in 0..4_000u64 {
        for i in 0..10 {
            core.invoke(now, round * 10 + i, InvokeParams::default(), &mut out);
        }
        now += Duration::from_millis(250);
        core.advance(now, &mut out);
        for e in out.drain(..) {
            if let Effect::Emit { at, kind } = e {
                s.apply(&Event::new(
                    Stamp {
                        mono_us: at.as_micros() as u64,
                        wall_us: at.as_micros() as i64,
                    },
                    kind,
                ));
            }
        }
        if round >= 3_700 && round % 100 == 99 {
            sizes.push((s.envs.len(), s.logs.len(), s.seconds.len(), s.metrics.len()));
        }
    }
    assert!(s.platform.invocations >= 39_000);
    assert_eq!(sizes.first(), sizes.last(), "{sizes:?}");
    assert_eq!(s.seconds.len(), SERIES_SECONDS);
}
