//! What a screen session runs: the control task (bursts, emulator), the AWS sources, a
//! replay, and the recorder. Started from the options, stopped together.

use std::path::Path;

use crate::burst::{RequestSpec, Target};
use crate::config::{AwsConfig, Config};
use crate::emulator::Emulator;
use crate::event::{Clock, Command, Event, EventKind};
use crate::record::{Header, Recorder};
use crate::sources::cloudwatch::MetricsSource;
use crate::sources::control::Control;
use crate::sources::logs::LogsSource;
use crate::sources::replay::Replay;
use crate::sources::{self, EventSink};

use super::app::App;
use super::live::Options;

pub struct Sources {
    control: Control,
    aws: Option<AwsSources>,
    replay: Option<Replay>,
    recorder: Option<Recorder>,
}

impl Sources {
    /// Starts what `opts` asks for and the view that shows it.
    pub async fn start(
        opts: &Options,
        theme: crate::config::ThemeName,
        clock: Clock,
        sink: EventSink,
    ) -> Result<(Self, App), String> {
        let cfg = &opts.config;
        if let Some((path, speed)) = &opts.replay {
            let replay = Replay::spawn(path, *speed, sink.clone())?;
            let header = crate::record::open(path)?.header;
            let mut app = App::new(&cfg.tui, theme, format!("{} (replay)", header.target));
            app.replay = true;
            let control = Control::spawn(None, RequestSpec::default(), clock, sink, None);
            return Ok((
                Self {
                    control,
                    aws: None,
                    replay: Some(replay),
                    recorder: None,
                },
                app,
            ));
        }
        let watching_aws =
            cfg.aws.function.is_some() || cfg.aws.api_name.is_some() || cfg.aws.api_id.is_some();
        let (target, emulator) = if let Some(url) = &opts.url {
            (Some(Target::parse(url)?), None)
        } else if watching_aws {
            (None, None)
        } else {
            let e = Emulator::start(cfg.emulator.clone(), clock, sink.clone())
                .await
                .map_err(|e| e.to_string())?;
            (Some(Target::parse(&format!("{}/", e.url()))?), Some(e))
        };
        let shown_target = match (&target, &cfg.aws.function) {
            (Some(t), _) => t.url.clone(),
            (None, Some(f)) => format!("{f} (watching; --url to fire)"),
            (None, None) => "(watching; --url to fire)".into(),
        };
        let recorder = match &opts.record {
            Some(path) => Some(start_recorder(
                path,
                &shown_target,
                cfg,
                emulator.is_some(),
                clock,
                &sink,
            )?),
            None => None,
        };
        let aws = watching_aws.then(|| AwsSources::spawn(&cfg.aws, clock, &sink));
        let mut app = App::new(&cfg.tui, theme, shown_target);
        if emulator.is_some() {
            app.emulator = Some(emulator_summary(cfg));
            app.provisioned = cfg.emulator.provisioned_concurrency;
        }
        let control = Control::spawn(target, RequestSpec::default(), clock, sink, emulator);
        Ok((
            Self {
                control,
                aws,
                replay: None,
                recorder,
            },
            app,
        ))
    }

    /// Routes a command: replay keys to the replay, the rest to the control task.
    pub fn send(&self, cmd: Command) {
        match (cmd, &self.replay) {
            (Command::Replay(c), Some(r)) => r.send(c),
            (Command::Replay(_), None) => {}
            (cmd, _) => self.control.send(cmd),
        }
    }

    /// Tees one event to the recording, if any.
    pub fn record(&self, event: &Event) {
        if let Some(r) = &self.recorder {
            r.record(event);
        }
    }

    /// Stops everything; the recording is flushed and closed last. Its error, if any, is
    /// the result.
    pub async fn shutdown(self) -> Result<(), String> {
        self.control.shutdown().await;
        if let Some(aws) = self.aws {
            aws.shutdown();
        }
        if let Some(r) = self.replay {
            r.shutdown();
        }
        match self.recorder {
            Some(r) => r.finish().await.map(|_| ()),
            None => Ok(()),
        }
    }
}

fn emulator_summary(cfg: &Config) -> String {
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
) -> Result<Recorder, String> {
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
    let header = Header::new(target, &config, clock.at(std::time::Duration::ZERO).wall_us);
    Recorder::create(path, &header, sink.clone(), clock)
}

/// The CloudWatch and CloudWatch Logs tasks of a session watching AWS.
struct AwsSources {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl AwsSources {
    /// Starts both sources; problems (no Region, no credentials) are shown in the
    /// status line and never stop the app.
    fn spawn(aws: &AwsConfig, clock: Clock, sink: &EventSink) -> Self {
        let aws = aws.clone();
        let sink = sink.clone();
        let task = tokio::spawn(async move {
            let sdk = match sources::aws::sdk_config(&aws).await {
                Ok(c) => c,
                Err(message) => {
                    sink.send(Event::new(
                        clock.stamp(),
                        EventKind::SourceError {
                            source: "aws".into(),
                            message,
                        },
                    ));
                    return;
                }
            };
            let logs =
                LogsSource::new(&sdk, &aws, clock, sink.clone()).map(|s| tokio::spawn(s.run()));
            let metrics =
                MetricsSource::new(&sdk, &aws, clock, sink.clone()).map(|s| tokio::spawn(s.run()));
            // Runs until aborted; aborting this task aborts both (their handles drop
            // with it, so abort them explicitly on the way out).
            let _guard = AbortOnDrop(logs.into_iter().chain(metrics).collect());
            std::future::pending::<()>().await;
        });
        Self { tasks: vec![task] }
    }

    fn shutdown(self) {
        for t in self.tasks {
            t.abort();
        }
    }
}

struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}
