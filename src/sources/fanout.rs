//! The fan-out controller: a parallel burst split over W Lambda workers (the burst worker
//! function), released at one instant. It measures where the workers' clocks stand
//! (timed clock probes, NTP-style, which also start the workers' environments), sets the
//! instant far enough ahead to cover an invocation, a cold start and the connects (all
//! measured), invokes every worker at once, and merges their observations into the one
//! event stream with a [`FanOutReport`] saying how close to the instant each released.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials as _;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;
use aws_smithy_types::retry::RetryConfig;
use base64::Engine as _;
use tokio::task::JoinSet;

use super::aws::sdk_config;
use crate::burst::fanout::worker::{Answer, Call, ClockAnswer, ClockCall, Job, MAX_SHARE};
use crate::burst::fanout::{self, Offset, Sample};
use crate::burst::lambda::LambdaTarget;
use crate::burst::{RequestSpec, Target};
use crate::classify::Classifier;
use crate::clock::Clock;
use crate::config::AwsConfig;
use crate::event::{
    BurstFinished, Classification, Event, EventKind, FanOutReport, MAX_WORKERS, WorkerOutcome,
    WorkerReport,
};
use crate::record::redact;

/// Rounds of clock probes, each to every worker at once: the first starts the workers'
/// environments (cold), the later ones measure them warm.
pub const PROBE_ROUNDS: u32 = 3;
/// Connections a worker opens at once (the engine's bound): its share connects in
/// batches of this many.
const CONNECT_BATCH: u64 = 256;
/// The lead is the slowest measured start times this, plus [`LEAD_MARGIN`].
const LEAD_FACTOR: f64 = 1.5;
const LEAD_MARGIN: Duration = Duration::from_millis(100);

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

/// A Lambda client for the workers: the standard chain, `--endpoint-url` honoured, no
/// retries (a throttled worker is reported, not retried past its instant). An endpoint
/// on this machine (the emulator, which takes any credentials) gets placeholder ones when
/// the chain has none.
pub async fn client(f: &FanOut) -> Result<Client, String> {
    let local = f.endpoint_url.as_deref().is_some_and(is_local);
    let aws = AwsConfig {
        region: f
            .region
            .clone()
            .or_else(|| local.then(|| "us-east-1".to_string())),
        endpoint_url: f.endpoint_url.clone(),
        profile: f.profile.clone(),
        ..AwsConfig::default()
    };
    let sdk = sdk_config(&aws)
        .await
        .map_err(|e| format!("--worker {}: {e}", f.name()))?;
    let mut conf =
        aws_sdk_lambda::config::Builder::from(&sdk).retry_config(RetryConfig::disabled());
    let has_credentials = match sdk.credentials_provider() {
        Some(p) => p.provide_credentials().await.is_ok(),
        None => false,
    };
    if local && !has_credentials {
        conf = conf.credentials_provider(Credentials::new(
            "thaw-local",
            "thaw-local",
            None,
            None,
            "thaw",
        ));
    }
    Ok(Client::from_conf(conf.build()))
}

fn is_local(url: &str) -> bool {
    Target::parse(url).is_ok_and(|t| {
        t.host == "localhost"
            || t.host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

/// What became of one invocation.
enum Invoked {
    Answer(Vec<u8>),
    Throttled(String),
    /// The function answered an error: its type and message.
    FunctionError(String, String),
    Failed(String),
}

async fn invoke(client: &Client, f: &LambdaTarget, payload: Vec<u8>) -> Invoked {
    let sent = client
        .invoke()
        .function_name(&f.function)
        .set_qualifier(f.qualifier.clone())
        .payload(Blob::new(payload))
        .send()
        .await;
    match sent {
        Ok(out) => {
            let body = out.payload.map(Blob::into_inner).unwrap_or_default();
            if out.function_error.is_none() {
                return Invoked::Answer(body);
            }
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let field = |k: &str| {
                v.get(k)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect::<String>()
            };
            Invoked::FunctionError(field("errorType"), field("errorMessage"))
        }
        Err(e) => {
            let code = e.code().unwrap_or_default().to_string();
            let message = e.message().unwrap_or_default().to_string();
            if code == "TooManyRequestsException" {
                Invoked::Throttled(message)
            } else if code.is_empty() {
                Invoked::Failed(
                    aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
                )
            } else {
                Invoked::Failed(format!("{code}: {message}"))
            }
        }
    }
}

fn wall_now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// What the clock probes measured.
struct Probed {
    /// Per environment (unnamed ones under ""), its samples.
    samples: HashMap<String, Vec<Sample>>,
    /// The slowest probe, send to answer: an invocation with a cold start.
    slowest: Duration,
    /// The slowest single connection to the target, from a worker.
    connect: Duration,
    answered: u32,
    first_error: Option<String>,
}

/// Probes every worker's clock `rounds` times, all workers at once each round.
async fn probe(client: &Client, f: &FanOut, shot: &Shot, rounds: u32) -> Probed {
    let call = serde_json::to_vec(&Call::Clock(ClockCall {
        target: Some(shot.target.clone()),
        endpoint_url: shot.target_endpoint_url.clone(),
    }))
    .unwrap_or_default();
    let mut p = Probed {
        samples: HashMap::new(),
        slowest: Duration::ZERO,
        connect: Duration::ZERO,
        answered: 0,
        first_error: None,
    };
    for _ in 0..rounds {
        let mut set = JoinSet::new();
        for _ in 0..f.workers {
            let (client, function, call) = (client.clone(), f.function.clone(), call.clone());
            set.spawn(async move {
                let (sent_us, began) = (wall_now_us(), Instant::now());
                let invoked = invoke(&client, &function, call).await;
                (sent_us, wall_now_us(), began.elapsed(), invoked)
            });
        }
        while let Some(joined) = set.join_next().await {
            let Ok((sent_us, received_us, took, invoked)) = joined else {
                continue;
            };
            let answer = match invoked {
                Invoked::Answer(bytes) => serde_json::from_slice::<ClockAnswer>(&bytes).map_err(|e| {
                    format!("the clock probe's answer is not the burst worker's ({e}); is --worker thaw's burst worker?")
                }),
                other => Err(describe(&other)),
            };
            match answer {
                Ok(a) => {
                    p.answered += 1;
                    p.slowest = p.slowest.max(took);
                    p.connect = p
                        .connect
                        .max(Duration::from_micros(a.connect_us.unwrap_or(0)));
                    if let (Some(e), None) = (&a.error, &p.first_error) {
                        p.first_error =
                            Some(format!("a worker could not connect to the target: {e}"));
                    }
                    p.samples
                        .entry(a.env.unwrap_or_default())
                        .or_default()
                        .push(Sample {
                            sent_us,
                            worker_us: a.now_us,
                            received_us,
                        });
                }
                Err(e) => {
                    p.first_error.get_or_insert(e);
                }
            }
        }
    }
    p
}

/// One line for an invocation that did not answer.
fn describe(invoked: &Invoked) -> String {
    match invoked {
        Invoked::Answer(_) => "answered".into(),
        Invoked::Throttled(m) => format!("throttled: {m}"),
        Invoked::FunctionError(t, m) => format!("{t}: {m}"),
        Invoked::Failed(m) => m.clone(),
    }
}

/// The lead the probes call for: the slowest invocation (a cold start among them) and a
/// share's connects, with room to spare.
fn measured_lead(p: &Probed, share: u64) -> Duration {
    let batches = u32::try_from(share.div_ceil(CONNECT_BATCH).max(1)).unwrap_or(u32::MAX);
    (p.slowest + p.connect * batches).mul_f64(LEAD_FACTOR) + LEAD_MARGIN
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
    let instant_us = fanout::release_at(wall_now_us(), lead, fleet);
    on_event(Event::new(
        clock.stamp(),
        EventKind::BurstStarted {
            plan: plan.clone(),
            target: shot.target.clone(),
        },
    ));
    let burst_id = format!("{instant_us:x}");
    let body_b64 = base64::engine::general_purpose::STANDARD.encode(&shot.spec.body);
    let jobs: Vec<Job> = shares
        .iter()
        .enumerate()
        .map(|(i, &requests)| Job {
            burst: burst_id.clone(),
            worker: u32::try_from(i).unwrap_or(u32::MAX),
            target: shot.target.clone(),
            endpoint_url: shot.target_endpoint_url.clone(),
            sigv4_service: shot.sigv4_service.clone(),
            method: shot.spec.method.clone(),
            headers: shot.spec.headers.clone(),
            body_b64: body_b64.clone(),
            requests,
            release_at_us: instant_us.saturating_add(fleet.offset_us),
            timeout_ms: u64::try_from(shot.spec.timeout.as_millis()).unwrap_or(u64::MAX),
        })
        .collect();
    let bound = lead + shot.spec.timeout + Duration::from_secs(60);
    let invoked = fire(client, &f.function, &jobs, bound).await;
    let mut workers = Vec::with_capacity(jobs.len());
    let mut observations = Vec::new();
    for (worker, result) in invoked {
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

/// Invokes every worker at once (every payload is ready before the first goes), each
/// given up after `bound`; the answers in worker order.
async fn fire(
    client: &Client,
    function: &LambdaTarget,
    jobs: &[Job],
    bound: Duration,
) -> Vec<(u32, Invoked)> {
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
            let invoked = tokio::time::timeout(bound, invoke(&client, &function, payload))
                .await
                .unwrap_or_else(|_| {
                    Invoked::Failed(format!("no answer within {} s", bound.as_secs()))
                });
            (worker, invoked)
        });
    }
    let mut invoked = Vec::with_capacity(jobs.len());
    while let Some(joined) = set.join_next().await {
        if let Ok(one) = joined {
            invoked.push(one);
        }
    }
    invoked.sort_by_key(|(w, _)| *w);
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
    report.message.clone_from(&answer.error);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fan(workers: u32) -> FanOut {
        FanOut {
            workers,
            function: LambdaTarget::parse("lambda:w")
                .ok()
                .flatten()
                .expect("a lambda target"),
            endpoint_url: None,
            region: None,
            profile: None,
            lead: None,
        }
    }

    fn shot(requests: u64, headers: &[(&str, &str)]) -> Shot {
        Shot {
            target: "https://example.com/".into(),
            target_endpoint_url: None,
            sigv4_service: None,
            spec: RequestSpec {
                headers: headers
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                    .collect(),
                ..RequestSpec::default()
            },
            requests,
        }
    }

    #[test]
    fn shares_must_fit_a_worker_and_no_credential_travels() {
        assert_eq!(fan(4).check(&shot(1_000, &[])), Ok(vec![250; 4]));
        let err = fan(2).check(&shot(10_000, &[])).expect_err("5,000 each");
        assert!(err.contains("--fan-out 10 or more"), "{err}");
        assert!(fan(0).check(&shot(1, &[])).is_err());
        for (h, v) in [
            ("Authorization", "Bearer abc"),
            ("x-api-key", "k"),
            ("Cookie", "s=1"),
        ] {
            let err = fan(2).check(&shot(10, &[(h, v)])).expect_err(h);
            assert!(err.contains(h) && err.contains("--sigv4"), "{err}");
        }
        assert!(fan(2).check(&shot(10, &[("Accept", "text/plain")])).is_ok());
    }

    #[test]
    fn the_lead_covers_the_slowest_start_and_the_connect_batches() {
        let p = Probed {
            samples: HashMap::new(),
            slowest: Duration::from_millis(200),
            connect: Duration::from_millis(10),
            answered: 3,
            first_error: None,
        };
        // 300 requests connect in two batches of 256.
        assert_eq!(measured_lead(&p, 300), Duration::from_millis(430));
        assert_eq!(measured_lead(&p, 0), Duration::from_millis(415));
    }

    #[test]
    fn a_worker_answer_settles_as_its_outcome() {
        let job = Job {
            burst: "b".into(),
            worker: 1,
            target: "https://example.com/".into(),
            endpoint_url: None,
            sigv4_service: None,
            method: "GET".into(),
            headers: Vec::new(),
            body_b64: String::new(),
            requests: 5,
            release_at_us: 0,
            timeout_ms: 1_000,
        };
        let fleet = Offset {
            offset_us: 0,
            uncertainty_us: 100,
        };
        let none = HashMap::new();
        let cases = [
            (Invoked::Throttled("Rate exceeded".into()), WorkerOutcome::Throttled),
            (
                Invoked::FunctionError("Sandbox.Timedout".into(), "Task timed out after 3.00 seconds".into()),
                WorkerOutcome::TimedOut,
            ),
            (
                Invoked::FunctionError("Runtime.ExitError".into(), "exit status 3".into()),
                WorkerOutcome::Crashed,
            ),
            (Invoked::Answer(b"{}".to_vec()), WorkerOutcome::Failed),
            (
                Invoked::Answer(
                    br#"{"burst":"b","worker":1,"zero_wall_us":5,"missed_by_us":900000,"error":"late"}"#.to_vec(),
                ),
                WorkerOutcome::Late,
            ),
            (
                Invoked::Answer(
                    br#"{"burst":"b","worker":1,"zero_wall_us":1000,"release_start_us":20,"release_end_us":70}"#.to_vec(),
                ),
                WorkerOutcome::Released,
            ),
        ];
        for (invoked, outcome) in cases {
            let (r, _) = settle(&job, invoked, &none, fleet, 1_000, 0);
            assert_eq!(r.outcome, outcome, "{r:?}");
            if outcome == WorkerOutcome::Released {
                assert_eq!((r.lateness_us, r.release_us), (Some(20), Some(50)));
            } else {
                assert!(r.message.is_some(), "{r:?}");
            }
        }
    }
}
