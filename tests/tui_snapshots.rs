//! Whole-screen snapshots (ratatui `TestBackend` + insta) of scenarios built from fixed
//! events, so ids and times are the same on every run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thaw::config::{ThemeName, TuiConfig};
use thaw::event::{
    Classification, EnvId, Event, EventKind, InitType, InvokeOutcome, LogLine, ProbeFields,
    RequestId, RequestObserved, Stamp, ThrottleReason,
};
use thaw::state::State;
use thaw::ui::{App, draw};

fn at(ms: u64) -> Stamp {
    Stamp {
        mono_us: ms * 1000,
        wall_us: 1_795_000_000_000_000 + i64::try_from(ms * 1000).unwrap(),
    }
}

fn env(i: u64) -> EnvId {
    EnvId(format!("{i:032x}"))
}

/// `n` environments born at `t` ms; each serves one request (cold when `cold`), and the
/// ones below `busy` are still serving it at the end.
fn burst(state: &mut State, t: u64, n: u64, cold: bool, busy: u64, first_id: u64) {
    let e = |ms, kind| Event::new(at(ms), kind);
    for i in 0..n {
        let id = env(i);
        if cold {
            state.apply(&e(
                t,
                EventKind::InitStart {
                    env: id.clone(),
                    init_type: InitType::OnDemand,
                    slots: 1,
                },
            ));
            state.apply(&e(
                t + 150 + i,
                EventKind::InitEnd {
                    env: id.clone(),
                    init_ms: 150.0 + i as f64,
                    ok: true,
                },
            ));
        }
        let req = RequestId(format!("r{}", first_id + i));
        state.apply(&e(
            t + 1,
            EventKind::InvokeStart {
                env: id.clone(),
                request: req.clone(),
                cold,
            },
        ));
        if i < busy {
            continue;
        }
        let took = if cold { 260 + i } else { 105 + i % 7 };
        state.apply(&e(
            t + took,
            EventKind::InvokeEnd {
                env: id.clone(),
                request: req.clone(),
                duration_ms: 100.0,
                billed_ms: 100,
                init_ms: cold.then_some(150.0),
                cold,
                outcome: InvokeOutcome::Success,
            },
        ));
        state.apply(&e(
            t + took,
            EventKind::Log(LogLine {
                stream: format!("2026/11/23/[$LATEST]{}", id.0),
                env: Some(id.clone()),
                text: format!(
                    "REPORT RequestId: r{}\tDuration: 100.00 ms\tBilled Duration: 100 ms",
                    first_id + i
                ),
            }),
        ));
        state.apply(&e(
            t + took,
            EventKind::Request(RequestObserved {
                id: req,
                planned_us: t * 1000,
                sent_us: t * 1000,
                first_byte_us: Some((t + took) * 1000),
                end_us: (t + took) * 1000,
                connect_us: Some(80),
                status: Some(200),
                bytes: 2,
                error: None,
                probe: Some(ProbeFields {
                    env: id,
                    cold,
                    init_ms: cold.then_some(150.0),
                    invocations: Some(1),
                }),
                class: Some(if cold {
                    Classification::Cold
                } else {
                    Classification::Warm
                }),
            }),
        ));
    }
}

fn screen(state: &State, app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let now = state.latest.unwrap_or_default();
    t.draw(|f| draw(f, state, app, now)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn app(theme: ThemeName) -> App {
    let mut a = App::new(
        &TuiConfig::default(),
        theme,
        "http://127.0.0.1:9000/".into(),
    );
    a.emulator = Some("nodejs 128 MB, rest-api".into());
    a
}

#[test]
fn empty() {
    insta::assert_snapshot!(screen(&State::new(), &app(ThemeName::Default), 100, 30));
}

#[test]
fn mid_burst_with_cold_births() {
    let mut s = State::new();
    burst(&mut s, 1000, 50, true, 30, 0);
    insta::assert_snapshot!(screen(&s, &app(ThemeName::Default), 120, 36));
}

#[test]
fn all_warm() {
    let mut s = State::new();
    burst(&mut s, 1000, 50, true, 0, 0);
    burst(&mut s, 5000, 50, false, 0, 50);
    insta::assert_snapshot!(screen(&s, &app(ThemeName::Default), 120, 36));
}

#[test]
fn throttled() {
    let mut s = State::new();
    burst(&mut s, 1000, 10, true, 0, 0);
    for i in 0..20 {
        s.apply(&Event::new(
            at(1001 + i),
            EventKind::Throttle {
                reason: ThrottleReason::ReservedConcurrency,
            },
        ));
    }
    insta::assert_snapshot!(screen(&s, &app(ThemeName::Default), 120, 36));
}

#[test]
fn help_overlay() {
    let mut a = app(ThemeName::Default);
    a.help = true;
    insta::assert_snapshot!(screen(&State::new(), &a, 120, 36));
}

#[test]
fn presentation_theme() {
    let mut s = State::new();
    burst(&mut s, 1000, 50, true, 0, 0);
    burst(&mut s, 5000, 50, false, 0, 50);
    insta::assert_snapshot!(screen(&s, &app(ThemeName::Presentation), 160, 45));
}

#[test]
fn small_terminal() {
    insta::assert_snapshot!(screen(&State::new(), &app(ThemeName::Default), 60, 20));
}

/// Watching a function on AWS: environments from its log lines (through the logs
/// source's translator), CloudWatch datapoints (the newest provisional) and the
/// sources' status.
#[test]
fn watching_aws() {
    use thaw::event::{MetricDatapoint, Stat};
    use thaw::sources::logs::translate::Translator;
    let mut s = State::new();
    let mut tr = Translator::new();
    let mut out = Vec::new();
    let stream = |i: u64| format!("2026/11/23/[$LATEST]{i:032x}");
    let report = |id: &str, init: &str| {
        format!(
            "REPORT RequestId: {id}\tDuration: 102.31 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\t{init}"
        )
    };
    for i in 0..6u64 {
        let id = format!("5c1d2e3f-0000-4000-8000-{i:012x}");
        for line in [
            "INIT_START Runtime Version: nodejs:22.v40\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:0a1b".to_string(),
            format!("START RequestId: {id} Version: $LATEST"),
            format!("END RequestId: {id}"),
            report(&id, &format!("Init Duration: {}.50 ms\t", 140 + i)),
        ] {
            tr.line(&stream(i), 0, &line, &mut out);
        }
    }
    for i in 0..4u64 {
        let id = format!("5c1d2e3f-0000-4000-9000-{i:012x}");
        tr.line(
            &stream(i),
            0,
            &format!("START RequestId: {id} Version: $LATEST"),
            &mut out,
        );
        tr.line(&stream(i), 0, &report(&id, ""), &mut out);
    }
    tr.flush(&mut out);
    for (k, (_, kind)) in out.into_iter().enumerate() {
        s.apply(&Event::new(at(1000 + k as u64), kind));
    }
    let minute = |m: i64| (1_795_000_000 / 60 - m) * 60 * 1_000_000;
    for (name, stat, values) in [
        ("ConcurrentExecutions", Stat::Maximum, [4.0, 6.0]),
        ("Duration", Stat::P50, [101.0, 102.5]),
        ("Duration", Stat::P99, [160.2, 248.0]),
        ("Invocations", Stat::Sum, [3.0, 10.0]),
        ("Throttles", Stat::Sum, [0.0, 0.0]),
    ] {
        for (m, v) in [(3, values[0]), (2, values[1])] {
            s.apply(&Event::new(
                at(2000),
                EventKind::Metric(MetricDatapoint {
                    namespace: "AWS/Lambda".into(),
                    name: name.into(),
                    stat,
                    period_start_us: minute(m),
                    period_s: 60,
                    value: v,
                    provisional: m == 2,
                }),
            ));
        }
    }
    for (source, message) in [
        ("logs", "Live Tail on /aws/lambda/hello"),
        ("cloudwatch", "9 series every 20 s, 40 points"),
    ] {
        s.apply(&Event::new(
            at(2100),
            EventKind::SourceStatus {
                source: source.into(),
                message: message.into(),
            },
        ));
    }
    let mut a = App::new(
        &TuiConfig::default(),
        ThemeName::Default,
        "hello (watching; --url to fire)".into(),
    );
    a.emulator = None;
    insta::assert_snapshot!(screen(&s, &a, 140, 40));
}

/// Web Functions: environments serving several requests at once show their fill, and
/// the counters the requests that queued.
#[test]
fn shared_environments_show_their_fill() {
    let mut s = State::new();
    let e = |ms, kind| Event::new(at(ms), kind);
    for (i, busy) in [3u64, 6, 10, 0].into_iter().enumerate() {
        let id = env(i as u64);
        s.apply(&e(
            1000,
            EventKind::InitStart {
                env: id.clone(),
                init_type: InitType::OnDemand,
                slots: 10,
            },
        ));
        s.apply(&e(
            1100,
            EventKind::InitEnd {
                env: id.clone(),
                init_ms: 100.0,
                ok: true,
            },
        ));
        for r in 0..busy {
            s.apply(&e(
                1200,
                EventKind::InvokeStart {
                    env: id.clone(),
                    request: RequestId(format!("r{i}-{r}")),
                    cold: r == 0,
                },
            ));
        }
    }
    for w in [40.0, 610.0] {
        s.apply(&e(
            1300,
            EventKind::Queued {
                env: env(2),
                waited_ms: w,
            },
        ));
    }
    insta::assert_snapshot!(screen(&s, &app(ThemeName::Default), 120, 36));
}

/// The comparison view: one burst of 30, classic (30 environments) beside
/// web-functions at 10 per environment (3).
#[test]
fn comparison_of_two_models() {
    let fold = |envs: u64, slots: u32| {
        let mut s = State::new();
        for i in 0..envs {
            let id = env(i);
            s.apply(&Event::new(
                at(1000),
                EventKind::InitStart {
                    env: id.clone(),
                    init_type: InitType::OnDemand,
                    slots,
                },
            ));
            s.apply(&Event::new(
                at(1150),
                EventKind::InitEnd {
                    env: id.clone(),
                    init_ms: 150.0,
                    ok: true,
                },
            ));
            for r in 0..(30 / envs) {
                let request = RequestId(format!("r{i}-{r}"));
                s.apply(&Event::new(
                    at(1151),
                    EventKind::InvokeStart {
                        env: id.clone(),
                        request,
                        cold: true,
                    },
                ));
            }
        }
        s
    };
    let (classic, web) = (fold(30, 1), fold(3, 10));
    let panes = [
        thaw::ui::compare::Pane {
            title: "classic · 1 per environment".into(),
            state: &classic,
        },
        thaw::ui::compare::Pane {
            title: "web-functions · 10 per environment".into(),
            state: &web,
        },
    ];
    let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let mut a = app(ThemeName::Default);
    a.requests = 30;
    t.draw(|f| thaw::ui::compare::render(f, &panes, &a, at(1200)))
        .unwrap();
    let buf = t.backend().buffer().clone();
    let text = (0..30)
        .map(|y| (0..120).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(text);
}
