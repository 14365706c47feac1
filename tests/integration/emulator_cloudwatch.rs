//! The emulator plays CloudWatch Logs for its own function: the Rust SDK reads its log
//! group as it reads AWS's (one stream per environment, every REPORT, filter patterns,
//! pages), and the emulator holds callers to FilterLogEvents' 5 calls a second.

use std::time::Duration;

use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;

use crate::common::{self, aws_servers};
use thaw::event::EventKind;

/// Every line the emulator wrote, read back through the Rust SDK as from AWS: page by page
/// (following `nextToken`, under the 5-calls-a-second quota) until all are ingested.
async fn read_all(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    want: usize,
) -> Vec<(String, String)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let mut lines = Vec::new();
        let mut token = None;
        loop {
            let page = logs
                .filter_log_events()
                .log_group_name(group)
                .filter_pattern("?START ?REPORT ?INIT_START")
                .limit(40)
                .set_next_token(token.clone())
                .send()
                .await;
            match page {
                Ok(p) => {
                    lines.extend(p.events().iter().map(|e| {
                        (
                            e.log_stream_name().unwrap_or_default().to_string(),
                            e.message().unwrap_or_default().to_string(),
                        )
                    }));
                    token = p.next_token().map(str::to_string);
                    if token.is_none() {
                        break;
                    }
                }
                // The quota: wait for the bucket, as a client of AWS must.
                Err(e) if e.code() == Some("ThrottlingException") => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        if lines.len() >= want || tokio::time::Instant::now() > deadline {
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A CloudWatch Logs client of the emulator (the SDK's retries off, so every answer
/// shows), and the function's log group.
async fn client(emu: &common::Running) -> (aws_sdk_cloudwatchlogs::Client, String) {
    let sdk = aws_servers::sdk_with(&emu.emulator.url(), false).await;
    let group = format!("/aws/lambda/{}", common::quick().function_name);
    (aws_sdk_cloudwatchlogs::Client::new(&sdk), group)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulators_log_group_reads_as_cloudwatch_through_the_sdk() {
    let mut emu = common::start(common::quick()).await;
    let answers = common::burst(&emu.url(""), 50).await;
    assert!(answers.iter().all(|r| r.status == 200));
    common::burst(&emu.url(""), 50).await;
    // The emulator's own account of it: 50 environments born.
    let born = emu
        .drain()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::InitStart { .. }))
        .count();
    assert_eq!(born, 50);
    let (logs, group) = client(&emu).await;
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/")
        .send()
        .await
        .unwrap();
    assert_eq!(
        groups.log_groups()[0].log_group_name(),
        Some(group.as_str())
    );
    // INIT_START, START and REPORT per cold invocation, START and REPORT per warm one;
    // the filter pattern leaves END (and the function's own lines) out.
    let lines = read_all(&logs, &group, 250).await;
    assert_eq!(lines.len(), 250);
    let streams: std::collections::HashSet<&str> = lines.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(streams.len(), born, "one log stream per environment");
    let reports = lines
        .iter()
        .filter(|(_, m)| m.starts_with("REPORT"))
        .count();
    let cold = lines
        .iter()
        .filter(|(_, m)| m.starts_with("REPORT") && m.contains("Init Duration"))
        .count();
    assert_eq!((reports, cold), (100, 50));
    assert!(lines.iter().all(|(_, m)| !m.starts_with("END")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sixth_filter_call_in_a_second_is_throttled_as_aws_does() {
    let emu = common::start(common::quick()).await;
    common::burst(&emu.url(""), 3).await;
    let (logs, group) = client(&emu).await;
    let mut codes = Vec::new();
    for _ in 0..6 {
        let r = logs.filter_log_events().log_group_name(&group).send().await;
        codes.push(r.err().and_then(|e| e.code().map(str::to_string)));
    }
    assert_eq!(codes[..5], [None, None, None, None, None], "{codes:?}");
    assert_eq!(codes[5].as_deref(), Some("ThrottlingException"));
    // A group the emulator does not have is not found, as on AWS.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let e = logs
        .filter_log_events()
        .log_group_name("/aws/lambda/other")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
}
