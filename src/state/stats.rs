//! Counters and latency histograms, from the platform's view (lifecycle events) and
//! the client's (request observations). Fixed size: nothing here grows per request.

use hdrhistogram::Histogram;

use crate::event::{ErrorKind, FailurePhase, InvokeOutcome, ThrottleReason};
use crate::histogram;

/// Cold and warm latency, in microseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Latency {
    pub cold: Histogram<u64>,
    pub warm: Histogram<u64>,
}

impl Default for Latency {
    fn default() -> Self {
        Self {
            cold: histogram::micros(),
            warm: histogram::micros(),
        }
    }
}

impl Latency {
    pub fn record(&mut self, cold: bool, us: u64) {
        let h = if cold { &mut self.cold } else { &mut self.warm };
        histogram::record_us(h, us);
    }
}

/// Error types kept apart; more kinds than this count as `other`.
pub const ERROR_TYPES: usize = 16;

/// What the platform did, from lifecycle events (emulator, or CloudWatch Logs).
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformStats {
    pub invocations: u64,
    pub cold_starts: u64,
    pub warm_starts: u64,
    pub in_flight: u64,
    pub peak_in_flight: u64,
    /// By outcome: error, timeout, crash.
    pub function_errors: u64,
    pub timeouts: u64,
    pub crashes: u64,
    pub init_errors: u64,
    pub throttles: [u64; ThrottleReason::ALL.len()],
    pub reclaimed: u64,
    pub destroyed: u64,
    /// Requests that waited for a free slot (Web Functions), and the longest wait.
    pub queued: u64,
    pub queued_max_ms: f64,
    /// Failures by phase and error type, most first seen first; at most
    /// [`ERROR_TYPES`] kinds (later kinds count as `other`).
    pub error_types: Vec<(FailurePhase, String, u64)>,
    /// Init Durations.
    pub init: Histogram<u64>,
    /// Invocation Durations (REPORT), split by cold/warm.
    pub duration: Latency,
}

impl Default for PlatformStats {
    fn default() -> Self {
        Self::new()
    }
}

impl PlatformStats {
    pub fn new() -> Self {
        Self {
            invocations: 0,
            cold_starts: 0,
            warm_starts: 0,
            in_flight: 0,
            peak_in_flight: 0,
            function_errors: 0,
            timeouts: 0,
            crashes: 0,
            init_errors: 0,
            throttles: [0; ThrottleReason::ALL.len()],
            reclaimed: 0,
            queued: 0,
            queued_max_ms: 0.0,
            destroyed: 0,
            error_types: Vec::new(),
            init: histogram::micros(),
            duration: Latency::default(),
        }
    }

    pub fn throttled(&self) -> u64 {
        self.throttles.iter().sum()
    }

    pub fn throttles_for(&self, reason: ThrottleReason) -> u64 {
        ThrottleReason::ALL
            .iter()
            .position(|r| *r == reason)
            .map_or(0, |i| self.throttles[i])
    }

    pub(super) fn throttle(&mut self, reason: ThrottleReason) {
        if let Some(i) = ThrottleReason::ALL.iter().position(|r| *r == reason) {
            self.throttles[i] += 1;
        }
    }

    pub(super) fn failure(&mut self, phase: FailurePhase, error_type: &str) {
        if let Some(e) = self
            .error_types
            .iter_mut()
            .find(|(p, t, _)| *p == phase && t == error_type)
        {
            e.2 += 1;
            return;
        }
        let kind = if self.error_types.len() < ERROR_TYPES {
            error_type
        } else {
            "other"
        };
        match self
            .error_types
            .iter_mut()
            .find(|(p, t, _)| *p == phase && t == kind)
        {
            Some(e) => e.2 += 1,
            None => self.error_types.push((phase, kind.to_string(), 1)),
        }
    }

    pub(super) fn outcome(&mut self, outcome: InvokeOutcome) {
        match outcome {
            InvokeOutcome::Success => {}
            InvokeOutcome::Error => self.function_errors += 1,
            InvokeOutcome::Timeout => self.timeouts += 1,
            InvokeOutcome::Crash => self.crashes += 1,
        }
    }

    /// Warm starts over all starts, 0 to 1.
    pub fn reuse_ratio(&self) -> Option<f64> {
        reuse(self.cold_starts, self.warm_starts)
    }
}

/// What the client saw, from request observations.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientStats {
    pub requests: u64,
    pub ok: u64,
    pub cold: u64,
    pub warm: u64,
    /// Of `cold` + `warm`: classified from latency, not probe headers.
    pub inferred: u64,
    pub errors: [u64; ErrorKind::ALL.len()],
    pub latency: Latency,
    /// Every request, classified or not.
    pub all: Histogram<u64>,
    /// Time to first byte of every answered request (a streamed answer's is its start).
    pub first_byte: Histogram<u64>,
    /// Sent and not yet answered, as the load generator last said.
    pub in_flight: u32,
    pub peak_in_flight: u32,
    /// What AWS endpoints said of failures (`TooManyRequestsException (Reason)`), at
    /// most [`SAID_KINDS`] kinds; the rest count as `other`.
    pub said: std::collections::BTreeMap<String, u64>,
}

/// Kinds of AWS error kept apart.
pub const SAID_KINDS: usize = 16;

impl Default for ClientStats {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientStats {
    pub fn new() -> Self {
        Self {
            requests: 0,
            ok: 0,
            cold: 0,
            warm: 0,
            inferred: 0,
            errors: [0; ErrorKind::ALL.len()],
            latency: Latency::default(),
            all: histogram::micros(),
            first_byte: histogram::micros(),
            in_flight: 0,
            peak_in_flight: 0,
            said: std::collections::BTreeMap::new(),
        }
    }

    /// Counts a failure: its kind, and what the endpoint said of it.
    pub fn failed(&mut self, kind: Option<ErrorKind>, said: Option<&str>) {
        if let Some(kind) = kind {
            self.errors[kind.index()] += 1;
        }
        if let Some(said) = said {
            let key = if self.said.len() < SAID_KINDS || self.said.contains_key(said) {
                said
            } else {
                "other"
            };
            *self.said.entry(key.to_string()).or_default() += 1;
        }
    }

    pub fn error_count(&self, kind: ErrorKind) -> u64 {
        self.errors[kind.index()]
    }

    pub fn errors_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    pub fn reuse_ratio(&self) -> Option<f64> {
        reuse(self.cold, self.warm)
    }
}

fn reuse(cold: u64, warm: u64) -> Option<f64> {
    let total = cold + warm;
    (total > 0).then(|| warm as f64 / total as f64)
}
