//! The counters: cold, warm, reuse ratio, throttles, errors, environments. Large digits
//! for cold and warm in the presentation theme.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use tui_big_text::{BigText, PixelSize};

use crate::event::ErrorKind;
use crate::state::State;

use super::format;
use super::theme::Theme;

/// The numbers the counters show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tally {
    pub cold: u64,
    pub warm: u64,
    pub reuse: Option<f64>,
    /// Of cold and warm, classified from latency rather than probe headers.
    pub inferred: u64,
    pub throttled: u64,
    pub errors: u64,
    pub in_flight: u32,
    pub live: usize,
    pub peak: usize,
}

impl Tally {
    /// The client's view when it classified requests (it saw the burst), else the
    /// platform's (lifecycle events alone, e.g. logs of traffic thaw did not send).
    pub fn of(state: &State) -> Self {
        let c = &state.client;
        let p = &state.platform;
        let client = c.cold + c.warm > 0;
        let (cold, warm, reuse) = if client {
            (c.cold, c.warm, c.reuse_ratio())
        } else {
            (p.cold_starts, p.warm_starts, p.reuse_ratio())
        };
        let client_throttled = c.error_count(ErrorKind::Throttled);
        Self {
            cold,
            warm,
            reuse,
            inferred: if client { c.inferred } else { 0 },
            throttled: client_throttled.max(p.throttled()),
            // Requests thaw sent: what the client saw fail. Else (watching a function's
            // logs) what the platform reported: function errors, timeouts, crashes, Inits.
            errors: if c.requests > 0 {
                c.errors_total() - client_throttled
            } else {
                p.function_errors + p.timeouts + p.crashes + p.init_errors
            },
            // Requests thaw sent and has no answer for; else (traffic thaw did not
            // send) invocations started and not yet ended.
            in_flight: if state.bursts.is_empty() && c.in_flight == 0 {
                u32::try_from(p.in_flight).unwrap_or(u32::MAX)
            } else {
                c.in_flight
            },
            live: state.envs.live(),
            peak: state.envs.peak_live(),
        }
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, big: bool) {
    let t = theme;
    let tally = Tally::of(state);
    let block = Block::bordered()
        .border_style(t.border)
        .title(Span::styled(" Requests ", t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let pair = |a: &str, av: String, a_style, b: &str, bv: String, b_style| {
        Line::from(vec![
            Span::styled(format!("{a:<10}"), t.dim),
            Span::styled(format!("{av:<6}"), a_style),
            Span::styled(format!("{b:<10}"), t.dim),
            Span::styled(bv, b_style),
        ])
    };
    let mut lines = Vec::new();
    if !big {
        lines.push(pair(
            "cold",
            tally.cold.to_string(),
            t.cold,
            "warm",
            tally.warm.to_string(),
            t.warm,
        ));
    }
    lines.push(pair(
        "reuse",
        format::percent(tally.reuse),
        t.text,
        "in flight",
        tally.in_flight.to_string(),
        t.text,
    ));
    lines.push(pair(
        "throttled",
        tally.throttled.to_string(),
        if tally.throttled > 0 {
            t.throttle
        } else {
            t.text
        },
        "errors",
        tally.errors.to_string(),
        if tally.errors > 0 { t.error } else { t.text },
    ));
    lines.push(pair(
        "envs",
        tally.live.to_string(),
        t.text,
        "peak",
        tally.peak.to_string(),
        t.text,
    ));
    lines.extend(notes(state, &tally, t));
    if !big {
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let [labels, digits, _, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let halves = |r: Rect| Layout::horizontal([Constraint::Fill(1); 2]).areas::<2>(r);
    let [cold_label, warm_label] = halves(labels);
    let [cold_digits, warm_digits] = halves(digits);
    frame.render_widget(Line::styled("COLD", t.cold), cold_label);
    frame.render_widget(Line::styled("WARM", t.warm), warm_label);
    for (value, style, at) in [
        (tally.cold, t.cold, cold_digits),
        (tally.warm, t.warm, warm_digits),
    ] {
        let big = BigText::builder()
            .pixel_size(PixelSize::Quadrant)
            .style(style)
            .lines(vec![Line::from(value.to_string())])
            .build();
        frame.render_widget(big, at);
    }
    frame.render_widget(Paragraph::new(lines), rest);
}

/// Lines shown only when they have something to say: requests waiting for a slot,
/// the asynchronous queue, classifications inferred from latency.
fn notes(state: &State, tally: &Tally, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if state.platform.queued > 0 {
        lines.push(Line::styled(
            format!(
                "⧗ {} queued, longest {}",
                state.platform.queued,
                format::ms(state.platform.queued_max_ms)
            ),
            t.dim,
        ));
    }
    if let Some(q) = &state.async_queue {
        lines.push(async_line(q, t));
    }
    if tally.inferred > 0 {
        lines.push(Line::styled(
            format!("~ {} inferred from latency", tally.inferred),
            t.dim,
        ));
    }
    lines
}

/// The queue of `Event` invocations in one line (the panel is narrow): its depth and
/// oldest event's age, then `↻` retries and `✕` events dropped, when there are any.
fn async_line(q: &crate::event::AsyncQueueStats, t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!(
            "⇢ async {}, oldest {}",
            q.depth,
            format::ms(q.oldest_ms as f64)
        ),
        t.dim,
    )];
    if q.retried > 0 {
        spans.push(Span::styled(format!(" ↻{}", q.retried), t.throttle));
    }
    if q.dropped > 0 {
        spans.push(Span::styled(format!(" ✕{}", q.dropped), t.error));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventKind, InvokeOutcome};
    use crate::ids::{EnvId, RequestId, Stamp};

    /// Watching a function's logs (no requests of thaw's own): a REPORT with
    /// `Status: timeout` and one with an error count as errors.
    #[test]
    fn without_requests_of_its_own_errors_are_the_platforms() {
        let mut s = State::new();
        for (i, outcome) in [
            InvokeOutcome::Timeout,
            InvokeOutcome::Error,
            InvokeOutcome::Success,
        ]
        .into_iter()
        .enumerate()
        {
            s.apply(&Event::new(
                Stamp::default(),
                EventKind::InvokeEnd {
                    env: EnvId("a".into()),
                    request: RequestId(i.to_string()),
                    duration_ms: 3000.0,
                    billed_ms: 3000,
                    init_ms: None,
                    cold: false,
                    outcome,
                },
            ));
        }
        assert_eq!(Tally::of(&s).errors, 2);
    }

    #[test]
    fn the_async_queue_shows_its_depth_age_and_drops() {
        let q = crate::event::AsyncQueueStats {
            depth: 3,
            oldest_ms: 1200,
            delivered: 10,
            retried: 2,
            dropped: 1,
        };
        let theme = Theme::named(crate::config::tui::ThemeName::Default);
        let text: String = async_line(&q, &theme)
            .spans
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(text, "⇢ async 3, oldest 1.20 s ↻2 ✕1");
        assert!(text.chars().count() <= 32, "fits the panel");
    }
}
