//! The AWS checks, in the order a first-time user meets the problems: Region,
//! credentials (and whose they are), the function, its log group, then each call the
//! screen makes, tried for real so a missing permission shows as denied.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;
use aws_sdk_cloudwatch::types::DimensionFilter;
use aws_smithy_types::DateTime;

use super::{Check, Verdict};
/// How long one check's call may take.
const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

use crate::config::AwsConfig;
use crate::event::Stat;
use crate::lambda::Metric;
use crate::sources::aws::{explain, sdk_config};
use crate::sources::cloudwatch::{Series, query};
use crate::sources::function::describe;
use crate::sources::logs;

/// Appends the AWS checks to `out`.
pub async fn checks(aws: &AwsConfig, out: &mut Vec<Check>) {
    let sdk = match sdk_config(aws).await {
        Ok(sdk) => sdk,
        Err(e) => {
            out.push(Check::new("Region", Verdict::Fail, e));
            out.push(skipped("credentials", "a Region"));
            return;
        }
    };
    // Each check is one call: one that hangs (a wrong endpoint, a stalled network) is a
    // failed line after CALL_TIMEOUT, not a doctor that never answers.
    let sdk = sdk
        .to_builder()
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(CALL_TIMEOUT)
                .build(),
        )
        .build();
    let region = sdk.region().map(ToString::to_string).unwrap_or_default();
    out.push(Check::new("Region", Verdict::Pass, region.clone()));
    let identity = credentials(&sdk).await;
    let signed_in = identity.verdict == Verdict::Pass;
    out.push(identity);
    if !signed_in {
        out.push(skipped("function", "credentials"));
        return;
    }
    let group = if let Some(f) = &aws.function {
        let (check, group) = function(&sdk, aws, f, &region).await;
        out.push(check);
        group
    } else {
        out.push(Check::new(
            "function",
            Verdict::Skip,
            "no --function: API Gateway's metrics only",
        ));
        None
    };
    let group = group.or_else(|| aws.log_group_name());
    if let Some(group) = group {
        logs(&sdk, &group, out).await;
    }
    metrics(&sdk, aws, out).await;
}

fn skipped(check: &'static str, needs: &str) -> Check {
    Check::new(
        check,
        Verdict::Skip,
        format!("not checked: needs {needs} first"),
    )
}

/// `sts:GetCallerIdentity`, which every identity may call: are there credentials, and
/// whose are they?
async fn credentials(sdk: &SdkConfig) -> Check {
    const NAME: &str = "credentials";
    match aws_sdk_sts::Client::new(sdk)
        .get_caller_identity()
        .send()
        .await
    {
        Ok(who) => Check::new(
            NAME,
            Verdict::Pass,
            format!(
                "{} (account {})",
                who.arn().unwrap_or("an unnamed identity"),
                who.account().unwrap_or("?")
            ),
        ),
        Err(e) => Check::new(
            NAME,
            Verdict::Fail,
            explain(&e, "sts:GetCallerIdentity").message(),
        ),
    }
}

/// `lambda:GetFunction`: the function exists here, and what it is (read as the screen
/// reads it). Returns its log group when it is not the default one.
async fn function(
    sdk: &SdkConfig,
    aws: &AwsConfig,
    name: &str,
    region: &str,
) -> (Check, Option<String>) {
    const NAME: &str = "function";
    let client = aws_sdk_lambda::Client::new(sdk);
    match describe(&client, name, aws.qualifier.as_deref(), region).await {
        Ok(f) => {
            let shown = match &f.qualifier {
                Some(q) => format!("{name}:{q}"),
                None => name.to_string(),
            };
            let detail = format!(
                "{shown}: {} · {} · {} logs",
                f.short(),
                f.limits(),
                f.log_format
            );
            let group = f.log_group.filter(|_| aws.log_group.is_none());
            (Check::new(NAME, Verdict::Pass, detail), group)
        }
        Err(failure) => (Check::new(NAME, Verdict::Fail, failure.message()), None),
    }
}

/// The log group exists, and the screen may read it (polling, and Live Tail if allowed).
async fn logs(sdk: &SdkConfig, group: &str, out: &mut Vec<Check>) {
    let client = logs::client(sdk);
    let found = client
        .describe_log_groups()
        .log_group_name_prefix(group)
        .send()
        .await;
    let arn = match found {
        Ok(o) => {
            if let Some(g) = o
                .log_groups()
                .iter()
                .find(|g| g.log_group_name() == Some(group))
            {
                out.push(Check::new("log group", Verdict::Pass, group));
                logs::group_arn(g)
            } else {
                out.push(Check::new(
                "log group",
                Verdict::Fail,
                format!(
                    "{group} does not exist: it appears with the function's first invocation; if its logs go elsewhere, pass --log-group"
                ),
            ));
                return;
            }
        }
        Err(e) => {
            out.push(Check::new(
                "log group",
                Verdict::Fail,
                explain(&e, "logs:DescribeLogGroups").message(),
            ));
            None
        }
    };
    let polled = client
        .filter_log_events()
        .log_group_name(group)
        .limit(1)
        .send()
        .await;
    let can_poll = polled.is_ok();
    out.push(match polled {
        Ok(_) => Check::new("log events", Verdict::Pass, "logs:FilterLogEvents allowed"),
        Err(e) => Check::new(
            "log events",
            Verdict::Fail,
            explain(&e, "logs:FilterLogEvents").message(),
        ),
    });
    let Some(arn) = arn else { return };
    // Starting a session is the only way to know it is allowed; it is closed at once.
    let tail = client
        .start_live_tail()
        .log_group_identifiers(arn)
        .send()
        .await;
    out.push(match tail {
        Ok(_) => Check::new(
            "Live Tail",
            Verdict::Pass,
            "logs:StartLiveTail allowed: log lines within a second",
        ),
        Err(e) => Check::new(
            "Live Tail",
            if can_poll {
                Verdict::Warn
            } else {
                Verdict::Fail
            },
            format!(
                "{}; the screen polls FilterLogEvents instead (lines a few seconds later)",
                explain(&e, "logs:StartLiveTail").message()
            ),
        ),
    });
}

/// `cloudwatch:GetMetricData` and `cloudwatch:ListMetrics`, each tried once.
async fn metrics(sdk: &SdkConfig, aws: &AwsConfig, out: &mut Vec<Check>) {
    let client = aws_sdk_cloudwatch::Client::new(sdk);
    let (dim, value) = match (&aws.function, &aws.api_name) {
        (Some(f), _) => ("FunctionName", f.clone()),
        (None, Some(api)) => ("ApiName", api.clone()),
        (None, None) => ("ApiId", aws.api_id.clone().unwrap_or_default()),
    };
    let metric = if dim == "FunctionName" {
        Metric::ConcurrentExecutions
    } else {
        Metric::Count
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs().cast_signed());
    let series = Series::of(metric, Stat::Maximum, vec![(dim.into(), value.clone())]);
    let data = client
        .get_metric_data()
        .start_time(DateTime::from_secs(now - 900))
        .end_time(DateTime::from_secs(now))
        .metric_data_queries(query(0, &series))
        .send()
        .await;
    out.push(match data {
        Ok(o) => {
            let points: usize = o
                .metric_data_results()
                .iter()
                .map(|r| r.values().len())
                .sum();
            Check::new(
                "metrics",
                Verdict::Pass,
                format!(
                    "cloudwatch:GetMetricData allowed ({points} {metric} points in the last 15 min)"
                ),
            )
        }
        Err(e) => Check::new(
            "metrics",
            Verdict::Fail,
            explain(&e, "cloudwatch:GetMetricData").message(),
        ),
    });
    let listed = client
        .list_metrics()
        .namespace(metric.namespace())
        .dimensions(DimensionFilter::builder().name(dim).value(&value).build())
        .send()
        .await;
    out.push(match listed {
        Ok(o) => Check::new(
            "metric names",
            Verdict::Pass,
            format!(
                "cloudwatch:ListMetrics allowed ({} series)",
                o.metrics().len()
            ),
        ),
        // Only the Web Functions series are discovered this way; the rest still come.
        Err(e) => Check::new(
            "metric names",
            Verdict::Warn,
            format!(
                "{}; Web Functions' own series will not be found",
                explain(&e, "cloudwatch:ListMetrics").message()
            ),
        ),
    });
}
