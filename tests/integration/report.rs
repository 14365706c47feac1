//! `thaw report`: the page of the demo recording and of an imported CloudWatch Logs
//! export, opened in headless Chromium (installed by ./scripts/test): it loads with no
//! console error, its DOM holds one lane per environment and the counters of `thaw replay
//! --summary`, and a screenshot is taken. Then what it must never hold, and bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::scratch::scratch;
use crate::common::tmux::{self, tmux, wait_for};
use crate::common::tools::{Tool, need};

fn thaw(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
        .output()
        .expect("thaw runs")
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/seed-story.jsonl")
}

/// Chromium, headless, on `page`: its DOM after load, and what it logged.
fn chromium(page: &Path, extra: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().expect("a profile directory");
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1100,2400",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs (./scripts/test installs it)");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `thaw report RECORDING -o PAGE [extra]`, which must succeed: the page's HTML.
fn render(recording: &Path, page: &Path, extra: &[&str]) -> String {
    let base = [
        "report",
        recording.to_str().expect("utf-8"),
        "-o",
        page.to_str().expect("utf-8"),
    ];
    let out = thaw(&[&base[..], extra].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(page).expect("the page")
}

/// The counter `key` as the page shows it.
fn counter(dom: &str, key: &str) -> String {
    let at = dom
        .find(&format!("data-counter=\"{key}\""))
        .unwrap_or_else(|| panic!("no counter {key}"));
    let rest = &dom[at..];
    let v = rest.find("class=\"v\">").expect("a value") + "class=\"v\">".len();
    rest[v..].split('<').next().unwrap_or_default().to_string()
}

/// A figure of `thaw replay --summary`: the number after `label` on its line.
fn said(summary: &str, line: &str, nth: usize) -> String {
    let l = summary
        .lines()
        .find(|l| l.starts_with(line))
        .unwrap_or_else(|| panic!("no line {line} in\n{summary}"));
    l[line.len()..]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .nth(nth)
        .unwrap_or_default()
        .to_string()
}

/// Renders `recording`, opens it, and checks it against the replay summary; the summary
/// and the page.
fn check(recording: &Path, name: &str) -> (String, String) {
    let page = scratch(&format!("{name}.html"));
    let html = render(recording, &page, &["--whatif"]);
    assert!(
        !html.contains("http://") || !html.contains("<script src") && !html.contains("<link"),
        "everything inline"
    );
    let (dom, log) = chromium(&page, &["--dump-dom"]);
    assert!(dom.contains("<h1>thaw report</h1>"), "loaded: {dom:.300}");
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let summary = String::from_utf8_lossy(
        &thaw(&["replay", "--summary", recording.to_str().expect("utf-8")]).stdout,
    )
    .into_owned();
    let lanes = dom.matches("class=\"lane\"").count();
    assert_eq!(
        lanes.to_string(),
        said(&summary, "environments", 0),
        "one lane per environment"
    );
    assert_eq!(
        counter(&dom, "environments"),
        said(&summary, "environments", 0)
    );
    assert_eq!(counter(&dom, "requests"), said(&summary, "requests", 0));
    assert_eq!(counter(&dom, "ok"), said(&summary, "requests", 1));
    assert_eq!(counter(&dom, "cold"), said(&summary, "cold / warm", 0));
    assert_eq!(counter(&dom, "warm"), said(&summary, "cold / warm", 1));
    assert!(
        dom.contains(summary.lines().nth(1).unwrap_or("?")),
        "the summary is on the page"
    );
    let shot = scratch(&format!("{name}.png"));
    chromium(&page, &[&format!("--screenshot={}", shot.display())]);
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    (summary, html)
}

#[test]
#[ignore = "needs chromium: ./scripts/test runs it"]
fn the_console_check_sees_a_console_error() {
    need(&[Tool::Chromium]);
    // The check above is only worth something if Chromium says what a page logs.
    let page = scratch("console.html");
    std::fs::write(
        &page,
        "<html><body><script>console.error('boom-x')</script></body></html>",
    )
    .expect("written");
    let (_, log) = chromium(&page, &["--dump-dom"]);
    assert!(
        log.lines()
            .any(|l| l.contains("CONSOLE") && l.contains("boom-x")),
        "{log}"
    );
}

#[test]
#[ignore = "needs chromium: ./scripts/test runs it"]
fn the_demo_recording_makes_a_page_a_browser_opens() {
    need(&[Tool::Chromium]);
    let (summary, html) = check(&demo(), "demo");
    assert!(summary.contains("cold / warm   60 / 120"), "{summary}");
    // The emulator's metrics: CloudWatch's concurrency beside the client's, and each
    // series of its own.
    assert!(html.contains("CloudWatch ConcurrentExecutions (Maximum per period)"));
    assert!(html.contains("CloudWatch AWS/Lambda Invocations"));
    // --whatif: the sizing table and its recommendation.
    assert!(html.contains("What should I set?") && html.contains("class=\"sizing\""));
}

#[test]
#[ignore = "needs chromium: ./scripts/test runs it"]
fn an_imported_cloudwatch_export_makes_a_page_with_the_platforms_story() {
    need(&[Tool::Chromium]);
    let export = scratch("export.json");
    std::fs::write(&export, crate::import::export_pages(true, 2)).expect("written");
    let rec = scratch("imported.jsonl");
    let out = thaw(&[
        "import",
        export.to_str().expect("utf-8"),
        "-o",
        rec.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (summary, _) = check(&rec, "imported");
    assert!(summary.contains("platform      "), "{summary}");
}

#[test]
fn the_page_holds_no_secret_the_recording_would_not() {
    // A recording written by hand, as an outside tool might: a signed URL and an
    // Authorization value in its target, an AWS key id in what AWS said.
    let rec = scratch("secrets.jsonl");
    let demo = std::fs::read_to_string(demo()).expect("the demo");
    let mut lines = demo.lines();
    let mut header: serde_json::Value =
        serde_json::from_str(lines.next().expect("a header")).expect("json");
    header["target"] = serde_json::json!(
        "https://f.lambda-url.eu-west-1.on.aws/?X-Amz-Signature=deadbeefcafe&X-Amz-Credential=AKIAABCDEFGHIJKLMNOP Authorization: Bearer sekrit-token"
    );
    let body: Vec<&str> = lines.collect();
    std::fs::write(&rec, format!("{header}\n{}\n", body.join("\n"))).expect("written");
    let page = scratch("secrets.html");
    let html = render(&rec, &page, &[]);
    for secret in ["deadbeefcafe", "AKIAABCDEFGHIJKLMNOP", "sekrit-token"] {
        assert!(!html.contains(secret), "{secret} reached the page");
    }
}

#[test]
fn bad_recordings_and_paths_are_one_line_each() {
    let empty = scratch("empty.jsonl");
    std::fs::write(&empty, "").expect("written");
    let truncated = scratch("truncated.jsonl");
    let demo = std::fs::read_to_string(demo()).expect("the demo");
    std::fs::write(&truncated, &demo[..demo.len() / 2]).expect("written");
    let newer = scratch("newer.jsonl");
    let mut header: serde_json::Value =
        serde_json::from_str(demo.lines().next().expect("a header")).expect("json");
    header["version"] = serde_json::json!(99);
    std::fs::write(&newer, format!("{header}\n")).expect("written");
    // Cut off mid-line: what was written is kept and the page says where it stopped, as
    // the replay summary does.
    let page = scratch("truncated.html");
    let html = render(&truncated, &page, &[]);
    assert!(
        html.contains("was cut off (the recording ended mid-write)"),
        "{html:.200}"
    );
    for bad in [&empty, &newer] {
        let path = bad.to_str().expect("utf-8");
        let report = thaw(&["report", path, "-o", "/dev/null"]);
        let replay = thaw(&["replay", "--summary", path]);
        let said = String::from_utf8_lossy(&report.stderr).into_owned();
        assert!(!report.status.success(), "{path}");
        assert_eq!(said.trim().lines().count(), 1, "{said}");
        assert_eq!(
            said,
            String::from_utf8_lossy(&replay.stderr),
            "the same words as thaw replay"
        );
    }
    let out = thaw(&["report", demo_path(), "-o", "/nonexistent-dir/report.html"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && said.contains("/nonexistent-dir/report.html"),
        "{said}"
    );
}

fn demo_path() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/seed-story.jsonl")
}

#[test]
#[ignore = "needs chromium, tmux: ./scripts/test runs it"]
fn thaw_burst_and_the_screen_write_a_report_on_exit() {
    need(&[Tool::Chromium, Tool::Tmux]);
    let page = scratch("burst.html");
    let out = thaw(&[
        "burst",
        "-p",
        "parallel 20",
        "--report",
        page.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).expect("the report");
    assert_eq!(
        html.matches("class=\"lane\"").count(),
        20,
        "one lane per environment"
    );
    assert!(html.contains("data-counter=\"cold\""), "counters");

    let page = scratch("screen.html");
    let args = format!("-n 5 --report {}", page.display());
    let session = tmux::start("report", 120, 36, "env", &args);
    let name = session.0.clone();
    wait_for(&name, "no environments yet");
    tmux(&["send-keys", "-t", &name, "Enter"]);
    wait_for(&name, "cold      5");
    tmux(&["send-keys", "-t", &name, "q"]);
    wait_for(&name, "thaw-exited-0");
    drop(session);
    let html = std::fs::read_to_string(&page).expect("the screen's report");
    assert_eq!(html.matches("class=\"lane\"").count(), 5);
}
