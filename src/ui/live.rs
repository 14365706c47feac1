//! The live app: one `tokio::select!` over terminal input, the event channel and a
//! frame tick. Events are folded into the state as they come (every pending one before
//! a frame); the screen is redrawn on a tick only when something changed or a cell is
//! still flashing.

use std::io::IsTerminal;
use std::time::Duration;

use crossterm::event::{Event as Input, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::burst::{RequestSpec, Target};
use crate::config::{AwsConfig, Config, ThemeName};
use crate::emulator::Emulator;
use crate::event::{Clock, Command, Event, EventKind, Stamp};
use crate::sources::cloudwatch::MetricsSource;
use crate::sources::control::Control;
use crate::sources::logs::LogsSource;
use crate::sources::{self, EventSink};
use crate::state::State;

use super::app::App;
use super::terminal::TerminalGuard;
use super::{grid, keys, layout, render, theme};

/// Room for a 10,000-request burst's events (several per request) between two frames.
const EVENT_CAPACITY: usize = 1 << 18;

/// What the live app is pointed at and how it looks.
pub struct Options {
    pub config: Config,
    /// An endpoint; `None` runs the embedded emulator.
    pub url: Option<String>,
    /// Overrides `tui.theme`.
    pub theme: Option<ThemeName>,
}

/// Runs the live screen until the user quits. Errors are one line for the caller to
/// print after the terminal is restored.
pub async fn run(opts: Options) -> Result<(), String> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(
            "the live screen needs a terminal (stdin and stdout are not both one); \
                    for a headless run use `thaw burst`, e.g. thaw burst -p 'parallel 50'"
                .into(),
        );
    }
    let cfg = opts.config;
    let clock = Clock::start();
    let (sink, rx) = EventSink::channel(EVENT_CAPACITY);
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
    let aws = if watching_aws {
        Some(AwsSources::spawn(&cfg.aws, clock, &sink))
    } else {
        None
    };
    let no_color = std::env::var("NO_COLOR").ok();
    let theme = theme::initial(opts.theme.unwrap_or(cfg.tui.theme), no_color.as_deref());
    let shown_target = match (&target, &cfg.aws.function) {
        (Some(t), _) => t.url.clone(),
        (None, Some(f)) => format!("{f} (watching; --url to fire)"),
        (None, None) => "(watching; --url to fire)".into(),
    };
    let mut app = App::new(&cfg.tui, theme, shown_target);
    if emulator.is_some() {
        let e = &cfg.emulator;
        app.emulator = Some(format!(
            "{} {} MB, {}",
            e.runtime.as_str(),
            e.memory_mb,
            e.front.as_str()
        ));
        app.provisioned = e.provisioned_concurrency;
    }
    let control = Control::spawn(target, RequestSpec::default(), clock, sink, emulator);
    let frame_period = Duration::from_secs(1) / u32::from(cfg.tui.fps.max(1));
    let result = event_loop(&mut app, rx, &control, clock, frame_period).await;
    control.shutdown().await;
    if let Some(aws) = aws {
        aws.shutdown();
    }
    result
}

async fn event_loop(
    app: &mut App,
    mut rx: mpsc::Receiver<Event>,
    control: &Control,
    clock: Clock,
    frame_period: Duration,
) -> Result<(), String> {
    let mut guard = TerminalGuard::new().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let mut state = State::new();
    let mut frozen: Option<State> = None;
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(frame_period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut batch = Vec::with_capacity(4096);
    let mut dirty = true;
    let mut drawn_second = u64::MAX;
    let mut signals = Signals::new();
    loop {
        tokio::select! {
            maybe = input.next() => match maybe {
                Some(Ok(ev)) => {
                    let size = guard.terminal.size().map_err(|e| e.to_string())?;
                    let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
                    let shown = frozen.as_ref().unwrap_or(&state);
                    for cmd in on_input(app, &ev, shown, area, clock.stamp()) {
                        match cmd {
                            Command::Clear => {
                                state.clear();
                                frozen = app.frozen.then(State::new);
                            }
                            cmd => control.send(cmd),
                        }
                    }
                    match (app.frozen, frozen.is_some()) {
                        (true, false) => frozen = Some(state.clone()),
                        (false, true) => frozen = None,
                        _ => {}
                    }
                    dirty = true;
                }
                Some(Err(e)) => return Err(format!("cannot read the terminal: {e}")),
                None => return Ok(()),
            },
            n = rx.recv_many(&mut batch, 4096) => {
                if n == 0 {
                    // Every source ended (the emulator stopped): nothing more will come.
                    return Ok(());
                }
                for event in batch.drain(..) {
                    state.apply(&event);
                }
                dirty = true;
            }
            _ = tick.tick() => {
                let now = clock.stamp();
                let second = now.mono_us / 1_000_000;
                let shown = frozen.as_ref().unwrap_or(&state);
                if dirty || second != drawn_second || grid::flashing(shown, now) {
                    guard
                        .terminal
                        .draw(|f| render::draw(f, shown, app, now))
                        .map_err(|e| format!("cannot draw: {e}"))?;
                    dirty = false;
                    drawn_second = second;
                }
            }
            () = signals.next() => return Ok(()),
        }
        if app.quit {
            return Ok(());
        }
    }
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

/// Applies one terminal event to the view; returns the commands it asks for.
fn on_input(
    app: &mut App,
    ev: &Input,
    state: &State,
    area: ratatui::layout::Rect,
    now: Stamp,
) -> Vec<Command> {
    let grid_area = layout::areas(area, app.theme.big_digits).map(|a| a.grid);
    match ev {
        Input::Key(key) if key.kind == KeyEventKind::Press => {
            let Some(action) = keys::action(*key) else {
                return Vec::new();
            };
            let cols = grid_area.map_or(1, |g| grid::layout(g, state).1.cols);
            app.handle(action, state, cols, now)
        }
        Input::Mouse(m) if m.kind == MouseEventKind::Down(MouseButton::Left) => {
            if let Some(g) = grid_area {
                let (cells, geometry) = grid::layout(g, state);
                let (rows, _) = grid::shown(state, geometry.capacity());
                if let Some(i) = geometry.hit(cells, m.column, m.row) {
                    app.select_seq(rows.get(i).map(|r| r.seq));
                }
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// SIGTERM and SIGHUP end the app like `q` does (the terminal is restored on the way out).
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        {
            let term = async {
                match &mut self.term {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let hup = async {
                match &mut self.hup {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = term => {}
                _ = hup => {}
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    }
}
