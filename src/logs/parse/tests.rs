//! Real Lambda log lines, each with where it was seen. Function output must be skipped,
//! broken platform lines reported, nothing may panic.

use super::*;

fn report(line: &str) -> Report {
    match parse(line) {
        Ok(Line::Report(r)) => r,
        other => panic!("{line:?} -> {other:?}"),
    }
}

#[test]
fn text_lines_of_several_runtimes() {
    let cases: &[(&str, &str, Line)] = &[
        (
            "Node.js 24, us-west-2, `aws logs tail` (2026-07)",
            "INIT_START Runtime Version: nodejs:24.v48\tRuntime Version ARN: arn:aws:lambda:us-west-2::runtime:adfa9c68b2b34ae1cba34f70c4369649bca17aea5fe29e10414b040bf256e6c6",
            Line::InitStart {
                init_type: InitType::OnDemand,
            },
        ),
        (
            "Node.js 24 (2026-07)",
            "START RequestId: c7bb77a1-774b-42a2-a86a-a8390d6215cd Version: $LATEST",
            Line::Start {
                request_id: "c7bb77a1-774b-42a2-a86a-a8390d6215cd".into(),
            },
        ),
        (
            "Node.js 24 function output (2026-07)",
            "2026-07-22T03:52:34.461Z\tc7bb77a1-774b-42a2-a86a-a8390d6215cd\tINFO\thello",
            Line::Output,
        ),
        (
            "Python 3.13, eu-west-2, test fixture (2025-06), with its newline",
            "INIT_START Runtime Version: python:3.13.v43\tRuntime Version ARN: arn:aws:lambda:eu-west-2::runtime:df8faab1a4e36a929b5b10ecff95891dfa72d84ddc1402efb6a66f373fa0c7af\n",
            Line::InitStart {
                init_type: InitType::OnDemand,
            },
        ),
        (
            "Python 3.13 function output (2025-06)",
            "[INFO]\t2025-06-04T12:46:22.643Z\tb947edca-4eed-4d1f-867a-69675d275389\tNo data changes in the table address\n",
            Line::Output,
        ),
        (
            "Rust on provided.al2023, copied with spaces for tabs (2023-12)",
            "INIT_START Runtime Version: provided:al2023.v10 Runtime Version ARN: arn:aws:lambda:us-east-1::runtime:389fcaae1b213b40d38ed791dfb615af1a71a32d6996ff7c4afdde3d5af4b6f2",
            Line::InitStart {
                init_type: InitType::OnDemand,
            },
        ),
        (
            "extension on provided.al2023 (2023-12)",
            "EXTENSION Name: cloudwatch_lambda_agent State: Ready Events: [INVOKE, SHUTDOWN]",
            Line::Platform,
        ),
        (
            "extension logs subscription (2023-12)",
            "LOGS Name: cloudwatch_lambda_agent State: Subscribed Types: [Platform]",
            Line::Platform,
        ),
        (
            "provided.al2023 with a bad entrypoint, eu-west-1",
            "INIT_REPORT Init Duration: 0.27 ms\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint",
            Line::InitReport {
                init_ms: 0.27,
                ok: false,
                phase: "init".into(),
                error_type: Some("Runtime.InvalidEntrypoint".into()),
            },
        ),
        (
            "Node.js 24 END (2026-07)",
            "END RequestId: d427bf37-030a-438f-a0e4-514b517d50c3",
            Line::End {
                request_id: "d427bf37-030a-438f-a0e4-514b517d50c3".into(),
            },
        ),
        (
            "Go test corpus: a line that only mentions START (2026-09)",
            "plain output mentioning START RequestId: inside a line\n",
            Line::Output,
        ),
        (
            "timeout line, text format (docs/lambda-facts.md §8)",
            "2023-06-01T12:00:03.010Z 2b9e1a2c-4b8e-4c1f-9a57-3b2f3c4d5e6f Task timed out after 3.00 seconds",
            Line::Timeout {
                request_id: Some("2b9e1a2c-4b8e-4c1f-9a57-3b2f3c4d5e6f".into()),
                seconds: 3.0,
            },
        ),
        (
            "X-Ray trailer",
            "XRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1\tSegmentId: 07f5xmpl2d1f6f85\tSampled: true",
            Line::Platform,
        ),
        ("empty line", "", Line::Output),
    ];
    for (source, line, want) in cases {
        assert_eq!(parse(line).as_ref(), Ok(want), "{source}: {line:?}");
    }
}

#[test]
fn text_reports() {
    // Node.js 24, us-west-2 (2026-07): warm, no trailing tab.
    let warm = report(
        "REPORT RequestId: d427bf37-030a-438f-a0e4-514b517d50c3\tDuration: 1.20 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 81 MB",
    );
    assert_eq!(warm.request_id, "d427bf37-030a-438f-a0e4-514b517d50c3");
    assert!((warm.duration_ms - 1.20).abs() < 1e-9);
    assert_eq!(
        (warm.billed_ms, warm.memory_mb, warm.max_memory_used_mb),
        (2, 128, 81)
    );
    assert!(!warm.cold());
    assert_eq!(warm.outcome, InvokeOutcome::Success);

    // AWS's Python docs example (docs/lambda-facts.md §8): cold, trailing tab.
    let cold = report(
        "REPORT RequestId: 8f5a3c1e-0b7d-4b1a-9e55-2c2f1d4e5a6b\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms\t",
    );
    assert_eq!(cold.init_ms, Some(130.49));
    assert!(cold.cold());

    // A copy whose tabs became two spaces (Python 3.12 README, 2026).
    let spaced = report(
        "REPORT RequestId: xxx  Duration: 61.09 ms  Billed Duration: 4048 ms  Memory Size: 512 MB  Max Memory Used: 193 MB  Init Duration: 3986.50 ms",
    );
    assert_eq!(spaced.init_ms, Some(3986.5));
    assert_eq!(spaced.billed_ms, 4048);
    assert_eq!(spaced.memory_mb, 512);

    // Timeout and crash (docs/lambda-facts.md §8).
    let timeout = report(
        "REPORT RequestId: a\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\tStatus: timeout",
    );
    assert_eq!(timeout.outcome, InvokeOutcome::Timeout);
    let crash = report(
        "REPORT RequestId: b\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\tStatus: error\tError Type: Runtime.ExitError",
    );
    assert_eq!(crash.outcome, InvokeOutcome::Crash);
    assert_eq!(crash.error_type.as_deref(), Some("Runtime.ExitError"));
    let oom = report(
        "REPORT RequestId: c2 Duration: 800.1 ms Billed Duration: 801 ms Memory Size: 128 MB Max Memory Used: 128 MB Status: error Error Type: Runtime.OutOfMemory",
    );
    assert_eq!(oom.outcome, InvokeOutcome::Error);

    // SnapStart restore (lambda-perf's report regex, docs/lambda-facts.md §8).
    let restored = report(
        "REPORT RequestId: r\tDuration: 20.00 ms\tBilled Duration: 120 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tRestore Duration: 412.30 ms\tBilled Restore Duration: 100 ms\t",
    );
    assert_eq!(restored.restore_ms, Some(412.3));
    assert_eq!(restored.init_ms, None);
    assert!(restored.cold());
}

#[test]
fn json_lines() {
    // Python test data (2024-06): warm report.
    let r = report(
        r#"{"time":"2024-06-17T17:23:55.826Z","type":"platform.report","record":{"requestId":"40f6c622-67a3-4159-97f2-ce364a0cb7a8","metrics":{"durationMs":18.593,"billedDurationMs":19,"memorySizeMB":2048,"maxMemoryUsedMB":246},"status":"success"}}"#,
    );
    assert_eq!(
        (r.billed_ms, r.memory_mb, r.max_memory_used_mb),
        (19, 2048, 246)
    );
    assert!(!r.cold());
    // A cold report (2026-10).
    let r = report(
        r#"{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","record":{"requestId":"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","metrics":{"durationMs":1233.96,"billedDurationMs":1698,"memorySizeMB":256,"maxMemoryUsedMB":123,"initDurationMs":463.512},"status":"success"}}"#,
    );
    assert_eq!(r.init_ms, Some(463.512));
    // A timed-out invocation (2026-07): runtimeDone then report.
    assert_eq!(
        parse(
            r#"{"time":"2026-07-09T06:05:50.562Z","type":"platform.runtimeDone","record":{"requestId":"aec7a529-47f9-4090-be01-c9ed91bf83cf","status":"timeout","metrics":{"durationMs":5001.182,"producedBytes":0}}}"#
        ),
        Ok(Line::End {
            request_id: "aec7a529-47f9-4090-be01-c9ed91bf83cf".into()
        })
    );
    let r = report(
        r#"{"time":"2026-07-09T06:05:50.581Z","type":"platform.report","record":{"requestId":"aec7a529-47f9-4090-be01-c9ed91bf83cf","metrics":{"durationMs":5000.0,"billedDurationMs":5000,"memorySizeMB":128,"maxMemoryUsedMB":94},"status":"timeout"}}"#,
    );
    assert_eq!(r.outcome, InvokeOutcome::Timeout);
    let cases: &[(&str, Line)] = &[
        (
            r#"{"time":"2026-10-08T07:30:41.076Z","type":"platform.start","record":{"requestId":"f0c9f58b-8ebe-4e84-a656-95eb6eee865a","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:f","version":"$LATEST"}}"#,
            Line::Start {
                request_id: "f0c9f58b-8ebe-4e84-a656-95eb6eee865a".into(),
            },
        ),
        (
            r#"{"time":"2026-10-08T07:30:28.900Z","type":"platform.initStart","record":{"initializationType":"provisioned-concurrency","phase":"init","runtimeVersion":"nodejs:22.v40","functionName":"f","functionVersion":"3"}}"#,
            Line::InitStart {
                init_type: InitType::ProvisionedConcurrency,
            },
        ),
        (
            r#"{"time":"2026-10-08T07:30:28.900Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init"}}"#,
            Line::InitStart {
                init_type: InitType::OnDemand,
            },
        ),
        (
            r#"{"time":"2024-01-15T12:00:02.000Z","type":"platform.extension","record":{"name":"agent","state":"Ready","events":["INVOKE"]}}"#,
            Line::Platform,
        ),
        // Function output in JSON: Powertools (2026-08) and a runtime's own JSON logger (2024-02).
        (
            r#"{"level":"WARN","message":"Cannot push rates for property '934811'","service":"rate-pusher"}"#,
            Line::Output,
        ),
        (
            r#"{"timestamp":"2024-02-09T08:42:44.078Z","level":"INFO","requestId":"d661f7cf-9208-46b9-85b0-213b04a91065","message":"Just some logs here =)"}"#,
            Line::Output,
        ),
        (
            r#"{"time":"2026-11-23T10:00:03.010Z","type":"function","requestId":"2b9e1a2c-4b8e-4c1f-9a57-3b2f3c4d5e6f","level":"ERROR","message":"Task timed out after 3.00 seconds"}"#,
            Line::Timeout {
                request_id: Some("2b9e1a2c-4b8e-4c1f-9a57-3b2f3c4d5e6f".into()),
                seconds: 3.0,
            },
        ),
        (
            r#"{"time":"2026-11-23T10:00:00.000Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init","status":"timeout","metrics":{"durationMs":10000.5}}}"#,
            Line::InitReport {
                init_ms: 10000.5,
                ok: false,
                phase: "init".into(),
                error_type: None,
            },
        ),
        (r#"{"broken json from the function"#, Line::Output),
        // Web Functions' system events (web-functions-logging-system-log-schema): an
        // environment's serving period and its shutdown, not single requests.
        (
            r#"{"time":"2026-11-02T10:00:00.000Z","type":"platform.initStart","record":{"functionName":"web","revisionId":"r1","instanceId":"i-1","initializationType":"on-demand"}}"#,
            Line::InitStart {
                init_type: InitType::OnDemand,
            },
        ),
        (
            r#"{"time":"2026-11-02T10:00:00.300Z","type":"platform.invokeStart","record":{"instanceId":"i-1"}}"#,
            Line::Platform,
        ),
        (
            r#"{"time":"2026-11-02T10:01:00.000Z","type":"platform.invokeSummary","record":{"instanceId":"i-1","metrics":{}}}"#,
            Line::Platform,
        ),
        (
            r#"{"time":"2026-11-02T10:20:00.000Z","type":"platform.spinDownStart","record":{"instanceId":"i-1"}}"#,
            Line::SpinDown,
        ),
        (
            r#"{"time":"2026-11-02T10:20:00.500Z","type":"platform.spinDownReport","record":{"instanceId":"i-1"}}"#,
            Line::Platform,
        ),
    ];
    for (line, want) in cases {
        assert_eq!(parse(line).as_ref(), Ok(want), "{line}");
    }
}

#[test]
fn malformed_platform_lines_are_errors_not_panics() {
    for line in [
        "REPORT RequestId: abc\tDuration: banana ms",
        "REPORT garbage",
        "REPORT",
        "START RequestId:",
        "START",
        "INIT_REPORT Phase: init",
        "REPORT RequestId: é\tDuration: -1 ms",
        "REPORT RequestId: x\tDuration: NaN ms",
        r#"{"type":"platform.report","record":{"requestId":"x"}}"#,
        r#"{"type":"platform.report","record":{"metrics":{"durationMs":1}}}"#,
        r#"{"type":"platform.start","record":{}}"#,
        r#"{"type":"platform.report", broken"#,
        r#"{"type":"platform.report","record":{"requestId":"x","metrics":{"durationMs":"fast"}}}"#,
    ] {
        assert!(parse(line).is_err(), "{line:?} -> {:?}", parse(line));
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let alphabet: Vec<char> = "REPORT START END INIT_START RequestId: Duration: ms MB \t{}\":,é0123456789.-platform.report"
        .chars()
        .collect();
    for _ in 0..20_000 {
        let mut s = String::new();
        for _ in 0..(seed % 60) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        let _ = parse(&s);
    }
}
