//! A fanned-out burst in the summary: how close the workers came to the instant, and
//! each worker that did not release, with the requests it did not carry.

use std::fmt::Write as _;

use serde::Serialize;

use crate::event::{FanOutReport, WorkerOutcome, WorkerReport};

/// Workers listed one by one in the text (all of them are in the JSON).
const LISTED: usize = 16;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FanOutSummary {
    pub function: String,
    pub workers: usize,
    /// Workers per outcome (`released`, `late`, `throttled`, ...).
    #[serde(serialize_with = "super::as_counts")]
    pub outcomes: Vec<(WorkerOutcome, u64)>,
    pub cold_workers: usize,
    /// The release instant, Unix µs on thaw's clock.
    pub instant_us: i64,
    pub lead_ms: f64,
    pub lead_measured: bool,
    pub offset_ms: f64,
    pub uncertainty_ms: f64,
    pub probes: u32,
    /// The workers' invocations, probes included, and their billed duration in all.
    pub invocations: u32,
    pub billed_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u32>,
    /// |release start − instant| over the workers that released.
    pub spread_p50_ms: Option<f64>,
    pub spread_p99_ms: Option<f64>,
    pub spread_max_ms: Option<f64>,
    /// Requests given to workers that did not answer for them.
    pub not_carried: u64,
    pub per_worker: Vec<WorkerReport>,
}

fn ms(us: i64) -> f64 {
    (us as f64 / 10.0).round() / 100.0
}

impl FanOutSummary {
    pub fn of(r: &FanOutReport) -> Self {
        let spread = r.spread();
        Self {
            function: r.function.clone(),
            workers: r.workers.len(),
            outcomes: r
                .outcomes()
                .into_iter()
                .map(|(k, n)| (k, n as u64))
                .collect(),
            cold_workers: r.workers.iter().filter(|w| w.cold).count(),
            instant_us: r.instant_us,
            lead_ms: ms(i64::try_from(r.lead_us).unwrap_or(i64::MAX)),
            lead_measured: r.lead_measured,
            offset_ms: ms(r.offset_us),
            uncertainty_ms: ms(r.uncertainty_us),
            probes: r.probes,
            invocations: r.invocations,
            billed_s: r.billed_ms as f64 / 1e3,
            memory_mb: r.memory_mb,
            spread_p50_ms: spread.map(|s| ms(s.p50_us)),
            spread_p99_ms: spread.map(|s| ms(s.p99_us)),
            spread_max_ms: spread.map(|s| ms(s.max_us)),
            not_carried: r
                .workers
                .iter()
                .map(|w| w.share.saturating_sub(w.carried))
                .sum(),
            per_worker: r.workers.clone(),
        }
    }

    /// The workers' billed duration in GB-seconds, when their REPORT lines said.
    pub fn gb_s(&self) -> Option<f64> {
        self.memory_mb
            .map(|mb| self.billed_s * f64::from(mb) / 1024.0)
    }

    /// For people: the workers, the synchronisation, and what went wrong.
    pub fn text(&self) -> String {
        let mut o = String::new();
        let outcomes: Vec<String> = self
            .outcomes
            .iter()
            .map(|(k, n)| format!("{n} {}", k.as_str()))
            .collect();
        let _ = writeln!(
            o,
            "fan-out       {} workers ({}): {}; {} started cold",
            self.workers,
            self.function,
            outcomes.join(", "),
            self.cold_workers
        );
        let how = if self.lead_measured {
            "measured: slowest probe and connects, ×1.5 + 100 ms"
        } else {
            "--lead"
        };
        let _ = writeln!(
            o,
            "clocks        workers' offset {:+.2} ms ± {:.2} ms ({} probes); instant set {:.0} ms ahead ({how})",
            self.offset_ms, self.uncertainty_ms, self.probes, self.lead_ms
        );
        if let (Some(p50), Some(p99), Some(max)) =
            (self.spread_p50_ms, self.spread_p99_ms, self.spread_max_ms)
        {
            let _ = writeln!(
                o,
                "sync          release starts from the instant: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms (± {:.2} ms clock)",
                self.uncertainty_ms
            );
        }
        let listed: Vec<String> = self
            .per_worker
            .iter()
            .filter_map(|w| {
                w.lateness_us
                    .map(|l| format!("w{} {:+.2}", w.worker, ms(l)))
            })
            .take(LISTED)
            .collect();
        if !listed.is_empty() {
            let more = self.per_worker.len().saturating_sub(LISTED);
            let more = if more > 0 {
                format!(" (+{more} more in --output json)")
            } else {
                String::new()
            };
            let _ = writeln!(o, "  ms          {}{more}", listed.join("  "));
        }
        for w in self
            .per_worker
            .iter()
            .filter(|w| w.outcome != WorkerOutcome::Released || w.carried < w.share)
        {
            let _ = writeln!(
                o,
                "  worker {:<4} {}: {} of {} requests carried{}",
                w.worker,
                w.outcome.as_str(),
                w.carried,
                w.share,
                w.message
                    .as_deref()
                    .map_or_else(String::new, |m| format!(" ({m})"))
            );
        }
        if let Some(mb) = self.memory_mb {
            let _ = writeln!(
                o,
                "billed        {} worker invocations, {:.2} s at {mb} MB ({:.2} GB-s)",
                self.invocations,
                self.billed_s,
                self.gb_s().unwrap_or(0.0)
            );
        }
        if self.not_carried > 0 {
            let _ = writeln!(
                o,
                "  lost        {} requests were not sent or not reported; the rest are above",
                self.not_carried
            );
        }
        o
    }
}
