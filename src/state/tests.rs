use super::*;
use crate::event::{
    Classification, ErrorKind, InitType, ProbeFields, ReclaimReason, Stat, ThrottleReason,
};
use crate::ids::{EnvId, RequestId};
use crate::lambda::Metric;

fn at(ms: u64) -> Stamp {
    Stamp {
        mono_us: ms * 1000,
        wall_us: 1_790_000_000_000_000 + i64::try_from(ms * 1000).unwrap(),
    }
}

fn ev(ms: u64, kind: EventKind) -> Event {
    Event::new(at(ms), kind)
}

fn env(n: u32) -> EnvId {
    EnvId(format!("{n:032x}"))
}

#[test]
fn lifecycle_moves_an_environment_through_its_states() {
    let mut s = State::new();
    let e = env(1);
    s.apply(&ev(
        0,
        EventKind::InitStart {
            env: e.clone(),
            init_type: InitType::OnDemand,
            slots: 1,
        },
    ));
    assert_eq!(s.envs.get(&e).unwrap().state, EnvState::Initializing);
    s.apply(&ev(
        100,
        EventKind::InitEnd {
            env: e.clone(),
            init_ms: 100.0,
            ok: true,
        },
    ));
    s.apply(&ev(
        100,
        EventKind::InvokeStart {
            env: e.clone(),
            request: RequestId("r".into()),
            cold: true,
        },
    ));
    assert_eq!(s.envs.get(&e).unwrap().state, EnvState::Busy);
    assert_eq!(s.platform.in_flight, 1);
    s.apply(&ev(
        110,
        EventKind::InvokeEnd {
            env: e.clone(),
            request: RequestId("r".into()),
            duration_ms: 10.0,
            billed_ms: 110,
            init_ms: Some(100.0),
            cold: true,
            outcome: InvokeOutcome::Success,
        },
    ));
    s.apply(&ev(110, EventKind::Frozen { env: e.clone() }));
    let row = s.envs.get(&e).unwrap();
    assert_eq!(
        (row.state, row.invocations, row.init_ms),
        (EnvState::Idle, 1, Some(100.0))
    );
    assert_eq!(s.platform.in_flight, 0);
    assert_eq!(s.platform.cold_starts, 1);
    s.apply(&ev(
        600_000,
        EventKind::Reclaimed {
            env: e.clone(),
            reason: ReclaimReason::Idle,
        },
    ));
    assert_eq!(s.envs.get(&e).unwrap().state, EnvState::Reclaimed);
    assert_eq!(s.envs.live(), 0);
    assert_eq!(s.envs.peak_live(), 1);
}

#[test]
fn client_requests_count_cold_warm_errors_and_reuse() {
    let mut s = State::new();
    let mut req =
        |n: u64, class: Option<Classification>, status: Option<u16>, error: Option<ErrorKind>| {
            s.apply(&ev(
                n,
                EventKind::Request(RequestObserved {
                    id: RequestId(n.to_string()),
                    planned_us: 0,
                    sent_us: n * 1000,
                    first_byte_us: None,
                    end_us: n * 1000 + 5_000,
                    connect_us: None,
                    status,
                    bytes: 10,
                    error,
                    probe: Some(ProbeFields {
                        env: env(1),
                        cold: class == Some(Classification::Cold),
                        init_ms: None,
                        invocations: None,
                    }),
                    class,
                    said: None,
                }),
            ));
        };
    req(1, Some(Classification::Cold), Some(200), None);
    req(2, Some(Classification::Warm), Some(200), None);
    req(3, Some(Classification::InferredWarm), Some(200), None);
    req(4, Some(Classification::Warm), Some(200), None);
    req(5, None, Some(429), Some(ErrorKind::Throttled));
    assert_eq!(s.client.requests, 5);
    assert_eq!(s.client.ok, 4);
    assert_eq!((s.client.cold, s.client.warm, s.client.inferred), (1, 3, 1));
    assert_eq!(s.client.error_count(ErrorKind::Throttled), 1);
    assert!((s.client.reuse_ratio().unwrap() - 0.75).abs() < 1e-9);
    // Probe-only environment (no lifecycle source): the client's view counts.
    assert_eq!(s.envs.get(&env(1)).unwrap().invocations, 5);
}

#[test]
fn metrics_update_in_place_when_late() {
    let mut s = State::new();
    let dp = |value: f64, provisional: bool| {
        ev(
            0,
            EventKind::Metric(crate::event::MetricDatapoint {
                namespace: "AWS/Lambda".into(),
                name: "ConcurrentExecutions".into(),
                stat: Stat::Maximum,
                period_start_us: 1_790_000_040_000_000,
                period_s: 60,
                value,
                provisional,
            }),
        )
    };
    s.apply(&dp(3.0, true));
    s.apply(&dp(7.0, false));
    let m = s
        .metric_series(Metric::ConcurrentExecutions, Stat::Maximum)
        .unwrap();
    assert_eq!(m.latest.map(|l| l.1), Some(7.0));
    assert!(!m.latest_provisional);
    assert_eq!(m.values.len(), 1);
}

#[test]
fn throttles_and_logs_are_kept_bounded() {
    let mut s = State::new();
    for i in 0..(LOG_LINES as u64 + 10) {
        s.apply(&ev(
            i,
            EventKind::Log(crate::event::LogLine {
                stream: "s".into(),
                env: None,
                text: i.to_string(),
            }),
        ));
        s.apply(&ev(
            i,
            EventKind::Throttle {
                reason: ThrottleReason::ScalingRate,
            },
        ));
    }
    assert_eq!(s.logs.len(), LOG_LINES);
    assert_eq!(
        s.logs.back().unwrap().line.text,
        (LOG_LINES + 9).to_string()
    );
    assert_eq!(
        s.platform.throttles_for(ThrottleReason::ScalingRate),
        LOG_LINES as u64 + 10
    );
}

/// Events carry when they happened: history (seconds, lanes) is filed there, the
/// session's time follows arrival, and data older than the window is counted and dropped.
#[test]
fn history_is_filed_when_things_happened() {
    let mut s = State::new();
    let base = 1_800_000_000_000_000_i64;
    let arrived = Stamp {
        mono_us: 1_000_000,
        wall_us: base,
    };
    let env = EnvId("late".into());
    let start = |ago_s: i64, r: &str| {
        Event::happened(
            arrived,
            base - ago_s * 1_000_000,
            EventKind::InvokeStart {
                env: env.clone(),
                request: RequestId(r.into()),
                cold: false,
            },
        )
    };
    // Five minutes ago, read now: filed five minutes back, not in the newest second.
    s.apply(&start(300, "a"));
    let then = u64::try_from((base - 300_000_000) / 1_000_000).unwrap();
    assert_eq!(s.seconds.get(then).map(|x| x.platform_warm), Some(1));
    assert_eq!(s.latest, Some(arrived), "the session's time is arrival");
    let lane = &s.envs.get(&env).unwrap().lane;
    assert_eq!(lane.spans[0].start_us, base - 300_000_000);
    // Older than the window: counted (in the totals too) and dropped from history.
    s.apply(&start(LATE_US / 1_000_000 + 60, "b"));
    assert_eq!(s.late_dropped, 1);
    assert_eq!(s.platform.invocations, 2);
    assert_eq!(s.envs.get(&env).unwrap().lane.spans.len(), 1);
    // A source's clock ahead of ours cannot put history in the future.
    let ahead = Event::happened(arrived, base + 5_000_000, EventKind::Cleared);
    assert_eq!(ahead.when_us(), base);
}
