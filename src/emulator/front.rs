//! What the client sees: each API Gateway front's status codes and bodies for the
//! platform's answers (docs/lambda-facts.md §4, services-apigateway-errors.html).
//!
//! | platform answer    | REST API | HTTP API | function URL |
//! |--------------------|----------|----------|--------------|
//! | Lambda throttle    | 500      | 500      | 429          |
//! | function error     | 502      | 500      | 502          |
//! | integration timeout| 504      | 503      | —            |
//! | stage throttle     | 429      | 429      | —            |

use std::borrow::Cow;

use serde_json::json;

use crate::config::Front;
use crate::event::{InvokeOutcome, ThrottleReason};
use crate::probe;

use super::core::{Invoked, Reply};

/// A response to write, independent of the HTTP library.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(Cow<'static, str>, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn json(status: u16, body: String) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into_bytes(),
        }
    }

    fn header(&mut self, name: &'static str, value: String) {
        self.headers.push((Cow::Borrowed(name), value));
    }
}

const REST_INTERNAL: &str = r#"{"message": "Internal server error"}"#;
const HTTP_INTERNAL: &str = r#"{"message":"Internal Server Error"}"#;

/// The response for the platform's reply.
pub fn respond(front: Front, throttle_status: Option<u16>, reply: &Reply) -> Response {
    match reply {
        Reply::Throttled(ThrottleReason::Stage) => {
            Response::json(429, r#"{"message":"Too Many Requests"}"#.into())
        }
        Reply::Throttled(reason) => lambda_throttle(front, throttle_status, *reason),
        Reply::Invoked(inv) => invoked(front, inv),
        // Streams are answered as they come (streaming.rs), never from here.
        Reply::Streaming(_) => function_error(front),
        Reply::InitFailed { env, init_ms } => {
            let mut r = function_error(front);
            r.header(probe::ENV, env.0.clone());
            r.header(probe::COLD, "true".into());
            r.header(probe::INIT_MS, format!("{init_ms:.2}"));
            r
        }
    }
}

/// The gateway gave up waiting for the function.
pub fn integration_timeout(front: Front) -> Response {
    match front {
        Front::RestApi => {
            Response::json(504, r#"{"message": "Endpoint request timed out"}"#.into())
        }
        Front::HttpApi | Front::FunctionUrl => {
            Response::json(503, r#"{"message":"Service Unavailable"}"#.into())
        }
    }
}

/// A request body over Lambda's 6 MB synchronous payload limit.
pub fn payload_too_large(front: Front) -> Response {
    match front {
        Front::FunctionUrl => Response::json(
            413,
            r#"{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}"#.into(),
        ),
        Front::RestApi | Front::HttpApi => {
            Response::json(413, r#"{"message":"Request Too Long"}"#.into())
        }
    }
}

fn lambda_throttle(front: Front, status: Option<u16>, reason: ThrottleReason) -> Response {
    let (default_status, body) = match front {
        // API Gateway turns Lambda's 429 into an integration failure.
        Front::RestApi => (500, REST_INTERNAL.to_string()),
        // Undocumented for HTTP APIs; assumed the same as REST (DESIGN.md).
        Front::HttpApi => (500, HTTP_INTERNAL.to_string()),
        Front::FunctionUrl => (
            429,
            json!({"Reason": reason.aws_reason(), "Type": "User", "message": "Rate Exceeded."})
                .to_string(),
        ),
    };
    let mut r = Response::json(status.unwrap_or(default_status), body);
    if front == Front::RestApi {
        r.header("x-amzn-errortype", "InternalServerErrorException".into());
    }
    r
}

fn function_error(front: Front) -> Response {
    match front {
        Front::RestApi => {
            let mut r = Response::json(502, REST_INTERNAL.into());
            r.header("x-amzn-errortype", "InternalServerErrorException".into());
            r
        }
        Front::HttpApi => Response::json(500, HTTP_INTERNAL.into()),
        Front::FunctionUrl => Response {
            status: 502,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: b"Internal Server Error".to_vec(),
        },
    }
}

fn invoked(front: Front, inv: &Invoked) -> Response {
    let mut r = match (&inv.answer, inv.outcome) {
        // A real function's own answer, as API Gateway maps it; malformed is a 502.
        (Some(Ok(m)), InvokeOutcome::Success) => Response {
            status: m.status,
            // The platform's probe headers (below) replace any the function set.
            headers: m
                .headers
                .iter()
                .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("x-thaw-"))
                .map(|(k, v)| (Cow::Owned(k.clone()), v.clone()))
                .collect(),
            body: m.body.clone(),
        },
        (Some(Err(_)), _) => function_error(front),
        _ => builtin_answer(front, inv),
    };
    r.header("x-amzn-requestid", inv.request_id.clone());
    r.header(probe::ENV, inv.env.0.clone());
    r.header(probe::COLD, inv.cold.to_string());
    if let Some(ms) = inv.init_ms {
        r.header(probe::INIT_MS, format!("{ms:.2}"));
    }
    r.header(probe::INVOCATIONS, inv.invocations.to_string());
    r.header(probe::INIT_TYPE, inv.init_type.as_str().into());
    r
}

/// The builtin function's answers: its probe JSON, a parameter error, or the front's
/// error for a failed invocation.
fn builtin_answer(front: Front, inv: &Invoked) -> Response {
    match inv.outcome {
        InvokeOutcome::Success if inv.status == 200 => Response::json(200, probe_json(inv)),
        InvokeOutcome::Success => {
            Response::json(inv.status, json!({"message": inv.body}).to_string())
        }
        InvokeOutcome::Error | InvokeOutcome::Timeout | InvokeOutcome::Crash => {
            function_error(front)
        }
    }
}

/// The builtin function's answer: the environment that served it, as the probe
/// functions answer.
pub fn probe_json(inv: &Invoked) -> String {
    json!({
        "environment": inv.env.0,
        "cold": inv.cold,
        "init_ms": inv.init_ms.map(|v| (v * 100.0).round() / 100.0),
        "invocations": inv.invocations,
        "init_type": inv.init_type.as_str(),
        "request_id": inv.request_id,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::InitType;
    use crate::ids::EnvId;

    fn inv(outcome: InvokeOutcome) -> Reply {
        Reply::Invoked(Invoked {
            request_id: "r".into(),
            env: EnvId("e".into()),
            init_type: InitType::OnDemand,
            cold: true,
            init_ms: Some(137.0),
            invocations: 1,
            duration_ms: 2.0,
            outcome,
            status: 200,
            body: String::new(),
            answer: None,
            log_tail: None,
        })
    }

    #[test]
    fn status_table_per_front() {
        let throttle = Reply::Throttled(ThrottleReason::ReservedConcurrency);
        let stage = Reply::Throttled(ThrottleReason::Stage);
        let cases = [
            (Front::RestApi, &throttle, 500),
            (Front::HttpApi, &throttle, 500),
            (Front::FunctionUrl, &throttle, 429),
            (Front::RestApi, &stage, 429),
            (Front::HttpApi, &stage, 429),
        ];
        for (front, reply, status) in cases {
            assert_eq!(
                respond(front, None, reply).status,
                status,
                "{front:?} {reply:?}"
            );
        }
        for outcome in [
            InvokeOutcome::Error,
            InvokeOutcome::Timeout,
            InvokeOutcome::Crash,
        ] {
            assert_eq!(respond(Front::RestApi, None, &inv(outcome)).status, 502);
            assert_eq!(respond(Front::HttpApi, None, &inv(outcome)).status, 500);
            assert_eq!(respond(Front::FunctionUrl, None, &inv(outcome)).status, 502);
        }
        assert_eq!(
            respond(Front::RestApi, None, &inv(InvokeOutcome::Success)).status,
            200
        );
        assert_eq!(integration_timeout(Front::RestApi).status, 504);
        assert_eq!(integration_timeout(Front::HttpApi).status, 503);
        assert_eq!(respond(Front::RestApi, Some(503), &throttle).status, 503);
    }

    #[test]
    fn rest_bodies_are_api_gateways() {
        assert_eq!(
            respond(
                Front::RestApi,
                None,
                &Reply::Throttled(ThrottleReason::AccountConcurrency)
            )
            .body,
            br#"{"message": "Internal server error"}"#
        );
        let url = respond(
            Front::FunctionUrl,
            None,
            &Reply::Throttled(ThrottleReason::ReservedConcurrency),
        );
        assert!(
            String::from_utf8_lossy(&url.body)
                .contains("ReservedFunctionConcurrentInvocationLimitExceeded")
        );
    }

    #[test]
    fn probe_headers_on_invoked_responses() {
        let r = respond(Front::RestApi, None, &inv(InvokeOutcome::Success));
        let get = |k: &str| {
            r.headers
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get(probe::ENV), Some("e"));
        assert_eq!(get(probe::COLD), Some("true"));
        assert_eq!(get(probe::INIT_MS), Some("137.00"));
        assert_eq!(get(probe::INVOCATIONS), Some("1"));
    }
}
