//! End to end: the real binary inside tmux against the embedded emulator, driven by keys
//! and read back with capture-pane.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn screen(session: &str) -> String {
    tmux(&["capture-pane", "-p", "-t", session])
}

/// Waits until the screen contains `text`, or fails showing the screen.
fn wait_for(session: &str, text: &str) -> String {
    let start = Instant::now();
    loop {
        let s = screen(session);
        if s.contains(text) {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "'{text}' never appeared; screen:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}

#[test]
fn fire_twenty_cold_then_twenty_warm_then_quit_to_a_usable_prompt() {
    let name = format!("thaw-e2e-{}", std::process::id());
    let session = Session(name.clone());
    let cmd = format!(
        "{} -n 20 --set tui.sleep_ms=50; echo thaw-exited-$?; exec bash --norc --noprofile",
        env!("CARGO_BIN_EXE_thaw")
    );
    let status = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "120",
            "-y",
            "36",
            &cmd,
        ])
        .status()
        .unwrap();
    assert!(status.success(), "tmux could not start");
    wait_for(&name, "no environments yet");

    tmux(&["send-keys", "-t", &name, "Enter"]);
    let s = wait_for(&name, "cold      20");
    assert!(s.contains("warm      0 "), "{s}");
    assert!(s.contains("envs      20"), "{s}");
    assert!(s.contains("live 20"), "{s}");

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
