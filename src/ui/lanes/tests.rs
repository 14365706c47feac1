//! What a lane draws, from events: births, reuses, zoom and scroll, late data.

use super::*;
use crate::event::{Event, EventKind, InitType};
use crate::ids::{EnvId, RequestId};

fn at(ms: i64) -> Stamp {
    Stamp {
        mono_us: u64::try_from(ms * 1000).unwrap_or(0),
        wall_us: 1_000_000_000_000 + ms * 1000,
    }
}

fn glyphs(marks: &[Mark]) -> String {
    marks.iter().map(|m| m.glyph(false)).collect()
}

#[test]
fn a_cold_birth_then_warm_reuses_read_as_init_bars_and_idle() {
    let mut s = State::new();
    let env = EnvId("e".into());
    let ev = |ms, kind| Event::new(at(ms), kind);
    let start = |ms, r: &str, cold| {
        ev(
            ms,
            EventKind::InvokeStart {
                env: env.clone(),
                request: RequestId(r.into()),
                cold,
            },
        )
    };
    let end = |ms, r: &str, cold| {
        ev(
            ms,
            EventKind::InvokeEnd {
                env: env.clone(),
                request: RequestId(r.into()),
                duration_ms: 100.0,
                billed_ms: 100,
                init_ms: None,
                cold,
                outcome: InvokeOutcome::Success,
            },
        )
    };
    for e in [
        ev(
            0,
            EventKind::InitStart {
                env: env.clone(),
                init_type: InitType::OnDemand,
                slots: 1,
            },
        ),
        ev(
            200,
            EventKind::InitEnd {
                env: env.clone(),
                init_ms: 200.0,
                ok: true,
            },
        ),
        start(200, "a", true),
        end(400, "a", true),
        start(1000, "b", false),
        end(1300, "b", false),
        start(1300, "c", false),
        end(1600, "c", false),
    ] {
        s.apply(&e);
    }
    let row = s.envs.rows().next().unwrap();
    let left = at(0).wall_us;
    let m = marks(row, left, 100_000, 20, at(2000).wall_us);
    assert_eq!(glyphs(&m), "░░▓▓──────▐██▐██────");
}

/// At a zoom where Init and the cold bar fall in one column, the bar takes the next
/// one: every birth reads "Init, then a bar".
#[test]
fn a_birth_shows_init_then_a_bar_at_any_zoom() {
    let mut s = State::new();
    let env = EnvId("e".into());
    for e in [
        Event::new(
            at(0),
            EventKind::InitStart {
                env: env.clone(),
                init_type: InitType::OnDemand,
                slots: 1,
            },
        ),
        Event::new(
            at(100),
            EventKind::InvokeStart {
                env: env.clone(),
                request: RequestId("a".into()),
                cold: true,
            },
        ),
    ] {
        s.apply(&e);
    }
    let row = s.envs.rows().next().unwrap();
    // One-second columns: Init and the running cold bar both in column 0.
    let m = marks(row, at(0).wall_us, 1_000_000, 4, at(500).wall_us);
    assert_eq!(glyphs(&m), "░▓  ");
}

/// Events too old to file are said in the title, not silently lost.
#[test]
fn late_events_are_counted_in_the_title() {
    let mut s = State::new();
    s.late_dropped = 3;
    let top = &drawn(&s, 10, at(0))[0];
    assert!(top.contains("3 too late to draw"), "{top}");
}

#[test]
fn zoom_and_scroll_stay_in_bounds_and_come_back_to_now() {
    let mut v = LaneView::default();
    for _ in 0..10 {
        v.zoom_out();
    }
    assert_eq!(v.zoom_name(), "1 h");
    for _ in 0..10 {
        v.zoom_in();
    }
    assert_eq!(v.zoom_name(), "10 s");
    let now = at(100_000);
    v.earlier(now);
    assert_eq!(v.window(now).1, now.wall_us - 5_000_000);
    v.later(now);
    assert_eq!(v.end_us, None, "back at now: following again");
}

/// Under Managed Instances and Web Functions a lane says how many requests shared its
/// environment at most (`×3`), where the count would end.
#[test]
fn a_shared_environment_shows_how_many_at_once() {
    let mut s = State::new();
    let env = EnvId("e".into());
    s.apply(&Event::new(
        at(0),
        EventKind::InitStart {
            env: env.clone(),
            init_type: InitType::OnDemand,
            slots: 10,
        },
    ));
    for r in ["a", "b", "c"] {
        s.apply(&Event::new(
            at(100),
            EventKind::InvokeStart {
                env: env.clone(),
                request: RequestId(r.into()),
                cold: false,
            },
        ));
    }
    let row = &drawn(&s, 8, at(200))[1];
    assert!(row.contains("×3"), "{row}");
    assert!(row.trim_end_matches(['│', ' ']).ends_with('3'), "{row}");
}

/// The lanes panel alone, 100 columns wide, in the mono theme: its rows as text.
fn drawn(s: &State, height: u16, now: Stamp) -> Vec<String> {
    use crate::config::{ThemeName, TuiConfig};
    let mut app = App::new(
        &TuiConfig::default(),
        ThemeName::Mono,
        crate::link::SessionKind::Endpoint,
        "x".into(),
    );
    app.hero = crate::ui::app::Hero::Lanes;
    let backend = ratatui::backend::TestBackend::new(100, height);
    let mut term = ratatui::Terminal::new(backend).unwrap();
    term.draw(|f| render(f, f.area(), s, &app, now)).unwrap();
    let buf = term.backend().buffer();
    (0..height)
        .map(|y| (0..100).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}
