//! `thaw burst URL -p 'parallel N' --fan-out W`: the burst released by W Lambda workers
//! at one instant (`sources::fanout`), previewed before anything is invoked (the
//! invocations, the concurrency they take, what they cost), then summarised and recorded
//! like any burst.

use std::time::Duration;

use clap::Args;

use super::burst::{BurstArgs, Prepared};
use super::headless::Headless;
use super::{Failure, GlobalArgs};
use crate::burst::StepReport;
use crate::burst::lambda::{InvocationType, LambdaTarget};
use crate::clock::Clock;
use crate::config::PricingConfig;
use crate::event::{FunctionConfig, WorkerOutcome};
use crate::sources::fanout::{self, FanOut, PROBE_ROUNDS, Shot};
use crate::stop::StopSignals;
use crate::summary::Summary;

/// `--fan-out W` and what goes with it, for `thaw burst` and the screen.
#[derive(Debug, Args)]
pub struct FanOutArgs {
    /// Fan a 'parallel N' burst out over W Lambda workers (thaw's burst worker
    /// function), released at one instant: for bursts larger, or farther away, than one
    /// machine releases well
    #[arg(long, value_name = "W", help_heading = "Fan-out")]
    pub fan_out: Option<u32>,
    /// The burst worker function (assets/burst-worker deploys it)
    #[arg(
        long,
        value_name = "lambda:NAME",
        default_value = "lambda:thaw-burst-worker",
        help_heading = "Fan-out"
    )]
    pub worker: String,
    /// The workers' Lambda API, e.g. a running `thaw emulate`
    /// [default: `https://lambda.REGION.amazonaws.com`]
    #[arg(
        long,
        value_name = "URL",
        requires = "fan_out",
        help_heading = "Fan-out"
    )]
    pub worker_endpoint_url: Option<String>,
    /// How far ahead to set the release instant [default: measured from the workers'
    /// clock probes]
    #[arg(
        long,
        value_name = "DURATION",
        requires = "fan_out",
        help_heading = "Fan-out"
    )]
    pub lead: Option<String>,
}

impl FanOutArgs {
    /// The workers, when `--fan-out` asks for them.
    pub fn resolve(&self, region: Option<String>) -> Result<Option<FanOut>, String> {
        let Some(workers) = self.fan_out else {
            return Ok(None);
        };
        let function = LambdaTarget::parse(&self.worker)
            .map_err(|e| format!("--worker: {e}"))?
            .ok_or_else(|| {
                format!(
                    "--worker '{}' is not lambda:NAME; deploy assets/burst-worker and name its function",
                    self.worker
                )
            })?;
        let lead = match &self.lead {
            Some(raw) => Some(
                humantime::parse_duration(raw)
                    .map_err(|_| format!("--lead '{raw}' is not a duration, like 800ms or 2s"))?,
            ),
            None => None,
        };
        Ok(Some(FanOut {
            workers,
            function,
            endpoint_url: self.worker_endpoint_url.clone(),
            region,
            profile: None,
            lead,
        }))
    }
}

/// The fan-out as the flags describe it, checked before anything is invoked.
fn plan(fan: FanOut, args: &BurstArgs, prepared: &Prepared) -> Result<(FanOut, Shot), String> {
    let Some(n) = prepared.plan.single_parallel() else {
        return Err(format!(
            "--fan-out releases one parallel step, like -p 'parallel 5000'; '{}' is not one",
            prepared.plan
        ));
    };
    if prepared.lambda.is_some() && args.invocation_type != InvocationType::RequestResponse {
        return Err("--fan-out invokes lambda:NAME synchronously (RequestResponse): a worker reports each answer's environment; drop --invocation-type".into());
    }
    let target = match args.url.as_deref() {
        Some(u) if !u.starts_with('/') => u.to_string(),
        _ => {
            return Err("--fan-out needs the endpoint's URL (or lambda:NAME): the workers fire from Lambda, not from this machine's embedded emulator".into());
        }
    };
    let shot = Shot {
        target,
        target_endpoint_url: args.endpoint_url.clone(),
        sigv4_service: args.sigv4.then(|| args.sigv4_service.clone()),
        spec: prepared.given.clone(),
        requests: u64::from(n),
    };
    fan.check(&shot)?;
    Ok((fan, shot))
}

/// What the fan-out takes and costs, said before it is fired. Returns the worker's configuration, when Lambda told it.
async fn preview(
    fan: &FanOut,
    shot: &Shot,
    client: &aws_sdk_lambda::Client,
    p: &PricingConfig,
) -> Option<FunctionConfig> {
    let invocations = u64::from(fan.workers) * u64::from(PROBE_ROUNDS + 1);
    let share = shot.requests.div_ceil(u64::from(fan.workers.max(1)));
    let requests_usd = p.requests(invocations as f64);
    let region = fan.region.clone().unwrap_or_default();
    let described = crate::sources::function::describe(
        client,
        &fan.function.function,
        fan.function.qualifier.as_deref(),
        &region,
    )
    .await;
    let cost = match &described {
        Ok(c) => {
            let most = p.on_demand(
                invocations as f64 * f64::from(c.timeout_s) * 1000.0,
                f64::from(c.memory_mb),
                c.architecture == "arm64",
            );
            format!(
                " ({} MB {}, timeout {} s); ${requests_usd:.6} in requests plus their duration, at most ${:.4} if each ran to its timeout",
                c.memory_mb,
                c.architecture,
                c.timeout_s,
                requests_usd + most
            )
        }
        Err(e) => format!(
            "; ${requests_usd:.6} in requests plus their duration (its configuration is unknown: {})",
            e.message()
        ),
    };
    eprintln!(
        "thaw burst: fan-out over {} workers of {}{cost}",
        fan.workers,
        fan.name()
    );
    eprintln!(
        "thaw burst: {share} requests each; {} clock probes and {} burst invocations, {} of the account's concurrency while they run",
        invocations - u64::from(fan.workers),
        fan.workers,
        fan.workers
    );
    if let Ok(c) = &described
        && let Some(reserved) = c.reserved.filter(|r| *r < fan.workers)
    {
        eprintln!(
            "thaw burst: warning: the worker's reserved concurrency is {reserved}: {} of the {} workers will be throttled; raise it or lower --fan-out",
            fan.workers - reserved,
            fan.workers
        );
    }
    if let Ok(c) = &described
        && Duration::from_secs(u64::from(c.timeout_s)) < shot.spec.timeout + Duration::from_secs(2)
    {
        eprintln!(
            "thaw burst: warning: the worker's timeout ({} s) is shorter than the lead plus --timeout ({} s): a slow answer times the worker out and loses its share; raise the function's Timeout",
            c.timeout_s,
            shot.spec.timeout.as_secs()
        );
    }
    described.ok()
}

/// Runs the fan-out and prints the summary; the exit status says whether every request
/// was answered well and every worker released.
pub async fn run(
    global: &GlobalArgs,
    fan: FanOut,
    args: &BurstArgs,
    prepared: Prepared,
) -> Result<u8, Failure> {
    let (fan, shot) = plan(fan, args, &prepared).map_err(Failure::Config)?;
    let layers = global.layers(Vec::new()).map_err(Failure::Config)?;
    let config = crate::config::load(&layers)?;
    let client = fanout::client(&fan).await.map_err(Failure::Config)?;
    let worker_config = preview(&fan, &shot, &client, &config.pricing).await;
    let mut stop = StopSignals::new(true);
    let clock = Clock::start();
    let mut run = Headless::start(&args.outputs(), &shot.target, &prepared.plan, clock)?;
    let fired = fanout::run(&fan, &shot, &client, clock, |event| {
        run.observe(event);
    });
    let outcome = tokio::select! {
        r = fired => r.map(Some),
        signal = stop.next() => {
            eprintln!("\rthaw burst: stopped by {signal}; the workers finish their shares on their own");
            Ok(None)
        }
    };
    let done = run.finish().await;
    let report = outcome.map_err(|e| {
        Failure::Run(format!(
            "{e} (deploy the worker: README, 'Bursts beyond one machine')"
        ))
    })?;
    let plan = format!("parallel {} (fan-out {})", shot.requests, fan.workers);
    let steps = [StepReport {
        step: plan.clone(),
        requests: shot.requests,
        ..StepReport::default()
    }];
    let summary = Summary::new(&done.state, &shot.target, &plan, &steps);
    if let (Some(f), Some(c)) = (&summary.fanout, &worker_config)
        && let Some(gb_s) = f.gb_s()
    {
        let p = &config.pricing;
        let requests = p.requests(f64::from(f.invocations));
        let duration = gb_s * p.gb_s(c.architecture == "arm64").duration;
        eprintln!(
            "thaw burst: the workers cost about ${:.6}: {} invocations (${requests:.6}) and {gb_s:.2} GB-s at the {} rate (${duration:.6}), {} prices",
            requests + duration,
            f.invocations,
            c.architecture,
            p.region
        );
    }
    let all_released = report.is_some_and(|r| {
        r.workers
            .iter()
            .all(|w| w.outcome == WorkerOutcome::Released && w.carried == w.share)
    });
    done.conclude(args.output, &summary, all_released)
}
