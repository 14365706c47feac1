//! The environment lanes as SVG: the screen's lanes view on paper. One row per
//! environment in birth order, time to the right: its Init, each invocation as a bar
//! (cold, warm, error, timeout), idle time as a line, its end; hover shows its story.

use maud::{Markup, html};

use crate::event::InvokeOutcome;
use crate::state::{EnvRow, LaneEnd, State};

/// Drawing units: the SVG scales to the page's width.
const WIDTH: f64 = 1000.0;
/// A row's height: 9 units, thinner past 200 environments so the picture stays a page.
const ROW: f64 = 9.0;
const GAP: f64 = 2.0;
const AXIS: f64 = 22.0;
/// Tick steps to choose from, seconds: about six ticks across whatever the span.
const STEPS_S: [i64; 14] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
];

/// The time the lanes cover, Unix µs: the first birth to the last thing seen.
fn span(state: &State) -> Option<(i64, i64)> {
    let mut first = i64::MAX;
    let mut last = i64::MIN;
    for row in state.envs.rows() {
        let lane = &row.lane;
        first = first.min(lane.born_us);
        if let Some(i) = &lane.init {
            first = first.min(i.start_us);
            last = last.max(i.end_us.unwrap_or(i.start_us));
        }
        for s in &lane.spans {
            last = last.max(s.end_us.unwrap_or(s.start_us));
        }
        if let Some((at, _)) = lane.end {
            last = last.max(at);
        }
        last = last.max(lane.born_us);
    }
    (first <= last).then(|| (first, last.max(first.saturating_add(1_000_000))))
}

fn class(cold: bool, outcome: Option<InvokeOutcome>) -> &'static str {
    match outcome {
        Some(InvokeOutcome::Error | InvokeOutcome::Crash) => "error",
        Some(InvokeOutcome::Timeout) => "timeout",
        _ if cold => "cold",
        _ => "warm",
    }
}

/// The hover text of a lane.
fn story(row: &EnvRow, t0: i64) -> String {
    let at = |us: i64| format!("+{:.1} s", us.saturating_sub(t0) as f64 / 1e6);
    let mut parts = vec![row.id.to_string(), format!("born {}", at(row.lane.born_us))];
    if let Some(ms) = row.init_ms {
        parts.push(format!("Init {ms:.0} ms"));
    }
    parts.push(format!("{} invocations", row.invocations));
    match row.lane.end {
        Some((us, LaneEnd::Reclaimed)) => parts.push(format!("reclaimed {}", at(us))),
        Some((us, LaneEnd::Destroyed)) => parts.push(format!("destroyed {}", at(us))),
        None => {}
    }
    parts.join(" · ")
}

/// The lanes, or a line saying there are none.
pub fn svg(state: &State) -> Markup {
    let Some((t0, t1)) = span(state) else {
        return html! { p.empty { "No environment was seen." } };
    };
    // Coordinates to a tenth of a unit: the page's size is mostly these numbers.
    // Saturating: a hand-made recording may put its times anywhere.
    let at = |us: i64| {
        (us.saturating_sub(t0) as f64 / t1.saturating_sub(t0) as f64 * WIDTH).clamp(0.0, WIDTH)
    };
    let x = |us: i64| format!("{:.1}", at(us));
    let w = |a: i64, b: i64| format!("{:.1}", (at(b) - at(a)).max(1.0));
    let n = |v: f64| format!("{v:.1}");
    let rows: Vec<&EnvRow> = state.envs.rows().collect();
    let row_h = (ROW * 200.0 / rows.len().max(200) as f64).max(2.0);
    let gap = (row_h * GAP / ROW).max(0.5);
    let height = rows.len() as f64 * (row_h + gap) + AXIS;
    let span_s = t1.saturating_sub(t0) / 1_000_000;
    // About six ticks; past the longest step, eight whatever the span.
    let step = STEPS_S
        .iter()
        .copied()
        .find(|s| span_s / s <= 8)
        .unwrap_or_else(|| (span_s / 8).max(1));
    let ticks: Vec<i64> = (0..=span_s / step).map(|k| k * step).collect();
    html! {
        svg.lanes viewBox=(format!("0 0 {WIDTH} {height}")) role="img"
            aria-label=(format!("{} environments over {span_s} s", rows.len())) {
            @for (i, row) in rows.iter().enumerate() {
                @let top = i as f64 * (row_h + gap);
                @let (y, mid) = (n(top), n(top + row_h / 2.0));
                @let lane = &row.lane;
                @let end = lane.end.map_or(t1, |(at, _)| at);
                g.lane data-env=(row.id.0) {
                    title { (story(row, t0)) }
                    line.idle x1=(x(lane.born_us)) x2=(x(end)) y1=(mid) y2=(mid) {}
                    @if let Some(init) = &lane.init {
                        rect.init x=(x(init.start_us)) y=(y) height=(n(row_h))
                            width=(w(init.start_us, init.end_us.unwrap_or(t1))) {}
                    }
                    @for s in &lane.spans {
                        rect class=(class(s.cold, s.outcome)) x=(x(s.start_us)) y=(y) height=(n(row_h))
                            width=(w(s.start_us, s.end_us.unwrap_or(t1))) {}
                    }
                    @if let Some((at, how)) = lane.end {
                        rect class=(if how == LaneEnd::Reclaimed { "reclaimed" } else { "destroyed" })
                            x=(x(at)) y=(y) width="2" height=(n(row_h)) {}
                    }
                }
            }
            g.axis {
                @for t in &ticks {
                    @let tx = x(t0.saturating_add(t.saturating_mul(1_000_000)));
                    line x1=(tx) x2=(tx) y1="0" y2=(height - AXIS + 4.0) {}
                    text x=(tx) y=(height - 6.0) text-anchor=(if *t == 0 { "start" } else { "middle" }) { "+" (t) " s" }
                }
            }
        }
    }
}
