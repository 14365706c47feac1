use super::*;

fn group(cfg: &CloudWatchConfig) -> Logs {
    Logs::new(cfg, "f", "us-east-1", "123456789012", Some(1))
}

fn logs() -> Logs {
    let mut l = group(&CloudWatchConfig::default());
    for i in 0..3 {
        l.push(
            "2026/12/08/[$LATEST]aa",
            1_000 + i,
            &format!("START RequestId: {i}"),
        );
        l.push(
            "2026/12/08/[$LATEST]aa",
            1_000 + i,
            &format!("handler says {i}"),
        );
    }
    l
}

fn call(l: &mut Logs, op: LogsOp, body: &str, at_s: u64) -> (u16, Value) {
    let r = l.answer(
        op,
        body.as_bytes(),
        Duration::from_secs(at_s),
        1_000_000 + i64::try_from(at_s).unwrap(),
    );
    (r.status, serde_json::from_slice(&r.body).unwrap())
}

#[test]
fn the_group_shows_once_written_and_filters_read_it_by_pattern() {
    let mut empty = group(&CloudWatchConfig::default());
    let (_, v) = call(&mut empty, LogsOp::DescribeLogGroups, "{}", 0);
    assert_eq!(v["logGroups"].as_array().map(Vec::len), Some(0));
    let mut l = logs();
    let (_, v) = call(
        &mut l,
        LogsOp::DescribeLogGroups,
        r#"{"logGroupNamePrefix":"/aws/lambda/f"}"#,
        0,
    );
    assert_eq!(v["logGroups"][0]["logGroupName"], "/aws/lambda/f");
    let (status, v) = call(
        &mut l,
        LogsOp::FilterLogEvents,
        r#"{"logGroupName":"/aws/lambda/f","filterPattern":"?START ?REPORT"}"#,
        0,
    );
    assert_eq!(status, 200, "{v}");
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["message"], "START RequestId: 0");
    assert!(events[0]["ingestionTime"].as_i64() > events[0]["timestamp"].as_i64());
}

#[test]
fn a_sixth_call_in_a_second_is_throttled_and_errors_are_awss() {
    let mut l = logs();
    let body = r#"{"logGroupName":"/aws/lambda/f"}"#;
    for _ in 0..CloudWatchConfig::default().filter_calls_per_s {
        assert_eq!(call(&mut l, LogsOp::FilterLogEvents, body, 10).0, 200);
    }
    let (status, v) = call(&mut l, LogsOp::FilterLogEvents, body, 10);
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("ThrottlingException"))
    );
    // A second later the bucket has refilled.
    assert_eq!(call(&mut l, LogsOp::FilterLogEvents, body, 11).0, 200);
    let (_, v) = call(
        &mut l,
        LogsOp::FilterLogEvents,
        r#"{"logGroupName":"/aws/lambda/other"}"#,
        12,
    );
    assert_eq!(v["__type"], "ResourceNotFoundException");
    let (_, v) = call(
        &mut l,
        LogsOp::FilterLogEvents,
        r#"{"logGroupName":"/aws/lambda/f","nextToken":"nope"}"#,
        13,
    );
    assert_eq!(v["__type"], "InvalidParameterException");
    let (_, v) = call(&mut l, LogsOp::FilterLogEvents, "not json", 14);
    assert_eq!(v["__type"], "InvalidParameterException");
    assert!(LogsOp::of("Logs_20140328.PutLogEvents").is_some_and(|r| r.is_err()));
    assert_eq!(LogsOp::of("Lambda.Invoke"), None);
}

#[test]
fn the_quotas_are_settings() {
    let cfg = CloudWatchConfig {
        filter_calls_per_s: 2,
        page_events: 2,
        ingestion_delay_min_ms: 0,
        ingestion_delay_max_ms: 0,
        ..CloudWatchConfig::default()
    };
    let mut l = group(&cfg);
    l.push("s", 1_000, "START RequestId: a");
    l.push("s", 1_001, "START RequestId: b");
    l.push("s", 1_002, "START RequestId: c");
    let r = l.answer(
        LogsOp::FilterLogEvents,
        br#"{"logGroupName":"/aws/lambda/f"}"#,
        Duration::ZERO,
        1_002,
    );
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    // No delay: written is searchable; a page holds two.
    assert_eq!(v["events"].as_array().map(Vec::len), Some(2));
    assert!(v["nextToken"].is_string());
    l.answer(LogsOp::FilterLogEvents, b"{}", Duration::ZERO, 1_002);
    let r = l.answer(LogsOp::FilterLogEvents, b"{}", Duration::ZERO, 1_002);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["__type"], "ThrottlingException");
}
