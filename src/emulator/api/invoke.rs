//! `Invoke`: what the request asks (its headers and payload, checked as Lambda checks
//! them) and the answer for the platform's reply (`api_Invoke.html`).

use std::borrow::Cow;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use serde_json::json;

use super::error::ApiError;
use crate::emulator::builtin::{Direct, InvokeParams};
use crate::emulator::core::{Invoked, Reply, Streamed};
use crate::emulator::front::{self, Response};
use crate::emulator::runtime_api::StreamError;
use crate::event::InvokeOutcome;

/// Lambda's payload limits: 6 MB synchronous, 1 MB asynchronous.
pub const MAX_SYNC: usize = 6 * 1024 * 1024;
pub const MAX_ASYNC: usize = 1024 * 1024;
/// `X-Amz-Client-Context` is at most 3,583 bytes (base64).
const MAX_CLIENT_CONTEXT: usize = 3583;

pub use crate::lambda::InvocationType;

/// A checked `Invoke` request.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeRequest {
    pub kind: InvocationType,
    pub params: InvokeParams,
}

/// Reads an `Invoke` request: `header` looks a header up by its lower-case name.
pub fn parse<'a>(
    header: impl Fn(&str) -> Option<&'a str>,
    body: Bytes,
) -> Result<InvokeRequest, ApiError> {
    let kind = match header("x-amz-invocation-type") {
        None => InvocationType::RequestResponse,
        Some(text) if let Some(kind) = InvocationType::parse(text) => kind,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )));
        }
    };
    let tail = match header("x-amz-log-type") {
        None | Some("None") => false,
        Some("Tail") => true,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "Value '{other}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]"
            )));
        }
    };
    let client_context = header("x-amz-client-context").map(str::to_string);
    if let Some(cc) = &client_context {
        let valid = cc.len() <= MAX_CLIENT_CONTEXT
            && B64
                .decode(cc)
                .ok()
                .and_then(|raw| serde_json::from_slice::<serde_json::Value>(&raw).ok())
                .is_some_and(|v| v.is_object());
        if !valid {
            return Err(ApiError::invalid_parameter(
                "Client context must be a valid Base64-encoded JSON object.",
            ));
        }
    }
    let limit = if kind == InvocationType::Event {
        MAX_ASYNC
    } else {
        MAX_SYNC
    };
    if body.len() > limit {
        return Err(ApiError::too_large(limit));
    }
    // The payload is the event: JSON, or nothing at all.
    let event = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid_content(format!(
                "Could not parse request body into json: Could not parse payload into json: {e}"
            ))
        })?
    };
    let payload = if body.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        body
    };
    let mut params = InvokeParams::from_payload(&event);
    params.direct = Some(Arc::new(Direct {
        payload,
        client_context,
        tail: tail && kind == InvocationType::RequestResponse,
    }));
    Ok(InvokeRequest { kind, params })
}

/// The answer to a synchronous invocation: 200 with the function's payload, or its
/// error marked `X-Amz-Function-Error: Unhandled`; a throttle is a 429.
pub fn respond(reply: &Reply, executed_version: &str) -> Response {
    let (payload, function_error, request_id, tail) = match reply {
        Reply::Throttled(reason) => return ApiError::throttled(*reason).response(),
        // A stream is collected (streaming.rs) before an answer is made of it.
        Reply::Streaming(_) => {
            return ApiError::service("a streamed answer reached the buffered path").response();
        }
        Reply::InitFailed { .. } => (
            json!({
                "errorType": "Runtime.InitError",
                "errorMessage": "The function's Init failed: see its log",
            })
            .to_string()
            .into_bytes(),
            true,
            None,
            None,
        ),
        Reply::Invoked(inv) => {
            let (payload, failed) = payload(inv);
            (
                payload,
                failed,
                Some(inv.request_id.as_str()),
                inv.log_tail.as_deref(),
            )
        }
    };
    let mut r = Response {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            (
                Cow::Borrowed("x-amz-executed-version"),
                executed_version.to_string(),
            ),
        ],
        body: payload,
    };
    if let Some(id) = request_id {
        r.headers.push(("x-amzn-requestid".into(), id.to_string()));
    }
    if function_error {
        r.headers
            .push(("x-amz-function-error".into(), "Unhandled".into()));
    }
    if let Some(tail) = tail {
        r.headers
            .push(("x-amz-log-result".into(), B64.encode(tail.as_bytes())));
    }
    r
}

/// A plain `Invoke` of a function that streamed: its whole answer, or its error.
pub fn gathered(
    s: &Streamed,
    whole: Result<Vec<u8>, StreamError>,
    executed_version: &str,
) -> Response {
    let mut headers = vec![
        ("content-type".into(), "application/json".into()),
        (
            Cow::Borrowed("x-amz-executed-version"),
            executed_version.to_string(),
        ),
        ("x-amzn-requestid".into(), s.request_id.clone()),
    ];
    let body = match whole {
        Ok(body) => body,
        Err(e) => {
            headers.push(("x-amz-function-error".into(), "Unhandled".into()));
            if e.body.trim_start().starts_with('{') {
                e.body.into_bytes()
            } else {
                json!({"errorType": e.error_type, "errorMessage": e.body})
                    .to_string()
                    .into_bytes()
            }
        }
    };
    Response {
        status: 200,
        headers,
        body,
    }
}

/// The function's payload, and whether it is an error.
fn payload(inv: &Invoked) -> (Vec<u8>, bool) {
    let error = |error_type: &str, message: String| {
        json!({"errorType": error_type, "errorMessage": message})
            .to_string()
            .into_bytes()
    };
    let rid = &inv.request_id;
    match inv.outcome {
        InvokeOutcome::Success => match &inv.answer {
            Some(Ok(m)) => (m.body.clone(), false),
            Some(Err(e)) => (error("Runtime.InvalidResponse", e.0.clone()), true),
            // The builtin function: its probe answer, or why a parameter was refused.
            None if inv.status == 200 => (front::probe_json(inv).into_bytes(), false),
            None => (error("InvalidParameter", inv.body.clone()), true),
        },
        // A real function's error is what it posted; the builtin's is its message.
        InvokeOutcome::Error if inv.body.trim_start().starts_with('{') => {
            (inv.body.clone().into_bytes(), true)
        }
        InvokeOutcome::Error => (error("Error", inv.body.clone()), true),
        InvokeOutcome::Timeout => (
            error(
                "Sandbox.Timedout",
                format!("RequestId: {rid} Error: Task timed out"),
            ),
            true,
        ),
        InvokeOutcome::Crash => (
            error(
                "Runtime.ExitError",
                format!("RequestId: {rid} Error: Runtime exited with error: signal: killed"),
            ),
            true,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }

    #[test]
    fn the_payload_is_the_event() {
        let req = parse(
            headers(&[("x-amz-log-type", "Tail")]),
            Bytes::from_static(br#"{"sleep_ms": 50, "order": 7}"#),
        )
        .expect("valid");
        assert_eq!(req.kind, InvocationType::RequestResponse);
        assert!((req.params.sleep_ms - 50.0).abs() < f64::EPSILON);
        let direct = req.params.direct.expect("direct");
        assert!(direct.tail);
        assert_eq!(&direct.payload[..], br#"{"sleep_ms": 50, "order": 7}"#);
        let empty = parse(headers(&[]), Bytes::new()).expect("empty is {}");
        assert_eq!(&empty.params.direct.expect("direct").payload[..], b"{}");
    }

    #[test]
    fn bad_requests_get_lambdas_codes() {
        let code = |pairs: &[(&str, &str)], body: &'static [u8]| {
            parse(headers(pairs), Bytes::from_static(body))
                .err()
                .map(|e| (e.status, e.code))
        };
        assert_eq!(
            code(&[], b"{not json"),
            Some((400, "InvalidRequestContentException"))
        );
        assert_eq!(
            code(&[("x-amz-invocation-type", "Later")], b"{}"),
            Some((400, "ValidationException"))
        );
        assert_eq!(
            code(&[("x-amz-client-context", "%%%")], b"{}"),
            Some((400, "InvalidParameterValueException"))
        );
        let big = vec![b' '; MAX_ASYNC + 1];
        let err = parse(
            headers(&[("x-amz-invocation-type", "Event")]),
            Bytes::from(big),
        )
        .err()
        .map(|e| e.status);
        assert_eq!(err, Some(413));
    }
}
