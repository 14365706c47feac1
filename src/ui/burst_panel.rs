//! The burst panel: the plan the fire key sends (mode, N, sleep), keep-warm, the run in
//! progress or the last one, and the target.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::config::PlanKind;
use crate::ids::Stamp;
use crate::state::State;

use super::app::App;
use super::{format, keys};

/// Width of the labels before each fact.
const LABEL_W: usize = 7;

/// A label and its facts, packed into lines no wider than `width`: a line breaks
/// between facts (`parallel 50 · 49 in flight`), never inside one unless it is wider
/// than a line on its own.
fn facts<'a>(
    label: &'static str,
    parts: &[String],
    width: usize,
    label_style: Style,
    style: Style,
) -> Vec<Line<'a>> {
    let room = width.saturating_sub(LABEL_W).max(1);
    let mut packed: Vec<String> = Vec::new();
    for p in parts {
        match packed.last_mut() {
            Some(line) if line.chars().count() + 3 + p.chars().count() <= room => {
                line.push_str(" · ");
                line.push_str(p);
            }
            _ => packed.push(p.clone()),
        }
    }
    let mut lines = Vec::new();
    for (i, text) in packed.into_iter().enumerate() {
        let head = if i == 0 { label } else { "" };
        // A single fact wider than the room (a long URL) breaks where it must.
        let chars: Vec<char> = text.chars().collect();
        for (j, chunk) in chars.chunks(room).enumerate() {
            let head = if j == 0 { head } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("{head:<LABEL_W$}"), label_style),
                Span::styled(chunk.iter().collect::<String>(), style),
            ]));
        }
    }
    lines
}

/// The panel's key hint, cut between hints to fit the border.
fn hint(full: &str, width: usize) -> String {
    let mut out = String::new();
    for item in full.split("  ").map(str::trim).filter(|s| !s.is_empty()) {
        let next = format!(" {item} ");
        if out.chars().count() + next.chars().count() > width {
            break;
        }
        out.push_str(&next);
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, app: &App, now: Stamp) {
    let t = &app.theme;
    let width = usize::from(area.width.saturating_sub(2));
    let block = Block::bordered()
        .border_style(t.border)
        .title(Span::styled(" Burst ", t.title))
        .title_bottom(Line::styled(
            hint(keys::burst_hint(app.key_mode()), width.saturating_sub(1)),
            t.dim,
        ));
    let label = |s: &'static str| Span::styled(format!("{s:<7}"), t.dim);

    let mut modes = vec![label("mode")];
    for m in PlanKind::ALL {
        let style = if m == app.plan_kind {
            t.highlight
        } else {
            t.dim
        };
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
        Line::from(vec![
            label("plan"),
            Span::styled(app.plan().to_string(), t.text),
        ]),
        Line::from(vec![label("warm"), keep_warm]),
    ];
    if let Some(run) = state.bursts.last() {
        let parts = [
            run.plan.clone(),
            format!("{} in flight", run.in_flight),
            format::ago(now, run.started),
        ];
        lines.extend(facts("run", &parts, width, t.dim, t.warm));
    } else if let Some((_, last)) = &state.last_burst {
        let mut parts = vec![last.plan.clone()];
        parts.push(if last.stopped {
            "stopped".to_string()
        } else {
            format!("{} requests", last.requests)
        });
        if let Some(us) = last.release_spread_us {
            parts.push(format!("spread {}", format::us(us)));
        }
        if last.late_starts > 0 {
            parts.push(format!("{} late", last.late_starts));
        }
        lines.extend(facts("last", &parts, width, t.dim, t.text));
    } else {
        lines.push(Line::from(vec![
            label("last"),
            Span::styled("none yet", t.dim),
        ]));
    }
    if let Some(f) = &state.fanout {
        lines.extend(facts("fanout", &fanout_facts(f), width, t.dim, t.text));
    }
    let mut target = vec![app.target.clone()];
    if app.emulator().is_some() {
        target.push("emulator".to_string());
    }
    lines.extend(facts("target", &target, width, t.dim, t.text));
    if let Some(f) = &state.function {
        lines.extend(facts("fn", &[f.short()], width, t.dim, t.text));
        let limits: Vec<String> = f.limits().split(" · ").map(str::to_string).collect();
        lines.extend(facts("limits", &limits, width, t.dim, t.text));
        lines.extend(facts(
            "logs",
            std::slice::from_ref(&f.log_format),
            width,
            t.dim,
            t.text,
        ));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The last fan-out in a few words: how many workers released, the others by outcome,
/// and how far from the instant the releases started.
fn fanout_facts(f: &crate::event::FanOutReport) -> Vec<String> {
    let mut parts: Vec<String> = f
        .outcomes()
        .iter()
        .map(|(o, n)| format!("{n}/{} {}", f.workers.len(), o.as_str()))
        .collect();
    if let Some(s) = f.spread() {
        parts.push(format!(
            "start p99 {} ± {}",
            format::us(s.p99_us.unsigned_abs()),
            format::us(f.uncertainty_us.unsigned_abs())
        ));
    }
    parts
}
