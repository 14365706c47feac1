//! End to end: the real binary inside tmux against the embedded emulator, driven by keys
//! and read back with capture-pane.

use crate::common::tmux;

use std::process::Command;

use crate::common::tools::{Tool, need};
use tmux::{tmux, wait_for};

#[test]
#[ignore = "needs tmux: ./scripts/test runs it"]
fn fire_twenty_cold_then_twenty_warm_then_quit_to_a_usable_prompt() {
    need(&[Tool::Tmux]);
    let session = tmux::start("e2e", 120, 36, "", "-n 20 --set tui.sleep_ms=50");
    let name = session.0.clone();
    wait_for(&name, "no environments yet");

    tmux(&["send-keys", "-t", &name, "Enter"]);
    let s = wait_for(&name, "cold      20");
    assert!(s.contains("warm      0 "), "{s}");
    assert!(s.contains("envs      20"), "{s}");
    assert!(s.contains("live 20"), "{s}");
    // The burst is over once the panel says so (its task may end a moment after the
    // last response is counted; a fire before that is refused as still running).
    wait_for(&name, "20 requests");

    tmux(&["send-keys", "-t", &name, "Enter"]);
    let s = wait_for(&name, "warm      20");
    assert!(s.contains("cold      20"), "{s}");
    assert!(s.contains("reuse     50%"), "{s}");

    tmux(&["send-keys", "-t", &name, "q"]);
    wait_for(&name, "thaw-exited-0");
    tmux(&["send-keys", "-t", &name, "echo prompt-$((40+2))", "Enter"]);
    let s = wait_for(&name, "prompt-42");
    assert!(
        !s.contains("Environments"),
        "the screen was not restored:\n{s}"
    );
    drop(session);
}

#[test]
fn without_a_terminal_it_points_to_thaw_burst() {
    let out = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs a terminal") && err.contains("thaw burst"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(out.stdout.is_empty(), "nothing may reach a pipe");
}

#[test]
#[ignore = "needs tmux: ./scripts/test runs it"]
fn compare_fires_one_burst_at_two_models() {
    need(&[Tool::Tmux]);
    let s = tmux::start(
        "compare",
        130,
        36,
        "",
        "compare -n 30 --set tui.sleep_ms=300",
    );
    wait_for(&s.0, "same plan on both: parallel 30");
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    let screen = wait_for(&s.0, "Environments live 3 ·");
    let screen = if screen.contains("live 30 ·") {
        screen
    } else {
        wait_for(&s.0, "live 30 ·")
    };
    assert!(screen.contains("classic · 1 per environment"), "{screen}");
    assert!(
        screen.contains("web-functions · 10 per environment"),
        "{screen}"
    );
    tmux(&["send-keys", "-t", &s.0, "q"]);
    wait_for(&s.0, "thaw-exited-0");
}

#[test]
#[ignore = "needs tmux: ./scripts/test runs it"]
fn a_terminal_resized_to_one_by_one_and_back_keeps_working() {
    need(&[Tool::Tmux]);
    let s = tmux::start("resize", 120, 36, "", "-n 5 --set tui.sleep_ms=20");
    wait_for(&s.0, "no environments yet");
    tmux(&["resize-window", "-t", &s.0, "-x", "1", "-y", "1"]);
    std::thread::sleep(std::time::Duration::from_millis(400));
    // Firing while too small to draw: the app keeps running.
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    std::thread::sleep(std::time::Duration::from_millis(400));
    tmux(&["resize-window", "-t", &s.0, "-x", "120", "-y", "36"]);
    let screen = wait_for(&s.0, "cold      5");
    assert!(screen.contains("Environments live 5"), "{screen}");
    tmux(&["resize-window", "-t", &s.0, "-x", "60", "-y", "10"]);
    wait_for(&s.0, "too small");
    tmux(&["resize-window", "-t", &s.0, "-x", "120", "-y", "36"]);
    wait_for(&s.0, "Environments live 5");
    tmux(&["send-keys", "-t", &s.0, "q"]);
    wait_for(&s.0, "thaw-exited-0");
}

/// The seed story in the lanes: parallel 50, parallel 50 again, serial 50. Fifty lanes,
/// each born cold by the first burst and reused by the second; one of them also carries
/// the fifty serial bars.
#[test]
#[ignore = "needs tmux: ./scripts/test runs it"]
fn parallel_parallel_serial_reads_as_fifty_lanes_one_carrying_the_serial_run() {
    need(&[Tool::Tmux]);
    let s = tmux::start("lanes", 160, 80, "", "-n 50 --set tui.sleep_ms=100");
    wait_for(&s.0, "no environments yet");
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    wait_for(&s.0, "cold      50");
    wait_for(&s.0, "50 requests");
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    wait_for(&s.0, "warm      50");
    // The second run is over when the panel's run line ("… · 0 in flight · 1.2 s") is
    // gone: a fire before that is refused as still running.
    tmux::wait_gone(&s.0, "in flight ·");
    tmux(&["send-keys", "-t", &s.0, "2", "Enter"]);
    wait_for(&s.0, "warm      100");
    // Lanes, zoomed to 10 s: one column is 0.1 s, a serial bar about one column.
    tmux(&["send-keys", "-t", &s.0, "v", "Z"]);
    let screen = wait_for(&s.0, "Lanes 10 s");
    let lanes: Vec<(u32, u32, &str)> = screen
        .lines()
        .filter_map(|l| {
            let inner = l.strip_prefix('│')?;
            let (body, _) = inner.split_once('│')?;
            // The hero panel is the wide one on the left; the charts below are narrower.
            if body.chars().count() < 100 {
                return None;
            }
            let label: String = body.chars().take(5).collect();
            let seq = label.trim().parse::<u32>().ok()?;
            let count = body.split_whitespace().last()?.parse::<u32>().ok()?;
            Some((seq, count, body))
        })
        .collect();
    assert_eq!(lanes.len(), 50, "{screen}");
    let serial: Vec<_> = lanes.iter().filter(|(_, n, _)| *n == 52).collect();
    assert_eq!(serial.len(), 1, "one lane took the serial run:\n{screen}");
    assert!(
        lanes.iter().filter(|(_, n, _)| *n == 2).count() == 49,
        "the others: one cold and one warm each\n{screen}"
    );
    // At 10 s across, a loaded machine may stretch the run past the window's left
    // edge: the count says 52, the bars show most of the run.
    let bars = serial[0].2.matches('▐').count();
    assert!(bars >= 20, "{bars} serial bars drawn:\n{screen}");
    tmux(&["send-keys", "-t", &s.0, "q"]);
    wait_for(&s.0, "thaw-exited-0");
}

/// `W` on the live screen: the session's traffic so far through `thaw whatif`, as an
/// overlay with the table and the recommendation; any key closes it.
#[test]
#[ignore = "needs tmux: ./scripts/test runs it"]
fn w_shows_what_whatif_says_of_the_session() {
    need(&[Tool::Tmux]);
    let s = tmux::start("sizing", 140, 45, "", "-n 20 --set tui.sleep_ms=50");
    wait_for(&s.0, "no environments yet");
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    wait_for(&s.0, "20 requests");
    tmux(&["send-keys", "-t", &s.0, "W"]);
    let screen = wait_for(&s.0, "keep-warm 20/5m");
    assert!(screen.contains("What should I set?"), "{screen}");
    assert!(screen.contains("on-demand"), "{screen}");
    assert!(screen.contains("20 requests over"), "{screen}");
    tmux(&["send-keys", "-t", &s.0, "x"]);
    tmux::wait_gone(&s.0, "What should I set?");
    tmux(&["send-keys", "-t", &s.0, "q"]);
    wait_for(&s.0, "thaw-exited-0");
}

/// The screen fires through the Lambda API at a running `thaw emulate`: cold and warm
/// exact from each answer's Tail log, the environments from the payloads.
#[test]
#[ignore = "needs tmux: ./scripts/test runs it"]
fn the_screen_fires_through_the_lambda_api() {
    need(&[Tool::Tmux]);
    let served = crate::common::serve(&["--port", "0", "--quiet"]);
    let args = format!(
        "-n 10 --set tui.sleep_ms=100 --url lambda:thaw-emulated --endpoint-url {}",
        served.url
    );
    let prefix = "env AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true";
    let session = tmux::start("lambda", 120, 36, prefix, &args);
    let name = session.0.clone();
    let s = wait_for(&name, "lambda:thaw-emulated");
    assert!(!s.contains("inferred"), "{s}");
    tmux(&["send-keys", "-t", &name, "Enter"]);
    let s = wait_for(&name, "cold      10");
    assert!(s.contains("envs      10"), "{s}");
    assert!(!s.contains("inferred"), "exact, from the Tail log:\n{s}");
    wait_for(&name, "10 requests");
    tmux(&["send-keys", "-t", &name, "Enter"]);
    wait_for(&name, "warm      10");
    tmux(&["send-keys", "-t", &name, "q"]);
    wait_for(&name, "thaw-exited-0");
    drop(session);
}

/// `Event` invocations through the Lambda API show on the screen as a queue: its depth,
/// its oldest event's age, and the retries of a failing function.
#[test]
#[ignore = "needs tmux: ./scripts/test runs it"]
fn the_async_queue_shows_on_the_screen() {
    need(&[Tool::Tmux]);
    let session = tmux::start("asyncq", 120, 36, "", "--set emulator.port=0");
    let name = session.0.clone();
    let s = wait_for(&name, "no environments yet");
    let url = s
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the emulator's URL in the title")
        .trim_end_matches('/')
        .to_string();
    for _ in 0..3 {
        let out = std::process::Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
            .args([
                "-H",
                "X-Amz-Invocation-Type: Event",
                "-d",
                r#"{"fail": true}"#,
            ])
            .arg(format!(
                "{url}/2015-03-31/functions/thaw-emulated/invocations"
            ))
            .output()
            .expect("curl");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "202");
    }
    // Each failed once and waits a minute for its retry.
    let s = wait_for(&name, "↻3");
    assert!(s.contains("async 3, oldest"), "{s}");
    tmux(&["send-keys", "-t", &name, "q"]);
    wait_for(&name, "thaw-exited-0");
    drop(session);
}
