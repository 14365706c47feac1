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

impl MetricSeries {
    /// The metric, when thaw knows it (Web Functions' are shown by name).
    pub fn metric(&self) -> Option<Metric> {
        Metric::of(&self.namespace, &self.name)
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
