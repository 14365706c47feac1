//! The live screen's hot paths: one full frame with 1,000 environment cells (and with
//! 1,000 lanes) and full charts (target ≤ 2 ms), and request and lifecycle events
//! through the fold (events per second; lifecycle events also file the lanes).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thaw::config::{ThemeName, TuiConfig};
use thaw::event::{Classification, Event, EventKind, InvokeOutcome, ProbeFields, RequestObserved};
use thaw::ids::{EnvId, RequestId, Stamp};
use thaw::link::SessionKind;
use thaw::state::State;
use thaw::ui::app::Hero;
use thaw::ui::{App, Screen};

fn at(ms: u64) -> Stamp {
    Stamp {
        mono_us: ms * 1000,
        wall_us: 1_795_000_000_000_000 + i64::try_from(ms * 1000).unwrap(),
    }
}

fn request(i: u64, env: &EnvId, t_ms: u64, cold: bool) -> Event {
    Event::new(
        at(t_ms),
        EventKind::Request(RequestObserved {
            id: RequestId(i.to_string()),
            planned_us: t_ms * 1000 - 120_000,
            sent_us: t_ms * 1000 - 120_000,
            first_byte_us: Some(t_ms * 1000),
            end_us: t_ms * 1000,
            connect_us: None,
            status: Some(200),
            bytes: 2,
            error: None,
            probe: Some(ProbeFields {
                env: env.clone(),
                cold,
                init_ms: cold.then_some(150.0),
                invocations: Some(1),
            }),
            class: Some(if cold {
                Classification::Cold
            } else {
                Classification::Warm
            }),
            said: None,
        }),
    )
}

/// A scenario file's events (`tests/scenarios/NAME.jsonl`, as the snapshots read them).
fn scenario(name: &str) -> Vec<Event> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(format!("{name}.jsonl"));
    let mut rec = thaw::record::open(&path).unwrap();
    std::iter::from_fn(|| rec.next_event().map(Result::unwrap)).collect()
}

fn frame(c: &mut Criterion) {
    let app = App::new(
        &TuiConfig::default(),
        ThemeName::Default,
        SessionKind::Endpoint,
        "http://127.0.0.1:9000/".into(),
    );
    let mut screen = Screen::new(app, Vec::new());
    // 1,000 environments with a minute of traffic behind them.
    let events = scenario("thousand_environments");
    let now = events.iter().map(|e| e.at).max().unwrap();
    screen.on_events(0, events);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    c.bench_function("frame 200x60, 1000 environments", |b| {
        b.iter(|| {
            screen.draw(black_box(&mut terminal), now).unwrap();
        });
    });
    screen.app.hero = Hero::Lanes;
    c.bench_function("frame 200x60, 1000 lanes", |b| {
        b.iter(|| {
            screen.draw(black_box(&mut terminal), now).unwrap();
        });
    });
}

/// Invocations starting and ending on 1,000 environments: what the emulator and the logs
/// source send, each filed in its environment's lane.
fn lifecycle_events(n: u64) -> Vec<Event> {
    let envs: Vec<EnvId> = (0..1000).map(|i| EnvId(format!("{i:032x}"))).collect();
    (0..n)
        .map(|i| {
            let env = envs[usize::try_from((i / 2) % 1000).unwrap()].clone();
            let request = RequestId((i / 2).to_string());
            let t = at(1000 + i / 20);
            if i % 2 == 0 {
                Event::new(
                    t,
                    EventKind::InvokeStart {
                        env,
                        request,
                        cold: i < 2000,
                    },
                )
            } else {
                Event::new(
                    t,
                    EventKind::InvokeEnd {
                        env,
                        request,
                        duration_ms: 50.0,
                        billed_ms: 50,
                        init_ms: None,
                        cold: i < 2000,
                        outcome: InvokeOutcome::Success,
                    },
                )
            }
        })
        .collect()
}

fn fold(c: &mut Criterion) {
    let env = EnvId("0".repeat(32));
    let events: Vec<Event> = (0..100_000u64)
        .map(|i| request(i, &env, 1000 + i / 10, i % 10 == 0))
        .collect();
    let mut g = c.benchmark_group("fold");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("100k request events", |b| {
        b.iter(|| {
            let mut s = State::new();
            for e in &events {
                s.apply(e);
            }
            black_box(s.client.requests)
        });
    });
    let lifecycle = lifecycle_events(100_000);
    g.bench_function("100k lifecycle events", |b| {
        b.iter(|| {
            let mut s = State::new();
            for e in &lifecycle {
                s.apply(e);
            }
            black_box(s.platform.invocations)
        });
    });
    g.finish();
}

criterion_group!(benches, frame, fold);
criterion_main!(benches);
