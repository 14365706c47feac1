//! What thaw sends a burst worker and what a worker answers, and the answer read as
//! thaw must read it: from a function thaw does not control, over the network, possibly
//! broken or hostile. A bad answer is one line naming what is wrong; the observations of
//! a good one are put on thaw's clock and join the one event stream.

use serde::{Deserialize, Serialize};

use super::Offset;
use crate::event::RequestObserved;
use crate::ids::RequestId;

/// Largest answer read from a worker: Lambda's synchronous response limit.
pub const MAX_ANSWER: usize = 6 * 1024 * 1024;
/// Most requests one worker carries: a Lambda environment may open 1,024 file
/// descriptors, and each request holds a socket until it is answered.
pub const MAX_SHARE: u64 = 1_000;

/// What thaw asks of a worker: where its clock stands (and how long a connection to the
/// target takes from there), or its share of a burst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Call {
    Clock(ClockCall),
    Burst(Job),
}

/// A clock probe: the worker answers its wall clock, and with a target, how long one
/// connection to it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockCall {
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub endpoint_url: Option<String>,
}

/// A worker's answer to a clock probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockAnswer {
    /// The worker's wall clock when it ran, epoch µs.
    pub now_us: i64,
    /// Its first invocation since its environment started.
    pub cold: bool,
    /// Its environment (its log stream's name), to tell apart the clocks of the hosts.
    #[serde(default)]
    pub env: Option<String>,
    /// One connection (and TLS handshake) to the target, when asked.
    #[serde(default)]
    pub connect_us: Option<u64>,
    #[serde(default)]
    pub error: Option<String>,
}

/// One worker's job. No credential is ever in it: a target that needs signing is signed
/// by the worker's own role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// Which burst this is, echoed in the answer.
    pub burst: String,
    /// Which worker of it (0-based), echoed too.
    pub worker: u32,
    /// `http(s)://...`, or `lambda:NAME[:QUALIFIER]`.
    pub target: String,
    /// For a `lambda:` target: the Lambda API's endpoint, when not the Region's own.
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// Sign every request with SigV4 for this service (a function URL with IAM auth),
    /// with the worker's own role.
    #[serde(default)]
    pub sigv4_service: Option<String>,
    pub method: String,
    pub headers: Vec<(String, String)>,
    /// The body, base64.
    #[serde(default)]
    pub body_b64: String,
    /// This worker's share of the requests.
    pub requests: u64,
    /// When to release, epoch µs on the worker's clock (thaw's instant plus the offset).
    pub release_at_us: i64,
    pub timeout_ms: u64,
}

impl Job {
    /// A job for tests and the fuzzer: `requests` GETs of `https://example.com/`.
    #[cfg(any(test, feature = "app"))]
    pub fn example(burst: &str, worker: u32, requests: u64) -> Self {
        Self {
            burst: burst.into(),
            worker,
            target: "https://example.com/".into(),
            endpoint_url: None,
            sigv4_service: None,
            method: "GET".into(),
            headers: Vec::new(),
            body_b64: String::new(),
            requests,
            release_at_us: 1_795_000_001_000_000,
            timeout_ms: 30_000,
        }
    }
}

/// A worker's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub burst: String,
    pub worker: u32,
    /// Its first invocation since its environment started.
    #[serde(default)]
    pub cold: bool,
    /// Its environment (its log stream's name).
    #[serde(default)]
    pub env: Option<String>,
    /// The worker's session clock's zero, epoch µs on its own clock: its observations'
    /// times are µs after it.
    pub zero_wall_us: i64,
    /// Its release: first and last request written, µs on its session clock; none when
    /// nothing was written.
    #[serde(default)]
    pub release_start_us: Option<u64>,
    #[serde(default)]
    pub release_end_us: Option<u64>,
    /// The instant had passed this many µs before the worker started: it sent nothing.
    #[serde(default)]
    pub missed_by_us: Option<u64>,
    #[serde(default)]
    pub observations: Vec<RequestObserved>,
    /// Why it could not do all of its share, if it could not.
    #[serde(default)]
    pub error: Option<String>,
}

/// Why a worker's answer is refused; each says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("worker answer is over {MAX_ANSWER} bytes; a worker answers one line per request")]
    TooLarge,
    #[error("worker answer is not the worker's JSON ({0}); is --worker the thaw burst worker?")]
    Shape(String),
    #[error("worker answer is for burst '{got}', not '{want}'; a stale or foreign invocation")]
    Burst { got: String, want: String },
    #[error("worker {worker} answered {got} observations for a share of {share}")]
    TooMany { worker: u32, got: usize, share: u64 },
    #[error("worker {0} says it released before its clock started")]
    Clock(u32),
}

impl Answer {
    /// Reads a worker's answer to `job`.
    pub fn parse(bytes: &[u8], job: &Job) -> Result<Self, AnswerError> {
        if bytes.len() > MAX_ANSWER {
            return Err(AnswerError::TooLarge);
        }
        let answer: Self =
            serde_json::from_slice(bytes).map_err(|e| AnswerError::Shape(e.to_string()))?;
        if answer.burst != job.burst {
            return Err(AnswerError::Burst {
                got: answer.burst.chars().take(64).collect(),
                want: job.burst.clone(),
            });
        }
        let got = answer.observations.len();
        if u64::try_from(got).unwrap_or(u64::MAX) > job.requests {
            return Err(AnswerError::TooMany {
                worker: answer.worker,
                got,
                share: job.requests,
            });
        }
        let release_ok = match (answer.release_start_us, answer.release_end_us) {
            (Some(start), Some(end)) => end >= start,
            (start, end) => start.is_none() && end.is_none(),
        };
        if !release_ok || answer.zero_wall_us < 0 {
            return Err(AnswerError::Clock(answer.worker));
        }
        Ok(answer)
    }

    /// µs on thaw's session clock (whose zero is `thaw_zero_wall_us`) for `t` µs on the
    /// worker's, given where the worker's clock stands (`offset`).
    fn on_thaw_clock(&self, t: u64, offset: Offset, thaw_zero_wall_us: i64) -> u64 {
        let worker_wall = self
            .zero_wall_us
            .saturating_add(i64::try_from(t).unwrap_or(i64::MAX));
        let thaw_wall = worker_wall.saturating_sub(offset.offset_us);
        u64::try_from(thaw_wall.saturating_sub(thaw_zero_wall_us)).unwrap_or(0)
    }

    /// The worker's release start, µs after the instant on thaw's clock (negative:
    /// early); none if it released nothing.
    pub fn lateness_us(&self, instant_wall_us: i64, offset: Offset) -> Option<i64> {
        let start = self
            .zero_wall_us
            .saturating_add(i64::try_from(self.release_start_us?).unwrap_or(i64::MAX));
        Some(
            start
                .saturating_sub(offset.offset_us)
                .saturating_sub(instant_wall_us),
        )
    }

    /// The observations on thaw's session clock, their ids made unique across workers.
    pub fn into_observations(self, offset: Offset, thaw_zero_wall_us: i64) -> Vec<RequestObserved> {
        let at = |t: u64| self.on_thaw_clock(t, offset, thaw_zero_wall_us);
        self.observations
            .iter()
            .map(|o| RequestObserved {
                id: RequestId(format!(
                    "w{}-{}",
                    self.worker,
                    o.id.0.chars().take(32).collect::<String>()
                )),
                planned_us: at(o.planned_us),
                sent_us: at(o.sent_us),
                first_byte_us: o.first_byte_us.map(at),
                end_us: at(o.end_us),
                ..o.clone()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Job::example("b1", 2, 2)
    }

    const ANSWER: &str = r#"{"burst":"b1","worker":2,"zero_wall_us":1795000000000000,
        "release_start_us":1000000,"release_end_us":1000400,
        "observations":[{"id":"0","planned_us":1000000,"sent_us":1000100,"first_byte_us":1050000,
        "end_us":1060000,"connect_us":null,"status":200,"bytes":300,"error":null,"probe":null,
        "class":null}]}"#;

    #[test]
    fn observations_land_on_thaws_clock() {
        let answer = Answer::parse(ANSWER.as_bytes(), &job()).expect("a good answer");
        // The worker's clock runs 2 ms ahead of thaw's; thaw's zero is 500 ms earlier.
        let offset = Offset {
            offset_us: 2_000,
            uncertainty_us: 300,
        };
        let thaw_zero = 1_795_000_000_000_000 - 500_000;
        assert_eq!(
            answer.lateness_us(1_795_000_001_000_000 - 2_000, offset),
            Some(0),
            "released on the instant"
        );
        let obs = answer.into_observations(offset, thaw_zero);
        assert_eq!(obs[0].id.0, "w2-0");
        assert_eq!(obs[0].sent_us, 500_000 + 1_000_100 - 2_000);
        assert_eq!(obs[0].latency().as_micros(), 59_900);
    }

    #[test]
    fn bad_answers_are_one_line_each() {
        let cases: [(&str, &str); 4] = [
            ("not json", "not the worker's JSON"),
            (
                r#"{"burst":"other","worker":0,"zero_wall_us":1,"release_start_us":0,"release_end_us":0}"#,
                "stale or foreign",
            ),
            (
                r#"{"burst":"b1","worker":0,"zero_wall_us":1,"release_start_us":5,"release_end_us":1}"#,
                "before its clock",
            ),
            (
                r#"{"burst":"b1","worker":0,"zero_wall_us":1,"release_start_us":0,"release_end_us":0,"surprise":1}"#,
                "not the worker's JSON",
            ),
        ];
        for (input, says) in cases {
            let err = Answer::parse(input.as_bytes(), &job())
                .expect_err(input)
                .to_string();
            assert!(err.contains(says) && !err.contains('\n'), "{input}: {err}");
        }
        let mut small = job();
        small.requests = 0;
        assert!(matches!(
            Answer::parse(ANSWER.as_bytes(), &small),
            Err(AnswerError::TooMany { .. })
        ));
    }
}
