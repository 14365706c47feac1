//! `thaw doctor`: before the screen opens on a real function, check in order what it
//! needs (Region, credentials, the function, its log group, each permission the screen
//! uses, the endpoint, the open-file limit) and say for each what to do about it. Each
//! check is a real call, so a missing permission is found by being denied, not guessed.

mod aws;
mod local;

use std::fmt::Write as _;

use serde::Serialize;

use crate::config::AwsConfig;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Works.
    Pass,
    /// The screen will lack this (it falls back, or shows less); not a failure.
    Warn,
    /// The screen will not work until this is fixed.
    Fail,
    /// Not checked: what it needs failed first, or it was not asked for.
    Skip,
}

impl Verdict {
    fn mark(self) -> &'static str {
        match self {
            Self::Pass => "✓",
            Self::Warn => "!",
            Self::Fail => "✗",
            Self::Skip => "–",
        }
    }
}

/// One line of the report: what was checked, how it came out, and what was found or what
/// to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub verdict: Verdict,
    pub detail: String,
}

impl Check {
    pub fn new(check: &'static str, verdict: Verdict, detail: impl Into<String>) -> Self {
        Self {
            check,
            verdict,
            detail: detail.into(),
        }
    }
}

/// Every check, in the order they ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The screen will work: no check failed.
    pub ok: bool,
    pub checks: Vec<Check>,
}

impl Report {
    fn new(checks: Vec<Check>) -> Self {
        Self {
            ok: checks.iter().all(|c| c.verdict != Verdict::Fail),
            checks,
        }
    }

    /// One line per check: `✓ Region        eu-west-1`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let _ = writeln!(out, "{} {:<13} {}", c.verdict.mark(), c.check, c.detail);
        }
        let failed = self
            .checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .count();
        if failed == 0 {
            out.push_str("thaw doctor: ready; the screen will work\n");
        } else {
            let _ = writeln!(
                out,
                "thaw doctor: {failed} to fix (✗) before the screen will work"
            );
        }
        out
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// What to check: the watching flags, the endpoint, the burst size planned.
pub struct Options {
    pub aws: AwsConfig,
    pub url: Option<String>,
    /// Requests the largest planned burst sends at once (for the open-file limit).
    pub requests: u32,
}

/// Runs every check in order; AWS checks are skipped when nothing AWS was asked for.
pub async fn run(opts: &Options) -> Report {
    let mut checks = Vec::new();
    let watching =
        opts.aws.function.is_some() || opts.aws.api_name.is_some() || opts.aws.api_id.is_some();
    if watching {
        aws::checks(&opts.aws, &mut checks).await;
    } else {
        checks.push(Check::new(
            "AWS",
            Verdict::Skip,
            "no --function: only the endpoint and this machine are checked",
        ));
    }
    match &opts.url {
        Some(url) => checks.push(local::endpoint(url).await),
        None => checks.push(Check::new(
            "endpoint",
            Verdict::Skip,
            "no --url: the screen will watch without firing (add --url to fire at the function)",
        )),
    }
    checks.push(local::open_files(opts.requests));
    Report::new(checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_makes_the_report_not_ok_and_says_how_many() {
        let r = Report::new(vec![
            Check::new("Region", Verdict::Pass, "eu-west-1"),
            Check::new("Live Tail", Verdict::Warn, "polling instead"),
            Check::new("function", Verdict::Fail, "no function 'x'"),
        ]);
        assert!(!r.ok);
        let text = r.text();
        assert!(text.contains("✓ Region        eu-west-1"), "{text}");
        assert!(text.contains("✗ function      no function 'x'"), "{text}");
        assert!(text.ends_with("thaw doctor: 1 to fix (✗) before the screen will work\n"));
        let json: serde_json::Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(json["ok"], false);
        assert_eq!(json["checks"][1]["verdict"], "warn");
    }

    #[test]
    fn warnings_do_not_fail() {
        let r = Report::new(vec![Check::new("Live Tail", Verdict::Warn, "polling")]);
        assert!(r.ok);
        assert!(r.text().contains("ready"));
    }
}
