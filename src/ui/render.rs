//! The whole screen, from the state and the view; see [`super::layout`] for where each
//! panel goes.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ids::Stamp;
use crate::state::State;

use super::app::{App, Hero};
use super::keys;
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use super::{
    burst_panel, charts, cloudwatch, counters, format, grid, help, history, lanes, log, sizing,
};

/// The source whose status is a recorded story's chapter title (the demo's).
pub const CAPTION: &str = "demo";

/// How long a notice or a source error stays in the status line.
const NOTICE_US: u64 = 6_000_000;

/// What one frame of the live screen is drawn from.
pub struct View<'a> {
    pub state: &'a State,
    pub app: &'a App,
    /// The session time (cells flash and ages count from it).
    pub now: Stamp,
    /// The picture is the one kept by `f`.
    pub frozen: bool,
}

/// Draws everything.
pub fn draw(frame: &mut Frame, view: &View) {
    let View {
        state,
        app,
        now,
        frozen,
    } = *view;
    let size = frame.area();
    let t = &app.theme;
    let Some(a) = layout::areas(size, t.big_digits) else {
        too_small(frame, size, app);
        return;
    };
    title(frame, a.title, state, app, now, frozen);
    hero(frame, a.grid, state, app, now);
    counters::render(frame, a.counters, state, t, a.big_counters);
    burst_panel::render(frame, a.burst, state, app, now);
    if app.horizon == 0 {
        charts::render_concurrency(frame, a.concurrency, state, t);
    } else {
        history::render(frame, a.concurrency, state, t, app.horizon, now);
    }
    if app.horizon == 0 {
        charts::render_latency(frame, a.latency, state, t);
    } else {
        history::render_duration(frame, a.latency, state, t, app.horizon, now);
    }
    if cloudwatch::wanted(state) && a.log.width >= cloudwatch::WIDTH * 2 {
        let [log_area, cw] = ratatui::layout::Layout::horizontal([
            ratatui::layout::Constraint::Fill(1),
            ratatui::layout::Constraint::Length(cloudwatch::WIDTH),
        ])
        .areas(a.log);
        log::render(frame, log_area, state, t);
        cloudwatch::render(frame, cw, state, t);
    } else {
        log::render(frame, a.log, state, t);
    }
    status(frame, a.status, state, app, now);
    if app.sizing {
        sizing::render(frame, size, state, app);
    }
    if app.help {
        help::render(frame, size, app);
    }
}

/// The hero panel: the lanes, or the grid with the lanes under it where there is room.
pub fn hero(frame: &mut Frame, area: Rect, state: &State, app: &App, now: Stamp) {
    match app.hero {
        Hero::Grid => {
            let (cells, below) = grid::split(area, state);
            grid::render(frame, cells, state, app, now);
            if let Some(l) = below {
                lanes::render(frame, l, state, app, now);
            }
        }
        Hero::Lanes => lanes::render(frame, area, state, app, now),
    }
}

fn too_small(frame: &mut Frame, size: Rect, app: &App) {
    let t = &app.theme;
    let lines = vec![
        Line::styled("terminal too small", t.error),
        Line::styled(
            format!(
                "{}×{}: thaw needs at least {MIN_WIDTH}×{MIN_HEIGHT}",
                size.width, size.height
            ),
            t.text,
        ),
        Line::styled("enlarge the window, or press q to quit", t.dim),
    ];
    let top = size.height.saturating_sub(3) / 2;
    let area = Rect {
        y: size.y + top,
        height: size.height.saturating_sub(top),
        ..size
    };
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

fn title(frame: &mut Frame, area: Rect, state: &State, app: &App, now: Stamp, frozen: bool) {
    let t = &app.theme;
    let right_w = title_right(frame, area, state, app, now, frozen);
    // The left side gets what the right leaves, less a space between.
    let room = usize::from(area.width.saturating_sub(right_w + 1));
    let area = Rect {
        width: area.width.saturating_sub(right_w + 1),
        ..area
    };
    let mut left = vec![Span::styled(" thaw ", t.highlight)];
    if let Some((_, caption)) = state.source_status.iter().find(|(s, _)| s == CAPTION) {
        // A recorded story's chapter: the line a room reads, in place of the target.
        let text = format::shorten(caption, room.saturating_sub(8));
        left.push(Span::styled(format!(" {text} "), t.highlight));
        frame.render_widget(Line::from(left), area);
        return;
    }
    left.push(Span::styled(format!(" {} ", app.target), t.text));
    if let Some(e) = app.emulator() {
        left.push(Span::styled(format!("· emulator {e} "), t.dim));
    } else if let Some(f) = &state.function {
        left.push(Span::styled(format!("· {} ", f.short()), t.dim));
    }
    frame.render_widget(Line::from(left), area);
}

/// The title's right side: live, paused, frozen or where a replay is; the clock. Returns
/// its width.
fn title_right(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    app: &App,
    now: Stamp,
    frozen: bool,
) -> u16 {
    let t = &app.theme;
    let mode = if frozen {
        Span::styled(" ❄ FROZEN ", t.highlight)
    } else if let Some(r) = &state.replay {
        let speed = r
            .speed
            .map_or_else(|| "max".to_string(), |x| format!("×{x}"));
        let at = |us: u64| {
            format::clock(Stamp {
                mono_us: us,
                wall_us: 0,
            })
        };
        let what = if r.done {
            "■ END"
        } else if r.paused {
            "❚❚ PAUSED"
        } else {
            "▶ REPLAY"
        };
        Span::styled(
            format!(" {what} {} / {} {speed} ", at(r.position_us), at(r.end_us)),
            t.highlight,
        )
    } else if app.paused {
        Span::styled(" ❚❚ PAUSED ", t.highlight)
    } else {
        Span::styled(" ● LIVE ", t.warm)
    };
    let right = Line::from(vec![
        mode,
        Span::styled(format!(" {} ", format::clock(now)), t.dim),
        Span::styled(format!("{} events ", state.events), t.dim),
    ]);
    let width = u16::try_from(right.width()).unwrap_or(area.width);
    frame.render_widget(right.alignment(Alignment::Right), area);
    width
}

/// The newest source error or notice while fresh, else the key hints of the screen's mode.
pub fn status(frame: &mut Frame, area: Rect, state: &State, app: &App, now: Stamp) {
    let t = &app.theme;
    let fresh = |at: Stamp| now.mono_us.saturating_sub(at.mono_us) < NOTICE_US;
    let error = state.source_errors.back().filter(|e| fresh(e.at));
    let notice = app.notice.as_ref().filter(|(_, at)| fresh(*at));
    let line = match (error, notice) {
        (Some(e), n) if n.is_none_or(|(_, at)| e.at >= *at) => {
            // "logs:FilterLogEvents denied" already says which source it is.
            let named = e.message.starts_with(&format!("{}:", e.source));
            let source = if named {
                String::new()
            } else {
                format!("{}: ", e.source)
            };
            Line::from(vec![
                Span::styled(format!(" {source}"), t.error),
                Span::styled(e.message.clone(), t.error),
            ])
        }
        (_, Some((text, _))) => Line::from(vec![Span::styled(format!(" {text}"), t.key)]),
        // A source that keeps failing stays said until it recovers.
        _ if !state.failing.is_empty() => {
            let (source, message) = &state.failing[state.failing.len() - 1];
            let named = message.starts_with(&format!("{source}:"));
            let text = if named {
                format!(" ✕ {message}")
            } else {
                format!(" ✕ {source}: {message}")
            };
            Line::from(vec![
                Span::styled(text, t.error),
                Span::styled("  ? help", t.dim),
            ])
        }
        _ => {
            // As many hints as fit, in the table's order; help and quit always.
            let hints: Vec<(&str, &str)> = keys::hints(app.key_mode()).collect();
            let width = |(l, h): &(&str, &str)| l.chars().count() + h.chars().count() + 3;
            let last_two = hints.len().saturating_sub(2);
            let mut room = usize::from(area.width)
                .saturating_sub(hints[last_two..].iter().map(width).sum::<usize>());
            let mut spans = Vec::new();
            for (i, hint) in hints.iter().enumerate() {
                if i < last_two {
                    if width(hint) > room {
                        continue;
                    }
                    room -= width(hint);
                }
                spans.push(Span::styled(format!(" {} ", hint.0), t.key));
                spans.push(Span::styled(format!("{} ", hint.1), t.dim));
            }
            Line::from(spans)
        }
    };
    frame.render_widget(line, area);
}
