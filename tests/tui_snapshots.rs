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
