//! CloudWatch-style series: one ring of datapoints per metric and statistic, filed by
//! period (a late datapoint for a period already shown replaces it).

use super::State;
use super::ring::Ring;
use crate::event::{MetricDatapoint, Stat};
use crate::lambda::Metric;

/// One CloudWatch series (`AWS/Lambda` `ConcurrentExecutions` `Maximum`), by period.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSeries {
    pub namespace: String,
    pub name: String,
    pub stat: Stat,
    pub period_s: u32,
    /// Start of the newest period (Unix µs) and its value.
    pub latest: Option<(i64, f64)>,
    /// The newest datapoint may still change.
    pub latest_provisional: bool,
    pub values: Ring<Option<f64>>,
}

/// One datapoint of a series, where its period starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricPoint {
    /// The period's start, Unix seconds.
    pub start_s: i64,
    pub value: f64,
    /// CloudWatch may still revise it (the newest period, recently read).
    pub provisional: bool,
}

impl MetricSeries {
    /// The metric, when thaw knows it (Web Functions' are shown by name).
    pub fn metric(&self) -> Option<Metric> {
        Metric::of(&self.namespace, &self.name)
    }

    /// The datapoints whose periods start from `from_s` to `to_s` (Unix seconds, both
    /// included), oldest first: the one place a chart or a page windows a series.
    pub fn points(&self, from_s: i64, to_s: i64) -> Vec<MetricPoint> {
        let period = i64::from(self.period_s.max(1));
        let (Some(first), Some(last)) = (self.values.first_slot(), self.values.last_slot()) else {
            return Vec::new();
        };
        let slot = |s: i64| u64::try_from(s).unwrap_or(0);
        let from =
            slot(from_s.div_euclid(period) + i64::from(from_s.rem_euclid(period) != 0)).max(first);
        let to = slot(to_s.div_euclid(period)).min(last);
        let newest = self
            .latest
            .filter(|_| self.latest_provisional)
            .map(|(t, _)| t.div_euclid(period * 1_000_000));
        (from..=to)
            .filter_map(|s| {
                let value = (*self.values.get(s)?)?;
                let start_s = s.cast_signed() * period;
                Some(MetricPoint {
                    start_s,
                    value,
                    provisional: newest == Some(start_s / period),
                })
            })
            .collect()
    }
}

impl State {
    pub(super) fn metric(&mut self, m: &MetricDatapoint) {
        let idx = if let Some(i) = self
            .metrics
            .iter()
            .position(|s| s.name == m.name && s.stat == m.stat && s.namespace == m.namespace)
        {
            i
        } else {
            self.metrics.push(MetricSeries {
                namespace: m.namespace.clone(),
                name: m.name.clone(),
                stat: m.stat,
                period_s: m.period_s,
                latest: None,
                latest_provisional: false,
                values: Ring::new(super::METRIC_PERIODS),
            });
            self.metrics.len() - 1
        };
        let series = &mut self.metrics[idx];
        let period_us = i64::from(m.period_s.max(1)) * 1_000_000;
        let slot = u64::try_from(m.period_start_us.div_euclid(period_us)).unwrap_or(0);
        if let Some(v) = series.values.slot_mut(slot) {
            // A late datapoint for a period already shown replaces it in place.
            *v = Some(m.value);
        }
        if series.latest.is_none_or(|(t, _)| m.period_start_us >= t) {
            series.latest = Some((m.period_start_us, m.value));
            series.latest_provisional = m.provisional;
        }
    }

    /// The series for a metric, if any datapoint arrived.
    /// A series by the name CloudWatch gives it, in whichever namespace it came (Web
    /// Functions' metrics are read by name as they come).
    pub fn metric_series_named(&self, name: &str, stat: Stat) -> Option<&MetricSeries> {
        self.metrics
            .iter()
            .find(|s| s.stat == stat && s.name == name)
    }

    pub fn metric_series(&self, metric: Metric, stat: Stat) -> Option<&MetricSeries> {
        self.metrics.iter().find(|s| {
            s.stat == stat && s.name == metric.name() && s.namespace == metric.namespace()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventKind};
    use crate::ids::Stamp;

    #[test]
    fn points_are_the_periods_that_start_in_the_window() {
        let mut s = State::new();
        let minute = 1_800_000_000_i64 / 60;
        for (m, v, provisional) in [(0, 1.0, false), (1, 2.0, false), (2, 3.0, true)] {
            let mut d = MetricDatapoint::of(
                Metric::ConcurrentExecutions,
                Stat::Maximum,
                (minute + m) * 60 * 1_000_000,
                60,
                v,
            );
            d.provisional = provisional;
            s.apply(&Event::new(Stamp::default(), EventKind::Metric(d)));
        }
        let series = s
            .metric_series(Metric::ConcurrentExecutions, Stat::Maximum)
            .unwrap();
        let t0 = minute * 60;
        let values = |from, to| -> Vec<(i64, f64, bool)> {
            series
                .points(from, to)
                .iter()
                .map(|p| (p.start_s - t0, p.value, p.provisional))
                .collect()
        };
        assert_eq!(
            values(t0, t0 + 180),
            [(0, 1.0, false), (60, 2.0, false), (120, 3.0, true)]
        );
        // A window that starts inside a period leaves that period out; both ends count.
        assert_eq!(
            values(t0 + 1, t0 + 120),
            [(60, 2.0, false), (120, 3.0, true)]
        );
        assert!(values(t0 + 200, t0 + 900).is_empty());
        assert!(
            s.metric_series_named("ConcurrentExecutions", Stat::Maximum)
                .is_some()
        );
    }
}
