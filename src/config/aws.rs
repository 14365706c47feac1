//! `[aws]`: a real function to watch through CloudWatch and CloudWatch Logs.

use serde::{Deserialize, Deserializer, Serialize};

/// `[aws]`: which function, API and account to watch, and how often to ask.
/// Credentials and Region come from the standard chain; these keys override.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AwsConfig {
    /// The function's name; setting it watches AWS instead of running the emulator.
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// A version or alias: metrics for that qualifier only (`Resource` dimension).
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    /// A REST API's name: its `AWS/ApiGateway` Count, Latency and 5XXError.
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub api_name: Option<String>,
    /// An HTTP API's id (HTTP APIs are named by id in CloudWatch).
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub api_id: Option<String>,
    /// The API's stage (all stages when unset).
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Another CloudWatch endpoint (`LocalStack`, moto); `AWS_ENDPOINT_URL` works too.
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// The function's log group, when not `/aws/lambda/<function>`.
    #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    /// Seconds between two `GetMetricData` calls.
    pub metrics_poll_s: u32,
    /// Minutes of metrics each call asks for (late datapoints are updated in place).
    pub metrics_window_min: u32,
    /// Milliseconds between two `FilterLogEvents` polls (when Live Tail is not used).
    pub logs_poll_ms: u32,
    /// Seconds of logs read at start, so recent environments show at once.
    pub logs_lookback_s: u32,
    /// Use `StartLiveTail` when the service offers it.
    pub live_tail: bool,
    /// An environment whose log stream is silent this long is shown reclaimed (Lambda
    /// does not log reclaims).
    pub assume_reclaimed_after_s: u32,
}

impl Default for AwsConfig {
    fn default() -> Self {
        Self {
            function: None,
            qualifier: None,
            api_name: None,
            api_id: None,
            stage: None,
            region: None,
            profile: None,
            endpoint_url: None,
            log_group: None,
            metrics_poll_s: 20,
            metrics_window_min: 15,
            logs_poll_ms: 2000,
            logs_lookback_s: 120,
            live_tail: true,
            assume_reclaimed_after_s: 900,
        }
    }
}

impl AwsConfig {
    /// The log group Lambda writes to unless the function says otherwise.
    pub fn log_group_name(&self) -> Option<String> {
        self.log_group
            .clone()
            .or_else(|| self.function.as_ref().map(|f| format!("/aws/lambda/{f}")))
    }
}

/// A string key that may be typed as a number (`qualifier = 7`, `--qualifier 7`).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        S(String),
        I(i64),
        F(f64),
    }
    Ok(Some(match Text::deserialize(d)? {
        Text::S(s) => s,
        Text::I(i) => i.to_string(),
        Text::F(f) => f.to_string(),
    }))
}
