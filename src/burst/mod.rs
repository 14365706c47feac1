//! The load generator: the endpoint and request (`target`), the wire
//! (`http1`) and the execution of steps (`run`). Every request becomes one
//! [`EventKind::Request`] event, classified cold or warm on the way out.

pub mod conn;
pub mod fanout;
pub mod http1;
pub mod lambda;
pub mod release;
pub mod run;
pub mod sigv4;
pub mod target;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::classify::Classifier;
use crate::clock::Clock;
use crate::event::{BurstFinished, Event, EventKind};

pub use self::run::StepReport;
pub use self::target::{InputError, RequestSpec, Target};
pub use crate::plan::{Plan, PlanError, Step};

const COLLECT_EVERY: Duration = Duration::from_millis(2);
/// The in-flight gauge is reported at most this often.
pub const GAUGE_EVERY: Duration = Duration::from_millis(50);

/// Aborts the spawned task when dropped (a run cancelled by Ctrl-C stops its requests).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `plan` against `target`, calling `on_event` with each request's event (in order of
/// completion) and returning what each step did. Fails only when the TLS setup is unusable.
///
/// With a `signer`, every request is signed with SigV4 (re-signed each minute).
///
/// The run begins with [`EventKind::BurstStarted`] and ends with
/// [`EventKind::BurstFinished`] unless dropped; in between, its requests started and not
/// yet answered are reported as [`EventKind::ClientInFlight`] when they change, at most
/// every [`GAUGE_EVERY`] and at once when answers were passed on: the figure is requests
/// started less the answers already sent, so it never disagrees with the events before it.
pub async fn run(
    plan: &Plan,
    target: Target,
    spec: RequestSpec,
    signer: Option<sigv4::Signer>,
    clock: Clock,
    on_event: impl FnMut(Event),
) -> Result<Vec<StepReport>, String> {
    run_released_at(plan, target, spec, signer, clock, None, on_event).await
}

/// [`run`], with every parallel step released at `at` once connected (a fan-out worker's
/// share: its connections open ahead, its writes on the instant shared with the others).
/// A step connected only after `at` releases at once, and its report says when.
pub async fn run_released_at(
    plan: &Plan,
    target: Target,
    spec: RequestSpec,
    signer: Option<sigv4::Signer>,
    clock: Clock,
    at: Option<std::time::Instant>,
    mut on_event: impl FnMut(Event),
) -> Result<Vec<StepReport>, String> {
    let connector = conn::Connector::new(&target, &spec.extra_roots)?;
    if let Some(s) = &signer {
        // Fail before the first request if signing cannot work.
        s.request_bytes(&target, &spec)?;
    }
    let infer = spec.latency_tells;
    let plan_text = plan.to_string();
    on_event(Event::new(
        clock.stamp(),
        EventKind::BurstStarted {
            plan: plan_text.clone(),
            target: target.url.clone(),
        },
    ));
    let (tx, mut rx) = mpsc::channel(8192);
    let started = Arc::new(AtomicU32::new(0));
    let ctx = Arc::new(
        run::Ctx::new(target, spec, signer, connector, clock, tx, started.clone()).released_at(at),
    );
    let steps = plan.steps.clone();
    let exec = AbortOnDrop(tokio::spawn(async move {
        let mut reports = Vec::with_capacity(steps.len());
        for step in &steps {
            reports.push(run::step(&ctx, step).await);
        }
        reports
    }));
    let mut classifier = Classifier::default();
    // Collect on a tick rather than on each send: a receiver waiting on the channel is
    // woken (a futex call on another thread) by every request, which at closed-loop rates
    // costs more than the request itself. Nobody sees a 2 ms delay.
    let mut tick = tokio::time::interval(COLLECT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut open = true;
    // The first change is reported at once.
    let start = tokio::time::Instant::now();
    let (mut shown, mut shown_at) = (0, start.checked_sub(GAUGE_EVERY).unwrap_or(start));
    let mut answered: u32 = 0;
    while open {
        tick.tick().await;
        let before = answered;
        loop {
            match rx.try_recv() {
                Ok(mut obs) => {
                    let ok = obs.error.is_none();
                    if obs.class.is_none() && infer {
                        obs.class = classifier.classify(obs.probe.as_ref(), obs.latency(), ok);
                    }
                    let at = clock.at(Duration::from_micros(obs.end_us));
                    on_event(Event::new(at, EventKind::Request(obs)));
                    answered = answered.wrapping_add(1);
                }
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        let now = started.load(Ordering::Relaxed).wrapping_sub(answered);
        if now != shown && (answered != before || shown_at.elapsed() >= GAUGE_EVERY) {
            (shown, shown_at) = (now, tokio::time::Instant::now());
            on_event(Event::new(
                clock.stamp(),
                EventKind::ClientInFlight {
                    plan: plan_text.clone(),
                    in_flight: now,
                },
            ));
        }
    }
    let mut exec = exec;
    let reports = (&mut exec.0).await.unwrap_or_default();
    on_event(Event::new(
        clock.stamp(),
        EventKind::BurstFinished(finished(plan_text, &reports)),
    ));
    Ok(reports)
}

/// What a plan did beyond its requests, from its steps' reports.
fn finished(plan: String, reports: &[StepReport]) -> BurstFinished {
    BurstFinished {
        plan,
        requests: reports.iter().map(|r| r.requests).sum(),
        release_spread_us: reports
            .iter()
            .filter_map(|r| r.release_spread)
            .max()
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
        late_starts: reports.iter().map(|r| r.late_starts).sum(),
        stopped: false,
    }
}
