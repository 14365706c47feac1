//! CloudWatch metrics as a source: one `GetMetricData` call per poll for every series
//! (Lambda's ConcurrentExecutions, Duration, Invocations, Throttles, Errors, provisioned
//! concurrency, and an API's Count, Latency and 5XX), over a window of recent minutes.
//! CloudWatch revises recent periods, so every poll re-reads the window and the state
//! replaces datapoints in place; the newest periods are marked provisional.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{Dimension, Metric as SdkMetric, MetricDataQuery, MetricStat};
use aws_smithy_types::DateTime;

use super::aws::{Backoff, Failure, explain};
use crate::clock::Clock;
use crate::config::AwsConfig;
use crate::event::EventSink;
use crate::event::{Event, EventKind, MetricDatapoint, Stat};
use crate::lambda::Metric;

pub const SOURCE: &str = "cloudwatch";
/// Lambda Web Functions' metrics (docs/execution-models.md).
pub const WEB_NAMESPACE: &str = "AWS/Lambda/Web";

/// The statistic that reads a Web Functions metric: times and shares are averaged,
/// levels take their maximum, everything else (counts) is summed. AWS documents the
/// namespace but thaw does not hard-code its metric list.
pub fn web_stat(name: &str) -> Stat {
    let has = |w: &str| name.contains(w);
    if has("Latency") || has("Duration") || has("Time") || has("Utilization") || has("Percent") {
        Stat::Average
    } else if has("Concurrent") || has("Environments") || has("InFlight") || has("Active") {
        Stat::Maximum
    } else {
        Stat::Sum
    }
}
const PERIOD_S: u32 = 60;
/// Periods this recent may still change (delivery delay is undocumented; docs/lambda-facts.md §9).
const PROVISIONAL_S: i64 = 180;

/// One series asked for: its query id is its index (`m0`, `m1`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub namespace: String,
    pub name: String,
    pub stat: Stat,
    pub dimensions: Vec<(String, String)>,
}

impl Series {
    /// A known metric's series.
    pub fn of(metric: Metric, stat: Stat, dimensions: Vec<(String, String)>) -> Self {
        Self {
            namespace: metric.namespace().into(),
            name: metric.name().into(),
            stat,
            dimensions,
        }
    }

    pub fn is_percentile(&self) -> bool {
        matches!(self.stat, Stat::P50 | Stat::P99)
    }
}

/// Every series for the configured function and API.
pub fn series(aws: &AwsConfig) -> Vec<Series> {
    let mut out = Vec::new();
    if let Some(f) = &aws.function {
        let mut dims = vec![("FunctionName".to_string(), f.clone())];
        if let Some(q) = &aws.qualifier {
            dims.push(("Resource".into(), format!("{f}:{q}")));
        }
        let lambda = [
            (Metric::ConcurrentExecutions, Stat::Maximum),
            (Metric::Duration, Stat::P50),
            (Metric::Duration, Stat::P99),
            (Metric::Duration, Stat::Maximum),
            (Metric::Invocations, Stat::Sum),
            (Metric::Throttles, Stat::Sum),
            (Metric::Errors, Stat::Sum),
            (Metric::ProvisionedConcurrentExecutions, Stat::Maximum),
            (
                Metric::ProvisionedConcurrencySpilloverInvocations,
                Stat::Sum,
            ),
        ];
        for (metric, stat) in lambda {
            out.push(Series::of(metric, stat, dims.clone()));
        }
    }
    let api = match (&aws.api_name, &aws.api_id) {
        // REST APIs are named; their server errors are `5XXError`.
        (Some(name), _) => Some((
            ("ApiName".to_string(), name.clone()),
            Metric::RestServerErrors,
        )),
        // HTTP APIs are known by id; theirs are `5xx`.
        (None, Some(id)) => Some((("ApiId".to_string(), id.clone()), Metric::HttpServerErrors)),
        (None, None) => None,
    };
    if let Some((dim, errors)) = api {
        let mut dims = vec![dim];
        if let Some(s) = &aws.stage {
            dims.push(("Stage".into(), s.clone()));
        }
        for (metric, stat) in [
            (Metric::Count, Stat::Sum),
            (Metric::Latency, Stat::Average),
            (Metric::Latency, Stat::P99),
            (errors, Stat::Sum),
        ] {
            out.push(Series::of(metric, stat, dims.clone()));
        }
    }
    out
}

fn stat_name(stat: Stat) -> &'static str {
    match stat {
        Stat::Maximum => "Maximum",
        Stat::Sum => "Sum",
        Stat::Average => "Average",
        Stat::Minimum => "Minimum",
        Stat::SampleCount => "SampleCount",
        Stat::P50 => "p50",
        Stat::P99 => "p99",
    }
}

/// The `GetMetricData` query for series `i` (its id is `m{i}`).
pub fn query(i: usize, s: &Series) -> MetricDataQuery {
    let metric = SdkMetric::builder()
        .namespace(&s.namespace)
        .metric_name(&s.name)
        .set_dimensions(Some(
            s.dimensions
                .iter()
                .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                .collect(),
        ))
        .build();
    MetricDataQuery::builder()
        .id(format!("m{i}"))
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(PERIOD_S.cast_signed())
                .stat(stat_name(s.stat))
                .build(),
        )
        .return_data(true)
        .build()
}

/// Turns one page of results into datapoints: `id` names the series by index.
pub fn datapoints(
    series: &[Series],
    results: &[aws_sdk_cloudwatch::types::MetricDataResult],
    now_s: i64,
    out: &mut Vec<MetricDatapoint>,
) {
    for r in results {
        let Some(s) = r
            .id()
            .and_then(|id| id.strip_prefix('m'))
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| series.get(i))
        else {
            continue;
        };
        for (t, v) in r.timestamps().iter().zip(r.values()) {
            if !v.is_finite() {
                continue;
            }
            out.push(MetricDatapoint {
                namespace: s.namespace.clone(),
                name: s.name.clone(),
                stat: s.stat,
                period_start_us: t.secs() * 1_000_000 + i64::from(t.subsec_nanos() / 1000),
                period_s: PERIOD_S,
                value: *v,
                provisional: t.secs() >= now_s - PROVISIONAL_S,
            });
        }
    }
}

/// Polls CloudWatch until the task is aborted.
pub struct MetricsSource {
    client: Client,
    series: Vec<Series>,
    cfg: AwsConfig,
    clock: Clock,
    sink: EventSink,
}

impl MetricsSource {
    /// `None` when there is nothing to ask for (no function and no API).
    pub fn new(sdk: &SdkConfig, aws: &AwsConfig, clock: Clock, sink: EventSink) -> Option<Self> {
        let series = series(aws);
        (!series.is_empty()).then(|| Self {
            client: Client::new(sdk),
            series,
            cfg: aws.clone(),
            clock,
            sink,
        })
    }

    pub async fn run(mut self) {
        let mut backoff = Backoff::new(Duration::from_secs(u64::from(self.cfg.metrics_poll_s)));
        let mut polls: u64 = 0;
        loop {
            // A Web Function's metrics live in `AWS/Lambda/Web`: found by listing what the
            // function has there (now and then, as they appear with traffic).
            if polls.is_multiple_of(15) {
                self.discover_web().await;
            }
            polls += 1;
            let wait = match self.poll_once().await {
                Ok(n) => {
                    self.status(&format!(
                        "{} series every {} s, {n} points",
                        self.series.len(),
                        self.cfg.metrics_poll_s
                    ));
                    backoff.ok()
                }
                Err((f, server_failed)) => {
                    if server_failed && self.series.iter().any(Series::is_percentile) {
                        // LocalStack and moto cannot compute percentiles; ask without.
                        self.series.retain(|s| !s.is_percentile());
                        let message = format!(
                            "{}; asking again without percentiles (p50, p99)",
                            f.message()
                        );
                        self.sink.error(&self.clock, SOURCE, &message);
                        continue;
                    }
                    self.error(&f);
                    backoff.failed()
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Adds the function's `AWS/Lambda/Web` series that `ListMetrics` shows (at most 20).
    async fn discover_web(&mut self) {
        const MAX_WEB: usize = 20;
        let Some(f) = self.cfg.function.clone() else {
            return;
        };
        let Ok(out) = self
            .client
            .list_metrics()
            .namespace(WEB_NAMESPACE)
            .dimensions(
                aws_sdk_cloudwatch::types::DimensionFilter::builder()
                    .name("FunctionName")
                    .value(&f)
                    .build(),
            )
            .send()
            .await
        else {
            // Not a Web Function, or not allowed: the Lambda series still come.
            return;
        };
        for m in out.metrics() {
            let (Some(name), Some(namespace)) = (m.metric_name(), m.namespace()) else {
                continue;
            };
            let dimensions: Vec<(String, String)> = m
                .dimensions()
                .iter()
                .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
                .collect();
            let known = self
                .series
                .iter()
                .any(|s| s.name == name && s.namespace == namespace && s.dimensions == dimensions);
            let web = self
                .series
                .iter()
                .filter(|s| s.namespace == WEB_NAMESPACE)
                .count();
            if !known && web < MAX_WEB {
                self.series.push(Series {
                    namespace: namespace.to_string(),
                    name: name.to_string(),
                    stat: web_stat(name),
                    dimensions,
                });
            }
        }
    }

    /// One `GetMetricData` call (and its pages) for the whole window. An error says
    /// too whether the server itself failed (a 5xx: what servers without percentiles
    /// answer to p50/p99).
    pub async fn poll_once(&mut self) -> Result<usize, (Failure, bool)> {
        let now_s = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        // Whole periods, as CloudWatch aligns them.
        let end = (now_s / 60 + 1) * 60;
        let start = end - i64::from(self.cfg.metrics_window_min) * 60;
        let queries: Vec<_> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| query(i, s))
            .collect();
        let mut token: Option<String> = None;
        let mut points = Vec::new();
        for _ in 0..20 {
            let out = self
                .client
                .get_metric_data()
                .set_metric_data_queries(Some(queries.clone()))
                .start_time(DateTime::from_secs(start))
                .end_time(DateTime::from_secs(end))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    let server = e
                        .raw_response()
                        .is_some_and(|r| r.status().is_server_error());
                    (explain(&e, "cloudwatch:GetMetricData"), server)
                })?;
            datapoints(&self.series, out.metric_data_results(), now_s, &mut points);
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.into()),
                _ => break,
            }
        }
        let n = points.len();
        let at = self.clock.stamp();
        for p in points {
            self.sink.send(Event::new(at, EventKind::Metric(p)));
        }
        Ok(n)
    }

    fn status(&self, message: &str) {
        self.sink.status(&self.clock, SOURCE, message);
    }

    fn error(&self, f: &Failure) {
        self.sink.error(&self.clock, SOURCE, &f.while_retrying());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudwatch::types::MetricDataResult;

    fn cfg() -> AwsConfig {
        AwsConfig {
            function: Some("hello".into()),
            qualifier: Some("live".into()),
            api_name: Some("shop".into()),
            stage: Some("prod".into()),
            ..AwsConfig::default()
        }
    }

    #[test]
    fn every_series_the_issue_names_is_asked_for_once() {
        let s = series(&cfg());
        let names: Vec<_> = s
            .iter()
            .map(|s| (s.namespace.as_str(), s.name.as_str(), s.stat))
            .collect();
        for want in [
            ("AWS/Lambda", "ConcurrentExecutions", Stat::Maximum),
            ("AWS/Lambda", "Duration", Stat::P50),
            ("AWS/Lambda", "Duration", Stat::P99),
            ("AWS/Lambda", "Duration", Stat::Maximum),
            ("AWS/Lambda", "Invocations", Stat::Sum),
            ("AWS/Lambda", "Throttles", Stat::Sum),
            ("AWS/Lambda", "Errors", Stat::Sum),
            (
                "AWS/Lambda",
                "ProvisionedConcurrentExecutions",
                Stat::Maximum,
            ),
            (
                "AWS/Lambda",
                "ProvisionedConcurrencySpilloverInvocations",
                Stat::Sum,
            ),
            ("AWS/ApiGateway", "Count", Stat::Sum),
            ("AWS/ApiGateway", "Latency", Stat::Average),
            ("AWS/ApiGateway", "5XXError", Stat::Sum),
        ] {
            assert!(names.contains(&want), "{want:?}");
        }
        assert!(
            s[0].dimensions
                .contains(&("Resource".to_string(), "hello:live".into()))
        );
        assert!(
            s.last()
                .is_some_and(|l| l.dimensions.contains(&("Stage".to_string(), "prod".into())))
        );
        let http = series(&AwsConfig {
            api_id: Some("a1b2c3".into()),
            ..AwsConfig::default()
        });
        assert!(
            http.iter()
                .any(|s| s.name == "5xx" && s.dimensions[0].0 == "ApiId")
        );
    }

    /// The shape of a real answer with percentiles (ids, timestamps newest first,
    /// `PartialData` while recent periods fill in), as the SDK hands it over.
    #[test]
    fn a_percentile_answer_becomes_datapoints_with_recent_ones_provisional() {
        let s = series(&cfg());
        let p99 = s
            .iter()
            .position(|x| x.name == "Duration" && x.stat == Stat::P99)
            .unwrap_or_default();
        let now = 1_795_000_000 - 1_795_000_000 % 60;
        let result = MetricDataResult::builder()
            .id(format!("m{p99}"))
            .label("Duration p99")
            .timestamps(DateTime::from_secs(now - 60))
            .timestamps(DateTime::from_secs(now - 600))
            .values(812.25)
            .values(640.5)
            .status_code(aws_sdk_cloudwatch::types::StatusCode::PartialData)
            .build();
        let unknown = MetricDataResult::builder().id("zz").values(1.0).build();
        let mut out = Vec::new();
        datapoints(&s, &[result, unknown], now, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].stat, Stat::P99);
        assert_eq!(out[0].name, "Duration");
        assert!((out[0].value - 812.25).abs() < 1e-9);
        assert_eq!(out[0].period_start_us, (now - 60) * 1_000_000);
        assert!(out[0].provisional);
        assert!(!out[1].provisional);
    }
}
