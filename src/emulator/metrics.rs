//! CloudWatch's `AWS/Lambda` metrics, aggregated per period as Lambda does: Maximum for
//! concurrency, Sum for counts, Duration with percentiles. Throttled requests are not
//! Invocations (monitoring-metrics-types.html).

use std::time::Duration;

use hdrhistogram::Histogram;

use crate::event::{MetricDatapoint, Stat};
use crate::lambda::Metric;

/// One period's running totals.
#[derive(Debug)]
pub struct MetricsWindow {
    period: Duration,
    /// Wall time of mono zero, to align periods to wall-clock boundaries as CloudWatch does.
    start_wall_us: i64,
    /// Start of the current period, Unix µs (aligned to a multiple of the period).
    period_start_us: i64,
    max_concurrency: u32,
    max_provisioned: u32,
    invocations: u64,
    errors: u64,
    throttles: u64,
    provisioned_invocations: u64,
    spillover: u64,
    durations_us: Histogram<u64>,
    provisioned_allocated: u32,
}

impl MetricsWindow {
    pub fn new(period: Duration, start_wall_us: i64, provisioned_allocated: u32) -> Self {
        let mut w = Self {
            period: period.max(Duration::from_secs(1)),
            start_wall_us,
            period_start_us: 0,
            max_concurrency: 0,
            max_provisioned: 0,
            invocations: 0,
            errors: 0,
            throttles: 0,
            provisioned_invocations: 0,
            spillover: 0,
            // 1 µs to 1 hour, 3 significant digits: fixed size whatever the traffic.
            durations_us: crate::histogram::micros(),
            provisioned_allocated,
        };
        w.period_start_us = w.boundary_at_or_before(Duration::ZERO);
        w
    }

    pub fn set_provisioned_allocated(&mut self, n: u32) {
        self.provisioned_allocated = n;
    }

    fn period_us(&self) -> i64 {
        i64::try_from(self.period.as_micros()).unwrap_or(i64::MAX)
    }

    /// The latest period boundary at or before `mono`, in Unix µs.
    fn boundary_at_or_before(&self, mono: Duration) -> i64 {
        let wall = self.start_wall_us + i64::try_from(mono.as_micros()).unwrap_or(i64::MAX);
        wall - wall.rem_euclid(self.period_us())
    }

    /// When the current period ends, on the monotonic clock.
    pub fn period_end(&self) -> Duration {
        let end = self.period_start_us + self.period_us() - self.start_wall_us;
        Duration::from_micros(u64::try_from(end).unwrap_or(0))
    }

    pub fn concurrency(&mut self, in_flight: u32, provisioned_in_flight: u32) {
        self.max_concurrency = self.max_concurrency.max(in_flight);
        self.max_provisioned = self.max_provisioned.max(provisioned_in_flight);
    }

    pub fn invocation(&mut self, provisioned: bool, spillover: bool) {
        self.invocations += 1;
        if provisioned {
            self.provisioned_invocations += 1;
        }
        if spillover {
            self.spillover += 1;
        }
    }

    pub fn completed(&mut self, duration_ms: f64, error: bool) {
        let us = (duration_ms * 1000.0).round().max(1.0) as u64;
        crate::histogram::record_us(&mut self.durations_us, us);
        if error {
            self.errors += 1;
        }
    }

    pub fn throttle(&mut self) {
        self.throttles += 1;
    }

    /// Closes the period ending at or before `now` (if it has ended), appending its
    /// datapoints, and opens the next with the current concurrency.
    pub fn roll(
        &mut self,
        now: Duration,
        in_flight: u32,
        provisioned_in_flight: u32,
        out: &mut Vec<MetricDatapoint>,
    ) {
        if now < self.period_end() {
            return;
        }
        self.flush(out);
        self.period_start_us = self.boundary_at_or_before(now);
        self.max_concurrency = in_flight;
        self.max_provisioned = provisioned_in_flight;
        self.invocations = 0;
        self.errors = 0;
        self.throttles = 0;
        self.provisioned_invocations = 0;
        self.spillover = 0;
        self.durations_us.reset();
    }

    fn flush(&self, out: &mut Vec<MetricDatapoint>) {
        let active = self.max_concurrency > 0 || self.invocations > 0 || self.throttles > 0;
        if !active {
            // CloudWatch has no datapoint for a period without invocations.
            return;
        }
        let period_start_us = self.period_start_us;
        let period_s = u32::try_from(self.period.as_secs()).unwrap_or(u32::MAX);
        let mut push = |metric: Metric, stat: Stat, value: f64| {
            out.push(MetricDatapoint::of(
                metric,
                stat,
                period_start_us,
                period_s,
                value,
            ));
        };
        push(
            Metric::ConcurrentExecutions,
            Stat::Maximum,
            f64::from(self.max_concurrency),
        );
        push(Metric::Invocations, Stat::Sum, self.invocations as f64);
        push(Metric::Errors, Stat::Sum, self.errors as f64);
        push(Metric::Throttles, Stat::Sum, self.throttles as f64);
        let h = &self.durations_us;
        if !h.is_empty() {
            let ms = |us: u64| us as f64 / 1000.0;
            push(Metric::Duration, Stat::Average, h.mean() / 1000.0);
            push(Metric::Duration, Stat::Minimum, ms(h.min()));
            push(Metric::Duration, Stat::Maximum, ms(h.max()));
            push(Metric::Duration, Stat::P50, ms(h.value_at_quantile(0.50)));
            push(Metric::Duration, Stat::P99, ms(h.value_at_quantile(0.99)));
        }
        if self.provisioned_allocated > 0 {
            let max_pc = f64::from(self.max_provisioned);
            push(
                Metric::ProvisionedConcurrentExecutions,
                Stat::Maximum,
                max_pc,
            );
            push(
                Metric::ProvisionedConcurrencyInvocations,
                Stat::Sum,
                self.provisioned_invocations as f64,
            );
            push(
                Metric::ProvisionedConcurrencySpilloverInvocations,
                Stat::Sum,
                self.spillover as f64,
            );
            push(
                Metric::ProvisionedConcurrencyUtilization,
                Stat::Maximum,
                max_pc / f64::from(self.provisioned_allocated),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(out: &[MetricDatapoint], metric: Metric, stat: Stat) -> Option<f64> {
        out.iter()
            .find(|d| d.metric() == Some(metric) && d.stat == stat)
            .map(|d| d.value)
    }

    #[test]
    fn periods_align_to_wall_clock_and_report_maximum_concurrency() {
        // Wall clock starts 0.4 s into a second.
        let mut w = MetricsWindow::new(Duration::from_secs(1), 1_000_400_000, 0);
        assert_eq!(w.period_end(), Duration::from_millis(600));
        w.concurrency(3, 0);
        w.concurrency(7, 0);
        w.concurrency(2, 0);
        w.invocation(false, false);
        w.completed(12.5, false);
        w.throttle();
        let mut out = Vec::new();
        w.roll(Duration::from_millis(599), 2, 0, &mut out);
        assert!(out.is_empty(), "period not over yet");
        w.roll(Duration::from_millis(650), 2, 0, &mut out);
        assert_eq!(
            find(&out, Metric::ConcurrentExecutions, Stat::Maximum),
            Some(7.0)
        );
        assert_eq!(find(&out, Metric::Invocations, Stat::Sum), Some(1.0));
        assert_eq!(find(&out, Metric::Throttles, Stat::Sum), Some(1.0));
        let max = find(&out, Metric::Duration, Stat::Maximum).unwrap();
        assert!((max - 12.5).abs() < 0.02, "3 significant digits: {max}");
        assert_eq!(out[0].period_start_us, 1_000_000_000);
        // The next period starts with the concurrency still in flight.
        out.clear();
        w.roll(Duration::from_millis(1600), 0, 0, &mut out);
        assert_eq!(
            find(&out, Metric::ConcurrentExecutions, Stat::Maximum),
            Some(2.0)
        );
        assert_eq!(find(&out, Metric::Duration, Stat::Maximum), None);
        // Nothing happening: no datapoints.
        out.clear();
        w.roll(Duration::from_millis(2600), 0, 0, &mut out);
        assert!(out.is_empty());
    }
}
