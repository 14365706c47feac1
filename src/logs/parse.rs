//! Lambda's platform log lines, in both formats (text and JSON), parsed into what they
//! say about an execution environment's lifecycle. Function output is recognised and
//! skipped; a line that looks like a platform line but cannot be read is `Malformed`.
//!
//! Formats: docs/lambda-facts.md §8 (START/END/REPORT with tab-separated fields, `INIT_START`,
//! `INIT_REPORT`, `Task timed out after`, the JSON `platform.*` records).

use serde::Deserialize;

use crate::event::{InitType, InvokeOutcome};

/// What one log line says.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// `INIT_START` / `platform.initStart` (or a SnapStart restore).
    InitStart {
        init_type: InitType,
    },
    /// `INIT_REPORT` / `platform.initReport`: an Init that ended on its own line.
    InitReport {
        init_ms: f64,
        ok: bool,
        /// `init` or `invoke` (an Init retried inside the first invocation).
        phase: String,
        error_type: Option<String>,
    },
    Start {
        request_id: String,
    },
    End {
        request_id: String,
    },
    Report(Report),
    /// `Task timed out after X seconds`.
    Timeout {
        request_id: Option<String>,
        seconds: f64,
    },
    /// Web Functions: the environment is shutting down (`platform.spinDownStart`).
    SpinDown,
    /// A platform line that says nothing about the lifecycle (XRAY, EXTENSION, Web
    /// Functions' `invokeStart`/`invokeSummary`/`invokeReport`, ...).
    Platform,
    /// The function's own output.
    Output,
}

/// A REPORT line's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub request_id: String,
    pub duration_ms: f64,
    pub billed_ms: u64,
    pub memory_mb: u32,
    pub max_memory_used_mb: u32,
    pub init_ms: Option<f64>,
    pub restore_ms: Option<f64>,
    pub outcome: InvokeOutcome,
    pub error_type: Option<String>,
}

impl Report {
    /// This invocation ran (or waited for) Init or a restore: a cold start.
    pub fn cold(&self) -> bool {
        self.init_ms.is_some() || self.restore_ms.is_some()
    }
}

/// Why a platform-looking line could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Parses one log event's message (any trailing newline is ignored).
pub fn parse(message: &str) -> Result<Line, Malformed> {
    let line = message.trim_end_matches(['\n', '\r']);
    if line.starts_with('{') {
        return parse_json(line);
    }
    let (word, rest) = line.split_once([' ', '\t']).unwrap_or((line, ""));
    match word {
        "START" => {
            let id = field(rest, "RequestId").ok_or(Malformed("START without RequestId"))?;
            Ok(Line::Start {
                request_id: first_word(id)?.to_string(),
            })
        }
        "END" => {
            let id = field(rest, "RequestId").ok_or(Malformed("END without RequestId"))?;
            Ok(Line::End {
                request_id: first_word(id)?.to_string(),
            })
        }
        "REPORT" => text_report(rest).map(Line::Report),
        "INIT_START" => Ok(Line::InitStart {
            init_type: InitType::OnDemand,
        }),
        "RESTORE_START" => Ok(Line::InitStart {
            init_type: InitType::SnapStart,
        }),
        "INIT_REPORT" => {
            let init_ms = field(rest, "Init Duration")
                .and_then(millis)
                .ok_or(Malformed("INIT_REPORT without Init Duration"))?;
            let status = field(rest, "Status").unwrap_or("success");
            Ok(Line::InitReport {
                init_ms,
                ok: status == "success",
                phase: field(rest, "Phase").unwrap_or("init").to_string(),
                error_type: field(rest, "Error Type").map(str::to_string),
            })
        }
        "RESTORE_REPORT" | "XRAY" | "EXTENSION" | "TELEMETRY" | "LOGS" | "INIT_RUNTIME_DONE" => {
            Ok(Line::Platform)
        }
        _ => Ok(timeout_line(line).unwrap_or(Line::Output)),
    }
}

fn first_word(s: &str) -> Result<&str, Malformed> {
    s.split_whitespace()
        .next()
        .ok_or(Malformed("empty RequestId"))
}

/// `2026-11-23T10:00:03.010Z <request id> Task timed out after 3.00 seconds`.
fn timeout_line(line: &str) -> Option<Line> {
    let (before, after) = line.split_once("Task timed out after ")?;
    let seconds = after.split_whitespace().next()?.parse::<f64>().ok()?;
    let request_id = before
        .split_whitespace()
        .find(|w| looks_like_request_id(w))
        .map(str::to_string);
    Some(Line::Timeout {
        request_id,
        seconds,
    })
}

fn looks_like_request_id(w: &str) -> bool {
    w.len() == 36 && w.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// The labels REPORT and `INIT_REPORT` lines use, longest first so that `Duration` never
/// matches inside `Billed Duration`.
const LABELS: [&str; 13] = [
    "Billed Restore Duration",
    "Restore Duration",
    "Billed Duration",
    "Init Duration",
    "Max Memory Used",
    "Memory Size",
    "Error Type",
    "Runtime Version ARN",
    "Runtime Version",
    "RequestId",
    "Duration",
    "Status",
    "Phase",
];

/// The value of `label` in a line of `Label: value` fields separated by tabs (or, in
/// copies that lost their tabs, by spaces).
fn field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        let Some(found) = LABELS
            .iter()
            .find(|l| rest.starts_with(*l) && rest[l.len()..].starts_with(": "))
        else {
            // Text no label starts (a field this parser does not know): skip to the next.
            rest = &rest[next_label(rest)?..];
            continue;
        };
        let value_start = found.len() + 2;
        let value_end = next_label(&rest[value_start..]).map_or(rest.len(), |i| value_start + i);
        let value = rest[value_start..value_end].trim_matches([' ', '\t']);
        if *found == label {
            return Some(value);
        }
        rest = &rest[value_end..];
    }
}

/// Where the next `Label: ` starts after a separator, if any.
fn next_label(s: &str) -> Option<usize> {
    s.char_indices()
        .filter(|&(_, c)| c == '\t' || c == ' ')
        .map(|(i, _)| i)
        .find(|&i| {
            let after = s[i..].trim_start_matches([' ', '\t']);
            LABELS
                .iter()
                .any(|l| after.starts_with(*l) && after[l.len()..].starts_with(": "))
        })
}

/// `130.49 ms` → 130.49.
fn millis(v: &str) -> Option<f64> {
    let n = v.strip_suffix("ms").unwrap_or(v).trim();
    n.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0)
}

/// `128 MB` → 128.
fn megabytes(v: &str) -> Option<u32> {
    v.strip_suffix("MB").unwrap_or(v).trim().parse().ok()
}

fn text_report(rest: &str) -> Result<Report, Malformed> {
    let request_id =
        first_word(field(rest, "RequestId").ok_or(Malformed("REPORT without RequestId"))?)?;
    let duration_ms = field(rest, "Duration")
        .and_then(millis)
        .ok_or(Malformed("REPORT without a readable Duration"))?;
    let billed_ms = field(rest, "Billed Duration")
        .and_then(millis)
        .unwrap_or_else(|| duration_ms.ceil()) as u64;
    let error_type = field(rest, "Error Type").map(str::to_string);
    let outcome = outcome(field(rest, "Status"), error_type.as_deref());
    Ok(Report {
        request_id: request_id.to_string(),
        duration_ms,
        billed_ms,
        memory_mb: field(rest, "Memory Size").and_then(megabytes).unwrap_or(0),
        max_memory_used_mb: field(rest, "Max Memory Used")
            .and_then(megabytes)
            .unwrap_or(0),
        init_ms: field(rest, "Init Duration").and_then(millis),
        restore_ms: field(rest, "Restore Duration").and_then(millis),
        outcome,
        error_type,
    })
}

fn outcome(status: Option<&str>, error_type: Option<&str>) -> InvokeOutcome {
    match (status, error_type) {
        (Some("timeout"), _) => InvokeOutcome::Timeout,
        (_, Some("Runtime.ExitError")) => InvokeOutcome::Crash,
        (Some("error" | "failure"), _) => InvokeOutcome::Error,
        _ => InvokeOutcome::Success,
    }
}

#[derive(Deserialize)]
struct JsonLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    record: Option<JsonRecord>,
    /// Function output in JSON format carries its message at the top level.
    #[serde(default)]
    message: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct JsonRecord {
    request_id: Option<String>,
    initialization_type: Option<String>,
    phase: Option<String>,
    status: Option<String>,
    error_type: Option<String>,
    metrics: Option<JsonMetrics>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct JsonMetrics {
    duration_ms: Option<f64>,
    billed_duration_ms: Option<f64>,
    #[serde(rename = "memorySizeMB")]
    memory_size_mb: Option<u32>,
    #[serde(rename = "maxMemoryUsedMB")]
    max_memory_used_mb: Option<u32>,
    init_duration_ms: Option<f64>,
    restore_duration_ms: Option<f64>,
}

fn parse_json(line: &str) -> Result<Line, Malformed> {
    let Ok(j) = serde_json::from_str::<JsonLine<'_>>(line) else {
        // The function may print any JSON-ish text; only a broken platform record is ours.
        return if line.contains("\"platform.") {
            Err(Malformed("unreadable platform JSON record"))
        } else {
            Ok(Line::Output)
        };
    };
    let kind = j.kind.as_deref().unwrap_or("");
    let Some(event) = kind.strip_prefix("platform.") else {
        if let Some(serde_json::Value::String(m)) = &j.message
            && let Some(t) = timeout_line(m)
        {
            return Ok(match t {
                Line::Timeout { seconds, .. } => Line::Timeout {
                    request_id: json_request_id(line),
                    seconds,
                },
                other => other,
            });
        }
        return Ok(Line::Output);
    };
    let record = j.record.unwrap_or_default();
    let request_id = || {
        record
            .request_id
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or(Malformed("platform record without requestId"))
    };
    match event {
        "initStart" => Ok(Line::InitStart {
            init_type: match record.initialization_type.as_deref() {
                Some("provisioned-concurrency") => InitType::ProvisionedConcurrency,
                Some("snap-start") => InitType::SnapStart,
                _ => InitType::OnDemand,
            },
        }),
        "spinDownStart" => Ok(Line::SpinDown),
        "restoreStart" => Ok(Line::InitStart {
            init_type: InitType::SnapStart,
        }),
        "initReport" => {
            let init_ms = record
                .metrics
                .as_ref()
                .and_then(|m| m.duration_ms)
                .ok_or(Malformed("platform.initReport without metrics.durationMs"))?;
            Ok(Line::InitReport {
                init_ms,
                ok: record.status.as_deref().is_none_or(|s| s == "success"),
                phase: record.phase.clone().unwrap_or_else(|| "init".into()),
                error_type: record.error_type.clone(),
            })
        }
        "start" => Ok(Line::Start {
            request_id: request_id()?,
        }),
        "runtimeDone" => Ok(Line::End {
            request_id: request_id()?,
        }),
        "report" => {
            let request_id = request_id()?;
            let m = record
                .metrics
                .as_ref()
                .ok_or(Malformed("platform.report without metrics"))?;
            let duration_ms = m
                .duration_ms
                .filter(|d| d.is_finite() && *d >= 0.0)
                .ok_or(Malformed("platform.report without metrics.durationMs"))?;
            Ok(Line::Report(Report {
                request_id,
                duration_ms,
                billed_ms: m.billed_duration_ms.unwrap_or_else(|| duration_ms.ceil()) as u64,
                memory_mb: m.memory_size_mb.unwrap_or(0),
                max_memory_used_mb: m.max_memory_used_mb.unwrap_or(0),
                init_ms: m.init_duration_ms,
                restore_ms: m.restore_duration_ms,
                outcome: outcome(record.status.as_deref(), record.error_type.as_deref()),
                error_type: record.error_type.clone(),
            }))
        }
        _ => Ok(Line::Platform),
    }
}

fn json_request_id(line: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v.get("requestId")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests;
