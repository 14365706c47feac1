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
use crate::event::{EventKind, InitType, InvokeOutcome, LogLine, ThrottleReason};
use crate::ids::EnvId;

use super::builtin::{Course, InvokeParams};
use super::logs::{self, LogWriter};
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
    /// The function began streaming its answer; it is still running.
    Streaming(Streamed),
}

/// A streamed answer, as its first chunk is about to arrive.
#[derive(Debug, Clone, PartialEq)]
pub struct Streamed {
    pub request_id: String,
    pub env: EnvId,
    pub cold: bool,
    /// The runtime's `Content-Type` for the stream (a function URL's HTTP answer says
    /// `application/vnd.awslambda.http-integration-response`).
    pub content_type: Option<String>,
    pub chunks: super::runtime_api::StreamRx,
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
    /// `Tail` asked for: the invocation's log lines, START to REPORT, at most the last
    /// 4 KB.
    pub log_tail: Option<String>,
}

/// Lambda returns the last 4 KB of an invocation's log with `X-Amz-Log-Type: Tail`.
pub const TAIL_BYTES: usize = 4096;

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
    /// Managed Instances: an instance launched for more capacity is up.
    Launched,
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
    plan: Option<Course>,
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
    /// Lambda's invocation rate: 10 requests a second per unit of the concurrency limit
    /// (reserved, else the account's), as a bucket that holds a second's worth.
    rate: TokenBucket,
    logs: LogWriter,
    metrics: MetricsWindow,
    start_wall_us: i64,
    provisioned_target: u32,
    /// The version or alias provisioned concurrency was put on through the Lambda API.
    provisioned_on: Option<String>,
    /// Skip formatting log lines and events nobody reads (`thaw emulate --quiet`).
    observed: bool,
    /// Environments run real processes (`handler = "process"`).
    process: bool,
    /// Managed Instances / Web Functions: invocations waiting for an initializing
    /// environment beyond the first (in `waiting_init`).
    also_waiting: HashMap<EnvKey, Vec<u64>>,
    /// Web Functions: invocations waiting for any free slot, oldest first.
    queue: std::collections::VecDeque<u64>,
    /// On-demand Init durations to use in turn instead of sampling (a trace's observed
    /// cold starts, replayed by `thaw whatif`); empty samples the model.
    init_samples: Vec<f64>,
    next_init_sample: usize,
    /// Managed Instances: environments on instances still launching.
    launching: usize,
    /// Environments running an invocation that asked for its log (`Tail`): the lines
    /// so far, bounded to [`TAIL_BYTES`].
    tails: HashMap<EnvKey, String>,
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
        let rate = rate_bucket(cap);
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
            provisioned_on: None,
            cfg,
            pool,
            rng,
            timers: BinaryHeap::new(),
            timer_seq: 0,
            invocations: HashMap::new(),
            waiting_init: HashMap::new(),
            next_invocation: 0,
            stage,
            rate,
            logs,
            metrics,
            start_wall_us,
            observed: true,
            process: cfg_process,
            also_waiting: HashMap::new(),
            queue: std::collections::VecDeque::new(),
            init_samples: Vec::new(),
            next_init_sample: 0,
            launching: 0,
            tails: HashMap::new(),
        }
    }

    /// On-demand Inits take these durations in turn (cycling) instead of the model's:
    /// a trace's observed cold starts, so a replay of it starts the same environments.
    pub fn use_init_durations(&mut self, samples_ms: Vec<f64>) {
        self.init_samples = samples_ms
            .into_iter()
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .collect();
        self.next_init_sample = 0;
    }

    /// An Init's duration: the next replayed sample for an on-demand Init, else the
    /// model's.
    fn init_duration(&mut self, init_type: InitType) -> f64 {
        if init_type == InitType::OnDemand && !self.init_samples.is_empty() {
            let ms = self.init_samples[self.next_init_sample % self.init_samples.len()];
            self.next_init_sample += 1;
            return ms;
        }
        super::builtin::init_ms(&self.cfg, &mut self.rng, init_type)
    }

    /// A new request id, as Lambda's are (an `Event` invocation's, when it is queued).
    pub fn new_request_id(&mut self) -> String {
        uuid_v4(&mut self.rng)
    }

    /// The account's concurrency limit.
    pub fn account_concurrency(&self) -> u32 {
        self.cfg.account_concurrency
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
                TimerKind::Launched => self.launched(at, out),
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
        // API Gateway's stage throttle is not on the Lambda API's path.
        if params.direct.is_none()
            && let Some(stage) = &mut self.stage
            && !stage.try_take(now)
        {
            self.throttle(now, ticket, ThrottleReason::Stage, out);
            return;
        }
        if !self.rate.try_take(now) {
            self.metrics.throttle();
            self.throttle(now, ticket, ThrottleReason::InvocationRate, out);
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
        &mut self,
        at: Duration,
        key: EnvKey,
        text: impl FnOnce(&LogWriter, i64) -> String,
        out: &mut Vec<Effect>,
    ) {
        if !self.observed && !self.tailing(key) {
            return;
        }
        let wall = self.wall_us(at);
        let Some(env) = self.pool.get(key) else {
            return;
        };
        let text = text(&self.logs, wall);
        if let Some(tail) = self.tails.get_mut(&key) {
            keep_tail(tail, &text);
        }
        if self.observed {
            out.push(Effect::Emit {
                at,
                kind: EventKind::Log(LogLine {
                    stream: env.stream.clone(),
                    env: Some(env.id.clone()),
                    text,
                }),
            });
        }
    }

    /// Whether environment `key` is writing an invocation's log for its caller.
    fn tailing(&self, key: EnvKey) -> bool {
        self.tails.contains_key(&key)
    }

    fn wall_us(&self, at: Duration) -> i64 {
        self.start_wall_us + i64::try_from(at.as_micros()).unwrap_or(i64::MAX)
    }

    fn note_concurrency(&mut self) {
        self.metrics
            .concurrency(self.pool.in_flight(), self.pool.provisioned_in_flight());
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

/// Lambda's invocation rate: 10 requests a second per unit of the concurrency limit, as
/// a bucket that holds a second's worth. (At a limit of 0 every request is refused for
/// concurrency, which is what Lambda says then, so the bucket never speaks first.)
fn rate_bucket(cap: u32) -> TokenBucket {
    let per_s = cap.max(1).saturating_mul(10);
    TokenBucket::new(per_s, f64::from(per_s), Duration::ZERO)
}

/// Appends a log line to a Tail buffer, dropping its oldest lines past [`TAIL_BYTES`].
fn keep_tail(tail: &mut String, line: &str) {
    tail.push_str(line);
    tail.push('\n');
    if tail.len() > TAIL_BYTES {
        let mut cut = tail.len() - TAIL_BYTES;
        while !tail.is_char_boundary(cut) {
            cut += 1;
        }
        tail.drain(..cut);
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
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let v: u128 = rng.random();
    let v = (v & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    // Written digit by digit: one per invocation, so no formatting machinery.
    let mut s = String::with_capacity(36);
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            s.push('-');
        }
        let nibble = (v >> (124 - 4 * i)) & 0xF;
        s.push(char::from(HEX[nibble as usize]));
    }
    s
}

mod control;
pub use self::control::Change;
mod external;
mod invocation;
mod lifecycle;
mod shared;

#[cfg(test)]
mod tests;
