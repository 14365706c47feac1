//! Whole-screen snapshots (ratatui `TestBackend` + insta) of the one `Screen`, fed the
//! scenario files (fixed ids and times) and driven by key presses as a user would.

use crossterm::event::{Event as Input, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use thaw::command::Command;
use thaw::config::{ThemeName, TuiConfig};
use thaw::event::{Event, EventKind, SizingAnswer};
use thaw::ids::Stamp;
use thaw::link::SessionKind;
use thaw::ui::{App, Screen};

use crate::common::scenario;

fn emulator() -> SessionKind {
    SessionKind::Emulator {
        settings: "nodejs 128 MB, rest-api".into(),
        provisioned: 0,
    }
}

/// A screen of `kind` with one pane per scenario, each scenario's events folded.
fn screen(kind: SessionKind, theme: ThemeName, target: &str, scenarios: &[&str]) -> Screen {
    let titles = match scenarios {
        [_, _] => vec![
            "classic · 1 per environment".to_string(),
            "web-functions · 10 per environment".to_string(),
        ],
        _ => Vec::new(),
    };
    let app = App::new(&TuiConfig::default(), theme, kind, target.into());
    let mut s = Screen::new(app, titles);
    for (pane, name) in scenarios.iter().enumerate() {
        s.on_events(pane, scenario::events(name));
    }
    s
}

fn live(scenario: &str, theme: ThemeName) -> Screen {
    screen(emulator(), theme, "http://127.0.0.1:9000/", &[scenario])
}

/// The text of the whole screen at `now` (the newest event's time unless given).
fn text(s: &mut Screen, w: u16, h: u16, now: Option<Stamp>) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let now = now
        .or_else(|| s.panes().iter().filter_map(|p| p.live.latest).max())
        .unwrap_or_default();
    s.draw(&mut t, now).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn press(s: &mut Screen, code: KeyCode, now: Stamp) -> Vec<Command> {
    let key = Input::Key(KeyEvent::new(code, KeyModifiers::NONE));
    s.on_input(&key, Rect::new(0, 0, 120, 36), now)
}

#[test]
fn empty() {
    insta::assert_snapshot!(text(&mut live("empty", ThemeName::Default), 100, 30, None));
}

#[test]
fn mid_burst_with_cold_births() {
    let mut s = live("cold_burst_in_flight", ThemeName::Default);
    insta::assert_snapshot!(text(&mut s, 120, 36, None));
}

#[test]
fn all_warm() {
    let mut s = live("cold_then_warm", ThemeName::Default);
    insta::assert_snapshot!(text(&mut s, 120, 36, None));
}

#[test]
fn throttled() {
    insta::assert_snapshot!(text(
        &mut live("throttled", ThemeName::Default),
        120,
        36,
        None
    ));
}

#[test]
fn help_overlay() {
    let mut s = live("empty", ThemeName::Default);
    press(&mut s, KeyCode::Char('?'), Stamp::default());
    insta::assert_snapshot!(text(&mut s, 120, 36, None));
}

#[test]
fn presentation_theme() {
    let mut s = live("cold_then_warm", ThemeName::Presentation);
    insta::assert_snapshot!(text(&mut s, 160, 45, None));
}

#[test]
fn small_terminal() {
    insta::assert_snapshot!(text(&mut live("empty", ThemeName::Default), 60, 20, None));
}

/// Watching a function on AWS: environments from its log lines (through the logs
/// source's translator), CloudWatch datapoints (the newest provisional) and the
/// sources' status.
#[test]
fn watching_aws() {
    let mut s = screen(
        SessionKind::WatchingAws { can_fire: false },
        ThemeName::Default,
        "hello (watching; --url to fire)",
        &["watching_aws"],
    );
    insta::assert_snapshot!(text(&mut s, 140, 40, None));
}

/// Web Functions: environments serving several requests at once show their fill, and
/// the counters the requests that queued.
#[test]
fn shared_environments_show_their_fill() {
    let mut s = live("shared_environments", ThemeName::Default);
    insta::assert_snapshot!(text(&mut s, 120, 36, None));
}

/// The comparison view: one burst of 30, classic (30 environments) beside
/// web-functions at 10 per environment (3).
#[test]
fn comparison_of_two_models() {
    let mut s = screen(
        SessionKind::Compare,
        ThemeName::Default,
        "comparison",
        &["compare_classic", "compare_web_functions"],
    );
    s.app.requests = 30;
    let now = Stamp {
        mono_us: 1_200_000,
        wall_us: 1_795_000_001_200_000,
    };
    // The selection moves along the grid's real rows: → then ↓ lands a row further on.
    press(&mut s, KeyCode::Right, now);
    press(&mut s, KeyCode::Down, now);
    assert!(
        s.app.selected.is_some_and(|seq| seq > 1),
        "{:?}",
        s.app.selected
    );
    insta::assert_snapshot!(text(&mut s, 120, 30, Some(now)));
}

/// A session as a user drives it: fire (the burst's events arrive), freeze (more arrive,
/// the picture stays), clear (the session answers with a `Cleared` event), unfreeze.
#[test]
fn fire_freeze_clear() {
    let mut s = live("empty", ThemeName::Default);
    let t0 = Stamp::default();
    assert_eq!(
        press(&mut s, KeyCode::Enter, t0),
        vec![Command::Fire {
            plan: "parallel 50".parse().unwrap(),
            sleep_ms: 100
        }]
    );
    let events = scenario::events("cold_then_warm");
    let (cold, warm): (Vec<Event>, Vec<Event>) =
        events.into_iter().partition(|e| e.at.mono_us < 5_000_000);
    s.on_events(0, cold);
    let fired = text(&mut s, 120, 36, None);
    insta::assert_snapshot!("fire_freeze_clear_1_fired", fired);

    assert!(press(&mut s, KeyCode::Char('f'), t0).is_empty());
    s.on_events(0, warm);
    let frozen = text(&mut s, 120, 36, None);
    assert!(frozen.contains("FROZEN"), "{frozen}");
    insta::assert_snapshot!("fire_freeze_clear_2_frozen", frozen);

    assert_eq!(press(&mut s, KeyCode::Char('c'), t0), vec![Command::Clear]);
    let latest = s.panes()[0].live.latest.unwrap();
    s.on_events(0, [Event::new(latest, EventKind::Cleared)]);
    press(&mut s, KeyCode::Char('f'), t0);
    let cleared = text(&mut s, 120, 36, None);
    assert!(cleared.contains("no environments yet"), "{cleared}");
    insta::assert_snapshot!("fire_freeze_clear_3_cleared", cleared);
}

/// A replay reads its own keys from the table: `+` is faster playback, Enter says what
/// a replay offers instead of firing.
#[test]
fn replay_keys() {
    let mut s = screen(
        SessionKind::Replay,
        ThemeName::Default,
        "http://127.0.0.1:9000/ (replay)",
        &["cold_then_warm"],
    );
    let t0 = Stamp::default();
    assert_eq!(
        press(&mut s, KeyCode::Char('+'), t0),
        vec![Command::Replay(thaw::command::ReplayCommand::Faster)]
    );
    assert!(press(&mut s, KeyCode::Enter, t0).is_empty());
    let shown = text(&mut s, 120, 36, Some(t0));
    assert!(
        shown.contains("a replay: + faster · - slower · p pause · , back 10 s"),
        "{shown}"
    );
}

/// The key table, mode by mode: a change of any binding shows here.
#[test]
fn key_table() {
    insta::assert_snapshot!(thaw::ui::keys::table());
}

/// The lanes after the seed story (`v`): burst 1 opens 50 rows with Init then a cold
/// bar, burst 2 puts warm bars on the same rows, the serial run 50 bars on one row,
/// then reclaim, provisioned rows and a burst of 30.
#[test_case::test_case(80, 24, ThemeName::Default ; "80x24")]
#[test_case::test_case(140, 45, ThemeName::Default ; "140x45")]
#[test_case::test_case(80, 24, ThemeName::Mono ; "80x24 mono")]
#[test_case::test_case(140, 45, ThemeName::Mono ; "140x45 mono")]
fn lanes_of_the_seed_story(w: u16, h: u16, theme: ThemeName) {
    let mut s = live("demo", theme);
    let now = s.panes()[0].live.latest.unwrap();
    press(&mut s, KeyCode::Char('v'), now);
    let name = format!("lanes_{w}x{h}_{}", theme.as_str());
    insta::assert_snapshot!(name, text(&mut s, w, h, None));
}

/// The grid after the seed story, an environment selected, at the three sizes the
/// layout is checked at: nothing cut by a border, no phrase split across lines.
#[test_case::test_case(80, 24 ; "80x24")]
#[test_case::test_case(140, 45 ; "140x45")]
#[test_case::test_case(200, 60 ; "200x60")]
fn grid_of_the_seed_story(w: u16, h: u16) {
    let mut s = live("demo", ThemeName::Default);
    let now = s.panes()[0].live.latest.unwrap();
    press(&mut s, KeyCode::Down, now);
    let name = format!("grid_{w}x{h}");
    insta::assert_snapshot!(name, text(&mut s, w, h, None));
}

/// `H`: the charts per minute over 15 minutes (the emulator's own metrics at its period
/// beside thaw's peaks and the longest REPORT of each minute).
#[test]
fn per_minute_charts_of_the_seed_story() {
    let mut s = live("demo", ThemeName::Default);
    let now = s.panes()[0].live.latest.unwrap();
    press(&mut s, KeyCode::Char('H'), now);
    insta::assert_snapshot!(text(&mut s, 140, 45, None));
}

/// A click on a lane selects its environment, and its details show at the bottom.
#[test]
fn a_click_on_a_lane_selects_it() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut s = live("demo", ThemeName::Mono);
    let now = s.panes()[0].live.latest.unwrap();
    press(&mut s, KeyCode::Char('v'), now);
    let click = Input::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 20,
        row: 3,
        modifiers: KeyModifiers::NONE,
    });
    s.on_input(&click, Rect::new(0, 0, 120, 36), now);
    let seq = s.app.selected.expect("a lane was clicked");
    let screen = text(&mut s, 120, 36, None);
    let line = screen.lines().nth(3).unwrap();
    assert!(line.contains(&format!("▸{:>4}", seq + 1)), "{screen}");
    assert!(screen.contains(&format!("#{} ", seq + 1)), "{screen}");
}

/// `W`: the sizing overlay while it is worked out, then with the session's table (here
/// the demo's, as `thaw whatif` prints it).
#[test]
fn the_sizing_overlay() {
    let mut s = live("demo", ThemeName::Mono);
    let now = s.panes()[0].live.latest.unwrap();
    let sent = press(&mut s, KeyCode::Char('W'), now);
    assert_eq!(sent, vec![Command::Sizing]);
    insta::assert_snapshot!("sizing_working", text(&mut s, 120, 36, None));
    let trace = thaw::whatif::read(&scenario::path("demo")).unwrap();
    let w = thaw::whatif::run(
        "this session",
        trace,
        &thaw::whatif::Options::defaults(thaw::config::EmulatorConfig::default()),
        &thaw::config::PricingConfig::default(),
    );
    let sizing = EventKind::Sizing(SizingAnswer::Table(Box::new(w.sizing())));
    s.on_events(0, [Event::new(now, sizing)]);
    insta::assert_snapshot!("sizing_120x36", text(&mut s, 120, 36, None));
    insta::assert_snapshot!("sizing_80x24", text(&mut s, 80, 24, None));
    // Any key closes it, the freeze key too, without freezing the picture.
    press(&mut s, KeyCode::Char('f'), now);
    assert!(!s.frozen());
    assert!(!text(&mut s, 120, 36, None).contains("What should I set?"));
    press(&mut s, KeyCode::Char('f'), now);
    assert!(s.frozen());
}
