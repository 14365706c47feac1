//! Lambda's limits the model keeps: request ids, the invocation rate, provisioned
//! recycling, the 10 s Init cap.

use super::*;
use crate::event::ReclaimReason;

#[test]
fn request_ids_are_version_4_uuids() {
    let mut rng = StdRng::seed_from_u64(1);
    for _ in 0..100 {
        let id = uuid_v4(&mut rng);
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12],
            "{id}"
        );
        assert!(
            id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
            "{id}"
        );
        assert_eq!(&id[14..15], "4", "{id}");
        assert!("89ab".contains(&id[19..20]), "{id}");
    }
}

/// Lambda caps synchronous invocations at 10 a second per unit of the concurrency limit:
/// with 2 reserved, a function that answers in 10 ms can serve one request at a time
/// but not 100 a second; past a second's worth (20) the rest are refused at the rate.
#[test]
fn the_invocation_rate_is_ten_a_second_per_unit_of_concurrency() {
    let mut sim = Sim::new(EmulatorConfig {
        reserved_concurrency: Some(2),
        ..cfg()
    });
    // One warm environment first; then a second to fill the bucket again.
    sim.invoke("");
    sim.run_for(secs(1.0));
    let mut tickets = Vec::new();
    for _ in 0..100 {
        tickets.push(sim.invoke(""));
        sim.run_for(secs(0.01));
    }
    sim.run_for(secs(1.0));
    let reasons: Vec<Option<ThrottleReason>> = tickets
        .iter()
        .map(|t| match &sim.replies[t].1 {
            Reply::Throttled(r) => Some(*r),
            _ => None,
        })
        .collect();
    let served = reasons.iter().filter(|r| r.is_none()).count();
    // A second's worth, plus 20 a second refilled over the run's 1 s.
    assert!((38..=42).contains(&served), "{served} served");
    assert!(
        reasons
            .iter()
            .flatten()
            .all(|r| *r == ThrottleReason::InvocationRate),
        "{reasons:?}"
    );
    assert_eq!(
        reasons[..20].iter().flatten().count(),
        0,
        "the first second's worth"
    );
}

/// Provisioned environments are recycled every few hours: a replacement runs its Init
/// in the background first (so the provisioned count never dips) and the old one goes.
#[test]
fn provisioned_environments_are_recycled_without_a_gap() {
    let mut sim = Sim::new(EmulatorConfig {
        provisioned_concurrency: 2,
        provisioned_recycle_s: 100.0,
        ..cfg()
    });
    let provisioned_ready = |sim: &Sim| {
        sim.core
            .pool()
            .iter()
            .filter(|(_, e)| e.provisioned() && e.is_idle())
            .count()
    };
    sim.run_for(secs(1.0));
    assert_eq!(provisioned_ready(&sim), 2);
    for _ in 0..400 {
        sim.run_for(secs(1.0));
        assert!(provisioned_ready(&sim) >= 2, "a gap at {:?}", sim.now);
    }
    let births = sim.count(|k| {
        matches!(
            k,
            EventKind::InitStart {
                init_type: InitType::ProvisionedConcurrency,
                ..
            }
        )
    });
    let recycled = sim.count(|k| {
        matches!(
            k,
            EventKind::Reclaimed {
                reason: ReclaimReason::MaxLifetime,
                ..
            }
        )
    });
    // About 100 s each (± 25): three or four rounds in 400 s, for each of the two.
    assert!((6..=10).contains(&recycled), "{recycled} recycled");
    assert_eq!(births, 2 + recycled);
}

/// An on-demand Init is cut at 10 s (`INIT_REPORT … Phase: init Status: timeout`) and
/// retried inside the first invocation, under the function timeout: with 30 s the
/// request is answered after 10 s + the retried 12 s Init + its work; with 3 s the retry
/// itself times out (the "doom loop").
#[test]
fn an_init_over_ten_seconds_is_retried_inside_the_first_invocation() {
    for (timeout_s, outcome, at) in [
        (30.0, InvokeOutcome::Success, 22.01),
        (3.0, InvokeOutcome::Timeout, 13.0),
    ] {
        let mut sim = Sim::new(EmulatorConfig {
            init_ms: Some(12_000.0),
            timeout_s,
            ..cfg()
        });
        let t = sim.invoke("");
        sim.run_for(secs(30.0));
        let cut = sim.count(|k| {
            matches!(k, EventKind::Log(l) if l.text.contains("Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout"))
        });
        assert_eq!(cut, 1, "timeout {timeout_s}");
        let i = sim.invoked(t);
        assert!(i.cold);
        assert_eq!(i.outcome, outcome, "timeout {timeout_s}");
        let (answered, _) = &sim.replies[&t];
        assert!(
            (answered.as_secs_f64() - at).abs() < 0.001,
            "timeout {timeout_s}: answered at {answered:?}"
        );
    }
}
