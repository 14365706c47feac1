//! The command side of the live app: turns [`Command`]s from the UI into burst runs and
//! emulator control. Runs are sources like any other: their requests come back as
//! [`Event`]s through the sink, never as return values.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::fanout::{FanOut, Shot};
use crate::burst::{self, InputError, Plan, RequestSpec, Target};
use crate::clock::Clock;
use crate::command::Command;
use crate::emulator::Emulator;
use crate::event::{BurstFinished, Event, EventKind};

use crate::event::EventSink;

/// The source name its errors carry.
const SOURCE: &str = "burst";

/// Which of the two run slots a plan occupies: one burst at a time, and keep-warm
/// alongside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    Burst,
    KeepWarm,
}

struct Running {
    plan: Plan,
    sleep_ms: u32,
    task: JoinHandle<()>,
}

/// Handle to the control task.
pub struct Control {
    tx: mpsc::UnboundedSender<Command>,
    task: JoinHandle<()>,
}

impl Control {
    /// Starts the control task for `target` (the emulator's gateway when `emulator` is
    /// given, which it then owns and shuts down at the end). Without a target the app
    /// only watches, and a fire says how to give it one.
    pub fn spawn(
        target: Option<Target>,
        spec: RequestSpec,
        clock: Clock,
        sink: EventSink,
        emulator: Option<Emulator>,
    ) -> Self {
        Self::launch(Controller::new(target, spec, clock, sink, emulator))
    }

    /// The same, with every `parallel N` burst fanned out over Lambda workers (the
    /// other plans, keep-warm among them, still fire from here).
    pub fn spawn_fanned_out(
        target: Target,
        clock: Clock,
        sink: EventSink,
        emulator: Option<Emulator>,
        fanout: (FanOut, aws_sdk_lambda::Client),
    ) -> Self {
        let mut c = Controller::new(Some(target), RequestSpec::default(), clock, sink, emulator);
        c.fanout = Some(Arc::new(fanout));
        Self::launch(c)
    }

    fn launch(c: Controller) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(c.run(rx));
        Self { tx, task }
    }

    /// The same for a function invoked through the Lambda API (`lambda:NAME`): every run
    /// is signed with `signer`, and a run's hold (`sleep_ms`) goes into the payload.
    pub fn spawn_lambda(
        target: Target,
        spec: RequestSpec,
        signer: burst::sigv4::Signer,
        clock: Clock,
        sink: EventSink,
    ) -> Self {
        let mut c = Controller::new(Some(target), spec, clock, sink, None);
        c.signer = Some(signer);
        Self::launch(c)
    }

    /// Queues a command; ignored once the task ended.
    pub fn send(&self, cmd: Command) {
        let _ = self.tx.send(cmd);
    }

    /// Another way in, for whoever routes a session's commands.
    pub fn sender(&self) -> mpsc::UnboundedSender<Command> {
        self.tx.clone()
    }

    /// Stops every run and the emulator, and waits for them.
    pub async fn shutdown(self) {
        let _ = self.tx.send(Command::Quit);
        let _ = self.task.await;
    }
}

struct Controller {
    target: Option<Target>,
    spec: RequestSpec,
    clock: Clock,
    sink: EventSink,
    emulator: Option<Emulator>,
    running: HashMap<Slot, Running>,
    /// Keep-warm's plan and sleep while paused, restarted on resume.
    paused_keep_warm: Option<(Plan, u32)>,
    paused: bool,
    /// Invoking through the Lambda API: each run signs its own requests.
    signer: Option<burst::sigv4::Signer>,
    /// Parallel bursts go through these workers.
    fanout: Option<Arc<(FanOut, aws_sdk_lambda::Client)>>,
}

impl Controller {
    fn new(
        target: Option<Target>,
        spec: RequestSpec,
        clock: Clock,
        sink: EventSink,
        emulator: Option<Emulator>,
    ) -> Self {
        Self {
            target,
            spec,
            clock,
            sink,
            emulator,
            running: HashMap::new(),
            paused_keep_warm: None,
            paused: false,
            signer: None,
            fanout: None,
        }
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        while let Some(cmd) = rx.recv().await {
            self.reap();
            match cmd {
                Command::Fire { plan, sleep_ms } => {
                    if self.paused {
                        self.error("paused: press p to resume before firing");
                    } else if let Some(r) = self.running.get(&Slot::Burst) {
                        let msg = format!("'{}' is still running: x stops it", r.plan);
                        self.error(&msg);
                    } else {
                        self.start(Slot::Burst, plan, sleep_ms);
                    }
                }
                Command::KeepWarm { plan, sleep_ms } => {
                    self.stop(Slot::KeepWarm);
                    self.paused_keep_warm = None;
                    if let Some(plan) = plan {
                        if self.paused {
                            self.paused_keep_warm = Some((plan, sleep_ms));
                        } else {
                            self.start(Slot::KeepWarm, plan, sleep_ms);
                        }
                    }
                }
                Command::Stop => self.stop(Slot::Burst),
                Command::SetPaused { paused } => self.set_paused(paused),
                // Clear is an event, so the fold does it and a recording keeps it.
                Command::Clear => self
                    .sink
                    .send(Event::new(self.clock.stamp(), EventKind::Cleared)),
                Command::Replay(_) | Command::Sizing => {}
                Command::Emulator(cmd) => match &self.emulator {
                    Some(e) => e.command(cmd).await,
                    None => self.error("the target is not the embedded emulator"),
                },
                Command::Quit => break,
            }
        }
        self.stop(Slot::Burst);
        self.stop(Slot::KeepWarm);
        if let Some(e) = self.emulator.take() {
            e.shutdown().await;
        }
    }

    fn error(&self, message: &str) {
        self.sink.error(&self.clock, SOURCE, message);
    }

    /// What the runs are doing, shown on the screen with the other sources' status.
    fn notice(&self, message: &str) {
        self.sink.status(&self.clock, SOURCE, message);
    }

    /// Forgets runs that ended on their own.
    fn reap(&mut self) {
        self.running.retain(|_, r| !r.task.is_finished());
    }

    fn start(&mut self, slot: Slot, plan: Plan, sleep_ms: u32) {
        let Some(target) = &self.target else {
            return self.error(
                "nothing to fire at: this session only watches; pass --url ENDPOINT to fire",
            );
        };
        let mut spec = self.spec.clone();
        let signer = self.signer.as_ref().map(burst::sigv4::Signer::fresh);
        let target = if signer.is_some() {
            // Through the Lambda API the function's event says how long to hold.
            if sleep_ms > 0 {
                spec.body = format!("{{\"sleep_ms\": {sleep_ms}}}").into_bytes();
            }
            target.clone()
        } else {
            match with_sleep(target, sleep_ms) {
                Ok(t) => t,
                Err(e) => return self.error(&e.to_string()),
            }
        };
        let running = plan.clone();
        let clock = self.clock;
        let sink = self.sink.clone();
        let errors = self.sink.clone();
        let fanout = match (&self.fanout, slot) {
            (Some(f), Slot::Burst) => {
                let n = plan.single_parallel();
                if n.is_none() {
                    // A fan-out splits one release; anything else fires from here, and
                    // says so.
                    self.notice(&format!(
                        "'{plan}' fires from this machine: only a 'parallel N' burst fans out over the workers"
                    ));
                }
                n.map(|n| (f.clone(), n))
            }
            _ => None,
        };
        let task = tokio::spawn(async move {
            let result = match fanout {
                Some((f, n)) => {
                    let (fan, client) = &*f;
                    let fired = Shot {
                        target: target.url.clone(),
                        target_endpoint_url: None,
                        sigv4_service: None,
                        spec,
                        requests: u64::from(n),
                    };
                    super::fanout::run(fan, &fired, client, clock, |e| sink.send(e))
                        .await
                        .map(|_| Vec::new())
                }
                None => burst::run(&plan, target, spec, signer, clock, |e| sink.send(e)).await,
            };
            if let Err(message) = result {
                errors.send(Event::new(
                    clock.stamp(),
                    EventKind::SourceError {
                        source: SOURCE.into(),
                        message,
                    },
                ));
            }
        });
        self.running.insert(
            slot,
            Running {
                plan: running,
                sleep_ms,
                task,
            },
        );
    }

    /// Aborts a run; its requests in flight are abandoned and the plan reported stopped.
    fn stop(&mut self, slot: Slot) {
        let Some(r) = self.running.remove(&slot) else {
            return;
        };
        if r.task.is_finished() {
            return;
        }
        r.task.abort();
        self.sink.send(Event::new(
            self.clock.stamp(),
            EventKind::BurstFinished(BurstFinished {
                plan: r.plan.to_string(),
                requests: 0,
                release_spread_us: None,
                late_starts: 0,
                stopped: true,
            }),
        ));
    }

    fn set_paused(&mut self, paused: bool) {
        if paused == self.paused {
            return;
        }
        self.paused = paused;
        if paused {
            if let Some(r) = self.running.get(&Slot::KeepWarm) {
                self.paused_keep_warm = Some((r.plan.clone(), r.sleep_ms));
            }
            self.stop(Slot::KeepWarm);
        } else if let Some((plan, sleep_ms)) = self.paused_keep_warm.take() {
            self.start(Slot::KeepWarm, plan, sleep_ms);
        }
    }
}

/// The target with `sleep_ms=N` in its query (the function's duration), or unchanged for 0.
fn with_sleep(target: &Target, sleep_ms: u32) -> Result<Target, InputError> {
    if sleep_ms == 0 {
        return Ok(target.clone());
    }
    let sep = if target.url.contains('?') { '&' } else { '?' };
    Target::parse(&format!("{}{sep}sleep_ms={sleep_ms}", target.url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_goes_into_the_query() {
        let t = Target::parse("http://127.0.0.1:9/fn").unwrap();
        assert_eq!(with_sleep(&t, 0).unwrap().path, "/fn");
        assert_eq!(with_sleep(&t, 250).unwrap().path, "/fn?sleep_ms=250");
        let q = Target::parse("http://127.0.0.1:9/fn?a=1").unwrap();
        assert_eq!(with_sleep(&q, 5).unwrap().path, "/fn?a=1&sleep_ms=5");
    }
}
