//! The screen's commands through the control task to a real emulator: fire, keep-warm,
//! a second fire while one runs, stop, and emulator control.

use crate::common;

use std::time::Duration;

use thaw::burst::{RequestSpec, Target};
use thaw::clock::Clock;
use thaw::command::{Command, EmulatorCommand};
use thaw::emulator::Emulator;
use thaw::event::Event;
use thaw::event::EventSink;
use thaw::sources::control::Control;
use thaw::state::State;
use tokio::sync::mpsc::Receiver;

/// Folds events until `done` says so (or fails after 10 s).
async fn until(rx: &mut Receiver<Event>, state: &mut State, done: impl Fn(&State) -> bool) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while !done(state) {
            let e = rx.recv().await.unwrap();
            state.apply(&e);
        }
    })
    .await
    .expect("condition never reached");
}

/// An emulator on loopback, its events, and its URL as a target.
async fn emulator() -> (Clock, EventSink, Receiver<Event>, Emulator, Target) {
    let clock = Clock::start();
    let (sink, rx) = EventSink::channel(1 << 16);
    let emulator = Emulator::start(common::quick(), clock, sink.clone())
        .await
        .unwrap();
    let target = Target::parse(&format!("{}/", emulator.url())).unwrap();
    (clock, sink, rx, emulator, target)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_drive_bursts_keep_warm_and_the_emulator() {
    let (clock, sink, mut rx, emulator, target) = emulator().await;
    let control = Control::spawn(
        Some(target),
        RequestSpec::default(),
        clock,
        sink,
        Some(emulator),
    );
    let mut s = State::new();

    control.send(Command::Fire {
        plan: "parallel 8".parse().unwrap(),
        sleep_ms: 300,
    });
    until(&mut rx, &mut s, |s| s.client.in_flight == 8).await;
    // A second fire while the first runs is refused with a message, not queued.
    control.send(Command::Fire {
        plan: "serial 3".parse().unwrap(),
        sleep_ms: 0,
    });
    until(&mut rx, &mut s, |s| !s.source_errors.is_empty()).await;
    assert!(s.source_errors[0].message.contains("x stops it"));
    until(&mut rx, &mut s, |s| s.last_burst.is_some()).await;
    let (_, done) = s.last_burst.clone().unwrap();
    assert_eq!((done.requests, done.stopped), (8, false));
    assert_eq!((s.client.cold, s.envs.live()), (8, 8));
    assert_eq!(s.client.in_flight, 0);

    // Keep-warm: 8 parallel every second reuses the same 8 environments.
    control.send(Command::KeepWarm {
        plan: Some("keep-warm 8 every 1s".parse().unwrap()),
        sleep_ms: 50,
    });
    until(&mut rx, &mut s, |s| s.client.warm >= 16).await;
    assert_eq!(s.envs.peak_live(), 8, "keep-warm must not add environments");
    control.send(Command::KeepWarm {
        plan: None,
        sleep_ms: 0,
    });
    until(&mut rx, &mut s, |s| s.bursts.is_empty()).await;

    // Stop abandons a long burst and reports it stopped.
    control.send(Command::Fire {
        plan: "serial 100".parse().unwrap(),
        sleep_ms: 100,
    });
    until(&mut rx, &mut s, |s| !s.bursts.is_empty()).await;
    control.send(Command::Stop);
    until(&mut rx, &mut s, |s| {
        s.last_burst
            .as_ref()
            .is_some_and(|(_, b)| b.stopped && b.plan == "serial 100")
    })
    .await;
    assert!(
        s.client.requests < 8 + 16 + 100,
        "the stopped burst did not finish"
    );

    // Emulator control: reclaim every idle environment now.
    tokio::time::sleep(Duration::from_millis(200)).await;
    control.send(Command::Emulator(EmulatorCommand::ReclaimIdle));
    until(&mut rx, &mut s, |s| s.envs.live() == 0).await;
    control.shutdown().await;
}

/// A fan-out splits one `parallel N` release over its workers; any other plan fires from
/// this machine, and the screen is told so rather than left to guess.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fanned_out_session_says_when_a_plan_fires_from_here() {
    let (clock, sink, mut rx, emulator, target) = emulator().await;
    // Workers nobody runs: a plan that fires from here never calls them.
    let fan = thaw::sources::fanout::FanOut {
        workers: 4,
        function: thaw::burst::lambda::LambdaTarget::parse("lambda:thaw-burst-worker")
            .unwrap()
            .unwrap(),
        endpoint_url: Some("http://127.0.0.1:9".into()),
        region: Some("us-east-1".into()),
        profile: None,
        lead: None,
    };
    let client = thaw::sources::fanout::client(&fan).await.unwrap();
    let control = Control::spawn_fanned_out(target, clock, sink, Some(emulator), (fan, client));
    let mut s = State::new();
    control.send(Command::Fire {
        plan: "serial 3".parse().unwrap(),
        sleep_ms: 0,
    });
    until(&mut rx, &mut s, |s| {
        s.last_burst.is_some() && !s.source_status.is_empty()
    })
    .await;
    let (_, said) = &s.source_status[0];
    assert!(
        said.contains("'serial 3' fires from this machine"),
        "{said}"
    );
    assert_eq!(s.client.requests, 3);
    assert!(s.source_errors.is_empty(), "{:?}", s.source_errors);
    control.shutdown().await;
}
