//! A burst fanned out over Lambda workers: how close their releases came to the one
//! instant, and what became of each worker. Its requests travel as ordinary
//! [`super::EventKind::Request`] events; this is what a single client has no word for.

use serde::{Deserialize, Serialize};

/// Most workers one fan-out reports (and may use): the report stays small.
pub const MAX_WORKERS: u32 = 1_000;

/// One fan-out's synchronisation, on thaw's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanOutReport {
    /// The worker function (`lambda:NAME`).
    pub function: String,
    /// The release instant, Unix µs on thaw's clock.
    pub instant_us: i64,
    /// How far ahead of the invocations the instant was set, and whether it was
    /// measured (cold start, invocation, connecting) or given (`--lead`).
    pub lead_us: u64,
    pub lead_measured: bool,
    /// Where the workers' clocks stand against thaw's (`worker = thaw + offset`), from
    /// the probe with the shortest round trip, and half that round trip.
    pub offset_us: i64,
    pub uncertainty_us: i64,
    /// Clock probes answered.
    pub probes: u32,
    /// The workers' invocations (probes and bursts) and what they were billed, from their
    /// REPORT lines: duration in all, at the function's memory.
    #[serde(default)]
    pub invocations: u32,
    #[serde(default)]
    pub billed_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u32>,
    pub workers: Vec<WorkerReport>,
}

/// What one worker did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerReport {
    pub worker: u32,
    /// Requests it was given, and those it answered for.
    pub share: u64,
    pub carried: u64,
    /// Its first request written, µs after the instant on thaw's clock (negative:
    /// early), and its own release's length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateness_us: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_us: Option<u64>,
    /// Its environment started for this invocation.
    #[serde(default)]
    pub cold: bool,
    pub outcome: WorkerOutcome,
    /// What went wrong, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerOutcome {
    /// Released its share.
    Released,
    /// The instant had passed when it started: it sent nothing.
    Late,
    /// Its invocation was throttled (the account's or the function's concurrency).
    Throttled,
    /// The function failed (crashed, or answered an error).
    Crashed,
    /// It ran past the function's timeout.
    TimedOut,
    /// Its answer could not be read, or the invocation failed on the way.
    Failed,
}

impl WorkerOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Released => "released",
            Self::Late => "late",
            Self::Throttled => "throttled",
            Self::Crashed => "crashed",
            Self::TimedOut => "timed out",
            Self::Failed => "failed",
        }
    }
}

/// How close the releases came to the instant: |lateness| as p50, p99 and the widest,
/// over the workers that released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spread {
    pub p50_us: i64,
    pub p99_us: i64,
    pub max_us: i64,
}

impl FanOutReport {
    /// The spread of the workers' release starts around the instant; none if none
    /// released.
    pub fn spread(&self) -> Option<Spread> {
        let mut v: Vec<i64> = self
            .workers
            .iter()
            .filter_map(|w| w.lateness_us.map(i64::saturating_abs))
            .collect();
        v.sort_unstable();
        let last = v.len().checked_sub(1)?;
        let at = |q: f64| v[(last as f64 * q).round() as usize];
        Some(Spread {
            p50_us: at(0.5),
            p99_us: at(0.99),
            max_us: v[last],
        })
    }

    /// Workers per outcome, in the enum's order, those with none left out.
    pub fn outcomes(&self) -> Vec<(WorkerOutcome, usize)> {
        use WorkerOutcome as O;
        [
            O::Released,
            O::Late,
            O::Throttled,
            O::Crashed,
            O::TimedOut,
            O::Failed,
        ]
        .into_iter()
        .map(|o| (o, self.workers.iter().filter(|w| w.outcome == o).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(worker: u32, lateness_us: Option<i64>, outcome: WorkerOutcome) -> WorkerReport {
        WorkerReport {
            worker,
            share: 10,
            carried: if lateness_us.is_some() { 10 } else { 0 },
            lateness_us,
            release_us: lateness_us.map(|_| 300),
            cold: false,
            outcome,
            message: None,
        }
    }

    #[test]
    fn the_spread_reads_the_workers_that_released() {
        let mut r = FanOutReport {
            function: "lambda:w".into(),
            instant_us: 0,
            lead_us: 500_000,
            lead_measured: true,
            offset_us: 0,
            uncertainty_us: 400,
            probes: 12,
            invocations: 16,
            billed_ms: 3_000,
            memory_mb: Some(1769),
            workers: vec![
                worker(0, Some(200), WorkerOutcome::Released),
                worker(1, Some(-300), WorkerOutcome::Released),
                worker(2, Some(1_000), WorkerOutcome::Released),
                worker(3, None, WorkerOutcome::Throttled),
            ],
        };
        let s = r.spread().expect("three released");
        assert_eq!((s.p50_us, s.p99_us, s.max_us), (300, 1_000, 1_000));
        assert_eq!(
            r.outcomes(),
            vec![(WorkerOutcome::Released, 3), (WorkerOutcome::Throttled, 1)]
        );
        r.workers.clear();
        assert_eq!(r.spread(), None);
    }
}
