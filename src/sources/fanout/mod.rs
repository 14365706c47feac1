//! The fan-out controller: a parallel burst split over W Lambda workers (the burst worker
//! function), released at one instant. It measures where the workers' clocks stand
//! (timed clock probes, NTP-style, which also start the workers' environments), sets the
//! instant far enough ahead to cover an invocation, a cold start and the connects (all
//! measured), invokes every worker at once, and merges their observations into the one
//! event stream with a [`FanOutReport`] saying how close to the instant each released.

mod invoke;
mod probe;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_lambda::Client;
use base64::Engine as _;
use tokio::task::JoinSet;

use self::invoke::{Invoked, invoke};
use self::probe::{measured_lead, probe};
use crate::burst::RequestSpec;
use crate::burst::fanout::worker::{Answer, Call, Job, MAX_SHARE};
use crate::burst::fanout::{self, Offset, Sample};
use crate::burst::lambda::LambdaTarget;
use crate::classify::{Classifier, TailReport};
use crate::clock::{Clock, wall_now_us};
use crate::event::{
    BurstFinished, Classification, Event, EventKind, FanOutReport, MAX_WORKERS, WorkerOutcome,
    WorkerReport,
};
use crate::record::redact;

pub use self::invoke::client;
pub use self::probe::PROBE_ROUNDS;

/// The workers: which function, how many, through which endpoint.
#[derive(Debug, Clone)]
pub struct FanOut {
    pub workers: u32,
    pub function: LambdaTarget,
    /// The Lambda API the workers are invoked through (a `thaw emulate`), when not the
    /// Region's.
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    /// How far ahead to set the instant; measured when not given.
    pub lead: Option<Duration>,
}

/// What every worker fires, and how many in all.
#[derive(Debug, Clone)]
pub struct Shot {
    /// `http(s)://...` or `lambda:NAME[:QUALIFIER]`.
    pub target: String,
    /// A `lambda:` target's Lambda API, when not the workers' Region's own.
    pub target_endpoint_url: Option<String>,
    /// Sign with SigV4 for this service, with the workers' own role.
    pub sigv4_service: Option<String>,
    pub spec: RequestSpec,
    pub requests: u64,
}

impl FanOut {
    /// The function as `lambda:NAME[:QUALIFIER]`.
    pub fn name(&self) -> String {
        match &self.function.qualifier {
            Some(q) => format!("lambda:{}:{q}", self.function.function),
            None => format!("lambda:{}", self.function.function),
        }
    }

    /// Checks what can be checked before anything is invoked: the shares fit a worker,
    /// and no credential would travel in a worker's payload.
    pub fn check(&self, shot: &Shot) -> Result<Vec<u64>, String> {
        if self.workers == 0 || self.workers > MAX_WORKERS {
            return Err(format!(
                "--fan-out {} is not between 1 and {MAX_WORKERS} workers",
                self.workers
            ));
        }
        let shares = fanout::shares(shot.requests, self.workers);
        let largest = shares.first().copied().unwrap_or(0);
        if largest > MAX_SHARE {
            return Err(format!(
                "--fan-out {}: {} requests each is over the {MAX_SHARE} one worker can hold open (Lambda's 1,024 file descriptors); use --fan-out {} or more",
                self.workers,
                largest,
                shot.requests.div_ceil(MAX_SHARE)
            ));
        }
        for (name, value) in &shot.spec.headers {
            let line = format!("{name}: {value}");
            if redact::text(&line) != line || is_credential(name) {
                return Err(format!(
                    "--fan-out: header '{name}' is a credential and would travel in every worker's payload; sign with --sigv4 (each worker signs with its own role) instead"
                ));
            }
        }
        Ok(shares)
    }
}

fn is_credential(header: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "x-amz-security-token",
        "x-api-key",
    ]
    .iter()
    .any(|h| header.eq_ignore_ascii_case(h))
}

/// Runs the fan-out: probes, the instant, every worker invoked at once, their
/// observations merged. `on_event` gets the burst's events as [`crate::burst::run`]
/// gives them, then the [`FanOutReport`].
pub async fn run(
    f: &FanOut,
    shot: &Shot,
    client: &Client,
    clock: Clock,
    mut on_event: impl FnMut(Event),
) -> Result<FanOutReport, String> {
    let shares = f.check(shot)?;
    let plan = format!("parallel {} (fan-out {})", shot.requests, f.workers);
    let probed = probe(client, f, shot, PROBE_ROUNDS).await;
    let all: Vec<Sample> = probed.samples.values().flatten().copied().collect();
    let Some(fleet) = fanout::estimate(&all) else {
        return Err(format!(
            "no worker of {} answered its clock probe: {}",
            f.name(),
            probed.first_error.as_deref().unwrap_or("no answer")
        ));
    };
    if let Some(e) = probed
        .first_error
        .as_deref()
        .filter(|e| e.contains("connect"))
    {
        return Err(e.to_string());
    }
    let per_env: HashMap<&str, Offset> = probed
        .samples
        .iter()
        .filter_map(|(env, s)| Some((env.as_str(), fanout::estimate(s)?)))
        .collect();
    let lead_measured = f.lead.is_none();
    let lead = f
        .lead
        .unwrap_or_else(|| measured_lead(&probed, shares.first().copied().unwrap_or(0)));
    // A lead given is taken as it is; a measured one leaves room for the clock's
    // uncertainty too.
    let room = if lead_measured {
        fleet
    } else {
        Offset {
            uncertainty_us: 0,
            ..fleet
        }
    };
    let instant_us = fanout::release_at(wall_now_us(), lead, room);
    on_event(Event::new(
        clock.stamp(),
        EventKind::BurstStarted {
            plan: plan.clone(),
            target: shot.target.clone(),
        },
    ));
    let jobs = jobs(shot, &shares, instant_us.saturating_add(fleet.offset_us));
    let bound = lead + shot.spec.timeout + Duration::from_secs(60);
    let invoked = fire(client, &f.function, &jobs, bound).await;
    let mut workers = Vec::with_capacity(jobs.len());
    let mut observations = Vec::new();
    let mut billing = probed.billing;
    for (worker, result, tail) in invoked {
        billing.add(tail.as_ref());
        let Some(job) = jobs.get(worker as usize) else {
            continue;
        };
        let (report, obs) = settle(
            job,
            result,
            &per_env,
            fleet,
            instant_us,
            clock.zero_wall_us(),
        );
        workers.push(report);
        observations.extend(obs);
    }
    let carried = u64::try_from(observations.len()).unwrap_or(u64::MAX);
    emit_merged(observations, clock, &mut on_event);
    let report = FanOutReport {
        function: f.name(),
        instant_us,
        lead_us: u64::try_from(lead.as_micros()).unwrap_or(u64::MAX),
        lead_measured,
        offset_us: fleet.offset_us,
        uncertainty_us: fleet.uncertainty_us,
        probes: probed.answered,
        invocations: billing.invocations,
        billed_ms: billing.billed_ms,
        memory_mb: billing.memory_mb,
        workers,
    };
    on_event(Event::new(
        clock.stamp(),
        EventKind::BurstFinished(BurstFinished {
            plan,
            requests: carried,
            release_spread_us: report.spread().map(|s| s.max_us.unsigned_abs()),
            late_starts: 0,
            stopped: false,
        }),
    ));
    on_event(Event::new(clock.stamp(), EventKind::FanOut(report.clone())));
    Ok(report)
}

/// Each worker's job: its share, the instant on the workers' clock, and the request
/// (credentials never among it: `FanOut::check`).
fn jobs(shot: &Shot, shares: &[u64], release_at_us: i64) -> Vec<Job> {
    let body_b64 = base64::engine::general_purpose::STANDARD.encode(&shot.spec.body);
    shares
        .iter()
        .enumerate()
        .map(|(i, &requests)| Job {
            burst: format!("{release_at_us:x}"),
            worker: u32::try_from(i).unwrap_or(u32::MAX),
            target: shot.target.clone(),
            endpoint_url: shot.target_endpoint_url.clone(),
            sigv4_service: shot.sigv4_service.clone(),
            method: shot.spec.method.clone(),
            headers: shot.spec.headers.clone(),
            body_b64: body_b64.clone(),
            requests,
            release_at_us,
            timeout_ms: u64::try_from(shot.spec.timeout.as_millis()).unwrap_or(u64::MAX),
        })
        .collect()
}

/// Invokes every worker at once (every payload is ready before the first goes), each
/// given up after `bound`; the answers in worker order.
async fn fire(
    client: &Client,
    function: &LambdaTarget,
    jobs: &[Job],
    bound: Duration,
) -> Vec<(u32, Invoked, Option<TailReport>)> {
    let payloads: Vec<(u32, Vec<u8>)> = jobs
        .iter()
        .map(|j| {
            let payload = serde_json::to_vec(&Call::Burst(j.clone())).unwrap_or_default();
            (j.worker, payload)
        })
        .collect();
    let mut set = JoinSet::new();
    for (worker, payload) in payloads {
        let (client, function) = (client.clone(), function.clone());
        set.spawn(async move {
            let (invoked, tail) = tokio::time::timeout(bound, invoke(&client, &function, payload))
                .await
                .unwrap_or_else(|_| {
                    let late = format!("no answer within {} s", bound.as_secs());
                    (Invoked::Failed(late), None)
                });
            (worker, invoked, tail)
        });
    }
    let mut invoked = Vec::with_capacity(jobs.len());
    while let Some(joined) = set.join_next().await {
        if let Ok(one) = joined {
            invoked.push(one);
        }
    }
    invoked.sort_by_key(|(w, _, _)| *w);
    invoked
}

/// One worker's outcome, and its observations on thaw's clock.
fn settle(
    job: &Job,
    invoked: Invoked,
    per_env: &HashMap<&str, Offset>,
    fleet: Offset,
    instant_us: i64,
    zero_wall_us: i64,
) -> (WorkerReport, Vec<crate::event::RequestObserved>) {
    let mut report = WorkerReport {
        worker: job.worker,
        share: job.requests,
        carried: 0,
        lateness_us: None,
        release_us: None,
        cold: false,
        outcome: WorkerOutcome::Failed,
        message: None,
    };
    let bytes = match invoked {
        Invoked::Answer(bytes) => bytes,
        Invoked::Throttled(m) => {
            report.outcome = WorkerOutcome::Throttled;
            report.message = Some(m);
            return (report, Vec::new());
        }
        Invoked::FunctionError(kind, m) => {
            let timed_out = kind.contains("Timedout") || m.contains("timed out");
            report.outcome = if timed_out {
                WorkerOutcome::TimedOut
            } else {
                WorkerOutcome::Crashed
            };
            report.message = Some(format!("{kind}: {m}"));
            return (report, Vec::new());
        }
        Invoked::Failed(m) => {
            report.message = Some(m);
            return (report, Vec::new());
        }
    };
    let answer = match Answer::parse(&bytes, job) {
        Ok(a) => a,
        Err(e) => {
            report.message = Some(e.to_string());
            return (report, Vec::new());
        }
    };
    // The worker's own host's clock when its environment was probed, else the fleet's.
    let offset = answer
        .env
        .as_deref()
        .and_then(|e| per_env.get(e).copied())
        .unwrap_or(fleet);
    report.cold = answer.cold;
    report.lateness_us = answer.lateness_us(instant_us, offset);
    report.release_us = answer
        .release_start_us
        .zip(answer.release_end_us)
        .map(|(a, b)| b - a);
    // A worker's words are outside input: a line, not a page.
    report.message = answer
        .error
        .as_deref()
        .map(|e| e.chars().take(300).collect());
    report.outcome = if answer.missed_by_us.is_some() {
        WorkerOutcome::Late
    } else if report.lateness_us.is_some() {
        WorkerOutcome::Released
    } else {
        WorkerOutcome::Failed
    };
    let obs = answer.into_observations(offset, zero_wall_us);
    report.carried = u64::try_from(obs.len()).unwrap_or(u64::MAX);
    (report, obs)
}

/// The workers' observations in order of their ends, classified as one burst (each
/// worker saw only its share), as request events.
fn emit_merged(
    mut observations: Vec<crate::event::RequestObserved>,
    clock: Clock,
    on_event: &mut impl FnMut(Event),
) {
    observations.sort_by_key(|o| o.end_us);
    let mut classifier = Classifier::default();
    for mut o in observations {
        if matches!(
            o.class,
            None | Some(Classification::InferredCold | Classification::InferredWarm)
        ) {
            o.class = classifier.classify(o.probe.as_ref(), o.latency(), o.error.is_none());
        }
        let at = clock.at(Duration::from_micros(o.end_us));
        on_event(Event::new(at, EventKind::Request(o)));
    }
}
