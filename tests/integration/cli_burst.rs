//! `thaw burst` as a user runs it: summaries, output formats, exit statuses, bad flags.

use crate::common;

use std::process::{Command, Output};

fn thaw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_thaw"))
        .arg("burst")
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn default_run_targets_the_embedded_emulator_and_prints_a_summary() {
    let o = thaw(&["/?sleep_ms=200", "--plan", "parallel 20; serial 10"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    assert!(text.contains("(embedded emulator)"), "{text}");
    assert!(text.contains("requests      30 sent, 30 ok"), "{text}");
    assert!(text.contains("environments  20 seen"), "{text}");
    assert!(
        text.contains("cold / warm   20 / 10, reuse 33.3%"),
        "{text}"
    );
    assert!(
        text.contains("ms spread, first to last request written (parallel 20)"),
        "{text}"
    );
}

#[test]
fn json_and_csv_outputs_for_scripts() {
    let o = thaw(&["-o", "json", "-p", "parallel 5"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["requests"], 5);
    assert_eq!(v["cold"], 5);
    assert!(v["steps"][0]["release_spread_ms"].as_f64().is_some());

    let o = thaw(&["-o", "csv", "-p", "serial 3"]);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("id,planned_us,sent_us"));
    assert!(lines[1..].iter().all(|l| l.contains(",200,")), "{text}");
}

#[test]
fn failed_requests_exit_3() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let o = thaw(&[&format!("http://{closed}/"), "-p", "parallel 2"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stdout(&o).contains("errors        refused 2"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bad_flags_are_one_line_errors_with_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["-p", "parallel 0"],
            "thaw: error: plan 'parallel 0': parallel N must be at least 1",
        ),
        (
            &["-p", "rate 100"],
            "thaw: error: plan 'rate 100': rate needs a duration; write e.g. 'rate 100 for 10s'",
        ),
        (
            &["localhost:3000"],
            "thaw: error: URL 'localhost:3000' needs a scheme and host, like http://127.0.0.1:3000/path",
        ),
        (
            &["-H", "no colon here"],
            "thaw: error: header 'no colon here' has no ':'; write it like -H 'Accept: application/json'",
        ),
        (
            &["--timeout", "soon"],
            "thaw: error: --timeout 'soon' is not a duration above 0, like 30s or 500ms",
        ),
        (
            &["-X", "G/T"],
            "thaw: error: method 'G/T' is not an HTTP method like GET or POST",
        ),
    ];
    for (args, want) in cases {
        let o = thaw(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&o.stderr).trim_end(),
            *want,
            "{args:?}"
        );
        assert!(o.stdout.is_empty());
    }
}

/// The environment of a thaw process that sees only these AWS settings.
fn aws_isolated(cmd: &mut Command, creds: bool) -> &mut Command {
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("AWS_")) {
        cmd.env_remove(k);
    }
    cmd.env("HOME", "/nonexistent-thaw-home")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    if creds {
        cmd.env("AWS_ACCESS_KEY_ID", "AKIDTHAWTEST")
            .env("AWS_SECRET_ACCESS_KEY", "thaw-test-secret")
            .env("AWS_SESSION_TOKEN", "thaw-test-token");
    }
    cmd
}

#[test]
fn sigv4_signs_with_credentials_from_the_standard_chain() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 8192];
        let n = s.read(&mut buf).unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_thaw"));
    cmd.args([
        "burst",
        &format!("http://{addr}/fn?x=1"),
        "--sigv4",
        "--region",
        "eu-west-1",
        "-p",
        "serial 1",
    ])
    .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test");
    let out = aws_isolated(&mut cmd, true).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let request = server.join().unwrap();
    let header = |name: &str| {
        request
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in {request}"))
            .trim()
            .to_string()
    };
    let amz_date = header("x-amz-date");
    assert_eq!(header("x-amz-security-token"), "thaw-test-token");
    let auth = header("authorization");
    let day = &amz_date[..8];
    assert!(
        auth.starts_with(&format!(
            "AWS4-HMAC-SHA256 Credential=AKIDTHAWTEST/{day}/eu-west-1/lambda/aws4_request"
        )),
        "{auth}"
    );

    // Recompute the signature from what arrived: it covers this host, path and query.
    let when = humantime::parse_rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        &amz_date[0..4],
        &amz_date[4..6],
        &amz_date[6..8],
        &amz_date[9..11],
        &amz_date[11..13],
        &amz_date[13..15]
    ))
    .unwrap();
    let identity = aws_credential_types::Credentials::new(
        "AKIDTHAWTEST",
        "thaw-test-secret",
        Some("thaw-test-token".into()),
        None,
        "t",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-1")
        .name("lambda")
        .time(when)
        .settings(aws_sigv4::http_request::SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let host = addr.to_string();
    let signable = aws_sigv4::http_request::SignableRequest::new(
        "GET",
        format!("http://{host}/fn?x=1"),
        std::iter::once(("host", host.as_str())),
        aws_sigv4::http_request::SignableBody::Bytes(&[]),
    )
    .unwrap();
    let (_, signature) = aws_sigv4::http_request::sign(signable, &params)
        .unwrap()
        .into_parts();
    assert!(
        auth.ends_with(&format!("Signature={signature}")),
        "{auth} vs {signature}"
    );
    // Nothing of it reaches the output.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("thaw-test"));
}

#[test]
fn sigv4_without_credentials_is_a_one_line_error() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_thaw"));
    cmd.args([
        "burst",
        "http://127.0.0.1:9/",
        "--sigv4",
        "--region",
        "us-east-1",
    ])
    .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test");
    let out = aws_isolated(&mut cmd, false).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("thaw: error: --sigv4 could not load AWS credentials"),
        "{stderr}"
    );
}

#[test]
fn a_recorded_burst_keeps_the_emulators_events_and_replays_to_the_same_summary() {
    let path = common::scratch("burst.jsonl");
    let out = thaw(&[
        "-p",
        "parallel 8; serial 4",
        "--record",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("thaw replay"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{\"format\":\"thaw-recording\",\"version\":1"));
    assert_eq!(
        text.matches("\"type\":\"init_start\"").count(),
        8,
        "the emulator's lifecycle"
    );
    assert_eq!(text.matches("\"type\":\"request\"").count(), 12);
    let replayed = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(["replay", "--summary", path.to_str().unwrap()])
        .output()
        .unwrap();
    let live = stdout(&out);
    let again = stdout(&replayed);
    // The burst's own lines are the same, read back from the file.
    for line in live
        .lines()
        .filter(|l| l.starts_with("requests") || l.starts_with("cold / warm"))
    {
        assert!(again.contains(line), "{line} missing from:\n{again}");
    }
}

#[test]
fn recording_to_an_unwritable_place_is_a_one_line_error() {
    let out = thaw(&["-p", "parallel 2", "--record", "/nonexistent-dir/x.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("--record /nonexistent-dir/x.jsonl: cannot create the file"),
        "{err}"
    );
    let full = thaw(&["-p", "parallel 2", "--record", "/dev/full"]);
    assert_eq!(full.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&full.stderr).contains("cannot write"));
}

#[test]
fn a_recording_that_hits_a_file_size_limit_is_reported_after_the_summary() {
    let path = common::scratch("full.jsonl");
    let script = format!(
        "ulimit -f 4 && exec {} burst -p 'parallel 100' --record {}",
        env!("CARGO_BIN_EXE_thaw"),
        path.display()
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
        .output()
        .unwrap();
    let stdout = stdout(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("requests      100 sent, 100 ok"),
        "the burst ran: {stdout}{stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("write failed") && stderr.contains("recording stopped"),
        "{stderr}"
    );
    // What was written before the limit is a readable recording.
    let summary = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(["replay", "--summary"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        summary.status.success(),
        "{}",
        String::from_utf8_lossy(&summary.stderr)
    );
}

#[test]
fn an_endpoint_that_dies_mid_burst_is_errors_by_kind_not_a_crash() {
    let mut served = common::serve(&["--quiet"]);
    let url = format!("{}/prod/hello?sleep_ms=1500", served.url);
    let burst = std::thread::spawn(move || {
        Command::new(env!("CARGO_BIN_EXE_thaw"))
            .args([
                "burst",
                &url,
                "-p",
                "parallel 30; wait 500ms; parallel 10",
                "--timeout",
                "5s",
            ])
            .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
            .output()
            .unwrap()
    });
    // The endpoint goes away while the first 30 are in flight.
    std::thread::sleep(std::time::Duration::from_millis(700));
    served.child.kill().unwrap();
    let _ = served.child.wait();
    let out = burst.join().unwrap();
    let text = stdout(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "some requests failed: {text}{err}"
    );
    assert!(text.contains("requests      40 sent, 0 ok"), "{text}");
    assert!(
        text.contains("reset") || text.contains("refused"),
        "errors by kind: {text}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// On the embedded emulator the summary says what Lambda did behind the client's errors:
/// a REST API's 500s that were throttles at the account limit, and function errors; the
/// JSON gives error kinds as an object of counts.
#[test]
fn the_summary_explains_what_the_platform_did() {
    let o = thaw(&[
        "/?sleep_ms=300",
        "-p",
        "parallel 130",
        "--set",
        "emulator.account_concurrency=110",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let text = stdout(&o);
    assert!(text.contains("errors        server 20"), "{text}");
    assert!(
        text.contains("platform      110 invocations on 110 environments: 110 cold"),
        "{text}"
    );
    assert!(
        text.contains("lambda        20 throttled at the account's concurrency limit (ConcurrentInvocationLimitExceeded"),
        "{text}"
    );

    let o = thaw(&[
        "/?sleep_ms=300",
        "-p",
        "parallel 130",
        "--set",
        "emulator.account_concurrency=110",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["errors"], serde_json::json!({"server": 20}));
    assert_eq!(
        v["platform"]["throttles"],
        serde_json::json!({"account_concurrency": 20})
    );
    assert_eq!(v["platform"]["invocations"], 110);

    let o = thaw(&["/?fail=1", "-p", "parallel 3"]);
    let text = stdout(&o);
    assert!(
        text.contains("function      3 function errors (Error ×3 in invoke)"),
        "{text}"
    );

    // A runtime that cannot start: every request's Init failed, and the summary says so.
    let o = thaw(&["--handler-cmd", "/nonexistent/bin", "-p", "parallel 2"]);
    let text = stdout(&o);
    assert!(text.contains("errors        server 2"), "{text}");
    assert!(
        text.contains("function      2 Init failures (Runtime.ExitError ×2 in init)"),
        "{text}"
    );
    let o = thaw(&[
        "--handler-cmd",
        "/nonexistent/bin",
        "-p",
        "parallel 2",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["platform"]["error_types"],
        serde_json::json!({"init": {"Runtime.ExitError": 2}})
    );
}
