//! The answer, for people (an aligned table, the recommendation in one sentence, the
//! assumptions beside the numbers) and for scripts (JSON, CSV).

use std::fmt::Write as _;

use serde_json::json;

use super::trace::Basis;
use super::{Row, WhatIf};

use crate::event::sizing::{COLUMNS, Sizing, SizingRow, dollars, percent};

impl WhatIf {
    fn arch(&self) -> &'static str {
        if self.arm { "arm64" } else { "x86_64" }
    }

    fn budget(&self) -> String {
        match self.max_p99_ms {
            Some(ms) => format!("cold starts adding at most {ms:.0} ms at p99"),
            None => format!("cold starts under {}", percent(self.max_cold)),
        }
    }

    /// The recommendation in one sentence.
    pub fn recommendation(&self) -> String {
        let Some(best) = self.best() else {
            let fewest = self
                .rows
                .iter()
                .min_by(|a, b| a.outcome.cold_share().total_cmp(&b.outcome.cold_share()));
            return match fewest {
                Some(r) => format!(
                    "No configuration tried keeps {} without throttles; the fewest cold starts: {} ({} cold, {} throttled, {}/month). Try wider settings (--provisioned, --keep-warm, --reserved).",
                    self.budget(),
                    r.scenario.name,
                    percent(r.outcome.cold_share()),
                    r.outcome.throttled,
                    dollars(r.cost.per_month)
                ),
                None => "Nothing to compare.".into(),
            };
        };
        let month = best.cost.per_month;
        let against = |name: &str, row: Option<&Row>| -> Option<String> {
            let r = row?;
            if std::ptr::eq(r, best) {
                return None;
            }
            let d = r.cost.per_month - month;
            Some(if d >= 0.0 {
                format!(
                    "{} less than {name} ({} cold)",
                    dollars(d),
                    percent(r.outcome.cold_share())
                )
            } else {
                format!(
                    "{} more than {name} ({} cold)",
                    dollars(-d),
                    percent(r.outcome.cold_share())
                )
            })
        };
        let on_demand = self.rows.first();
        let naive = self
            .rows
            .iter()
            .find(|r| r.scenario.keep_warm.is_some_and(|k| k.width == 1));
        let mut parts: Vec<String> = Vec::new();
        parts.extend(against("on-demand", on_demand));
        parts.extend(against("a for-loop warmer (one environment)", naive));
        let tail = if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join(", "))
        };
        format!(
            "{} keeps {} ({} cold, {} throttled) for {}/month{tail}.",
            capitalise(&best.scenario.name),
            self.budget(),
            percent(best.outcome.cold_share()),
            best.outcome.throttled,
            dollars(month),
        )
    }

    /// The assumptions the numbers rest on, one per line.
    pub fn assumptions(&self) -> Vec<String> {
        let t = &self.trace;
        let mut a = vec![
            format!(
                "costs scale the trace's {:.0} s to a day (x{:.0}) and a month (30 days); provisioned concurrency and instances are billed all day",
                t.span_s,
                86_400.0 / t.span_s
            ),
            format!(
                "prices: {} ({}, read {}); {} MB {}; Init billed as duration (since 2025-08-01)",
                self.pricing.region,
                self.pricing.source,
                self.pricing.date,
                self.memory_mb,
                self.arch()
            ),
            format!(
                "Init durations: the {} observed, in turn; a warmer's ping works {:.0} ms",
                t.init_ms.len(),
                super::KeepWarm::PING_MS
            ),
        ];
        if t.basis == Basis::Client {
            a.push(
                "no platform events in the recording: each request's work is its latency less its Init (an upper bound)".into(),
            );
        }
        if let Some(r) = self.rows.iter().find(|r| r.scenario.autoscale.is_some()) {
            a.push(format!(
                "autoscale: target tracking on ProvisionedConcurrencyUtilization (Average of 1-minute datapoints): out after 3 over the target, in after 15 under 90% of it; it reached {} here",
                r.outcome.provisioned_peak
            ));
        }
        if self.rows.iter().any(|r| r.cost.estimate) {
            a.push("web-functions: AWS publishes no rate; priced as active time at the on-demand duration price (an estimate, marked ~)".into());
        }
        if self.rows.iter().any(|r| {
            r.scenario.cfg.execution_model == crate::config::ExecutionModel::ManagedInstances
        }) {
            a.push(format!(
                "managed-instances: one environment per instance at the peak, all day, {}/h + {:.0}% fee",
                dollars(self.pricing.managed_instance_hourly),
                self.pricing.managed_fee * 100.0
            ));
        }
        a
    }

    /// The answer as data: what the screen lays out and [`WhatIf::text`] prints.
    pub fn sizing(&self) -> Sizing {
        let t = &self.trace;
        let (p50, p90, peak) = self.concurrency;
        let best = self.best();
        Sizing {
            heading: format!(
                "{} requests over {:.0} s in {} (observed: {} cold, {} throttled; concurrency p50 {p50}, p90 {p90}, peak {peak})",
                t.arrivals.len(),
                t.span_s,
                self.file,
                t.observed_cold,
                t.observed_throttled,
            ),
            rows: self
                .rows
                .iter()
                .map(|r| SizingRow {
                    configuration: r.scenario.name.clone(),
                    cold: r.outcome.cold,
                    cold_share: r.outcome.cold_share(),
                    cold_wait_p50_ms: r.outcome.cold_wait_ms(0.5),
                    added_p99_ms: r.outcome.added_ms(0.99),
                    throttled: r.outcome.throttled,
                    peak_environments: r.outcome.peak_envs as u64,
                    environment_hours_per_day: r.outcome.env_seconds / 3600.0 * 86_400.0 / t.span_s,
                    cost_per_day: r.cost.per_day,
                    cost_per_month: r.cost.per_month,
                    estimate: r.cost.estimate,
                    recommended: best.is_some_and(|b| std::ptr::eq(b, r)),
                })
                .collect(),
            recommendation: self.recommendation(),
            assumptions: self.assumptions(),
        }
    }

    /// The table, the recommendation and the assumptions.
    pub fn text(&self) -> String {
        let s = self.sizing();
        let mut o = String::new();
        let _ = writeln!(o, "thaw whatif: {}", s.heading);
        o.push('\n');
        let widths = s.widths();
        let line = |cells: &[String]| {
            let mut l = String::new();
            for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
                if i == 0 {
                    let _ = write!(l, "{c:<w$}");
                } else {
                    let _ = write!(l, "  {c:>w$}");
                }
            }
            l.trim_end().to_string()
        };
        let _ = writeln!(o, "{}", line(&COLUMNS.map(str::to_string)));
        for r in &s.rows {
            let _ = writeln!(o, "{}", line(&r.cells()));
        }
        o.push('\n');
        let _ = writeln!(o, "{}", s.recommendation);
        o.push('\n');
        for a in &s.assumptions {
            let _ = writeln!(o, "- {a}");
        }
        o
    }

    /// Everything, for scripts.
    pub fn json(&self) -> serde_json::Value {
        let t = &self.trace;
        let best = self.best().map(|b| b.scenario.name.clone());
        json!({
            "file": self.file,
            "trace": {
                "requests": t.arrivals.len(),
                "span_s": t.span_s,
                "observed_cold": t.observed_cold,
                "observed_throttled": t.observed_throttled,
                "concurrency": {"p50": self.concurrency.0, "p90": self.concurrency.1, "peak": self.concurrency.2},
                "basis": match t.basis { Basis::Lifecycle => "lifecycle", Basis::Client => "client" },
            },
            "memory_mb": self.memory_mb,
            "architecture": self.arch(),
            "pricing": self.pricing,
            "budget": {"max_cold": self.max_cold, "max_p99_ms": self.max_p99_ms},
            "configurations": self.rows.iter().map(|r| json!({
                "name": r.scenario.name,
                "provisioned": r.scenario.cfg.provisioned_concurrency,
                "keep_warm": r.scenario.keep_warm.map(|k| k.to_string()),
                "model": r.scenario.cfg.execution_model.as_str(),
                "requests": r.outcome.requests,
                "cold": r.outcome.cold,
                "cold_share": r.outcome.cold_share(),
                "cold_wait_p50_ms": r.outcome.cold_wait_ms(0.5),
                "cold_wait_p99_ms": r.outcome.cold_wait_ms(0.99),
                "added_p99_ms": r.outcome.added_ms(0.99),
                "throttled": r.outcome.throttled,
                "peak_environments": r.outcome.peak_envs,
                "environment_hours_per_day": r.outcome.env_seconds / 3600.0 * 86_400.0 / t.span_s,
                "warmer_requests": r.outcome.warmer_requests,
                "cost_per_day": r.cost,
                "meets_budget": self.meets(r),
            })).collect::<Vec<_>>(),
            "recommendation": {"configuration": best, "text": self.recommendation()},
            "assumptions": self.assumptions(),
        })
    }

    /// One row per configuration.
    pub fn csv(&self) -> String {
        let mut o = String::from(
            "configuration,requests,cold,cold_share,cold_wait_p50_ms,added_p99_ms,throttled,peak_environments,cost_per_day_usd,cost_per_month_usd,estimate,meets_budget\n",
        );
        for r in &self.rows {
            let _ = writeln!(
                o,
                "{},{},{},{:.4},{},{:.1},{},{},{:.4},{:.2},{},{}",
                r.scenario.name,
                r.outcome.requests,
                r.outcome.cold,
                r.outcome.cold_share(),
                r.outcome
                    .cold_wait_ms(0.5)
                    .map_or_else(String::new, |v| format!("{v:.1}")),
                r.outcome.added_ms(0.99),
                r.outcome.throttled,
                r.outcome.peak_envs,
                r.cost.per_day,
                r.cost.per_month,
                r.cost.estimate,
                self.meets(r),
            );
        }
        o
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}
