//! The end-of-run summary of `thaw burst`, read from the same [`State`] the TUI draws:
//! as text for people, JSON for scripts, CSV rows per request.

mod fanout;

pub use fanout::FanOutSummary;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::burst::StepReport;
use crate::event::{ErrorKind, RequestObserved, ThrottleReason};
use crate::state::State;

/// A list of `(kind, count)` written as a JSON object of counts (`{"server": 4000}`), in
/// the list's order.
fn as_counts<K: Serialize, S: serde::Serializer>(v: &[(K, u64)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(v.len()))?;
    for (k, n) in v {
        map.serialize_entry(k, n)?;
    }
    map.end()
}

/// The name a kind has in JSON (`server`, `account_concurrency`).
fn name_of<K: Serialize>(k: &K) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What the platform did (the emulator's lifecycle events, or a function's logs): the
/// reasons behind what the client saw, such as a REST API's 500s that were Lambda
/// throttles.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlatformSummary {
    pub invocations: u64,
    pub cold: u64,
    pub warm: u64,
    pub reuse_ratio: Option<f64>,
    /// Requests Lambda refused, by reason.
    #[serde(serialize_with = "as_counts")]
    pub throttles: Vec<(ThrottleReason, u64)>,
    pub function_errors: u64,
    pub timeouts: u64,
    pub crashes: u64,
    pub init_errors: u64,
    /// Failures by phase (`init`, `invoke`) and error type, as counts.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub error_types: BTreeMap<&'static str, BTreeMap<String, u64>>,
    pub init: Option<Percentiles>,
    /// `Event` invocations: delivered, retried, dropped, still queued at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub async_queue: Option<crate::event::AsyncQueueStats>,
}

impl PlatformSummary {
    fn of(state: &State) -> Option<Self> {
        let p = &state.platform;
        let throttles: Vec<(ThrottleReason, u64)> = ThrottleReason::ALL
            .iter()
            .map(|r| (*r, p.throttles_for(*r)))
            .filter(|(_, n)| *n > 0)
            .collect();
        let seen = p.invocations > 0
            || p.init_errors > 0
            || !throttles.is_empty()
            || state.async_queue.is_some();
        seen.then(|| Self {
            invocations: p.invocations,
            cold: p.cold_starts,
            warm: p.warm_starts,
            reuse_ratio: p.reuse_ratio(),
            throttles,
            function_errors: p.function_errors,
            timeouts: p.timeouts,
            crashes: p.crashes,
            init_errors: p.init_errors,
            error_types: p
                .error_types
                .iter()
                .fold(BTreeMap::new(), |mut m, (phase, t, n)| {
                    m.entry(phase.as_str())
                        .or_insert_with(BTreeMap::new)
                        .insert(t.clone(), *n);
                    m
                }),
            init: Percentiles::of(&p.init),
            async_queue: state.async_queue,
        })
    }
}

/// How a throttle reads in the summary.
fn throttle_words(r: ThrottleReason) -> &'static str {
    match r {
        ThrottleReason::AccountConcurrency => "at the account's concurrency limit",
        ThrottleReason::ReservedConcurrency => "at the function's reserved concurrency",
        ThrottleReason::ScalingRate => "by the scaling rate (1,000 new environments per 10 s)",
        ThrottleReason::Stage => "by API Gateway's stage throttle",
        ThrottleReason::InvocationRate => {
            "at the invocation rate (10 requests a second per unit of concurrency limit)"
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Percentiles {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Percentiles {
    fn of(h: &Histogram<u64>) -> Option<Self> {
        if h.is_empty() {
            return None;
        }
        let ms = |us: u64| (us as f64 / 10.0).round() / 100.0;
        Some(Self {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
        })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepSummary {
    pub step: String,
    pub requests: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_spread_ms: Option<f64>,
    pub late_starts: u64,
    pub max_lateness_ms: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub target: String,
    pub plan: String,
    pub requests: u64,
    pub ok: u64,
    pub failed: u64,
    pub environments: usize,
    pub cold: u64,
    pub warm: u64,
    /// Of cold + warm, how many were inferred from latency (no probe headers).
    pub inferred: u64,
    pub reuse_ratio: Option<f64>,
    pub throttled: u64,
    /// Failed requests by kind, as the client saw them.
    #[serde(serialize_with = "as_counts")]
    pub errors: Vec<(ErrorKind, u64)>,
    /// What AWS said of them (error code and throttle reason), most first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub said: Vec<(String, u64)>,
    pub latency_cold: Option<Percentiles>,
    pub latency_warm: Option<Percentiles>,
    pub latency_all: Option<Percentiles>,
    /// Time to first byte, beside the total (a streamed answer's first bytes).
    pub latency_first_byte: Option<Percentiles>,
    pub steps: Vec<StepSummary>,
    /// What the platform did, when its events were seen (the embedded emulator, a
    /// function's logs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformSummary>,
    /// A burst fanned out over Lambda workers: how close to one instant they released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fanout: Option<FanOutSummary>,
}

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

impl Summary {
    pub fn new(state: &State, target: &str, plan: &str, steps: &[StepReport]) -> Self {
        let c = &state.client;
        Self {
            target: target.into(),
            plan: plan.into(),
            requests: c.requests,
            ok: c.ok,
            failed: c.requests - c.ok,
            environments: state.envs.len(),
            cold: c.cold,
            warm: c.warm,
            inferred: c.inferred,
            reuse_ratio: c.reuse_ratio(),
            throttled: c.error_count(ErrorKind::Throttled),
            errors: ErrorKind::ALL
                .iter()
                .map(|k| (*k, c.error_count(*k)))
                .filter(|(_, n)| *n > 0)
                .collect(),
            said: {
                let mut said: Vec<_> = c.said.iter().map(|(k, n)| (k.clone(), *n)).collect();
                said.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                said
            },
            latency_cold: Percentiles::of(&c.latency.cold),
            latency_warm: Percentiles::of(&c.latency.warm),
            latency_all: Percentiles::of(&c.all),
            latency_first_byte: Percentiles::of(&c.first_byte),
            steps: steps
                .iter()
                .map(|s| StepSummary {
                    step: s.step.clone(),
                    requests: s.requests,
                    release_spread_ms: s.release_spread.map(ms),
                    late_starts: s.late_starts,
                    max_lateness_ms: ms(s.max_lateness),
                })
                .collect(),
            platform: PlatformSummary::of(state),
            fanout: state.fanout.as_deref().map(FanOutSummary::of),
        }
    }

    /// What the platform did, from another state (the embedded emulator's own events,
    /// folded apart from the client's).
    #[must_use]
    pub fn with_platform(mut self, platform: &State) -> Self {
        self.platform = PlatformSummary::of(platform);
        self
    }

    /// What the platform did, for people; empty when its events were not seen.
    fn platform_text(&self, environments: usize) -> String {
        let Some(p) = &self.platform else {
            return String::new();
        };
        let mut o = String::new();
        if p.invocations > 0 {
            let reuse = p
                .reuse_ratio
                .map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0));
            let _ = writeln!(
                o,
                "platform      {} invocations on {environments} environments: {} cold, {} warm, reuse {reuse}",
                p.invocations, p.cold, p.warm
            );
        }
        if let Some(init) = &p.init {
            let _ = writeln!(
                o,
                "init          p50 {} ms, p99 {} ms, max {} ms ({} inits)",
                init.p50_ms, init.p99_ms, init.max_ms, init.count
            );
        }
        if let Some(q) = &p.async_queue {
            let _ = writeln!(
                o,
                "async         {} delivered, {} retried, {} dropped, {} still queued at the end",
                q.delivered, q.retried, q.dropped, q.depth
            );
        }
        for (reason, n) in &p.throttles {
            let _ = writeln!(
                o,
                "lambda        {n} throttled {} ({}; a REST API answers them 500, a function URL 429)",
                throttle_words(*reason),
                reason.aws_reason()
            );
        }
        let failures = [
            ("function errors", p.function_errors),
            ("timeouts", p.timeouts),
            ("crashes", p.crashes),
            ("Init failures", p.init_errors),
        ];
        let failed: Vec<String> = failures
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("{n} {what}"))
            .collect();
        if !failed.is_empty() {
            // What the runtime named each failure, where it did; else where to look.
            let kinds: Vec<String> = p
                .error_types
                .iter()
                .flat_map(|(phase, types)| {
                    types
                        .iter()
                        .map(move |(t, n)| format!("{t} ×{n} in {phase}"))
                })
                .collect();
            let why = if kinds.is_empty() {
                "the function's log lines say why".to_string()
            } else {
                kinds.join(", ")
            };
            let _ = writeln!(o, "function      {} ({why})", failed.join(", "));
        }
        o
    }

    /// For people: a few aligned lines.
    pub fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "thaw burst: {} -> {}", self.plan, self.target);
        let _ = writeln!(
            o,
            "requests      {} sent, {} ok (2xx/3xx), {} failed",
            self.requests, self.ok, self.failed
        );
        let _ = writeln!(o, "environments  {} seen", self.environments);
        let how = if self.inferred > 0 {
            format!(
                " ({} inferred from latency: no probe headers)",
                self.inferred
            )
        } else {
            String::new()
        };
        let reuse = self
            .reuse_ratio
            .map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0));
        let _ = writeln!(
            o,
            "cold / warm   {} / {}, reuse {reuse}{how}",
            self.cold, self.warm
        );
        let _ = writeln!(o, "throttled     {}", self.throttled);
        let errors = if self.errors.is_empty() {
            "none".to_string()
        } else {
            self.errors
                .iter()
                .map(|(k, n)| format!("{} {n}", name_of(k)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(o, "errors        {errors}");
        for (said, n) in &self.said {
            let _ = writeln!(o, "  AWS said    {n} × {said}");
        }
        let _ = writeln!(
            o,
            "latency ms    {:>9} {:>9} {:>9} {:>9} {:>7}",
            "p50", "p90", "p99", "max", "n"
        );
        // First bytes get a row when they come well before the end (streamed answers);
        // otherwise they say what the total says.
        let streamed = match (&self.latency_first_byte, &self.latency_all) {
            (Some(first), Some(all)) => first.p50_ms < 0.8 * all.p50_ms,
            _ => false,
        };
        let first_byte = if streamed {
            &self.latency_first_byte
        } else {
            &None
        };
        let rows = [
            ("cold", &self.latency_cold),
            ("warm", &self.latency_warm),
            ("all", &self.latency_all),
            ("first byte", first_byte),
        ];
        for (name, p) in rows {
            if name == "first byte" && p.is_none() {
                continue;
            }
            match p {
                Some(p) => {
                    let _ = writeln!(
                        o,
                        "  {name:<11} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>7}",
                        p.p50_ms, p.p90_ms, p.p99_ms, p.max_ms, p.count
                    );
                }
                None => {
                    let _ = writeln!(o, "  {name:<11} {:>9}", "-");
                }
            }
        }
        for s in &self.steps {
            if let Some(spread) = s.release_spread_ms {
                let _ = writeln!(
                    o,
                    "release       {spread:.3} ms spread, first to last request written ({})",
                    s.step
                );
            }
            if s.step.starts_with("rate") {
                let _ = writeln!(
                    o,
                    "arrivals      {} of {} started late (>5 ms), at most {:.2} ms late ({})",
                    s.late_starts, s.requests, s.max_lateness_ms, s.step
                );
            }
        }
        if let Some(f) = &self.fanout {
            o.push_str(&f.text());
        }
        o.push_str(&self.platform_text(self.environments));
        o
    }
}

/// The CSV header of [`csv_row`].
pub const CSV_HEADER: &str = "id,planned_us,sent_us,first_byte_us,end_us,connect_us,latency_us,status,bytes,error,class,env,probe_cold,init_ms,invocations";

/// One request as a CSV row.
pub fn csv_row(r: &RequestObserved) -> String {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let tag = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let probe = r.probe.as_ref();
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        r.id,
        r.planned_us,
        r.sent_us,
        opt(r.first_byte_us.map(|v| v.to_string())),
        r.end_us,
        opt(r.connect_us.map(|v| v.to_string())),
        r.latency().as_micros(),
        opt(r.status.map(|v| v.to_string())),
        r.bytes,
        opt(r.error.and_then(|e| serde_json::to_value(e).ok()).map(tag)),
        opt(r.class.and_then(|c| serde_json::to_value(c).ok()).map(tag)),
        opt(probe.map(|p| p.env.0.clone())),
        opt(probe.map(|p| p.cold.to_string())),
        opt(probe.and_then(|p| p.init_ms).map(|v| v.to_string())),
        opt(probe.and_then(|p| p.invocations).map(|v| v.to_string())),
    )
}
