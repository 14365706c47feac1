//! Concurrency over a horizon of minutes: CloudWatch's `ConcurrentExecutions` (Maximum)
//! per period beside thaw's own concurrency for the same minutes (the client's, and the
//! platform's from logs or the emulator). The minutes CloudWatch may still revise are
//! drawn apart, as provisional.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Block, Dataset, GraphType};

use crate::event::Stat;
use crate::ids::Stamp;
use crate::lambda::Metric;
use crate::state::{MetricSeries, Second, State};

use super::charts::{Series, framed, line};
use super::theme::Theme;

/// The concurrency chart's horizons: the first is per second, the rest per minute.
pub const HORIZONS: [(u32, &str); 4] = [
    (60, "1 min"),
    (900, "15 min"),
    (3600, "1 h"),
    (10_800, "3 h"),
];

/// The per-minute lines over `horizon_s` ending at `now`: `(seconds before now, value)`.
pub struct History {
    pub client: Series,
    pub platform: Series,
    /// CloudWatch's datapoints, firm, and the newest while it may still change.
    pub cloudwatch: Series,
    pub provisional: Series,
    pub period_s: u32,
}

impl History {
    pub fn of(state: &State, horizon_s: u32, now: Stamp) -> Self {
        let now_s = now.wall_us.div_euclid(1_000_000);
        let (window, first) = minutes(state, horizon_s, now_s);
        let x = |minute: u64| (minute * 60) as f64 - now_s as f64;
        let line = |f: &dyn Fn(&Second) -> u32| -> Series {
            window
                .iter()
                .enumerate()
                .map(|(i, s)| (x(first + i as u64), f64::from(f(s))))
                .collect()
        };
        let client = line(&|s| s.client_concurrency);
        let platform = line(&|s| s.platform_in_flight_max);
        let (cloudwatch, provisional, period_s) = metric_points(
            state.metric_series(Metric::ConcurrentExecutions, Stat::Maximum),
            horizon_s,
            now_s,
        );
        Self {
            client,
            platform,
            cloudwatch,
            provisional,
            period_s,
        }
    }

    fn peak(&self) -> f64 {
        [
            &self.client,
            &self.platform,
            &self.cloudwatch,
            &self.provisional,
        ]
        .iter()
        .flat_map(|s| s.iter().map(|p| p.1))
        .fold(0.0, f64::max)
    }
}

/// The minutes of thaw's own history over `horizon_s` ending at `now_s` (none before
/// the first one seen), and the first one's number.
fn minutes(state: &State, horizon_s: u32, now_s: i64) -> (Vec<Second>, u64) {
    let n = usize::try_from(horizon_s / 60).unwrap_or(1).max(1);
    let last = u64::try_from(now_s.div_euclid(60)).unwrap_or(0);
    let held = state.minutes.first_slot().map_or(0, |f| {
        usize::try_from(last.saturating_sub(f) + 1).unwrap_or(n)
    });
    let window = state.minutes.window(last, n.min(held));
    let first = last + 1 - window.len() as u64;
    (window, first)
}

/// A CloudWatch series over `horizon_s` ending at `now_s` (Unix s): its firm points,
/// the newest joined to the last firm one while CloudWatch may still revise it, and its
/// period.
pub fn metric_points(
    series: Option<&MetricSeries>,
    horizon_s: u32,
    now_s: i64,
) -> (Series, Series, u32) {
    let (mut firm, mut provisional) = (Vec::new(), Vec::new());
    let Some(m) = series else {
        return (firm, provisional, 60);
    };
    let period_s = m.period_s.max(1);
    let period = i64::from(period_s);
    let n = (i64::from(horizon_s) / period).max(1);
    let from_s = (now_s.div_euclid(period) - (n - 1)) * period;
    for p in m.points(from_s, now_s) {
        let point = ((p.start_s - now_s) as f64, p.value);
        if p.provisional {
            // Joined to the firm line so it reads as its continuation.
            if let Some(p) = firm.last() {
                provisional.push(*p);
            }
            provisional.push(point);
        } else {
            firm.push(point);
        }
    }
    (firm, provisional, period_s)
}

/// Duration per minute over a horizon: CloudWatch's p50, p99 and Maximum beside the
/// longest invocation thaw saw end in each minute.
pub fn render_duration(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    t: &Theme,
    horizon: usize,
    now: Stamp,
) {
    let (horizon_s, name) = HORIZONS[horizon.clamp(1, HORIZONS.len() - 1)];
    let now_s = now.wall_us.div_euclid(1_000_000);
    let (window, first) = minutes(state, horizon_s, now_s);
    let own: Series = window
        .iter()
        .enumerate()
        .filter(|(_, s)| s.duration_max_ms > 0)
        .map(|(i, s)| {
            let x = ((first + i as u64) * 60) as f64 - now_s as f64;
            (x, f64::from(s.duration_max_ms))
        })
        .collect();
    let series = |stat| {
        let (mut firm, provisional, _) = metric_points(
            state.metric_series(Metric::Duration, stat),
            horizon_s,
            now_s,
        );
        let late = !provisional.is_empty();
        firm.extend(provisional.into_iter().skip(1));
        (firm, late)
    };
    let (p50, _) = series(Stat::P50);
    let (p99, _) = series(Stat::P99);
    let (max, late) = series(Stat::Maximum);
    let peak = [&own, &p50, &p99, &max]
        .iter()
        .flat_map(|s| s.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let top = (peak * 1.2).max(10.0).ceil();
    let newest = |s: &Series| s.last().map_or("–".to_string(), |p| super::format::ms(p.1));
    let title = vec![
        Span::styled(format!(" Duration {name} per minute "), t.title),
        Span::styled(format!("p50 {} ", newest(&p50)), t.series_client),
        Span::styled(format!("· p99 {} ", newest(&p99)), t.series_platform),
        Span::styled(
            format!("· max {}{} ", newest(&max), if late { "~" } else { "" }),
            t.error,
        ),
        Span::styled(format!("· REPORT max {} ", newest(&own)), t.dim),
    ];
    let datasets = vec![
        line("REPORT max", t.dim, &own),
        line("p50", t.series_client, &p50),
        line("p99", t.series_platform, &p99),
        line("max", t.error, &max),
    ];
    let x = (-f64::from(horizon_s), edge(horizon_s));
    let chart = framed(
        datasets,
        Block::bordered()
            .border_style(t.border)
            .title(super::format::fit(title, area.width)),
        x,
        (top, super::format::ms(top)),
        t,
    );
    frame.render_widget(chart, area);
}

/// `-15m`, `-1h`: a horizon's left edge.
fn edge(horizon_s: u32) -> String {
    if horizon_s >= 3600 {
        format!("-{}h", horizon_s / 3600)
    } else {
        format!("-{}m", horizon_s / 60)
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, t: &Theme, horizon: usize, now: Stamp) {
    let (horizon_s, name) = HORIZONS[horizon.clamp(1, HORIZONS.len() - 1)];
    let h = History::of(state, horizon_s, now);
    let newest = |s: &Series| s.last().map_or(0.0, |p| p.1);
    let mut title = vec![Span::styled(
        format!(" Concurrency {name} per minute "),
        t.title,
    )];
    if !h.cloudwatch.is_empty() || !h.provisional.is_empty() {
        let (v, mark) = if h.provisional.is_empty() {
            (newest(&h.cloudwatch), "")
        } else {
            (newest(&h.provisional), "~")
        };
        title.push(Span::styled(
            format!("CloudWatch {v:.0}{mark} "),
            t.series_platform,
        ));
    }
    title.push(Span::styled(
        format!("· client {:.0} ", newest(&h.client)),
        t.series_client,
    ));
    title.push(Span::styled(
        format!("· platform {:.0} ", newest(&h.platform)),
        t.dim,
    ));
    let top = (h.peak() * 1.2).max(5.0).ceil();
    let mut datasets = vec![
        line("platform", t.dim, &h.platform),
        line("client", t.series_client, &h.client),
        line(
            Metric::ConcurrentExecutions.name(),
            t.series_platform,
            &h.cloudwatch,
        ),
    ];
    if !h.provisional.is_empty() {
        datasets.push(
            Dataset::default()
                .name("provisional")
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(t.series_platform)
                .data(&h.provisional),
        );
    }
    let x = (-f64::from(horizon_s), edge(horizon_s));
    let chart = framed(
        datasets,
        Block::bordered()
            .border_style(t.border)
            .title(super::format::fit(title, area.width))
            .title_bottom(Span::styled(" H horizon · • may still change ", t.dim)),
        x,
        (top, format!("{top:.0}")),
        t,
    );
    frame.render_widget(chart, area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventKind, MetricDatapoint};

    #[test]
    fn cloudwatch_minutes_land_at_their_minutes_and_the_newest_is_provisional() {
        let now_s = 1_800_000_030_i64; // 30 s into a minute
        let now = Stamp {
            mono_us: 1,
            wall_us: now_s * 1_000_000,
        };
        let mut s = State::new();
        for (ago_min, v, provisional) in [(3, 4.0, false), (2, 9.0, false), (1, 2.0, true)] {
            let start = (now_s - now_s % 60 - ago_min * 60) * 1_000_000;
            s.apply(&Event::new(
                now,
                EventKind::Metric(MetricDatapoint {
                    namespace: "AWS/Lambda".into(),
                    name: "ConcurrentExecutions".into(),
                    stat: Stat::Maximum,
                    period_s: 60,
                    period_start_us: start,
                    value: v,
                    provisional,
                }),
            ));
        }
        let h = History::of(&s, 900, now);
        assert_eq!(h.cloudwatch, vec![(-210.0, 4.0), (-150.0, 9.0)]);
        assert_eq!(h.provisional, vec![(-150.0, 9.0), (-90.0, 2.0)]);
    }
}
