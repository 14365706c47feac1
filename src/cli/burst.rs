//! `thaw burst [URL]`: run a plan headless and print a summary. With no URL (or a URL
//! that is only a path, like `/?sleep_ms=1000`) it starts the embedded emulator
//! in-process and targets it.

use clap::Args;

use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;

use crate::burst::lambda::{InvocationType, LambdaTarget};
use crate::burst::{self, Plan, PlanError, RequestSpec, Target};
use crate::clock::Clock;
use crate::event::{Event, EventSink};
use crate::session::SessionError;
use crate::session::target::{self, Aim, Opened};
use crate::state::State;
use crate::stop::StopSignals;
use crate::summary::Summary;
use tokio::sync::mpsc::Receiver;

use super::headless::{Headless, Outputs};
use super::{Failure, GlobalArgs};

/// Exit status when requests failed (transport errors, throttles, error statuses).
pub const EXIT_REQUESTS_FAILED: u8 = 3;

pub use super::headless::Output;

#[derive(Debug, Args)]
pub struct BurstArgs {
    /// Endpoint (http://host:port/path), or lambda:NAME[:QUALIFIER] to invoke the
    /// function through the Lambda API. Omitted, or only a path: the embedded emulator
    pub url: Option<String>,
    /// lambda:NAME targets: the Lambda API's endpoint, e.g. a running `thaw emulate`
    /// [default: `https://lambda.REGION.amazonaws.com`]
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// lambda:NAME targets: how to invoke
    #[arg(long, value_enum, default_value_t = InvocationType::RequestResponse)]
    pub invocation_type: InvocationType,
    /// Request body (lambda:NAME: the event) from FILE
    #[arg(long, value_name = "FILE", conflicts_with = "data")]
    pub payload_file: Option<std::path::PathBuf>,
    /// Record every event (JSON Lines) to FILE; play it with thaw replay
    #[arg(long, value_name = "FILE")]
    pub record: Option<std::path::PathBuf>,
    /// Write an HTML report of the run to FILE at the end (as thaw report makes)
    #[arg(long, value_name = "FILE")]
    pub report: Option<std::path::PathBuf>,
    /// The plan: 'parallel N', 'serial N [think 100ms]', 'ramp A B over 30s',
    /// 'rate R for 10s', 'keep-warm N every 5m [for 1h]', 'wait 2s'; stages joined by ';'
    #[arg(long, short, default_value = "parallel 50")]
    pub plan: String,
    /// HTTP method
    #[arg(long, short = 'X', default_value = "GET")]
    pub method: String,
    /// Extra header, 'Name: value' (repeatable)
    #[arg(long = "header", short = 'H', value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Request body
    #[arg(long, short)]
    pub data: Option<String>,
    /// Timeout of each request, from sending it to the end of its response
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub timeout: String,
    /// Extra CA certificates (PEM) to trust for https:// besides the Mozilla roots
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// Sign requests with SigV4 (a function URL with IAM auth), credentials from the
    /// standard AWS chain (environment, profile, SSO, IMDS)
    #[arg(long)]
    pub sigv4: bool,
    /// Region to sign for [default: the endpoint's, else AWS_REGION or the profile's]
    #[arg(long)]
    pub region: Option<String>,
    /// Service name to sign for
    #[arg(
        long,
        default_value = "lambda",
        requires = "sigv4",
        value_name = "NAME"
    )]
    pub sigv4_service: String,
    /// Summary format on stdout: text, or json for scripts; csv prints one row per request
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    #[command(flatten)]
    pub fanout: super::fanout::FanOutArgs,
}

impl BurstArgs {
    pub(super) fn outputs(&self) -> Outputs<'_> {
        Outputs {
            record: self.record.as_ref(),
            report: self.report.as_ref(),
            output: self.output,
        }
    }
}

fn load_pem(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read --cacert '{shown}': {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--cacert '{shown}' is not PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "--cacert '{shown}' holds no certificate (expected PEM 'BEGIN CERTIFICATE')"
        ));
    }
    Ok(certs)
}

pub(super) struct Prepared {
    pub plan: Plan,
    /// The request as given, before a `lambda:` target makes it an Invoke.
    pub given: RequestSpec,
    /// What the run fires at.
    aim: Aim,
    /// Invoking through the Lambda API.
    pub lambda: Option<LambdaTarget>,
}

fn prepare(args: &BurstArgs) -> Result<Prepared, String> {
    let plan: Plan = args.plan.parse().map_err(|e: PlanError| e.to_string())?;
    let timeout = humantime::parse_duration(&args.timeout)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            format!(
                "--timeout '{}' is not a duration above 0, like 30s or 500ms",
                args.timeout
            )
        })?;
    let headers = args
        .headers
        .iter()
        .map(|h| RequestSpec::parse_header(h))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let body = match &args.payload_file {
        Some(path) => std::fs::read(path).map_err(|e| {
            format!(
                "cannot read --payload-file '{}': {e}; give a readable file",
                path.display()
            )
        })?,
        None => args.data.clone().unwrap_or_default().into_bytes(),
    };
    let spec = RequestSpec {
        method: RequestSpec::parse_method(&args.method).map_err(|e| e.to_string())?,
        headers,
        body,
        timeout,
        extra_roots: match &args.cacert {
            Some(path) => load_pem(path)?,
            None => Vec::new(),
        },
        latency_tells: true,
    };
    let lambda = match args.url.as_deref() {
        Some(url) => LambdaTarget::parse(url).map_err(|e| e.to_string())?,
        None => None,
    };
    if lambda.is_none() && args.endpoint_url.is_some() {
        return Err(
            "--endpoint-url is for lambda:NAME targets; for an HTTP endpoint give its URL".into(),
        );
    }
    // An endpoint is checked now, before anything starts; it is opened as the run starts
    // (session::target::open).
    if lambda.is_none()
        && let Some(url) = args.url.as_deref().filter(|u| !u.starts_with('/'))
    {
        Target::parse(url).map_err(|e| e.to_string())?;
    }
    let aim = Aim {
        url: args.url.clone(),
        endpoint_url: args.endpoint_url.clone(),
        region: args.region.clone(),
        invocation: args.invocation_type,
        sigv4: args.sigv4.then(|| args.sigv4_service.clone()),
        emulate: true,
    };
    Ok(Prepared {
        plan,
        given: spec,
        aim,
        lambda,
    })
}

pub async fn run(global: &GlobalArgs, args: BurstArgs) -> Result<u8, Failure> {
    let prepared = prepare(&args).map_err(Failure::Config)?;
    if let Some(fan) = args
        .fanout
        .resolve(args.region.clone())
        .map_err(Failure::Config)?
    {
        return super::fanout::run(global, fan, &args, prepared).await;
    }
    warn_about_open_files(&prepared);
    // Installed before the emulator starts, so a stop signal always shuts it down.
    let mut stop = StopSignals::new(true);
    let clock = Clock::start();
    let (
        Opened {
            target,
            spec,
            signer,
            emulator,
            shown,
            ..
        },
        emulator_events,
    ) = open(global, &prepared, clock).await?;
    // An aim with a URL, or the emulator, always has a target.
    let Some(target) = target else {
        return Err(Failure::Config("nothing to fire at".into()));
    };
    let mut run = Headless::start(&args.outputs(), &shown, &prepared.plan, clock)?;
    // The emulator's own events (lifecycle, logs, metrics): recorded, and folded apart
    // for what the platform did (a REST API's 500s that were Lambda throttles). A
    // recording takes them as they come, in time order; otherwise they wait in the
    // channel and are folded after the run, so the fold takes no core from the release.
    let (mut platform, mut waiting) = (None, None);
    match (emulator_events, run.tee()) {
        (Some(rx), Some(tee)) => platform = Some(tokio::spawn(fold_platform(rx, Some(tee)))),
        (rx, _) => waiting = rx,
    }
    let fired = burst::run(&prepared.plan, target, spec, signer, clock, |event| {
        run.observe(event);
    });
    let steps = tokio::select! {
        steps = fired => steps.map_err(Failure::Config)?,
        signal = stop.next() => {
            eprintln!("\rthaw burst: stopped by {signal}; summary of what was done:");
            Vec::new()
        }
    };
    if let Some(rx) = waiting {
        platform = Some(tokio::spawn(fold_platform(rx, None)));
    }
    if let Some(e) = emulator {
        e.shutdown().await;
    }
    // The emulator is gone, so its channel closes and the fold ends.
    let platform = match platform {
        Some(task) => task.await.ok(),
        None => None,
    };
    let done = run.finish().await;
    let mut summary = Summary::new(&done.state, &shown, &prepared.plan.to_string(), &steps);
    if let Some(p) = &platform {
        summary = summary.with_platform(p);
    }
    done.conclude(args.output, &summary, true)
}

/// Folds the embedded emulator's events (teeing them to the recording, if any) until it
/// stops.
async fn fold_platform(
    mut rx: tokio::sync::mpsc::Receiver<crate::event::Event>,
    tee: Option<crate::record::write::Tee>,
) -> State {
    let mut state = State::new();
    while let Some(e) = rx.recv().await {
        state.apply(&e);
        if let Some(t) = &tee {
            t.record(e);
        }
    }
    state
}

/// Raises the open-file limit and says what to change when the plan needs more.
fn warn_about_open_files(prepared: &Prepared) {
    let limit = super::raise_open_file_limit();
    let sockets = u64::from(prepared.plan.max_connections());
    // In-process, the emulator holds the other end of every connection.
    let needed = if prepared.aim.embedded() {
        2 * sockets
    } else {
        sockets
    } + 64;
    if needed > limit {
        eprintln!(
            "thaw burst: warning: this plan needs about {needed} open files and the limit is {limit}; \
             raise the hard limit (ulimit -Hn) or, for the emulator, run `thaw emulate` separately \
             and pass its URL (each process then needs half)"
        );
    }
}

/// The target, opened, and the embedded emulator's events when it started one.
async fn open(
    global: &GlobalArgs,
    prepared: &Prepared,
    clock: Clock,
) -> Result<(Opened, Option<Receiver<Event>>), Failure> {
    // Room for a 10,000-request burst's lifecycle and log events, drained as they come.
    let (sink, events) = EventSink::channel(1 << 18);
    let config = || {
        let layers = global.layers(Vec::new())?;
        crate::config::load(&layers)
            .map(|c| c.emulator)
            .map_err(|e| e.to_string())
    };
    let mut opened = target::open(&prepared.aim, prepared.given.clone(), config, clock, &sink)
        .await
        .map_err(|e| match e {
            SessionError::Emulator(e) => Failure::Run(e.to_string()),
            e => Failure::Config(e.to_string()),
        })?;
    if opened.emulator.is_some() {
        opened.shown = format!("{} (embedded emulator)", opened.shown);
    }
    let events = opened.emulator.is_some().then_some(events);
    Ok((opened, events))
}
