//! What a configuration costs per day at the trace's rate: the trace's span is taken as
//! a sample of the traffic and scaled to a day (a month is 30 days). Provisioned
//! concurrency and instances are billed for the whole day whatever the traffic.

use serde::Serialize;

use crate::config::{ExecutionModel, PricingConfig};

use super::simulate::{Outcome, Scenario};

/// Per day, US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cost {
    pub requests: f64,
    /// On-demand duration, Init included.
    pub duration: f64,
    /// Provisioned concurrency: capacity all day, and the duration it served.
    pub provisioned: f64,
    /// The warmer's own pings.
    pub warmer: f64,
    /// Managed Instances: the instances and their fee.
    pub instances: f64,
    pub per_day: f64,
    pub per_month: f64,
    /// No published rate: a reasoned guess (Web Functions).
    pub estimate: bool,
}

const DAY_S: f64 = 86_400.0;

/// The cost of `outcome` under `scenario`, for a trace of `span_s` seconds.
pub fn of(
    outcome: &Outcome,
    scenario: &Scenario,
    span_s: f64,
    arm: bool,
    p: &PricingConfig,
) -> Cost {
    let gb = f64::from(scenario.cfg.memory_mb) / 1024.0;
    let per_day = DAY_S / span_s.max(1.0);
    let prices = p.gb_s(arm);
    let (duration_price, pc_price, pc_duration_price) = (
        prices.duration,
        prices.provisioned,
        prices.provisioned_duration,
    );
    let gb_s = |ms: f64| ms / 1000.0 * gb;
    let requests = p.requests(outcome.requests as f64 * per_day);
    // A warmer runs all day at its own pace, whatever the trace's rate.
    let warmer = scenario.keep_warm.map_or(0.0, |k| {
        let pings = f64::from(k.width) * DAY_S / k.every_s;
        p.requests(pings)
            + p.on_demand(
                pings * super::simulate::KeepWarm::PING_MS,
                f64::from(scenario.cfg.memory_mb),
                arm,
            )
    });
    let model = scenario.cfg.execution_model;
    let (duration, instances, estimate) = match model {
        ExecutionModel::Classic => (
            gb_s(outcome.on_demand_ms) * per_day * duration_price,
            0.0,
            false,
        ),
        // One environment per instance, running all day at the peak the trace needed
        // (Managed Instances scale ahead of traffic, not to zero); duration is not billed.
        ExecutionModel::ManagedInstances => {
            let n = outcome
                .peak_envs
                .max(scenario.cfg.min_environments.unwrap_or(3) as usize);
            let day = n as f64 * 24.0 * p.managed_instance_hourly * (1.0 + p.managed_fee);
            (0.0, day, false)
        }
        // No public rate: active time at the on-demand duration price.
        ExecutionModel::WebFunctions => (
            gb_s(outcome.on_demand_ms) * per_day * duration_price,
            0.0,
            true,
        ),
    };
    // Capacity as allocated over the trace (all day when fixed, following the traffic
    // when auto scaling moves it).
    let provisioned = outcome.provisioned_seconds * gb * per_day * pc_price
        + gb_s(outcome.provisioned_ms) * per_day * pc_duration_price;
    let per_day = requests + duration + provisioned + warmer + instances;
    Cost {
        requests,
        duration,
        provisioned,
        warmer,
        instances,
        per_day,
        per_month: per_day * 30.0,
        estimate,
    }
}
