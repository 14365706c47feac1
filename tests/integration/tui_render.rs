//! The whole screen drawn through ratatui's `TestBackend` from real events (an emulator
//! burst), checked for what a viewer must see.

use crate::common;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thaw::config::{ThemeName, TuiConfig};
use thaw::link::SessionKind;
use thaw::state::State;
use thaw::ui::{App, View, draw};

fn render(state: &State, app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let now = state.latest.unwrap_or_default();
    let view = View {
        state,
        app,
        now,
        frozen: false,
    };
    t.draw(|f| draw(f, &view)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn app(theme: ThemeName) -> App {
    App::new(
        &TuiConfig::default(),
        theme,
        SessionKind::Endpoint,
        "http://127.0.0.1:1/".into(),
    )
}

#[test]
fn empty_screen_invites_a_burst_and_small_terminal_says_so() {
    let s = render(&State::new(), &app(ThemeName::Default), 100, 30);
    assert!(s.contains("no environments yet"), "{s}");
    assert!(s.contains("? help"), "{s}");
    let small = render(&State::new(), &app(ThemeName::Default), 60, 20);
    assert!(small.contains("terminal too small"), "{small}");
    assert!(small.contains("60×20"), "{small}");
    let tiny = render(&State::new(), &app(ThemeName::Default), 1, 1);
    assert_eq!(tiny.trim().chars().count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_burst_then_a_warm_one_draw_as_such() {
    let state = common::live_state(&["parallel 12", "parallel 12"]).await;
    let s = render(&state, &app(ThemeName::Default), 120, 36);
    assert!(s.contains("live 12"), "{s}");
    assert!(s.contains("cold      12"), "{s}");
    assert!(s.contains("warm      12"), "{s}");
    assert!(s.contains("REPORT"), "{s}");
    let mut help = app(ThemeName::Default);
    help.help = true;
    let h = render(&state, &help, 120, 36);
    assert!(
        h.contains("fire the burst plan") && h.contains("quit (also Ctrl-C)"),
        "{h}"
    );
    let p = render(&state, &app(ThemeName::Presentation), 160, 45);
    assert!(p.contains("COLD") && p.contains("WARM"), "{p}");
}
