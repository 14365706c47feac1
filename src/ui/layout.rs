//! Where each panel goes, as a pure function of the terminal size (the renderer and the
//! mouse both use it).
//!
//! ```text
//! ┌ title: thaw · target · LIVE/PAUSED/FROZEN ───────────────────────────────┐
//! ┌ Environments ─────────────────────────────────┐┌ Requests ───────────────┐
//! │ ❄ 1 ❄ 2 ● 3 ○ 4 …                             ││ cold / warm / reuse …   │
//! │ legend                                        │└─────────────────────────┘
//! └ selected environment ─────────────────────────┘┌ Burst ──────────────────┐
//! ┌ Concurrency ──────────────┐┌ Latency ─────────┐│ mode, N, sleep, …       │
//! │ client / platform / envs  ││ cold vs warm     ││                         │
//! └───────────────────────────┘└──────────────────┘└─────────────────────────┘
//! ┌ Log (START / REPORT) ────────────────────────────────────────────────────┐
//! └──────────────────────────────────────────────────────────────────────────┘
//!  status: key hints, or the latest notice or error
//! ```

use ratatui::layout::{Constraint, Layout, Rect};

/// Below this the screen says it is too small instead of drawing.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    pub grid: Rect,
    pub counters: Rect,
    pub burst: Rect,
    pub concurrency: Rect,
    pub latency: Rect,
    pub log: Rect,
    pub status: Rect,
    /// The counters have room for large digits.
    pub big_counters: bool,
}

/// The panels' areas, or `None` when the terminal is smaller than
/// [`MIN_WIDTH`] × [`MIN_HEIGHT`].
pub fn areas(size: Rect, big_digits: bool) -> Option<Areas> {
    if size.width < MIN_WIDTH || size.height < MIN_HEIGHT {
        return None;
    }
    let log_h = match size.height {
        0..30 => 5,
        30..45 => 7,
        _ => 10,
    };
    let [title, middle, log, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(log_h),
        Constraint::Length(1),
    ])
    .areas(size);
    let big_digits = big_digits && size.width >= 120;
    let side_w = if big_digits { 44 } else { 34 };
    let [main, sidebar] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(side_w)]).areas(middle);
    let chart_h = if middle.height >= 30 { 12 } else { 8 };
    let [grid, charts] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(chart_h)]).areas(main);
    let [concurrency, latency] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(charts);
    // Large digits take 4 rows each for cold and warm; only where the burst panel keeps
    // its room.
    let big_counters = big_digits && sidebar.height >= BIG_COUNTERS_H + BURST_H;
    let counters_h = if big_counters {
        BIG_COUNTERS_H
    } else {
        COUNTERS_H
    };
    let [counters, burst] =
        Layout::vertical([Constraint::Length(counters_h), Constraint::Fill(1)]).areas(sidebar);
    Some(Areas {
        title,
        grid,
        counters,
        burst,
        concurrency,
        latency,
        log,
        status,
        big_counters,
    })
}

/// An overlay of `width` × `height` in the middle of `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [popup] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(ratatui::layout::Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(ratatui::layout::Flex::Center)
        .areas(popup);
    popup
}

const COUNTERS_H: u16 = 7;
const BIG_COUNTERS_H: u16 = 12;
const BURST_H: u16 = 9;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_small_is_none_and_minimum_fits_every_panel() {
        assert!(areas(Rect::new(0, 0, 79, 40), false).is_none());
        assert!(areas(Rect::new(0, 0, 120, 23), false).is_none());
        let a = areas(Rect::new(0, 0, MIN_WIDTH, MIN_HEIGHT), true).unwrap();
        for r in [a.grid, a.counters, a.burst, a.concurrency, a.latency, a.log] {
            assert!(r.height >= 5 && r.width >= 20, "{r:?}");
        }
        assert!(!a.big_counters, "no room for large digits at 80x24");
        assert!(areas(Rect::new(0, 0, 160, 45), true).unwrap().big_counters);
    }
}
