//! Lambda's log lines, exactly as CloudWatch Logs shows them, in both formats: plain
//! text (the default) and JSON ("advanced logging controls", Nov 2023).
//!
//! Text fields are tab-separated and REPORT ends with a tab (docs/lambda-facts.md §8).

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::config::LogFormat;
use crate::event::{InitType, InvokeOutcome};

/// The log stream of one environment: `YYYY/MM/DD/[$LATEST]<32 hex>`.
pub fn stream_name(wall_us: i64, env_hex: &str) -> String {
    let day = rfc3339(wall_us);
    // "2026-11-23T..." -> "2026/11/23"
    let date = day.get(..10).unwrap_or("1970-01-01").replace('-', "/");
    format!("{date}/[$LATEST]{env_hex}")
}

/// `2026-11-23T10:00:00.123Z`.
pub fn rfc3339(wall_us: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_micros(u64::try_from(wall_us).unwrap_or(0));
    humantime::format_rfc3339_millis(t).to_string()
}

/// What a REPORT line says about one invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Report<'a> {
    pub request_id: &'a str,
    pub duration_ms: f64,
    pub billed_ms: u64,
    pub memory_mb: u32,
    pub max_memory_used_mb: u32,
    /// `Init Duration` (or `Restore Duration` when `restore`).
    pub init_ms: Option<f64>,
    pub restore: bool,
    pub outcome: InvokeOutcome,
}

/// Writes one function's platform log lines in the configured format.
#[derive(Debug, Clone)]
pub struct LogWriter {
    pub format: LogFormat,
    pub function_name: String,
    pub region: String,
    pub runtime_version: &'static str,
}

impl LogWriter {
    fn json(wall_us: i64, kind: &str, record: &serde_json::Value) -> String {
        json!({"time": rfc3339(wall_us), "type": kind, "record": record}).to_string()
    }

    fn runtime_version_arn(&self) -> String {
        // A stable stand-in for the 64-hex runtime build hash Lambda prints.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut hex = String::with_capacity(64);
        for round in 0..4u8 {
            for b in self.runtime_version.bytes().chain([round]) {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
            let _ = write!(hex, "{h:016x}");
        }
        format!("arn:aws:lambda:{}::runtime:{hex}", self.region)
    }

    pub fn init_start(&self, wall_us: i64, init_type: InitType) -> String {
        match self.format {
            LogFormat::Text => format!(
                "INIT_START Runtime Version: {}\tRuntime Version ARN: {}",
                self.runtime_version,
                self.runtime_version_arn()
            ),
            LogFormat::Json => Self::json(
                wall_us,
                "platform.initStart",
                &json!({
                    "initializationType": init_type.as_str(),
                    "phase": "init",
                    "runtimeVersion": self.runtime_version,
                    "runtimeVersionArn": self.runtime_version_arn(),
                    "functionName": self.function_name,
                    "functionVersion": "$LATEST",
                }),
            ),
        }
    }

    /// `INIT_REPORT`: only when Init failed or timed out (a successful Init is reported in
    /// the first REPORT's `Init Duration`).
    pub fn init_report(&self, wall_us: i64, init_ms: f64, phase: &str, error_type: &str) -> String {
        match self.format {
            LogFormat::Text => format!(
                "INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: {phase}\tStatus: error\tError Type: {error_type}"
            ),
            LogFormat::Json => Self::json(
                wall_us,
                "platform.initReport",
                &json!({
                    "initializationType": "on-demand",
                    "phase": phase,
                    "status": "error",
                    "errorType": error_type,
                    "metrics": {"durationMs": round3(init_ms)},
                }),
            ),
        }
    }

    /// An on-demand Init cut at the 10 s cap (retried inside the first invocation).
    pub fn init_timed_out(&self, wall_us: i64, init_ms: f64) -> String {
        match self.format {
            LogFormat::Text => {
                format!("INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: init\tStatus: timeout")
            }
            LogFormat::Json => Self::json(
                wall_us,
                "platform.initReport",
                &json!({
                    "initializationType": "on-demand",
                    "phase": "init",
                    "status": "timeout",
                    "metrics": {"durationMs": round3(init_ms)},
                }),
            ),
        }
    }

    pub fn start(&self, wall_us: i64, request_id: &str) -> String {
        match self.format {
            LogFormat::Text => format!("START RequestId: {request_id} Version: $LATEST"),
            LogFormat::Json => Self::json(
                wall_us,
                "platform.start",
                &json!({"requestId": request_id, "version": "$LATEST"}),
            ),
        }
    }

    pub fn end(&self, wall_us: i64, request_id: &str, outcome: InvokeOutcome) -> String {
        match self.format {
            LogFormat::Text => format!("END RequestId: {request_id}"),
            LogFormat::Json => Self::json(
                wall_us,
                "platform.runtimeDone",
                &json!({"requestId": request_id, "status": status(outcome)}),
            ),
        }
    }

    pub fn report(&self, wall_us: i64, r: &Report<'_>) -> String {
        match self.format {
            LogFormat::Text => {
                let mut line = format!(
                    "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
                    r.request_id, r.duration_ms, r.billed_ms, r.memory_mb, r.max_memory_used_mb
                );
                match (r.init_ms, r.restore) {
                    (Some(ms), true) => {
                        let _ = write!(
                            line,
                            "Restore Duration: {ms:.2} ms\tBilled Restore Duration: {} ms\t",
                            ms.ceil() as u64
                        );
                    }
                    (Some(ms), false) => {
                        let _ = write!(line, "Init Duration: {ms:.2} ms\t");
                    }
                    (None, _) => {}
                }
                match r.outcome {
                    InvokeOutcome::Success | InvokeOutcome::Error => {}
                    InvokeOutcome::Timeout => line.push_str("Status: timeout\t"),
                    InvokeOutcome::Crash => {
                        line.push_str("Status: error\tError Type: Runtime.ExitError\t");
                    }
                }
                line
            }
            LogFormat::Json => {
                let mut metrics = json!({
                    "durationMs": round3(r.duration_ms),
                    "billedDurationMs": r.billed_ms,
                    "memorySizeMB": r.memory_mb,
                    "maxMemoryUsedMB": r.max_memory_used_mb,
                });
                if let (Some(ms), Some(m)) = (r.init_ms, metrics.as_object_mut()) {
                    let key = if r.restore {
                        "restoreDurationMs"
                    } else {
                        "initDurationMs"
                    };
                    m.insert(key.into(), json!(round3(ms)));
                }
                let mut record = json!({
                    "requestId": r.request_id,
                    "metrics": metrics,
                    "status": status(r.outcome),
                });
                if let (InvokeOutcome::Crash, Some(m)) = (r.outcome, record.as_object_mut()) {
                    m.insert("errorType".into(), json!("Runtime.ExitError"));
                }
                Self::json(wall_us, "platform.report", &record)
            }
        }
    }

    /// The line Lambda writes when the function timeout ends an invocation.
    pub fn timed_out(&self, wall_us: i64, request_id: &str, timeout_s: f64) -> String {
        let message = format!("Task timed out after {timeout_s:.2} seconds");
        match self.format {
            LogFormat::Text => format!("{} {request_id} {message}", rfc3339(wall_us)),
            LogFormat::Json => json!({
                "time": rfc3339(wall_us), "type": "function", "requestId": request_id,
                "level": "ERROR", "message": message,
            })
            .to_string(),
        }
    }

    /// The lines Lambda writes when the runtime process exits mid-invocation.
    pub fn runtime_exited(&self, wall_us: i64, request_id: &str) -> Vec<String> {
        let message =
            format!("RequestId: {request_id} Error: Runtime exited with error: signal: killed");
        match self.format {
            LogFormat::Text => vec![message, "Runtime.ExitError".into()],
            LogFormat::Json => vec![
                json!({
                    "time": rfc3339(wall_us), "type": "function", "requestId": request_id,
                    "level": "ERROR", "errorType": "Runtime.ExitError", "message": message,
                })
                .to_string(),
            ],
        }
    }

    /// The line a Node.js function writes when its handler throws.
    pub fn function_error(&self, wall_us: i64, request_id: &str, message: &str) -> String {
        let error = json!({"errorType": "Error", "errorMessage": message, "stackTrace": []});
        match self.format {
            LogFormat::Text => format!(
                "{}\t{request_id}\tERROR\tInvoke Error \t{error}",
                rfc3339(wall_us)
            ),
            LogFormat::Json => json!({
                "time": rfc3339(wall_us), "type": "function", "requestId": request_id,
                "level": "ERROR", "message": "Invoke Error", "errorType": "Error",
                "errorMessage": message,
            })
            .to_string(),
        }
    }
}

fn status(outcome: InvokeOutcome) -> &'static str {
    match outcome {
        InvokeOutcome::Success => "success",
        InvokeOutcome::Error | InvokeOutcome::Crash => "error",
        InvokeOutcome::Timeout => "timeout",
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Wall time of a `SystemTime`, in Unix microseconds.
pub fn wall_us(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WALL: i64 = 1_795_436_400_123_000; // 2026-11-23T12:20:00.123Z

    fn writer(format: LogFormat) -> LogWriter {
        LogWriter {
            format,
            function_name: "f".into(),
            region: "eu-west-1".into(),
            runtime_version: "python:3.13.v44",
        }
    }

    fn report(init_ms: Option<f64>, outcome: InvokeOutcome) -> Report<'static> {
        Report {
            request_id: "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
            duration_ms: 15.744,
            billed_ms: 146,
            memory_mb: 128,
            max_memory_used_mb: 56,
            init_ms,
            restore: false,
            outcome,
        }
    }

    #[test]
    fn stream_names_follow_lambda() {
        assert_eq!(
            stream_name(WALL, "3893a1b27fac4485b47bb75b671a283c"),
            "2026/11/23/[$LATEST]3893a1b27fac4485b47bb75b671a283c"
        );
    }

    #[test]
    fn text_report_is_tab_separated_with_trailing_tab() {
        let w = writer(LogFormat::Text);
        assert_eq!(
            w.report(WALL, &report(Some(130.489), InvokeOutcome::Success)),
            "REPORT RequestId: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\tDuration: 15.74 ms\t\
             Billed Duration: 146 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t\
             Init Duration: 130.49 ms\t"
        );
        assert!(
            w.report(WALL, &report(None, InvokeOutcome::Timeout))
                .ends_with("Max Memory Used: 56 MB\tStatus: timeout\t")
        );
        assert_eq!(
            w.start(WALL, "abc"),
            "START RequestId: abc Version: $LATEST"
        );
        assert_eq!(
            w.timed_out(WALL, "abc", 3.0),
            "2026-11-23T12:20:00.123Z abc Task timed out after 3.00 seconds"
        );
        assert!(
            w.init_start(WALL, InitType::OnDemand)
                .starts_with("INIT_START Runtime Version: python:3.13.v44\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:")
        );
    }

    #[test]
    fn json_report_has_float_metrics_and_status() {
        let w = writer(LogFormat::Json);
        let line = w.report(WALL, &report(Some(130.489), InvokeOutcome::Success));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["type"], "platform.report");
        assert_eq!(v["time"], "2026-11-23T12:20:00.123Z");
        assert_eq!(v["record"]["metrics"]["durationMs"], 15.744);
        assert_eq!(v["record"]["metrics"]["initDurationMs"], 130.489);
        assert_eq!(v["record"]["metrics"]["billedDurationMs"], 146);
        assert_eq!(v["record"]["status"], "success");
        let start: serde_json::Value = serde_json::from_str(&w.start(WALL, "r")).unwrap();
        assert_eq!(start["record"]["requestId"], "r");
    }
}
