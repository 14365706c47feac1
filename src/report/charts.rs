//! The report's charts, drawn by plotters' SVG backend: concurrency per second (what
//! thaw's client had in flight, what the platform ran), latency by percentile (cold and
//! warm), and each CloudWatch series per period. Each is an SVG string, or `None` when
//! there is nothing to draw.

use hdrhistogram::Histogram;
use plotters::prelude::*;

use crate::event::Stat;
use crate::lambda::Metric;
use crate::state::{MetricSeries, State};

const SIZE: (u32, u32) = (900, 260);
/// The screen's colours (cold blue, warm orange), dark enough apart to read in grey.
const COLD: RGBColor = RGBColor(0x1f, 0x5f, 0xbf);
const WARM: RGBColor = RGBColor(0xf0, 0x9a, 0x2a);
const PLATFORM: RGBColor = RGBColor(0x55, 0x55, 0x55);
const CLOUDWATCH: RGBColor = RGBColor(0x2e, 0x8b, 0x57);
const FONT: (&str, u32) = ("sans-serif", 13);

/// Draws with `draw` into a fresh SVG; a drawing error leaves the chart out rather than
/// the page.
fn svg(
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Option<()>,
) -> Option<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).ok()?;
        draw(&root)?;
        root.present().ok()?;
    }
    Some(out)
}

/// CloudWatch's ConcurrentExecutions (Maximum) on the seconds' axis: each period's value
/// at its start, seconds after `first` (Unix s); the periods before it left out.
fn cloudwatch_concurrency(state: &State, first: u64, n: usize) -> Vec<(f64, f64)> {
    let Some(series) = state.metric_series(Metric::ConcurrentExecutions, Stat::Maximum) else {
        return Vec::new();
    };
    let from_s = first.cast_signed();
    series
        .points(
            from_s,
            from_s.saturating_add(i64::try_from(n).unwrap_or(i64::MAX) - 1),
        )
        .into_iter()
        .map(|p| ((p.start_s - from_s) as f64, p.value))
        .collect()
}

/// Requests in flight per second: the client's most at once, the platform's, and
/// CloudWatch's ConcurrentExecutions per period where it was read.
pub fn concurrency(state: &State) -> Option<String> {
    let (first, last) = (state.seconds.first_slot()?, state.seconds.last_slot()?);
    let n = usize::try_from(last - first + 1).ok()?;
    let seconds = state.seconds.window(last, n);
    let cloudwatch = cloudwatch_concurrency(state, first, n);
    let top = seconds
        .iter()
        .map(|s| s.client_concurrency.max(s.platform_in_flight_max))
        .max()
        .unwrap_or(0)
        .max(1);
    let top = cloudwatch
        .iter()
        .map(|(_, v)| *v as u32)
        .fold(top, u32::max);
    let points = |f: fn(&crate::state::Second) -> u32| -> Vec<(f64, f64)> {
        seconds
            .iter()
            .enumerate()
            .map(|(i, s)| (i as f64, f64::from(f(s))))
            .collect()
    };
    let client = points(|s| s.client_concurrency);
    let platform = points(|s| s.platform_in_flight_max);
    svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..(n as f64).max(1.0), 0f64..f64::from(top) * 1.1)
            .ok()?;
        chart
            .configure_mesh()
            .x_desc("seconds")
            .y_desc("in flight")
            .label_style(FONT)
            .draw()
            .ok()?;
        chart
            .draw_series(LineSeries::new(client, WARM.stroke_width(2)))
            .ok()?
            .label("client (most in flight)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], WARM.stroke_width(2)));
        if platform.iter().any(|(_, v)| *v > 0.0) {
            chart
                .draw_series(LineSeries::new(platform, PLATFORM.stroke_width(1)))
                .ok()?
                .label("platform (most running)")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], PLATFORM));
        }
        if !cloudwatch.is_empty() {
            chart
                .draw_series(
                    cloudwatch
                        .iter()
                        .map(|p| Circle::new(*p, 4, CLOUDWATCH.filled())),
                )
                .ok()?
                .label("CloudWatch ConcurrentExecutions (Maximum per period)")
                .legend(|(x, y)| Circle::new((x + 8, y), 4, CLOUDWATCH.filled()));
        }
        chart
            .configure_series_labels()
            .label_font(FONT)
            .border_style(BLACK.mix(0.3))
            .background_style(WHITE.mix(0.9))
            .draw()
            .ok()
    })
}

/// Latency by percentile, cold and warm (ms).
pub fn latency(state: &State) -> Option<String> {
    let l = &state.client.latency;
    if l.cold.is_empty() && l.warm.is_empty() {
        return None;
    }
    let curve = |h: &Histogram<u64>| -> Vec<(f64, f64)> {
        if h.is_empty() {
            return Vec::new();
        }
        (0..=100)
            .map(|p| {
                let q = (f64::from(p) / 100.0).min(0.999);
                (f64::from(p), h.value_at_quantile(q) as f64 / 1e3)
            })
            .collect()
    };
    let (cold, warm) = (curve(&l.cold), curve(&l.warm));
    let top = cold
        .iter()
        .chain(&warm)
        .map(|(_, v)| *v)
        .fold(1.0f64, f64::max);
    svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(52)
            .build_cartesian_2d(0f64..100f64, 0f64..top * 1.1)
            .ok()?;
        chart
            .configure_mesh()
            .x_desc("percentile")
            .y_desc("ms")
            .label_style(FONT)
            .draw()
            .ok()?;
        for (points, color, name) in [(cold, COLD, "cold"), (warm, WARM, "warm")] {
            if points.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .ok()?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .label_font(FONT)
            .border_style(BLACK.mix(0.3))
            .background_style(WHITE.mix(0.9))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .ok()
    })
}

/// One CloudWatch series over its periods.
pub fn metric(series: &MetricSeries) -> Option<String> {
    let (first, last) = (series.values.first_slot()?, series.values.last_slot()?);
    let n = usize::try_from(last - first + 1).ok()?;
    let points: Vec<(f64, f64)> = series
        .values
        .window(last, n)
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
        .collect();
    if points.is_empty() {
        return None;
    }
    let top = points.iter().map(|(_, v)| *v).fold(1.0f64, f64::max);
    let x_desc = format!("periods of {} s", series.period_s);
    svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(52)
            .build_cartesian_2d(0f64..(n as f64).max(1.0), 0f64..top * 1.1)
            .ok()?;
        chart
            .configure_mesh()
            .x_desc(x_desc.as_str())
            .label_style(FONT)
            .draw()
            .ok()?;
        chart
            .draw_series(LineSeries::new(points.clone(), COLD.stroke_width(2)))
            .ok()?;
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 3, COLD.filled())))
            .ok()
            .map(|_| ())
    })
}
