//! The CloudWatch metrics source against LocalStack (the SDK's CBOR protocol): what
//! PutMetricData stored comes back through thaw's poller with the same values, in
//! place by period. LocalStack cannot compute percentiles (moto neither): the source
//! asks again without them and says so.

use crate::common::aws_servers;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::common::tools::{Tool, need};
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use aws_smithy_types::DateTime;
use thaw::clock::Clock;
use thaw::config::AwsConfig;
use thaw::event::EventSink;
use thaw::event::{EventKind, Stat};
use thaw::sources::cloudwatch::MetricsSource;
use thaw::state::State;

fn datum(
    name: &str,
    dims: &[(&str, &str)],
    at: i64,
    value: f64,
    unit: StandardUnit,
) -> MetricDatum {
    MetricDatum::builder()
        .metric_name(name)
        .set_dimensions(Some(
            dims.iter()
                .map(|(k, v)| Dimension::builder().name(*k).value(*v).build())
                .collect(),
        ))
        .timestamp(DateTime::from_secs(at))
        .value(value)
        .unit(unit)
        .build()
}

/// One LocalStack for both (two at once share its on-disk metric store).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn metrics_from_localstack() {
    need(&[Tool::AwsServers]);
    let server = aws_servers::localstack();
    let sdk = aws_servers::sdk(&server.url).await;
    put_metrics_come_back_through_the_poller_with_the_same_values(&sdk).await;
    a_web_functions_metrics_are_discovered_and_polled(&sdk).await;
}

fn unix_now_s() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

async fn put_metrics_come_back_through_the_poller_with_the_same_values(
    sdk: &aws_config::SdkConfig,
) {
    let cw = aws_sdk_cloudwatch::Client::new(sdk);
    let now = unix_now_s();
    // The last two whole minutes (the window is 15 minutes). The newer one stays within
    // the 3 provisional minutes for at least 60 s, however late in a minute this starts
    // (with the minute before it, a start at :57 crossed out before the first poll).
    let m2 = (now / 60 - 1) * 60;
    let m3 = m2 - 60;
    put_sample(&cw, m3, m2).await;

    let aws = AwsConfig {
        function: Some("hello".into()),
        api_name: Some("shop".into()),
        metrics_poll_s: 5,
        ..AwsConfig::default()
    };
    let (state, errors) = poll_until(sdk, &aws, |s: &State| {
        s.metric_series_named("ConcurrentExecutions", Stat::Maximum)
            .is_some()
            && s.metric_series_named("5XXError", Stat::Sum).is_some()
            && s.metric_series_named("Duration", Stat::Maximum).is_some()
    })
    .await;

    let value_at = |name: &str, stat: Stat, t: i64| {
        let s = state.metric_series_named(name, stat).unwrap();
        s.values
            .get(u64::try_from(t / 60).unwrap())
            .copied()
            .flatten()
    };
    assert_eq!(
        value_at("ConcurrentExecutions", Stat::Maximum, m3),
        Some(12.0)
    );
    assert_eq!(
        value_at("ConcurrentExecutions", Stat::Maximum, m2),
        Some(3.0)
    );
    assert_eq!(value_at("Invocations", Stat::Sum, m3), Some(50.0));
    assert_eq!(value_at("Throttles", Stat::Sum, m2), Some(4.0));
    assert_eq!(value_at("Duration", Stat::Maximum, m3), Some(480.0));
    assert_eq!(value_at("Count", Stat::Sum, m3), Some(50.0));
    assert_eq!(value_at("5XXError", Stat::Sum, m3), Some(2.0));
    // The newest period is the one CloudWatch may still revise.
    let c = state
        .metric_series_named("ConcurrentExecutions", Stat::Maximum)
        .unwrap();
    assert_eq!(c.latest, Some((m2 * 1_000_000, 3.0)));
    assert!(c.latest_provisional);
    // Plotted per minute over the 15-minute horizon, each at its minute; the newest
    // drawn apart (provisional).
    let now_us = unix_now_s() * 1_000_000;
    let stamp = thaw::ids::Stamp {
        mono_us: 0,
        wall_us: now_us,
    };
    let h = thaw::ui::history::History::of(&state, 900, stamp);
    let x = |t: i64| (t * 1_000_000 - now_us) as f64 / 1e6;
    assert_eq!(h.cloudwatch, vec![(x(m3), 12.0)], "{:?}", h.cloudwatch);
    assert_eq!(h.provisional, vec![(x(m3), 12.0), (x(m2), 3.0)]);
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(60, 10)).unwrap();
    let theme = thaw::ui::theme::Theme::named(thaw::config::ThemeName::Mono);
    t.draw(|f| thaw::ui::history::render(f, f.area(), &state, &theme, 1, stamp))
        .unwrap();
    let top: String = (0..60)
        .map(|x| t.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(
        top.contains("15 min per minute") && top.contains("CloudWatch 3~"),
        "{top}"
    );
    // Percentiles: LocalStack answers an error, the source drops them and says so.
    assert!(
        errors.iter().any(|e| e.contains("without percentiles")),
        "{errors:?}"
    );
}

/// Datapoints in two minutes for a function and a REST API, several per minute.
async fn put_sample(cw: &aws_sdk_cloudwatch::Client, m3: i64, m2: i64) {
    let f = [("FunctionName", "hello")];
    let api = [("ApiName", "shop")];
    let lambda = vec![
        datum("ConcurrentExecutions", &f, m3 + 5, 7.0, StandardUnit::Count),
        datum(
            "ConcurrentExecutions",
            &f,
            m3 + 30,
            12.0,
            StandardUnit::Count,
        ),
        datum(
            "ConcurrentExecutions",
            &f,
            m2 + 10,
            3.0,
            StandardUnit::Count,
        ),
        datum("Invocations", &f, m3 + 5, 20.0, StandardUnit::Count),
        datum("Invocations", &f, m3 + 40, 30.0, StandardUnit::Count),
        datum("Throttles", &f, m2 + 1, 4.0, StandardUnit::Count),
        datum("Duration", &f, m3 + 5, 120.0, StandardUnit::Milliseconds),
        datum("Duration", &f, m3 + 6, 480.0, StandardUnit::Milliseconds),
    ];
    cw.put_metric_data()
        .namespace("AWS/Lambda")
        .set_metric_data(Some(lambda))
        .send()
        .await
        .unwrap();
    let apigw = vec![
        datum("Count", &api, m3 + 5, 50.0, StandardUnit::Count),
        datum("5XXError", &api, m3 + 5, 2.0, StandardUnit::Count),
    ];
    cw.put_metric_data()
        .namespace("AWS/ApiGateway")
        .set_metric_data(Some(apigw))
        .send()
        .await
        .unwrap();
}

/// A Web Function's metrics (`AWS/Lambda/Web`) are found with `ListMetrics` and polled
/// beside the classic series, with the statistic their kind calls for.
async fn a_web_functions_metrics_are_discovered_and_polled(sdk: &aws_config::SdkConfig) {
    let cw = aws_sdk_cloudwatch::Client::new(sdk);
    let now = unix_now_s();
    let m = (now / 60 - 2) * 60;
    let f = [("FunctionName", "web")];
    cw.put_metric_data()
        .namespace("AWS/Lambda/Web")
        .set_metric_data(Some(vec![
            datum(
                "HTTPResponseStatusClass5XX",
                &f,
                m + 1,
                3.0,
                StandardUnit::Count,
            ),
            datum(
                "HTTPResponseStatusClass5XX",
                &f,
                m + 2,
                4.0,
                StandardUnit::Count,
            ),
            datum(
                "RequestLatency",
                &f,
                m + 3,
                20.0,
                StandardUnit::Milliseconds,
            ),
            datum(
                "RequestLatency",
                &f,
                m + 4,
                40.0,
                StandardUnit::Milliseconds,
            ),
        ]))
        .send()
        .await
        .unwrap();
    let aws = AwsConfig {
        function: Some("web".into()),
        metrics_poll_s: 5,
        ..AwsConfig::default()
    };
    let (state, _) = poll_until(sdk, &aws, |s: &State| {
        s.metric_series_named("RequestLatency", Stat::Average)
            .is_some()
            && s.metric_series_named("HTTPResponseStatusClass5XX", Stat::Sum)
                .is_some()
    })
    .await;
    let at = |name: &str, stat| {
        state
            .metric_series_named(name, stat)
            .unwrap()
            .values
            .get(u64::try_from(m / 60).unwrap())
            .copied()
            .flatten()
    };
    assert_eq!(at("HTTPResponseStatusClass5XX", Stat::Sum), Some(7.0));
    assert_eq!(at("RequestLatency", Stat::Average), Some(30.0));
    assert_eq!(
        state
            .metric_series_named("RequestLatency", Stat::Average)
            .unwrap()
            .namespace,
        "AWS/Lambda/Web"
    );
}

/// Runs the metrics source until `done` holds (or fails after 60 s); returns the state
/// and the errors it reported.
async fn poll_until(
    sdk: &aws_config::SdkConfig,
    aws: &AwsConfig,
    done: impl Fn(&State) -> bool,
) -> (State, Vec<String>) {
    let (sink, mut rx) = EventSink::channel(1 << 14);
    let task = tokio::spawn(
        MetricsSource::new(sdk, aws, Clock::start(), sink)
            .unwrap()
            .run(),
    );
    let mut state = State::new();
    let mut errors = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !done(&state) {
        let Ok(Some(e)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
            panic!("not within 60 s; errors: {errors:?}");
        };
        if let EventKind::SourceError { message, .. } = &e.kind {
            errors.push(message.clone());
        }
        state.apply(&e);
    }
    task.abort();
    (state, errors)
}
