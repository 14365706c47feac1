//! The session clock: one timeline for every source of a session.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::ids::Stamp;

/// The session clock every source stamps its events with, so one session has one timeline.
/// Cheap to copy; `at(mono)` derives the wall time from one reading taken at the start,
/// so a replay of the same monotonic times gives the same wall times.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: tokio::time::Instant,
    start_wall_us: i64,
}

/// This machine's wall clock now, Unix µs.
pub fn wall_now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

impl Clock {
    pub fn start() -> Self {
        Self {
            start: tokio::time::Instant::now(),
            start_wall_us: wall_now_us(),
        }
    }

    /// When the clock started, epoch µs: its times are µs after this.
    pub fn zero_wall_us(&self) -> i64 {
        self.start_wall_us
    }

    /// Monotonic time since the clock started.
    pub fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// The instant a monotonic offset corresponds to, for timers.
    pub fn instant(&self, mono: Duration) -> tokio::time::Instant {
        self.start + mono
    }

    /// Stamp for a monotonic offset on this clock.
    pub fn at(&self, mono: Duration) -> Stamp {
        let mono_us = u64::try_from(mono.as_micros()).unwrap_or(u64::MAX);
        Stamp {
            mono_us,
            wall_us: self
                .start_wall_us
                .saturating_add(i64::try_from(mono_us).unwrap_or(i64::MAX)),
        }
    }

    /// Microseconds since the clock started, for an instant read elsewhere.
    pub fn mono_us(&self, at: std::time::Instant) -> u64 {
        let at = tokio::time::Instant::from_std(at);
        u64::try_from(at.saturating_duration_since(self.start).as_micros()).unwrap_or(u64::MAX)
    }

    /// Stamp for now.
    pub fn stamp(&self) -> Stamp {
        self.at(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_stamps_are_consistent() {
        let clock = Clock::start();
        let a = clock.at(Duration::from_millis(10));
        let b = clock.at(Duration::from_millis(25));
        assert_eq!(b.mono_us - a.mono_us, 15_000);
        assert_eq!(b.wall_us - a.wall_us, 15_000);
        assert!(b.wall() > a.wall());
    }
}
