//! The Lambda platform model: scheduling, Init, invocations, timeouts, crashes, reclaim,
//! throttles, metrics and log lines, as a pure state machine.
//!
//! Time arrives as `now` (a monotonic offset); nothing here sleeps or does I/O. The
//! emulator task feeds it requests and timer wake-ups and carries out its [`Effect`]s, so
//! tests can run it on virtual time and a replay of the same inputs gives the same output.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::{EmulatorConfig, ExecutionModel, Front, Handler};
use crate::event::{
    DestroyReason, EmulatorCommand, EnvId, EventKind, InitType, InvokeOutcome, LogLine,
    ReclaimReason, RequestId, ThrottleReason,
};

use super::builtin::{self, InvokeParams, Plan};
use super::logs::{self, LogWriter, Report};
use super::metrics::MetricsWindow;
use super::pool::{Admission, EnvKey, Limits, Phase, Pool};
use super::proxy::{Malformed, Mapped};
use super::runtime_api::Delivery;
use super::token_bucket::TokenBucket;

/// Identifies a waiting caller; the task maps it to its reply channel.
pub type Ticket = u64;

/// What the task must do after a call into the core.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Publish an event that happened at `at`.
    Emit { at: Duration, kind: EventKind },
    /// Answer a waiting request.
    Respond { ticket: Ticket, reply: Reply },
    /// `process` handler: start (or restart) the environment's process.
    Spawn {
        key: EnvKey,
        serial: u64,
        stream: String,
        init_type: InitType,
    },
    /// `process` handler: hand an invocation to the environment's runtime.
    Deliver {
        key: EnvKey,
        serial: u64,
        delivery: Delivery,
    },
    /// `process` handler: the environment went idle: freeze its process.
    Freeze { key: EnvKey, serial: u64 },
    /// `process` handler: the environment is gone: kill its process.
    Kill { key: EnvKey },
}

/// How the platform answered one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Refused before reaching an environment.
    Throttled(ThrottleReason),
    /// The function ran (successfully or not).
    Invoked(Invoked),
    /// The environment's Init failed; the request never reached the handler.
    InitFailed { env: EnvId, init_ms: f64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invoked {
    pub request_id: String,
    pub env: EnvId,
    pub init_type: InitType,
    /// This invocation waited for Init: a cold start.
    pub cold: bool,
    /// The Init Duration this invocation waited for (cold), else the environment's.
    pub init_ms: Option<f64>,
    pub invocations: u64,
    pub duration_ms: f64,
    pub outcome: InvokeOutcome,
    /// The function's own response: status and body, for a successful invocation.
    pub status: u16,
    pub body: String,
    /// `process` handler: the function's answer as API Gateway maps it (or why it
    /// cannot be mapped: a 502).
    pub answer: Option<Result<Mapped, Malformed>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKind {
    InitDone {
        key: EnvKey,
        serial: u64,
    },
    /// `process` handler: Init has not ended (no first `next`) within Lambda's 10 s.
    InitTimeout {
        key: EnvKey,
        serial: u64,
    },
    /// `process` handler: the function timeout.
    InvokeTimeout {
        invocation: u64,
    },
    /// Web Functions: a queued request waited too long.
    QueueTimeout {
        invocation: u64,
    },
    InvokeDone {
        invocation: u64,
    },
    IdleReclaim {
        key: EnvKey,
        serial: u64,
    },
    Lifetime {
        key: EnvKey,
        serial: u64,
    },
    MetricsPeriod,
}

/// An invocation waiting for its environment's Init, or running.
#[derive(Debug, Clone)]
struct Invocation {
    ticket: Ticket,
    key: EnvKey,
    serial: u64,
    params: InvokeParams,
    request_id: String,
    cold: bool,
    init_ms: Option<f64>,
    /// `Init Duration` for this invocation's REPORT.
    report_init_ms: Option<f64>,
    plan: Option<Plan>,
    started: Duration,
    /// `process` handler: the mapped answer.
    answer: Option<Result<Mapped, Malformed>>,
    /// Handed to a runtime (begun), as opposed to waiting for Init.
    running: bool,
    /// Web Functions: when it joined the queue for a free slot.
    queued_at: Option<Duration>,
}

pub struct Core {
    cfg: EmulatorConfig,
    pool: Pool,
    rng: StdRng,
    timers: BinaryHeap<Reverse<(Duration, u64, TimerKind)>>,
    timer_seq: u64,
    invocations: HashMap<u64, Invocation>,
    /// Per environment key: the invocation waiting for its Init.
    waiting_init: HashMap<EnvKey, u64>,
    next_invocation: u64,
    stage: Option<TokenBucket>,
    logs: LogWriter,
    metrics: MetricsWindow,
    start_wall_us: i64,
    provisioned_target: u32,
    /// Skip formatting log lines and events nobody reads (`thaw emulate --quiet`).
    observed: bool,
    /// Environments run real processes (`handler = "process"`).
    process: bool,
    /// Managed Instances / Web Functions: invocations waiting for an initializing
    /// environment beyond the first (in `waiting_init`).
    also_waiting: HashMap<EnvKey, Vec<u64>>,
    /// Web Functions: invocations waiting for any free slot, oldest first.
    queue: std::collections::VecDeque<u64>,
}

impl Core {
    /// A platform whose monotonic zero is wall time `start_wall_us`.
    pub fn new(cfg: EmulatorConfig, start_wall_us: i64) -> Self {
        let cfg_process = cfg.handler == Handler::Process;
        let rng = cfg
            .seed
            .map_or_else(StdRng::from_os_rng, StdRng::seed_from_u64);
        let (cap, cap_reason) = match cfg.reserved_concurrency {
            Some(r) => (r, ThrottleReason::ReservedConcurrency),
            None => (cfg.account_concurrency, ThrottleReason::AccountConcurrency),
        };
        let pool = Pool::new(
            Limits {
                cap,
                cap_reason,
                placement: cfg.placement,
                slots_per_env: cfg.slots(),
            },
            TokenBucket::new(cfg.scaling_burst, cfg.scaling_refill_per_s, Duration::ZERO),
        );
        let stage = (cfg.front != Front::FunctionUrl)
            .then(|| TokenBucket::new(cfg.stage_burst, cfg.stage_rate_per_s, Duration::ZERO));
        let logs = LogWriter {
            format: cfg.log_format,
            function_name: cfg.function_name.clone(),
            region: cfg.region.clone(),
            runtime_version: cfg.runtime.preset().version,
        };
        let metrics = MetricsWindow::new(
            Duration::from_secs(u64::from(cfg.metrics_period_s)),
            start_wall_us,
            cfg.provisioned_concurrency,
        );
        Self {
            provisioned_target: cfg.provisioned_concurrency,
            cfg,
            pool,
            rng,
            timers: BinaryHeap::new(),
            timer_seq: 0,
            invocations: HashMap::new(),
            waiting_init: HashMap::new(),
            next_invocation: 0,
            stage,
            logs,
            metrics,
            start_wall_us,
            observed: true,
            process: cfg_process,
            also_waiting: HashMap::new(),
            queue: std::collections::VecDeque::new(),
        }
    }

    pub fn set_observed(&mut self, observed: bool) {
        self.observed = observed;
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Starts the platform: provisioned environments (and Managed Instances' first
    /// environments) begin their Init.
    pub fn start(&mut self, now: Duration, out: &mut Vec<Effect>) {
        self.schedule(self.metrics.period_end(), TimerKind::MetricsPeriod);
        self.start_shared(now, out);
        for _ in 0..self.provisioned_target {
            self.create_env(now, InitType::ProvisionedConcurrency, out);
        }
    }

    /// When the core next needs [`Core::advance`] to be called.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.timers.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Runs every timer due at or before `now`, in order.
    pub fn advance(&mut self, now: Duration, out: &mut Vec<Effect>) {
        while let Some(Reverse((at, _, _))) = self.timers.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((at, _, kind))) = self.timers.pop() else {
                break;
            };
            match kind {
                TimerKind::InitDone { key, serial } => self.init_done(at, key, serial, out),
                TimerKind::InitTimeout { key, serial } => self.init_timeout(at, key, serial, out),
                TimerKind::InvokeTimeout { invocation } => {
                    self.invoke_timeout(at, invocation, out);
                }
                TimerKind::QueueTimeout { invocation } => {
                    self.queue_timeout(at, invocation, out);
                }
                TimerKind::InvokeDone { invocation } => self.invoke_done(at, invocation, out),
                TimerKind::IdleReclaim { key, serial } => self.idle_reclaim(at, key, serial, out),
                TimerKind::Lifetime { key, serial } => self.lifetime(at, key, serial, out),
                TimerKind::MetricsPeriod => self.metrics_period(at, out),
            }
        }
    }

    /// A request arrives at the gateway.
    pub fn invoke(
        &mut self,
        now: Duration,
        ticket: Ticket,
        params: InvokeParams,
        out: &mut Vec<Effect>,
    ) {
        if let Some(stage) = &mut self.stage
            && !stage.try_take(now)
        {
            self.throttle(now, ticket, ThrottleReason::Stage, out);
            return;
        }
        if self.cfg.execution_model != ExecutionModel::Classic {
            self.invoke_shared(now, ticket, params, out);
            return;
        }
        match self.pool.admit(now) {
            Err(reason) => {
                self.metrics.throttle();
                self.throttle(now, ticket, reason, out);
            }
            Ok(Admission::Existing(key)) => {
                let id = self.new_invocation(ticket, key, params, false, None);
                self.pool.occupy(key);
                self.note_concurrency();
                self.begin(now, id, out);
            }
            Ok(Admission::New) => {
                let key = self.create_env(now, InitType::OnDemand, out);
                let id = self.new_invocation(ticket, key, params, true, None);
                self.pool.occupy(key);
                self.note_concurrency();
                self.waiting_init.insert(key, id);
            }
        }
    }

    /// Applies a control command.
    pub fn command(&mut self, now: Duration, cmd: &EmulatorCommand, out: &mut Vec<Effect>) {
        match cmd {
            EmulatorCommand::ReclaimIdle => {
                let idle: Vec<EnvKey> = self
                    .pool
                    .iter()
                    .filter(|(_, e)| e.is_idle() && !e.provisioned())
                    .map(|(k, _)| k)
                    .collect();
                for key in idle {
                    self.reclaim(now, key, ReclaimReason::Idle, out);
                }
            }
            EmulatorCommand::SetProvisioned { count } => {
                let count = (*count).min(self.cfg.reserved_concurrency.unwrap_or(u32::MAX));
                let current = self.pool.iter().filter(|(_, e)| e.provisioned()).count();
                let current = u32::try_from(current).unwrap_or(u32::MAX);
                for _ in current..count {
                    self.create_env(now, InitType::ProvisionedConcurrency, out);
                }
                if current > count {
                    let surplus: Vec<EnvKey> = self
                        .pool
                        .iter()
                        .filter(|(_, e)| e.provisioned() && e.is_idle())
                        .map(|(k, _)| k)
                        .take((current - count) as usize)
                        .collect();
                    for key in surplus {
                        self.reclaim(now, key, ReclaimReason::Shutdown, out);
                    }
                }
                self.provisioned_target = count;
                self.metrics.set_provisioned_allocated(count);
            }
        }
    }

    fn schedule(&mut self, at: Duration, kind: TimerKind) {
        self.timer_seq += 1;
        self.timers.push(Reverse((at, self.timer_seq, kind)));
    }

    fn emit(&self, at: Duration, kind: EventKind, out: &mut Vec<Effect>) {
        if self.observed {
            out.push(Effect::Emit { at, kind });
        }
    }

    fn log(
        &self,
        at: Duration,
        key: EnvKey,
        text: impl FnOnce(&LogWriter, i64) -> String,
        out: &mut Vec<Effect>,
    ) {
        if !self.observed {
            return;
        }
        let Some(env) = self.pool.get(key) else {
            return;
        };
        let wall = self.wall_us(at);
        out.push(Effect::Emit {
            at,
            kind: EventKind::Log(LogLine {
                stream: env.stream.clone(),
                env: Some(env.id.clone()),
                text: text(&self.logs, wall),
            }),
        });
    }

    fn wall_us(&self, at: Duration) -> i64 {
        self.start_wall_us + i64::try_from(at.as_micros()).unwrap_or(i64::MAX)
    }

    fn note_concurrency(&mut self) {
        self.metrics
            .concurrency(self.pool.in_flight(), self.pool.provisioned_in_flight());
    }

    fn throttle(
        &self,
        now: Duration,
        ticket: Ticket,
        reason: ThrottleReason,
        out: &mut Vec<Effect>,
    ) {
        self.emit(now, EventKind::Throttle { reason }, out);
        out.push(Effect::Respond {
            ticket,
            reply: Reply::Throttled(reason),
        });
    }

    fn new_invocation(
        &mut self,
        ticket: Ticket,
        key: EnvKey,
        params: InvokeParams,
        cold: bool,
        init_ms: Option<f64>,
    ) -> u64 {
        let id = self.next_invocation;
        self.next_invocation += 1;
        let serial = self.pool.get(key).map_or(0, |e| e.serial);
        self.invocations.insert(
            id,
            Invocation {
                ticket,
                key,
                serial,
                params,
                request_id: String::new(),
                cold,
                init_ms,
                report_init_ms: None,
                plan: None,
                started: Duration::ZERO,
                answer: None,
                running: false,
                queued_at: None,
            },
        );
        id
    }

    /// Creates an environment and starts its Init.
    fn create_env(&mut self, now: Duration, init_type: InitType, out: &mut Vec<Effect>) -> EnvKey {
        let hex = format!("{:032x}", self.rng.random::<u128>());
        let stream = logs::stream_name(self.wall_us(now), &hex);
        let key = self.pool.create(now, EnvId(hex), stream, init_type);
        let serial = self.pool.get(key).map_or(0, |e| e.serial);
        let id = self.pool.get(key).map(|e| e.id.clone());
        if let Some(env) = id {
            self.emit(
                now,
                EventKind::InitStart {
                    env,
                    init_type,
                    slots: self.cfg.slots(),
                },
                out,
            );
        }
        self.log(now, key, |w, wall| w.init_start(wall, init_type), out);
        if self.process {
            let stream = self
                .pool
                .get(key)
                .map(|e| e.stream.clone())
                .unwrap_or_default();
            out.push(Effect::Spawn {
                key,
                serial,
                stream,
                init_type,
            });
            let cap = Duration::from_secs_f64(self.cfg.init_timeout_s.clamp(0.1, 900.0));
            self.schedule(now + cap, TimerKind::InitTimeout { key, serial });
        } else {
            let init_ms = builtin::init_ms(&self.cfg, &mut self.rng, init_type);
            self.schedule(now + ms(init_ms), TimerKind::InitDone { key, serial });
            if let Some(env) = self.pool.get_mut(key) {
                // Remember the sampled Init so InitDone reports it.
                env.unreported_init_ms = Some(init_ms);
            }
        }
        if init_type == InitType::OnDemand && self.cfg.max_lifetime_s > 0.0 {
            let life = spread(
                &mut self.rng,
                self.cfg.max_lifetime_s,
                self.cfg.max_lifetime_jitter_s,
            );
            self.schedule(
                now + Duration::from_secs_f64(life),
                TimerKind::Lifetime { key, serial },
            );
        }
        key
    }

    fn init_done(&mut self, now: Duration, key: EnvKey, serial: u64, out: &mut Vec<Effect>) {
        let Some(env) = self.pool.get_current(key, serial) else {
            return;
        };
        let (env_id, init_ms) = (env.id.clone(), env.unreported_init_ms.unwrap_or(0.0));
        let waiting = self.waiting_init.remove(&key);
        let crash_in_init = waiting
            .and_then(|id| self.invocations.get(&id))
            .is_some_and(|inv| inv.params.crash_in_init());
        if crash_in_init {
            self.fail_init(
                now,
                key,
                &env_id,
                init_ms,
                "Runtime.ExitError",
                waiting,
                out,
            );
            return;
        }
        self.emit(
            now,
            EventKind::InitEnd {
                env: env_id,
                init_ms,
                ok: true,
            },
            out,
        );
        self.pool.ready(key, now);
        let joined = self.also_waiting.remove(&key).unwrap_or_default();
        for id in joined {
            if let Some(inv) = self.invocations.get_mut(&id) {
                inv.init_ms = Some(init_ms);
            }
            self.begin(now, id, out);
        }
        if let Some(id) = waiting {
            if let Some(env) = self.pool.get_mut(key) {
                // On-demand: this invocation's REPORT carries the Init Duration.
                env.unreported_init_ms = None;
            }
            if let Some(inv) = self.invocations.get_mut(&id) {
                inv.init_ms = Some(init_ms);
                inv.report_init_ms = Some(init_ms);
            }
            self.begin(now, id, out);
        } else {
            // Provisioned: initialized ahead of traffic, idle until used. Its first
            // REPORT shows the Init Duration (LAMBDA-FACTS §3).
            self.went_idle(now, key, out);
        }
    }

    /// Init failed: `INIT_REPORT`, `InitEnd` not ok, every request waiting for it gets the
    /// front's error, and the environment is destroyed.
    #[allow(clippy::too_many_arguments)]
    fn fail_init(
        &mut self,
        now: Duration,
        key: EnvKey,
        env_id: &EnvId,
        init_ms: f64,
        error_type: &str,
        waiting: Option<u64>,
        out: &mut Vec<Effect>,
    ) {
        self.log(
            now,
            key,
            |w, wall| w.init_report(wall, init_ms, "init", error_type),
            out,
        );
        self.emit(
            now,
            EventKind::InitEnd {
                env: env_id.clone(),
                init_ms,
                ok: false,
            },
            out,
        );
        self.fail_joined(key, env_id, init_ms, out);
        if let Some(inv) = waiting.and_then(|id| self.invocations.remove(&id)) {
            self.metrics.invocation(false, false);
            self.metrics.completed(init_ms, true);
            out.push(Effect::Respond {
                ticket: inv.ticket,
                reply: Reply::InitFailed {
                    env: env_id.clone(),
                    init_ms,
                },
            });
        }
        self.destroy(now, key, DestroyReason::InitError, out);
    }

    /// Starts running an invocation on its (ready) environment.
    fn begin(&mut self, now: Duration, id: u64, out: &mut Vec<Effect>) {
        let request_id = uuid_v4(&mut self.rng);
        let Some(inv) = self.invocations.get(&id) else {
            return;
        };
        let key = inv.key;
        let Some(env) = self.pool.get_mut(key) else {
            return;
        };
        env.invocations += 1;
        let first = env.invocations == 1;
        let reset = std::mem::take(&mut env.needs_init);
        let pc_first_report = if env.provisioned() {
            env.unreported_init_ms.take()
        } else {
            None
        };
        let (env_id, provisioned) = (env.id.clone(), env.provisioned());
        // Requests on one environment share its CPU (several at once in the newer models).
        let sharing = env.in_flight.max(1);
        // After a reset the runtime starts again inside this invocation (suppressed init).
        let reinit_ms = if self.process {
            // The replaced process's Init runs inside this invocation (its `next` is late).
            reset.then_some(0.0)
        } else {
            reset.then(|| builtin::init_ms(&self.cfg, &mut self.rng, InitType::OnDemand))
        };
        let Some(inv) = self.invocations.get_mut(&id) else {
            return;
        };
        if let Some(r) = reinit_ms {
            inv.cold = true;
            inv.init_ms = Some(r);
        }
        if pc_first_report.is_some() {
            inv.report_init_ms = pc_first_report;
            inv.init_ms = pc_first_report;
        }
        inv.request_id.clone_from(&request_id);
        inv.started = now;
        inv.running = true;
        if self.process {
            self.deliver(now, id, key, provisioned, out);
            return;
        }
        let plan = builtin::plan(
            &self.cfg,
            &mut self.rng,
            &inv.params,
            builtin::Start {
                first,
                reinit_ms: reinit_ms.unwrap_or(0.0),
                sharing,
            },
        );
        let end = now + ms(plan.runs_ms);
        let cold = inv.cold;
        inv.plan = Some(plan);
        self.announce_start(now, key, env_id, &request_id, cold, provisioned, out);
        self.schedule(end, TimerKind::InvokeDone { invocation: id });
    }

    /// An invocation starts: metrics, `InvokeStart` and the START line.
    #[allow(clippy::too_many_arguments)]
    fn announce_start(
        &mut self,
        now: Duration,
        key: EnvKey,
        env: EnvId,
        request_id: &str,
        cold: bool,
        provisioned: bool,
        out: &mut Vec<Effect>,
    ) {
        let spillover = !provisioned && self.provisioned_target > 0;
        self.metrics.invocation(provisioned, spillover);
        self.emit(
            now,
            EventKind::InvokeStart {
                env,
                request: RequestId(request_id.to_string()),
                cold,
            },
            out,
        );
        self.log(now, key, |w, wall| w.start(wall, request_id), out);
    }

    fn invoke_done(&mut self, now: Duration, id: u64, out: &mut Vec<Effect>) {
        let Some(inv) = self.invocations.remove(&id) else {
            return;
        };
        let Some(plan) = inv.plan.clone() else { return };
        let Some(env) = self.pool.get_current(inv.key, inv.serial) else {
            return;
        };
        let (env_id, init_type, invocations) = (env.id.clone(), env.init_type, env.invocations);
        let key = inv.key;
        let rid = inv.request_id.as_str();
        match plan.outcome {
            InvokeOutcome::Success => {}
            InvokeOutcome::Error => self.log(
                now,
                key,
                |w, wall| w.function_error(wall, rid, &plan.body),
                out,
            ),
            InvokeOutcome::Timeout => {
                let t = self.cfg.timeout_s;
                self.log(now, key, |w, wall| w.timed_out(wall, rid, t), out);
            }
            InvokeOutcome::Crash => {
                if self.observed {
                    for line in self.logs.runtime_exited(self.wall_us(now), rid) {
                        self.log(now, key, |_, _| line, out);
                    }
                }
            }
        }
        let restore = self.cfg.runtime.is_snapstart();
        // Since Aug 2025 an on-demand cold start bills its Init (LAMBDA-FACTS §6);
        // SnapStart bills its restore separately, provisioned Init is billed as PC.
        let billed_init = match (init_type, inv.report_init_ms) {
            (InitType::OnDemand, Some(i)) if !restore => i,
            _ => 0.0,
        };
        let billed_ms = (plan.duration_ms + billed_init).ceil().max(1.0) as u64;
        let report = Report {
            request_id: rid,
            duration_ms: plan.duration_ms,
            billed_ms,
            memory_mb: self.cfg.memory_mb,
            max_memory_used_mb: plan.memory_used_mb,
            init_ms: inv.report_init_ms,
            restore,
            outcome: plan.outcome,
        };
        self.log(now, key, |w, wall| w.end(wall, rid, plan.outcome), out);
        self.log(now, key, |w, wall| w.report(wall, &report), out);
        self.emit(
            now,
            EventKind::InvokeEnd {
                env: env_id.clone(),
                request: RequestId(inv.request_id.clone()),
                duration_ms: plan.duration_ms,
                billed_ms,
                init_ms: inv.report_init_ms,
                cold: inv.cold,
                outcome: plan.outcome,
            },
            out,
        );
        self.metrics
            .completed(plan.duration_ms, plan.outcome != InvokeOutcome::Success);
        out.push(Effect::Respond {
            ticket: inv.ticket,
            reply: Reply::Invoked(Invoked {
                request_id: inv.request_id.clone(),
                env: env_id.clone(),
                init_type,
                cold: inv.cold,
                init_ms: inv.init_ms,
                invocations,
                duration_ms: plan.duration_ms,
                outcome: plan.outcome,
                status: plan.status,
                body: plan.body.clone(),
                answer: inv.answer.clone(),
            }),
        });
        match plan.outcome {
            InvokeOutcome::Crash => {
                self.destroy(now, key, DestroyReason::Crash, out);
                return;
            }
            InvokeOutcome::Timeout => {
                // Lambda resets the environment; Init runs again in the next invocation.
                if let Some(env) = self.pool.get_mut(key) {
                    env.needs_init = true;
                }
                self.emit(now, EventKind::Reset { env: env_id }, out);
            }
            InvokeOutcome::Success | InvokeOutcome::Error => {}
        }
        let idle = self.pool.vacate(key, now);
        // A freed slot serves the oldest queued request first (Web Functions).
        if self.serve_queued(now, key, out) {
            return;
        }
        if idle {
            self.went_idle(now, key, out);
        }
    }

    /// The environment has nothing in flight: it is frozen, and its reclaim clock starts.
    ///
    /// Each environment has at most one reclaim timer: going idle again only moves its
    /// deadline, and a timer that fires early re-arms itself for the deadline. So busy
    /// traffic adds no timers, however many requests an environment serves.
    fn went_idle(&mut self, now: Duration, key: EnvKey, out: &mut Vec<Effect>) {
        let Some(env) = self.pool.get(key) else {
            return;
        };
        let (id, serial, provisioned, retire) =
            (env.id.clone(), env.serial, env.provisioned(), env.retire);
        if retire {
            self.reclaim(now, key, ReclaimReason::MaxLifetime, out);
            return;
        }
        self.emit(now, EventKind::Frozen { env: id }, out);
        if self.process {
            out.push(Effect::Freeze { key, serial });
        }
        if provisioned {
            return;
        }
        let idle_s = spread(
            &mut self.rng,
            self.cfg.idle_reclaim_s,
            self.cfg.idle_reclaim_jitter_s,
        );
        let deadline = now + Duration::from_secs_f64(idle_s);
        let Some(env) = self.pool.get_mut(key) else {
            return;
        };
        env.reclaim_at = Some(deadline);
        if !std::mem::replace(&mut env.reclaim_armed, true) {
            self.schedule(deadline, TimerKind::IdleReclaim { key, serial });
        }
    }

    fn idle_reclaim(&mut self, now: Duration, key: EnvKey, serial: u64, out: &mut Vec<Effect>) {
        let Some(env) = self.pool.get_current(key, serial) else {
            return;
        };
        let (idle, deadline) = (env.is_idle(), env.reclaim_at);
        let keep = self.at_minimum();
        match deadline {
            // Managed Instances keep their minimum environments.
            Some(_) if idle && keep => {
                if let Some(env) = self.pool.get_mut(key) {
                    env.reclaim_armed = false;
                }
            }
            Some(d) if idle && d <= now => self.reclaim(now, key, ReclaimReason::Idle, out),
            // Used since this timer was set: wait for the newer deadline.
            Some(d) if idle => self.schedule(d, TimerKind::IdleReclaim { key, serial }),
            // Busy: disarmed; going idle arms it again.
            _ => {
                if let Some(env) = self.pool.get_mut(key) {
                    env.reclaim_armed = false;
                }
            }
        }
    }

    fn lifetime(&mut self, now: Duration, key: EnvKey, serial: u64, out: &mut Vec<Effect>) {
        let Some(env) = self.pool.get_current(key, serial) else {
            return;
        };
        if env.is_idle() {
            self.reclaim(now, key, ReclaimReason::MaxLifetime, out);
        } else if let Some(env) = self.pool.get_mut(key) {
            env.retire = true;
        }
    }

    fn reclaim(
        &mut self,
        now: Duration,
        key: EnvKey,
        reason: ReclaimReason,
        out: &mut Vec<Effect>,
    ) {
        if self.process {
            out.push(Effect::Kill { key });
        }
        if let Some(env) = self.pool.remove(key) {
            self.emit(
                now,
                EventKind::Reclaimed {
                    env: env.id,
                    reason,
                },
                out,
            );
        }
    }

    fn destroy(
        &mut self,
        now: Duration,
        key: EnvKey,
        reason: DestroyReason,
        out: &mut Vec<Effect>,
    ) {
        if self.process {
            out.push(Effect::Kill { key });
        }
        if let Some(env) = self.pool.remove(key) {
            self.emit(
                now,
                EventKind::Destroyed {
                    env: env.id,
                    reason,
                },
                out,
            );
            // A crashed provisioned environment is replaced, as Lambda keeps PC allocated.
            if env.init_type == InitType::ProvisionedConcurrency {
                self.create_env(now, InitType::ProvisionedConcurrency, out);
            }
        }
    }

    fn metrics_period(&mut self, now: Duration, out: &mut Vec<Effect>) {
        let mut points = Vec::new();
        self.metrics.roll(
            now,
            self.pool.in_flight(),
            self.pool.provisioned_in_flight(),
            &mut points,
        );
        for p in points {
            self.emit(now, EventKind::Metric(p), out);
        }
        self.schedule(self.metrics.period_end(), TimerKind::MetricsPeriod);
    }

    /// Timers pending: bounded by the environments and requests in flight, never by
    /// the requests served.
    pub fn pending_timers(&self) -> usize {
        self.timers.len()
    }

    /// Environments still initializing (for tests and status).
    pub fn initializing(&self) -> usize {
        self.pool
            .iter()
            .filter(|(_, e)| e.phase == Phase::Initializing)
            .count()
    }
}

fn ms(v: f64) -> Duration {
    Duration::from_secs_f64(v.max(0.0) / 1000.0)
}

/// `base ± jitter`, uniformly.
fn spread(rng: &mut StdRng, base: f64, jitter: f64) -> f64 {
    if jitter <= 0.0 {
        return base;
    }
    (base + rng.random_range(-jitter..=jitter)).max(0.001)
}

/// A random (version 4) UUID, as Lambda's request ids are.
fn uuid_v4(rng: &mut StdRng) -> String {
    let v: u128 = rng.random();
    let v = (v & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

mod external;
mod shared;

#[cfg(test)]
mod tests;
