//! `thaw burst` as a user runs it: summaries, output formats, exit statuses, bad flags.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
