//! The page: a header saying what was watched and when, the counters, the bursts, the
//! lanes, the charts, CloudWatch's series, the sizing table when asked, and the summary
//! as `thaw replay --summary` prints it. Light or dark as the reader's system prefers;
//! printable; readable on a phone.

use std::time::{Duration, UNIX_EPOCH};

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{Folded, charts, lanes};
use crate::record::redact;
use crate::summary::{PlatformSummary, Summary};

const CSS: &str = r#"
:root { --bg: #fbfbfa; --fg: #1d1d1f; --dim: #6b6b70; --card: #ffffff; --line: #d9d9de;
  --cold: #1f5fbf; --warm: #f09a2a; --init: #9fc3f5; --error: #c62828; --timeout: #7b1fa2;
  --idle: #b5b5bb; --end: #444; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #141416; --fg: #ececef; --dim: #a0a0a8; --card: #1f1f23; --line: #3a3a40;
    --cold: #5b9bf0; --warm: #f5b35c; --init: #2d4f80; --idle: #55555c; --end: #ddd; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1040px; padding: 16px; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.5em; margin: 0.2em 0; } h2 { font-size: 1.15em; margin: 1.6em 0 0.5em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.meta dt { color: var(--dim); } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.counters { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px; }
.counter { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.counter .v { font-size: 1.6em; font-variant-numeric: tabular-nums; }
.counter .k { color: var(--dim); font-size: 0.85em; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px; overflow-x: auto; }
.chart svg, svg.lanes { width: 100%; height: auto; display: block; }
.chart { background: #fff; border-radius: 8px; padding: 4px; }
svg.lanes .idle { stroke: var(--idle); stroke-width: 1; }
svg.lanes .init { fill: var(--init); } svg.lanes .cold { fill: var(--cold); }
svg.lanes .warm { fill: var(--warm); } svg.lanes .error { fill: var(--error); }
svg.lanes .timeout { fill: var(--timeout); } svg.lanes .reclaimed, svg.lanes .destroyed { fill: var(--end); }
svg.lanes .lane:hover rect { stroke: var(--fg); stroke-width: 0.5; }
svg.lanes .axis line { stroke: var(--line); stroke-width: 0.5; }
svg.lanes .axis text { fill: var(--dim); font-size: 11px; }
.legend span { display: inline-block; margin-right: 14px; font-size: 0.85em; color: var(--dim); }
.legend i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: -1px; }
pre { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px;
  overflow-x: auto; font-size: 12.5px; line-height: 1.35; }
footer { color: var(--dim); font-size: 0.8em; margin-top: 2em; }
@media print { body { max-width: none; background: #fff; color: #000; }
  .card, pre, .counter { break-inside: avoid; } }
"#;

/// The last instant RFC 3339 can write (9999-12-31T23:59:59Z), µs.
const LAST_DATE_US: i64 = 253_402_300_799_999_999;

/// A recording's start as a date; one from before 1970 or after 9999 (a broken or
/// hand-made header) as the number it is.
fn date(us: i64) -> String {
    if !(0..=LAST_DATE_US).contains(&us) {
        return format!("{us} µs from 1970 (not a date)");
    }
    let at = UNIX_EPOCH + Duration::from_micros(u64::try_from(us).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "–".into(), |r| format!("{:.1}%", r * 100.0))
}

fn counters(s: &Summary) -> Markup {
    let cells: [(&str, &str, String); 9] = [
        ("requests", "requests", s.requests.to_string()),
        ("ok", "ok (2xx/3xx)", s.ok.to_string()),
        ("failed", "failed", s.failed.to_string()),
        ("environments", "environments", s.environments.to_string()),
        ("cold", "cold", s.cold.to_string()),
        ("warm", "warm", s.warm.to_string()),
        ("reuse", "reuse", pct(s.reuse_ratio)),
        ("throttled", "throttled", s.throttled.to_string()),
        ("inferred", "inferred from latency", s.inferred.to_string()),
    ];
    html! {
        div.counters {
            @for (key, label, value) in &cells {
                div.counter data-counter=(key) { div.v { (value) } div.k { (label) } }
            }
        }
    }
}

/// What the platform did (the emulator's events, or a function's logs), when seen.
fn platform(p: Option<&PlatformSummary>, environments: usize) -> Markup {
    let Some(p) = p else {
        return html! {};
    };
    let throttled: u64 = p.throttles.iter().map(|(_, n)| n).sum();
    let failed = p.function_errors + p.timeouts + p.crashes + p.init_errors;
    let init = p
        .init
        .as_ref()
        .map_or_else(|| "–".to_string(), |i| format!("{:.0} ms", i.p50_ms));
    let cells: [(&str, &str, String); 7] = [
        ("invocations", "invocations", p.invocations.to_string()),
        (
            "platform-environments",
            "environments",
            environments.to_string(),
        ),
        ("platform-cold", "cold starts", p.cold.to_string()),
        ("platform-warm", "warm starts", p.warm.to_string()),
        (
            "platform-throttled",
            "throttled by Lambda",
            throttled.to_string(),
        ),
        (
            "platform-failed",
            "errors, timeouts, crashes",
            failed.to_string(),
        ),
        ("init-p50", "Init p50", init),
    ];
    html! {
        h2 { "What the platform did" }
        div.counters {
            @for (key, label, value) in &cells {
                div.counter data-counter=(key) { div.v { (value) } div.k { (label) } }
            }
        }
    }
}

fn steps(s: &Summary) -> Markup {
    html! {
        @if !s.steps.is_empty() {
            h2 { "Bursts" }
            table.steps {
                tr { th { "plan" } th { "requests" } th { "release spread" } }
                @for step in &s.steps {
                    tr {
                        td { (redact::text(&step.step)) }
                        td.n { (step.requests) }
                        td.n { @if let Some(ms) = step.release_spread_ms { (format!("{ms:.3} ms")) } @else { "–" } }
                    }
                }
            }
        }
    }
}

fn fanout(s: &Summary) -> Markup {
    html! {
        @if let Some(f) = &s.fanout {
            h2 { "Fan-out" }
            p {
                (f.workers) " workers of " code { (f.function) } "; clock offset "
                (format!("{:+.2} ms ± {:.2} ms", f.offset_ms, f.uncertainty_ms))
                @if let Some(p99) = f.spread_p99_ms { "; release starts p99 " (format!("{p99:.2} ms")) " from the instant" }
            }
            table {
                tr { th { "worker" } th { "outcome" } th { "start from the instant" } th { "carried" } }
                @for w in &f.per_worker {
                    tr {
                        td.n { (w.worker) }
                        td { (w.outcome.as_str()) @if let Some(m) = &w.message { " (" (redact::text(m)) ")" } }
                        td.n { @if let Some(l) = w.lateness_us { (format!("{:+.2} ms", l as f64 / 1e3)) } @else { "–" } }
                        td.n { (w.carried) " of " (w.share) }
                    }
                }
            }
        }
    }
}

fn chart(title: &str, svg: Option<String>) -> Markup {
    html! {
        @if let Some(svg) = svg {
            h2 { (title) }
            div.chart { (PreEscaped(svg)) }
        }
    }
}

pub fn render(f: &Folded, sizing: Option<&str>) -> String {
    let summary = f.summary();
    let title = format!("thaw report: {}", f.header.target);
    let legend = [
        ("init", "Init"),
        ("cold", "cold"),
        ("warm", "warm"),
        ("error", "error"),
        ("timeout", "timeout"),
        ("idle", "idle"),
    ];
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content=(format!("thaw {}", env!("CARGO_PKG_VERSION")));
                title { (redact::text(&title)) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 { "thaw report" }
                    dl.meta {
                        dt { "target" } dd id="target" { (redact::text(&f.header.target)) }
                        dt { "configuration" } dd { (redact::text(&f.header.config)) }
                        dt { "recorded" } dd { (date(f.header.started_wall_us)) }
                        dt { "plan" } dd { (redact::text(&f.plan)) }
                        dt { "thaw" } dd { (f.header.thaw) " (recorded), " (env!("CARGO_PKG_VERSION")) " (report)" }
                    }
                }
                h2 { "Requests" }
                (counters(&summary))
                (platform(summary.platform.as_ref(), summary.environments))
                (steps(&summary))
                (fanout(&summary))
                h2 { "Environments" }
                p.legend {
                    @for (class, name) in &legend {
                        span { i style=(format!("background: var(--{class})")) {} (name) }
                    }
                }
                div.card { (lanes::svg(&f.state)) }
                (chart("Concurrency, per second", charts::concurrency(&f.state)))
                (chart("Latency by percentile", charts::latency(&f.state)))
                @for series in &f.state.metrics {
                    (chart(&format!("CloudWatch {} {} ({:?}, {} s periods)", series.namespace, series.name, series.stat, series.period_s), charts::metric(series)))
                }
                @if let Some(text) = sizing {
                    h2 { "What should I set?" }
                    pre.sizing { (redact::text(text)) }
                }
                h2 { "Summary" }
                pre id="summary" { (redact::text(&f.summary_text())) }
                footer { "Written by thaw " (env!("CARGO_PKG_VERSION")) " from a recording; everything is in this file." }
            }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_past_year_9999_is_a_number_not_a_panic() {
        // Found by the recording fuzz target: RFC 3339 has four digits for the year.
        assert_eq!(date(0), "1970-01-01T00:00:00Z");
        assert_eq!(date(LAST_DATE_US), "9999-12-31T23:59:59Z");
        assert!(date(359_091_021_948_985_628).contains("not a date"));
        assert!(date(-1).contains("not a date"));
    }
}
