//! The app's state: a pure fold over [`Event`]s. No I/O, no clock, no terminal: time
//! arrives inside events. Bounded: the environment table holds the live environments
//! plus a window of dead ones; everything else is fixed-size rings and histograms.

mod filing;
pub mod envs;
pub mod lanes;
mod log_kind;
mod metrics;
pub mod ring;
pub mod stats;

use std::collections::VecDeque;

use crate::event::SizingAnswer;
use crate::event::{
    AsyncQueueStats, BurstFinished, DestroyReason, Event, EventKind, FanOutReport, FunctionConfig,
    InitType, InvokeOutcome, LogLine, ReplayProgress, RequestObserved,
};
use crate::histogram;
use crate::ids::{EnvId, Stamp};

pub use self::envs::{EnvRow, EnvState, EnvTable};
use self::filing::{files_history, second_of, wall_of};
pub use self::lanes::{InitSpan, Lane, LaneEnd, Span};
pub use self::log_kind::LogKind;
pub use self::metrics::{MetricPoint, MetricSeries};
use self::ring::Ring;
pub use self::stats::{ClientStats, Latency, PlatformStats};

/// Seconds of per-second history kept (15 minutes).
pub const SERIES_SECONDS: usize = 900;
/// Minutes of per-minute history kept (3 hours).
pub const MINUTES: usize = 180;
/// Periods kept per CloudWatch series.
pub const METRIC_PERIODS: usize = 240;
/// Log lines kept for the log pane.
pub const LOG_LINES: usize = 2000;
/// Source errors kept for the status line.
pub const SOURCE_ERRORS: usize = 32;

/// What happened in one second (or one minute) of the session.
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
    /// The longest invocation that ended (REPORT's Duration), ms.
    pub duration_max_ms: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub at: Stamp,
    pub line: LogLine,
}

impl LogEntry {
    /// What the line says, as the log parser reads it: worked out when it is shown (a
    /// screen shows a few), not in the fold (which takes thousands a second).
    pub fn kind(&self) -> LogKind {
        LogKind::of(&self.line.text)
    }
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
    /// The same per minute, for [`MINUTES`] (a chart over hours beside CloudWatch's
    /// per-minute series).
    pub minutes: Ring<Second>,
    pub metrics: Vec<MetricSeries>,
    pub logs: VecDeque<LogEntry>,
    pub source_errors: VecDeque<SourceErrorEntry>,
    /// Each source's current status, in order of first report.
    pub source_status: Vec<(String, String)>,
    /// Sources whose last report was a failure, with it: shown until the source
    /// reports a status again (it recovered).
    pub failing: Vec<(String, String)>,
    /// The newest event's time.
    pub latest: Option<Stamp>,
    pub events: u64,
    /// Events that happened too long before the newest to be filed in history (they
    /// still count in the totals).
    pub late_dropped: u64,
    /// Plans in progress (a burst and keep-warm can overlap), newest last.
    pub bursts: Vec<BurstRun>,
    /// The last plan that ended.
    pub last_burst: Option<(Stamp, BurstFinished)>,
    /// Where a replay is, when this state is a replay's.
    pub replay: Option<ReplayProgress>,
    /// The watched function's configuration, when Lambda told it.
    pub function: Option<FunctionConfig>,
    /// The sizing table last worked out for the session (`thaw whatif` of its traffic).
    pub sizing: Option<SizingAnswer>,
    /// The emulator's queue of asynchronous invocations, once it held any.
    pub async_queue: Option<AsyncQueueStats>,
    /// The last fanned-out burst's synchronisation (its requests are in the rest).
    pub fanout: Option<Box<FanOutReport>>,
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

/// Sets `key`'s message in a list of `(key, message)`, in order of first report.
fn set(list: &mut Vec<(String, String)>, key: &str, message: &str) {
    match list.iter_mut().find(|(k, _)| k == key) {
        Some((_, m)) => message.clone_into(m),
        None => list.push((key.to_string(), message.to_string())),
    }
}

/// How late an event may arrive and still be filed in history (the per-second window).
pub const LATE_US: i64 = 900 * 1_000_000;

impl State {
    pub fn new() -> Self {
        Self {
            envs: EnvTable::default(),
            platform: PlatformStats::new(),
            client: ClientStats::new(),
            seconds: Ring::new(SERIES_SECONDS),
            minutes: Ring::new(MINUTES),
            metrics: Vec::new(),
            logs: VecDeque::with_capacity(LOG_LINES),
            source_errors: VecDeque::new(),
            source_status: Vec::new(),
            failing: Vec::new(),
            latest: None,
            events: 0,
            late_dropped: 0,
            bursts: Vec::new(),
            last_burst: None,
            replay: None,
            function: None,
            async_queue: None,
            fanout: None,
            sizing: None,
        }
    }

    /// Folds one event into the state.
    pub fn apply(&mut self, event: &Event) {
        let at = event.at;
        self.events += 1;
        if self.latest.is_none_or(|l| at > l) {
            self.latest = Some(at);
        }
        let when = event.when_us();
        let newest = self.latest.map_or(when, |l| l.wall_us);
        let sec = if when < newest.saturating_sub(LATE_US) && files_history(&event.kind) {
            self.late_dropped += 1;
            None
        } else {
            Some(second_of(when))
        };
        match &event.kind {
            EventKind::Request(r) => self.request(at, sec.is_some(), r),
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
            } => self.invoke_end(at, sec, env, (*duration_ms, *cold, *outcome)),
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
                self.tally(sec, |s| s.throttles += 1);
            }
            EventKind::Failure {
                phase, error_type, ..
            } => self.platform.failure(*phase, error_type),
            EventKind::Metric(m) => self.metric(m),
            EventKind::Log(line) => self.log_line(at, line),
            EventKind::SourceError { source, message } => {
                self.source_error(at, source, message);
                set(&mut self.failing, source, message);
            }
            EventKind::SourceStatus { source, message } => {
                // A source reporting what it does again has recovered.
                self.failing.retain(|(s, _)| s != source);
                set(&mut self.source_status, source, message);
            }
            EventKind::ReplayProgress(p) => self.replay = Some(*p),
            EventKind::ReplayRestart => {
                *self = Self {
                    replay: self.replay,
                    ..Self::new()
                };
            }
            EventKind::Cleared => self.cleared(),
            EventKind::FunctionConfig(f) => self.function = Some(f.clone()),
            EventKind::AsyncQueue(q) => self.async_queue = Some(*q),
            EventKind::FanOut(f) => self.fanout = Some(Box::new(f.clone())),
            EventKind::Sizing(answer) => self.sizing = Some(answer.clone()),
            EventKind::BurstStarted { .. }
            | EventKind::ClientInFlight { .. }
            | EventKind::BurstFinished(_) => self.plan_event(at, sec, &event.kind),
        }
        if sec.is_some() {
            self.file_lane(&event.kind, when);
        }
    }

    /// A plan of the load generator began, reported its in-flight count, or ended.
    fn plan_event(&mut self, at: Stamp, sec: Option<u64>, kind: &EventKind) {
        match kind {
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
            _ => {}
        }
    }

    /// The user cleared the screen: what was seen goes, what is true now stays.
    fn cleared(&mut self) {
        // What the sources are doing, what the function is and where a replay is
        // are not "what was seen": they stay.
        let (replay, latest) = (self.replay, self.latest);
        let status = std::mem::take(&mut self.source_status);
        let failing = std::mem::take(&mut self.failing);
        let function = self.function.take();
        *self = Self::new();
        (self.replay, self.latest, self.source_status) = (replay, latest, status);
        self.failing = failing;
        self.function = function;
    }

    /// Files an environment's event in its lane at `when` (lanes are history too: an
    /// event too late for history draws nothing).
    fn file_lane(&mut self, kind: &EventKind, when: i64) {
        match kind {
            EventKind::InitStart { env, .. } => {
                if let Some(row) = self.envs.get_mut(env) {
                    row.lane.init_start(when);
                }
            }
            EventKind::InitEnd { env, init_ms, ok } => {
                if let Some(row) = self.envs.get_mut(env) {
                    row.lane.init_end(when, *init_ms, *ok);
                }
            }
            EventKind::InvokeStart { env, request, cold } => {
                if let Some(row) = self.envs.get_mut(env) {
                    row.lane.invoke_start(when, request, *cold, row.in_flight);
                }
            }
            EventKind::InvokeEnd {
                env,
                request,
                duration_ms,
                cold,
                outcome,
                ..
            } => {
                if let Some(row) = self.envs.get_mut(env) {
                    row.lane
                        .invoke_end(when, request, *duration_ms, *cold, *outcome);
                }
            }
            EventKind::Reclaimed { env, .. } | EventKind::Destroyed { env, .. } => {
                let how = if matches!(kind, EventKind::Reclaimed { .. }) {
                    LaneEnd::Reclaimed
                } else {
                    LaneEnd::Destroyed
                };
                if let Some(row) = self.envs.get_mut(env) {
                    row.lane.ended(when, how);
                }
            }
            _ => {}
        }
    }

    /// Counts into second `sec` and its minute (counts add up, peaks are peaks in
    /// both), when the event is filed in history.
    fn tally(&mut self, sec: Option<u64>, f: impl Fn(&mut Second)) {
        let Some(sec) = sec else { return };
        if let Some(s) = self.seconds.slot_mut(sec) {
            f(s);
        }
        if let Some(m) = self.minutes.slot_mut(sec / 60) {
            f(m);
        }
    }

    /// The second `sec` of history, when the event is filed there.
    fn second(&mut self, sec: Option<u64>) -> Option<&mut Second> {
        sec.and_then(|s| self.seconds.slot_mut(s))
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

    fn init_start(
        &mut self,
        at: Stamp,
        sec: Option<u64>,
        env: &EnvId,
        init_type: InitType,
        slots: u32,
    ) {
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

    fn invoke_start(&mut self, at: Stamp, sec: Option<u64>, env: &EnvId, cold: bool) {
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
        self.tally(sec, |s| {
            if cold {
                s.platform_cold += 1;
            } else {
                s.platform_warm += 1;
            }
            s.platform_in_flight_max = s.platform_in_flight_max.max(in_flight);
        });
    }

    fn invoke_end(
        &mut self,
        at: Stamp,
        sec: Option<u64>,
        env: &EnvId,
        (duration_ms, cold, outcome): (f64, bool, InvokeOutcome),
    ) {
        let ms = duration_ms.max(0.0).ceil() as u32;
        self.tally(sec, |s| s.duration_max_ms = s.duration_max_ms.max(ms));
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

    fn sum_in_flight(&mut self, sec: Option<u64>) {
        let total = self.bursts.iter().map(|b| b.in_flight).sum();
        self.client.in_flight = total;
        self.client.peak_in_flight = self.client.peak_in_flight.max(total);
        self.tally(sec, |s| {
            s.client_concurrency = s.client_concurrency.max(total);
        });
    }

    fn note_live(&mut self, sec: Option<u64>) {
        let live = u32::try_from(self.envs.live()).unwrap_or(u32::MAX);
        self.tally(sec, |s| {
            s.live_envs = s.live_envs.max(live);
        });
    }

    fn end_env(&mut self, env: &EnvId, state: EnvState, at: Stamp, sec: Option<u64>) {
        if let Some(row) = self.envs.get(env)
            && row.state.is_alive()
        {
            let in_flight = u64::from(row.in_flight);
            self.platform.in_flight = self.platform.in_flight.saturating_sub(in_flight);
        }
        self.envs.set_state(env, state, at);
        self.note_live(sec);
    }

    fn request(&mut self, at: Stamp, filed: bool, r: &RequestObserved) {
        let c = &mut self.client;
        c.requests += 1;
        let ok = r.error.is_none() && r.status.is_some_and(|s| (200..400).contains(&s));
        if ok {
            c.ok += 1;
        }
        c.failed(r.error, r.said.as_deref());
        let us = r.latency().as_micros() as u64;
        histogram::record_us(&mut c.all, us);
        if let Some(first) = r.first_byte_us {
            histogram::record_us(&mut c.first_byte, first.saturating_sub(r.sent_us));
        }
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
        let end = second_of(wall_of(at, r.end_us));
        let slot = filed.then_some(end);
        self.tally(slot, |s| {
            s.client_requests += 1;
            match r.class {
                Some(cl) if cl.is_cold() => s.client_cold += 1,
                Some(_) => s.client_warm += 1,
                None => {}
            }
            if r.error.is_some() {
                s.client_errors += 1;
            }
        });
        let start =
            second_of(wall_of(at, r.sent_us)).max(end.saturating_sub(SERIES_SECONDS as u64));
        for sec in start..=end {
            if let Some(s) = self.second(filed.then_some(sec)) {
                s.client_in_flight += 1;
            }
        }
        // Probe headers tell which environment served it. Where lifecycle events describe
        // the environment (emulator, logs) they are the authority; otherwise (a bare
        // endpoint with probe functions) the probe is all there is.
        if let Some(p) = &r.probe {
            let row = self.envs.upsert(&p.env, at);
            if !row.lifecycle {
                if filed {
                    let (sent, end) = (wall_of(at, r.sent_us), wall_of(at, r.end_us));
                    row.lane.observed(sent, end, &r.id, p.cold, ok);
                }
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

    /// Forgets everything (the UI's clear).
    pub fn clear(&mut self) {
        *self = Self::new();
    }
}

#[cfg(test)]
mod tests;
