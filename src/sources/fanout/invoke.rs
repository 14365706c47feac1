//! Invoking the workers: a Lambda client that does not retry (a throttled worker is
//! reported, not retried past its instant), and what became of each invocation.

use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials as _;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LogType;
use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;
use aws_smithy_types::retry::RetryConfig;

use super::FanOut;
use crate::burst::Target;
use crate::burst::lambda::{self, LambdaTarget};
use crate::classify::{TailReport, tail_report};
use crate::config::AwsConfig;
use crate::sources::aws::sdk_config;

/// A Lambda client for the workers: the standard chain, `--endpoint-url` honoured, no
/// retries (a throttled worker is reported, not retried past its instant). An endpoint
/// on this machine (the emulator, which takes any credentials) gets placeholder ones when
/// the chain has none.
pub async fn client(f: &FanOut) -> Result<Client, String> {
    let local = f
        .endpoint_url
        .as_deref()
        .and_then(|u| Target::parse(u).ok())
        .is_some_and(|t| lambda::is_local(t.host.trim_matches(['[', ']'])));
    let aws = AwsConfig {
        region: f
            .region
            .clone()
            .or_else(|| local.then(|| "us-east-1".to_string())),
        endpoint_url: f.endpoint_url.clone(),
        profile: f.profile.clone(),
        ..AwsConfig::default()
    };
    let sdk = sdk_config(&aws)
        .await
        .map_err(|e| format!("--worker {}: {e}", f.name()))?;
    let mut conf =
        aws_sdk_lambda::config::Builder::from(&sdk).retry_config(RetryConfig::disabled());
    let has_credentials = match sdk.credentials_provider() {
        Some(p) => p.provide_credentials().await.is_ok(),
        None => false,
    };
    if local && !has_credentials {
        conf = conf.credentials_provider(Credentials::new(
            "thaw-local",
            "thaw-local",
            None,
            None,
            "thaw",
        ));
    }
    Ok(Client::from_conf(conf.build()))
}

/// What the workers' invocations were billed, from their REPORT lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Billing {
    pub invocations: u32,
    pub billed_ms: u64,
    pub memory_mb: Option<u32>,
}

impl Billing {
    pub fn add(&mut self, tail: Option<&TailReport>) {
        self.invocations = self.invocations.saturating_add(1);
        if let Some(t) = tail {
            self.billed_ms = self.billed_ms.saturating_add(t.billed_ms);
            self.memory_mb = Some(t.memory_mb);
        }
    }
}

/// What became of one invocation.
pub enum Invoked {
    Answer(Vec<u8>),
    Throttled(String),
    /// The function answered an error: its type and message.
    FunctionError(String, String),
    Failed(String),
}

/// Invokes the worker with `payload`, asking for the tail of its log: its REPORT says
/// what the invocation was billed.
pub async fn invoke(
    client: &Client,
    f: &LambdaTarget,
    payload: Vec<u8>,
) -> (Invoked, Option<TailReport>) {
    let sent = client
        .invoke()
        .function_name(&f.function)
        .set_qualifier(f.qualifier.clone())
        .log_type(LogType::Tail)
        .payload(Blob::new(payload))
        .send()
        .await;
    let billed = sent
        .as_ref()
        .ok()
        .and_then(|out| out.log_result.as_deref())
        .and_then(tail_report);
    (outcome(sent), billed)
}

fn outcome(
    sent: Result<
        aws_sdk_lambda::operation::invoke::InvokeOutput,
        aws_smithy_runtime_api::client::result::SdkError<
            InvokeError,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    >,
) -> Invoked {
    match sent {
        Ok(out) => {
            let body = out.payload.map(Blob::into_inner).unwrap_or_default();
            if out.function_error.is_none() {
                return Invoked::Answer(body);
            }
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let field = |k: &str| {
                v.get(k)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect::<String>()
            };
            Invoked::FunctionError(field("errorType"), field("errorMessage"))
        }
        Err(e) => {
            let code = e.code().unwrap_or_default().to_string();
            let message = e.message().unwrap_or_default().to_string();
            if code == "TooManyRequestsException" {
                // Which limit it was: the account's, the function's reserved concurrency.
                let reason = e
                    .as_service_error()
                    .and_then(|s| match s {
                        InvokeError::TooManyRequestsException(t) => t.reason(),
                        _ => None,
                    })
                    .map_or_else(String::new, |r| format!(" ({})", r.as_str()));
                Invoked::Throttled(format!("{message}{reason}"))
            } else if code.is_empty() {
                Invoked::Failed(
                    aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
                )
            } else {
                Invoked::Failed(format!("{code}: {message}"))
            }
        }
    }
}

/// One line for an invocation that did not answer.
pub fn describe(invoked: &Invoked) -> String {
    match invoked {
        Invoked::Answer(_) => "answered".into(),
        Invoked::Throttled(m) => format!("throttled: {m}"),
        Invoked::FunctionError(t, m) => format!("{t}: {m}"),
        Invoked::Failed(m) => m.clone(),
    }
}
