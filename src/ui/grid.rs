//! The environment grid: one cell per execution environment, in birth order, coloured
//! and marked by what it is doing. A cold birth is blue (◌ while in Init, ❄ while it
//! serves its first request); a warm reuse is orange (●); idle is dim (○), provisioned
//! green (▣), reclaimed grey (·), destroyed red (✕). A cell whose state just changed is
//! drawn bold for a moment, so a room sees it happen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::ids::Stamp;
use crate::link::SessionKind;
use crate::state::{EnvRow, EnvState, State};

use super::app::App;
use super::format;
use super::theme::Theme;

/// How long a changed cell stays emphasised.
const FLASH_US: u64 = 700_000;

/// What a cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Init,
    Cold,
    Warm,
    Idle,
    Provisioned,
    Reclaimed,
    Destroyed,
}

impl Look {
    pub fn of(row: &EnvRow) -> Self {
        match row.state {
            EnvState::Initializing => Self::Init,
            EnvState::Busy if row.last_cold => Self::Cold,
            EnvState::Busy => Self::Warm,
            EnvState::Idle if row.provisioned() => Self::Provisioned,
            EnvState::Idle => Self::Idle,
            EnvState::Reclaimed => Self::Reclaimed,
            EnvState::Destroyed => Self::Destroyed,
        }
    }

    pub fn glyph(self) -> &'static str {
        match self {
            Self::Init => "◌",
            Self::Cold => "❄",
            Self::Warm => "●",
            Self::Idle => "○",
            Self::Provisioned => "▣",
            Self::Reclaimed => "·",
            Self::Destroyed => "✕",
        }
    }

    /// The glyph for `row`: an environment serving several requests at once shows how
    /// full it is (in flight / slots) while busy.
    pub fn glyph_of(self, row: &EnvRow) -> &'static str {
        if row.slots <= 1 || !matches!(self, Self::Cold | Self::Warm) {
            return self.glyph();
        }
        let fill = f64::from(row.in_flight) / f64::from(row.slots);
        if fill <= 0.25 {
            "◔"
        } else if fill <= 0.5 {
            "◑"
        } else if fill < 1.0 {
            "◕"
        } else {
            self.glyph()
        }
    }

    pub fn style(self, t: &Theme) -> Style {
        match self {
            Self::Init => t.env_init,
            Self::Cold => t.env_cold,
            Self::Warm => t.env_warm,
            Self::Idle => t.env_idle,
            Self::Provisioned => t.env_provisioned,
            Self::Reclaimed => t.env_reclaimed,
            Self::Destroyed => t.env_destroyed,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Init => "init",
            Self::Cold => "cold",
            Self::Warm => "warm",
            Self::Idle => "idle",
            Self::Provisioned => "provisioned",
            Self::Reclaimed => "reclaimed",
            Self::Destroyed => "destroyed",
        }
    }

    pub const LEGEND: [Self; 7] = [
        Self::Init,
        Self::Cold,
        Self::Warm,
        Self::Idle,
        Self::Provisioned,
        Self::Reclaimed,
        Self::Destroyed,
    ];
}

/// Cell sizes, largest first: the grid uses the largest that shows every environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellSize {
    /// Glyph and birth number: `❄ 12`.
    Large,
    /// Glyph and a space: `❄ `.
    Medium,
    /// The glyph alone.
    Small,
}

impl CellSize {
    fn width(self) -> u16 {
        match self {
            Self::Large => 4,
            Self::Medium => 2,
            Self::Small => 1,
        }
    }

    fn stride(self) -> u16 {
        match self {
            Self::Large => 5,
            Self::Medium => 3,
            Self::Small => 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub size: CellSize,
    pub cols: usize,
    pub rows: usize,
}

impl Geometry {
    pub fn capacity(self) -> usize {
        self.cols * self.rows
    }

    /// The cell holding `(x, y)`, as an index into the cells shown.
    pub fn hit(self, cells: Rect, x: u16, y: u16) -> Option<usize> {
        if x < cells.x || y < cells.y || y >= cells.y + self.rows as u16 {
            return None;
        }
        let dx = x - cells.x;
        let col = usize::from(dx / self.size.stride());
        if col >= self.cols || dx % self.size.stride() >= self.size.width() {
            return None;
        }
        Some(usize::from(y - cells.y) * self.cols + col)
    }
}

/// Whether some cell is still flashing at `now` (the screen must keep redrawing).
pub fn flashing(state: &State, now: Stamp) -> bool {
    state
        .envs
        .rows()
        .rev()
        .any(|r| now.mono_us.saturating_sub(r.changed.mono_us) < FLASH_US)
}

/// The largest cells that fit `n` environments in `cells` (numbers up to 999 fit a
/// large cell).
pub fn geometry(cells: Rect, n: usize, max_seq: u64) -> Geometry {
    let rows = usize::from(cells.height);
    let fit = |size: CellSize| Geometry {
        size,
        cols: usize::from((cells.width + size.stride() - size.width()) / size.stride()),
        rows,
    };
    for size in [CellSize::Large, CellSize::Medium] {
        let g = fit(size);
        if g.capacity() >= n && (size != CellSize::Large || max_seq < 999) {
            return g;
        }
    }
    fit(CellSize::Small)
}

/// The block's inner area less the legend line.
pub fn cells_area(block: Rect) -> Rect {
    let inner = Block::bordered().inner(block);
    Rect {
        height: inner.height.saturating_sub(1),
        ..inner
    }
}

/// The environments the grid shows, in birth order, and how many did not fit. When
/// they do not all fit, dead ones give way first, then the oldest.
pub fn shown(state: &State, capacity: usize) -> (Vec<&EnvRow>, usize) {
    let all: Vec<&EnvRow> = state.envs.rows().collect();
    if all.len() <= capacity {
        return (all, 0);
    }
    let alive: Vec<&EnvRow> = all.iter().copied().filter(|r| r.state.is_alive()).collect();
    let keep = if alive.len() <= capacity {
        // Every live one, plus the newest dead ones that still fit.
        let mut dead_room = capacity - alive.len();
        let mut keep: Vec<&EnvRow> = all
            .iter()
            .rev()
            .copied()
            .filter(|r| {
                if r.state.is_alive() {
                    true
                } else if dead_room > 0 {
                    dead_room -= 1;
                    true
                } else {
                    false
                }
            })
            .collect();
        keep.reverse();
        keep
    } else {
        alive[alive.len() - capacity..].to_vec()
    };
    let hidden = all.len() - keep.len();
    (keep, hidden)
}

/// Rows a lanes panel needs to be worth drawing under the grid.
const LANES_MIN_H: u16 = 8;

/// The hero panel in the grid view: the grid, and under it the lanes when the grid
/// leaves room (a burst of 50 fills a third of a large terminal; the rest shows who was
/// born when and who was reused).
pub fn split(area: Rect, state: &State) -> (Rect, Option<Rect>) {
    let n = state.envs.len().max(1);
    let max_seq = state.envs.rows().next_back().map_or(0, |r| r.seq + 1);
    let cells = cells_area(area);
    let g = geometry(cells, n, max_seq);
    // Borders, the legend, the cells' rows, and one spare row to grow into.
    let rows = u16::try_from(n.div_ceil(g.cols.max(1))).unwrap_or(u16::MAX);
    let needed = rows.saturating_add(4).max(5);
    if state.envs.is_empty() || area.height < needed + LANES_MIN_H {
        return (area, None);
    }
    let grid = Rect {
        height: needed,
        ..area
    };
    let lanes = Rect {
        y: area.y + needed,
        height: area.height - needed,
        ..area
    };
    (grid, Some(lanes))
}

/// The geometry and cells area for the grid block at `area`, as drawn now.
pub fn layout(area: Rect, state: &State) -> (Rect, Geometry) {
    let cells = cells_area(area);
    let max_seq = state.envs.rows().next_back().map_or(0, |r| r.seq + 1);
    let g = geometry(cells, state.envs.len(), max_seq);
    (cells, g)
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, app: &App, now: Stamp) {
    let t = &app.theme;
    let (cells, g) = layout(area, state);
    let (rows, hidden) = shown(state, g.capacity());
    let mut title = vec![
        Span::styled(" Environments ", t.title),
        Span::styled(format!("live {} ", state.envs.live()), t.text),
        Span::styled(format!("· peak {} ", state.envs.peak_live()), t.text),
        Span::styled(format!("· reclaimed {} ", state.platform.reclaimed), t.text),
    ];
    if hidden > 0 {
        title.push(Span::styled(format!("· {hidden} not shown "), t.dim));
    }
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(t.border)
        .title(format::fit(title, area.width))
        .title_bottom(format::fit(selected_line(state, app, now), area.width));
    frame.render_widget(block, area);

    if rows.is_empty() {
        let fire = super::keys::key_of(app.key_mode(), super::keys::Action::Fire);
        let text = match (&app.kind, fire) {
            (SessionKind::Replay, _) => "no environments yet in this recording".to_string(),
            (SessionKind::WatchingAws { .. }, _) => {
                "no environments yet: they appear as the function's log streams do".to_string()
            }
            (_, Some(key)) => format!("no environments yet: press {key} to fire a burst"),
            (_, None) => "no environments yet".to_string(),
        };
        let hint = Line::styled(text, t.dim);
        frame.render_widget(hint, Rect { height: 1, ..cells });
    }
    let buf = frame.buffer_mut();
    for (i, row) in rows.iter().enumerate() {
        let (col, line) = (i % g.cols.max(1), i / g.cols.max(1));
        let x = cells.x + col as u16 * g.size.stride();
        let y = cells.y + line as u16;
        let look = Look::of(row);
        let mut style = look.style(t);
        if now.mono_us.saturating_sub(row.changed.mono_us) < FLASH_US {
            style = style.add_modifier(t.flash);
        }
        if app.selected == Some(row.seq) {
            style = style.add_modifier(t.selected);
        }
        let glyph = look.glyph_of(row);
        let text = match g.size {
            CellSize::Large => format!("{glyph}{:>3}", row.seq + 1),
            CellSize::Medium => format!("{glyph} "),
            CellSize::Small => glyph.to_string(),
        };
        buf.set_string(x, y, text, style);
    }
    // The legend, on the block's last inner line.
    let legend_y = cells.y + cells.height;
    // As much of the legend as fits.
    let mut spans = Vec::new();
    let mut room = usize::from(cells.width);
    let mut item = |glyph: &'static str, style, name: &str| {
        let text = format!(" {name}  ");
        let w = glyph.chars().count() + text.chars().count();
        if w <= room {
            room -= w;
            spans.push(Span::styled(glyph, style));
            spans.push(Span::styled(text, t.dim));
        }
    };
    for look in Look::LEGEND {
        item(look.glyph(), look.style(t), look.name());
    }
    if rows.iter().any(|r| r.slots > 1) {
        item("◔◑◕", t.env_warm, "fill");
    }
    frame.render_widget(
        Line::from(spans),
        Rect {
            y: legend_y,
            height: 1,
            ..cells
        },
    );
}

/// The selected environment's facts, for the block's bottom border: the parts to fit.
pub fn selected_line(state: &State, app: &App, now: Stamp) -> Vec<Span<'static>> {
    let t = &app.theme;
    let Some(row) = app
        .selected
        .and_then(|seq| state.envs.rows().find(|r| r.seq == seq))
    else {
        return vec![Span::styled(
            " ←↑↓→ or click: select an environment ",
            t.dim,
        )];
    };
    let init = row.init_ms.map_or_else(
        || "init –".to_string(),
        |ms| format!("init {}", format::ms(ms)),
    );
    let short: String = row.id.0.chars().take(8).collect();
    let fill = if row.slots > 1 {
        format!(" {}/{}", row.in_flight, row.slots)
    } else {
        String::new()
    };
    vec![
        Span::styled(format!(" #{} ", row.seq + 1), t.highlight),
        Span::styled(format!(" {short} "), t.text),
        Span::styled(format!("· {}{fill} ", Look::of(row).name()), t.text),
        Span::styled(format!("· {} inv ", row.invocations), t.text),
        Span::styled(format!("· {init} "), t.text),
        Span::styled(format!("· born {} ", format::clock(row.born)), t.text),
        Span::styled(
            format!("· last use {} ago ", format::ago(now, row.last_used)),
            t.text,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_picks_the_largest_cells_that_fit() {
        let cells = Rect::new(0, 0, 44, 8);
        assert_eq!(geometry(cells, 50, 50).size, CellSize::Large);
        assert_eq!(geometry(cells, 50, 50).cols, 9);
        assert_eq!(geometry(cells, 100, 100).size, CellSize::Medium);
        assert_eq!(geometry(cells, 300, 300).size, CellSize::Small);
        // Four-digit birth numbers do not fit a large cell.
        assert_eq!(geometry(cells, 5, 1500).size, CellSize::Medium);
    }

    #[test]
    fn hit_finds_cells_and_misses_gaps() {
        let cells = Rect::new(10, 5, 44, 8);
        let g = geometry(cells, 20, 20);
        assert_eq!(g.hit(cells, 10, 5), Some(0));
        assert_eq!(g.hit(cells, 13, 5), Some(0));
        assert_eq!(g.hit(cells, 14, 5), None, "the gap between cells");
        assert_eq!(g.hit(cells, 15, 6), Some(g.cols + 1));
        assert_eq!(g.hit(cells, 9, 5), None);
        assert_eq!(g.hit(cells, 10, 13), None);
    }
}
