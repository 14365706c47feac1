//! The lanes: the hero panel's second view. One row per environment in birth order,
//! time running left to right: its Init, each invocation as a bar, idle time as a thin
//! line, and its end. Drawing is a pure function of the state and the view.
//!
//! ```text
//!    1  ░▓───────▐█────────────────────────────    2
//!   50  ░▓───────▐█──▐▐▐▐▐▐▐▐▐▐▐▐▐▐▐▐▐▐▐▐▐▐▐▐──   52
//! ```

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::event::InvokeOutcome;
use crate::ids::Stamp;
use crate::state::{EnvRow, LaneEnd, State};

use super::app::{App, Hero};
use super::theme::Theme;

/// The zoom levels: how much time the lanes' width holds, in seconds.
pub const ZOOMS: [(u32, &str); 5] = [
    (10, "10 s"),
    (60, "1 min"),
    (300, "5 min"),
    (900, "15 min"),
    (3600, "1 h"),
];

/// The lanes' view state: zoom, where the right edge is, which rows show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneView {
    /// Index into [`ZOOMS`].
    pub zoom: usize,
    /// The right edge (Unix µs) when scrolled back; `None` follows now.
    pub end_us: Option<i64>,
}

impl Default for LaneView {
    fn default() -> Self {
        Self {
            zoom: 1,
            end_us: None,
        }
    }
}

impl LaneView {
    pub fn span_us(self) -> i64 {
        i64::from(ZOOMS[self.zoom.min(ZOOMS.len() - 1)].0) * 1_000_000
    }

    pub fn zoom_name(self) -> &'static str {
        ZOOMS[self.zoom.min(ZOOMS.len() - 1)].1
    }

    /// The time window shown at `now`: `(left, right)`, Unix µs.
    pub fn window(self, now: Stamp) -> (i64, i64) {
        let right = self.end_us.unwrap_or(now.wall_us).min(now.wall_us);
        (right - self.span_us(), right)
    }

    pub fn zoom_out(&mut self) {
        self.zoom = (self.zoom + 1).min(ZOOMS.len() - 1);
    }

    pub fn zoom_in(&mut self) {
        self.zoom = self.zoom.saturating_sub(1);
    }

    /// Half a width back in time: following stops.
    pub fn earlier(&mut self, now: Stamp) {
        let (_, right) = self.window(now);
        self.end_us = Some(right - self.span_us() / 2);
    }

    /// Half a width on; reaching now follows again.
    pub fn later(&mut self, now: Stamp) {
        let (_, right) = self.window(now);
        let next = right + self.span_us() / 2;
        self.end_us = (next < now.wall_us).then_some(next);
    }
}

/// What one column of a lane shows, in rising priority: where several things fall in
/// one column, the rarer and more telling wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    None,
    Idle,
    Warm,
    WarmStart,
    Cold,
    Init,
    Error,
    Timeout,
    Reclaimed,
    Destroyed,
}

impl Mark {
    fn glyph(self, provisioned: bool) -> &'static str {
        match self {
            Self::None => " ",
            Self::Idle if provisioned => "═",
            Self::Idle => "─",
            Self::Warm => "█",
            Self::WarmStart => "▐",
            Self::Cold => "▓",
            Self::Init => "░",
            Self::Error => "╳",
            Self::Timeout => "◷",
            Self::Reclaimed => "·",
            Self::Destroyed => "✕",
        }
    }

    fn style(self, t: &Theme, provisioned: bool) -> Style {
        match self {
            Self::None => t.text,
            Self::Idle if provisioned => ink(t.env_provisioned),
            Self::Idle | Self::Reclaimed => t.dim,
            Self::Warm | Self::WarmStart => ink(t.env_warm),
            Self::Cold => ink(t.env_cold),
            Self::Init => ink(t.env_init),
            Self::Error | Self::Timeout | Self::Destroyed => t.error,
        }
    }

    const LEGEND: [(Self, &'static str); 8] = [
        (Self::Init, "init"),
        (Self::Cold, "cold"),
        (Self::Warm, "warm"),
        (Self::Error, "error"),
        (Self::Timeout, "timeout"),
        (Self::Idle, "idle"),
        (Self::Reclaimed, "reclaimed"),
        (Self::Destroyed, "destroyed"),
    ];
}

/// A cell style's colour as ink: the grid paints backgrounds, a lane paints glyphs.
fn ink(s: Style) -> Style {
    match s.bg {
        Some(c) => Style::new().fg(c),
        None => Style::new(),
    }
}

/// The environments the lanes show at `now`: every live one, and the dead ones that
/// lived inside the window, in birth order.
pub fn rows(state: &State, view: LaneView, now: Stamp) -> Vec<&EnvRow> {
    let (left, _) = view.window(now);
    state
        .envs
        .rows()
        .filter(|r| r.state.is_alive() || r.lane.end.is_none_or(|(t, _)| t >= left))
        .collect()
}

/// The first row shown and how many fit in a lanes panel's `inner` area: the newest
/// rows, unless the selection asks for others.
fn window_rows(rows: &[&EnvRow], inner: Rect, app: &App) -> (usize, usize) {
    // Lanes, then the time axis and the legend.
    let height = usize::from(inner.height.saturating_sub(2));
    let selected = app
        .selected
        .and_then(|s| rows.iter().position(|r| r.seq == s));
    let mut top = rows.len().saturating_sub(height);
    if let Some(i) = selected {
        if i < top {
            top = i;
        } else if i >= top + height {
            top = i + 1 - height;
        }
    }
    (top, height)
}

/// The environment whose lane is at `(x, y)` in a lanes panel drawn at `area`.
pub fn hit(area: Rect, state: &State, app: &App, now: Stamp, x: u16, y: u16) -> Option<u64> {
    let inner = Block::bordered().inner(area);
    if x < inner.x || x >= inner.x + inner.width || y < inner.y {
        return None;
    }
    let rows = rows(state, app.lanes, now);
    let (top, height) = window_rows(&rows, inner, app);
    let i = usize::from(y - inner.y);
    (i < height)
        .then(|| rows.get(top + i).map(|r| r.seq))
        .flatten()
}

/// One lane's marks over `width` columns from `left`, each `step` µs wide.
fn marks(row: &EnvRow, left: i64, step: i64, width: u16, now_us: i64) -> Vec<Mark> {
    let cols = usize::from(width);
    let mut out = vec![Mark::None; cols];
    if cols == 0 || step <= 0 {
        return out;
    }
    let col = |t: i64| -> Option<usize> {
        let c = (t - left).div_euclid(step);
        usize::try_from(c).ok().filter(|c| *c < cols)
    };
    // Columns touched by `from..to`, clipped to the window.
    let range = |from: i64, to: i64| -> Option<(usize, usize)> {
        let right = left + step * i64::from(width);
        if to < left || from >= right {
            return None;
        }
        let a = col(from.max(left)).unwrap_or(0);
        let b = col((to - 1).max(from).min(right - 1)).unwrap_or(cols - 1);
        Some((a, b.max(a)))
    };
    let mut paint = |from: i64, to: i64, m: Mark| {
        if let Some((a, b)) = range(from, to) {
            for c in &mut out[a..=b] {
                *c = (*c).max(m);
            }
        }
    };
    let lane = &row.lane;
    let end = lane.end.map_or(now_us, |(t, _)| t);
    paint(lane.born_us, end, Mark::Idle);
    if let Some(i) = lane.init {
        paint(i.start_us, i.end_us.unwrap_or(now_us), Mark::Init);
    }
    for s in &lane.spans {
        let to = s.end_us.unwrap_or(now_us);
        let body = match s.outcome {
            Some(InvokeOutcome::Timeout) => Mark::Timeout,
            Some(InvokeOutcome::Error | InvokeOutcome::Crash) => Mark::Error,
            _ if s.cold => Mark::Cold,
            _ => Mark::Warm,
        };
        paint(s.start_us, to, body);
        // A cold start whose Init and bar fall in one column at this zoom: the bar goes
        // in the next column, so every birth reads "Init, then a bar".
        if body == Mark::Cold
            && let (Some(i), Some(c)) = (lane.init, col(s.start_us.max(left)))
            && col(i.start_us.max(left)) == Some(c)
        {
            let next = left + step * (i64::try_from(c).unwrap_or(0) + 1);
            if to <= next {
                paint(next, next + 1, Mark::Cold);
            }
        }
        if body == Mark::Warm {
            // Each invocation's first column is marked: serial bars read as bars.
            paint(s.start_us, s.start_us + 1, Mark::WarmStart);
        }
    }
    if let Some((t, how)) = lane.end {
        let m = match how {
            LaneEnd::Reclaimed => Mark::Reclaimed,
            LaneEnd::Destroyed => Mark::Destroyed,
        };
        paint(t, t + 1, m);
    }
    out
}

/// The label before a lane: selection, birth number, provisioned mark.
const LABEL_W: u16 = 7;
/// The invocation count after a lane.
const COUNT_W: u16 = 6;

pub fn render(frame: &mut Frame, area: Rect, state: &State, app: &App, now: Stamp) {
    let t = &app.theme;
    let view = app.lanes;
    let rows = rows(state, view, now);
    let inner = Block::bordered().inner(area);
    let (top, height) = window_rows(&rows, inner, app);
    let shown = &rows[top.min(rows.len())..rows.len().min(top + height)];
    let mut title = vec![
        Span::styled(" Lanes ", t.title),
        Span::styled(format!("{} ", view.zoom_name()), t.text),
        Span::styled(
            if view.end_us.is_some() {
                "· scrolled back "
            } else {
                "· following now "
            },
            t.dim,
        ),
    ];
    if rows.len() > shown.len() {
        title.push(Span::styled(
            format!(
                "· rows {}–{} of {} ",
                top + 1,
                top + shown.len(),
                rows.len()
            ),
            t.dim,
        ));
    }
    if state.late_dropped > 0 {
        // Events older than the history holds: counted, not drawn.
        title.push(Span::styled(
            format!("· {} too late to draw ", state.late_dropped),
            t.dim,
        ));
    }
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_style(t.border)
        .title(super::format::fit(title, area.width));
    // Under the grid, the grid's border already shows the selection.
    if app.hero == Hero::Lanes {
        block = block.title_bottom(super::format::fit(
            super::grid::selected_line(state, app, now),
            area.width,
        ));
    }
    frame.render_widget(block, area);
    if inner.width <= LABEL_W + COUNT_W + 4 || inner.height < 3 {
        return;
    }
    let width = inner.width - LABEL_W - COUNT_W;
    let (left, right) = view.window(now);
    let step = ((right - left) / i64::from(width)).max(1);
    let left = right - step * i64::from(width);
    if rows.is_empty() {
        frame.render_widget(
            Line::styled("no environments in this window", t.dim),
            Rect { height: 1, ..inner },
        );
    }
    let buf = frame.buffer_mut();
    for (i, row) in shown.iter().enumerate() {
        let y = inner.y + i as u16;
        let m = marks(row, left, step, width, now.wall_us);
        lane_row(
            buf,
            Rect {
                y,
                height: 1,
                ..inner
            },
            row,
            &m,
            app,
        );
    }
    axis(frame, inner, width, view, now, t);
    legend(frame, inner, app);
}

/// The legend on the panel's last inner line: as much as fits, then the keys if they
/// fit too.
fn legend(frame: &mut Frame, inner: Rect, app: &App) {
    let t = &app.theme;
    let keys = if app.hero == Hero::Lanes {
        "v grid  z/Z zoom  ←/→ time"
    } else {
        "v lanes only  z/Z zoom"
    };
    let mut legend = Vec::new();
    let mut room = usize::from(inner.width);
    for (m, name) in Mark::LEGEND {
        let text = format!(" {name}  ");
        let w = 1 + text.chars().count();
        if w > room {
            break;
        }
        room -= w;
        legend.push(Span::styled(m.glyph(false), m.style(t, false)));
        legend.push(Span::styled(text, t.dim));
    }
    if keys.chars().count() <= room {
        legend.push(Span::styled(keys, t.key));
    }
    frame.render_widget(
        Line::from(legend),
        Rect {
            y: inner.y + inner.height - 1,
            height: 1,
            ..inner
        },
    );
}

/// One lane: its label, its marks, its invocation count.
fn lane_row(buf: &mut Buffer, area: Rect, row: &EnvRow, marks: &[Mark], app: &App) {
    let t = &app.theme;
    let (y, width) = (area.y, area.width - LABEL_W - COUNT_W);
    let provisioned = row.provisioned();
    let is_selected = app.selected == Some(row.seq);
    let label = format!(
        "{}{:>4}{} ",
        if is_selected { "▸" } else { " " },
        row.seq + 1,
        if provisioned { "▣" } else { " " }
    );
    let label_style = if is_selected {
        t.highlight
    } else if provisioned {
        ink(t.env_provisioned)
    } else {
        t.dim
    };
    buf.set_string(area.x, y, label, label_style);
    let x0 = area.x + LABEL_W;
    for (c, m) in marks.iter().enumerate() {
        if *m != Mark::None {
            buf.set_string(
                x0 + c as u16,
                y,
                m.glyph(provisioned),
                m.style(t, provisioned),
            );
        }
    }
    let shared = if row.lane.peak_shared > 1 {
        format!("×{}", row.lane.peak_shared)
    } else {
        String::new()
    };
    let count = format!("{:>5}", row.invocations);
    buf.set_string(x0 + width, y, format!("{count:>5}"), t.text);
    if !shared.is_empty() {
        // Shared environments: most requests at once, where the count would end.
        let sx = x0 + width.saturating_sub(shared.chars().count() as u16);
        buf.set_string(sx, y, shared, t.dim);
    }
}

/// The time axis under the lanes: the left edge, the middle and the right edge.
fn axis(frame: &mut Frame, inner: Rect, width: u16, view: LaneView, now: Stamp, t: &Theme) {
    let y = inner.y + inner.height - 2;
    let x0 = inner.x + LABEL_W;
    let span_s = view.span_us() / 1_000_000;
    let ago = |s: i64| -> String {
        if s == 0 {
            "0".into()
        } else if s % 60 == 0 {
            format!("-{}m", s / 60)
        } else {
            format!("-{s}s")
        }
    };
    let right = match view.end_us {
        None => "now".to_string(),
        Some(end) => {
            let back = (now.wall_us - end).max(0) / 1_000_000;
            format!("now{}", ago(back))
        }
    };
    let back_s = view
        .end_us
        .map_or(0, |e| (now.wall_us - e).max(0) / 1_000_000);
    let buf = frame.buffer_mut();
    let line = "┈".repeat(usize::from(width));
    buf.set_string(x0, y, &line, t.dim);
    let left = ago(back_s + span_s);
    buf.set_string(x0, y, &left, t.dim);
    let mid = ago(back_s + span_s / 2);
    let mid_x = x0 + width / 2 - (mid.len() as u16) / 2;
    buf.set_string(mid_x, y, &mid, t.dim);
    let rx = (x0 + width).saturating_sub(right.len() as u16);
    buf.set_string(rx, y, &right, t.dim);
    buf.set_string(inner.x, y, "  env", t.dim);
    buf.set_string(x0 + width, y, "  inv", t.dim);
}

#[cfg(test)]
mod tests;
