//! Makes `assets/demo/seed-story.jsonl`: the seed story told by the emulator and
//! recorded as `thaw --record` would. Run by `scripts/make-demo`.
//!
//! 1. 50 parallel requests on a cold function: 50 environments are born.
//! 2. The same 50 again: all warm, no new environment.
//! 3. 50 serial requests: one environment serves them all.
//! 4. Idle environments reclaimed, 20 provisioned: a burst of 30 finds 20 ready (warm)
//!    and 10 spill over to new on-demand environments (cold).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use thaw::burst::{self, RequestSpec, Target};
use thaw::clock::Clock;
use thaw::command::EmulatorCommand;
use thaw::config::EmulatorConfig;
use thaw::emulator::Emulator;
use thaw::event::EventSink;
use thaw::event::{Event, EventKind};
use thaw::record::{Header, Recorder};

async fn fire(plan: &str, url: &str, clock: Clock, rec: &Recorder) {
    let plan = plan.parse().unwrap();
    let target = Target::parse(url).unwrap();
    burst::run(&plan, target, RequestSpec::default(), None, clock, |e| {
        rec.record(&e);
    })
    .await
    .unwrap();
}

/// A status line (the CloudWatch panel shows it), so the story narrates itself on replay.
fn say(rec: &Recorder, clock: Clock, text: &str) {
    rec.record(&Event::new(
        clock.stamp(),
        EventKind::SourceStatus {
            source: "demo".into(),
            message: text.into(),
        },
    ));
}

#[tokio::main]
async fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "assets/demo/seed-story.jsonl".into());
    let clock = Clock::start();
    let (sink, mut events) = EventSink::channel(1 << 20);
    let config = EmulatorConfig {
        seed: Some(2026),
        ..EmulatorConfig::default()
    };
    let summary = config.summary();
    let emulator = Emulator::start(config, clock, sink).await.unwrap();
    let url = format!("{}/prod/hello?sleep_ms=300", emulator.url());
    let header = Header::new(
        "the seed story (embedded emulator)",
        &format!("emulator: {summary}"),
        clock.at(Duration::ZERO).wall_us,
    );
    let rec = Recorder::create(out.as_ref(), &header, EventSink::none(), clock).unwrap();
    let tee = rec.tee();
    let forward = tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            tee.record(e);
        }
    });
    let pause = |s: u64| tokio::time::sleep(Duration::from_secs(s));

    pause(1).await;
    say(&rec, clock, "1. 50 parallel requests on a cold function");
    fire("parallel 50", &url, clock, &rec).await;
    pause(3).await;
    say(&rec, clock, "2. the same 50 again: all warm");
    fire("parallel 50", &url, clock, &rec).await;
    pause(3).await;
    say(
        &rec,
        clock,
        "3. 50 serial requests: one environment serves them all",
    );
    fire("serial 50", &url, clock, &rec).await;
    pause(2).await;
    say(
        &rec,
        clock,
        "4. reclaim idle, provision 20, then a burst of 30",
    );
    emulator.command(EmulatorCommand::ReclaimIdle).await;
    emulator
        .command(EmulatorCommand::SetProvisioned { count: 20 })
        .await;
    pause(3).await;
    fire("parallel 30", &url, clock, &rec).await;
    pause(3).await;
    say(
        &rec,
        clock,
        "the end: thaw replay --speed 2, or thaw to try it live",
    );
    emulator.shutdown().await;
    let _ = forward.await;
    let written = rec.finish().await.unwrap();
    println!(
        "wrote {} events ({} bytes) to {out}",
        written.events, written.bytes
    );
}
