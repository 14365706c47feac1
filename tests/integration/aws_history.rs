//! The time things happened, watching a function on moto: ten minutes of seeded logs
//! land in their own minutes (lanes and the per-minute history), not at the moment thaw
//! read them; a REPORT with `Status: timeout` counts as an error; and a metrics source
//! that keeps failing stays on screen.

use crate::common::aws_servers;
use crate::common::lambda_logs::{self, now_ms};

use std::time::Duration;

use crate::common::tools::{Tool, need};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thaw::clock::Clock;
use thaw::config::{AwsConfig, ThemeName, TuiConfig};
use thaw::event::EventSink;
use thaw::ids::EnvId;
use thaw::link::SessionKind;
use thaw::sources::cloudwatch::MetricsSource;
use thaw::sources::logs::LogsSource;
use thaw::state::State;
use thaw::ui::{App, Screen};

const A: &str = "2026/11/29/[$LATEST]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "2026/11/29/[$LATEST]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn report(id: &str, ms: f64, init: Option<f64>, status: &str) -> String {
    let init = init
        .map(|i| format!("\tInit Duration: {i:.2} ms"))
        .unwrap_or_default();
    format!(
        "REPORT RequestId: {id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB{init}{status}",
        ms.ceil()
    )
}

/// `(stream, ms before now, line)`: `a` born cold ten minutes ago and reused six
/// minutes ago; `b` born three minutes ago, its second invocation timed out a minute ago.
fn seeded() -> Vec<(&'static str, i64, String)> {
    let min = 60_000;
    vec![
        (
            A,
            10 * min,
            "INIT_START Runtime Version: nodejs:22.v40".into(),
        ),
        (
            A,
            10 * min - 150,
            "START RequestId: r1 Version: $LATEST".into(),
        ),
        (A, 10 * min - 250, report("r1", 100.0, Some(150.0), "")),
        (A, 6 * min, "START RequestId: r2 Version: $LATEST".into()),
        (A, 6 * min - 100, report("r2", 100.0, None, "")),
        (
            B,
            3 * min,
            "INIT_START Runtime Version: nodejs:22.v40".into(),
        ),
        (
            B,
            3 * min - 150,
            "START RequestId: r3 Version: $LATEST".into(),
        ),
        (B, 3 * min - 250, report("r3", 100.0, Some(150.0), "")),
        (B, min + 3000, "START RequestId: r4 Version: $LATEST".into()),
        (B, min, report("r4", 3000.0, None, "\tStatus: timeout")),
    ]
}

async fn put(client: &aws_sdk_cloudwatchlogs::Client, group: &str, now: i64) {
    let lines = seeded();
    let streams: Vec<(&str, Vec<(i64, String)>)> = [A, B]
        .into_iter()
        .map(|stream| {
            let mine = lines.iter().filter(|(s, _, _)| *s == stream);
            (
                stream,
                mine.map(|(_, ago, m)| (now - ago, m.clone())).collect(),
            )
        })
        .collect();
    lambda_logs::put_timed(client, group, &streams).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn ten_minutes_of_logs_land_in_their_minutes_and_a_timeout_is_an_error() {
    need(&[Tool::AwsServers]);
    let server = aws_servers::moto();
    let sdk = aws_servers::sdk(&server.url).await;
    let client = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let now = now_ms();
    put(&client, "/aws/lambda/history", now).await;
    let aws = AwsConfig {
        function: Some("history".into()),
        live_tail: false,
        logs_poll_ms: 300,
        logs_lookback_s: 900,
        metrics_poll_s: 1,
        ..AwsConfig::default()
    };
    let (sink, mut rx) = EventSink::channel(1 << 14);
    let clock = Clock::start();
    let logs = tokio::spawn(
        LogsSource::new(&sdk, &aws, clock, sink.clone())
            .unwrap()
            .run(),
    );
    let metrics = tokio::spawn(MetricsSource::new(&sdk, &aws, clock, sink).unwrap().run());
    let mut state = State::new();
    let mut all = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let done = |s: &State| s.platform.timeouts >= 1 && !s.failing.is_empty();
    while !done(&state) {
        let Ok(Some(e)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
            break;
        };
        state.apply(&e);
        all.push(e);
    }
    logs.abort();
    metrics.abort();
    assert_eq!(state.platform.invocations, 4, "{:?}", state.source_errors);

    // Each invocation in its own minute, as it happened (not all at the read).
    let minute = |ago_ms: i64| u64::try_from((now - ago_ms).div_euclid(60_000)).unwrap();
    let starts = |ago_ms: i64| {
        state
            .minutes
            .get(minute(ago_ms))
            .map_or(0, |m| m.platform_cold + m.platform_warm)
    };
    assert_eq!(starts(10 * 60_000 - 150), 1, "r1 ten minutes ago");
    assert_eq!(starts(6 * 60_000), 1, "r2 six minutes ago");
    assert_eq!(starts(3 * 60_000 - 150), 1, "r3 three minutes ago");
    // The lanes: `a`'s Init and invocations at their times (to the millisecond).
    let a = &state.envs.get(&EnvId("a".repeat(32))).unwrap().lane;
    let init = a.init.unwrap();
    assert_eq!(init.start_us, (now - 10 * 60_000) * 1000);
    let spans: Vec<i64> = a.spans.iter().map(|s| s.start_us / 1000).collect();
    assert_eq!(spans, vec![now - 10 * 60_000 + 150, now - 6 * 60_000]);
    // The REPORT alone gives r4's start: its end less its duration.
    let b = &state.envs.get(&EnvId("b".repeat(32))).unwrap().lane;
    assert_eq!(b.spans.len(), 2);
    assert_eq!(state.platform.timeouts, 1);

    // On screen: the timeout is an error, and the metrics source's failure stays (moto
    // fails GetMetricData on every poll) with its message.
    let app = App::new(
        &TuiConfig::default(),
        ThemeName::Mono,
        SessionKind::WatchingAws { can_fire: false },
        "history (watching)".into(),
    );
    let mut screen = Screen::new(app, Vec::new());
    let latest = state.latest.unwrap();
    let text = {
        screen.on_events(0, all);
        let mut t = Terminal::new(TestBackend::new(140, 40)).unwrap();
        // Well after any notice would have gone: a failing source is still said.
        let later = thaw::ids::Stamp {
            mono_us: latest.mono_us + 60_000_000,
            wall_us: latest.wall_us + 60_000_000,
        };
        screen.draw(&mut t, later).unwrap();
        let buf = t.backend().buffer().clone();
        (0..40)
            .map(|y| (0..140).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(text.contains("errors    1"), "{text}");
    assert!(text.contains("✕"), "{text}");
}
