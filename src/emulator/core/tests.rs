//! The platform model on virtual time: minutes of idle reclaim run in microseconds.

use std::collections::{BTreeMap, HashSet};

use super::*;
use crate::config::EmulatorConfig;
use crate::event::EventKind;
use crate::event::ReclaimReason;
use crate::lambda::Metric;

mod limits;
mod models;

struct Sim {
    core: Core,
    now: Duration,
    next_ticket: Ticket,
    replies: BTreeMap<Ticket, (Duration, Reply)>,
    events: Vec<(Duration, EventKind)>,
}

fn cfg() -> EmulatorConfig {
    EmulatorConfig {
        seed: Some(7),
        jitter: 0.0,
        init_ms: Some(100.0),
        duration_ms: Some(10.0),
        ..EmulatorConfig::default()
    }
}

impl Sim {
    fn new(cfg: EmulatorConfig) -> Self {
        let mut core = Core::new(cfg, 1_790_000_000_000_000);
        let mut out = Vec::new();
        core.start(Duration::ZERO, &mut out);
        let mut sim = Self {
            core,
            now: Duration::ZERO,
            next_ticket: 0,
            replies: BTreeMap::new(),
            events: Vec::new(),
        };
        sim.take(out);
        sim
    }

    fn take(&mut self, out: Vec<Effect>) {
        for e in out {
            match e {
                Effect::Emit { at, kind } => self.events.push((at, kind)),
                Effect::Respond { ticket, reply } => {
                    self.replies.insert(ticket, (self.now, reply));
                }
                // The builtin handler has no processes.
                Effect::Spawn { .. }
                | Effect::Deliver { .. }
                | Effect::Freeze { .. }
                | Effect::Kill { .. } => {}
            }
        }
    }

    fn invoke(&mut self, query: &str) -> Ticket {
        let t = self.next_ticket;
        self.next_ticket += 1;
        let mut out = Vec::new();
        self.core
            .invoke(self.now, t, InvokeParams::from_query(Some(query)), &mut out);
        self.take(out);
        t
    }

    /// Advances virtual time to `to`, firing timers in order.
    fn run_to(&mut self, to: Duration) {
        while let Some(d) = self.core.next_deadline() {
            if d > to {
                break;
            }
            self.now = d;
            let mut out = Vec::new();
            self.core.advance(d, &mut out);
            self.take(out);
        }
        self.now = to;
    }

    fn run_for(&mut self, d: Duration) {
        self.run_to(self.now + d);
    }

    fn invoked(&self, t: Ticket) -> &Invoked {
        match &self.replies[&t].1 {
            Reply::Invoked(i) => i,
            other => panic!("ticket {t}: {other:?}"),
        }
    }

    fn count(&self, f: impl Fn(&EventKind) -> bool) -> usize {
        self.events.iter().filter(|(_, k)| f(k)).count()
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[test]
fn parallel_burst_births_one_environment_each_then_reuses_them_all() {
    let mut sim = Sim::new(cfg());
    let burst: Vec<Ticket> = (0..50).map(|_| sim.invoke("sleep_ms=500")).collect();
    sim.run_for(secs(1.0));
    let envs: HashSet<_> = burst.iter().map(|t| sim.invoked(*t).env.clone()).collect();
    assert_eq!(envs.len(), 50);
    assert!(burst.iter().all(|t| sim.invoked(*t).cold));
    // Latency of a cold one: Init + duration.
    let (at, _) = &sim.replies[&burst[0]];
    assert_eq!(*at, secs(0.61));

    let again: Vec<Ticket> = (0..50).map(|_| sim.invoke("sleep_ms=500")).collect();
    sim.run_for(secs(1.0));
    let envs2: HashSet<_> = again.iter().map(|t| sim.invoked(*t).env.clone()).collect();
    assert_eq!(envs2, envs, "the same 50 environments, all warm");
    assert!(again.iter().all(|t| !sim.invoked(*t).cold));
}

#[test]
fn serial_requests_stay_on_one_environment() {
    let mut sim = Sim::new(cfg());
    let mut tickets = Vec::new();
    for _ in 0..20 {
        tickets.push(sim.invoke(""));
        sim.run_for(secs(0.2));
    }
    let envs: HashSet<_> = tickets
        .iter()
        .map(|t| sim.invoked(*t).env.clone())
        .collect();
    assert_eq!(envs.len(), 1);
    let cold = tickets.iter().filter(|t| sim.invoked(**t).cold).count();
    assert_eq!(cold, 1);
    assert_eq!(sim.invoked(tickets[19]).invocations, 20);
}

#[test]
fn overlap_decides_not_count() {
    // Three waves of 300 ms requests every 200 ms: waves 1 and 2 overlap, wave 3 overlaps
    // only wave 2, and wave 1's environments are free again by then.
    let mut sim = Sim::new(EmulatorConfig {
        init_ms: Some(0.0),
        duration_ms: Some(0.0),
        ..cfg()
    });
    for _ in 0..3 {
        for _ in 0..4 {
            sim.invoke("sleep_ms=300");
        }
        sim.run_for(secs(0.2));
    }
    sim.run_for(secs(1.0));
    assert_eq!(sim.core.pool().live(), 8, "peak overlap is 8 requests");
}

#[test]
fn provisioned_take_the_first_requests_warm_and_the_rest_spill_over_cold() {
    let mut sim = Sim::new(EmulatorConfig {
        provisioned_concurrency: 5,
        ..cfg()
    });
    sim.run_for(secs(1.0)); // provisioned Init done in the background
    let tickets: Vec<Ticket> = (0..8).map(|_| sim.invoke("sleep_ms=100")).collect();
    sim.run_for(secs(1.0));
    let (pc, od): (Vec<_>, Vec<_>) = tickets
        .iter()
        .map(|t| sim.invoked(*t))
        .partition(|i| i.init_type == InitType::ProvisionedConcurrency);
    assert_eq!(pc.len(), 5);
    assert!(pc.iter().all(|i| !i.cold));
    assert_eq!(od.len(), 3);
    assert!(od.iter().all(|i| i.cold));
    // Idle for an hour: provisioned never reclaimed, on-demand gone.
    sim.run_for(secs(3600.0));
    assert_eq!(sim.core.pool().live(), 5);
}

#[test]
fn reserved_concurrency_throttles_the_excess_at_once() {
    let mut sim = Sim::new(EmulatorConfig {
        account_concurrency: 200,
        reserved_concurrency: Some(3),
        ..cfg()
    });
    let tickets: Vec<Ticket> = (0..5).map(|_| sim.invoke("sleep_ms=100")).collect();
    let throttled = tickets
        .iter()
        .filter(|t| {
            matches!(
                sim.replies.get(t),
                Some((_, Reply::Throttled(ThrottleReason::ReservedConcurrency)))
            )
        })
        .count();
    assert_eq!(throttled, 2, "answered immediately, nothing hangs");
    sim.run_for(secs(1.0));
    assert!(tickets.iter().all(|t| sim.replies.contains_key(t)));
}

#[test]
fn scaling_rate_throttles_part_of_a_burst_and_refills() {
    let mut sim = Sim::new(EmulatorConfig {
        scaling_burst: 10,
        scaling_refill_per_s: 10.0,
        ..cfg()
    });
    let tickets: Vec<Ticket> = (0..15).map(|_| sim.invoke("sleep_ms=2000")).collect();
    let throttled = tickets
        .iter()
        .filter(|t| sim.replies.contains_key(t))
        .count();
    assert_eq!(throttled, 5);
    sim.run_for(secs(0.5)); // 5 tokens back
    let more: Vec<Ticket> = (0..6).map(|_| sim.invoke("sleep_ms=2000")).collect();
    let throttled = more.iter().filter(|t| sim.replies.contains_key(t)).count();
    assert_eq!(throttled, 1);
}

#[test]
fn idle_environments_are_reclaimed_within_the_jittered_window() {
    let mut sim = Sim::new(EmulatorConfig {
        idle_reclaim_s: 600.0,
        idle_reclaim_jitter_s: 120.0,
        ..cfg()
    });
    for _ in 0..20 {
        sim.invoke("");
    }
    sim.run_for(secs(479.0));
    assert_eq!(sim.core.pool().live(), 20, "none before 480 s idle");
    sim.run_for(secs(242.0));
    assert_eq!(sim.core.pool().live(), 0, "all by 720 s idle");
    let times: HashSet<u64> = sim
        .events
        .iter()
        .filter(|(_, k)| matches!(k, EventKind::Reclaimed { .. }))
        .map(|(at, _)| at.as_secs())
        .collect();
    assert!(times.len() > 5, "randomized, not all at once: {times:?}");
    let t = sim.invoke("");
    sim.run_for(secs(1.0));
    assert!(sim.invoked(t).cold, "the next request is cold again");
}

#[test]
fn reuse_resets_the_idle_clock() {
    let mut sim = Sim::new(EmulatorConfig {
        idle_reclaim_s: 10.0,
        idle_reclaim_jitter_s: 0.0,
        ..cfg()
    });
    let first = sim.invoke("");
    for _ in 0..5 {
        sim.run_for(secs(8.0));
        sim.invoke("");
    }
    sim.run_for(secs(1.0));
    let env = sim.invoked(first).env.clone();
    assert_eq!(sim.core.pool().live(), 1);
    assert!(sim.core.pool().iter().any(|(_, e)| e.id == env));
}

#[test]
fn max_lifetime_retires_a_busy_environment_after_its_request() {
    let mut sim = Sim::new(EmulatorConfig {
        max_lifetime_s: 5.0,
        max_lifetime_jitter_s: 0.0,
        timeout_s: 900.0,
        ..cfg()
    });
    let t = sim.invoke("sleep_ms=8000");
    sim.run_for(secs(6.0));
    assert_eq!(sim.core.pool().live(), 1, "busy: not killed mid-request");
    sim.run_for(secs(3.0));
    assert!(matches!(sim.invoked(t).outcome, InvokeOutcome::Success));
    assert_eq!(sim.core.pool().live(), 0);
    assert_eq!(
        sim.count(|k| matches!(
            k,
            EventKind::Reclaimed {
                reason: ReclaimReason::MaxLifetime,
                ..
            }
        )),
        1
    );
}

#[test]
fn timeout_ends_the_invocation_and_resets_the_environment() {
    let mut sim = Sim::new(EmulatorConfig {
        timeout_s: 1.0,
        ..cfg()
    });
    let t = sim.invoke("sleep_ms=5000");
    sim.run_for(secs(2.0));
    let inv = sim.invoked(t).clone();
    assert_eq!(inv.outcome, InvokeOutcome::Timeout);
    assert_eq!(
        sim.replies[&t].0,
        secs(1.1),
        "Init 100 ms + the 1 s timeout"
    );
    assert!(sim.events.iter().any(|(_, k)| matches!(k, EventKind::Log(l) if l.text.ends_with("Task timed out after 1.00 seconds"))));
    assert_eq!(sim.count(|k| matches!(k, EventKind::Reset { .. })), 1);
    // Same environment, but Init runs again inside the next invocation.
    let next = sim.invoke("");
    sim.run_for(secs(1.0));
    let n = sim.invoked(next);
    assert_eq!(n.env, inv.env);
    assert!(n.cold);
    assert!((n.duration_ms - 110.0).abs() < 1e-6, "{}", n.duration_ms);
}

#[test]
fn crash_destroys_the_environment_and_the_next_request_is_cold() {
    let mut sim = Sim::new(cfg());
    let warmup = sim.invoke("");
    sim.run_for(secs(1.0));
    let crash = sim.invoke("crash=1");
    sim.run_for(secs(1.0));
    assert_eq!(sim.invoked(crash).outcome, InvokeOutcome::Crash);
    assert_eq!(sim.invoked(crash).env, sim.invoked(warmup).env);
    assert_eq!(sim.core.pool().live(), 0);
    let next = sim.invoke("");
    sim.run_for(secs(1.0));
    assert!(sim.invoked(next).cold);
    assert_ne!(sim.invoked(next).env, sim.invoked(warmup).env);
    assert!(sim.events.iter().any(|(_, k)| matches!(k, EventKind::Log(l) if l.text.contains("Status: error\tError Type: Runtime.ExitError"))));
}

#[test]
fn init_error_destroys_the_environment_before_the_handler_runs() {
    let mut sim = Sim::new(cfg());
    let t = sim.invoke("crash=init");
    sim.run_for(secs(1.0));
    assert!(matches!(sim.replies[&t].1, Reply::InitFailed { .. }));
    assert_eq!(sim.core.pool().live(), 0);
    assert_eq!(sim.count(|k| matches!(k, EventKind::InvokeStart { .. })), 0);
    assert!(sim.events.iter().any(|(_, k)| matches!(k, EventKind::Log(l) if l.text.starts_with("INIT_REPORT Init Duration: 100.00 ms\tPhase: init\tStatus: error"))));
}

#[test]
fn metrics_maximum_concurrency_equals_the_peak_overlap() {
    let mut sim = Sim::new(cfg());
    for _ in 0..30 {
        sim.invoke("sleep_ms=1500");
    }
    sim.run_for(secs(0.3));
    for _ in 0..10 {
        sim.invoke("sleep_ms=100");
    }
    sim.run_for(secs(5.0));
    let max = sim
        .events
        .iter()
        .filter_map(|(_, k)| match k {
            EventKind::Metric(m) if m.metric() == Some(Metric::ConcurrentExecutions) => {
                Some(m.value)
            }
            _ => None,
        })
        .fold(0.0, f64::max);
    assert!((max - 40.0).abs() < f64::EPSILON, "{max}");
    let invocations: f64 = sim
        .events
        .iter()
        .filter_map(|(_, k)| match k {
            EventKind::Metric(m) if m.metric() == Some(Metric::Invocations) => Some(m.value),
            _ => None,
        })
        .sum();
    assert!((invocations - 40.0).abs() < f64::EPSILON);
}

#[test]
fn every_invocation_logs_start_end_report_on_its_environments_stream() {
    let mut sim = Sim::new(cfg());
    let t = sim.invoke("");
    sim.run_for(secs(1.0));
    let inv = sim.invoked(t).clone();
    let lines: Vec<&LogLine> = sim
        .events
        .iter()
        .filter_map(|(_, k)| match k {
            EventKind::Log(l) => Some(l),
            _ => None,
        })
        .collect();
    assert!(
        lines
            .iter()
            .all(|l| l.stream.ends_with(&format!("[$LATEST]{}", inv.env.0)))
    );
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert!(texts[0].starts_with("INIT_START Runtime Version: nodejs:22"));
    assert_eq!(
        texts[1],
        format!("START RequestId: {} Version: $LATEST", inv.request_id)
    );
    assert_eq!(texts[2], format!("END RequestId: {}", inv.request_id));
    assert!(
        texts[3].contains("\tInit Duration: 100.00 ms\t"),
        "{}",
        texts[3]
    );
    // Billed Duration includes Init for on-demand cold starts (since Aug 2025).
    assert!(
        texts[3].contains("\tBilled Duration: 110 ms\t"),
        "{}",
        texts[3]
    );
}

#[test]
fn the_same_seed_and_inputs_give_the_same_run() {
    let run = || {
        let mut sim = Sim::new(EmulatorConfig {
            jitter: 0.1,
            init_ms: None,
            duration_ms: None,
            ..cfg()
        });
        for i in 0..20 {
            sim.invoke(if i % 3 == 0 { "sleep_ms=50" } else { "" });
            sim.run_for(secs(0.01));
        }
        sim.run_for(secs(2.0));
        sim.events
    };
    assert_eq!(run(), run());
}

#[test]
fn reclaim_idle_command_and_provisioned_changes() {
    let mut sim = Sim::new(cfg());
    for _ in 0..4 {
        sim.invoke("");
    }
    sim.run_for(secs(1.0));
    let mut out = Vec::new();
    sim.core.change(sim.now, Change::ReclaimIdle, &mut out);
    let announced = |out: &[Effect]| {
        out.iter()
            .filter(|e| {
                matches!(
                    e,
                    Effect::Emit {
                        kind: EventKind::FunctionConfig(_),
                        ..
                    }
                )
            })
            .count()
    };
    // Reclaiming changes no setting: nothing to announce.
    assert_eq!(announced(&out), 0);
    sim.core.change(
        sim.now,
        Change::Provisioned {
            count: 2,
            on: Some("live".into()),
        },
        &mut out,
    );
    // The core says what changed itself, whoever asked.
    assert_eq!(announced(&out), 1);
    assert_eq!(sim.core.provisioned_on(), Some("live"));
    sim.take(out);
    assert_eq!(sim.core.pool().live(), 2);
    assert_eq!(sim.core.initializing(), 2);
    let mut out = Vec::new();
    sim.core
        .change(sim.now, Change::Reserved(Some(5)), &mut out);
    let config = out.iter().find_map(|e| match e {
        Effect::Emit {
            kind: EventKind::FunctionConfig(c),
            ..
        } => Some(c.clone()),
        _ => None,
    });
    assert_eq!(config.map(|c| c.reserved), Some(Some(5)));
}

#[test]
fn warm_traffic_adds_no_timers() {
    let mut sim = Sim::new(EmulatorConfig {
        duration_ms: Some(0.0),
        ..cfg()
    });
    for _ in 0..4 {
        sim.invoke("sleep_ms=200");
    }
    sim.run_for(secs(1.0));
    for _ in 0..10_000 {
        for _ in 0..4 {
            sim.invoke("");
        }
        sim.run_for(secs(0.001));
    }
    // 4 environments: one reclaim and one lifetime timer each, plus the metrics period.
    assert!(
        sim.core.pending_timers() <= 9,
        "{}",
        sim.core.pending_timers()
    );
    assert_eq!(sim.core.pool().live(), 4);
}
