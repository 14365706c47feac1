//! Driving the real binary inside tmux: start a session, read the screen, wait for text.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The tests of one binary start their sessions one at a time: two `new-session` calls
/// racing to start (or to reach a server that is exiting) can fail both.
static STARTING: Mutex<()> = Mutex::new(());

pub fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn screen(session: &str) -> String {
    tmux(&["capture-pane", "-p", "-t", session])
}

/// Waits until the screen no longer contains `text`, or fails showing the screen.
pub fn wait_gone(session: &str, text: &str) {
    let start = Instant::now();
    loop {
        let s = screen(session);
        if !s.contains(text) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "'{text}' never went; screen:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the screen contains `text`, or fails showing the screen.
pub fn wait_for(session: &str, text: &str) -> String {
    let start = Instant::now();
    loop {
        let s = screen(session);
        if s.contains(text) {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "'{text}' never appeared; screen:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A tmux session, killed when dropped.
pub struct Session(pub String);

/// Runs `thaw ARGS` (after `prefix`, e.g. `env ...`) in a fresh detached session of
/// `w`×`h`. When thaw ends, the pane prints `thaw-exited-<status>` and keeps a shell.
pub fn start(tag: &str, w: u16, h: u16, prefix: &str, args: &str) -> Session {
    let cmd = format!(
        "{prefix} {} {args}; echo thaw-exited-$?; exec bash --norc --noprofile",
        env!("CARGO_BIN_EXE_thaw")
    );
    new_session(tag, w, h, &[cmd.as_ref()])
}

/// Runs a whole command `line` (as a user types it, e.g. from the README) in `dir` with
/// `PATH`, in a fresh detached session; when it ends, the pane prints `thaw-exited-<status>`.
pub fn start_line(
    tag: &str,
    w: u16,
    h: u16,
    dir: &std::path::Path,
    path: &str,
    line: &str,
) -> Session {
    let script = format!("{line}; echo thaw-exited-$?; exec bash --norc --noprofile");
    let path = format!("PATH={path}");
    let args: [&std::ffi::OsStr; 7] = [
        "-c".as_ref(),
        dir.as_os_str(),
        "env".as_ref(),
        path.as_ref(),
        "bash".as_ref(),
        "-c".as_ref(),
        script.as_ref(),
    ];
    new_session(tag, w, h, &args)
}

/// `tmux new-session -d` of `w`×`h` with `rest` after the size, one at a time, retried
/// while a server that was exiting lets go.
fn new_session(tag: &str, w: u16, h: u16, rest: &[&std::ffi::OsStr]) -> Session {
    let name = format!("thaw-{tag}-{}", std::process::id());
    let _one_at_a_time = STARTING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut last = String::new();
    for _ in 0..5 {
        let out = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name])
            .args(["-x", &w.to_string(), "-y", &h.to_string()])
            .args(rest)
            .output()
            .unwrap();
        if out.status.success() {
            return Session(name);
        }
        // The server was exiting as its last other session closed: start it again.
        last = String::from_utf8_lossy(&out.stderr).into_owned();
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("tmux could not start: {last}")
}

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}
