//! Where an event is filed in history: by wall-clock second, from the session clock.

use crate::event::EventKind;
use crate::ids::Stamp;

/// History is filed by wall-clock second (Unix), so data from before the session (a
/// log lookback) has a place too.
pub fn second_of(wall_us: i64) -> u64 {
    u64::try_from(wall_us.div_euclid(1_000_000)).unwrap_or(0)
}

/// The wall time of a session-clock instant, from an event stamped on the same clock.
pub fn wall_of(at: Stamp, mono_us: u64) -> i64 {
    let back = i64::try_from(at.mono_us.saturating_sub(mono_us)).unwrap_or(i64::MAX);
    at.wall_us.saturating_sub(back)
}

/// Events whose time goes into history (the rest are about now).
pub fn files_history(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Request(_)
            | EventKind::InitStart { .. }
            | EventKind::InitEnd { .. }
            | EventKind::InvokeStart { .. }
            | EventKind::InvokeEnd { .. }
            | EventKind::Throttle { .. }
            | EventKind::Reclaimed { .. }
            | EventKind::Destroyed { .. }
            | EventKind::Frozen { .. }
    )
}
