//! What can change while the platform runs: reclaiming idle environments, provisioned
//! and reserved concurrency (from the screen's keys or the Lambda API), and what the
//! function's configuration reads back.

use std::time::Duration;

use super::{Core, Effect, rate_bucket};
use crate::emulator::pool::{EnvKey, Phase};
use crate::event::{EventKind, FunctionConfig, InitType, ReclaimReason, ThrottleReason};

/// A change to the running platform, from the screen's keys, the Lambda API or a
/// what-if schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Reclaim every idle on-demand environment now, as if their idle time had passed.
    ReclaimIdle,
    /// Provisioned concurrency becomes `count`: environments are added (Init in the
    /// background) or idle ones removed. `on` names the version or alias it was put
    /// on through the API (`None` leaves it; a count of 0 forgets it).
    Provisioned { count: u32, on: Option<String> },
    /// Reserved concurrency set (`Some`) or removed.
    Reserved(Option<u32>),
}

impl Core {
    /// Applies a change. One that changes the function's configuration announces it
    /// (`FunctionConfig`), as Lambda's `GetFunction` would now read.
    pub fn change(&mut self, now: Duration, change: Change, out: &mut Vec<Effect>) {
        let announce = !matches!(change, Change::ReclaimIdle);
        match change {
            Change::ReclaimIdle => {
                let idle: Vec<EnvKey> = self
                    .pool
                    .iter()
                    .filter(|(_, e)| e.is_idle() && !e.provisioned())
                    .map(|(k, _)| k)
                    .collect();
                for key in idle {
                    self.reclaim(now, key, ReclaimReason::Idle, out);
                }
            }
            Change::Provisioned { count, on } => {
                if count == 0 {
                    self.provisioned_on = None;
                } else if on.is_some() {
                    self.provisioned_on = on;
                }
                let count = count.min(self.cfg.reserved_concurrency.unwrap_or(u32::MAX));
                let current = self.pool.iter().filter(|(_, e)| e.provisioned()).count();
                let current = u32::try_from(current).unwrap_or(u32::MAX);
                for _ in current..count {
                    self.create_env(now, InitType::ProvisionedConcurrency, out);
                }
                if current > count {
                    let surplus: Vec<EnvKey> = self
                        .pool
                        .iter()
                        .filter(|(_, e)| e.provisioned() && e.is_idle())
                        .map(|(k, _)| k)
                        .take((current - count) as usize)
                        .collect();
                    for key in surplus {
                        self.reclaim(now, key, ReclaimReason::Shutdown, out);
                    }
                }
                self.provisioned_target = count;
                self.metrics.set_provisioned_allocated(count);
            }
            Change::Reserved(count) => self.set_reserved(count),
        }
        if announce {
            let config = self.function_config(self.provisioned_on().unwrap_or("live"));
            self.emit(now, EventKind::FunctionConfig(config), out);
        }
    }

    /// The version or alias provisioned concurrency was put on through the Lambda API.
    pub fn provisioned_on(&self) -> Option<&str> {
        self.provisioned_on.as_deref()
    }
    /// The function's configuration as `GetFunction` reads it: reserved concurrency,
    /// and provisioned concurrency requested and ready (its environments past Init).
    pub fn function_config(&self, qualifier: &str) -> FunctionConfig {
        let ready = self
            .pool
            .iter()
            .filter(|(_, e)| e.provisioned() && e.phase == Phase::Ready)
            .count();
        let preset = self.cfg.runtime.preset();
        FunctionConfig {
            name: self.cfg.function_name.clone(),
            qualifier: None,
            runtime: runtime_id(preset.version),
            memory_mb: self.cfg.memory_mb,
            architecture: "x86_64".into(),
            timeout_s: self.cfg.timeout_s.ceil() as u32,
            log_format: match self.cfg.log_format {
                crate::config::LogFormat::Text => "Text".into(),
                crate::config::LogFormat::Json => "JSON".into(),
            },
            log_group: None,
            reserved: self.cfg.reserved_concurrency,
            provisioned: if self.provisioned_target > 0 {
                vec![(
                    qualifier.to_string(),
                    self.provisioned_target,
                    u32::try_from(ready).unwrap_or(u32::MAX),
                )]
            } else {
                Vec::new()
            },
        }
    }

    /// Reserved concurrency set (`Some`) or removed: the function's limit becomes it, or
    /// the account's again.
    fn set_reserved(&mut self, reserved: Option<u32>) {
        let (cap, reason) = match reserved {
            Some(r) => (r, ThrottleReason::ReservedConcurrency),
            None => (
                self.cfg.account_concurrency,
                ThrottleReason::AccountConcurrency,
            ),
        };
        self.cfg.reserved_concurrency = reserved;
        self.pool.set_cap(cap, reason);
        self.rate = rate_bucket(cap);
    }
}

/// Lambda's runtime identifier (`nodejs22.x`, `python3.13`, `provided.al2023`) from the
/// runtime version a REPORT names (`nodejs:22.v58`).
fn runtime_id(version: &str) -> String {
    let (language, rest) = version.split_once(':').unwrap_or((version, ""));
    let release = rest.rsplit_once(".v").map_or(rest, |(r, _)| r);
    match language {
        "nodejs" => format!("nodejs{release}.x"),
        "provided" => format!("provided.{release}"),
        _ => format!("{language}{release}"),
    }
}

#[cfg(test)]
mod tests {
    use super::runtime_id;

    #[test]
    fn runtime_ids_are_lambdas() {
        assert_eq!(runtime_id("nodejs:22.v58"), "nodejs22.x");
        assert_eq!(runtime_id("python:3.13.v44"), "python3.13");
        assert_eq!(runtime_id("java:21.v41"), "java21");
        assert_eq!(runtime_id("provided:al2023.v96"), "provided.al2023");
        assert_eq!(runtime_id("dotnet:8.v52"), "dotnet8");
    }
}
