//! The control calls a demo needs, answered inside the platform task so they see and
//! change the running model at once: the function's configuration, reserved and
//! provisioned concurrency, and the asynchronous queue's settings.

use std::time::Duration;

use serde_json::{Value, json};

use super::error::ApiError;
use super::route::{Call, Op};
use super::{FunctionInfo, Resolved};
use crate::command::EmulatorCommand;
use crate::emulator::async_queue::{AsyncQueue, EventConfig};
use crate::emulator::core::{Core, Effect};
use crate::emulator::front::Response;
use crate::event::FunctionConfig;

/// What the API remembers beyond the model: where provisioned concurrency was put, and
/// whether an event invoke configuration exists.
#[derive(Debug, Default)]
pub struct ApiState {
    pub provisioned_on: Option<String>,
    pub event_config: bool,
}

/// Unreserved concurrency Lambda keeps for functions without a reservation.
const UNRESERVED_MIN: u32 = 100;

/// What a control call needs from the platform.
pub struct Platform<'a> {
    pub core: &'a mut Core,
    pub queue: &'a mut AsyncQueue,
    pub state: &'a mut ApiState,
    pub now: Duration,
    pub wall_ms: i64,
    pub out: &'a mut Vec<Effect>,
}

/// Answers a control call (anything but the invocations).
pub fn answer(
    p: &mut Platform<'_>,
    info: &FunctionInfo,
    call: &Call,
    target: &Resolved,
    body: &[u8],
) -> Result<Response, ApiError> {
    let config = p
        .core
        .function_config(target.qualifier.as_deref().unwrap_or("live"));
    let stamp = humantime::format_rfc3339_millis(
        std::time::UNIX_EPOCH + Duration::from_millis(u64::try_from(p.wall_ms).unwrap_or(0)),
    )
    .to_string()
    .replace('Z', "+0000");
    match call.op {
        Op::GetFunctionConfiguration => Ok(ok(200, &configuration(info, &config, target))),
        Op::GetFunction => {
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
        Op::ListFunctions => Ok(ok(
            200,
            &json!({"Functions": [configuration(info, &config, target)]}),
        )),
        Op::PutFunctionConcurrency => {
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
            command(p, &EmulatorCommand::SetReserved { count: Some(n) });
            Ok(ok(200, &json!({"ReservedConcurrentExecutions": n})))
        }
        Op::GetFunctionConcurrency => Ok(ok(
            200,
            &config
                .reserved
                .map_or_else(|| json!({}), |r| json!({"ReservedConcurrentExecutions": r})),
        )),
        Op::DeleteFunctionConcurrency => {
            command(p, &EmulatorCommand::SetReserved { count: None });
            Ok(no_content())
        }
        _ => provisioning(p, info, call, target, body, &config, &stamp),
    }
}

/// Provisioned concurrency and the asynchronous queue's settings.
fn provisioning(
    p: &mut Platform<'_>,
    info: &FunctionInfo,
    call: &Call,
    target: &Resolved,
    body: &[u8],
    config: &FunctionConfig,
    stamp: &str,
) -> Result<Response, ApiError> {
    match call.op {
        Op::PutProvisionedConcurrencyConfig => {
            let qualifier = published(target)?;
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
            command(p, &EmulatorCommand::SetProvisioned { count: n });
            p.state.provisioned_on = Some(qualifier.to_string());
            let config = p.core.function_config(qualifier);
            Ok(ok(202, &provisioned(&config, stamp)))
        }
        Op::GetProvisionedConcurrencyConfig => {
            let qualifier = published(target)?;
            match &p.state.provisioned_on {
                Some(on) if on == qualifier => Ok(ok(200, &provisioned(config, stamp))),
                _ => Err(no_provisioned(info, qualifier)),
            }
        }
        Op::DeleteProvisionedConcurrencyConfig => {
            let qualifier = published(target)?;
            if p.state.provisioned_on.as_deref() != Some(qualifier) {
                return Err(no_provisioned(info, qualifier));
            }
            command(p, &EmulatorCommand::SetProvisioned { count: 0 });
            p.state.provisioned_on = None;
            Ok(no_content())
        }
        Op::PutFunctionEventInvokeConfig => {
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
        Op::GetFunctionEventInvokeConfig => {
            if !p.state.event_config {
                return Err(ApiError::not_found(format!(
                    "The function {} doesn't have an EventInvokeConfig",
                    info.arn(None)
                )));
            }
            Ok(ok(200, &event_config(info, p.queue.config(), p.wall_ms)))
        }
        Op::DeleteFunctionEventInvokeConfig => {
            p.queue.configure(EventConfig::default());
            p.state.event_config = false;
            Ok(no_content())
        }
        _ => Err(ApiError::service(format!(
            "{:?} is not a control call",
            call.op
        ))),
    }
}

fn command(p: &mut Platform<'_>, cmd: &EmulatorCommand) {
    p.core.command(p.now, cmd, p.out);
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

fn provisioned(config: &FunctionConfig, stamp: &str) -> Value {
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
