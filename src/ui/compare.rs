//! The comparison view: the same plan fired at two emulated execution models side by
//! side (classic vs web-functions, say), so a room sees in one burst how many
//! environments each model needs, which requests were cold, and which queued.
//!
//! ```text
//!  thaw compare  same plan on both: parallel 50 · sleep 100 ms          12:00:01
//!         classic · 1 per environment       web-functions · 10 per environment
//! ┌ Environments ───────────────────┐┌ Environments ───────────────────┐
//! └─────────────────────────────────┘└─────────────────────────────────┘
//! ┌ Requests ───────────────────────┐┌ Requests ───────────────────────┐
//! └─────────────────────────────────┘└─────────────────────────────────┘
//!  key hints
//! ```

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ids::Stamp;

use super::app::App;
use super::screen::Pane;
use super::{counters, format, render};

/// Below this the comparison says it is too small instead of drawing.
const MIN_WIDTH: u16 = 80;
const MIN_HEIGHT: u16 = 16;

/// The title line, the two halves and the status line, or `None` when too small.
fn areas(size: Rect) -> Option<(Rect, [Rect; 2], Rect)> {
    if size.width < MIN_WIDTH || size.height < MIN_HEIGHT {
        return None;
    }
    let [title, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(size);
    let halves = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(body);
    Some((title, halves, status))
}

/// One half's name line, grid and counters.
fn half(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(7),
    ])
    .areas(area)
}

/// Where the two grids are (for the mouse and the selection's rows).
pub fn grid_areas(size: Rect) -> Option<[Rect; 2]> {
    areas(size).map(|(_, halves, _)| halves.map(|h| half(h)[1]))
}

/// The comparison screen: a title with the plan, two panes (grid and counters), keys.
pub fn render(frame: &mut Frame, panes: [&Pane; 2], app: &App, now: Stamp, frozen: bool) {
    let t = &app.theme;
    let size = frame.area();
    let Some((title, halves, status)) = areas(size) else {
        frame.render_widget(
            Paragraph::new(format!(
                "the comparison needs at least {MIN_WIDTH} x {MIN_HEIGHT}"
            ))
            .alignment(Alignment::Center),
            size,
        );
        return;
    };
    let mut spans = vec![
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
    ];
    if frozen {
        spans.push(Span::styled(" ❄ FROZEN ", t.highlight));
    }
    frame.render_widget(Line::from(spans), title);
    for (pane, area) in panes.iter().zip(halves) {
        let [name, grid_area, counters_area] = half(area);
        frame.render_widget(
            Line::styled(format!(" {} ", pane.title), t.highlight).alignment(Alignment::Center),
            name,
        );
        render::hero(frame, grid_area, pane.shown(), app, now);
        counters::render(frame, counters_area, pane.shown(), t, false);
    }
    render::status(frame, status, panes[0].shown(), app, now);
    if app.help {
        super::help::render(frame, size, app);
    }
}
