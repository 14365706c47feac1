//! The live app: one `tokio::select!` over terminal input, the event channel and a
//! frame tick. Events are folded into the state as they come (every pending one before
//! a frame); the screen is redrawn on a tick only when something changed or a cell is
//! still flashing.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event as Input, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::config::{Config, ThemeName};
use crate::event::{Clock, Command, Event, Stamp};
use crate::sources::EventSink;
use crate::sources::replay::Speed;
use crate::state::State;

use super::app::App;
use super::session::Sources;
use super::terminal::TerminalGuard;
use super::{grid, keys, layout, render, theme};

/// Room for a 10,000-request burst's events (several per request) between two frames.
const EVENT_CAPACITY: usize = 1 << 18;

/// What the live app is pointed at and how it looks.
pub struct Options {
    pub config: Config,
    /// An endpoint; `None` runs the embedded emulator (unless watching AWS).
    pub url: Option<String>,
    /// Overrides `tui.theme`.
    pub theme: Option<ThemeName>,
    /// Tee every event to this file.
    pub record: Option<PathBuf>,
    /// Play this recording instead of watching anything live.
    pub replay: Option<(PathBuf, Speed)>,
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
    let clock = Clock::start();
    let (sink, rx) = EventSink::channel(EVENT_CAPACITY);
    let no_color = std::env::var("NO_COLOR").ok();
    let theme = theme::initial(
        opts.theme.unwrap_or(opts.config.tui.theme),
        no_color.as_deref(),
    );
    let (sources, mut app) = Sources::start(&opts, theme, clock, sink).await?;
    let frame_period = Duration::from_secs(1) / u32::from(opts.config.tui.fps.max(1));
    let result = event_loop(&mut app, rx, &sources, clock, frame_period).await;
    let recorded = sources.shutdown().await;
    result.and(recorded)
}

async fn event_loop(
    app: &mut App,
    mut rx: mpsc::Receiver<Event>,
    sources: &Sources,
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
    // SIGTERM and SIGHUP end the app like `q` does (the terminal is restored on the way out).
    let mut signals = crate::stop::StopSignals::new(false);
    loop {
        tokio::select! {
            maybe = input.next() => match maybe {
                Some(Ok(ev)) => {
                    let size = guard.terminal.size().map_err(|e| e.to_string())?;
                    let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
                    let shown = frozen.as_ref().unwrap_or(&state);
                    let now = now_of(&state, clock);
                    for cmd in on_input(app, &ev, shown, area, now) {
                        match cmd {
                            Command::Clear => {
                                state.clear();
                                frozen = app.frozen.then(State::new);
                            }
                            cmd => sources.send(cmd),
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
                    sources.record(&event);
                    state.apply(&event);
                }
                dirty = true;
            }
            _ = tick.tick() => {
                let now = now_of(&state, clock);
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
            _ = signals.next() => return Ok(()),
        }
        if app.quit {
            return Ok(());
        }
    }
}

/// The screen's "now": the session clock, or a replay's position in its recording.
fn now_of(state: &State, clock: Clock) -> Stamp {
    match (&state.replay, state.latest) {
        (Some(p), Some(latest)) => Stamp {
            mono_us: p.position_us,
            wall_us: latest.wall_us - i64::try_from(latest.mono_us).unwrap_or(0)
                + i64::try_from(p.position_us).unwrap_or(0),
        },
        _ => clock.stamp(),
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
