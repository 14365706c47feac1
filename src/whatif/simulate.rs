//! A trace through the emulator's core on virtual time: no sockets, no sleeping. Each
//! arrival is an invocation whose function works for the trace's time (the builtin
//! handler's `sleep_ms`, its own CPU time set to zero); on-demand Inits take the trace's
//! observed durations in turn, so under the recording's own settings the same
//! environments are born.

use std::time::Duration;

use hdrhistogram::Histogram;

use crate::config::{EmulatorConfig, Handler};
use crate::emulator::builtin::InvokeParams;
use crate::emulator::core::{Core, Effect, Reply};
use crate::event::InitType;
use crate::histogram;

use super::trace::Trace;

/// A warmer: `width` parallel pings every `every_s` seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeepWarm {
    pub width: u32,
    pub every_s: f64,
}

impl KeepWarm {
    /// How long a ping keeps the function busy, ms (a handler that returns at once).
    pub const PING_MS: f64 = 1.0;

    /// `10/5m`: `10` wide every 5 minutes (`s`, `m` or `h`; seconds without a unit).
    pub fn parse(s: &str) -> Result<Self, String> {
        let (w, every) = s
            .split_once('/')
            .ok_or_else(|| format!("'{s}': a keep-warm is WIDTH/INTERVAL, e.g. 10/5m"))?;
        let width = w
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|w| (1..=10_000).contains(w))
            .ok_or_else(|| format!("'{s}': the width '{w}' is not a number from 1 to 10000"))?;
        // humantime, as plans and --timeout read durations; a bare number is seconds.
        let every = every.trim();
        let every_s = every
            .parse::<f64>()
            .ok()
            .or_else(|| {
                humantime::parse_duration(every)
                    .ok()
                    .map(|d| d.as_secs_f64())
            })
            .filter(|n| n.is_finite() && *n >= 1.0)
            .ok_or_else(|| {
                format!(
                    "'{s}': the interval '{every}' is not a duration of a second or more (5m, 90s)"
                )
            })?;
        Ok(Self { width, every_s })
    }
}

impl std::fmt::Display for KeepWarm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.every_s;
        if s >= 3600.0 && s % 3600.0 == 0.0 {
            write!(f, "{}/{}h", self.width, s / 3600.0)
        } else if s >= 60.0 && s % 60.0 == 0.0 {
            write!(f, "{}/{}m", self.width, s / 60.0)
        } else {
            write!(f, "{}/{}s", self.width, s)
        }
    }
}

/// One configuration to try.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub cfg: EmulatorConfig,
    pub keep_warm: Option<KeepWarm>,
    /// Provisioned concurrency auto scaling: target tracking on
    /// `ProvisionedConcurrencyUtilization` (0 to 1), from `cfg.provisioned_concurrency`.
    pub autoscale: Option<f64>,
}

/// Application Auto Scaling's target tracking as AWS sets it up for provisioned
/// concurrency: the Average of one-minute utilisation datapoints; scale out after 3
/// over the target, scale in after 15 under 90 % of it (docs/lambda-facts.md §11).
#[derive(Debug, Clone)]
struct AutoScale {
    target: f64,
    min: u32,
    max: u32,
    allocated: u32,
    busy_s: f64,
    over: u32,
    under: u32,
}

impl AutoScale {
    const OUT_AFTER: u32 = 3;
    const IN_AFTER: u32 = 15;

    /// One minute's datapoint; returns the new allocation when it changes.
    fn minute(&mut self) -> Option<u32> {
        let util = self.busy_s / 60.0 / f64::from(self.allocated.max(1));
        self.busy_s = 0.0;
        if util > self.target {
            (self.over, self.under) = (self.over + 1, 0);
        } else if util < self.target * 0.9 {
            (self.over, self.under) = (0, self.under + 1);
        } else {
            (self.over, self.under) = (0, 0);
        }
        let wanted = (f64::from(self.allocated) * util / self.target).ceil() as u32;
        let next = if self.over >= Self::OUT_AFTER {
            wanted.clamp(self.allocated, self.max)
        } else if self.under >= Self::IN_AFTER {
            wanted.clamp(self.min, self.allocated)
        } else {
            return None;
        };
        (self.over, self.under) = (0, 0);
        (next != self.allocated).then(|| {
            self.allocated = next;
            next
        })
    }
}

/// What the model did with the trace under one configuration.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub requests: u64,
    pub cold: u64,
    pub throttled: u64,
    pub init_failed: u64,
    /// What cold starts added to the requests that waited, ms.
    pub cold_wait: Histogram<u64>,
    /// The added wait over every request (0 for a warm one), ms.
    pub added: Histogram<u64>,
    pub peak_envs: usize,
    /// Environments alive, summed over the trace, s.
    pub env_seconds: f64,
    /// Billed on-demand duration of the trace's requests (Init included), ms.
    pub on_demand_ms: f64,
    /// Duration of the requests provisioned environments served, ms.
    pub provisioned_ms: f64,
    /// Provisioned concurrency allocated, summed over the trace, s (what its capacity
    /// is billed on).
    pub provisioned_seconds: f64,
    /// The largest allocation auto scaling reached.
    pub provisioned_peak: u32,
    /// The warmer's pings answered (its cost is worked out from its pace, all day).
    pub warmer_requests: u64,
}

impl Outcome {
    fn new() -> Self {
        Self {
            requests: 0,
            cold: 0,
            throttled: 0,
            init_failed: 0,
            cold_wait: histogram::micros(),
            added: histogram::micros(),
            peak_envs: 0,
            env_seconds: 0.0,
            on_demand_ms: 0.0,
            provisioned_ms: 0.0,
            provisioned_seconds: 0.0,
            provisioned_peak: 0,
            warmer_requests: 0,
        }
    }

    /// Cold starts as a share of the requests that ran, 0 to 1.
    pub fn cold_share(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.cold as f64 / self.requests as f64
        }
    }

    pub fn cold_wait_ms(&self, q: f64) -> Option<f64> {
        (!self.cold_wait.is_empty()).then(|| self.cold_wait.value_at_quantile(q) as f64 / 1000.0)
    }

    pub fn added_ms(&self, q: f64) -> f64 {
        if self.added.is_empty() {
            0.0
        } else {
            self.added.value_at_quantile(q) as f64 / 1000.0
        }
    }
}

/// Tickets at and above this are the warmer's.
const WARMER: u64 = 1 << 48;

/// Virtual time before the trace's first arrival: provisioned environments finish their
/// Init and a warmer has run once, as in a steady state (traffic does not arrive the
/// moment a configuration is applied).
pub const LEAD: Duration = Duration::from_secs(300);

/// Runs the trace through the core under `scenario`.
pub fn simulate(trace: &Trace, scenario: &Scenario, seed: u64) -> Outcome {
    let mut cfg = scenario.cfg.clone();
    cfg.handler = Handler::Builtin;
    // The function's own time is the trace's work alone.
    cfg.duration_ms = Some(0.0);
    cfg.timeout_s = cfg.timeout_s.max(900.0);
    cfg.seed = Some(seed);
    // Nobody reads its metrics: a period a minute long saves timers.
    cfg.metrics_period_s = 60;
    let mut core = Core::new(cfg, trace.start_wall_us);
    core.set_observed(false);
    core.use_init_durations(trace.init_ms.clone());
    let allocated = scenario.cfg.provisioned_concurrency;
    let cap = scenario
        .cfg
        .reserved_concurrency
        .unwrap_or(scenario.cfg.account_concurrency);
    let mut run = Run {
        core,
        out: Vec::new(),
        outcome: Outcome::new(),
        pending: 0,
        clock: Duration::ZERO,
        allocated,
        autoscale: scenario.autoscale.map(|target| AutoScale {
            target: target.clamp(0.01, 1.0),
            min: allocated.max(1),
            max: cap,
            allocated: allocated.max(1),
            busy_s: 0.0,
            over: 0,
            under: 0,
        }),
        next_minute: Duration::from_secs(60),
    };
    run.outcome.provisioned_peak = allocated;
    run.core.start(Duration::ZERO, &mut run.out);
    run.settle();
    // What a request that never ran would have needed (sorting a copy of the works:
    // only when there is such a request).
    let median = if trace.arrivals.iter().any(|a| a.work_ms.is_none()) {
        trace.median_work_ms()
    } else {
        0.0
    };
    let span = LEAD + Duration::from_secs_f64(trace.span_s);
    // The warmer's last round before the traffic is a minute before it (or half its
    // interval, when shorter): a warmer is not timed to the traffic.
    let mut warmer = scenario.keep_warm.map(Warmer::new);
    for (i, a) in trace.arrivals.iter().enumerate() {
        let t = LEAD + Duration::from_micros(a.at_us);
        if let Some(w) = &mut warmer {
            w.until(t, &mut run);
        }
        run.to(t);
        run.invoke(i as u64, a.work_ms.unwrap_or(median));
    }
    // The rest of the span (warmer pings go on), then until every request is answered.
    if let Some(w) = &mut warmer {
        w.until(span, &mut run);
    }
    run.to(span);
    while run.pending > 0 {
        let Some(d) = run.core.next_deadline() else {
            break;
        };
        run.to(d);
    }
    run.outcome
}

/// A warmer's rounds on virtual time.
struct Warmer {
    keep: KeepWarm,
    next: Duration,
    ticket: u64,
}

impl Warmer {
    /// The last round before the traffic is a minute before it (or half the interval,
    /// when shorter): a warmer is not timed to the traffic.
    fn new(keep: KeepWarm) -> Self {
        let every = Duration::from_secs_f64(keep.every_s);
        let last = LEAD.saturating_sub(Duration::from_secs(60).min(every / 2));
        let rounds = (last.as_secs_f64() / keep.every_s).floor() as u32;
        Self {
            keep,
            next: last.saturating_sub(every * rounds),
            ticket: WARMER,
        }
    }

    /// Every round due by `t`: `width` pings at once.
    fn until(&mut self, t: Duration, run: &mut Run) {
        while self.next <= t {
            run.to(self.next);
            for _ in 0..self.keep.width {
                run.invoke(self.ticket, KeepWarm::PING_MS);
                self.ticket += 1;
            }
            self.next += Duration::from_secs_f64(self.keep.every_s);
        }
    }
}

struct Run {
    core: Core,
    out: Vec<Effect>,
    outcome: Outcome,
    pending: u64,
    clock: Duration,
    /// Provisioned concurrency allocated now.
    allocated: u32,
    autoscale: Option<AutoScale>,
    next_minute: Duration,
}

impl Run {
    /// Advances virtual time to `t`, firing timers in order and counting environments
    /// alive over the time that passes.
    fn to(&mut self, t: Duration) {
        loop {
            let timer = self.core.next_deadline().filter(|d| *d <= t);
            let minute =
                (self.autoscale.is_some() && self.next_minute <= t).then_some(self.next_minute);
            match (timer, minute) {
                (None, None) => break,
                // The platform's timers first at the same instant.
                (Some(d), m) if m.is_none_or(|m| d <= m) => {
                    self.pass(d);
                    self.core.advance(d, &mut self.out);
                    self.settle();
                }
                (_, m) => {
                    let m = m.unwrap_or(t);
                    self.pass(m);
                    self.scale(m);
                    self.next_minute += Duration::from_secs(60);
                }
            }
        }
        self.pass(t);
    }

    /// A minute of provisioned-concurrency auto scaling.
    fn scale(&mut self, now: Duration) {
        let Some(count) = self.autoscale.as_mut().and_then(AutoScale::minute) else {
            return;
        };
        self.allocated = count;
        self.outcome.provisioned_peak = self.outcome.provisioned_peak.max(count);
        let change = crate::emulator::core::Change::Provisioned { count, on: None };
        self.core.change(now, change, &mut self.out);
        self.settle();
    }

    /// Counts environments alive from the last instant to `t` (over the trace only,
    /// not its lead).
    fn pass(&mut self, t: Duration) {
        if t > self.clock {
            let dt = t.saturating_sub(self.clock).as_secs_f64();
            if let Some(a) = &mut self.autoscale {
                a.busy_s += f64::from(self.core.pool().provisioned_in_flight()) * dt;
            }
            let from = self.clock.max(LEAD);
            if t > from {
                let counted = t.saturating_sub(from).as_secs_f64();
                let live = self.core.pool().live();
                self.outcome.env_seconds += live as f64 * counted;
                self.outcome.provisioned_seconds += f64::from(self.allocated) * counted;
            }
            self.clock = t;
        }
    }

    fn invoke(&mut self, ticket: u64, work_ms: f64) {
        let params = InvokeParams {
            sleep_ms: work_ms.clamp(0.0, 900_000.0),
            ..InvokeParams::default()
        };
        self.pending += 1;
        self.core.invoke(self.clock, ticket, params, &mut self.out);
        self.settle();
    }

    fn settle(&mut self) {
        let o = &mut self.outcome;
        o.peak_envs = o.peak_envs.max(self.core.pool().live());
        for effect in self.out.drain(..) {
            let Effect::Respond { ticket, reply } = effect else {
                continue;
            };
            self.pending = self.pending.saturating_sub(1);
            let warmer = ticket >= WARMER;
            match reply {
                Reply::Throttled(_) if !warmer => o.throttled += 1,
                // A warmer's throttle is no request's; the builtin handler never streams.
                Reply::Throttled(_) | Reply::Streaming(_) => {}
                Reply::InitFailed { .. } => o.init_failed += 1,
                Reply::Invoked(i) => {
                    let init = if i.cold {
                        i.init_ms.unwrap_or(0.0)
                    } else {
                        0.0
                    };
                    let provisioned = i.init_type == InitType::ProvisionedConcurrency;
                    // Since August 2025 an on-demand Init is billed as duration.
                    let billed = i.duration_ms + if provisioned { 0.0 } else { init };
                    if warmer {
                        o.warmer_requests += 1;
                        continue;
                    }
                    o.requests += 1;
                    if provisioned {
                        o.provisioned_ms += i.duration_ms;
                    } else {
                        o.on_demand_ms += billed;
                    }
                    histogram::record_us(&mut o.added, (init * 1000.0) as u64);
                    if i.cold {
                        o.cold += 1;
                        histogram::record_us(&mut o.cold_wait, (init * 1000.0) as u64);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_warm_reads_width_and_interval() {
        assert_eq!(
            KeepWarm::parse("10/5m"),
            Ok(KeepWarm {
                width: 10,
                every_s: 300.0
            })
        );
        assert!((KeepWarm::parse("1/90").unwrap().every_s - 90.0).abs() < 1e-9);
        assert_eq!(KeepWarm::parse("3/1h").unwrap().to_string(), "3/1h");
        assert!(
            KeepWarm::parse("ten/5m")
                .unwrap_err()
                .contains("width 'ten'")
        );
        assert!(
            KeepWarm::parse("10/5x")
                .unwrap_err()
                .contains("interval '5x'")
        );
        assert!(KeepWarm::parse("10/0.5s").is_err(), "under a second");
        assert!(
            KeepWarm::parse("10")
                .unwrap_err()
                .contains("WIDTH/INTERVAL")
        );
    }
}
