//! Lambda's and CloudWatch's own names, said once: how a function is invoked and the
//! metrics thaw reads and writes. The emulator, the sources, the fold and the screen all
//! spell them through these types, so a misspelt metric does not compile.

use std::fmt;

/// `X-Amz-Invocation-Type`: how the Invoke API runs a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "app", derive(clap::ValueEnum))]
pub enum InvocationType {
    /// Synchronous: the answer carries the payload and the Tail log
    #[default]
    #[cfg_attr(feature = "app", value(name = "RequestResponse"))]
    RequestResponse,
    /// Queued: 202 at once; the function runs later
    #[cfg_attr(feature = "app", value(name = "Event"))]
    Event,
    /// Checks the request and permissions only: 204
    #[cfg_attr(feature = "app", value(name = "DryRun"))]
    DryRun,
}

impl InvocationType {
    pub const ALL: [Self; 3] = [Self::RequestResponse, Self::Event, Self::DryRun];

    /// As the header spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestResponse => "RequestResponse",
            Self::Event => "Event",
            Self::DryRun => "DryRun",
        }
    }

    /// The header's value, exactly as Lambda accepts it (case matters).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// `AWS/Lambda`.
pub const LAMBDA_NAMESPACE: &str = "AWS/Lambda";
/// `AWS/ApiGateway`.
pub const API_NAMESPACE: &str = "AWS/ApiGateway";

/// A CloudWatch metric thaw knows by name: Lambda's function metrics and API Gateway's.
/// (Lambda Web Functions publish under their own namespace, read by name as they come.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    ConcurrentExecutions,
    Duration,
    Invocations,
    Throttles,
    Errors,
    ProvisionedConcurrentExecutions,
    ProvisionedConcurrencyInvocations,
    ProvisionedConcurrencySpilloverInvocations,
    ProvisionedConcurrencyUtilization,
    /// API Gateway's requests.
    Count,
    Latency,
    IntegrationLatency,
    /// A REST API's server errors (`5XXError`).
    RestServerErrors,
    /// An HTTP API's server errors (`5xx`).
    HttpServerErrors,
}

impl Metric {
    pub const ALL: [Self; 14] = [
        Self::ConcurrentExecutions,
        Self::Duration,
        Self::Invocations,
        Self::Throttles,
        Self::Errors,
        Self::ProvisionedConcurrentExecutions,
        Self::ProvisionedConcurrencyInvocations,
        Self::ProvisionedConcurrencySpilloverInvocations,
        Self::ProvisionedConcurrencyUtilization,
        Self::Count,
        Self::Latency,
        Self::IntegrationLatency,
        Self::RestServerErrors,
        Self::HttpServerErrors,
    ];

    /// The metric's name as CloudWatch spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::ConcurrentExecutions => "ConcurrentExecutions",
            Self::Duration => "Duration",
            Self::Invocations => "Invocations",
            Self::Throttles => "Throttles",
            Self::Errors => "Errors",
            Self::ProvisionedConcurrentExecutions => "ProvisionedConcurrentExecutions",
            Self::ProvisionedConcurrencyInvocations => "ProvisionedConcurrencyInvocations",
            Self::ProvisionedConcurrencySpilloverInvocations => {
                "ProvisionedConcurrencySpilloverInvocations"
            }
            Self::ProvisionedConcurrencyUtilization => "ProvisionedConcurrencyUtilization",
            Self::Count => "Count",
            Self::Latency => "Latency",
            Self::IntegrationLatency => "IntegrationLatency",
            Self::RestServerErrors => "5XXError",
            Self::HttpServerErrors => "5xx",
        }
    }

    pub fn namespace(self) -> &'static str {
        match self {
            Self::Count
            | Self::Latency
            | Self::IntegrationLatency
            | Self::RestServerErrors
            | Self::HttpServerErrors => API_NAMESPACE,
            _ => LAMBDA_NAMESPACE,
        }
    }

    /// The metric a namespace and name stand for, if thaw knows it.
    pub fn of(namespace: &str, name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == name && m.namespace() == namespace)
    }

    /// A short label for a narrow panel.
    pub fn label(self) -> &'static str {
        match self {
            Self::ConcurrentExecutions => "Concurrent",
            Self::ProvisionedConcurrentExecutions => "PC concurrent",
            Self::ProvisionedConcurrencySpilloverInvocations => "PC spillover",
            Self::ProvisionedConcurrencyInvocations => "PC invocations",
            Self::ProvisionedConcurrencyUtilization => "PC utilization",
            other => other.name(),
        }
    }

    /// Its values are milliseconds.
    pub fn is_time(self) -> bool {
        matches!(
            self,
            Self::Duration | Self::Latency | Self::IntegrationLatency
        )
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_found_by_its_names() {
        for m in Metric::ALL {
            assert_eq!(Metric::of(m.namespace(), m.name()), Some(m));
        }
        // Names are per namespace: Lambda has no `Count`.
        assert_eq!(Metric::of(LAMBDA_NAMESPACE, "Count"), None);
        assert_eq!(Metric::of("AWS/Lambda/Web", "Duration"), None);
    }

    #[test]
    fn invocation_types_read_as_lambda_spells_them() {
        for t in InvocationType::ALL {
            assert_eq!(InvocationType::parse(t.as_str()), Some(t));
        }
        assert_eq!(InvocationType::parse("event"), None);
    }
}
