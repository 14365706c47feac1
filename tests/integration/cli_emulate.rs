//! `thaw emulate` as a new user runs it: the binary, its first line, curl, Ctrl-C.

use crate::common;

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};

use crate::common::tools::{Tool, need};
use common::serve;
use std::time::Duration;

/// (environment id, cold) from curl's dump of the response headers.
fn curl(url: &str) -> std::process::Child {
    Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-D", "-", url])
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl is installed (scripts/test installs it)")
}

fn probe(child: Child) -> (String, bool) {
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    let header = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map_or_else(|| panic!("no {name} in {text}"), |v| v.trim().to_string())
    };
    (
        header(thaw::probe::ENV),
        header(thaw::probe::COLD) == "true",
    )
}

#[test]
#[ignore = "needs curl: ./scripts/test runs it"]
fn fifty_parallel_curls_are_cold_then_warm_and_serial_curls_share_one_environment() {
    need(&[Tool::Curl]);
    let served = serve(&[]);
    assert!(
        served
            .first_line
            .starts_with("thaw emulator listening on http://127.0.0.1:")
    );
    assert!(
        served
            .first_line
            .contains("front rest-api, runtime nodejs 128 MB")
    );
    let url = format!("{}?sleep_ms=1000", served.url);

    let parallel = |url: &str| -> Vec<(String, bool)> {
        let children: Vec<Child> = (0..50).map(|_| curl(url)).collect();
        children.into_iter().map(probe).collect()
    };
    let first = parallel(&url);
    let ids: HashSet<_> = first.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids.len(), 50, "50 distinct environments");
    assert!(first.iter().all(|(_, cold)| *cold), "all cold");

    let second = parallel(&url);
    let ids2: HashSet<_> = second.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids2, ids, "the same 50");
    assert!(second.iter().all(|(_, cold)| !*cold), "all warm");

    let serial: HashSet<String> = (0..50).map(|_| probe(curl(&served.url)).0).collect();
    assert_eq!(serial.len(), 1, "one environment serves serial requests");
}

#[test]
fn ctrl_c_stops_cleanly() {
    let mut served = serve(&["--quiet", "--front", "function-url"]);
    assert!(served.first_line.contains("front function-url"));
    served.interrupt();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn bad_configuration_is_one_line_and_exit_status_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args([
            "emulate",
            "--front",
            "alb",
            "--set",
            "emulator.memory_mb=512",
        ])
        .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "thaw: error: flag --front: emulator.front = 'alb': unknown variant 'alb', expected one of 'rest-api', 'http-api', 'function-url'"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(["emulate"])
        .env("THAW_EMULATOR_MEMORY_MB", "64")
        .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "thaw: error: environment variable THAW_EMULATOR_MEMORY_MB: emulator.memory_mb = '64': Lambda allows 128 to 10240 MB"
    );
}

#[test]
fn port_in_use_is_reported_with_the_fix() {
    let first = serve(&["--quiet"]);
    let port = first.url.rsplit(':').next().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(["emulate", "--port", &port])
        .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(stderr.contains("--port, or 0 for any free one"), "{stderr}");
}
