//! A session: what the screen watches. Starts the sources a session needs (the embedded
//! emulator and its control, or a target URL; the AWS sources; a replay; the recorder),
//! and hands back a [`Link`]: the kind, the event feeds and a command sender. The screen
//! runs over the link; [`Session::shutdown`] stops everything, the recording last.

mod aws;
mod forward;
pub mod target;

use std::path::{Path, PathBuf};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::burst::lambda::InvocationType;
use crate::burst::{InputError, RequestSpec, Target};
use crate::clock::Clock;
use crate::command::{Command, ReplayCommand};
use crate::config::{Config, ExecutionModel};
use crate::emulator::{Emulator, EmulatorError};
use crate::event::EventSink;
use crate::link::{Commands, Feed, Link, SessionKind};
use crate::record::{RecordError, Recorder};
use crate::sources::control::Control;
use crate::sources::fanout::{self, FanOut};
use crate::sources::replay::{Replay, Speed};

use self::aws::AwsSources;
use self::forward::Forwarder;
use self::target::Aim;

/// Room for a 10,000-request burst's events (several per request) between two frames.
const EVENT_CAPACITY: usize = 1 << 18;

/// What a screen session is pointed at.
pub struct Options {
    pub config: Config,
    /// An endpoint; `None` runs the embedded emulator (unless watching AWS).
    pub url: Option<String>,
    /// Tee every event to this file.
    pub record: Option<PathBuf>,
    /// Play this recording instead of watching anything live.
    pub replay: Option<(PathBuf, Speed)>,
    /// Fan parallel bursts out over these Lambda workers (`--fan-out`).
    pub fanout: Option<FanOut>,
}

/// Why a session could not start; each message names the input and the fix.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Target(#[from] InputError),
    #[error(transparent)]
    Emulator(#[from] EmulatorError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("{0}")]
    Lambda(String),
    /// A flag or setting that does not fit the target.
    #[error("{0}")]
    Input(String),
}

/// The running parts of a session, stopped together.
pub struct Session {
    controls: Vec<Control>,
    aws: Option<AwsSources>,
    replay: Option<Replay>,
    forwarder: Option<Forwarder>,
    router: JoinHandle<()>,
}

impl Session {
    /// Starts what `opts` asks for. Errors are one line, before anything is drawn.
    pub async fn start(opts: &Options, clock: Clock) -> Result<(Self, Link), SessionError> {
        let cfg = &opts.config;
        let (sink, rx) = EventSink::channel(EVENT_CAPACITY);
        if let Some((path, speed)) = &opts.replay {
            let replay = Replay::spawn(path, *speed, sink.clone())?;
            let header = crate::record::open(path)?.header;
            let control = Control::spawn(None, RequestSpec::default(), clock, sink, None);
            let (forwarder, rx) = Forwarder::spawn(rx, None, sizing(cfg, clock), EVENT_CAPACITY);
            let parts = Parts {
                controls: vec![control],
                aws: None,
                replay: Some(replay),
                forwarder: Some(forwarder),
            };
            let target = format!("{} (replay)", header.target);
            return Ok(parts.assemble(SessionKind::Replay, target, vec![feed(String::new(), rx)]));
        }
        let watching_aws =
            cfg.aws.function.is_some() || cfg.aws.api_name.is_some() || cfg.aws.api_id.is_some();
        let aim = Aim {
            url: opts.url.clone(),
            endpoint_url: opts
                .url
                .as_deref()
                .filter(|u| u.starts_with("lambda:"))
                .and(cfg.aws.endpoint_url.clone()),
            region: cfg.aws.region.clone(),
            invocation: InvocationType::RequestResponse,
            sigv4: None,
            emulate: !watching_aws,
        };
        let opened = target::open(
            &aim,
            RequestSpec::default(),
            || Ok(cfg.emulator.clone()),
            clock,
            &sink,
        )
        .await?;
        let shown_target = match (&opened.target, &cfg.aws.function) {
            (Some(_), _) => opened.shown.clone(),
            (None, Some(f)) => format!("{f} (watching; --url to fire)"),
            (None, None) => "(watching; --url to fire)".into(),
        };
        let emulator = opened.emulator.is_some();
        let kind = if watching_aws {
            SessionKind::WatchingAws {
                can_fire: opened.target.is_some(),
            }
        } else if emulator {
            SessionKind::Emulator {
                settings: emulator_settings(cfg),
                provisioned: cfg.emulator.provisioned_concurrency,
            }
        } else {
            SessionKind::Endpoint
        };
        let recorder = match &opts.record {
            Some(path) => Some(start_recorder(
                path,
                &shown_target,
                cfg,
                emulator,
                clock,
                &sink,
            )?),
            None => None,
        };
        let (forwarder, rx) = Forwarder::spawn(rx, recorder, sizing(cfg, clock), EVENT_CAPACITY);
        let forwarder = Some(forwarder);
        let aws = watching_aws.then(|| AwsSources::spawn(&cfg.aws, clock, &sink));
        let control = control(opened, opts.fanout.as_ref(), clock, sink).await?;
        let parts = Parts {
            controls: vec![control],
            aws,
            replay: None,
            forwarder,
        };
        Ok(parts.assemble(kind, shown_target, vec![feed(String::new(), rx)]))
    }

    /// Two embedded emulators, one per execution model, each with its own control: the
    /// same commands go to both.
    pub async fn compare(
        config: &Config,
        models: [ExecutionModel; 2],
        clock: Clock,
    ) -> Result<(Self, Link), SessionError> {
        let mut controls = Vec::new();
        let mut feeds = Vec::new();
        for model in models {
            let mut cfg = config.emulator.clone();
            cfg.execution_model = model;
            let per_env = cfg.slots();
            let (sink, rx) = EventSink::channel(EVENT_CAPACITY);
            let e = Emulator::start(cfg, clock, sink.clone()).await?;
            let target = Target::parse(&format!("{}/", e.url()))?;
            controls.push(Control::spawn(
                Some(target),
                RequestSpec::default(),
                clock,
                sink,
                Some(e),
            ));
            feeds.push(feed(
                format!("{} · {per_env} per environment", model.as_str()),
                rx,
            ));
        }
        let parts = Parts {
            controls,
            aws: None,
            replay: None,
            forwarder: None,
        };
        Ok(parts.assemble(SessionKind::Compare, "comparison".into(), feeds))
    }

    /// Stops everything; the recording is flushed and closed last. Its error, if any, is
    /// the result.
    pub async fn shutdown(self) -> Result<(), RecordError> {
        self.router.abort();
        for control in self.controls {
            control.shutdown().await;
        }
        if let Some(aws) = self.aws {
            aws.shutdown();
        }
        if let Some(r) = self.replay {
            r.shutdown();
        }
        match self.forwarder {
            Some(f) => f.finish().await,
            None => Ok(()),
        }
    }
}

fn feed(title: String, events: mpsc::Receiver<crate::event::Event>) -> Feed {
    Feed { title, events }
}

/// What a session started, before its commands are wired.
struct Parts {
    controls: Vec<Control>,
    aws: Option<AwsSources>,
    replay: Option<Replay>,
    forwarder: Option<Forwarder>,
}

impl Parts {
    /// The running session, and the link whose command sender reaches these parts.
    fn assemble(self, kind: SessionKind, target: String, feeds: Vec<Feed>) -> (Session, Link) {
        let (commands, rx) = Commands::channel();
        let router = tokio::spawn(route(
            rx,
            self.controls.iter().map(Control::sender).collect(),
            self.replay.as_ref().map(Replay::sender),
            self.forwarder.as_ref().map(Forwarder::asker),
        ));
        let session = Session {
            controls: self.controls,
            aws: self.aws,
            replay: self.replay,
            forwarder: self.forwarder,
            router,
        };
        let link = Link {
            kind,
            target,
            feeds,
            commands,
        };
        (session, link)
    }
}

/// Replay keys to the replay, the sizing table to the forwarder (which holds the
/// traffic), everything else to every control.
async fn route(
    mut rx: mpsc::UnboundedReceiver<Command>,
    controls: Vec<mpsc::UnboundedSender<Command>>,
    replay: Option<mpsc::UnboundedSender<ReplayCommand>>,
    sizing: Option<mpsc::UnboundedSender<()>>,
) {
    while let Some(cmd) = rx.recv().await {
        match cmd {
            Command::Sizing => {
                if let Some(s) = &sizing {
                    let _ = s.send(());
                }
            }
            Command::Replay(c) => {
                if let Some(r) = &replay {
                    let _ = r.send(c);
                }
            }
            cmd => {
                for c in &controls {
                    let _ = c.send(cmd.clone());
                }
            }
        }
    }
}

/// `thaw whatif`'s defaults for the session's traffic: its emulator settings as the base,
/// the default set of configurations, the configured prices.
fn sizing(cfg: &Config, clock: Clock) -> forward::Sizing {
    forward::Sizing {
        options: crate::whatif::Options::defaults(cfg.emulator.clone()),
        pricing: cfg.pricing.clone(),
        clock,
    }
}

fn emulator_settings(cfg: &Config) -> String {
    let e = &cfg.emulator;
    format!(
        "{} {} MB, {}",
        e.runtime.as_str(),
        e.memory_mb,
        e.front.as_str()
    )
}

fn start_recorder(
    path: &Path,
    target: &str,
    cfg: &Config,
    emulator: bool,
    clock: Clock,
    sink: &EventSink,
) -> Result<Recorder, RecordError> {
    let config = if emulator {
        format!("emulator: {}", cfg.emulator.summary())
    } else if let Some(f) = &cfg.aws.function {
        format!(
            "aws: function {f}{}",
            cfg.aws
                .region
                .as_ref()
                .map(|r| format!(" in {r}"))
                .unwrap_or_default()
        )
    } else {
        "endpoint".into()
    };
    Recorder::start(path, target, &config, sink.clone(), clock)
}

/// What fires the session's bursts: through the Lambda API, fanned out over workers, or
/// from here.
async fn control(
    opened: target::Opened,
    fan: Option<&FanOut>,
    clock: Clock,
    sink: EventSink,
) -> Result<Control, SessionError> {
    let target::Opened {
        target,
        spec,
        signer,
        emulator,
        lambda,
        ..
    } = opened;
    Ok(match (lambda, fan, target, signer) {
        (true, Some(_), _, _) => {
            return Err(SessionError::Input(
                "--fan-out on the screen fires at an http(s) URL; for lambda:NAME use thaw burst --fan-out".into(),
            ));
        }
        (true, None, Some(target), Some(signer)) => {
            Control::spawn_lambda(target, spec, signer, clock, sink)
        }
        (false, Some(f), Some(target), _) => {
            let client = fanout::client(f).await.map_err(SessionError::Lambda)?;
            Control::spawn_fanned_out(target, clock, sink, emulator, (f.clone(), client))
        }
        (_, _, target, _) => Control::spawn(target, spec, clock, sink, emulator),
    })
}
