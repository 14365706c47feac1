//! `[pricing]`: what Lambda charges, for `thaw whatif`. The defaults are us-east-1 as
//! published (docs/lambda-facts.md §11), with their source and date; a user in another Region,
//! or with other prices, sets their own.

use serde::{Deserialize, Serialize};

/// Prices in US dollars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PricingConfig {
    /// The Region these prices are for.
    pub region: String,
    /// Where they come from, and when they were read.
    pub source: String,
    pub date: String,
    /// Per million requests.
    pub requests_per_million: f64,
    /// On-demand duration, per GB-second (first tier).
    pub duration_gb_s_x86: f64,
    pub duration_gb_s_arm: f64,
    /// Provisioned concurrency: capacity while enabled (5-minute rounding), per GB-s.
    pub provisioned_gb_s_x86: f64,
    pub provisioned_gb_s_arm: f64,
    /// Provisioned concurrency: duration of the invocations it serves, per GB-s.
    pub provisioned_duration_gb_s_x86: f64,
    pub provisioned_duration_gb_s_arm: f64,
    /// Managed Instances: one instance's on-demand price per hour (the default is an
    /// m7g.large) and the management fee on top, as a fraction.
    pub managed_instance_hourly: f64,
    pub managed_fee: f64,
}

impl Default for PricingConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            source: "aws.amazon.com/lambda/pricing".into(),
            date: "2026-11-23".into(),
            requests_per_million: 0.20,
            duration_gb_s_x86: 0.000_016_666_7,
            duration_gb_s_arm: 0.000_013_333_4,
            provisioned_gb_s_x86: 0.000_004_166_7,
            provisioned_gb_s_arm: 0.000_003_333_4,
            provisioned_duration_gb_s_x86: 0.000_009_722_2,
            // Not published beside the x86 figure: the same 20 % arm discount.
            provisioned_duration_gb_s_arm: 0.000_007_777_8,
            managed_instance_hourly: 0.0816,
            managed_fee: 0.15,
        }
    }
}

/// The duration prices of one architecture, per GB-second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GbSecondPrices {
    /// On demand.
    pub duration: f64,
    /// Provisioned concurrency held (capacity).
    pub provisioned: f64,
    /// Invocations served by provisioned concurrency.
    pub provisioned_duration: f64,
}

impl PricingConfig {
    /// The per-GB-second prices of `arm64` (`arm`) or `x86_64`.
    pub fn gb_s(&self, arm: bool) -> GbSecondPrices {
        if arm {
            GbSecondPrices {
                duration: self.duration_gb_s_arm,
                provisioned: self.provisioned_gb_s_arm,
                provisioned_duration: self.provisioned_duration_gb_s_arm,
            }
        } else {
            GbSecondPrices {
                duration: self.duration_gb_s_x86,
                provisioned: self.provisioned_gb_s_x86,
                provisioned_duration: self.provisioned_duration_gb_s_x86,
            }
        }
    }

    /// What `n` requests cost.
    pub fn requests(&self, n: f64) -> f64 {
        n * self.requests_per_million / 1e6
    }

    /// What `ms` milliseconds at `memory_mb` cost on demand.
    pub fn on_demand(&self, ms: f64, memory_mb: f64, arm: bool) -> f64 {
        ms / 1000.0 * memory_mb / 1024.0 * self.gb_s(arm).duration
    }

    /// Every price, named as in the file, for validation.
    pub fn prices(&self) -> [(&'static str, f64); 9] {
        [
            ("requests_per_million", self.requests_per_million),
            ("duration_gb_s_x86", self.duration_gb_s_x86),
            ("duration_gb_s_arm", self.duration_gb_s_arm),
            ("provisioned_gb_s_x86", self.provisioned_gb_s_x86),
            ("provisioned_gb_s_arm", self.provisioned_gb_s_arm),
            (
                "provisioned_duration_gb_s_x86",
                self.provisioned_duration_gb_s_x86,
            ),
            (
                "provisioned_duration_gb_s_arm",
                self.provisioned_duration_gb_s_arm,
            ),
            ("managed_instance_hourly", self.managed_instance_hourly),
            ("managed_fee", self.managed_fee),
        ]
    }
}
