//! The README's "Your own function" lines, run exactly as written, as a user would after
//! a clone: the Rust probe built with cargo, the Python probe under `awslambdaric`, the
//! Node.js probe under `aws-lambda-ric`, each on the screen (tmux) firing a cold burst and
//! then a warm one, classified by the probes' own headers.
//!
//! They run in a workspace under `~/.cache/thaw-readme` (installs and builds are kept
//! there between runs) holding a fresh copy of `assets/probe`, with a venv's `pip` and
//! `python3` first on PATH (so `pip install` does not touch the system's Python) and the
//! `thaw` under test after it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::tmux::{self, tmux, wait_for};
use crate::common::tools::{Tool, need};

/// The shell block after "## Your own function": its command lines, comments dropped.
fn readme_lines() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("## Your own function")
        .nth(1)
        .expect("README has a section '## Your own function'");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the section has a ```sh block");
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The workspace, and the PATH its lines run with.
fn workspace() -> (PathBuf, String) {
    let root = std::env::var_os("THAW_README_CACHE").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/thaw-readme"),
        PathBuf::from,
    );
    // Builds and installs stay in the workspace; sources are fresh each run.
    crate::common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/probe"),
        &root.join("assets/probe"),
        &["target", "node_modules"],
    );
    let venv = root.join("venv");
    if !venv.join("bin/pip").exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .unwrap();
        assert!(ok.success(), "python3 -m venv failed");
    }
    let thaw_dir = Path::new(env!("CARGO_BIN_EXE_thaw"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}:{}",
        venv.join("bin").display(),
        thaw_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (root, path)
}

/// A setup line (`cargo build ...`, `pip install ...`, `npm install ...`) as a shell runs it.
fn setup(line: &str, dir: &Path, path: &str) {
    let out = Command::new("bash")
        .args(["-c", line])
        .current_dir(dir)
        .env("PATH", path)
        // A user's cargo builds into the crate's own target/, as the next line expects.
        .env_remove("CARGO_TARGET_DIR")
        .env("npm_config_loglevel", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`{line}` failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A `thaw ...` line on the screen: five cold, then the same five warm, then quit.
fn screen(line: &str, dir: &Path, path: &str, tag: &str) {
    let session = tmux::start_line(tag, 120, 36, dir, path, line);
    let name = session.0.clone();
    let shown = wait_for(&name, "no environments yet");
    assert!(shown.contains("emulator"), "{line}:\n{shown}");
    // N down from 50 to 5 with the panel's keys: five processes start, not fifty.
    for _ in 0..3 {
        tmux(&["send-keys", "-t", &name, "-"]);
    }
    wait_for(&name, "N      5 ");
    tmux(&["send-keys", "-t", &name, "Enter"]);
    let s = wait_for(&name, "cold      5");
    assert!(s.contains("envs      5"), "{line}:\n{s}");
    wait_for(&name, "5 requests");
    tmux(&["send-keys", "-t", &name, "Enter"]);
    let s = wait_for(&name, "warm      5");
    // Each environment's id in the probe headers is its log stream's: five, not ten.
    assert!(s.contains("envs      5"), "{line}:\n{s}");
    assert!(s.contains("reuse     50%"), "{line}:\n{s}");
    tmux(&["send-keys", "-t", &name, "q"]);
    wait_for(&name, "thaw-exited-0");
}

/// The workspace with the README's setup lines run (once per test process), and its
/// `thaw` lines.
pub fn prepared() -> &'static (PathBuf, String, Vec<String>) {
    static READY: OnceLock<(PathBuf, String, Vec<String>)> = OnceLock::new();
    READY.get_or_init(|| {
        let lines = readme_lines();
        assert!(lines.len() >= 6, "{lines:?}");
        let (dir, path) = workspace();
        let mut thaw_lines = Vec::new();
        for line in lines {
            if line.starts_with("thaw ") {
                thaw_lines.push(line);
            } else {
                setup(&line, &dir, &path);
            }
        }
        assert_eq!(thaw_lines.len(), 3, "{thaw_lines:?}");
        (dir, path, thaw_lines)
    })
}

#[test]
#[ignore = "needs node, npm, python3: ./scripts/test runs it"]
fn every_own_function_line_of_the_readme_runs_as_written() {
    need(&[Tool::Node, Tool::Npm, Tool::Python]);
    let (dir, path, lines) = prepared();
    for (i, line) in lines.iter().enumerate() {
        screen(line, dir, path, &format!("readme{i}"));
    }
}

/// The same three probes behind each front, headless: every answer has the probe headers
/// (nothing inferred from latency), and each environment's id in them is its log
/// stream's (five environments, not ten).
#[test]
#[ignore = "needs node, npm, python3: ./scripts/test runs it"]
fn each_probe_answers_behind_each_front() {
    need(&[Tool::Node, Tool::Npm, Tool::Python]);
    let (dir, path, lines) = prepared();
    for line in lines {
        let args = line.strip_prefix("thaw ").unwrap();
        for front in ["rest-api", "http-api", "function-url"] {
            let script = format!(
                "thaw burst {args} --set emulator.front={front} -p 'parallel 5; wait 1s; parallel 5' -o json"
            );
            let out = Command::new("bash")
                .args(["-c", &script])
                .current_dir(dir)
                .env("PATH", path)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{script}: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            for (key, want) in [
                ("ok", 10),
                ("cold", 5),
                ("warm", 5),
                ("inferred", 0),
                ("environments", 5),
            ] {
                assert_eq!(v[key], want, "{script}: {key} in {text}");
            }
        }
    }
}
