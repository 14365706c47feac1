//! What the CloudWatch and CloudWatch Logs sources share: the SDK configuration (the
//! standard credential chain, with `--region`, `--profile` and `--endpoint-url` on top),
//! one-line explanations of AWS errors that name the fix, and back-off.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::config::AwsConfig;

/// Loads the SDK configuration: credentials and Region from the standard chain
/// (environment, profiles, SSO, IMDS), `AWS_ENDPOINT_URL` honoured, the config's keys on
/// top. Fails only when no Region can be found.
pub async fn sdk_config(aws: &AwsConfig) -> Result<SdkConfig, String> {
    let config = crate::burst::sigv4::chain(&crate::burst::sigv4::Chain {
        profile: aws.profile.clone(),
        region: aws.region.clone(),
        endpoint_url: aws.endpoint_url.clone(),
        credentials: true,
    })
    .await;
    if config.region().is_none() {
        return Err(
            "no AWS Region: pass --region, set AWS_REGION, or give the profile a region".into(),
        );
    }
    Ok(config)
}

/// Streaming operations (Live Tail) put `streaming-` before the endpoint's host. Against
/// an explicit local endpoint (`http://127.0.0.1:PORT`) that name does not resolve, so
/// the prefix is taken off again.
#[derive(Debug)]
pub struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let uri = request.uri().to_string();
        if let Some((scheme, rest)) = uri.split_once("://")
            && let Some(host) = rest.strip_prefix("streaming-")
        {
            request.set_uri(format!("{scheme}://{host}"))?;
        }
        Ok(())
    }
}

/// What went wrong with one AWS call, sorted by what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Slow down and try again.
    Throttled(String),
    /// Nothing will change until the user acts (credentials, permissions, names).
    NeedsFix(String),
    /// Probably passing (network, 5xx): try again later.
    Transient(String),
}

impl Failure {
    /// What went wrong and what to do, for a one-shot check (`thaw doctor`).
    pub fn message(&self) -> &str {
        match self {
            Self::Throttled(m) | Self::NeedsFix(m) | Self::Transient(m) => m,
        }
    }

    /// The same for a source that keeps trying: a transient failure says so.
    pub fn while_retrying(&self) -> String {
        match self {
            Self::Transient(m) => format!("{m}; retrying"),
            Self::Throttled(m) | Self::NeedsFix(m) => m.clone(),
        }
    }
}

/// Explains a failed call of `action` (`logs:FilterLogEvents`) in one line that names the
/// fix.
pub fn explain<E, R>(err: &SdkError<E, R>, action: &str) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = err.code().unwrap_or_default();
    let detail = err.message().unwrap_or_default();
    classify(code, detail, action).unwrap_or_else(|| match err {
        SdkError::ConstructionFailure(_) => Failure::NeedsFix(format!(
            "{action}: cannot build the request ({}); check --region and --endpoint-url",
            chain(err)
        )),
        SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => Failure::Transient(format!(
            "{action}: cannot reach AWS ({})",
            chain(err)
        )),
        SdkError::DispatchFailure(_) => {
            let text = chain(err);
            if text.contains("credentials") || text.contains("Credentials") {
                Failure::NeedsFix(format!(
                    "{action}: no AWS credentials; run `aws configure` or `aws sso login`, or set AWS_PROFILE"
                ))
            } else {
                Failure::Transient(format!("{action}: {text}"))
            }
        }
        SdkError::TimeoutError(_) => {
            Failure::Transient(format!("{action}: AWS did not answer in time"))
        }
        _ if chain(err).contains("expected map") => Failure::NeedsFix(format!(
            "{action}: the endpoint did not answer in the SDK's protocol (CloudWatch speaks CBOR: moto cannot, LocalStack can)"
        )),
        _ => {
            let code = if code.is_empty() { "error" } else { code };
            let text = if detail.is_empty() {
                chain(err)
            } else {
                detail.to_string()
            };
            Failure::Transient(format!("{action}: {code}: {text}"))
        }
    })
}

/// The fix for an AWS error code, where one is known.
pub fn classify(code: &str, detail: &str, action: &str) -> Option<Failure> {
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    };
    Some(match code {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
            Failure::NeedsFix(format!(
                "{action} denied{detail}: allow {action} in the IAM policy (README: Watch a real function)"
            ))
        }
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => Failure::NeedsFix(format!(
            "AWS credentials expired{detail}: refresh them (aws sso login, or new keys)"
        )),
        "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "MissingAuthenticationToken" => Failure::NeedsFix(format!(
            "AWS rejected the credentials{detail}: check AWS_PROFILE or the access keys"
        )),
        "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "LimitExceededException" => {
            Failure::Throttled(format!("{action} throttled by AWS; backing off"))
        }
        "ResourceNotFoundException" | "ResourceNotFound" => Failure::NeedsFix(format!(
            "{action}: not found{detail}; check --function and --region (or pass --log-group)"
        )),
        "InvalidParameterException"
        | "InvalidParameterValue"
        | "InvalidParameterCombination"
        | "ValidationException"
        | "ValidationError" => {
            Failure::NeedsFix(format!("{action}: AWS refused the request{detail}"))
        }
        _ => return None,
    })
}

/// An error and its causes on one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// Waiting between attempts: the normal interval while calls succeed, doubling up to a
/// minute while they are throttled or failing.
#[derive(Debug, Clone)]
pub struct Backoff {
    normal: Duration,
    current: Duration,
}

impl Backoff {
    pub const MAX: Duration = Duration::from_secs(60);

    pub fn new(normal: Duration) -> Self {
        Self {
            normal,
            current: normal,
        }
    }

    pub fn ok(&mut self) -> Duration {
        self.current = self.normal;
        self.normal
    }

    pub fn failed(&mut self) -> Duration {
        self.current = (self.current * 2).clamp(Duration::from_secs(1), Self::MAX);
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_name_the_fix() {
        let denied = classify(
            "AccessDeniedException",
            "User: x is not authorized",
            "logs:FilterLogEvents",
        );
        assert!(
            matches!(&denied, Some(Failure::NeedsFix(m)) if m.contains("allow logs:FilterLogEvents")),
            "{denied:?}"
        );
        assert!(matches!(
            classify("ThrottlingException", "", "cloudwatch:GetMetricData"),
            Some(Failure::Throttled(_))
        ));
        assert!(matches!(
            classify("ExpiredTokenException", "", "x"),
            Some(Failure::NeedsFix(m)) if m.contains("expired")
        ));
        assert!(matches!(
            classify("ResourceNotFoundException", "The specified log group does not exist.", "logs:FilterLogEvents"),
            Some(Failure::NeedsFix(m)) if m.contains("--log-group")
        ));
        assert_eq!(classify("SomethingNew", "", "x"), None);
    }

    #[test]
    fn backoff_doubles_to_a_minute_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(2));
        assert_eq!(b.failed(), Duration::from_secs(4));
        assert_eq!(b.failed(), Duration::from_secs(8));
        for _ in 0..10 {
            b.failed();
        }
        assert_eq!(b.failed(), Backoff::MAX);
        assert_eq!(b.ok(), Duration::from_secs(2));
    }
}
