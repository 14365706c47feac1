//! What a burst worker does with a call (the Lambda function in `assets/burst-worker`
//! is this module behind `lambda_runtime`): answer its clock, or connect its share of a
//! burst, wait for the instant and release it through the same engine as `thaw burst`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::worker::{Answer, Call, ClockAnswer, ClockCall, Job, MAX_SHARE};
use crate::burst::lambda::{self, InvocationType, LambdaTarget};
use crate::burst::sigv4::Signer;
use crate::burst::{Plan, RequestSpec, Step, Target, conn};
use crate::clock::{Clock, wall_now_us};
use crate::event::EventKind;

/// Lambda's longest function timeout: no worker waits longer for an instant or an answer.
const MAX_WAIT_MS: u64 = 900_000;

/// Set by the first call this process serves: the calls after it are warm.
static SERVED: AtomicBool = AtomicBool::new(false);

/// Answers one invocation's event. An event that is not a thaw call is an error naming
/// what was expected.
pub async fn call(event: serde_json::Value) -> Result<serde_json::Value, String> {
    let call: Call = serde_json::from_value(event).map_err(|e| {
        format!(
            "the event is not a thaw burst worker call ({e}); invoke it with thaw burst --fan-out"
        )
    })?;
    let cold = !SERVED.swap(true, Ordering::Relaxed);
    let answer = match call {
        Call::Clock(c) => serde_json::to_value(clock(c, cold).await),
        Call::Burst(job) => serde_json::to_value(burst(job, cold).await),
    };
    answer.map_err(|e| format!("the answer does not serialize: {e}"))
}

/// This environment, as Lambda names its log stream.
fn env() -> Option<String> {
    std::env::var("AWS_LAMBDA_LOG_STREAM_NAME").ok()
}

/// A target, its request and its signer, as `thaw burst` builds them.
struct Prepared {
    target: Target,
    spec: RequestSpec,
    signer: Option<Signer>,
}

async fn prepare(
    target: &str,
    endpoint_url: Option<&str>,
    sigv4_service: Option<&str>,
    base: RequestSpec,
) -> Result<Prepared, String> {
    if let Some(l) = LambdaTarget::parse(target).map_err(|e| e.to_string())? {
        let (target, signer) = lambda::connect(&l, endpoint_url, None).await?;
        let spec = l.spec(base, InvocationType::RequestResponse);
        return Ok(Prepared {
            target,
            spec,
            signer: Some(signer),
        });
    }
    let target = Target::parse(target).map_err(|e| e.to_string())?;
    let signer = match sigv4_service {
        Some(service) => Some(Signer::from_chain(&target, None, service).await?),
        None => None,
    };
    Ok(Prepared {
        target,
        spec: base,
        signer,
    })
}

/// The worker's clock, and one connection to the target timed.
async fn clock(c: ClockCall, cold: bool) -> ClockAnswer {
    let now_us = wall_now_us();
    let mut answer = ClockAnswer {
        now_us,
        cold,
        env: env(),
        connect_us: None,
        error: None,
    };
    if let Some(target) = &c.target {
        match connect_once(target, c.endpoint_url.as_deref()).await {
            Ok(took) => answer.connect_us = Some(u64::try_from(took.as_micros()).unwrap_or(0)),
            Err(e) => answer.error = Some(e),
        }
    }
    answer
}

async fn connect_once(target: &str, endpoint_url: Option<&str>) -> Result<Duration, String> {
    let spec = RequestSpec {
        timeout: Duration::from_secs(10),
        ..RequestSpec::default()
    };
    let p = prepare(target, endpoint_url, None, spec).await?;
    let connector = conn::Connector::new(&p.target, &[])?;
    let addr = p
        .target
        .resolve()
        .await
        .map_err(|k| format!("{}: {k:?}", p.target.host))?;
    let (_, _, took) = connector
        .connect(addr, p.spec.timeout)
        .await
        .map_err(|k| format!("connecting to {}: {k:?}", p.target.authority()))?;
    Ok(took)
}

/// One share of a burst: everything connected (and signed) first, then released at the
/// instant; every request's observation in the answer.
async fn burst(job: Job, cold: bool) -> Answer {
    let clock = Clock::start();
    let mut answer = Answer {
        burst: job.burst.clone(),
        worker: job.worker,
        cold,
        env: env(),
        zero_wall_us: clock.zero_wall_us(),
        release_start_us: None,
        release_end_us: None,
        missed_by_us: None,
        observations: Vec::new(),
        error: None,
    };
    let instant_us = job.release_at_us;
    let before = instant_us.saturating_sub(wall_now_us());
    if before < 0 {
        let missed = before.unsigned_abs();
        answer.missed_by_us = Some(missed);
        answer.error = Some(format!(
            "the release instant had passed {:.1} ms before worker {} started; it sent nothing (raise --lead)",
            missed as f64 / 1e3,
            job.worker
        ));
        return answer;
    }
    if before > i64::try_from(MAX_WAIT_MS * 1_000).unwrap_or(i64::MAX) {
        answer.error = Some(format!(
            "the release instant is {} s ahead; a worker waits at most {} s",
            before / 1_000_000,
            MAX_WAIT_MS / 1_000
        ));
        return answer;
    }
    if let Err(e) = release(&job, &clock, before, &mut answer).await {
        answer.error = Some(e);
    }
    answer
}

/// The job's share and request, checked: a job comes from whoever may invoke the worker.
pub fn request_of(job: &Job) -> Result<(u32, RequestSpec), String> {
    if job.requests > MAX_SHARE {
        return Err(format!(
            "a share of {} requests is over {MAX_SHARE}, what one worker's file descriptors allow",
            job.requests
        ));
    }
    let n = u32::try_from(job.requests).unwrap_or(u32::MAX);
    let body = base64::engine::general_purpose::STANDARD
        .decode(&job.body_b64)
        .map_err(|e| format!("the job's body is not base64: {e}"))?;
    let mut headers = Vec::with_capacity(job.headers.len());
    for (name, value) in &job.headers {
        headers.push(
            RequestSpec::parse_header(&format!("{name}: {value}")).map_err(|e| e.to_string())?,
        );
    }
    let base = RequestSpec {
        method: RequestSpec::parse_method(&job.method).map_err(|e| e.to_string())?,
        headers,
        body,
        timeout: Duration::from_millis(job.timeout_ms.clamp(1, MAX_WAIT_MS)),
        ..RequestSpec::default()
    };
    Ok((n, base))
}

async fn release(
    job: &Job,
    clock: &Clock,
    before_us: i64,
    answer: &mut Answer,
) -> Result<(), String> {
    let (n, base) = request_of(job)?;
    let p = prepare(
        &job.target,
        job.endpoint_url.as_deref(),
        job.sigv4_service.as_deref(),
        base,
    )
    .await?;
    // The instant on this process's monotonic clock, read once the target is prepared.
    let at = Instant::now()
        + Duration::from_micros(u64::try_from(before_us).unwrap_or(0)).saturating_sub(clock.now());
    let plan = Plan {
        steps: vec![Step::Parallel { n }],
    };
    let mut observations = Vec::with_capacity(n as usize);
    let reports =
        crate::burst::run_released_at(&plan, p.target, p.spec, p.signer, *clock, Some(at), |e| {
            if let EventKind::Request(o) = e.kind {
                observations.push(o);
            }
        })
        .await?;
    answer.observations = observations;
    if let Some((first, last)) = reports.first().and_then(|r| r.released) {
        answer.release_start_us = Some(clock.mono_us(first));
        answer.release_end_us = Some(clock.mono_us(last));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_is_checked_before_anything_is_connected() {
        let ok = Job::example("b", 0, 250);
        let (n, spec) = request_of(&ok).expect("a good job");
        assert_eq!((n, spec.method.as_str()), (250, "GET"));
        let too_many = Job::example("b", 0, MAX_SHARE + 1);
        assert!(request_of(&too_many).is_err_and(|e| e.contains("file descriptors")));
        let mut bad = Job::example("b", 0, 1);
        bad.body_b64 = "not base64!".into();
        assert!(request_of(&bad).is_err_and(|e| e.contains("base64")));
        let mut long = Job::example("b", 0, 1);
        long.timeout_ms = u64::MAX;
        let (_, spec) = request_of(&long).expect("clamped");
        assert_eq!(spec.timeout, Duration::from_millis(MAX_WAIT_MS));
    }

    #[tokio::test]
    async fn an_instant_past_or_too_far_sends_nothing_and_says_why() {
        let past = Job::example("b", 3, 10);
        let mut far = Job::example("b", 4, 10);
        far.release_at_us = wall_now_us() + 3_600 * 1_000_000;
        for (job, says) in [(past, "had passed"), (far, "at most 900 s")] {
            let event = serde_json::to_value(Call::Burst(job)).expect("json");
            let answer: Answer =
                serde_json::from_value(call(event).await.expect("an answer")).expect("an Answer");
            let error = answer.error.unwrap_or_default();
            assert!(error.contains(says), "{error}");
            assert!(answer.observations.is_empty() && answer.release_start_us.is_none());
        }
        // Not a call at all: one line naming what was expected.
        let e = call(serde_json::json!({"op": "dance"}))
            .await
            .expect_err("refused");
        assert!(e.contains("not a thaw burst worker call"), "{e}");
    }
}
