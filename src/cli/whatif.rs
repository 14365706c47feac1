//! `thaw whatif FILE`: a recording's traffic through the platform model under other
//! settings, with the cost of each and the cheapest that meets the budget.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use clap::Args;

use crate::config::ExecutionModel;
use crate::whatif::{self, KeepWarm, Options};

use super::{Failure, GlobalArgs};

#[derive(Debug, Args)]
pub struct WhatIfArgs {
    /// A recording (from --record, thaw import or assets/demo/)
    pub file: PathBuf,
    /// Provisioned concurrency levels to try, e.g. 0,10,25
    #[arg(long, value_name = "N,...", value_delimiter = ',')]
    pub provisioned: Vec<u32>,
    /// Warmers to try: WIDTH/INTERVAL parallel pings, e.g. 10/5m,50/5m
    #[arg(long, value_name = "W/EVERY,...", value_delimiter = ',')]
    pub keep_warm: Vec<String>,
    /// Reserved concurrency for every configuration
    #[arg(long, value_name = "N")]
    pub reserved: Option<u32>,
    /// Execution models to try: classic, managed-instances, web-functions
    #[arg(long, value_name = "MODEL,...", value_delimiter = ',')]
    pub model: Vec<String>,
    /// Provisioned concurrency auto scaling: target tracking on its utilisation at this
    /// target (e.g. 70%), from the observed median concurrency
    #[arg(long, value_name = "PERCENT")]
    pub autoscale_pc: Option<String>,
    /// Requests one environment serves at once (managed-instances, web-functions)
    #[arg(long, value_name = "N")]
    pub per_env: Option<u32>,
    /// Environments kept ahead of traffic (managed-instances)
    #[arg(long, value_name = "N")]
    pub min_envs: Option<u32>,
    /// The function's memory, MB (default: the recording's)
    #[arg(long, value_name = "MB")]
    pub memory: Option<u32>,
    /// x86_64 or arm64 (default: the recording's, else x86_64)
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// The budget: cold starts at most this share of requests
    #[arg(long, value_name = "PERCENT", default_value = "1%")]
    pub max_cold: String,
    /// Or: what cold starts add at the 99th percentile, e.g. 300ms
    #[arg(long, value_name = "DURATION")]
    pub max_p99: Option<String>,
    /// The prices' Region: the [pricing] section's (us-east-1 unless you set yours)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// text, json or csv
    #[arg(short = 'o', long, value_name = "FORMAT", default_value = "text")]
    pub output: String,
    /// Seed of the model's own randomness (idle reclaim times)
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub seed: u64,
}

fn percent(flag: &str, s: &str) -> Result<f64, String> {
    let v = s.trim().trim_end_matches('%').trim();
    v.parse::<f64>()
        .ok()
        .filter(|p| p.is_finite() && (0.0..=100.0).contains(p))
        .map(|p| p / 100.0)
        .ok_or_else(|| format!("{flag} '{s}': a percentage from 0 to 100, e.g. 1%"))
}

/// A duration as plans and `--timeout` read them (humantime): `300ms`, `1.5s`.
fn duration_ms(s: &str) -> Result<f64, String> {
    humantime::parse_duration(s.trim())
        .map(|d| d.as_secs_f64() * 1000.0)
        .map_err(|_| format!("--max-p99 '{s}': a duration such as 300ms or 1s 500ms"))
}

fn model(s: &str) -> Result<ExecutionModel, String> {
    match s.trim() {
        "classic" => Ok(ExecutionModel::Classic),
        "managed-instances" => Ok(ExecutionModel::ManagedInstances),
        "web-functions" => Ok(ExecutionModel::WebFunctions),
        other => Err(format!(
            "--model '{other}': one of classic, managed-instances, web-functions"
        )),
    }
}

/// Runs `thaw whatif`; the exit status is 0 with an answer.
pub fn run(global: &GlobalArgs, args: &WhatIfArgs) -> Result<u8, Failure> {
    let layers = global.layers(Vec::new()).map_err(Failure::Config)?;
    let config = crate::config::load(&layers)?;
    if let Some(r) = &args.region
        && *r != config.pricing.region
    {
        return Err(Failure::Config(format!(
            "--region {r}: the prices at hand are {}'s; set [pricing] in your config file with {r}'s (region = \"{r}\" and each price), or drop --region",
            config.pricing.region
        )));
    }
    let arm = match args.arch.as_deref() {
        None => None,
        Some("x86_64" | "x86") => Some(false),
        Some("arm64" | "arm") => Some(true),
        Some(other) => {
            return Err(Failure::Config(format!(
                "--arch '{other}': x86_64 or arm64"
            )));
        }
    };
    let keep_warm = args
        .keep_warm
        .iter()
        .map(|k| KeepWarm::parse(k).map_err(|e| format!("--keep-warm {e}")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::Config)?;
    let models = args
        .model
        .iter()
        .map(|m| model(m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::Config)?;
    if args.memory.is_some_and(|m| !(128..=10_240).contains(&m)) {
        return Err(Failure::Config(
            "--memory: from 128 to 10240 MB, as Lambda allows".into(),
        ));
    }
    let mut base = config.emulator.clone();
    base.reserved_concurrency = args.reserved.or(base.reserved_concurrency);
    if args.per_env.is_some() {
        base.max_concurrency_per_env = args.per_env;
    }
    if args.min_envs.is_some() {
        base.min_environments = args.min_envs;
    }
    let opts = Options {
        base,
        provisioned: args.provisioned.clone(),
        keep_warm,
        models,
        memory_mb: args.memory,
        arm,
        max_cold: percent("--max-cold", &args.max_cold).map_err(Failure::Config)?,
        autoscale: args
            .autoscale_pc
            .as_deref()
            .map(|p| percent("--autoscale-pc", p))
            .transpose()
            .map_err(Failure::Config)?
            .filter(|p| *p > 0.0),
        max_p99_ms: args
            .max_p99
            .as_deref()
            .map(duration_ms)
            .transpose()
            .map_err(Failure::Config)?,
        seed: args.seed,
    };
    let format = args.output.as_str();
    if !matches!(format, "text" | "json" | "csv") {
        return Err(Failure::Config(format!("-o '{format}': text, json or csv")));
    }
    let trace = whatif::read(&args.file).map_err(|e| Failure::Run(e.to_string()))?;
    let name = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let answer = whatif::run(&name, trace, &opts, &config.pricing);
    match format {
        "json" => println!(
            "{}",
            serde_json::to_string_pretty(&answer.json()).unwrap_or_default()
        ),
        "csv" => print!("{}", answer.csv()),
        _ => {
            print!("{}", answer.text());
            // A terminal wide enough also gets the picture.
            if std::io::stdout().is_terminal()
                && let Some((w, _)) = crossterm::terminal::size().ok()
                && let Some(chart) = answer.chart(usize::from(w))
            {
                println!();
                print!("{chart}");
            }
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_read_as_people_write_them() {
        assert_eq!(percent("--max-cold", "1%"), Ok(0.01));
        assert_eq!(percent("--max-cold", "0.5"), Ok(0.005));
        assert!(
            percent("--max-cold", "lots")
                .unwrap_err()
                .contains("--max-cold 'lots'")
        );
        assert_eq!(duration_ms("300ms"), Ok(300.0));
        assert_eq!(duration_ms("1s 500ms"), Ok(1500.0));
        assert!(duration_ms("soon").unwrap_err().contains("--max-p99"));
        assert!(model("lambda").unwrap_err().contains("--model 'lambda'"));
    }
}
