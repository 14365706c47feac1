//! The control calls a demo needs, answered inside the platform task so they see and
//! change the running model at once: the function's configuration, reserved and
//! provisioned concurrency, and the asynchronous queue's settings.

use std::time::Duration;

use serde_json::{Value, json};

use super::error::ApiError;
use super::route::{ControlOp, Verb};
use super::{FunctionInfo, Resolved};
use crate::emulator::async_queue::{AsyncQueue, EventConfig};
use crate::emulator::core::{Change, Core, Effect};
use crate::emulator::front::Response;
use crate::event::FunctionConfig;

/// What the API remembers beyond the model: whether an event invoke configuration
/// exists. (Where provisioned concurrency was put is the model's: it announces it.)
#[derive(Debug, Default)]
pub struct ApiState {
    pub event_config: bool,
}

/// Unreserved concurrency Lambda keeps for functions without a reservation.
const UNRESERVED_MIN: u32 = 100;

/// The running model a control call reads and changes.
pub struct Model<'a> {
    pub core: &'a mut Core,
    pub queue: &'a mut AsyncQueue,
    pub state: &'a mut ApiState,
    pub now: Duration,
    pub wall_ms: i64,
    pub out: &'a mut Vec<Effect>,
}

/// Answers a control call (anything but the invocations): one arm per kind of call,
/// each answered by a function that matches its calls exhaustively.
pub fn answer(
    p: &mut Model<'_>,
    info: &FunctionInfo,
    op: ControlOp,
    target: &Resolved,
    body: &[u8],
) -> Result<Response, ApiError> {
    let config = p
        .core
        .function_config(target.qualifier.as_deref().unwrap_or("live"));
    match op {
        ControlOp::GetFunctionConfiguration => Ok(ok(200, &configuration(info, &config, target))),
        ControlOp::GetFunction => {
            let mut v = json!({
                "Configuration": configuration(info, &config, target),
                "Code": {"RepositoryType": "S3", "Location": "thaw-emulator://code"},
                "Tags": {},
            });
            if let Some(r) = config.reserved {
                v["Concurrency"] = json!({"ReservedConcurrentExecutions": r});
            }
            Ok(ok(200, &v))
        }
        ControlOp::ListFunctions => Ok(ok(
            200,
            &json!({"Functions": [configuration(info, &config, target)]}),
        )),
        ControlOp::Concurrency(verb) => reserved(p, verb, body, &config),
        ControlOp::Provisioned(verb) => provisioned(p, info, verb, target, body, &config),
        ControlOp::EventInvokeConfig(verb) => event_invoke(p, info, verb, body),
    }
}

/// Reserved concurrency: `PutFunctionConcurrency` and its Get and Delete.
fn reserved(
    p: &mut Model<'_>,
    verb: Verb,
    body: &[u8],
    config: &FunctionConfig,
) -> Result<Response, ApiError> {
    match verb {
        Verb::Put => {
            let n = number(body, "ReservedConcurrentExecutions")?;
            let account = p.core.account_concurrency();
            if account.saturating_sub(n) < UNRESERVED_MIN {
                return Err(ApiError::invalid_parameter(format!(
                    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{UNRESERVED_MIN}]."
                )));
            }
            if n < config
                .provisioned
                .first()
                .map_or(0, |(_, requested, _)| *requested)
            {
                return Err(ApiError::invalid_parameter(
                    "ReservedConcurrentExecutions must not be less than the function's provisioned concurrency.",
                ));
            }
            change(p, Change::Reserved(Some(n)));
            Ok(ok(200, &json!({"ReservedConcurrentExecutions": n})))
        }
        Verb::Get => Ok(ok(
            200,
            &config
                .reserved
                .map_or_else(|| json!({}), |r| json!({"ReservedConcurrentExecutions": r})),
        )),
        Verb::Delete => {
            change(p, Change::Reserved(None));
            Ok(no_content())
        }
    }
}

/// Provisioned concurrency: `PutProvisionedConcurrencyConfig` and its Get and Delete.
fn provisioned(
    p: &mut Model<'_>,
    info: &FunctionInfo,
    verb: Verb,
    target: &Resolved,
    body: &[u8],
    config: &FunctionConfig,
) -> Result<Response, ApiError> {
    let stamp = humantime::format_rfc3339_millis(
        std::time::UNIX_EPOCH + Duration::from_millis(u64::try_from(p.wall_ms).unwrap_or(0)),
    )
    .to_string()
    .replace('Z', "+0000");
    let qualifier = published(target)?;
    let on_it = p.core.provisioned_on() == Some(qualifier);
    match verb {
        Verb::Put => {
            let n = number(body, "ProvisionedConcurrentExecutions")?;
            if n == 0 {
                return Err(ApiError::validation(
                    "ProvisionedConcurrentExecutions must be at least 1.",
                ));
            }
            if config.reserved.is_some_and(|r| n > r) {
                return Err(ApiError::invalid_parameter(
                    "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function",
                ));
            }
            // Provisioned environments come out of the account's unreserved concurrency:
            // more than it can never be allocated (and each one is a real environment).
            let unreserved = p.core.account_concurrency().saturating_sub(UNRESERVED_MIN);
            if config.reserved.is_none() && n > unreserved {
                return Err(ApiError::invalid_parameter(format!(
                    "Requested Provisioned Concurrency {n} is more than the account's unreserved concurrency ({unreserved}); lower it or raise emulator.account_concurrency"
                )));
            }
            change(
                p,
                Change::Provisioned {
                    count: n,
                    on: Some(qualifier.to_string()),
                },
            );
            let config = p.core.function_config(qualifier);
            Ok(ok(202, &provisioned_config(&config, &stamp)))
        }
        Verb::Get if on_it => Ok(ok(200, &provisioned_config(config, &stamp))),
        Verb::Delete if on_it => {
            change(p, Change::Provisioned { count: 0, on: None });
            Ok(no_content())
        }
        Verb::Get | Verb::Delete => Err(no_provisioned(info, qualifier)),
    }
}

/// The asynchronous queue's settings: `PutFunctionEventInvokeConfig` and its Get and
/// Delete.
fn event_invoke(
    p: &mut Model<'_>,
    info: &FunctionInfo,
    verb: Verb,
    body: &[u8],
) -> Result<Response, ApiError> {
    match verb {
        Verb::Put => {
            let v = object(body)?;
            let mut cfg = EventConfig::default();
            if let Some(n) = v.get("MaximumRetryAttempts") {
                cfg.max_retries = ranged(n, "MaximumRetryAttempts", 0, 2)?;
            }
            if let Some(n) = v.get("MaximumEventAgeInSeconds") {
                cfg.max_age =
                    Duration::from_secs(ranged(n, "MaximumEventAgeInSeconds", 60, 21_600)?.into());
            }
            p.queue.configure(cfg);
            p.state.event_config = true;
            Ok(ok(200, &event_config(info, cfg, p.wall_ms)))
        }
        Verb::Get if p.state.event_config => {
            Ok(ok(200, &event_config(info, p.queue.config(), p.wall_ms)))
        }
        Verb::Get => Err(ApiError::not_found(format!(
            "The function {} doesn't have an EventInvokeConfig",
            info.arn(None)
        ))),
        Verb::Delete => {
            p.queue.configure(EventConfig::default());
            p.state.event_config = false;
            Ok(no_content())
        }
    }
}

fn change(p: &mut Model<'_>, change: Change) {
    p.core.change(p.now, change, p.out);
}

fn ok(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

fn no_content() -> Response {
    Response {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

fn object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::invalid_content(
            "the request body is not a JSON object",
        )),
    }
}

fn number(body: &[u8], field: &str) -> Result<u32, ApiError> {
    let v = object(body)?;
    let n = v
        .get(field)
        .ok_or_else(|| ApiError::validation(format!("{field} is required")))?;
    ranged(n, field, 0, u32::MAX)
}

fn ranged(v: &Value, field: &str, min: u32, max: u32) -> Result<u32, ApiError> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            ApiError::validation(format!(
                "Value '{v}' at '{field}' failed to satisfy constraint: Member must be a whole number from {min} to {max}"
            ))
        })
}

/// Provisioned concurrency goes on a version or alias, never `$LATEST`.
fn published(target: &Resolved) -> Result<&str, ApiError> {
    match target.qualifier.as_deref() {
        None => Err(ApiError::validation(
            "Qualifier is required: provisioned concurrency goes on a version or an alias (the emulator has version 1 and alias live)",
        )),
        Some("$LATEST") => Err(ApiError::invalid_parameter(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        )),
        Some(q) => Ok(q),
    }
}

fn no_provisioned(info: &FunctionInfo, qualifier: &str) -> ApiError {
    ApiError {
        code: "ProvisionedConcurrencyConfigNotFoundException",
        ..ApiError::not_found(format!(
            "No Provisioned Concurrency Config found for this function: {}",
            info.arn(Some(qualifier))
        ))
    }
}

fn provisioned_config(config: &FunctionConfig, stamp: &str) -> Value {
    let (requested, ready) = config
        .provisioned
        .first()
        .map_or((0, 0), |(_, r, a)| (*r, *a));
    json!({
        "RequestedProvisionedConcurrentExecutions": requested,
        "AvailableProvisionedConcurrentExecutions": ready,
        "AllocatedProvisionedConcurrentExecutions": ready,
        "Status": if ready >= requested { "READY" } else { "IN_PROGRESS" },
        "LastModified": stamp,
    })
}

fn event_config(info: &FunctionInfo, cfg: EventConfig, wall_ms: i64) -> Value {
    json!({
        "LastModified": wall_ms as f64 / 1000.0,
        "FunctionArn": info.arn(Some("$LATEST")),
        "MaximumRetryAttempts": cfg.max_retries,
        "MaximumEventAgeInSeconds": cfg.max_age.as_secs(),
        "DestinationConfig": {"OnSuccess": {}, "OnFailure": {}},
    })
}

/// `FunctionConfiguration`, as `GetFunctionConfiguration` answers it.
fn configuration(info: &FunctionInfo, config: &FunctionConfig, target: &Resolved) -> Value {
    json!({
        "FunctionName": info.name,
        "FunctionArn": info.arn(target.qualifier.as_deref()),
        "Runtime": config.runtime,
        "Role": format!("arn:aws:iam::{}:role/thaw-emulated", info.account),
        "Handler": "index.handler",
        "CodeSize": 0,
        "Description": "thaw's embedded Lambda emulator",
        "Timeout": config.timeout_s,
        "MemorySize": config.memory_mb,
        "LastModified": "2026-01-01T00:00:00.000+0000",
        "CodeSha256": "thaw",
        "Version": target.version,
        "TracingConfig": {"Mode": "PassThrough"},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": [config.architecture],
        "EphemeralStorage": {"Size": 512},
        "LoggingConfig": {
            "LogFormat": config.log_format,
            "LogGroup": format!("/aws/lambda/{}", info.name),
        },
    })
}
