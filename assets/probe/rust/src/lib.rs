//! thaw's probe function for Rust: answers every request with the probe headers, so
//! `thaw` knows exactly which execution environment served it and whether it was cold.
//!
//! - `x-thaw-env`: the environment's id (its log stream's suffix, made at init)
//! - `x-thaw-cold`: true on the first invocation of an on-demand environment
//! - `x-thaw-init-ms`: the Init phase, from the process's start to the runtime's first
//!   poll for work
//! - `x-thaw-invocations`: invocations this environment has served, this one included
//! - `x-thaw-init-type`: `AWS_LAMBDA_INITIALIZATION_TYPE`
//!
//! `?sleep_ms=N` holds the request N ms (at most 10 s), so a burst's requests overlap.

use std::time::Duration;

use serde_json::{Value, json};

/// One execution environment's probe state, made once at Init.
#[derive(Debug, Clone)]
pub struct Probe {
    pub env: String,
    pub init_ms: f64,
    pub init_type: String,
    pub invocations: u64,
}

impl Probe {
    /// From the variables Lambda sets; `random` supplies an id when there is no log
    /// stream name (SnapStart).
    pub fn new(stream: Option<&str>, init_type: Option<&str>, init_ms: f64, random: u128) -> Self {
        let env = stream
            .and_then(|s| s.rsplit_once(']'))
            .map(|(_, hex)| hex.to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| format!("{random:032x}"));
        Self {
            env,
            init_ms,
            init_type: init_type.unwrap_or("on-demand").to_string(),
            invocations: 0,
        }
    }

    /// How long the request asks to be held (`?sleep_ms=`, at most 10 s).
    pub fn sleep(event: &Value) -> Duration {
        let ms = event
            .get("queryStringParameters")
            .and_then(|q| q.get("sleep_ms"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        Duration::from_millis(ms.min(10_000))
    }

    /// Counts one invocation and returns the API Gateway proxy response for it.
    pub fn respond(&mut self) -> Value {
        self.invocations += 1;
        // Provisioned environments initialized ahead of time: none of their requests waited.
        let cold = self.invocations == 1 && self.init_type != "provisioned-concurrency";
        let init_ms = (self.init_ms * 100.0).round() / 100.0;
        let body = json!({
            "env": self.env, "cold": cold, "initMs": init_ms,
            "invocations": self.invocations, "initType": self.init_type,
        });
        json!({
            "statusCode": 200,
            "headers": {
                "content-type": "application/json",
                "x-thaw-env": self.env,
                "x-thaw-cold": cold.to_string(),
                "x-thaw-init-ms": format!("{init_ms:.2}"),
                "x-thaw-invocations": self.invocations.to_string(),
                "x-thaw-init-type": self.init_type,
            },
            "body": body.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_answer_is_cold_and_the_next_warm() {
        let mut p = Probe::new(
            Some("2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef"),
            Some("on-demand"),
            16.456,
            7,
        );
        let first = p.respond();
        assert_eq!(first["statusCode"], 200);
        let h = &first["headers"];
        assert_eq!(h["x-thaw-env"], "0123456789abcdef0123456789abcdef");
        assert_eq!(h["x-thaw-cold"], "true");
        assert_eq!(h["x-thaw-init-ms"], "16.46");
        assert_eq!(h["x-thaw-invocations"], "1");
        assert_eq!(h["x-thaw-init-type"], "on-demand");
        let body: Value = serde_json::from_str(first["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["cold"], true);
        let second = p.respond();
        assert_eq!(second["headers"]["x-thaw-cold"], "false");
        assert_eq!(second["headers"]["x-thaw-invocations"], "2");
    }

    #[test]
    fn provisioned_environments_are_never_cold_and_ids_fall_back() {
        let mut p = Probe::new(None, Some("provisioned-concurrency"), 0.0, 0xab);
        assert_eq!(p.env, format!("{:032x}", 0xab));
        assert_eq!(p.respond()["headers"]["x-thaw-cold"], "false");
    }

    #[test]
    fn sleep_is_read_from_the_query_and_capped() {
        let ev = |q: Value| json!({ "queryStringParameters": q });
        assert_eq!(Probe::sleep(&ev(json!({"sleep_ms": "250"}))), Duration::from_millis(250));
        assert_eq!(Probe::sleep(&ev(json!({"sleep_ms": "999999"}))), Duration::from_secs(10));
        assert_eq!(Probe::sleep(&ev(json!({"sleep_ms": "x"}))), Duration::ZERO);
        assert_eq!(Probe::sleep(&json!({})), Duration::ZERO);
    }
}
