//! The comparison view: the same plan fired at two emulated execution models side by
//! side (classic vs web-functions, say), so a room sees in one burst how many
//! environments each model needs, which requests were cold, and which queued.

use std::io::IsTerminal;
use std::time::Duration;

use crossterm::event::{Event as Input, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::burst::{RequestSpec, Target};
use crate::config::{Config, ExecutionModel};
use crate::emulator::Emulator;
use crate::event::{Clock, Command, Stamp};
use crate::sources::EventSink;
use crate::sources::control::Control;
use crate::state::State;

use super::app::App;
use super::terminal::TerminalGuard;
use super::{counters, format, grid, keys, theme};

/// One side of the comparison.
struct Side {
    model: ExecutionModel,
    per_env: u32,
    control: Control,
    rx: tokio::sync::mpsc::Receiver<crate::event::Event>,
    state: State,
}

/// Runs the comparison screen until the user quits.
pub async fn run(config: Config, models: [ExecutionModel; 2]) -> Result<(), String> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err("the comparison screen needs a terminal; for a headless run use thaw burst with --set emulator.execution_model=...".into());
    }
    let clock = Clock::start();
    let mut sides = Vec::new();
    for model in models {
        let mut cfg = config.emulator.clone();
        cfg.execution_model = model;
        let per_env = cfg.slots();
        let (sink, rx) = EventSink::channel(1 << 16);
        let e = Emulator::start(cfg, clock, sink.clone())
            .await
            .map_err(|e| e.to_string())?;
        let target = Target::parse(&format!("{}/", e.url()))?;
        let control = Control::spawn(Some(target), RequestSpec::default(), clock, sink, Some(e));
        sides.push(Side {
            model,
            per_env,
            control,
            rx,
            state: State::new(),
        });
    }
    let no_color = std::env::var("NO_COLOR").ok();
    let theme = theme::initial(config.tui.theme, no_color.as_deref());
    let mut app = App::new(&config.tui, theme, "comparison".into());
    let result = event_loop(&mut app, &mut sides, clock, config.tui.fps).await;
    for side in sides {
        side.control.shutdown().await;
    }
    result
}

async fn event_loop(
    app: &mut App,
    sides: &mut [Side],
    clock: Clock,
    fps: u16,
) -> Result<(), String> {
    let mut guard = TerminalGuard::new().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1) / u32::from(fps.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = crate::stop::StopSignals::new(false);
    let [a, b] = sides else {
        return Err("two models to compare".into());
    };
    let (mut batch_a, mut batch_b) = (Vec::new(), Vec::new());
    loop {
        tokio::select! {
            maybe = input.next() => match maybe {
                Some(Ok(Input::Key(key))) if key.kind == KeyEventKind::Press => {
                    if let Some(action) = keys::action(key) {
                        for cmd in app.handle(action, &a.state, 1, clock.stamp()) {
                            match cmd {
                                Command::Clear => {
                                    a.state.clear();
                                    b.state.clear();
                                }
                                cmd => {
                                    a.control.send(cmd.clone());
                                    b.control.send(cmd);
                                }
                            }
                        }
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(format!("cannot read the terminal: {e}")),
                None => return Ok(()),
            },
            n = a.rx.recv_many(&mut batch_a, 4096) => {
                if n == 0 { return Ok(()); }
                for e in batch_a.drain(..) { a.state.apply(&e); }
            }
            n = b.rx.recv_many(&mut batch_b, 4096) => {
                if n == 0 { return Ok(()); }
                for e in batch_b.drain(..) { b.state.apply(&e); }
            }
            _ = tick.tick() => {
                let now = clock.stamp();
                let sides = [&*a, &*b];
                guard
                    .terminal
                    .draw(|f| draw(f, &sides, app, now))
                    .map_err(|e| format!("cannot draw: {e}"))?;
            }
            _ = signals.next() => return Ok(()),
        }
        if app.quit {
            return Ok(());
        }
    }
}

/// A side's name and its states, for [`draw`].
pub struct Pane<'a> {
    pub title: String,
    pub state: &'a State,
}

fn draw(frame: &mut Frame, sides: &[&Side; 2], app: &App, now: Stamp) {
    let panes = sides.map(|s| Pane {
        title: format!("{} · {} per environment", s.model.as_str(), s.per_env),
        state: &s.state,
    });
    render(frame, &panes, app, now);
}

/// The comparison screen: a title with the plan, two panes (grid and counters), keys.
pub fn render(frame: &mut Frame, panes: &[Pane<'_>; 2], app: &App, now: Stamp) {
    let t = &app.theme;
    let size = frame.area();
    if size.width < 80 || size.height < 16 {
        frame.render_widget(
            Paragraph::new("the comparison needs at least 80 x 16").alignment(Alignment::Center),
            size,
        );
        return;
    }
    let [title, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(size);
    frame.render_widget(
        Line::from(vec![
            Span::styled(" thaw compare ", t.highlight),
            Span::styled(
                format!(
                    " same plan on both: {} · sleep {} ms ",
                    app.plan(),
                    app.sleep_ms
                ),
                t.text,
            ),
            Span::styled(format!(" {} ", format::clock(now)), t.dim),
        ]),
        title,
    );
    let halves = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas::<2>(body);
    for (pane, area) in panes.iter().zip(halves) {
        let [name, grid_area, counters_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(7),
        ])
        .areas(area);
        frame.render_widget(
            Line::styled(format!(" {} ", pane.title), t.highlight).alignment(Alignment::Center),
            name,
        );
        grid::render(frame, grid_area, pane.state, app, now);
        counters::render(frame, counters_area, pane.state, t, false);
    }
    let hints = " ⏎ fire on both  m mode  +/- N  [/] sleep  c clear  q quit";
    frame.render_widget(Line::styled(hints, t.dim), status);
}
