//! Concurrency over the last minute (the client's in-flight requests beside the
//! platform's ConcurrentExecutions and the live environments) and latency, cold vs warm.

use hdrhistogram::Histogram;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph};

use crate::event::Stat;
use crate::lambda::Metric;
use crate::state::State;

use super::format;
use super::theme::Theme;

/// Seconds of history the concurrency chart shows.
const WINDOW_S: usize = 60;

/// One chart line: `(seconds before now, value)`, oldest first.
pub type Series = Vec<(f64, f64)>;

/// The three concurrency lines, and whether the platform line comes from a CloudWatch
/// metric (else from lifecycle events).
pub struct Concurrency {
    pub client: Series,
    pub platform: Series,
    pub envs: Series,
    pub from_metric: bool,
    pub provisional: bool,
}

impl Concurrency {
    pub fn of(state: &State) -> Self {
        let Some(latest) = state.latest else {
            return Self {
                client: Vec::new(),
                platform: Vec::new(),
                envs: Vec::new(),
                from_metric: false,
                provisional: false,
            };
        };
        let last = u64::try_from(latest.wall_us.div_euclid(1_000_000)).unwrap_or(0);
        // Nothing is drawn for the seconds before the first one seen.
        let held = state.seconds.first_slot().map_or(1, |f| {
            usize::try_from(last.saturating_sub(f) + 1).unwrap_or(WINDOW_S)
        });
        let window = state.seconds.window(last, WINDOW_S.min(held));
        let x = |i: usize| i as f64 - (window.len() as f64 - 1.0);
        let line = |f: &dyn Fn(&crate::state::Second) -> u32| -> Series {
            window
                .iter()
                .enumerate()
                .map(|(i, s)| (x(i), f64::from(f(s))))
                .collect()
        };
        let client = line(&|s| s.client_concurrency);
        let envs = line(&|s| s.live_envs);
        // Per-minute CloudWatch datapoints (AWS) are too coarse and too late for a
        // one-minute chart: there the line comes from lifecycle events (logs) and the
        // metric's newest value goes in the title.
        let metric = state
            .metric_series(Metric::ConcurrentExecutions, Stat::Maximum)
            .filter(|m| (m.period_s as usize) < WINDOW_S);
        let (platform, from_metric, provisional) = match metric {
            Some(m) => {
                let period = i64::from(m.period_s.max(1));
                let latest_wall_s = latest.wall_us.max(0) / 1_000_000;
                let n = (i64::try_from(WINDOW_S).unwrap_or(60) / period).max(1);
                let from_s = (latest_wall_s.div_euclid(period) - (n - 1)) * period;
                let points = m
                    .points(from_s, latest_wall_s)
                    .into_iter()
                    .map(|p| ((p.start_s - latest_wall_s) as f64, p.value))
                    .collect();
                (points, true, m.latest_provisional)
            }
            None => (line(&|s| s.platform_in_flight_max), false, false),
        };
        Self {
            client,
            platform,
            envs,
            from_metric,
            provisional,
        }
    }

    fn peak(&self) -> f64 {
        [&self.client, &self.platform, &self.envs]
            .iter()
            .flat_map(|s| s.iter().map(|p| p.1))
            .fold(0.0, f64::max)
    }
}

pub fn render_concurrency(frame: &mut Frame, area: Rect, state: &State, t: &Theme) {
    let c = Concurrency::of(state);
    let platform_name = if c.from_metric {
        if c.provisional {
            "ConcurrentExecutions (provisional)"
        } else {
            "ConcurrentExecutions"
        }
    } else {
        "platform"
    };
    let now_platform = c.platform.last().map_or(0.0, |p| p.1);
    let mut title = vec![
        Span::styled(" Concurrency ", t.title),
        Span::styled(
            format!("client {} ", state.client.in_flight),
            t.series_client,
        ),
        Span::styled(
            format!("· {platform_name} {now_platform:.0} "),
            t.series_platform,
        ),
    ];
    if let Some(m) = state
        .metric_series(Metric::ConcurrentExecutions, Stat::Maximum)
        .filter(|m| m.period_s as usize >= WINDOW_S)
        && let Some((start, v)) = m.latest
    {
        let mark = if m.latest_provisional { "~" } else { "" };
        title.push(Span::styled(
            format!("· CW {v:.0} at {}{mark} ", super::cloudwatch::period(start)),
            t.series_platform,
        ));
    }
    let top = (c.peak() * 1.2).max(5.0).ceil();
    let datasets = vec![
        line("envs", t.dim, &c.envs),
        line(platform_name, t.series_platform, &c.platform),
        line("client in flight", t.series_client, &c.client),
    ];
    let block = Block::bordered()
        .border_style(t.border)
        .title(format::fit(title, area.width));
    let x = (-(WINDOW_S as f64 - 1.0), "-60s".to_string());
    let chart = framed(datasets, block, x, (top, format!("{top:.0}")), t);
    frame.render_widget(chart, area);
}

/// One line of a chart.
pub fn line<'a>(name: &'a str, style: Style, data: &'a [(f64, f64)]) -> Dataset<'a> {
    Dataset::default()
        .name(name)
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(style)
        .data(data)
}

/// A chart of lines in `block`, time from `x.0` seconds (labelled `x.1`) to now, values
/// from 0 to `y.0` (labelled `y.1`).
pub fn framed<'a>(
    datasets: Vec<Dataset<'a>>,
    block: Block<'a>,
    x: (f64, String),
    y: (f64, String),
    t: &Theme,
) -> Chart<'a> {
    Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .bounds([x.0, 0.0])
                .labels([x.1, "now".to_string()])
                .style(t.dim),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, y.0])
                .labels(["0".to_string(), y.1])
                .style(t.dim),
        )
        .legend_position(None)
}

/// `p50` and `p99` of a histogram of microseconds, or dashes when empty.
fn quantiles(h: &Histogram<u64>) -> (String, String) {
    if h.is_empty() {
        return ("–".into(), "–".into());
    }
    (
        format::us(h.value_at_quantile(0.50)),
        format::us(h.value_at_quantile(0.99)),
    )
}

pub fn render_latency(frame: &mut Frame, area: Rect, state: &State, t: &Theme) {
    // The sample count column only where it fits (80 columns leave about 21 here).
    let with_n = area.width >= 32;
    // `n` is None where the count is not known (CloudWatch's Duration percentiles).
    let row = |name: &str, style, (p50, p99): (String, String), n: Option<u64>| {
        let mut spans = vec![
            Span::styled(format!("{name:<5}"), style),
            Span::styled(format!("{p50:>8}"), t.text),
            Span::styled(format!("{p99:>8}"), t.text),
        ];
        if let (true, Some(n)) = (with_n, n) {
            spans.push(Span::styled(format!("{n:>7}"), t.dim));
        }
        Line::from(spans)
    };
    // The client's latencies when it sent requests; else the platform's REPORT
    // durations (watching a function thaw does not call).
    let client = &state.client.latency;
    let from_reports = client.cold.is_empty() && client.warm.is_empty();
    let lat = if from_reports {
        &state.platform.duration
    } else {
        client
    };
    let header = if with_n {
        format!("{:<5}{:>8}{:>8}{:>7}", "", "p50", "p99", "n")
    } else {
        format!("{:<5}{:>8}{:>8}", "", "p50", "p99")
    };
    let mut lines = vec![
        Line::styled(header, t.dim),
        row("cold", t.cold, quantiles(&lat.cold), Some(lat.cold.len())),
        row("warm", t.warm, quantiles(&lat.warm), Some(lat.warm.len())),
    ];
    let init = &state.platform.init;
    if !init.is_empty() {
        lines.push(row("init", t.dim, quantiles(init), Some(init.len())));
    }
    let p50 = state.metric_series(Metric::Duration, Stat::P50);
    let p99 = state.metric_series(Metric::Duration, Stat::P99);
    if let (Some(a), Some(b)) = (p50.and_then(|s| s.latest), p99.and_then(|s| s.latest)) {
        lines.push(row("dur", t.dim, (format::ms(a.1), format::ms(b.1)), None));
    }
    let block = Block::bordered().border_style(t.border).title(Span::styled(
        if from_reports && (!lat.cold.is_empty() || !lat.warm.is_empty()) {
            " Duration (REPORT) "
        } else {
            " Latency "
        },
        t.title,
    ));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
