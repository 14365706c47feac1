//! The burst panel: the plan the fire key sends (mode, N, sleep), keep-warm, the run in
//! progress or the last one, and the target.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::config::BurstMode;
use crate::ids::Stamp;
use crate::state::State;

use super::app::App;
use super::{format, keys};

pub fn render(frame: &mut Frame, area: Rect, state: &State, app: &App, now: Stamp) {
    let t = &app.theme;
    let block = Block::bordered()
        .border_style(t.border)
        .title(Span::styled(" Burst ", t.title))
        .title_bottom(Line::styled(keys::burst_hint(app.key_mode()), t.dim));
    let label = |s: &'static str| Span::styled(format!("{s:<7}"), t.dim);

    let mut modes = vec![label("mode")];
    for m in BurstMode::ALL {
        let style = if m == app.mode { t.highlight } else { t.dim };
        modes.push(Span::styled(m.as_str(), style));
        modes.push(Span::raw(" "));
    }
    let sleep = if app.sleep_ms == 0 {
        "none".to_string()
    } else {
        format::ms(f64::from(app.sleep_ms))
    };
    let keep_warm = if app.keep_warm {
        Span::styled(format!("on, every {} s", app.keep_warm_every_s), t.warm)
    } else {
        Span::styled("off", t.text)
    };
    let mut lines = vec![
        Line::from(modes),
        Line::from(vec![
            label("N"),
            Span::styled(format!("{:<8}", app.requests), t.key),
            Span::styled("sleep ", t.dim),
            Span::styled(sleep, t.key),
        ]),
        Line::from(vec![label("plan"), Span::styled(app.plan(), t.text)]),
        Line::from(vec![label("warm"), keep_warm]),
    ];
    if let Some(run) = state.bursts.last() {
        lines.push(Line::from(vec![
            label("run"),
            Span::styled(
                format!(
                    "{} · {} in flight · {}",
                    run.plan,
                    run.in_flight,
                    format::ago(now, run.started)
                ),
                t.warm,
            ),
        ]));
    } else if let Some((_, last)) = &state.last_burst {
        let mut text = if last.stopped {
            format!("{} · stopped", last.plan)
        } else {
            format!("{} · {} requests", last.plan, last.requests)
        };
        if let Some(us) = last.release_spread_us {
            text = format!("{text} · spread {}", format::us(us));
        }
        if last.late_starts > 0 {
            text = format!("{text} · {} late", last.late_starts);
        }
        lines.push(Line::from(vec![label("last"), Span::styled(text, t.text)]));
    } else {
        lines.push(Line::from(vec![
            label("last"),
            Span::styled("none yet", t.dim),
        ]));
    }
    let target = match app.emulator() {
        Some(_) => format!("{} (emulator)", app.target),
        None => app.target.clone(),
    };
    lines.push(Line::from(vec![
        label("target"),
        Span::styled(target, t.text),
    ]));
    if let Some(f) = &state.function {
        lines.push(Line::from(vec![
            label("fn"),
            Span::styled(f.short(), t.text),
        ]));
        lines.push(Line::from(vec![
            label("limits"),
            Span::styled(f.limits(), t.text),
        ]));
        lines.push(Line::from(vec![
            label("logs"),
            Span::styled(f.log_format.clone(), t.text),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        area,
    );
}
