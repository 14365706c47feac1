//! The newer execution models: Web Functions and Managed Instances serve several
//! requests per environment.

use super::*;

fn shared(model: crate::config::ExecutionModel, per_env: u32) -> EmulatorConfig {
    EmulatorConfig {
        execution_model: model,
        max_concurrency_per_env: Some(per_env),
        ..cfg()
    }
}

#[test]
fn web_functions_with_ten_per_environment_birth_five_for_fifty() {
    let mut sim = Sim::new(shared(crate::config::ExecutionModel::WebFunctions, 10));
    let burst: Vec<Ticket> = (0..50).map(|_| sim.invoke("sleep_ms=500")).collect();
    sim.run_for(secs(1.0));
    let envs: HashSet<_> = burst.iter().map(|t| sim.invoked(*t).env.clone()).collect();
    assert_eq!(envs.len(), 5, "50 requests, 10 per environment");
    assert!(
        burst.iter().all(|t| sim.invoked(*t).cold),
        "all waited for an Init"
    );
    assert_eq!(
        sim.count(|k| matches!(k, EventKind::InitStart { slots: 10, .. })),
        5
    );
    let again: Vec<Ticket> = (0..50).map(|_| sim.invoke("sleep_ms=500")).collect();
    sim.run_for(secs(1.0));
    assert!(again.iter().all(|t| !sim.invoked(*t).cold));
    assert_eq!(
        sim.count(|k| matches!(k, EventKind::InitStart { .. })),
        5,
        "no new environment"
    );
}

#[test]
fn web_functions_queue_beyond_capacity_and_report_the_wait() {
    let mut c = shared(crate::config::ExecutionModel::WebFunctions, 2);
    c.max_environments = Some(2);
    let mut sim = Sim::new(c);
    let burst: Vec<Ticket> = (0..6).map(|_| sim.invoke("sleep_ms=500")).collect();
    sim.run_for(secs(3.0));
    // 4 slots: 4 served after Init, 2 queued and served as slots freed.
    assert!(
        burst
            .iter()
            .all(|t| matches!(sim.replies[t].1, Reply::Invoked(_)))
    );
    let queued: Vec<f64> = sim
        .events
        .iter()
        .filter_map(|(_, k)| match k {
            EventKind::Queued { waited_ms, .. } => Some(*waited_ms),
            _ => None,
        })
        .collect();
    assert_eq!(queued.len(), 2);
    // Init 100 ms, then one duration: 500 ms of sleep + 2 x 10 ms of shared CPU.
    assert!(
        queued.iter().all(|w| (*w - 620.0).abs() < 1.0),
        "{queued:?}"
    );
    assert_eq!(sim.count(|k| matches!(k, EventKind::InitStart { .. })), 2);
}

#[test]
fn web_functions_queue_timeout_throttles_and_idle_environments_scale_to_zero() {
    let mut c = shared(crate::config::ExecutionModel::WebFunctions, 1);
    c.max_environments = Some(1);
    c.queue_timeout_ms = 100;
    c.idle_reclaim_s = 60.0;
    c.idle_reclaim_jitter_s = 0.0;
    let mut sim = Sim::new(c);
    let a = sim.invoke("sleep_ms=1000");
    let b = sim.invoke("sleep_ms=1000");
    sim.run_for(secs(2.0));
    assert!(matches!(sim.replies[&a].1, Reply::Invoked(_)));
    assert_eq!(
        sim.replies[&b],
        (secs(0.1), Reply::Throttled(ThrottleReason::ScalingRate))
    );
    sim.run_for(secs(120.0));
    assert_eq!(
        sim.count(|k| matches!(k, EventKind::Reclaimed { .. })),
        1,
        "scale to zero"
    );
}

#[test]
fn web_functions_keep_a_headroom_of_spare_slots() {
    let mut c = shared(crate::config::ExecutionModel::WebFunctions, 10);
    c.headroom = 10;
    let mut sim = Sim::new(c);
    let burst: Vec<Ticket> = (0..10).map(|_| sim.invoke("sleep_ms=500")).collect();
    sim.run_for(secs(1.0));
    assert!(burst.iter().all(|t| sim.invoked(*t).cold));
    assert_eq!(
        sim.count(|k| matches!(k, EventKind::InitStart { .. })),
        2,
        "one for the burst, one spare"
    );
    // Ten more find the spare environment ready: no cold start.
    let more: Vec<Ticket> = (0..10).map(|_| sim.invoke("sleep_ms=500")).collect();
    sim.run_for(secs(1.0));
    assert!(more.iter().all(|t| !sim.invoked(*t).cold));
}

#[test]
fn managed_instances_start_ahead_never_cold_throttle_excess_and_scale_out() {
    let mut c = shared(crate::config::ExecutionModel::ManagedInstances, 10);
    c.idle_reclaim_s = 60.0;
    c.idle_reclaim_jitter_s = 0.0;
    let mut sim = Sim::new(c);
    assert_eq!(
        sim.count(|k| matches!(k, EventKind::InitStart { .. })),
        3,
        "three at publish"
    );
    sim.run_for(secs(1.0));
    let burst: Vec<Ticket> = (0..40).map(|_| sim.invoke("sleep_ms=500")).collect();
    sim.run_for(secs(1.0));
    let served: Vec<_> = burst
        .iter()
        .filter_map(|t| match &sim.replies[t].1 {
            Reply::Invoked(i) => Some(i),
            _ => None,
        })
        .collect();
    assert_eq!(served.len(), 30, "3 environments x 10");
    assert!(served.iter().all(|i| !i.cold), "no cold starts");
    let envs: HashSet<_> = served.iter().map(|i| i.env.clone()).collect();
    assert_eq!(envs.len(), 3);
    assert_eq!(sim.count(|k| matches!(k, EventKind::Throttle { .. })), 10);
    // Capacity for twice the 30 in flight: three more instances launch, and serve
    // five minutes later.
    assert_eq!(sim.count(|k| matches!(k, EventKind::InitStart { .. })), 3);
    sim.run_for(secs(300.0));
    assert_eq!(
        sim.count(|k| matches!(k, EventKind::InitStart { .. })),
        6,
        "scaled out on saturation"
    );
    // Idle: back to the minimum, never below.
    sim.run_for(secs(300.0));
    assert_eq!(sim.count(|k| matches!(k, EventKind::Reclaimed { .. })), 3);
}

/// Managed Instances keep room for twice the traffic in flight, and new instances take
/// minutes: traffic that doubles at once is served; traffic that triples is throttled
/// until the instances launched for it are up (AWS: "if your traffic more than doubles
/// within 5 minutes, you may see throttles").
#[test]
fn managed_instances_absorb_a_doubling_but_not_more() {
    let mut sim = Sim::new(shared(crate::config::ExecutionModel::ManagedInstances, 10));
    sim.run_for(secs(1.0));
    let throttles = |sim: &Sim| sim.count(|k| matches!(k, EventKind::Throttle { .. }));
    // 15 in flight of 30 slots; then twice that: all served.
    let wave = |sim: &mut Sim, n: usize| -> Vec<Ticket> {
        let t: Vec<Ticket> = (0..n).map(|_| sim.invoke("sleep_ms=2000")).collect();
        sim.run_for(secs(3.0));
        t
    };
    wave(&mut sim, 15);
    wave(&mut sim, 30);
    assert_eq!(throttles(&sim), 0, "a doubling is absorbed");
    // Three times the first: 15 over the 30 slots up now.
    wave(&mut sim, 45);
    assert_eq!(throttles(&sim), 15);
    // Five minutes on, the instances launched for it serve.
    sim.run_for(secs(300.0));
    wave(&mut sim, 45);
    assert_eq!(throttles(&sim), 15, "no more throttles once they are up");
}
