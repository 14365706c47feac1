//! One function per rule a loaded configuration must meet. Each error names the key,
//! the bad value, what is allowed, and which layer set it.

use super::{AwsConfig, Config, ConfigError, EmulatorConfig, Front, Handler, TuiConfig};

/// Names the layer that set the first of these keys a user layer set.
type Origin<'a> = &'a dyn Fn(&[&str]) -> String;

pub(super) fn all(config: &Config, origin: Origin<'_>) -> Result<(), ConfigError> {
    let e = &config.emulator;
    validate_finite(e, origin)?;
    validate_memory(e, origin)?;
    validate_timeout(e, origin)?;
    validate_reserved(e, origin)?;
    validate_provisioned(e, origin)?;
    validate_scaling(e, origin)?;
    validate_reclaim(e, origin)?;
    validate_integration_timeout(e, origin)?;
    validate_throttle_status(e, origin)?;
    validate_stage(e, origin)?;
    validate_metrics_period(e, origin)?;
    validate_jitter(e, origin)?;
    validate_process(e, origin)?;
    validate_cloudwatch(e, origin)?;
    validate_models(e, origin)?;
    validate_tui(&config.tui, origin)?;
    validate_aws(&config.aws, origin)?;
    validate_pricing(&config.pricing, origin)?;
    Ok(())
}

fn validate_pricing(p: &super::PricingConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    for (name, v) in p.prices() {
        if !v.is_finite() || v < 0.0 {
            return Err(bad(
                origin,
                &format!("pricing.{name}"),
                v,
                "a price in US dollars, 0 or more",
            ));
        }
    }
    Ok(())
}

fn bad(origin: Origin<'_>, key: &str, value: impl std::fmt::Display, allowed: &str) -> ConfigError {
    ConfigError::Invalid {
        origin: origin(&[key]),
        message: format!("{key} = '{value}': {allowed}"),
    }
}

/// Like [`bad`] for a rule between two keys: the origin is whichever the user set.
fn bad_pair(
    origin: Origin<'_>,
    key: &str,
    other: &str,
    value: impl std::fmt::Display,
    allowed: &str,
) -> ConfigError {
    ConfigError::Invalid {
        origin: origin(&[key, other]),
        message: format!("{key} = '{value}': {allowed}"),
    }
}

fn validate_finite(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    let floats = [
        ("emulator.timeout_s", Some(e.timeout_s)),
        ("emulator.init_ms", e.init_ms),
        ("emulator.duration_ms", e.duration_ms),
        ("emulator.jitter", Some(e.jitter)),
        (
            "emulator.scaling_refill_per_s",
            Some(e.scaling_refill_per_s),
        ),
        ("emulator.idle_reclaim_s", Some(e.idle_reclaim_s)),
        (
            "emulator.idle_reclaim_jitter_s",
            Some(e.idle_reclaim_jitter_s),
        ),
        ("emulator.max_lifetime_s", Some(e.max_lifetime_s)),
        (
            "emulator.max_lifetime_jitter_s",
            Some(e.max_lifetime_jitter_s),
        ),
        ("emulator.stage_rate_per_s", Some(e.stage_rate_per_s)),
        (
            "emulator.provisioned_recycle_s",
            Some(e.provisioned_recycle_s),
        ),
    ];
    for (key, value) in floats {
        if let Some(v) = value
            && (!v.is_finite() || v < 0.0)
        {
            return Err(bad(origin, key, v, "must be a finite number, zero or more"));
        }
    }
    Ok(())
}

fn validate_memory(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    // Lambda allows 128 MB to 10,240 MB.
    if !(128..=10_240).contains(&e.memory_mb) {
        return Err(bad(
            origin,
            "emulator.memory_mb",
            e.memory_mb,
            "Lambda allows 128 to 10240 MB",
        ));
    }
    Ok(())
}

fn validate_timeout(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    // Lambda's function timeout is 1 s to 900 s; fractions are allowed here for tests.
    if e.timeout_s <= 0.0 || e.timeout_s > 900.0 {
        return Err(bad(
            origin,
            "emulator.timeout_s",
            e.timeout_s,
            "the function timeout must be above 0 and at most 900 seconds",
        ));
    }
    Ok(())
}

fn validate_reserved(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    if e.account_concurrency == 0 {
        return Err(bad(
            origin,
            "emulator.account_concurrency",
            0,
            "the account limit must be at least 1 (AWS's default is 1000)",
        ));
    }
    let Some(reserved) = e.reserved_concurrency else {
        return Ok(());
    };
    // PutFunctionConcurrency: at least 100 must stay unreserved (the whole account when
    // its limit is below 100).
    let max = e.account_concurrency.saturating_sub(100);
    if reserved > max {
        return Err(bad_pair(
            origin,
            "emulator.reserved_concurrency",
            "emulator.account_concurrency",
            reserved,
            &format!(
                "Lambda keeps at least 100 of the account's {} unreserved, so at most {max}; \
                 lower it or raise emulator.account_concurrency to {} or more",
                e.account_concurrency,
                u64::from(reserved) + 100
            ),
        ));
    }
    Ok(())
}

fn validate_provisioned(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    let p = e.provisioned_concurrency;
    if let Some(reserved) = e.reserved_concurrency
        && p > reserved
    {
        return Err(bad_pair(
            origin,
            "emulator.provisioned_concurrency",
            "emulator.reserved_concurrency",
            p,
            &format!(
                "provisioned concurrency counts toward reserved concurrency ({reserved}); \
                 lower it or raise emulator.reserved_concurrency"
            ),
        ));
    }
    if p > e.account_concurrency {
        return Err(bad_pair(
            origin,
            "emulator.provisioned_concurrency",
            "emulator.account_concurrency",
            p,
            &format!(
                "exceeds the account limit ({}); raise emulator.account_concurrency",
                e.account_concurrency
            ),
        ));
    }
    Ok(())
}

fn validate_scaling(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    if e.scaling_burst == 0 {
        return Err(bad(
            origin,
            "emulator.scaling_burst",
            0,
            "at least 1 new environment must be allowed (AWS: 1000 per 10 s)",
        ));
    }
    if e.scaling_refill_per_s <= 0.0 {
        return Err(bad(
            origin,
            "emulator.scaling_refill_per_s",
            e.scaling_refill_per_s,
            "the refill rate must be above 0 (AWS: 100 per second)",
        ));
    }
    Ok(())
}

fn validate_reclaim(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    if e.idle_reclaim_s <= 0.0 {
        return Err(bad(
            origin,
            "emulator.idle_reclaim_s",
            e.idle_reclaim_s,
            "idle environments must live above 0 seconds (about 600 on AWS)",
        ));
    }
    if e.idle_reclaim_jitter_s > e.idle_reclaim_s {
        return Err(bad_pair(
            origin,
            "emulator.idle_reclaim_jitter_s",
            "emulator.idle_reclaim_s",
            e.idle_reclaim_jitter_s,
            &format!(
                "the jitter must not exceed emulator.idle_reclaim_s ({})",
                e.idle_reclaim_s
            ),
        ));
    }
    if e.max_lifetime_s > 0.0 && e.max_lifetime_jitter_s > e.max_lifetime_s {
        return Err(bad_pair(
            origin,
            "emulator.max_lifetime_jitter_s",
            "emulator.max_lifetime_s",
            e.max_lifetime_jitter_s,
            &format!(
                "the jitter must not exceed emulator.max_lifetime_s ({})",
                e.max_lifetime_s
            ),
        ));
    }
    Ok(())
}

fn validate_integration_timeout(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    let Some(ms) = e.integration_timeout_ms else {
        return Ok(());
    };
    let key = "emulator.integration_timeout_ms";
    match e.front {
        Front::FunctionUrl => Err(bad_pair(
            origin,
            key,
            "emulator.front",
            ms,
            "a function URL has no integration timeout (the function timeout applies); \
             remove it or use front = 'rest-api'",
        )),
        // REST: 50 ms to 29 s, raisable since June 2024 (up to 300 s reported).
        Front::RestApi if !(50..=300_000).contains(&ms) => Err(bad(
            origin,
            key,
            ms,
            "a REST API allows 50 to 300000 ms (29000 by default)",
        )),
        Front::HttpApi if !(50..=30_000).contains(&ms) => {
            Err(bad(origin, key, ms, "an HTTP API allows 50 to 30000 ms"))
        }
        _ => Ok(()),
    }
}

fn validate_throttle_status(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    if let Some(status) = e.lambda_throttle_status
        && !(400..=599).contains(&status)
    {
        return Err(bad(
            origin,
            "emulator.lambda_throttle_status",
            status,
            "must be an HTTP error status, 400 to 599 (500 for REST, 429 for a function URL)",
        ));
    }
    Ok(())
}

fn validate_stage(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    if e.stage_rate_per_s <= 0.0 {
        return Err(bad(
            origin,
            "emulator.stage_rate_per_s",
            e.stage_rate_per_s,
            "the stage rate must be above 0 requests per second (AWS: 10000)",
        ));
    }
    if e.stage_burst == 0 {
        return Err(bad(
            origin,
            "emulator.stage_burst",
            0,
            "the stage burst must be at least 1 (AWS: 5000)",
        ));
    }
    Ok(())
}

fn validate_metrics_period(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    // CloudWatch's periods: 1, 5, 10, 30 (high resolution) or 60 seconds.
    if ![1, 5, 10, 30, 60].contains(&e.metrics_period_s) {
        return Err(bad(
            origin,
            "emulator.metrics_period_s",
            e.metrics_period_s,
            "CloudWatch periods are 1, 5, 10, 30 or 60 seconds",
        ));
    }
    Ok(())
}

fn validate_jitter(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    if e.jitter >= 1.0 {
        return Err(bad(
            origin,
            "emulator.jitter",
            e.jitter,
            "the relative spread of durations must be below 1 (0.08 is about ±15%)",
        ));
    }
    Ok(())
}

fn validate_cloudwatch(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    let c = &e.cloudwatch;
    let ranged = [
        (
            "filter_calls_per_s",
            c.filter_calls_per_s,
            1,
            10_000,
            "calls a second, 1 or more (AWS: 5)",
        ),
        (
            "page_events",
            c.page_events,
            1,
            10_000,
            "events a page, 1 to 10000 (AWS: 10000)",
        ),
        (
            "page_bytes",
            c.page_bytes,
            1,
            1_048_576,
            "bytes a page, 1 to 1048576 (AWS: 1 MB)",
        ),
        (
            "stored_lines",
            c.stored_lines,
            1,
            10_000_000,
            "lines kept, 1 to 10000000",
        ),
    ];
    for (key, v, lo, hi, allowed) in ranged {
        if !(lo..=hi).contains(&v) {
            return Err(bad(
                origin,
                &format!("emulator.cloudwatch.{key}"),
                v,
                allowed,
            ));
        }
    }
    if c.ingestion_delay_min_ms > c.ingestion_delay_max_ms {
        return Err(bad(
            origin,
            "emulator.cloudwatch.ingestion_delay_min_ms",
            c.ingestion_delay_min_ms,
            &format!(
                "the shortest delay must not exceed emulator.cloudwatch.ingestion_delay_max_ms ({})",
                c.ingestion_delay_max_ms
            ),
        ));
    }
    Ok(())
}

fn validate_tui(t: &TuiConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    if !(1..=120).contains(&t.fps) {
        return Err(bad(
            origin,
            "tui.fps",
            t.fps,
            "frames per second must be 1 to 120",
        ));
    }
    if !(1..=100_000).contains(&t.requests) {
        return Err(bad(
            origin,
            "tui.requests",
            t.requests,
            "a burst has 1 to 100000 requests",
        ));
    }
    if t.sleep_ms > 900_000 {
        return Err(bad(
            origin,
            "tui.sleep_ms",
            t.sleep_ms,
            "at most 900000 ms (Lambda's longest timeout)",
        ));
    }
    for (key, value) in [
        ("tui.ramp_s", t.ramp_s),
        ("tui.rate_s", t.rate_s),
        ("tui.keep_warm_every_s", t.keep_warm_every_s),
    ] {
        if value == 0 {
            return Err(bad(origin, key, value, "must be at least 1 second"));
        }
    }
    Ok(())
}

fn validate_aws(a: &AwsConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    if let Some(f) = &a.function {
        // A name (64 at most), or an ARN / partial ARN the console copies.
        let ok = !f.is_empty()
            && f.len() <= 140
            && f.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_:$.".contains(&b));
        if !ok {
            return Err(bad(
                origin,
                "aws.function",
                f,
                "a function name has letters, digits, '-' and '_' (or give its ARN)",
            ));
        }
    }
    if let Some(url) = &a.endpoint_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(bad(
            origin,
            "aws.endpoint_url",
            url,
            "an endpoint is a URL such as http://127.0.0.1:4566",
        ));
    }
    if a.api_name.is_some() && a.api_id.is_some() {
        return Err(bad_pair(
            origin,
            "aws.api_name",
            "aws.api_id",
            a.api_name.as_deref().unwrap_or_default(),
            "give one API: api_name for a REST API or api_id for an HTTP API",
        ));
    }
    let ranges = [
        (
            "aws.metrics_poll_s",
            a.metrics_poll_s,
            5,
            3600,
            "5 to 3600 seconds",
        ),
        (
            "aws.metrics_window_min",
            a.metrics_window_min,
            1,
            1440,
            "1 to 1440 minutes",
        ),
        (
            "aws.logs_poll_ms",
            a.logs_poll_ms,
            200,
            600_000,
            "200 to 600000 ms (FilterLogEvents allows few calls per second)",
        ),
        (
            "aws.logs_lookback_s",
            a.logs_lookback_s,
            0,
            86_400,
            "0 to 86400 seconds",
        ),
        (
            "aws.assume_reclaimed_after_s",
            a.assume_reclaimed_after_s,
            60,
            86_400,
            "60 to 86400 seconds",
        ),
    ];
    for (key, value, lo, hi, allowed) in ranges {
        if !(lo..=hi).contains(&value) {
            return Err(bad(origin, key, value, allowed));
        }
    }
    Ok(())
}

fn validate_process(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    if e.handler == Handler::Process && e.process.command.first().is_none_or(String::is_empty) {
        return Err(bad_pair(
            origin,
            "emulator.handler",
            "emulator.process.command",
            "process",
            "the process handler needs a command: set emulator.process.command = [\"python3\", \"app.py\"] or pass --handler-cmd",
        ));
    }
    Ok(())
}

fn validate_models(e: &EmulatorConfig, origin: Origin<'_>) -> Result<(), ConfigError> {
    if let Some(n) = e.max_concurrency_per_env
        && !(1..=1600).contains(&n)
    {
        return Err(bad(
            origin,
            "emulator.max_concurrency_per_env",
            n,
            "1 to 1600 requests per environment (Web Functions allow up to 128)",
        ));
    }
    if e.max_environments == Some(0) {
        return Err(bad(origin, "emulator.max_environments", 0, "at least 1"));
    }
    if e.queue_timeout_ms == 0 {
        return Err(bad(origin, "emulator.queue_timeout_ms", 0, "at least 1 ms"));
    }
    Ok(())
}
