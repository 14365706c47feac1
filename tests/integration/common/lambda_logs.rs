//! Lambda log streams to put into a CloudWatch Logs server (moto): three environments,
//! in either log format.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;

pub fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

pub const R1: &str = "0f7c1b7e-0001-4d7a-9a1e-000000000001";
pub const R2: &str = "0f7c1b7e-0002-4d7a-9a1e-000000000002";
pub const R3: &str = "0f7c1b7e-0003-4d7a-9a1e-000000000003";
pub const R4: &str = "0f7c1b7e-0004-4d7a-9a1e-000000000004";
pub const R5: &str = "0f7c1b7e-0005-4d7a-9a1e-000000000005";

fn text_report(id: &str, ms: f64, init: Option<f64>) -> String {
    let init = init
        .map(|i| format!("Init Duration: {i:.2} ms\t"))
        .unwrap_or_default();
    format!(
        "REPORT RequestId: {id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\t{init}",
        ms.ceil()
    )
}

fn json_report(id: &str, ms: f64, init: Option<f64>) -> String {
    let mut metrics = serde_json::json!({"durationMs": ms, "billedDurationMs": ms.ceil(), "memorySizeMB": 128, "maxMemoryUsedMB": 71});
    if let Some(i) = init {
        metrics["initDurationMs"] = serde_json::json!(i);
    }
    serde_json::json!({"time": "2026-11-23T10:00:00.000Z", "type": "platform.report",
        "record": {"requestId": id, "metrics": metrics, "status": "success"}})
    .to_string()
}

/// Three environments: `a` cold then reused, `b` cold, `c` already warm before the
/// window (a reuse only). Two cold starts, three warm, five invocations.
pub fn streams(json: bool) -> Vec<(&'static str, Vec<String>)> {
    let init = |rt: &str| {
        if json {
            format!(
                r#"{{"time":"2026-11-23T10:00:00.000Z","type":"platform.initStart","record":{{"initializationType":"on-demand","phase":"init","runtimeVersion":"{rt}"}}}}"#
            )
        } else {
            format!(
                "INIT_START Runtime Version: {rt}\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0a1b"
            )
        }
    };
    let start = |id: &str| {
        if json {
            format!(
                r#"{{"time":"2026-11-23T10:00:00.000Z","type":"platform.start","record":{{"requestId":"{id}","version":"$LATEST"}}}}"#
            )
        } else {
            format!("START RequestId: {id} Version: $LATEST")
        }
    };
    let end = |id: &str| {
        if json {
            format!(
                r#"{{"time":"2026-11-23T10:00:00.000Z","type":"platform.runtimeDone","record":{{"requestId":"{id}","status":"success"}}}}"#
            )
        } else {
            format!("END RequestId: {id}")
        }
    };
    let report = |id: &str, ms: f64, i: Option<f64>| {
        if json {
            json_report(id, ms, i)
        } else {
            text_report(id, ms, i)
        }
    };
    let output =
        |id: &str| format!("2026-11-23T10:00:00.000Z\t{id}\tINFO\tserving {{\"path\":\"/\"}}");
    vec![
        (
            "2026/11/23/[$LATEST]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            vec![
                init("nodejs:22.v40"),
                start(R1),
                output(R1),
                end(R1),
                report(R1, 105.2, Some(141.7)),
                start(R2),
                end(R2),
                report(R2, 101.0, None),
            ],
        ),
        (
            "2026/11/23/[$LATEST]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            vec![
                init("nodejs:22.v40"),
                start(R3),
                end(R3),
                report(R3, 99.9, Some(150.3)),
            ],
        ),
        (
            "2026/11/23/[$LATEST]cccccccccccccccccccccccccccccccc",
            vec![
                start(R4),
                end(R4),
                report(R4, 100.1, None),
                start(R5),
                "a line the platform would never write: REPORT".into(),
                end(R5),
                report(R5, 100.4, None),
            ],
        ),
    ]
}

/// Puts each stream's lines 10 ms apart, starting 20 s ago.
pub async fn put(
    client: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    streams: &[(&str, Vec<String>)],
) {
    let base = now_ms() - 20_000;
    let timed: Vec<(&str, Vec<(i64, String)>)> = streams
        .iter()
        .map(|(s, lines)| {
            let lines = (0_i64..)
                .zip(lines)
                .map(|(i, m)| (base + i * 10, m.clone()));
            (*s, lines.collect())
        })
        .collect();
    put_timed(client, group, &timed).await;
}

/// Puts each stream's lines at their own times (Unix ms).
pub async fn put_timed(
    client: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    streams: &[(&str, Vec<(i64, String)>)],
) {
    client
        .create_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    for (s, lines) in streams {
        client
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(*s)
            .send()
            .await
            .unwrap();
        let events: Vec<_> = lines
            .iter()
            .map(|(t, m)| {
                InputLogEvent::builder()
                    .timestamp(*t)
                    .message(m)
                    .build()
                    .unwrap()
            })
            .collect();
        client
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(*s)
            .set_log_events(Some(events))
            .send()
            .await
            .unwrap();
    }
}
