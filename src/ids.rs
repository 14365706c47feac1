//! The ids and timestamps every layer carries: plain data with a stable serde form (a
//! rename here is a recording format change).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// An execution environment, as the platform names it: the 32 hex digits of its log stream
/// on Lambda (and in the emulator), or whatever id a probe function reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EnvId(pub String);

impl fmt::Display for EnvId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A platform request id (Lambda's `RequestId`, a UUID) or a client-side request number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub String);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// When something happened: `mono` (microseconds since the session started, never goes
/// back, used for durations and replay timing) and `wall` (Unix microseconds, for display).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Stamp {
    pub mono_us: u64,
    pub wall_us: i64,
}

impl Stamp {
    /// Monotonic time since the session started.
    pub fn mono(self) -> Duration {
        Duration::from_micros(self.mono_us)
    }

    /// Wall-clock time, for display.
    pub fn wall(self) -> SystemTime {
        let us = self.wall_us.unsigned_abs();
        if self.wall_us >= 0 {
            UNIX_EPOCH + Duration::from_micros(us)
        } else {
            UNIX_EPOCH - Duration::from_micros(us)
        }
    }
}
