//! One screen for every view: the panes' states (live and, while frozen, the picture
//! kept), the view state, and whether anything changed since the last frame. Terminal
//! input and events go in, commands come out, and `draw` renders over any ratatui
//! backend, so tests drive it with keys and events exactly as the terminal loop does.

use crossterm::event::{Event as Input, KeyEventKind, MouseButton, MouseEventKind};
use ratatui::Frame;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::layout::Rect;

use crate::clock::Clock;
use crate::command::Command;
use crate::event::{Event, EventKind};
use crate::ids::Stamp;
use crate::state::State;

use super::app::{App, Hero};
use super::keys::{self, Lookup};
use super::{compare, grid, lanes, layout, render};

/// One pane: a session's state as it goes, and the picture kept while frozen.
pub struct Pane {
    pub title: String,
    pub live: State,
    pub frozen: Option<State>,
}

impl Pane {
    fn new(title: String) -> Self {
        Self {
            title,
            live: State::new(),
            frozen: None,
        }
    }

    /// What the pane shows: the frozen picture while there is one.
    pub fn shown(&self) -> &State {
        self.frozen.as_ref().unwrap_or(&self.live)
    }
}

/// The whole screen's state between two frames.
pub struct Screen {
    pub app: App,
    panes: Vec<Pane>,
    dirty: bool,
    drawn_second: u64,
}

impl Screen {
    /// A screen with one pane per title (one for a live screen, two to compare).
    pub fn new(app: App, titles: Vec<String>) -> Self {
        let titles = if titles.is_empty() {
            vec![String::new()]
        } else {
            titles
        };
        Self {
            app,
            panes: titles.into_iter().map(Pane::new).collect(),
            dirty: true,
            drawn_second: u64::MAX,
        }
    }

    pub fn panes(&self) -> &[Pane] {
        &self.panes
    }

    pub fn frozen(&self) -> bool {
        self.panes.iter().any(|p| p.frozen.is_some())
    }

    pub fn quit(&self) -> bool {
        self.app.quit
    }

    /// Folds a pane's events (every pending one before a frame).
    pub fn on_events(&mut self, pane: usize, events: impl IntoIterator<Item = Event>) {
        let Some(p) = self.panes.get_mut(pane) else {
            return;
        };
        for event in events {
            if matches!(event.kind, EventKind::Cleared) && p.frozen.is_some() {
                // Clearing while frozen clears the picture too, as the key promises.
                p.frozen = Some(State::new());
            }
            p.live.apply(&event);
        }
        self.dirty = true;
    }

    /// Applies one terminal event to the view; returns the commands it asks for.
    /// `area` is the terminal's size, for where the grid is.
    pub fn on_input(&mut self, input: &Input, area: Rect, now: Stamp) -> Vec<Command> {
        self.dirty = true;
        let grids = self.grid_areas(area);
        match input {
            Input::Key(key) if key.kind == KeyEventKind::Press => {
                let action = match keys::lookup(self.app.key_mode(), *key) {
                    Lookup::Action(a) => a,
                    Lookup::OtherMode => {
                        self.app.other_mode_key(now);
                        return Vec::new();
                    }
                    Lookup::Unbound => return Vec::new(),
                };
                let first = &self.panes[0];
                let cols = grids
                    .first()
                    .map_or(1, |g| grid::layout(*g, first.shown()).1.cols);
                let commands = self.app.handle(action, first.shown(), cols, now);
                // The view decides (an open overlay takes the key); the panes follow it.
                if self.app.frozen != self.frozen() {
                    self.toggle_freeze();
                }
                commands
            }
            Input::Mouse(m) if m.kind == MouseEventKind::Down(MouseButton::Left) => {
                let (x, y) = (m.column, m.row);
                for (pane, hero) in self.panes.iter().zip(self.hero_areas(area)) {
                    let state = pane.shown();
                    let (g, below) = match self.app.hero {
                        Hero::Grid => grid::split(hero, state),
                        Hero::Lanes => (Rect::default(), Some(hero)),
                    };
                    let (cells, geometry) = grid::layout(g, state);
                    let (rows, _) = grid::shown(state, geometry.capacity());
                    if self.app.hero == Hero::Grid
                        && let Some(i) = geometry.hit(cells, x, y)
                    {
                        self.app.select_seq(rows.get(i).map(|r| r.seq));
                    } else if let Some(l) = below
                        && let Some(seq) = lanes::hit(l, state, &self.app, now, x, y)
                    {
                        self.app.select_seq(Some(seq));
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn toggle_freeze(&mut self) {
        let freeze = !self.frozen();
        for p in &mut self.panes {
            p.frozen = freeze.then(|| p.live.clone());
        }
    }

    /// Where each pane's hero panel is on a terminal of this size.
    fn hero_areas(&self, area: Rect) -> Vec<Rect> {
        if self.panes.len() == 2 {
            compare::grid_areas(area).into_iter().flatten().collect()
        } else {
            layout::areas(area, self.app.theme.big_digits)
                .map(|a| a.grid)
                .into_iter()
                .collect()
        }
    }

    /// Where each pane's grid is: the hero's top part when lanes share the panel.
    fn grid_areas(&self, area: Rect) -> Vec<Rect> {
        self.hero_areas(area)
            .into_iter()
            .zip(&self.panes)
            .map(|(hero, pane)| grid::split(hero, pane.shown()).0)
            .collect()
    }

    /// The screen's "now": the session clock, or a replay's position in its recording.
    pub fn now(&self, clock: &Clock) -> Stamp {
        let state = &self.panes[0].live;
        match (&state.replay, state.latest) {
            (Some(p), Some(latest)) => Stamp {
                mono_us: p.position_us,
                wall_us: latest.wall_us - i64::try_from(latest.mono_us).unwrap_or(0)
                    + i64::try_from(p.position_us).unwrap_or(0),
            },
            _ => clock.stamp(),
        }
    }

    /// Whether a frame at `now` would differ from the last one: something changed, the
    /// clock's second moved on, or a cell is still flashing.
    pub fn needs_draw(&self, now: Stamp) -> bool {
        self.dirty
            || now.mono_us / 1_000_000 != self.drawn_second
            || self.panes.iter().any(|p| grid::flashing(p.shown(), now))
    }

    /// Draws the screen on any backend and marks it clean.
    pub fn draw<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        now: Stamp,
    ) -> Result<(), B::Error> {
        terminal.draw(|f| self.render(f, now))?;
        self.dirty = false;
        self.drawn_second = now.mono_us / 1_000_000;
        Ok(())
    }

    /// Renders into a frame; reads only.
    pub fn render(&self, frame: &mut Frame, now: Stamp) {
        let frozen = self.frozen();
        // A frozen picture keeps its moment: the lanes and ages stop with it.
        let now = if frozen {
            self.panes
                .iter()
                .filter_map(|p| p.frozen.as_ref().and_then(|s| s.latest))
                .max()
                .unwrap_or(now)
        } else {
            now
        };
        match self.panes.as_slice() {
            [a, b] => compare::render(frame, [a, b], &self.app, now, frozen),
            [p, ..] => render::draw(
                frame,
                &render::View {
                    state: p.shown(),
                    app: &self.app,
                    now,
                    frozen,
                },
            ),
            [] => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::config::{ThemeName, TuiConfig};
    use crate::link::SessionKind;

    fn at(us: u64) -> Stamp {
        Stamp {
            mono_us: us,
            wall_us: 0,
        }
    }

    /// Both views draw only when something changed: an event on either pane, or the
    /// clock's second moving on.
    #[test]
    fn a_frame_is_drawn_only_when_something_changed() {
        let app = App::new(
            &TuiConfig::default(),
            ThemeName::Mono,
            SessionKind::Compare,
            "comparison".into(),
        );
        let mut screen = Screen::new(app, vec!["a".into(), "b".into()]);
        let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
        assert!(screen.needs_draw(at(0)));
        screen.draw(&mut terminal, at(0)).unwrap();
        assert!(!screen.needs_draw(at(500_000)), "nothing changed");
        let event = Event::new(
            at(600_000),
            EventKind::SourceStatus {
                source: "test".into(),
                message: "on".into(),
            },
        );
        screen.on_events(1, [event]);
        assert!(screen.needs_draw(at(600_000)), "the second pane changed");
        screen.draw(&mut terminal, at(600_000)).unwrap();
        assert!(!screen.needs_draw(at(700_000)));
        assert!(
            screen.needs_draw(at(1_000_000)),
            "the clock's second moved on"
        );
    }
}
