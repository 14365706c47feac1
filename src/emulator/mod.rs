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

pub mod api;
pub mod async_queue;
pub mod builtin;
pub mod cloudwatch;
pub mod core;
pub mod front;
pub mod gateway;
pub mod logs;
pub mod memory;
pub mod metrics;
pub mod output;
pub mod pool;
pub mod process;
pub mod proxy;
pub mod runtime_api;
pub mod streaming;
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
use crate::event::{AsyncQueueStats, Event, EventKind, EventSink, InvokeOutcome};

use self::async_queue::{AsyncQueue, Attempt};

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
    Change(core::Change),
    /// A Lambda API control call, answered from the running model.
    Control {
        op: api::route::ControlOp,
        target: api::Resolved,
        body: bytes::Bytes,
        reply: oneshot::Sender<Result<front::Response, api::error::ApiError>>,
    },
    /// A CloudWatch Logs read call, answered from the function's log group.
    Logs {
        op: cloudwatch::LogsOp,
        body: bytes::Bytes,
        reply: oneshot::Sender<front::Response>,
    },
    /// An asynchronous invocation to queue: the reply is its request id, or `None` when
    /// the queue is full.
    Enqueue {
        params: InvokeParams,
        reply: oneshot::Sender<Option<String>>,
    },
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

/// Connections the gateway's socket holds before they are accepted: as many as the
/// kernel allows (`somaxconn`, 4096 on current Linux). A fanned-out burst connects
/// thousands at once; at the usual 128 the rest wait a second for a SYN retry, which a
/// real API Gateway never makes them do.
const BACKLOG: u32 = 4096;

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

impl Emulator {
    /// Binds the gateway and starts the platform. Provisioned environments begin their
    /// Init at once.
    #[allow(clippy::unused_async)] // async for its callers, which start it among tasks
    pub async fn start(
        cfg: EmulatorConfig,
        clock: Clock,
        sink: EventSink,
    ) -> Result<Self, EmulatorError> {
        let wanted = SocketAddr::new(cfg.bind, cfg.port);
        let listener = listen(wanted).map_err(|source| EmulatorError::Bind {
            addr: wanted,
            source,
        })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: wanted,
                source,
            })?;
        let info = api::FunctionInfo {
            name: cfg.function_name.clone(),
            region: cfg.region.clone(),
            account: api::ACCOUNT.into(),
            require_signature: cfg.require_signature,
        };
        let settings = GatewaySettings {
            api: info.clone(),
            front: cfg.front,
            integration_timeout: cfg.integration_timeout(),
            lambda_throttle_status: cfg.lambda_throttle_status,
            full_request: cfg.handler == Handler::Process,
        };
        let (proc_tx, proc_rx) = mpsc::unbounded_channel();
        let processes = (cfg.handler == Handler::Process).then(|| Processes::new(&cfg, proc_tx));
        let logs = cloudwatch::Logs::new(
            &cfg.cloudwatch,
            &info.name,
            &info.region,
            &info.account,
            cfg.seed,
        );
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
            queue: AsyncQueue::default(),
            api: api::control::ApiState::default(),
            logs,
            info,
            async_tickets: HashMap::new(),
            async_shown: None,
            next_ticket: 0,
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
        let change = match cmd {
            EmulatorCommand::ReclaimIdle => core::Change::ReclaimIdle,
            EmulatorCommand::SetProvisioned { count } => {
                core::Change::Provisioned { count, on: None }
            }
            EmulatorCommand::SetReserved { count } => core::Change::Reserved(count),
        };
        let _ = self.platform.send(Msg::Change(change)).await;
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
    /// `Event` invocations waiting for their turn (or their retry).
    queue: AsyncQueue,
    api: api::control::ApiState,
    /// The function's log group, as CloudWatch Logs answers it.
    logs: cloudwatch::Logs,
    info: api::FunctionInfo,
    /// Tickets of queued events being invoked, to their queue ids.
    async_tickets: HashMap<Ticket, u64>,
    /// The queue as last shown, and when.
    async_shown: Option<(AsyncQueueStats, Duration)>,
    next_ticket: Ticket,
}

impl Platform {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Msg>,
        mut proc_rx: mpsc::UnboundedReceiver<ProcMsg>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let clock = self.clock;
        let mut effects = Vec::new();
        self.core.start(clock.now(), &mut effects);
        self.dispatch(&mut effects);

        let far = || clock.instant(clock.now() + Duration::from_secs(86_400));
        let sleep = tokio::time::sleep_until(far());
        tokio::pin!(sleep);
        loop {
            let wake = [self.core.next_deadline(), self.queue_deadline()]
                .into_iter()
                .flatten()
                .min()
                .map_or_else(far, |d| clock.instant(d));
            if sleep.deadline() != wake {
                sleep.as_mut().reset(wake);
            }
            tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                msg = rx.recv() => {
                    let Some(msg) = msg else { break };
                    self.handle(msg, &mut effects);
                    for _ in 1..BATCH {
                        let Ok(msg) = rx.try_recv() else { break };
                        self.handle(msg, &mut effects);
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
                        ProcMsg::Runtime {
                            key,
                            serial,
                            msg,
                            peak_mb,
                            ..
                        } => self.core.runtime(now, key, serial, msg, peak_mb, &mut effects),
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
            self.pump_queue(&mut effects);
        }
        // Dropping the processes kills them all.
        self.processes = None;
    }

    fn handle(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let now = self.clock.now();
        match msg {
            Msg::Invoke { params, reply } => {
                let ticket = self.ticket();
                self.waiting.insert(ticket, reply);
                self.core.invoke(now, ticket, params, effects);
            }
            Msg::Change(change) => self.core.change(now, change, effects),
            Msg::Control {
                op,
                target,
                body,
                reply,
            } => {
                let mut p = api::control::Model {
                    core: &mut self.core,
                    queue: &mut self.queue,
                    state: &mut self.api,
                    now,
                    wall_ms: self.clock.at(now).wall_us / 1000,
                    out: effects,
                };
                let answer = api::control::answer(&mut p, &self.info, op, &target, &body);
                let _ = reply.send(answer);
            }
            Msg::Logs { op, body, reply } => {
                let wall_ms = self.clock.at(now).wall_us / 1000;
                let _ = reply.send(self.logs.answer(op, &body, now, wall_ms));
            }
            Msg::Enqueue { params, reply } => {
                let accepted = self.queue.push(now, params).is_ok();
                let _ = reply.send(accepted.then(|| self.core.new_request_id()));
            }
        }
    }

    fn ticket(&mut self) -> Ticket {
        self.next_ticket += 1;
        self.next_ticket
    }

    /// When the queue next needs the platform: an event due, or (while it holds any) the
    /// next second, to show the oldest event's age.
    fn queue_deadline(&self) -> Option<Duration> {
        let refresh = self
            .async_shown
            .filter(|(s, _)| s.depth > 0)
            .map(|(_, at)| at + Duration::from_secs(1));
        [self.queue.next_deadline(), refresh]
            .into_iter()
            .flatten()
            .min()
    }

    /// Invokes the queued events that are due, and shows the queue when it changed.
    fn pump_queue(&mut self, effects: &mut Vec<Effect>) {
        let now = self.clock.now();
        for (id, params) in self.queue.due(now) {
            let ticket = self.ticket();
            self.async_tickets.insert(ticket, id);
            self.core.invoke(now, ticket, params, effects);
        }
        self.dispatch(effects);
        let stats = self.queue.stats(now);
        let changed = match self.async_shown {
            None => stats.depth > 0,
            Some((shown, at)) => {
                let moved = (shown.depth, shown.delivered, shown.retried, shown.dropped)
                    != (stats.depth, stats.delivered, stats.retried, stats.dropped);
                moved || (stats.depth > 0 && now >= at + Duration::from_secs(1))
            }
        };
        if changed {
            self.async_shown = Some((stats, now));
            self.sink
                .send(Event::new(self.clock.at(now), EventKind::AsyncQueue(stats)));
        }
    }

    fn dispatch(&mut self, effects: &mut Vec<Effect>) {
        for effect in effects.drain(..) {
            match effect {
                Effect::Emit { at, kind } => {
                    let stamp = self.clock.at(at);
                    if let EventKind::Log(line) = &kind {
                        self.logs
                            .push(&line.stream, stamp.wall_us / 1000, &line.text);
                    }
                    self.sink.send(Event::new(stamp, kind));
                }
                Effect::Respond { ticket, reply } => {
                    if let Some(&id) = self.async_tickets.get(&ticket) {
                        let attempt = match &reply {
                            Reply::Throttled(_) => Attempt::Throttled,
                            // Its end is the invocation's end, counted when it comes.
                            Reply::Streaming(_) => continue,
                            Reply::Invoked(inv) if inv.outcome == InvokeOutcome::Success => {
                                Attempt::Succeeded
                            }
                            Reply::Invoked(_) | Reply::InitFailed { .. } => Attempt::FunctionError,
                        };
                        self.async_tickets.remove(&ticket);
                        self.queue.attempted(self.clock.now(), id, attempt);
                    } else if let Some(tx) = self.waiting.remove(&ticket) {
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
