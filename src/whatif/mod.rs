//! `thaw whatif`: a recording's traffic replayed through the platform model under other
//! settings (provisioned concurrency, a warmer, reserved concurrency, another execution
//! model, memory, architecture), with the cold starts, throttles and cost of each, and
//! the cheapest that meets a cold-start or latency budget.

pub mod chart;
pub mod cost;
pub mod report;
pub mod simulate;
pub mod trace;

use std::path::Path;

use crate::config::{EmulatorConfig, ExecutionModel, PricingConfig};
use crate::record;

pub use cost::Cost;
pub use simulate::{KeepWarm, Outcome, Scenario, simulate};
pub use trace::{Trace, TraceError};

/// What to try and how to judge it.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The base: the emulator's settings (the recording's own, where it was made with
    /// them).
    pub base: EmulatorConfig,
    pub provisioned: Vec<u32>,
    pub keep_warm: Vec<KeepWarm>,
    pub models: Vec<ExecutionModel>,
    /// Provisioned concurrency auto scaling's target utilisation (0 to 1).
    pub autoscale: Option<f64>,
    pub memory_mb: Option<u32>,
    pub arm: Option<bool>,
    /// Cold starts allowed, as a share of requests (0.01 is 1 %).
    pub max_cold: f64,
    /// Or a budget on what cold starts add at the 99th percentile, ms.
    pub max_p99_ms: Option<f64>,
    pub seed: u64,
}

impl Options {
    /// The default set over `base`, judged against 1 % cold starts.
    pub fn defaults(base: EmulatorConfig) -> Self {
        Self {
            base,
            provisioned: Vec::new(),
            keep_warm: Vec::new(),
            models: Vec::new(),
            autoscale: None,
            memory_mb: None,
            arm: None,
            max_cold: 0.01,
            max_p99_ms: None,
            seed: 7,
        }
    }
}

/// One configuration's row.
#[derive(Debug, Clone)]
pub struct Row {
    pub scenario: Scenario,
    pub outcome: Outcome,
    pub cost: Cost,
}

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct WhatIf {
    pub file: String,
    pub trace: Trace,
    pub memory_mb: u32,
    pub arm: bool,
    /// Observed concurrency: median and 90th percentile per second, and the peak.
    pub concurrency: (u32, u32, u32),
    pub rows: Vec<Row>,
    pub pricing: PricingConfig,
    pub max_cold: f64,
    pub max_p99_ms: Option<f64>,
}

/// Why there is no answer.
#[derive(Debug)]
pub enum WhatIfError {
    Read(record::RecordError),
    Trace(String, TraceError),
}

impl std::fmt::Display for WhatIfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read(e) => write!(f, "{e}"),
            Self::Trace(file, e) => write!(f, "{file}: {e}"),
        }
    }
}

/// Reads a recording into a trace.
pub fn read(path: &Path) -> Result<Trace, WhatIfError> {
    let mut rec = record::open(path).map_err(WhatIfError::Read)?;
    let mut b = trace::Builder::new();
    b.config_line(&rec.header.config);
    while let Some(e) = rec.next_event() {
        b.event(&e.map_err(WhatIfError::Read)?);
    }
    b.finish()
        .map_err(|e| WhatIfError::Trace(path.display().to_string(), e))
}

/// The configurations to try: on-demand first, then what was asked for, or by default
/// provisioned concurrency at the observed median, 90th percentile and peak, a warmer as
/// wide as the peak, and the for-loop warmer that keeps one environment.
pub fn scenarios(opts: &Options, concurrency: (u32, u32, u32)) -> Vec<Scenario> {
    let base = |name: String| {
        let mut cfg = opts.base.clone();
        if let Some(mb) = opts.memory_mb {
            cfg.memory_mb = mb;
        }
        Scenario {
            name,
            cfg,
            keep_warm: None,
            autoscale: None,
        }
    };
    let mut out = vec![base("on-demand".into())];
    out[0].cfg.provisioned_concurrency = 0;
    let asked = !(opts.provisioned.is_empty()
        && opts.keep_warm.is_empty()
        && opts.models.is_empty()
        && opts.autoscale.is_none());
    let (provisioned, keep_warm) = if asked {
        (opts.provisioned.clone(), opts.keep_warm.clone())
    } else {
        let (p50, p90, peak) = concurrency;
        let mut levels = vec![p50, p90, peak];
        levels.dedup();
        let every = 300.0;
        (
            levels.into_iter().filter(|n| *n > 0).collect(),
            vec![
                KeepWarm {
                    width: peak.max(1),
                    every_s: every,
                },
                KeepWarm {
                    width: 1,
                    every_s: every,
                },
            ],
        )
    };
    for n in provisioned.into_iter().filter(|n| *n > 0) {
        let mut s = base(format!("provisioned {n}"));
        s.cfg.provisioned_concurrency = n;
        out.push(s);
    }
    for k in keep_warm {
        let mut s = base(format!("keep-warm {k}"));
        s.cfg.provisioned_concurrency = 0;
        s.keep_warm = Some(k);
        out.push(s);
    }
    if let Some(target) = opts.autoscale {
        // From the observed median, as a floor (its minimum capacity).
        let from = concurrency.0.max(1);
        let mut s = base(format!("autoscale {:.0}% from {from}", target * 100.0));
        s.cfg.provisioned_concurrency = from;
        s.autoscale = Some(target);
        out.push(s);
    }
    for m in opts
        .models
        .iter()
        .filter(|m| **m != ExecutionModel::Classic)
    {
        let mut s = base(m.as_str().to_string());
        s.cfg.provisioned_concurrency = 0;
        s.cfg.execution_model = *m;
        out.push(s);
    }
    out
}

/// Runs every configuration over the trace and prices it.
pub fn run(file: &str, trace: Trace, opts: &Options, pricing: &PricingConfig) -> WhatIf {
    let concurrency = trace.concurrency();
    let memory_mb = opts
        .memory_mb
        .or(trace.memory_mb)
        .unwrap_or(opts.base.memory_mb);
    let arm = opts
        .arm
        .unwrap_or_else(|| trace.architecture.as_deref().is_some_and(|a| a == "arm64"));
    let mut opts = opts.clone();
    opts.memory_mb = Some(memory_mb);
    let rows = scenarios(&opts, concurrency)
        .into_iter()
        .map(|scenario| {
            let outcome = simulate(&trace, &scenario, opts.seed);
            let cost = cost::of(&outcome, &scenario, trace.span_s, arm, pricing);
            Row {
                scenario,
                outcome,
                cost,
            }
        })
        .collect();
    WhatIf {
        file: file.to_string(),
        trace,
        memory_mb,
        arm,
        concurrency,
        rows,
        pricing: pricing.clone(),
        max_cold: opts.max_cold,
        max_p99_ms: opts.max_p99_ms,
    }
}

#[cfg(test)]
mod tests;

impl WhatIf {
    /// Whether a row meets the budget.
    pub fn meets(&self, row: &Row) -> bool {
        row.outcome.throttled == 0
            && match self.max_p99_ms {
                Some(ms) => row.outcome.added_ms(0.99) <= ms,
                None => row.outcome.cold_share() <= self.max_cold,
            }
    }

    /// The cheapest row that meets the budget.
    pub fn best(&self) -> Option<&Row> {
        self.rows
            .iter()
            .filter(|r| self.meets(r))
            .min_by(|a, b| a.cost.per_month.total_cmp(&b.cost.per_month))
    }
}
