//! CloudWatch Logs' read API for the emulator's own function, on the gateway's port:
//! `DescribeLogGroups` and `FilterLogEvents` (JSON 1.1, `X-Amz-Target:
//! Logs_20140328.*`), answered from the lines the emulator writes, with AWS's quotas:
//! FilterLogEvents' 5 calls a second (`ThrottlingException`), pages of at most 10,000
//! events or 1 MB, and each line searchable only after its ingestion delay
//! (docs/lambda-facts.md §15), each a key of `[emulator.cloudwatch]`. So thaw's logs source reads the emulator through the same
//! code, and under the same limits, as it reads AWS. `StartLiveTail` is answered with an
//! error for now: the source then polls.

pub mod pattern;
pub mod store;

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use self::pattern::Pattern;
use self::store::{LogStore, Query};
use super::front::Response;
use super::token_bucket::TokenBucket;
use crate::config::CloudWatchConfig;

/// The prefix of the `X-Amz-Target` of CloudWatch Logs' calls.
pub const TARGET_PREFIX: &str = "Logs_20140328.";
/// The largest request body read.
pub const MAX_REQUEST: usize = 1 << 20;

/// A CloudWatch Logs call the emulator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogsOp {
    DescribeLogGroups,
    FilterLogEvents,
    StartLiveTail,
}

impl LogsOp {
    /// The call an `X-Amz-Target` names: `None` when it is not CloudWatch Logs', an
    /// error naming it when it is a Logs call the emulator does not answer.
    pub fn of(target: &str) -> Option<Result<Self, String>> {
        let name = target.strip_prefix(TARGET_PREFIX)?;
        Some(match name {
            "DescribeLogGroups" => Ok(Self::DescribeLogGroups),
            "FilterLogEvents" => Ok(Self::FilterLogEvents),
            "StartLiveTail" => Ok(Self::StartLiveTail),
            other => Err(format!(
                "{other} is not a CloudWatch Logs call the thaw emulator answers (it answers DescribeLogGroups and FilterLogEvents)"
            )),
        })
    }
}

/// The function's log group, as the platform keeps it.
#[derive(Debug)]
pub struct Logs {
    store: LogStore,
    filter_calls: TokenBucket,
    page_events: usize,
    page_bytes: usize,
    group: String,
    arn: String,
}

impl Logs {
    pub fn new(
        cfg: &CloudWatchConfig,
        function: &str,
        region: &str,
        account: &str,
        seed: Option<u64>,
    ) -> Self {
        let group = format!("/aws/lambda/{function}");
        let delay = (cfg.ingestion_delay_min_ms, cfg.ingestion_delay_max_ms);
        Self {
            store: LogStore::new(cfg.stored_lines as usize, delay, seed),
            filter_calls: TokenBucket::new(
                cfg.filter_calls_per_s,
                f64::from(cfg.filter_calls_per_s),
                Duration::ZERO,
            ),
            page_events: cfg.page_events as usize,
            page_bytes: cfg.page_bytes as usize,
            arn: format!("arn:aws:logs:{region}:{account}:log-group:{group}"),
            group,
        }
    }

    /// A line the function wrote on `stream` at `timestamp_ms`.
    pub fn push(&mut self, stream: &str, timestamp_ms: i64, message: &str) {
        self.store.push(stream, timestamp_ms, message);
    }

    /// Answers one call at `now` (the platform's clock) and `now_ms` (wall).
    pub fn answer(&mut self, op: LogsOp, body: &[u8], now: Duration, now_ms: i64) -> Response {
        let answer = match op {
            LogsOp::DescribeLogGroups => self.describe(body),
            LogsOp::FilterLogEvents => self.filter(body, now, now_ms),
            LogsOp::StartLiveTail => Err(LogsError::new(
                "InvalidOperationException",
                "the thaw emulator does not stream Live Tail yet: poll FilterLogEvents",
            )),
        };
        match answer {
            Ok(v) => Response {
                status: 200,
                headers: vec![("content-type".into(), CONTENT_TYPE.into())],
                body: v.to_string().into_bytes(),
            },
            Err(e) => e.response(),
        }
    }

    fn describe(&self, body: &[u8]) -> Result<Value, LogsError> {
        let r: DescribeRequest = read(body)?;
        let shown = !self.store.is_empty()
            && r.log_group_name_prefix
                .as_ref()
                .is_none_or(|p| self.group.starts_with(p.as_str()))
            && r.log_group_name_pattern
                .as_ref()
                .is_none_or(|p| self.group.contains(p.as_str()));
        let groups: Vec<Value> = shown
            .then(|| {
                json!({
                    "logGroupName": self.group,
                    "creationTime": self.store.created_ms,
                    "storedBytes": self.store.stored_bytes,
                    "arn": format!("{}:*", self.arn),
                    "logGroupArn": self.arn,
                    "logGroupClass": "STANDARD",
                })
            })
            .into_iter()
            .collect();
        Ok(json!({ "logGroups": groups }))
    }

    fn filter(&mut self, body: &[u8], now: Duration, now_ms: i64) -> Result<Value, LogsError> {
        if !self.filter_calls.try_take(now) {
            return Err(LogsError::new("ThrottlingException", "Rate exceeded"));
        }
        let r: FilterRequest = read(body)?;
        let named = r
            .log_group_name
            .as_deref()
            .or(r.log_group_identifier.as_deref());
        let ours = named.is_some_and(|n| {
            n == self.group || n == self.arn || n.strip_suffix(":*") == Some(self.arn.as_str())
        });
        if !ours || self.store.is_empty() {
            return Err(LogsError::new(
                "ResourceNotFoundException",
                "The specified log group does not exist.",
            ));
        }
        let q = Query {
            streams: r.log_stream_names,
            stream_prefix: r.log_stream_name_prefix,
            start_ms: r.start_time,
            end_ms: r.end_time,
            after: r.next_token.as_deref().map(token).transpose()?,
            limit: r
                .limit
                .unwrap_or(self.page_events)
                .clamp(1, self.page_events),
            pattern: Pattern::parse(r.filter_pattern.as_deref().unwrap_or(""))
                .map_err(|e| LogsError::new("InvalidParameterException", &e))?,
        };
        let page = self.store.filter(&q, now_ms, self.page_bytes);
        let events: Vec<Value> = page
            .events
            .iter()
            .map(|e| {
                json!({
                    "logStreamName": &*e.stream,
                    "timestamp": e.timestamp_ms,
                    "message": e.message,
                    "ingestionTime": e.ingested_ms,
                    "eventId": format!("{:056}", e.id),
                })
            })
            .collect();
        let mut v = json!({ "events": events, "searchedLogStreams": [] });
        if let Some((ms, id)) = page.next {
            v["nextToken"] = json!(format!("thaw/{ms}/{id}"));
        }
        Ok(v)
    }
}

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Reads a `nextToken` the emulator gave.
fn token(t: &str) -> Result<(i64, u64), LogsError> {
    let bad = || {
        LogsError::new(
            "InvalidParameterException",
            "The specified nextToken is invalid.",
        )
    };
    let rest = t.strip_prefix("thaw/").ok_or_else(bad)?;
    let (ms, id) = rest.split_once('/').ok_or_else(bad)?;
    Ok((
        ms.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

fn read<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, LogsError> {
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        LogsError::new(
            "InvalidParameterException",
            &format!("the request is not a CloudWatch Logs request: {e}"),
        )
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeRequest {
    log_group_name_prefix: Option<String>,
    log_group_name_pattern: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FilterRequest {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_names: Option<Vec<String>>,
    log_stream_name_prefix: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    filter_pattern: Option<String>,
    next_token: Option<String>,
    limit: Option<usize>,
}

/// An error as CloudWatch Logs answers it (JSON 1.1: `__type` and `message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsError {
    code: &'static str,
    message: String,
}

impl LogsError {
    pub fn new(code: &'static str, message: &str) -> Self {
        Self {
            code,
            message: message.to_string(),
        }
    }

    pub fn response(&self) -> Response {
        Response {
            status: 400,
            headers: vec![
                ("content-type".into(), CONTENT_TYPE.into()),
                ("x-amzn-errortype".into(), self.code.into()),
            ],
            body: json!({ "__type": self.code, "message": self.message })
                .to_string()
                .into_bytes(),
        }
    }
}

#[cfg(test)]
mod tests;
