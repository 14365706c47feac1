//! The one type that crosses from sources to the app ([`Event`]) and where sources send
//! it ([`EventSink`]).
//!
//! Everything here is plain data with a stable serde form: recordings are JSON Lines of
//! [`Event`]s, so a field rename here is a format change.

mod fanout;
mod sink;
pub mod sizing;

pub use fanout::{FanOutReport, MAX_WORKERS, Spread, WorkerOutcome, WorkerReport};
pub use sink::EventSink;
pub use sizing::{Sizing, SizingAnswer, SizingRow};

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::{EnvId, RequestId, Stamp};
use crate::lambda::Metric;

/// One thing a source observed. The app state is a fold over these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When thaw received it: the session clock, which orders the stream.
    pub at: Stamp,
    /// When it happened (Unix µs), where the source knows and it differs from `at`: a
    /// log line's timestamp, a REPORT's end. History is filed under this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub happened_us: Option<i64>,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    pub fn new(at: Stamp, kind: EventKind) -> Self {
        Self {
            at,
            happened_us: None,
            kind,
        }
    }

    /// An event that happened at `wall_us` (Unix µs) and reached thaw at `at`.
    pub fn happened(at: Stamp, wall_us: i64, kind: EventKind) -> Self {
        Self {
            at,
            happened_us: (wall_us != at.wall_us).then_some(wall_us),
            kind,
        }
    }

    /// When it happened, Unix µs: never after thaw received it (a source's clock ahead
    /// of this machine's would put history in the future).
    pub fn when_us(&self) -> i64 {
        self.happened_us
            .map_or(self.at.wall_us, |h| h.min(self.at.wall_us))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A client request finished (or failed), as the load generator saw it.
    Request(RequestObserved),
    /// An environment began its Init phase.
    InitStart {
        env: EnvId,
        init_type: InitType,
        /// Slots: how many requests the environment serves at once (1 in the classic model).
        slots: u32,
    },
    /// An environment's Init phase ended.
    InitEnd { env: EnvId, init_ms: f64, ok: bool },
    /// An invocation started on an environment.
    InvokeStart {
        env: EnvId,
        request: RequestId,
        /// This invocation waited for (or ran) the environment's Init: a cold start.
        cold: bool,
    },
    /// An invocation ended.
    InvokeEnd {
        env: EnvId,
        request: RequestId,
        duration_ms: f64,
        billed_ms: u64,
        /// Present on the invocation whose REPORT carries `Init Duration`.
        init_ms: Option<f64>,
        /// The invocation waited for Init (as in its `InvokeStart`).
        cold: bool,
        outcome: InvokeOutcome,
    },
    /// A request waited for a free slot (Web Functions) and got one on `env`.
    Queued { env: EnvId, waited_ms: f64 },
    /// The environment has no invocation in flight and is frozen until the next one.
    Frozen { env: EnvId },
    /// The platform reclaimed an idle (or too old) environment.
    Reclaimed { env: EnvId, reason: ReclaimReason },
    /// The environment died: its runtime crashed or its Init failed.
    Destroyed { env: EnvId, reason: DestroyReason },
    /// The environment's runtime was restarted in place (after a timeout); the next
    /// invocation runs Init again inside its own duration.
    Reset { env: EnvId },
    /// The platform refused a request.
    Throttle { reason: ThrottleReason },
    /// Why an Init or an invocation failed, as the runtime or the platform named it
    /// (`Runtime.ImportModuleError`, `Function.Error`, `Runtime.ExitError`), beside the
    /// `InitEnd` or `InvokeEnd` that counts it.
    Failure {
        env: EnvId,
        phase: FailurePhase,
        error_type: String,
    },
    /// One CloudWatch-style datapoint.
    Metric(MetricDatapoint),
    /// One log line of one log stream.
    Log(LogLine),
    /// A source failed; the app keeps running and shows it.
    SourceError { source: String, message: String },
    /// What a source is doing now (`logs: Live Tail on /aws/lambda/f`), replacing its last.
    SourceStatus { source: String, message: String },
    /// The load generator began a plan against a target.
    BurstStarted { plan: String, target: String },
    /// A plan's requests in flight right now (started, no response yet).
    ClientInFlight { plan: String, in_flight: u32 },
    /// A plan ended (done or stopped): what it did beyond its requests.
    BurstFinished(BurstFinished),
    /// Where a replay is (sent by the replay source, never recorded).
    ReplayProgress(ReplayProgress),
    /// A replay went back: everything before this event is forgotten.
    ReplayRestart,
    /// The user cleared the screen: counters, charts and grid start again from here.
    Cleared,
    /// The watched function's configuration, as Lambda describes it (refreshed now and
    /// then).
    FunctionConfig(FunctionConfig),
    /// `thaw whatif`'s answer for the session's traffic so far, asked for on the screen
    /// (sent by the session, never recorded).
    Sizing(SizingAnswer),
    /// The asynchronous (`Event`) invocation queue changed.
    AsyncQueue(AsyncQueueStats),
    /// A fanned-out burst's workers answered: how close to the instant they released.
    FanOut(FanOutReport),
}

/// Lambda's queue of asynchronous invocations, as the emulator keeps it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsyncQueueStats {
    /// Events queued or being invoked.
    pub depth: u64,
    /// Age of the oldest of them, ms (CloudWatch's `AsyncEventAge`).
    pub oldest_ms: u64,
    /// Invoked successfully.
    pub delivered: u64,
    /// Attempts retried (after a function error or a throttle).
    pub retried: u64,
    /// Given up: retries used up, or older than the maximum event age.
    pub dropped: u64,
}

/// A function's configuration: what `GetFunction` and the concurrency calls say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionConfig {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    /// `nodejs22.x`, or `container image` for an image function.
    pub runtime: String,
    pub memory_mb: u32,
    pub architecture: String,
    pub timeout_s: u32,
    /// `Text` or `JSON`.
    pub log_format: String,
    /// Where its logs go, when not `/aws/lambda/NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    /// Reserved concurrency, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<u32>,
    /// Provisioned concurrency per alias or version: `(qualifier, requested, allocated)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provisioned: Vec<(String, u32, u32)>,
}

impl FunctionConfig {
    /// `nodejs22.x 256 MB arm64`, for the title.
    pub fn short(&self) -> String {
        format!(
            "{} {} MB {}",
            self.runtime, self.memory_mb, self.architecture
        )
    }

    /// `reserved 10 · provisioned 5 (live) · timeout 3 s`.
    pub fn limits(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.reserved {
            parts.push(format!("reserved {r}"));
        }
        for (q, requested, allocated) in &self.provisioned {
            if requested == allocated {
                parts.push(format!("provisioned {requested} ({q})"));
            } else {
                parts.push(format!("provisioned {allocated}/{requested} ({q})"));
            }
        }
        parts.push(format!("timeout {} s", self.timeout_s));
        parts.join(" · ")
    }
}

/// A replay's position in its recording.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReplayProgress {
    /// Recording time played, µs.
    pub position_us: u64,
    /// The recording's last event, µs.
    pub end_us: u64,
    /// Times the original pace; `None` is as fast as possible.
    pub speed: Option<f64>,
    pub paused: bool,
    /// The recording ended (or could not be read further).
    pub done: bool,
}

/// The end of one plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurstFinished {
    pub plan: String,
    pub requests: u64,
    /// Parallel steps: the widest release spread, first to last request written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_spread_us: Option<u64>,
    /// Open-model steps: requests that started more than 5 ms late.
    #[serde(default)]
    pub late_starts: u64,
    /// Stopped before the plan was done.
    #[serde(default)]
    pub stopped: bool,
}

/// Where a failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailurePhase {
    Init,
    Invoke,
}

impl FailurePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Init => "init",
            Self::Invoke => "invoke",
        }
    }
}

/// `AWS_LAMBDA_INITIALIZATION_TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitType {
    OnDemand,
    ProvisionedConcurrency,
    SnapStart,
}

impl InitType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnDemand => "on-demand",
            Self::ProvisionedConcurrency => "provisioned-concurrency",
            Self::SnapStart => "snap-start",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvokeOutcome {
    Success,
    /// The function returned an error (the environment survives).
    Error,
    /// `Task timed out after X seconds`; the environment is reset.
    Timeout,
    /// The runtime exited; the environment is destroyed.
    Crash,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReclaimReason {
    Idle,
    MaxLifetime,
    Shutdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestroyReason {
    Crash,
    InitError,
}

/// Why the platform refused a request. The AWS names are what a function URL's 429 body
/// carries in `Reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThrottleReason {
    /// Reserved concurrency reached.
    ReservedConcurrency,
    /// Account (unreserved) concurrency reached.
    AccountConcurrency,
    /// The function's scaling rate (new environments per 10 s) was used up.
    ScalingRate,
    /// API Gateway's own stage throttle (rate + burst).
    Stage,
    /// Requests per second over 10 × the function's concurrency limit.
    InvocationRate,
}

impl ThrottleReason {
    pub fn aws_reason(self) -> &'static str {
        match self {
            Self::ReservedConcurrency => "ReservedFunctionConcurrentInvocationLimitExceeded",
            // AWS documents no distinct reason for the scaling rate; it is a concurrency
            // throttle as far as the caller can tell.
            Self::AccountConcurrency | Self::ScalingRate => "ConcurrentInvocationLimitExceeded",
            Self::Stage => "TooManyRequests",
            Self::InvocationRate => "FunctionInvocationRateLimitExceeded",
        }
    }

    pub const ALL: [Self; 5] = [
        Self::ReservedConcurrency,
        Self::AccountConcurrency,
        Self::ScalingRate,
        Self::Stage,
        Self::InvocationRate,
    ];
}

/// One request as the client saw it. Times are microseconds on the session clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestObserved {
    pub id: RequestId,
    pub planned_us: u64,
    pub sent_us: u64,
    pub first_byte_us: Option<u64>,
    pub end_us: u64,
    pub connect_us: Option<u64>,
    pub status: Option<u16>,
    pub bytes: u64,
    pub error: Option<ErrorKind>,
    /// What the probe headers said, when the response had them.
    pub probe: Option<ProbeFields>,
    /// Cold/warm as classified (from the probe, or inferred from latency).
    pub class: Option<Classification>,
    /// What an AWS endpoint said of a failure: its error code (`x-amzn-errortype`),
    /// with a throttle's `Reason`, e.g. `TooManyRequestsException
    /// (ReservedFunctionConcurrentInvocationLimitExceeded)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said: Option<String>,
}

impl RequestObserved {
    /// From sending the request to its end.
    pub fn latency(&self) -> Duration {
        Duration::from_micros(self.end_us.saturating_sub(self.sent_us))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Cold,
    Warm,
    /// Inferred from latency (no probe headers): shown as such.
    InferredCold,
    InferredWarm,
}

impl Classification {
    pub fn is_cold(self) -> bool {
        matches!(self, Self::Cold | Self::InferredCold)
    }
}

/// What a response's probe headers say about the environment that served it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeFields {
    pub env: EnvId,
    pub cold: bool,
    pub init_ms: Option<f64>,
    pub invocations: Option<u64>,
}

/// Why a request failed on the client side, or the class of a bad status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Refused,
    Reset,
    Timeout,
    Dns,
    Tls,
    Http,
    /// 429: throttled.
    Throttled,
    /// 5xx from the gateway or function.
    Server,
    /// Other 4xx.
    Client,
}

impl ErrorKind {
    pub const ALL: [Self; 9] = [
        Self::Refused,
        Self::Reset,
        Self::Timeout,
        Self::Dns,
        Self::Tls,
        Self::Http,
        Self::Throttled,
        Self::Server,
        Self::Client,
    ];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One CloudWatch datapoint: the metric's name and namespace as CloudWatch spells them
/// (`AWS/Lambda`, `ConcurrentExecutions`), the statistic, and the period it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDatapoint {
    pub namespace: String,
    pub name: String,
    pub stat: Stat,
    /// Start of the period, Unix microseconds.
    pub period_start_us: i64,
    pub period_s: u32,
    pub value: f64,
    /// A datapoint CloudWatch may still revise (its period is recent).
    #[serde(default)]
    pub provisional: bool,
}

impl MetricDatapoint {
    /// A datapoint of a metric thaw knows, final.
    pub fn of(metric: Metric, stat: Stat, period_start_us: i64, period_s: u32, value: f64) -> Self {
        Self {
            namespace: metric.namespace().into(),
            name: metric.name().into(),
            stat,
            period_start_us,
            period_s,
            value,
            provisional: false,
        }
    }

    /// The metric, when thaw knows it (Web Functions' are read by name).
    pub fn metric(&self) -> Option<Metric> {
        Metric::of(&self.namespace, &self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Stat {
    Maximum,
    Sum,
    Average,
    Minimum,
    SampleCount,
    #[serde(rename = "p50")]
    P50,
    #[serde(rename = "p99")]
    P99,
}

/// One log line of one log stream (`2026/11/23/[$LATEST]<32 hex>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub stream: String,
    pub env: Option<EnvId>,
    pub text: String,
}

#[cfg(test)]
mod tests;
