//! The controller's arithmetic and outcomes, without a network.

use super::invoke::Invoked;
use super::probe::Probed;
use super::*;

fn fan(workers: u32) -> FanOut {
    FanOut {
        workers,
        function: LambdaTarget::parse("lambda:w")
            .ok()
            .flatten()
            .expect("a lambda target"),
        endpoint_url: None,
        region: None,
        profile: None,
        lead: None,
    }
}

fn shot(requests: u64, headers: &[(&str, &str)]) -> Shot {
    Shot {
        target: "https://example.com/".into(),
        target_endpoint_url: None,
        sigv4_service: None,
        spec: RequestSpec {
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            ..RequestSpec::default()
        },
        requests,
    }
}

#[test]
fn shares_must_fit_a_worker_and_no_credential_travels() {
    assert_eq!(fan(4).check(&shot(1_000, &[])), Ok(vec![250; 4]));
    let err = fan(2).check(&shot(10_000, &[])).expect_err("5,000 each");
    assert!(err.contains("--fan-out 10 or more"), "{err}");
    assert!(fan(0).check(&shot(1, &[])).is_err());
    for (h, v) in [
        ("Authorization", "Bearer abc"),
        ("x-api-key", "k"),
        ("Cookie", "s=1"),
    ] {
        let err = fan(2).check(&shot(10, &[(h, v)])).expect_err(h);
        assert!(err.contains(h) && err.contains("--sigv4"), "{err}");
    }
    assert!(fan(2).check(&shot(10, &[("Accept", "text/plain")])).is_ok());
}

#[test]
fn the_lead_covers_the_slowest_start_and_the_connect_batches() {
    let p = Probed {
        samples: HashMap::new(),
        slowest: Duration::from_millis(200),
        connect: Duration::from_millis(10),
        answered: 3,
        first_error: None,
        billing: super::invoke::Billing::default(),
    };
    // 300 requests connect in two batches of 256.
    assert_eq!(measured_lead(&p, 300), Duration::from_millis(430));
    assert_eq!(measured_lead(&p, 0), Duration::from_millis(415));
}

#[test]
fn a_worker_answer_settles_as_its_outcome() {
    let job = Job::example("b", 1, 5);
    let fleet = Offset {
        offset_us: 0,
        uncertainty_us: 100,
    };
    let none = HashMap::new();
    let cases = [
        (Invoked::Throttled("Rate exceeded".into()), WorkerOutcome::Throttled),
        (
            Invoked::FunctionError("Sandbox.Timedout".into(), "Task timed out after 3.00 seconds".into()),
            WorkerOutcome::TimedOut,
        ),
        (
            Invoked::FunctionError("Runtime.ExitError".into(), "exit status 3".into()),
            WorkerOutcome::Crashed,
        ),
        (Invoked::Answer(b"{}".to_vec()), WorkerOutcome::Failed),
        (
            Invoked::Answer(
                br#"{"burst":"b","worker":1,"zero_wall_us":5,"missed_by_us":900000,"error":"late"}"#.to_vec(),
            ),
            WorkerOutcome::Late,
        ),
        (
            Invoked::Answer(
                br#"{"burst":"b","worker":1,"zero_wall_us":1000,"release_start_us":20,"release_end_us":70}"#.to_vec(),
            ),
            WorkerOutcome::Released,
        ),
    ];
    for (invoked, outcome) in cases {
        let (r, _) = settle(&job, invoked, &none, fleet, 1_000, 0);
        assert_eq!(r.outcome, outcome, "{r:?}");
        if outcome == WorkerOutcome::Released {
            assert_eq!((r.lateness_us, r.release_us), (Some(20), Some(50)));
        } else {
            assert!(r.message.is_some(), "{r:?}");
        }
    }
}
