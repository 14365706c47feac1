//! The schema's serde form (a recording format) and its small helpers.

use super::*;

fn sample_events() -> Vec<Event> {
    let at = Stamp {
        mono_us: 1_500,
        wall_us: 1_790_000_000_000_000,
    };
    let env = EnvId("3893a1b27fac4485b47bb75b671a283c".into());
    let request = RequestId("8476a536-e9f4-11e8-9739-2dfe598c3fcd".into());
    let kinds = vec![
        EventKind::Request(RequestObserved {
            id: RequestId("7".into()),
            planned_us: 1,
            sent_us: 2,
            first_byte_us: Some(3),
            end_us: 4,
            connect_us: None,
            status: Some(200),
            bytes: 42,
            error: None,
            probe: Some(ProbeFields {
                env: env.clone(),
                cold: true,
                init_ms: Some(137.25),
                invocations: Some(1),
            }),
            class: Some(Classification::Cold),
            said: None,
        }),
        EventKind::InitStart {
            env: env.clone(),
            init_type: InitType::ProvisionedConcurrency,
            slots: 1,
        },
        EventKind::InitEnd {
            env: env.clone(),
            init_ms: 91.5,
            ok: true,
        },
        EventKind::InvokeStart {
            env: env.clone(),
            request: request.clone(),
            cold: true,
        },
        EventKind::InvokeEnd {
            env: env.clone(),
            request,
            duration_ms: 1.25,
            billed_ms: 93,
            init_ms: Some(91.5),
            cold: true,
            outcome: InvokeOutcome::Timeout,
        },
        EventKind::Frozen { env: env.clone() },
        EventKind::Reclaimed {
            env: env.clone(),
            reason: ReclaimReason::Idle,
        },
        EventKind::Destroyed {
            env: env.clone(),
            reason: DestroyReason::InitError,
        },
        EventKind::Reset { env: env.clone() },
        EventKind::Throttle {
            reason: ThrottleReason::ScalingRate,
        },
        EventKind::Metric(MetricDatapoint {
            namespace: "AWS/Lambda".into(),
            name: "ConcurrentExecutions".into(),
            stat: Stat::P99,
            period_start_us: 1_790_000_000_000_000,
            period_s: 60,
            value: 50.0,
            provisional: true,
        }),
        EventKind::Log(LogLine {
            stream: "2026/11/23/[$LATEST]3893a1b27fac4485b47bb75b671a283c".into(),
            env: Some(env),
            text: "START RequestId: x Version: $LATEST".into(),
        }),
        EventKind::SourceError {
            source: "cloudwatch".into(),
            message: "AccessDenied".into(),
        },
        EventKind::BurstStarted {
            plan: "parallel 50".into(),
            target: "http://127.0.0.1:9000/".into(),
        },
        EventKind::ClientInFlight {
            plan: "parallel 50".into(),
            in_flight: 50,
        },
        EventKind::BurstFinished(BurstFinished {
            plan: "parallel 50".into(),
            requests: 50,
            release_spread_us: Some(620),
            late_starts: 0,
            stopped: false,
        }),
    ];
    kinds.into_iter().map(|k| Event::new(at, k)).collect()
}

#[test]
fn every_event_kind_round_trips_through_json() {
    for event in sample_events() {
        let line = serde_json::to_string(&event).unwrap();
        assert!(!line.contains('\n'), "one event is one line: {line}");
        let back: Event = serde_json::from_str(&line).unwrap();
        assert_eq!(back, event, "{line}");
    }
}

#[test]
fn event_json_is_flat_and_tagged() {
    let e = Event::new(
        Stamp {
            mono_us: 5,
            wall_us: 6,
        },
        EventKind::Frozen {
            env: EnvId("ab".into()),
        },
    );
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"at":{"mono_us":5,"wall_us":6},"type":"frozen","env":"ab"}"#
    );
}

#[test]
fn a_functions_configuration_reads_in_one_line_each() {
    let mut f = FunctionConfig {
        name: "hello".into(),
        qualifier: None,
        runtime: "nodejs22.x".into(),
        memory_mb: 256,
        architecture: "arm64".into(),
        timeout_s: 3,
        log_format: "JSON".into(),
        log_group: None,
        reserved: None,
        provisioned: Vec::new(),
    };
    assert_eq!(f.short(), "nodejs22.x 256 MB arm64");
    assert_eq!(f.limits(), "timeout 3 s");
    f.reserved = Some(10);
    f.provisioned = vec![("live".into(), 5, 5), ("7".into(), 4, 2)];
    assert_eq!(
        f.limits(),
        "reserved 10 · provisioned 5 (live) · provisioned 2/4 (7) · timeout 3 s"
    );
    let e = Event::new(Stamp::default(), EventKind::FunctionConfig(f));
    let line = serde_json::to_string(&e).unwrap();
    assert_eq!(serde_json::from_str::<Event>(&line).unwrap(), e);
}

/// When it happened is kept in a recording beside when it arrived, and a line
/// without it (older recordings, or the same time) reads as arrival.
#[test]
fn when_it_happened_round_trips() {
    let at = Stamp {
        mono_us: 5_000_000,
        wall_us: 1_800_000_005_000_000,
    };
    let e = Event::happened(
        at,
        1_800_000_000_000_000,
        EventKind::Failure {
            env: EnvId("e".into()),
            phase: FailurePhase::Init,
            error_type: "Runtime.ExitError".into(),
        },
    );
    let line = serde_json::to_string(&e).unwrap();
    assert!(line.contains(r#""happened_us":1800000000000000"#), "{line}");
    assert_eq!(serde_json::from_str::<Event>(&line).unwrap(), e);
    let now = Event::happened(at, at.wall_us, EventKind::Cleared);
    let line = serde_json::to_string(&now).unwrap();
    assert!(!line.contains("happened_us"), "{line}");
    assert_eq!(
        serde_json::from_str::<Event>(&line).unwrap().when_us(),
        at.wall_us
    );
}
