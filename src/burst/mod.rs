//! The load generator: plans (`plan`), the endpoint and request (`target`), the wire
//! (`http1`) and the execution of steps (`run`). Every request becomes one
//! [`EventKind::Request`] event, classified cold or warm on the way out.

pub mod conn;
pub mod http1;
pub mod plan;
pub mod run;
pub mod sigv4;
pub mod target;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::classify::Classifier;
use crate::event::{Clock, Event, EventKind};

pub use self::plan::{Plan, Step};
pub use self::run::StepReport;
pub use self::target::{RequestSpec, Target};

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
pub async fn run(
    plan: &Plan,
    target: Target,
    spec: RequestSpec,
    signer: Option<sigv4::Signer>,
    clock: Clock,
    mut on_event: impl FnMut(Event),
) -> Result<Vec<StepReport>, String> {
    let connector = conn::Connector::new(&target, &spec.extra_roots)?;
    if let Some(s) = &signer {
        // Fail before the first request if signing cannot work.
        s.request_bytes(&target, &spec)?;
    }
    let (tx, mut rx) = mpsc::channel(4096);
    let ctx = Arc::new(run::Ctx::new(target, spec, signer, connector, clock, tx));
    let steps = plan.steps.clone();
    let exec = AbortOnDrop(tokio::spawn(async move {
        let mut reports = Vec::with_capacity(steps.len());
        for step in &steps {
            reports.push(run::step(&ctx, step).await);
        }
        reports
    }));
    let mut classifier = Classifier::default();
    // Take observations in batches: one wake-up for many requests at high rates.
    let mut batch = Vec::with_capacity(256);
    while rx.recv_many(&mut batch, 256).await > 0 {
        for mut obs in batch.drain(..) {
            let ok = obs.error.is_none();
            obs.class = classifier.classify(obs.probe.as_ref(), obs.latency(), ok);
            let at = clock.at(Duration::from_micros(obs.end_us));
            on_event(Event::new(at, EventKind::Request(obs)));
        }
    }
    let mut exec = exec;
    Ok((&mut exec.0).await.unwrap_or_default())
}
