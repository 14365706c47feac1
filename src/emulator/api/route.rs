//! Which Lambda API call a request is, from its method and path (the REST paths of the
//! Lambda API reference, as the SDKs write them), and which function it names.

use super::error::ApiError;
use crate::emulator::proxy::decode;

/// The calls the emulator answers, by kind: each kind is answered by one function that
/// matches its calls exhaustively, so a call added here and answered nowhere does not
/// compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Runs the function: answered by the gateway, through the platform's queue.
    Invoke(InvokeOp),
    /// Reads or changes the function's settings: answered by the platform's task.
    Control(ControlOp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvokeOp {
    Invoke,
    InvokeWithResponseStream,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlOp {
    GetFunction,
    GetFunctionConfiguration,
    ListFunctions,
    /// Reserved concurrency (`PutFunctionConcurrency`, ...).
    Concurrency(Verb),
    /// Provisioned concurrency (`PutProvisionedConcurrencyConfig`, ...).
    Provisioned(Verb),
    /// The asynchronous queue's settings (`PutFunctionEventInvokeConfig`, ...).
    EventInvokeConfig(Verb),
}

/// What a call does to one of the function's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Put,
    Get,
    Delete,
}

impl ControlOp {
    /// The call's name in the Lambda API reference.
    pub fn name(self) -> &'static str {
        match self {
            Self::GetFunction => "GetFunction",
            Self::GetFunctionConfiguration => "GetFunctionConfiguration",
            Self::ListFunctions => "ListFunctions",
            Self::Concurrency(Verb::Put) => "PutFunctionConcurrency",
            Self::Concurrency(Verb::Get) => "GetFunctionConcurrency",
            Self::Concurrency(Verb::Delete) => "DeleteFunctionConcurrency",
            Self::Provisioned(Verb::Put) => "PutProvisionedConcurrencyConfig",
            Self::Provisioned(Verb::Get) => "GetProvisionedConcurrencyConfig",
            Self::Provisioned(Verb::Delete) => "DeleteProvisionedConcurrencyConfig",
            Self::EventInvokeConfig(Verb::Put) => "PutFunctionEventInvokeConfig",
            Self::EventInvokeConfig(Verb::Get) => "GetFunctionEventInvokeConfig",
            Self::EventInvokeConfig(Verb::Delete) => "DeleteFunctionEventInvokeConfig",
        }
    }
}

/// A routed request: the call, the function named in the path (decoded) and the
/// `Qualifier` query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub op: Op,
    pub function: String,
    pub qualifier: Option<String>,
}

/// The path prefixes of the Lambda API: a request under one of them is the API's, never
/// the function's own HTTP route.
const PREFIXES: [&str; 5] = [
    "/2015-03-31/functions",
    "/2021-11-15/functions",
    "/2017-10-31/functions",
    "/2019-09-30/functions",
    "/2019-09-25/functions",
];

/// Whether `path` belongs to the Lambda API.
pub fn is_api(path: &str) -> bool {
    PREFIXES.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Routes a request on an API path.
pub fn route(method: &str, path: &str, query: Option<&str>) -> Result<Call, ApiError> {
    let (version, rest) = path
        .trim_start_matches('/')
        .split_once('/')
        .ok_or_else(|| unknown(method, path))?;
    let rest = rest
        .strip_prefix("functions")
        .ok_or_else(|| unknown(method, path))?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let qualifier = query_param(query, "Qualifier");
    if segments.is_empty() {
        return match (method, version) {
            ("GET", "2015-03-31") => Ok(Call {
                op: Op::Control(ControlOp::ListFunctions),
                function: String::new(),
                qualifier: None,
            }),
            _ => Err(unknown(method, path)),
        };
    }
    // SDKs encode an ARN's `:` as `%3A`.
    let function = decode(segments[0]);
    let control = Op::Control;
    let op = match (method, version, &segments[1..]) {
        ("POST", "2015-03-31", ["invocations"]) => Op::Invoke(InvokeOp::Invoke),
        ("POST", "2021-11-15", ["response-streaming-invocations"]) => {
            Op::Invoke(InvokeOp::InvokeWithResponseStream)
        }
        ("GET", "2015-03-31", []) => control(ControlOp::GetFunction),
        ("GET", "2015-03-31", ["configuration"]) => control(ControlOp::GetFunctionConfiguration),
        ("PUT", "2017-10-31", ["concurrency"]) => control(ControlOp::Concurrency(Verb::Put)),
        ("GET", "2019-09-30", ["concurrency"]) => control(ControlOp::Concurrency(Verb::Get)),
        ("DELETE", "2017-10-31", ["concurrency"]) => control(ControlOp::Concurrency(Verb::Delete)),
        ("PUT", "2019-09-30", ["provisioned-concurrency"]) => {
            control(ControlOp::Provisioned(Verb::Put))
        }
        ("GET", "2019-09-30", ["provisioned-concurrency"]) => {
            control(ControlOp::Provisioned(Verb::Get))
        }
        ("DELETE", "2019-09-30", ["provisioned-concurrency"]) => {
            control(ControlOp::Provisioned(Verb::Delete))
        }
        ("PUT" | "POST", "2019-09-25", ["event-invoke-config"]) => {
            control(ControlOp::EventInvokeConfig(Verb::Put))
        }
        ("GET", "2019-09-25", ["event-invoke-config"]) => {
            control(ControlOp::EventInvokeConfig(Verb::Get))
        }
        ("DELETE", "2019-09-25", ["event-invoke-config"]) => {
            control(ControlOp::EventInvokeConfig(Verb::Delete))
        }
        _ => return Err(unknown(method, path)),
    };
    Ok(Call {
        op,
        function,
        qualifier,
    })
}

fn unknown(method: &str, path: &str) -> ApiError {
    ApiError::unknown_operation(format!(
        "{method} {path} is not a Lambda API call the thaw emulator answers"
    ))
}

/// One query parameter, percent-decoded.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| decode(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_paths_route() {
        let cases = [
            (
                "POST",
                "/2015-03-31/functions/f/invocations",
                Op::Invoke(InvokeOp::Invoke),
            ),
            (
                "POST",
                "/2021-11-15/functions/f/response-streaming-invocations",
                Op::Invoke(InvokeOp::InvokeWithResponseStream),
            ),
            (
                "GET",
                "/2015-03-31/functions/f",
                Op::Control(ControlOp::GetFunction),
            ),
            (
                "GET",
                "/2015-03-31/functions/f/configuration",
                Op::Control(ControlOp::GetFunctionConfiguration),
            ),
            (
                "GET",
                "/2015-03-31/functions/",
                Op::Control(ControlOp::ListFunctions),
            ),
            (
                "GET",
                "/2015-03-31/functions",
                Op::Control(ControlOp::ListFunctions),
            ),
            (
                "PUT",
                "/2017-10-31/functions/f/concurrency",
                Op::Control(ControlOp::Concurrency(Verb::Put)),
            ),
            (
                "GET",
                "/2019-09-30/functions/f/concurrency",
                Op::Control(ControlOp::Concurrency(Verb::Get)),
            ),
            (
                "PUT",
                "/2019-09-30/functions/f/provisioned-concurrency",
                Op::Control(ControlOp::Provisioned(Verb::Put)),
            ),
            (
                "DELETE",
                "/2019-09-25/functions/f/event-invoke-config",
                Op::Control(ControlOp::EventInvokeConfig(Verb::Delete)),
            ),
        ];
        for (method, path, op) in cases {
            assert!(is_api(path), "{path}");
            assert_eq!(route(method, path, None).map(|c| c.op), Ok(op), "{path}");
        }
    }

    #[test]
    fn names_and_qualifiers_are_decoded() {
        let call = route(
            "POST",
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations",
            Some("Qualifier=%24LATEST"),
        )
        .expect("routes");
        assert_eq!(
            call.function,
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
        assert_eq!(call.qualifier.as_deref(), Some("$LATEST"));
    }

    #[test]
    fn other_paths_are_not_the_apis() {
        assert!(!is_api("/"));
        assert!(!is_api("/2015-03-31/functionsx"));
        assert!(!is_api("/hello/2015-03-31/functions"));
        assert!(route("PATCH", "/2015-03-31/functions/f/invocations", None).is_err());
        assert!(route("POST", "/2015-03-31/functions/f/x/y", None).is_err());
    }
}
