//! The builtin handler: a function whose timing follows the runtime presets, with query
//! parameters that make it hold the environment (`sleep_ms`), fail (`fail`) or crash
//! (`crash`), for demos and tests.

use rand::Rng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, LogNormal};

use crate::config::EmulatorConfig;
use crate::event::{InitType, InvokeOutcome};

use crate::config::runtime::Preset;

/// Longest `sleep_ms` accepted: Lambda's maximum function timeout.
const MAX_SLEEP_MS: f64 = 900_000.0;

/// Where a requested crash happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashAt {
    /// In the Init phase (only on a cold start: a warm environment has no Init to crash).
    Init,
    /// In the handler.
    Invoke,
}

/// What the request asks of the builtin handler.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InvokeParams {
    pub sleep_ms: f64,
    pub fail: bool,
    pub crash: Option<CrashAt>,
    /// A parameter that could not be understood: the function answers 400 saying so.
    pub bad: Option<String>,
    /// The whole request, for a real function (`process` handler): its proxy event.
    pub request: Option<std::sync::Arc<super::proxy::HttpRequest>>,
    /// Invoked through the Lambda API: the payload is the event, as is.
    pub direct: Option<std::sync::Arc<Direct>>,
}

/// An invocation through the Lambda API rather than an API Gateway front.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Direct {
    /// The event, exactly as the caller sent it.
    pub payload: bytes::Bytes,
    /// `X-Amz-Client-Context`, base64, passed to the runtime as is.
    pub client_context: Option<String>,
    /// `X-Amz-Log-Type: Tail`: keep the invocation's log lines for the answer.
    pub tail: bool,
}

impl InvokeParams {
    /// Reads `sleep_ms`, `fail` and `crash` from a direct invocation's JSON payload, as
    /// the builtin function reads them from a query string: `{"sleep_ms": 200}`.
    pub fn from_payload(payload: &serde_json::Value) -> Self {
        let Some(fields) = payload.as_object() else {
            return Self::default();
        };
        let query: Vec<String> = ["sleep_ms", "fail", "crash"]
            .iter()
            .filter_map(|k| {
                let v = fields.get(*k)?;
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                // A value is one query value: `&` would start another parameter.
                let v = if v.contains('&') { "invalid".into() } else { v };
                Some(format!("{k}={v}"))
            })
            .collect();
        Self::from_query(Some(&query.join("&")))
    }
}

impl InvokeParams {
    /// Reads `sleep_ms`, `fail` and `crash` from a query string; other parameters are
    /// the function's business and ignored.
    pub fn from_query(query: Option<&str>) -> Self {
        let mut p = Self::default();
        for pair in query.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "sleep_ms" => match v.parse::<f64>() {
                    Ok(ms) if ms.is_finite() && (0.0..=MAX_SLEEP_MS).contains(&ms) => {
                        p.sleep_ms = ms;
                    }
                    _ => {
                        p.bad = Some(format!(
                            "sleep_ms '{v}' is not a number of milliseconds from 0 to 900000"
                        ));
                    }
                },
                "fail" => match v {
                    "" | "1" | "true" | "yes" => p.fail = true,
                    "0" | "false" | "no" => p.fail = false,
                    _ => p.bad = Some(format!("fail '{v}' is not one of 1, true, 0, false")),
                },
                "crash" => match v {
                    "" | "1" | "true" | "invoke" => p.crash = Some(CrashAt::Invoke),
                    "init" => p.crash = Some(CrashAt::Init),
                    "0" | "false" => p.crash = None,
                    _ => p.bad = Some(format!("crash '{v}' is not one of 1, invoke, init, 0")),
                },
                _ => {}
            }
        }
        p
    }

    pub fn crash_in_init(&self) -> bool {
        self.crash == Some(CrashAt::Init)
    }
}

/// How one invocation will go.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    /// REPORT's Duration.
    pub duration_ms: f64,
    /// How long the environment stays busy: the duration, cut at the function timeout.
    pub runs_ms: f64,
    pub outcome: InvokeOutcome,
    pub status: u16,
    /// An error message (function error, bad parameter); empty on success.
    pub body: String,
    pub memory_used_mb: u32,
    /// A function error's type, to report with it (a process's own error is reported
    /// when it posts it).
    pub error_type: Option<&'static str>,
}

/// A duration with mean `mean` and relative spread `jitter` (log-normal: never negative,
/// a long right tail like real latencies).
pub fn sample(rng: &mut StdRng, mean: f64, jitter: f64) -> f64 {
    if mean <= 0.0 || jitter <= 0.0 {
        return mean.max(0.0);
    }
    let mu = mean.ln() - jitter * jitter / 2.0;
    LogNormal::new(mu, jitter).map_or(mean, |d| d.sample(rng))
}

/// Init Duration (or SnapStart's Restore Duration) of a new environment.
pub fn init_ms(cfg: &EmulatorConfig, rng: &mut StdRng, init_type: InitType) -> f64 {
    let preset = cfg.runtime.preset();
    let mean = cfg
        .init_ms
        .unwrap_or_else(|| Preset::at_memory(preset.init_ms, cfg.memory_mb));
    // Provisioned Init gets no CPU burst and is reported longer than on-demand Init
    // (docs/lambda-facts.md §3); AWS gives no figure, so the factor is an assumption.
    let factor = if init_type == InitType::ProvisionedConcurrency && cfg.init_ms.is_none() {
        1.3
    } else {
        1.0
    };
    sample(rng, mean * factor, cfg.jitter)
}

/// Plans one invocation: `first` is the environment's first (JIT and lazy loading make it
/// slower), `reinit_ms` an Init run inside the invocation after a reset.
/// How an invocation starts, as far as its duration goes.
#[derive(Debug, Clone, Copy)]
pub struct Start {
    /// The environment's first invocation (JIT and lazy loading land here).
    pub first: bool,
    /// Init run again inside this invocation (after a reset).
    pub reinit_ms: f64,
    /// Requests in flight on the environment, this one included: they share its CPU,
    /// so the handler's own work stretches (its `sleep_ms` wait does not).
    pub sharing: u32,
}

pub fn plan(cfg: &EmulatorConfig, rng: &mut StdRng, params: &InvokeParams, start: Start) -> Course {
    let Start {
        first,
        reinit_ms,
        sharing,
    } = start;
    let preset = cfg.runtime.preset();
    let mean = cfg.duration_ms.unwrap_or_else(|| {
        let pair = if first {
            preset.first_invoke_ms
        } else {
            preset.warm_ms
        };
        Preset::at_memory(pair, cfg.memory_mb)
    });
    let cpu = sample(rng, mean, cfg.jitter) * f64::from(sharing.max(1));
    let work = cpu + params.sleep_ms + reinit_ms;
    let timeout_ms = cfg.timeout_s * 1000.0;
    let memory_used_mb = preset
        .memory_used_mb
        .saturating_add(rng.random_range(0..4))
        .min(cfg.memory_mb);
    let (outcome, duration_ms, status, body) = if work > timeout_ms {
        (InvokeOutcome::Timeout, timeout_ms, 502, String::new())
    } else if params.crash == Some(CrashAt::Invoke) {
        (InvokeOutcome::Crash, work, 502, String::new())
    } else if params.fail {
        (
            InvokeOutcome::Error,
            work,
            502,
            "thaw builtin: failure requested with ?fail".into(),
        )
    } else if let Some(bad) = &params.bad {
        (InvokeOutcome::Success, work, 400, bad.clone())
    } else {
        (InvokeOutcome::Success, work, 200, String::new())
    };
    Course {
        duration_ms,
        runs_ms: duration_ms,
        outcome,
        status,
        body,
        memory_used_mb,
        // What Node names an Error thrown by a handler.
        error_type: (outcome == InvokeOutcome::Error).then_some("Error"),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn query_parameters_table() {
        let cases: &[(&str, InvokeParams)] = &[
            ("", InvokeParams::default()),
            (
                "sleep_ms=250",
                InvokeParams {
                    sleep_ms: 250.0,
                    ..Default::default()
                },
            ),
            (
                "a=b&fail=1",
                InvokeParams {
                    fail: true,
                    ..Default::default()
                },
            ),
            (
                "crash",
                InvokeParams {
                    crash: Some(CrashAt::Invoke),
                    ..Default::default()
                },
            ),
            (
                "crash=init",
                InvokeParams {
                    crash: Some(CrashAt::Init),
                    ..Default::default()
                },
            ),
            (
                "sleep_ms=-3",
                InvokeParams {
                    bad: Some(
                        "sleep_ms '-3' is not a number of milliseconds from 0 to 900000".into(),
                    ),
                    ..Default::default()
                },
            ),
            (
                "sleep_ms=NaN",
                InvokeParams {
                    bad: Some(
                        "sleep_ms 'NaN' is not a number of milliseconds from 0 to 900000".into(),
                    ),
                    ..Default::default()
                },
            ),
        ];
        for (query, want) in cases {
            assert_eq!(&InvokeParams::from_query(Some(query)), want, "{query}");
        }
    }

    #[test]
    fn samples_center_on_the_mean_within_the_spread() {
        let mut rng = StdRng::seed_from_u64(7);
        let n = 20_000;
        let xs: Vec<f64> = (0..n).map(|_| sample(&mut rng, 137.0, 0.08)).collect();
        let mean = xs.iter().sum::<f64>() / f64::from(n);
        assert!((mean - 137.0).abs() < 1.0, "mean {mean}");
        let within = xs
            .iter()
            .filter(|x| (**x - 137.0).abs() <= 137.0 * 0.16)
            .count();
        assert!(within as f64 / f64::from(n) > 0.94, "±16% holds ~95%");
        assert!((sample(&mut rng, 5.0, 0.0) - 5.0).abs() < f64::EPSILON);
    }

    const ALONE: Start = Start {
        first: false,
        reinit_ms: 0.0,
        sharing: 1,
    };

    #[test]
    fn requests_sharing_an_environment_stretch_its_cpu_work_not_their_waits() {
        let cfg = EmulatorConfig {
            jitter: 0.0,
            duration_ms: Some(4.0),
            ..EmulatorConfig::default()
        };
        let params = InvokeParams {
            sleep_ms: 100.0,
            ..Default::default()
        };
        let mut rng = StdRng::seed_from_u64(1);
        let alone = plan(&cfg, &mut rng, &params, ALONE);
        let shared = plan(
            &cfg,
            &mut rng,
            &params,
            Start {
                sharing: 10,
                ..ALONE
            },
        );
        assert!((alone.duration_ms - 104.0).abs() < 1e-9);
        assert!(
            (shared.duration_ms - 140.0).abs() < 1e-9,
            "10 x 4 ms of CPU + the 100 ms wait"
        );
    }

    #[test]
    fn timeout_cuts_the_duration_and_outranks_other_outcomes() {
        let mut rng = StdRng::seed_from_u64(1);
        let cfg = EmulatorConfig {
            timeout_s: 1.0,
            jitter: 0.0,
            duration_ms: Some(1.0),
            ..EmulatorConfig::default()
        };
        let p = plan(
            &cfg,
            &mut rng,
            &InvokeParams {
                sleep_ms: 5000.0,
                fail: true,
                ..Default::default()
            },
            ALONE,
        );
        assert_eq!(p.outcome, InvokeOutcome::Timeout);
        assert!((p.duration_ms - 1000.0).abs() < 1e-9);
        let p = plan(
            &cfg,
            &mut rng,
            &InvokeParams {
                sleep_ms: 10.0,
                ..Default::default()
            },
            ALONE,
        );
        assert_eq!((p.outcome, p.status), (InvokeOutcome::Success, 200));
        assert!((p.duration_ms - 11.0).abs() < 1e-9);
    }
}
