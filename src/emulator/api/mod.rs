//! Lambda's own API on the gateway's port, for callers with no HTTP front: the SDKs, the
//! AWS CLI, Step Functions, another function. `Invoke` reaches the same platform model
//! as the gateway's requests (concurrency, scaling, throttles, reclaim); the control
//! calls change it while it runs.
//!
//! One function lives here: the configured one, with `$LATEST`, version `1` and an alias
//! `live` pointing at it. They share one pool of environments (one copy of the code).

pub mod control;
pub mod error;
pub mod invoke;
pub mod route;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use tokio::sync::{mpsc, oneshot};

use self::error::ApiError;
use self::invoke::InvocationType;
use self::route::{Call, ControlOp, InvokeOp, Op};
use super::Msg;
use super::core::Reply;
use super::front::Response;
use super::streaming::{self, Body};

/// Who the function is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    pub name: String,
    pub region: String,
    pub account: String,
    /// Signed requests only (`Authorization: AWS4-HMAC-SHA256 ...`), as Lambda is; the
    /// signature itself is not checked (the emulator has no secret to check it with).
    pub require_signature: bool,
}

/// The account id the emulator reports.
pub const ACCOUNT: &str = "123456789012";

/// Versions and aliases the function has, with the version each runs.
const QUALIFIERS: [(&str, &str); 3] = [("$LATEST", "$LATEST"), ("1", "1"), ("live", "1")];

impl FunctionInfo {
    pub fn arn(&self, qualifier: Option<&str>) -> String {
        let base = format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account, self.name
        );
        match qualifier {
            Some(q) => format!("{base}:{q}"),
            None => base,
        }
    }
}

/// The function and qualifier a call names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub qualifier: Option<String>,
    /// The version that runs: `$LATEST` or `1`.
    pub version: &'static str,
}

/// Resolves a call's function name (a name, an ARN or a partial ARN, each maybe with a
/// `:qualifier`) and its `Qualifier` against the one function.
pub fn resolve(info: &FunctionInfo, call: &Call) -> Result<Resolved, ApiError> {
    if call.op == Op::Control(ControlOp::ListFunctions) {
        return Ok(Resolved {
            qualifier: None,
            version: "$LATEST",
        });
    }
    let raw = call.function.as_str();
    let not_found = || {
        ApiError::not_found(format!(
            "Function not found: {}",
            if raw.starts_with("arn:") {
                raw.to_string()
            } else {
                format!(
                    "arn:aws:lambda:{}:{}:function:{raw}",
                    info.region, info.account
                )
            }
        ))
    };
    let parts: Vec<&str> = raw.split(':').collect();
    let (name, from_name) = match parts.as_slice() {
        [name] => (*name, None),
        [name, q] => (*name, Some(*q)),
        [
            "arn",
            _,
            "lambda",
            region,
            account,
            "function",
            name,
            rest @ ..,
        ] if rest.len() <= 1 => {
            if *region != info.region || *account != info.account {
                return Err(not_found());
            }
            (*name, rest.first().copied())
        }
        [account, "function", name, rest @ ..] if rest.len() <= 1 => {
            if *account != info.account {
                return Err(not_found());
            }
            (*name, rest.first().copied())
        }
        _ => return Err(not_found()),
    };
    if name != info.name {
        return Err(not_found());
    }
    let qualifier = match (from_name, call.qualifier.as_deref()) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::invalid_parameter(
                "The derived qualifier from the function name does not match the specified qualifier.",
            ));
        }
        (Some(q), _) | (None, Some(q)) => Some(q.to_string()),
        (None, None) => None,
    };
    let version = match &qualifier {
        None => "$LATEST",
        Some(q) => QUALIFIERS
            .iter()
            .find(|(name, _)| name == q)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                ApiError::not_found(format!("Function not found: {}", info.arn(Some(q))))
            })?,
    };
    Ok(Resolved { qualifier, version })
}

/// Answers one request on an API path.
pub async fn serve(
    req: hyper::Request<Incoming>,
    platform: &mpsc::Sender<Msg>,
    info: &FunctionInfo,
) -> hyper::Response<Body> {
    match call(req, platform, info).await {
        Ok(Answer::Whole(r)) => streaming::plain(r),
        Ok(Answer::Streamed(r)) => r,
        Err(e) => streaming::plain(e.response()),
    }
}

enum Answer {
    Whole(Response),
    Streamed(hyper::Response<Body>),
}

async fn call(
    req: hyper::Request<Incoming>,
    platform: &mpsc::Sender<Msg>,
    info: &FunctionInfo,
) -> Result<Answer, ApiError> {
    let (parts, body) = req.into_parts();
    let call = route::route(parts.method.as_str(), parts.uri.path(), parts.uri.query())?;
    if info.require_signature {
        let signed = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256 Credential="));
        if !signed {
            return Err(ApiError::unauthorized(
                "Missing Authentication Token: sign the request with SigV4 (the emulator takes any credentials)",
            ));
        }
    }
    let target = resolve(info, &call)?;
    let body = Limited::new(body, invoke::MAX_SYNC + 1)
        .collect()
        .await
        .map_err(|_| ApiError::too_large(invoke::MAX_SYNC))?
        .to_bytes();
    let stopped = || ApiError::service("the thaw emulator is shutting down");
    let streaming = match call.op {
        Op::Control(op) => {
            let (tx, rx) = oneshot::channel();
            let msg = Msg::Control {
                op,
                target,
                body,
                reply: tx,
            };
            platform.send(msg).await.map_err(|_| stopped())?;
            return rx.await.map_err(|_| stopped())?.map(Answer::Whole);
        }
        Op::Invoke(InvokeOp::Invoke) => false,
        Op::Invoke(InvokeOp::InvokeWithResponseStream) => true,
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let request = invoke::parse(header, body)?;
    match request.kind {
        InvocationType::DryRun => Ok(Answer::Whole(Response {
            status: 204,
            headers: vec![("x-amz-executed-version".into(), target.version.into())],
            body: Vec::new(),
        })),
        InvocationType::Event if streaming => Err(ApiError::validation(
            "InvokeWithResponseStream takes RequestResponse or DryRun, not Event",
        )),
        InvocationType::Event => {
            let (tx, rx) = oneshot::channel();
            let msg = Msg::Enqueue {
                params: request.params,
                reply: tx,
            };
            platform.send(msg).await.map_err(|_| stopped())?;
            let Some(request_id) = rx.await.map_err(|_| stopped())? else {
                return Err(ApiError::throttled_queue());
            };
            Ok(Answer::Whole(Response {
                status: 202,
                headers: vec![("x-amzn-requestid".into(), request_id)],
                body: Vec::new(),
            }))
        }
        InvocationType::RequestResponse => {
            let (tx, rx) = oneshot::channel();
            let msg = Msg::Invoke {
                params: request.params,
                reply: tx,
            };
            platform.send(msg).await.map_err(|_| stopped())?;
            let reply = rx.await.map_err(|_| stopped())?;
            Ok(match (reply, streaming) {
                (Reply::Streaming(s), true) => {
                    Answer::Streamed(streaming::event_stream(&s, target.version))
                }
                (Reply::Streaming(s), false) => {
                    let whole = streaming::collect(&s, invoke::MAX_SYNC).await;
                    Answer::Whole(invoke::gathered(&s, whole, target.version))
                }
                (reply, true) => {
                    let whole = invoke::respond(&reply, target.version);
                    if whole.status == 200 {
                        Answer::Streamed(streaming::event_stream_whole(&whole, target.version))
                    } else {
                        Answer::Whole(whole)
                    }
                }
                (reply, false) => Answer::Whole(invoke::respond(&reply, target.version)),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> FunctionInfo {
        FunctionInfo {
            name: "thaw-emulated".into(),
            region: "us-east-1".into(),
            account: ACCOUNT.into(),
            require_signature: false,
        }
    }

    fn call(function: &str, qualifier: Option<&str>) -> Call {
        Call {
            op: Op::Invoke(InvokeOp::Invoke),
            function: function.into(),
            qualifier: qualifier.map(str::to_string),
        }
    }

    #[test]
    fn names_arns_and_qualifiers_resolve() {
        let ok = |f: &str, q: Option<&str>| resolve(&info(), &call(f, q)).map(|r| r.version);
        assert_eq!(ok("thaw-emulated", None), Ok("$LATEST"));
        assert_eq!(ok("thaw-emulated:live", None), Ok("1"));
        assert_eq!(ok("thaw-emulated", Some("1")), Ok("1"));
        assert_eq!(
            ok(
                "arn:aws:lambda:us-east-1:123456789012:function:thaw-emulated:$LATEST",
                None
            ),
            Ok("$LATEST")
        );
        assert_eq!(
            ok("123456789012:function:thaw-emulated", None),
            Ok("$LATEST")
        );
        let code = |f: &str, q: Option<&str>| resolve(&info(), &call(f, q)).err().map(|e| e.code);
        assert_eq!(code("other", None), Some("ResourceNotFoundException"));
        assert_eq!(
            code("thaw-emulated", Some("7")),
            Some("ResourceNotFoundException")
        );
        assert_eq!(
            code("thaw-emulated:live", Some("1")),
            Some("InvalidParameterValueException")
        );
        assert_eq!(
            code(
                "arn:aws:lambda:eu-west-1:123456789012:function:thaw-emulated",
                None
            ),
            Some("ResourceNotFoundException")
        );
    }
}
