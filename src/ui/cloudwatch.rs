//! The CloudWatch panel: each series' newest datapoint (its period's time in UTC, `~`
//! while CloudWatch may still revise it) and what each AWS source is doing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::event::Stat;
use crate::lambda::Metric;
use crate::state::{MetricSeries, State};

use super::format;
use super::theme::Theme;

/// Columns the panel takes beside the log.
pub const WIDTH: u16 = 48;

/// Whether there is anything to show (a session on the emulator alone has no sources
/// to report, but its own metrics are shown the same way).
pub fn wanted(state: &State) -> bool {
    !state.metrics.is_empty() || !state.source_status.is_empty() || !state.failing.is_empty()
}

fn label(s: &MetricSeries) -> String {
    let stat = match s.stat {
        Stat::Maximum => "max",
        Stat::Sum => "sum",
        Stat::Average => "avg",
        Stat::Minimum => "min",
        Stat::SampleCount => "n",
        Stat::P50 => "p50",
        Stat::P99 => "p99",
    };
    let name = s
        .metric()
        .map_or_else(|| s.name.clone(), |m| m.label().to_string());
    format!("{name} {stat}")
}

fn value(s: &MetricSeries, v: f64) -> String {
    if s.metric().is_some_and(Metric::is_time) {
        format::ms(v)
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// `14:03` UTC: CloudWatch's period start.
pub fn period(start_us: i64) -> String {
    let minutes = start_us.div_euclid(60_000_000);
    format!(
        "{:02}:{:02}",
        minutes.div_euclid(60).rem_euclid(24),
        minutes.rem_euclid(60)
    )
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, t: &Theme) {
    // What each source is doing first (one line each), then the newest datapoints.
    let mut lines = Vec::new();
    // A failing source shows its failure in place of its status until it recovers.
    let failing = |source: &str| state.failing.iter().find(|(s, _)| s == source);
    for (source, message) in &state.source_status {
        if source == super::render::CAPTION {
            continue;
        }
        let line = match failing(source) {
            Some((_, e)) => Span::styled(format!("✕ {e}"), t.error),
            None => Span::styled(message.clone(), t.dim),
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {source}: "), t.key),
            line,
        ]));
    }
    for (source, e) in &state.failing {
        if !state.source_status.iter().any(|(s, _)| s == source) {
            lines.push(Line::from(vec![
                Span::styled(format!(" {source}: "), t.key),
                Span::styled(format!("✕ {e}"), t.error),
            ]));
        }
    }
    for s in &state.metrics {
        let Some((start, v)) = s.latest else { continue };
        let mark = if s.latest_provisional { "~" } else { " " };
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<20}", label(s)), t.dim),
            Span::styled(format!("{:>10}", value(s, v)), t.text),
            Span::styled(format!(" {}{mark}", when(start, s.period_s)), t.dim),
        ]));
    }
    let block = Block::bordered()
        .border_style(t.border)
        .title(Span::styled(" CloudWatch ", t.title))
        .title_bottom(Span::styled(" ~ may still change (UTC) ", t.dim));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// A period's start as precise as the period: `14:03`, or `14:03:27` for periods under
/// a minute (the emulator's).
fn when(start_us: i64, period_s: u32) -> String {
    if period_s >= 60 {
        period(start_us)
    } else {
        format!(
            "{}:{:02}",
            period(start_us),
            start_us.div_euclid(1_000_000).rem_euclid(60)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_utc_minutes() {
        assert_eq!(period(0), "00:00");
        assert_eq!(
            period((13 * 3600 + 7 * 60) * 1_000_000 + 59_000_000),
            "13:07"
        );
    }
}
