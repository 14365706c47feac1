//! The watched function's configuration as a source: `GetFunction` (runtime, memory,
//! architecture, timeout, log format, reserved concurrency) and
//! `ListProvisionedConcurrencyConfigs` (per alias or version), read at the start and
//! every few minutes after, so a change made in the console shows. A call that is
//! denied (or that the endpoint lacks) costs only what it would have told.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_lambda::Client;

use super::aws::{Backoff, Failure, explain};
use crate::clock::Clock;
use crate::config::AwsConfig;
use crate::event::{Event, EventKind, EventSink, FunctionConfig};

/// The name this source's errors carry.
pub const SOURCE: &str = "function";

/// How often the configuration is read again once it was read.
const REFRESH: Duration = Duration::from_secs(300);

pub struct FunctionSource {
    client: Client,
    name: String,
    qualifier: Option<String>,
    region: String,
    clock: Clock,
    sink: EventSink,
    /// The provisioned-concurrency call failed for good: not asked again.
    no_provisioned: bool,
    /// The last configuration sent (only a change is sent again).
    last: Option<FunctionConfig>,
}

impl FunctionSource {
    /// A source for `aws.function`; `None` when no function is watched.
    pub fn new(sdk: &SdkConfig, aws: &AwsConfig, clock: Clock, sink: EventSink) -> Option<Self> {
        Some(Self {
            client: Client::new(sdk),
            name: aws.function.clone()?,
            qualifier: aws.qualifier.clone(),
            region: sdk.region().map(ToString::to_string).unwrap_or_default(),
            clock,
            sink,
            no_provisioned: false,
            last: None,
        })
    }

    pub async fn run(mut self) {
        let mut backoff = Backoff::new(REFRESH);
        loop {
            let wait = match self.read().await {
                Ok(config) => {
                    if self.last.as_ref() != Some(&config) {
                        self.sink.send(Event::new(
                            self.clock.stamp(),
                            EventKind::FunctionConfig(config.clone()),
                        ));
                        self.last = Some(config);
                    }
                    backoff.ok()
                }
                Err(f) => {
                    self.sink.error(&self.clock, SOURCE, &f.while_retrying());
                    if matches!(f, Failure::NeedsFix(_)) {
                        // Denied or missing: asking again soon changes nothing.
                        REFRESH
                    } else {
                        backoff.failed()
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn read(&mut self) -> Result<FunctionConfig, Failure> {
        let mut config = describe(
            &self.client,
            &self.name,
            self.qualifier.as_deref(),
            &self.region,
        )
        .await?;
        if !self.no_provisioned {
            config.provisioned = self.provisioned().await;
        }
        Ok(config)
    }

    /// Provisioned concurrency of every alias and version (the first page is plenty).
    async fn provisioned(&mut self) -> Vec<(String, u32, u32)> {
        let answer = self
            .client
            .list_provisioned_concurrency_configs()
            .function_name(&self.name)
            .send()
            .await;
        match answer {
            Ok(out) => out
                .provisioned_concurrency_configs()
                .iter()
                .map(|p| {
                    let qualifier = p
                        .function_arn()
                        .and_then(|arn| arn.rsplit(':').next())
                        .unwrap_or("?")
                        .to_string();
                    let n = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
                    (
                        qualifier,
                        n(p.requested_provisioned_concurrent_executions()),
                        n(p.allocated_provisioned_concurrent_executions()),
                    )
                })
                .collect(),
            Err(e) => {
                let f = explain(&e, "lambda:ListProvisionedConcurrencyConfigs");
                self.sink.error(
                    &self.clock,
                    SOURCE,
                    &format!("{}; provisioned concurrency is not shown", f.message()),
                );
                self.no_provisioned = true;
                Vec::new()
            }
        }
    }
}

/// `lambda:GetFunction` as a configuration (provisioned concurrency is another call):
/// what the screen shows and `thaw doctor` checks. A missing function is named with its
/// Region.
pub async fn describe(
    client: &Client,
    name: &str,
    qualifier: Option<&str>,
    region: &str,
) -> Result<FunctionConfig, Failure> {
    use aws_sdk_lambda::operation::get_function::GetFunctionError;
    use aws_sdk_lambda::types::{Architecture, Concurrency, FunctionConfiguration};
    let out = client
        .get_function()
        .function_name(name)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error()
                .is_some_and(GetFunctionError::is_resource_not_found_exception)
            {
                Failure::NeedsFix(format!(
                    "no function '{name}' in {region}: check --function and --region (and --qualifier)"
                ))
            } else {
                explain(&e, "lambda:GetFunction")
            }
        })?;
    let c = out.configuration();
    let logging = c.and_then(FunctionConfiguration::logging_config);
    let arch: Vec<&str> = c
        .map(|c| c.architectures().iter().map(Architecture::as_str).collect())
        .unwrap_or_default();
    let number =
        |v: Option<i32>, default: u32| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(default);
    Ok(FunctionConfig {
        name: name.to_string(),
        qualifier: qualifier.map(str::to_string),
        runtime: c
            .and_then(FunctionConfiguration::runtime)
            .map_or_else(|| "container image".into(), |r| r.as_str().to_string()),
        memory_mb: number(c.and_then(FunctionConfiguration::memory_size), 128),
        architecture: if arch.is_empty() {
            "x86_64".into()
        } else {
            arch.join(",")
        },
        timeout_s: number(c.and_then(FunctionConfiguration::timeout), 3),
        log_format: logging
            .and_then(|l| l.log_format())
            .map_or("Text", |f| f.as_str())
            .to_string(),
        log_group: logging.and_then(|l| l.log_group()).map(str::to_string),
        reserved: out
            .concurrency()
            .and_then(Concurrency::reserved_concurrent_executions)
            .and_then(|r| u32::try_from(r).ok()),
        provisioned: Vec::new(),
    })
}
