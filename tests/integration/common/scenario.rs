//! Scenario files: `tests/scenarios/NAME.jsonl`, recordings with fixed ids and times. The
//! fold test, the screen snapshots and the frame bench all read them.

use std::fmt::Write as _;
use std::path::PathBuf;

use thaw::event::Event;
use thaw::state::{EnvState, State};

/// `tests/scenarios/NAME.jsonl`; `demo` is the demo recording `thaw --profile demo`
/// replays (`assets/demo/seed-story.jsonl`).
pub fn path(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if name == "demo" {
        return root.join("assets/demo/seed-story.jsonl");
    }
    root.join("tests/scenarios").join(format!("{name}.jsonl"))
}

/// The scenario's events, in file order.
pub fn events(name: &str) -> Vec<Event> {
    let mut rec = thaw::record::open(&path(name)).unwrap();
    let mut out = Vec::new();
    while let Some(e) = rec.next_event() {
        out.push(e.unwrap());
    }
    out
}

/// The state after every event of the scenario.
pub fn fold(name: &str) -> State {
    let mut s = State::new();
    for e in events(name) {
        s.apply(&e);
    }
    s
}

/// What a scenario's expected state says: the counters and every environment.
pub fn digest(s: &State) -> String {
    let (p, c) = (&s.platform, &s.client);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "events {} latest {:?}",
        s.events,
        s.latest.map(|l| l.mono_us)
    );
    let _ = writeln!(
        out,
        "platform invocations {} cold {} warm {} in_flight {} peak {} errors {} timeouts {} crashes {} init_errors {} throttled {} reclaimed {} destroyed {} queued {}",
        p.invocations,
        p.cold_starts,
        p.warm_starts,
        p.in_flight,
        p.peak_in_flight,
        p.function_errors,
        p.timeouts,
        p.crashes,
        p.init_errors,
        p.throttled(),
        p.reclaimed,
        p.destroyed,
        p.queued
    );
    let _ = writeln!(
        out,
        "client requests {} ok {} cold {} warm {} inferred {} errors {} in_flight {} peak {}",
        c.requests,
        c.ok,
        c.cold,
        c.warm,
        c.inferred,
        c.errors_total(),
        c.in_flight,
        c.peak_in_flight
    );
    let _ = writeln!(
        out,
        "environments live {} peak {} kept {}",
        s.envs.live(),
        s.envs.peak_live(),
        s.envs.len()
    );
    for r in s.envs.rows() {
        let state = match r.state {
            EnvState::Initializing => "init",
            EnvState::Busy => "busy",
            EnvState::Idle => "idle",
            EnvState::Reclaimed => "reclaimed",
            EnvState::Destroyed => "destroyed",
        };
        let _ = writeln!(
            out,
            "  #{:<3} {} {:<9} slots {} in_flight {} invocations {} init_ms {:?} cold {}",
            r.seq + 1,
            &r.id.0[r.id.0.len().saturating_sub(8)..],
            state,
            r.slots,
            r.in_flight,
            r.invocations,
            r.init_ms,
            r.last_cold
        );
    }
    for m in &s.metrics {
        let _ = writeln!(
            out,
            "metric {}/{} {:?} latest {:?} provisional {}",
            m.namespace, m.name, m.stat, m.latest, m.latest_provisional
        );
    }
    for (source, status) in &s.source_status {
        let _ = writeln!(out, "status {source}: {status}");
    }
    let _ = writeln!(out, "log lines {}", s.logs.len());
    out
}
