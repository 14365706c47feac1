//! The app's state: a pure fold over [`Event`]s. No I/O, no clock, no terminal: time
//! arrives inside events. Bounded: the environment table holds the live environments
//! plus a window of dead ones; everything else is fixed-size rings and histograms.

pub mod envs;
pub mod ring;
pub mod stats;

use std::collections::VecDeque;

use crate::event::{
    BurstFinished, DestroyReason, Event, EventKind, FunctionConfig, InitType, InvokeOutcome,
    LogLine, MetricDatapoint, ReplayProgress, RequestObserved, Stat,
};
use crate::histogram;
use crate::ids::{EnvId, Stamp};

pub use self::envs::{EnvRow, EnvState, EnvTable};
use self::ring::Ring;
pub use self::stats::{ClientStats, Latency, PlatformStats};

/// Seconds of per-second history kept (15 minutes).
pub const SERIES_SECONDS: usize = 900;
/// Periods kept per CloudWatch series.
pub const METRIC_PERIODS: usize = 240;
/// Log lines kept for the log pane.
pub const LOG_LINES: usize = 2000;
/// Source errors kept for the status line.
pub const SOURCE_ERRORS: usize = 32;

/// What happened in one second of the session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Second {
    pub client_requests: u32,
    pub client_cold: u32,
    pub client_warm: u32,
    pub client_errors: u32,
    /// Requests in flight at some point during the second.
    pub client_in_flight: u32,
    /// Most client requests in flight at once (from the load generator's gauge).
    pub client_concurrency: u32,
    pub platform_cold: u32,
    pub platform_warm: u32,
    pub platform_in_flight_max: u32,
    pub throttles: u32,
    pub live_envs: u32,
}

/// One CloudWatch series (`AWS/Lambda` `ConcurrentExecutions` `Maximum`), by period.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSeries {
    pub namespace: String,
    pub name: String,
    pub stat: Stat,
    pub period_s: u32,
    /// Start of the newest period (Unix µs) and its value.
    pub latest: Option<(i64, f64)>,
    /// The newest datapoint may still change.
    pub latest_provisional: bool,
    pub values: Ring<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub at: Stamp,
    pub line: LogLine,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceErrorEntry {
    pub at: Stamp,
    pub source: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub envs: EnvTable,
    pub platform: PlatformStats,
    pub client: ClientStats,
    pub seconds: Ring<Second>,
    pub metrics: Vec<MetricSeries>,
    pub logs: VecDeque<LogEntry>,
    pub source_errors: VecDeque<SourceErrorEntry>,
    /// Each source's current status, in order of first report.
    pub source_status: Vec<(String, String)>,
    /// The newest event's time.
    pub latest: Option<Stamp>,
    pub events: u64,
    /// Plans in progress (a burst and keep-warm can overlap), newest last.
    pub bursts: Vec<BurstRun>,
    /// The last plan that ended.
    pub last_burst: Option<(Stamp, BurstFinished)>,
    /// Where a replay is, when this state is a replay's.
    pub replay: Option<ReplayProgress>,
    /// The watched function's configuration, when Lambda told it.
    pub function: Option<FunctionConfig>,
}

/// A plan in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct BurstRun {
    pub plan: String,
    pub target: String,
    pub started: Stamp,
    /// Started and not yet answered.
    pub in_flight: u32,
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

fn second_of(mono_us: u64) -> u64 {
    mono_us / 1_000_000
}

impl State {
    pub fn new() -> Self {
        Self {
            envs: EnvTable::default(),
            platform: PlatformStats::new(),
            client: ClientStats::new(),
            seconds: Ring::new(SERIES_SECONDS),
            metrics: Vec::new(),
            logs: VecDeque::with_capacity(LOG_LINES),
            source_errors: VecDeque::new(),
            source_status: Vec::new(),
            latest: None,
            events: 0,
            bursts: Vec::new(),
            last_burst: None,
            replay: None,
            function: None,
        }
    }

    /// Folds one event into the state.
    pub fn apply(&mut self, event: &Event) {
        let at = event.at;
        self.events += 1;
        if self.latest.is_none_or(|l| at > l) {
            self.latest = Some(at);
        }
        let sec = second_of(at.mono_us);
        match &event.kind {
            EventKind::Request(r) => self.request(at, r),
            EventKind::InitStart {
                env,
                init_type,
                slots,
            } => self.init_start(at, sec, env, *init_type, *slots),
            EventKind::InitEnd { env, init_ms, ok } => self.init_end(at, env, *init_ms, *ok),
            EventKind::InvokeStart { env, cold, .. } => self.invoke_start(at, sec, env, *cold),
            EventKind::InvokeEnd {
                env,
                duration_ms,
                cold,
                outcome,
                ..
            } => self.invoke_end(at, env, *duration_ms, *cold, *outcome),
            EventKind::Frozen { env } => {
                if self.envs.get(env).is_some_and(|r| r.state.is_alive()) {
                    self.envs.set_state(env, EnvState::Idle, at);
                }
            }
            EventKind::Reclaimed { env, .. } => {
                self.platform.reclaimed += 1;
                self.end_env(env, EnvState::Reclaimed, at, sec);
            }
            EventKind::Destroyed { env, reason } => {
                self.platform.destroyed += 1;
                if *reason == DestroyReason::InitError
                    && self.envs.get(env).is_none_or(|r| r.init_ms.is_none())
                {
                    self.platform.init_errors += 1;
                }
                self.end_env(env, EnvState::Destroyed, at, sec);
            }
            EventKind::Reset { .. } => {}
            EventKind::Queued { waited_ms, .. } => {
                self.platform.queued += 1;
                self.platform.queued_max_ms = self.platform.queued_max_ms.max(*waited_ms);
            }
            EventKind::Throttle { reason } => {
                self.platform.throttle(*reason);
                if let Some(s) = self.seconds.slot_mut(sec) {
                    s.throttles += 1;
                }
            }
            EventKind::Metric(m) => self.metric(m),
            EventKind::Log(line) => self.log_line(at, line),
            EventKind::SourceError { source, message } => self.source_error(at, source, message),
            EventKind::SourceStatus { source, message } => {
                match self.source_status.iter_mut().find(|(s, _)| s == source) {
                    Some((_, m)) => m.clone_from(message),
                    None => self.source_status.push((source.clone(), message.clone())),
                }
            }
            EventKind::ReplayProgress(p) => self.replay = Some(*p),
            EventKind::ReplayRestart => {
                let replay = self.replay;
                *self = Self::new();
                self.replay = replay;
            }
            EventKind::Cleared => {
                // What the sources are doing, what the function is and where a replay is
                // are not "what was seen": they stay.
                let (replay, latest) = (self.replay, self.latest);
                let status = std::mem::take(&mut self.source_status);
                let function = self.function.take();
                *self = Self::new();
                (self.replay, self.latest, self.source_status) = (replay, latest, status);
                self.function = function;
            }
            EventKind::FunctionConfig(f) => self.function = Some(f.clone()),
            EventKind::BurstStarted { plan, target } => self.bursts.push(BurstRun {
                plan: plan.clone(),
                target: target.clone(),
                started: at,
                in_flight: 0,
            }),
            EventKind::ClientInFlight { plan, in_flight } => {
                if let Some(b) = self.bursts.iter_mut().find(|b| b.plan == *plan) {
                    b.in_flight = *in_flight;
                }
                self.sum_in_flight(sec);
            }
            EventKind::BurstFinished(done) => {
                if let Some(i) = self.bursts.iter().position(|b| b.plan == done.plan) {
                    self.bursts.remove(i);
                }
                self.sum_in_flight(sec);
                self.last_burst = Some((at, done.clone()));
            }
        }
    }

    fn log_line(&mut self, at: Stamp, line: &LogLine) {
        if self.logs.len() == LOG_LINES {
            self.logs.pop_front();
        }
        self.logs.push_back(LogEntry {
            at,
            line: line.clone(),
        });
    }

    fn source_error(&mut self, at: Stamp, source: &str, message: &str) {
        if self.source_errors.len() == SOURCE_ERRORS {
            self.source_errors.pop_front();
        }
        self.source_errors.push_back(SourceErrorEntry {
            at,
            source: source.to_string(),
            message: message.to_string(),
        });
    }

    fn init_start(&mut self, at: Stamp, sec: u64, env: &EnvId, init_type: InitType, slots: u32) {
        let row = self.envs.upsert(env, at);
        row.lifecycle = true;
        row.init_type = init_type;
        row.slots = slots;
        row.born = at;
        self.envs.set_state(env, EnvState::Initializing, at);
        self.note_live(sec);
    }

    fn init_end(&mut self, at: Stamp, env: &EnvId, init_ms: f64, ok: bool) {
        let row = self.envs.upsert(env, at);
        row.lifecycle = true;
        row.init_ms = Some(init_ms);
        let busy = row.in_flight > 0;
        histogram::record_us(&mut self.platform.init, (init_ms * 1000.0) as u64);
        if ok {
            let state = if busy { EnvState::Busy } else { EnvState::Idle };
            self.envs.set_state(env, state, at);
        } else {
            self.platform.init_errors += 1;
        }
    }

    fn invoke_start(&mut self, at: Stamp, sec: u64, env: &EnvId, cold: bool) {
        let row = self.envs.upsert(env, at);
        row.lifecycle = true;
        row.in_flight += 1;
        row.invocations += 1;
        row.last_used = at;
        row.last_cold = cold;
        self.envs.set_state(env, EnvState::Busy, at);
        let p = &mut self.platform;
        p.invocations += 1;
        p.in_flight += 1;
        p.peak_in_flight = p.peak_in_flight.max(p.in_flight);
        if cold {
            p.cold_starts += 1;
        } else {
            p.warm_starts += 1;
        }
        let in_flight = u32::try_from(p.in_flight).unwrap_or(u32::MAX);
        if let Some(s) = self.seconds.slot_mut(sec) {
            if cold {
                s.platform_cold += 1;
            } else {
                s.platform_warm += 1;
            }
            s.platform_in_flight_max = s.platform_in_flight_max.max(in_flight);
        }
    }

    fn invoke_end(
        &mut self,
        at: Stamp,
        env: &EnvId,
        duration_ms: f64,
        cold: bool,
        outcome: InvokeOutcome,
    ) {
        let row = self.envs.upsert(env, at);
        row.lifecycle = true;
        let had = row.in_flight > 0;
        row.in_flight = row.in_flight.saturating_sub(1);
        row.last_used = at;
        let idle = row.in_flight == 0;
        if had {
            self.platform.in_flight = self.platform.in_flight.saturating_sub(1);
        }
        if idle && outcome != InvokeOutcome::Crash {
            self.envs.set_state(env, EnvState::Idle, at);
        }
        self.platform.outcome(outcome);
        self.platform
            .duration
            .record(cold, (duration_ms * 1000.0) as u64);
    }

    fn sum_in_flight(&mut self, sec: u64) {
        let total = self.bursts.iter().map(|b| b.in_flight).sum();
        self.client.in_flight = total;
        self.client.peak_in_flight = self.client.peak_in_flight.max(total);
        if let Some(s) = self.seconds.slot_mut(sec) {
            s.client_concurrency = s.client_concurrency.max(total);
        }
    }

    fn note_live(&mut self, sec: u64) {
        let live = u32::try_from(self.envs.live()).unwrap_or(u32::MAX);
        if let Some(s) = self.seconds.slot_mut(sec) {
            s.live_envs = s.live_envs.max(live);
        }
    }

    fn end_env(&mut self, env: &EnvId, state: EnvState, at: Stamp, sec: u64) {
        if let Some(row) = self.envs.get(env)
            && row.state.is_alive()
        {
            let in_flight = u64::from(row.in_flight);
            self.platform.in_flight = self.platform.in_flight.saturating_sub(in_flight);
        }
        self.envs.set_state(env, state, at);
        self.note_live(sec);
    }

    fn request(&mut self, at: Stamp, r: &RequestObserved) {
        let c = &mut self.client;
        c.requests += 1;
        let ok = r.error.is_none() && r.status.is_some_and(|s| (200..400).contains(&s));
        if ok {
            c.ok += 1;
        }
        if let Some(kind) = r.error {
            c.errors[kind.index()] += 1;
        }
        let us = r.latency().as_micros() as u64;
        histogram::record_us(&mut c.all, us);
        if let Some(class) = r.class {
            let cold = class.is_cold();
            if cold {
                c.cold += 1;
            } else {
                c.warm += 1;
            }
            if matches!(
                class,
                crate::event::Classification::InferredCold
                    | crate::event::Classification::InferredWarm
            ) {
                c.inferred += 1;
            }
            c.latency.record(cold, us);
        }
        let end = second_of(r.end_us);
        if let Some(s) = self.seconds.slot_mut(end) {
            s.client_requests += 1;
            match r.class {
                Some(cl) if cl.is_cold() => s.client_cold += 1,
                Some(_) => s.client_warm += 1,
                None => {}
            }
            if r.error.is_some() {
                s.client_errors += 1;
            }
        }
        let start = second_of(r.sent_us).max(end.saturating_sub(SERIES_SECONDS as u64));
        for sec in start..=end {
            if let Some(s) = self.seconds.slot_mut(sec) {
                s.client_in_flight += 1;
            }
        }
        // Probe headers tell which environment served it. Where lifecycle events describe
        // the environment (emulator, logs) they are the authority; otherwise (a bare
        // endpoint with probe functions) the probe is all there is.
        if let Some(p) = &r.probe {
            let row = self.envs.upsert(&p.env, at);
            if !row.lifecycle {
                row.invocations = p
                    .invocations
                    .unwrap_or(row.invocations + 1)
                    .max(row.invocations);
                row.last_used = at;
                row.last_cold = p.cold;
                if p.init_ms.is_some() {
                    row.init_ms = p.init_ms;
                }
            }
        }
    }

    fn metric(&mut self, m: &MetricDatapoint) {
        let idx = if let Some(i) = self
            .metrics
            .iter()
            .position(|s| s.name == m.name && s.stat == m.stat && s.namespace == m.namespace)
        {
            i
        } else {
            self.metrics.push(MetricSeries {
                namespace: m.namespace.clone(),
                name: m.name.clone(),
                stat: m.stat,
                period_s: m.period_s,
                latest: None,
                latest_provisional: false,
                values: Ring::new(METRIC_PERIODS),
            });
            self.metrics.len() - 1
        };
        let series = &mut self.metrics[idx];
        let period_us = i64::from(m.period_s.max(1)) * 1_000_000;
        let slot = u64::try_from(m.period_start_us.div_euclid(period_us)).unwrap_or(0);
        if let Some(v) = series.values.slot_mut(slot) {
            // A late datapoint for a period already shown replaces it in place.
            *v = Some(m.value);
        }
        if series.latest.is_none_or(|(t, _)| m.period_start_us >= t) {
            series.latest = Some((m.period_start_us, m.value));
            series.latest_provisional = m.provisional;
        }
    }

    /// The series for a metric, if any datapoint arrived.
    pub fn metric_series(&self, name: &str, stat: Stat) -> Option<&MetricSeries> {
        self.metrics
            .iter()
            .find(|s| s.name == name && s.stat == stat)
    }

    /// Forgets everything (the UI's clear).
    pub fn clear(&mut self) {
        *self = Self::new();
    }
}

#[cfg(test)]
mod tests;
