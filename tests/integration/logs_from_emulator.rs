//! One code path for AWS and the emulator: the emulator's own log lines, read back by
//! the CloudWatch Logs parser and translator, give the same environments, cold starts
//! and reuses as the emulator's lifecycle events, in both log formats.

use crate::common;

use thaw::config::LogFormat;
use thaw::event::{Event, EventKind};
use thaw::logs::translate::Translator;
use thaw::state::State;

async fn compare(format: LogFormat) {
    let mut cfg = common::quick();
    cfg.log_format = format;
    let mut running = common::start(cfg).await;
    let url = running.url("sleep_ms=40");
    common::burst(&url, 20).await; // 20 cold
    common::burst(&url, 20).await; // 20 warm
    for _ in 0..10 {
        common::get(&url).await; // serial: one environment, warm
    }
    common::sleep_ms(100).await;
    let events = running.drain();

    let mut direct = State::new();
    let mut from_logs = State::new();
    let mut translator = Translator::new();
    let mut out = Vec::new();
    for e in &events {
        match &e.kind {
            EventKind::Log(line) => {
                translator.line(&line.stream, e.at.wall_us / 1000, &line.text, &mut out);
                for (_, kind) in out.drain(..) {
                    from_logs.apply(&Event::new(e.at, kind));
                }
            }
            EventKind::InitStart { .. }
            | EventKind::InitEnd { .. }
            | EventKind::InvokeStart { .. }
            | EventKind::InvokeEnd { .. }
            | EventKind::Frozen { .. }
            | EventKind::Reclaimed { .. }
            | EventKind::Destroyed { .. } => direct.apply(e),
            _ => {}
        }
    }
    translator.flush(&mut out);
    let at = events.last().unwrap().at;
    for (_, kind) in out.drain(..) {
        from_logs.apply(&Event::new(at, kind));
    }
    let (d, l) = (&direct.platform, &from_logs.platform);
    assert_eq!(
        (d.cold_starts, d.warm_starts, d.invocations),
        (20, 30, 50),
        "{format:?}"
    );
    assert_eq!(
        (l.cold_starts, l.warm_starts, l.invocations),
        (d.cold_starts, d.warm_starts, d.invocations),
        "{format:?}"
    );
    assert_eq!(translator.counts.malformed, 0);
    let per_env = |s: &State| {
        let mut v: Vec<_> = s
            .envs
            .rows()
            .map(|r| {
                (
                    r.id.clone(),
                    r.invocations,
                    r.init_ms.map(|ms| (ms * 100.0).round() as i64),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(per_env(&from_logs), per_env(&direct), "{format:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_logs_give_the_same_environments_as_the_lifecycle() {
    compare(LogFormat::Text).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_give_the_same_environments_as_the_lifecycle() {
    compare(LogFormat::Json).await;
}
