//! `[emulator.cloudwatch]`: how the emulator plays CloudWatch Logs for its function. Each
//! default is AWS's figure (docs/lambda-facts.md §15); a demo can make CloudWatch slower
//! or stricter than it is, a test quicker.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CloudWatchConfig {
    /// `FilterLogEvents` calls a second (AWS: 5 per account and Region, a hard limit).
    pub filter_calls_per_s: u32,
    /// A page holds at most this many events (AWS: 10,000) ...
    pub page_events: u32,
    /// ... or this many bytes (AWS: 1 MB).
    pub page_bytes: u32,
    /// A line becomes searchable this long after its timestamp, drawn evenly between the
    /// two (AWS publishes no figure; seconds are usual).
    pub ingestion_delay_min_ms: u64,
    pub ingestion_delay_max_ms: u64,
    /// Lines kept in all; the oldest go first.
    pub stored_lines: u32,
}

impl Default for CloudWatchConfig {
    fn default() -> Self {
        Self {
            filter_calls_per_s: 5,
            page_events: 10_000,
            page_bytes: 1_048_576,
            ingestion_delay_min_ms: 200,
            ingestion_delay_max_ms: 3_000,
            stored_lines: 200_000,
        }
    }
}
