//! Cold or warm, per response: exact from the probe headers when the function sends them,
//! otherwise inferred from latency against the warm baseline observed so far (and marked
//! as inferred wherever it is shown).

use std::time::Duration;

use crate::event::{Classification, ProbeFields};
use crate::ids::EnvId;
use crate::probe;

/// Longest environment id accepted from a probe header.
const MAX_ENV_ID: usize = 128;

/// Reads the probe headers of a response. `header` looks a header up by its lower-case
/// name. A malformed value is ignored (the field is absent), never an error: endpoints
/// may send anything.
pub fn probe_fields<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Option<ProbeFields> {
    let env = header(probe::ENV)?.trim();
    if !valid_env(env) {
        return None;
    }
    let cold = header(probe::COLD)
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "true" || v == "1");
    let init_ms = header(probe::INIT_MS)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0);
    let invocations = header(probe::INVOCATIONS).and_then(|v| v.trim().parse::<u64>().ok());
    Some(ProbeFields {
        env: EnvId(env.to_string()),
        cold,
        init_ms,
        invocations,
    })
}

/// What a Lambda API answer says of its invocation: the `Tail` log's REPORT (cold when
/// it has an `Init Duration` or a `Restore Duration`), and the environment when the
/// payload names it (`{"environment": ...}`, as the probe functions and the emulator's
/// builtin function answer a direct invocation).
#[derive(Debug, Clone, PartialEq)]
pub struct TailReport {
    pub cold: bool,
    pub init_ms: Option<f64>,
    /// What the invocation was billed: its duration and memory.
    pub billed_ms: u64,
    pub memory_mb: u32,
}

/// Reads `X-Amz-Log-Result` (base64 of the invocation's last 4 KB of log). `None` when
/// it holds no REPORT: nothing is known then.
pub fn tail_report(log_result: &str) -> Option<TailReport> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(log_result.trim())
        .ok()?;
    let text = String::from_utf8_lossy(&raw);
    text.lines()
        .rev()
        .find_map(|line| match crate::logs::parse::parse(line).ok()? {
            crate::logs::parse::Line::Report(r) => Some(TailReport {
                cold: r.cold(),
                init_ms: r.init_ms.or(r.restore_ms),
                billed_ms: r.billed_ms,
                memory_mb: r.memory_mb,
            }),
            _ => None,
        })
}

/// The environment a direct invocation's JSON payload names, if it names one.
pub fn payload_env(body: &[u8]) -> Option<EnvId> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    // The emulator's builtin function names it; a probe function answering a direct
    // invocation in its proxy shape carries its probe headers in the payload.
    let env = v
        .get("environment")
        .or_else(|| v.get("headers")?.get(probe::ENV))?
        .as_str()?;
    valid_env(env).then(|| EnvId(env.to_string()))
}

fn valid_env(env: &str) -> bool {
    !env.is_empty()
        && env.len() <= MAX_ENV_ID
        && env
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/[]$".contains(&b))
}

/// An AWS error, as one short line: the code (`x-amzn-errortype`, without the
/// `:http://...` some services append) and, for a throttle, the body's `Reason`.
pub fn aws_error(code: &str, body: &[u8]) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || ".-_".contains(*c))
            .take(80)
            .collect()
    };
    let code = clean(code.split(':').next().unwrap_or_default());
    let reason = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("Reason")?.as_str().map(clean))
        .filter(|r| !r.is_empty());
    match reason {
        Some(r) => format!("{code} ({r})"),
        None => code,
    }
}

/// Cold or warm, known exactly (a probe, a REPORT).
pub fn exact(cold: bool) -> Classification {
    if cold {
        Classification::Cold
    } else {
        Classification::Warm
    }
}

/// Infers cold or warm from latency when there are no probe headers.
///
/// The warm baseline is the fastest successful response seen so far. A response is taken
/// as cold when it is slower than the baseline by more than the larger of `min_extra` and
/// the baseline itself: an Init adds tens to thousands of milliseconds, while warm
/// latency varies by a fraction of itself.
#[derive(Debug, Clone)]
pub struct Classifier {
    baseline: Option<Duration>,
    min_extra: Duration,
}

impl Default for Classifier {
    fn default() -> Self {
        Self::new(Duration::from_millis(30))
    }
}

impl Classifier {
    pub fn new(min_extra: Duration) -> Self {
        Self {
            baseline: None,
            min_extra,
        }
    }

    pub fn baseline(&self) -> Option<Duration> {
        self.baseline
    }

    /// Classifies one response. `ok` is false for transport errors and error statuses,
    /// which say nothing about Init and are not classified.
    pub fn classify(
        &mut self,
        probe: Option<&ProbeFields>,
        latency: Duration,
        ok: bool,
    ) -> Option<Classification> {
        if let Some(p) = probe {
            return Some(exact(p.cold));
        }
        if !ok {
            return None;
        }
        let baseline = self.baseline.map_or(latency, |b| b.min(latency));
        self.baseline = Some(baseline);
        let threshold = baseline + self.min_extra.max(baseline);
        Some(if latency > threshold {
            Classification::InferredCold
        } else {
            Classification::InferredWarm
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_logs_report_says_cold_or_warm() {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let cold = b64(
            "START RequestId: r1 Version: $LATEST\nEND RequestId: r1\nREPORT RequestId: r1\tDuration: 2.00 ms\tBilled Duration: 140 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 137.50 ms\t\n",
        );
        assert_eq!(
            tail_report(&cold),
            Some(TailReport {
                cold: true,
                init_ms: Some(137.5),
                billed_ms: 140,
                memory_mb: 128,
            })
        );
        let warm = b64(
            "REPORT RequestId: r2\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n",
        );
        assert_eq!(tail_report(&warm).map(|t| t.cold), Some(false));
        assert_eq!(
            tail_report(&b64("START RequestId: r3 Version: $LATEST\n")),
            None
        );
        assert_eq!(tail_report("%%% not base64"), None);
        assert_eq!(
            payload_env(br#"{"environment":"abc123","cold":true}"#),
            Some(EnvId("abc123".into()))
        );
        assert_eq!(payload_env(br#"{"environment":"a b"}"#), None);
        assert_eq!(
            payload_env(br#"{"statusCode":200,"headers":{"x-thaw-env":"e1"},"body":"{}"}"#),
            Some(EnvId("e1".into()))
        );
        assert_eq!(payload_env(b"[1,2]"), None);
    }

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    type Headers = &'static [(&'static str, &'static str)];
    /// (cold, init ms, invocations) as parsed.
    type Parsed = Option<(bool, Option<f64>, Option<u64>)>;

    const ENV32: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn probe_headers_table() {
        let cases: &[(Headers, Parsed)] = &[
            (&[], None),
            (&[("x-thaw-env", ENV32)], Some((false, None, None))),
            (
                &[
                    ("x-thaw-env", ENV32),
                    ("x-thaw-cold", "true"),
                    ("x-thaw-init-ms", "137.25"),
                    ("x-thaw-invocations", "1"),
                ],
                Some((true, Some(137.25), Some(1))),
            ),
            (
                &[("x-thaw-env", ENV32), ("x-thaw-cold", "TRUE")],
                Some((true, None, None)),
            ),
            (
                &[("x-thaw-env", ENV32), ("x-thaw-cold", "yes please")],
                Some((false, None, None)),
            ),
            (
                &[("x-thaw-env", ENV32), ("x-thaw-init-ms", "-4")],
                Some((false, None, None)),
            ),
            (
                &[("x-thaw-env", ENV32), ("x-thaw-init-ms", "NaN")],
                Some((false, None, None)),
            ),
            (
                &[("x-thaw-env", ENV32), ("x-thaw-invocations", "many")],
                Some((false, None, None)),
            ),
            (&[("x-thaw-env", "")], None),
            (&[("x-thaw-env", "has space")], None),
            (&[("x-thaw-env", "<script>")], None),
        ];
        for (headers, want) in cases {
            let got =
                probe_fields(|name| headers.iter().find(|(k, _)| *k == name).map(|(_, v)| *v));
            let got = got.map(|p| (p.cold, p.init_ms, p.invocations));
            assert_eq!(&got, want, "{headers:?}");
        }
        let long = "a".repeat(MAX_ENV_ID + 1);
        assert!(probe_fields(|n| (n == probe::ENV).then_some(long.as_str())).is_none());
    }

    #[test]
    fn inference_table() {
        // (latency ms, ok) in arrival order -> expected class
        let cases: &[(u64, bool, Option<Classification>)] = &[
            (250, true, Some(Classification::InferredWarm)), // first: it is the baseline
            (20, true, Some(Classification::InferredWarm)),  // new, faster baseline
            (45, true, Some(Classification::InferredWarm)),  // within baseline + 30 ms
            (60, true, Some(Classification::InferredCold)),  // beyond 20 + max(30, 20)
            (900, false, None),                              // errors are not classified
            (21, true, Some(Classification::InferredWarm)),
            (180, true, Some(Classification::InferredCold)),
        ];
        let mut c = Classifier::default();
        for (latency, ok, want) in cases {
            assert_eq!(c.classify(None, ms(*latency), *ok), *want, "{latency} ms");
        }
        assert_eq!(c.baseline(), Some(ms(20)));
    }

    #[test]
    fn slow_warm_endpoints_scale_the_threshold() {
        // A 400 ms warm endpoint: 700 ms is still warm (within 2x), 900 ms is cold.
        let mut c = Classifier::default();
        c.classify(None, ms(400), true);
        assert_eq!(
            c.classify(None, ms(700), true),
            Some(Classification::InferredWarm)
        );
        assert_eq!(
            c.classify(None, ms(900), true),
            Some(Classification::InferredCold)
        );
    }

    #[test]
    fn probes_win_over_inference() {
        let mut c = Classifier::default();
        let p = ProbeFields {
            env: EnvId("e".into()),
            cold: false,
            init_ms: None,
            invocations: None,
        };
        assert_eq!(
            c.classify(Some(&p), ms(5000), true),
            Some(Classification::Warm)
        );
        assert_eq!(
            c.baseline(),
            None,
            "probed responses do not move the inferred baseline"
        );
    }
}
