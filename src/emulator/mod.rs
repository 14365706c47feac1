//! The embedded Lambda emulator: a model of the Lambda service behind an API Gateway
//! front, over real HTTP on loopback.
//!
//! ```text
//!  HTTP ──▶ gateway (front status codes, integration timeout)
//!              │ Msg::Invoke + oneshot
//!              ▼
//!          platform task ── owns ──▶ Core (pool, builtin handler, timers, metrics, logs)
//!              │ Effects
//!              ├──▶ reply to the waiting request
//!              └──▶ Events ──▶ EventSink (the app's one channel)
//! ```

pub mod builtin;
pub mod core;
pub mod front;
pub mod gateway;
pub mod logs;
pub mod memory;
pub mod metrics;
pub mod pool;
pub mod process;
pub mod proxy;
pub mod runtime_api;
pub mod token_bucket;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::command::EmulatorCommand;
use crate::config::{EmulatorConfig, Handler};
use crate::event::Event;
use crate::event::EventSink;

use self::builtin::InvokeParams;
use self::core::{Core, Effect, Reply, Ticket};
use self::gateway::GatewaySettings;
use self::process::{ProcMsg, Processes};

/// What the gateway (and the app) send to the platform task.
#[derive(Debug)]
pub enum Msg {
    Invoke {
        params: InvokeParams,
        reply: oneshot::Sender<Reply>,
    },
    Command(EmulatorCommand),
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error(
        "cannot listen on {addr}: {source}; choose another port (--port, or 0 for any free one)"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A running emulator. Dropping it without [`Emulator::shutdown`] aborts its tasks.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    platform: mpsc::Sender<Msg>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Emulator {
    /// Binds the gateway and starts the platform. Provisioned environments begin their
    /// Init at once.
    pub async fn start(
        cfg: EmulatorConfig,
        clock: Clock,
        sink: EventSink,
    ) -> Result<Self, EmulatorError> {
        let wanted = SocketAddr::new(cfg.bind, cfg.port);
        let listener = TcpListener::bind(wanted)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: wanted,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: wanted,
                source,
            })?;
        let settings = GatewaySettings {
            front: cfg.front,
            integration_timeout: cfg.integration_timeout(),
            lambda_throttle_status: cfg.lambda_throttle_status,
            full_request: cfg.handler == Handler::Process,
        };
        let (proc_tx, proc_rx) = mpsc::unbounded_channel();
        let processes = (cfg.handler == Handler::Process).then(|| Processes::new(&cfg, proc_tx));
        let mut core = Core::new(cfg, clock.at(Duration::ZERO).wall_us);
        core.set_observed(sink.is_observed());
        let (platform, rx) = mpsc::channel(16_384);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let platform_task = Platform {
            core,
            clock,
            sink,
            processes,
            waiting: HashMap::new(),
        };
        let tasks = vec![
            tokio::spawn(platform_task.run(rx, proc_rx, shutdown_rx.clone())),
            tokio::spawn(gateway::serve(
                listener,
                platform.clone(),
                settings,
                shutdown_rx,
            )),
        ];
        Ok(Self {
            addr,
            platform,
            shutdown,
            tasks,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The gateway's base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends a control command; ignored once the emulator stopped.
    pub async fn command(&self, cmd: EmulatorCommand) {
        let _ = self.platform.send(Msg::Command(cmd)).await;
    }

    /// Stops accepting, ends every connection and the platform, and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// How many queued messages the platform takes before it runs its timers again.
const BATCH: usize = 256;

/// The platform task: the only owner of the [`Core`] (and of the environments'
/// processes, with the `process` handler).
struct Platform {
    core: Core,
    clock: Clock,
    sink: EventSink,
    processes: Option<Processes>,
    waiting: HashMap<Ticket, oneshot::Sender<Reply>>,
}

impl Platform {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Msg>,
        mut proc_rx: mpsc::UnboundedReceiver<ProcMsg>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let clock = self.clock;
        let mut next_ticket: Ticket = 0;
        let mut effects = Vec::new();
        self.core.start(clock.now(), &mut effects);
        self.dispatch(&mut effects);

        let far = || clock.instant(clock.now() + Duration::from_secs(86_400));
        let sleep = tokio::time::sleep_until(far());
        tokio::pin!(sleep);
        loop {
            let wake = self
                .core
                .next_deadline()
                .map_or_else(far, |d| clock.instant(d));
            if sleep.deadline() != wake {
                sleep.as_mut().reset(wake);
            }
            tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                msg = rx.recv() => {
                    let Some(msg) = msg else { break };
                    let mut handle = |msg: Msg, p: &mut Self, effects: &mut Vec<Effect>| match msg {
                        Msg::Invoke { params, reply } => {
                            let ticket = next_ticket;
                            next_ticket += 1;
                            p.waiting.insert(ticket, reply);
                            p.core.invoke(clock.now(), ticket, params, effects);
                        }
                        Msg::Command(cmd) => p.core.command(clock.now(), &cmd, effects),
                    };
                    handle(msg, &mut self, &mut effects);
                    for _ in 1..BATCH {
                        let Ok(msg) = rx.try_recv() else { break };
                        handle(msg, &mut self, &mut effects);
                    }
                }
                Some(msg) = proc_rx.recv() => {
                    let now = clock.now();
                    let (key, epoch) = msg.source();
                    let current = self.processes.as_ref().is_some_and(|p| p.is_current(key, epoch));
                    // A spawn that failed has no process but its exit still counts.
                    let failed_spawn = matches!(&msg, ProcMsg::Exited { .. })
                        && self.processes.as_ref().is_some_and(|p| !p.has(key));
                    if !current && !failed_spawn {
                        // From a process already replaced (after a timeout) or killed.
                        continue;
                    }
                    match msg {
                        ProcMsg::Runtime { key, serial, msg, .. } => {
                            // Measured now: the REPORT of an answer carries the real peak.
                            let peak = self.processes.as_ref().and_then(|p| p.peak_memory_mb(key));
                            self.core.runtime(now, key, serial, msg, peak, &mut effects);
                        }
                        ProcMsg::Output { key, serial, line, .. } => {
                            self.core.output(now, key, serial, line, &mut effects);
                        }
                        ProcMsg::Exited { key, serial, .. } => {
                            self.core.exited(now, key, serial, &mut effects);
                        }
                    }
                }
                () = &mut sleep => {}
            }
            self.core.advance(clock.now(), &mut effects);
            self.dispatch(&mut effects);
        }
        // Dropping the processes kills them all.
        self.processes = None;
    }

    fn dispatch(&mut self, effects: &mut Vec<Effect>) {
        for effect in effects.drain(..) {
            match effect {
                Effect::Emit { at, kind } => self.sink.send(Event::new(self.clock.at(at), kind)),
                Effect::Respond { ticket, reply } => {
                    if let Some(tx) = self.waiting.remove(&ticket) {
                        // The caller may have given up (integration timeout, disconnect).
                        let _ = tx.send(reply);
                    }
                }
                Effect::Spawn {
                    key,
                    serial,
                    stream,
                    init_type,
                } => {
                    if let Some(p) = &mut self.processes {
                        p.spawn(key, serial, &stream, init_type);
                    }
                }
                Effect::Deliver {
                    key,
                    serial,
                    delivery,
                } => {
                    if let Some(p) = &mut self.processes {
                        p.deliver(key, serial, delivery);
                    }
                }
                Effect::Freeze { key, serial } => {
                    if let Some(p) = &mut self.processes {
                        p.freeze(key, serial);
                    }
                }
                Effect::Kill { key } => {
                    if let Some(p) = &mut self.processes {
                        p.kill(key);
                    }
                }
            }
        }
    }
}
