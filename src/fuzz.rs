//! Entry points for the fuzz targets in `fuzz/`: each takes raw bytes and drives one of
//! thaw's input readers end to end, as far as a real input would go (parsed, translated,
//! folded into the screen's state). None may panic, whatever the bytes.
//!
//! `tests/fuzz_corpus.rs` runs every committed seed and every past finding through the same
//! functions on stable Rust, so a finding stays fixed without the fuzzer.

use std::sync::OnceLock;

use hyper::header::{HeaderName, HeaderValue};

use crate::config::Front;
use crate::emulator::proxy::{self, Context, HttpRequest};
use crate::event::Event;
use crate::ids::Stamp;
use crate::logs::{parse, translate::Translator};
use crate::plan::Plan;
use crate::record::{import, read};
use crate::state::State;

/// CloudWatch Logs lines of one or several streams, one per input line. A line
/// `@stream NAME` switches the stream the following lines belong to, as several streams
/// interleave in a Live Tail session.
pub fn log_lines(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut translator = Translator::new();
    let mut out = Vec::new();
    let mut stream = "2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef";
    for (i, line) in text.split('\n').enumerate() {
        if let Some(name) = line.strip_prefix("@stream ") {
            stream = name;
            continue;
        }
        let _ = parse::parse(line);
        let wall_ms = 1_790_000_000_000 + i64::try_from(i).unwrap_or(0) * 250;
        translator.line(stream, wall_ms, line, &mut out);
    }
    translator.flush(&mut out);
    translator.expire(i64::MAX, 0, &mut out);
    let mut state = State::new();
    for (ts, kind) in out {
        let mono_us = u64::try_from(ts.saturating_sub(1_790_000_000_000))
            .unwrap_or(0)
            .saturating_mul(1000);
        state.apply(&Event::new(
            Stamp {
                mono_us,
                wall_us: ts.saturating_mul(1000),
            },
            kind,
        ));
    }
}

/// One HTTP/1.x response off a connection: the head, its framing and the probe headers.
pub fn http_response(data: &[u8]) {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    let runtime =
        RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().ok());
    let Some(runtime) = runtime else { return };
    runtime.block_on(async {
        let mut reader = data;
        let mut buf = Vec::new();
        // A connection carries responses back to back: read until the bytes run out.
        while let Ok(r) = crate::burst::http1::read_response(&mut reader, &mut buf, false).await {
            if !r.reusable || reader.is_empty() {
                break;
            }
        }
    });
}

/// A recording file, replayed into the screen's state as `thaw replay` does.
pub fn recording(data: &[u8]) {
    let Ok(rec) = read::from_reader("fuzz.jsonl", std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    // Folded as `thaw replay --summary` and `thaw report` fold it, then the page made.
    let Ok(folded) = crate::report::Folded::fold(rec) else {
        return;
    };
    let _ = folded.summary_text();
    let page = crate::report::html(&folded, None);
    assert!(!page.contains("<script"), "the page runs nothing");
}

/// A recording through `thaw whatif`: its trace, then (when small enough to be quick)
/// the model under on-demand and a warmer, priced and reported. A first line
/// `#keep-warm W/EVERY` is read as that flag.
pub fn whatif(data: &[u8]) {
    use crate::whatif::{KeepWarm, Options, trace::Builder};
    let (warmer, rest) = match data.strip_prefix(b"#keep-warm ") {
        Some(r) => {
            let end = r.iter().position(|&b| b == b'\n').unwrap_or(r.len());
            let flag = String::from_utf8_lossy(&r[..end]).into_owned();
            (KeepWarm::parse(&flag).ok(), &r[end.min(r.len())..])
        }
        None => (None, data),
    };
    let Ok(mut rec) = read::from_reader("fuzz.jsonl", std::io::Cursor::new(rest.to_vec())) else {
        return;
    };
    let mut b = Builder::new();
    b.config_line(&rec.header.config);
    while let Some(Ok(event)) = rec.next_event() {
        b.event(&event);
    }
    let Ok(trace) = b.finish() else { return };
    let _ = trace.concurrency();
    // Virtual time is cheap, but not free: a trace of days or thousands is skipped.
    if trace.arrivals.len() > 2000 || trace.span_s > 3600.0 {
        return;
    }
    let opts = Options {
        provisioned: vec![1],
        keep_warm: warmer.into_iter().filter(|k| k.every_s >= 10.0).collect(),
        autoscale: Some(0.7),
        ..Options::defaults(crate::config::EmulatorConfig::default())
    };
    let w = crate::whatif::run(
        "fuzz",
        trace,
        &opts,
        &crate::config::PricingConfig::default(),
    );
    let _ = (w.text(), w.json(), w.csv(), w.chart(100));
}

/// A config file's text, loaded and validated as `--config FILE` does.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = crate::config::load_text("fuzz.toml", text) {
        let _ = config.emulator.summary();
        // `_HANDLER` is read from the configured command's words.
        let _ = config.emulator.process.handler_name();
    }
}

/// A CloudWatch Logs export (`aws logs filter-log-events` JSON, `aws logs tail` text or
/// bare lines), imported into events and replayed into the screen's state.
pub fn logs_export(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(lines) = import::parse_export("fuzz.json", &text, "fuzz-stream") else {
        return;
    };
    let imported = import::to_events(lines);
    let mut state = State::new();
    for event in &imported.events {
        state.apply(event);
    }
}

/// A burst plan as typed after `-p`: parsed, sized, and shown. What the screen shows of a
/// plan must parse back to the same plan (a user copies it).
pub fn plan(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = text.parse::<Plan>() else {
        return;
    };
    let _ = (plan.max_connections(), plan.planned_requests());
    let shown = plan.to_string();
    assert_eq!(
        shown.parse::<Plan>().as_ref(),
        Ok(&plan),
        "plan {text:?} is shown as {shown:?}"
    );
}

/// A client's request turned into a Lambda proxy event, and a function's answer turned
/// back into HTTP, as each front does. The first byte picks the front; the request (a
/// request line, then header lines) and the answer are separated by a NUL byte.
pub fn proxy(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let front = [Front::RestApi, Front::HttpApi, Front::FunctionUrl][usize::from(first % 3)];
    let (method, headers, target, answer) = request_and_body(rest, "GET");
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (target.as_str(), None),
    };
    let req = HttpRequest {
        method,
        path: path.to_string(),
        query,
        headers,
        body: answer.to_vec(),
        source_ip: "127.0.0.1".into(),
    };
    let ctx = Context {
        request_id: "fuzz".into(),
        time_epoch_ms: 1_795_000_000_000,
        account_id: "123456789012".into(),
        api_id: "fuzzapi".into(),
        stage: "prod".into(),
    };
    let _ = proxy::event(front, &req, &ctx).to_string();
    // What the front hands to hyper must be valid HTTP, or the client sees something
    // else than the function said.
    if let Ok(mapped) = proxy::map_response(front, answer) {
        assert!(
            (100..=599).contains(&mapped.status),
            "status {}",
            mapped.status
        );
        for (name, value) in &mapped.headers {
            assert!(
                HeaderName::from_bytes(name.as_bytes()).is_ok()
                    && HeaderValue::from_str(value).is_ok(),
                "header {name:?}: {value:?}"
            );
        }
    }
}

/// Splits a request written as text (a request line, header lines) from its body at the
/// first NUL byte.
fn request_and_body<'a>(
    data: &'a [u8],
    default_method: &str,
) -> (String, Vec<(String, String)>, String, &'a [u8]) {
    let (head, body) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split("\r\n");
    let (method, target) = lines
        .next()
        .and_then(|l| l.split_once(' '))
        .map_or((default_method.to_string(), "/".to_string()), |(m, t)| {
            (m.to_string(), t.to_string())
        });
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (method, headers, target, body)
}

/// A Lambda API request as the emulator reads it (route, function name and qualifier,
/// the Invoke headers and payload), and a Lambda answer as `thaw burst lambda:` reads it
/// (the Tail log, the environment in the payload, an error's code and reason). A request
/// line and header lines, a NUL byte, then the body.
pub fn invoke_request(data: &[u8]) {
    use crate::emulator::api::{self, control, route};
    let (method, headers, target, body) = request_and_body(data, "POST");
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let info = api::FunctionInfo {
        name: "f".into(),
        region: "us-east-1".into(),
        account: api::ACCOUNT.into(),
        require_signature: false,
    };
    // A control call's body is read by the platform's own task: run it on a model.
    if let Ok(call) = route::route(&method, path, Some(query))
        && let Ok(target) = api::resolve(&info, &call)
        && let route::Op::Control(op) = call.op
    {
        let cfg = crate::config::EmulatorConfig {
            function_name: "f".into(),
            seed: Some(1),
            ..crate::config::EmulatorConfig::default()
        };
        let mut core = crate::emulator::core::Core::new(cfg, 0);
        core.set_observed(false);
        let mut out = Vec::new();
        let mut p = control::Model {
            core: &mut core,
            queue: &mut crate::emulator::async_queue::AsyncQueue::default(),
            state: &mut control::ApiState::default(),
            now: std::time::Duration::ZERO,
            wall_ms: 1_795_000_000_000,
            out: &mut out,
        };
        if let Ok(answer) = control::answer(&mut p, &info, op, &target, body) {
            assert!((200..300).contains(&answer.status), "{}", answer.status);
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if let Ok(req) =
        crate::emulator::api::invoke::parse(header, bytes::Bytes::copy_from_slice(body))
    {
        let payload = req
            .params
            .direct
            .map(|d| d.payload.clone())
            .unwrap_or_default();
        assert!(
            serde_json::from_slice::<serde_json::Value>(&payload).is_ok(),
            "an accepted payload is JSON"
        );
    }
    if let Some(log) = header("x-amz-log-result") {
        let _ = crate::classify::tail_report(log);
    }
    let _ = crate::classify::payload_env(body);
    let said = crate::classify::aws_error(header("x-amzn-errortype").unwrap_or(""), body);
    assert!(
        said.len() <= 200 && !said.contains('\n'),
        "one short line: {said:?}"
    );
}

/// A runtime's streamed answer as the emulator reads it: the HTTP prelude (up to eight
/// NUL bytes), the error trailers (header lines after the first NUL of the rest), and
/// each chunk framed as a `PayloadChunk` event that must read back as itself.
pub fn runtime_stream(data: &[u8]) {
    let delimiter = data.windows(8).position(|w| w == [0u8; 8]);
    let (prelude, rest) = match delimiter {
        Some(i) => (&data[..i], &data[i + 8..]),
        None => (data, &[][..]),
    };
    let (status, headers) = crate::emulator::streaming::parse_prelude(prelude);
    assert!((100..=599).contains(&status), "status {status}");
    let _ = headers.len();
    let (body, trailers) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let mut map = hyper::HeaderMap::new();
    for line in String::from_utf8_lossy(trailers).lines() {
        if let Some((k, v)) = line.split_once(':')
            && let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.trim().as_bytes()),
                HeaderValue::from_str(v.trim()),
            )
        {
            map.append(k, v);
        }
    }
    let _ = crate::emulator::runtime_api::trailer_error(&map);
    let framed = crate::emulator::streaming::event(
        "PayloadChunk",
        "application/octet-stream",
        bytes::Bytes::copy_from_slice(body),
    );
    let back = aws_smithy_eventstream::frame::read_message_from(framed);
    assert!(
        back.is_ok_and(|m| m.payload().as_ref() == body),
        "a chunk reads back as itself"
    );
}

/// What thaw and a burst worker say to each other, read by the side that did not write
/// it: a worker's answer as thaw reads it from a function it does not control (checked
/// against its job, then put on thaw's clock at any offset), a clock probe's answer, and
/// a call as the worker reads it from whoever may invoke it (its request checked).
pub fn worker_answer(data: &[u8]) {
    use crate::burst::fanout::Offset;
    use crate::burst::fanout::work::request_of;
    use crate::burst::fanout::worker::{Answer, Call, ClockAnswer, Job};
    if let Ok(Call::Burst(job)) = serde_json::from_slice::<Call>(data)
        && let Ok((n, spec)) = request_of(&job)
    {
        assert!(u64::from(n) == job.requests, "the share is the job's");
        assert!(!spec.timeout.is_zero(), "a request always has a timeout");
    }
    let _ = serde_json::from_slice::<ClockAnswer>(data);
    let job = Job::example("b1", 0, 100);
    let Ok(answer) = Answer::parse(data, &job) else {
        return;
    };
    let offset = Offset {
        offset_us: i64::from(data.first().copied().unwrap_or(0)) - 128,
        uncertainty_us: 1,
    };
    let _ = answer.lateness_us(1_795_000_001_000_000, offset);
    let n = answer.observations.len();
    let merged = answer.into_observations(offset, 1_795_000_000_000_000);
    assert_eq!(merged.len(), n, "every observation is kept");
    assert!(merged.iter().all(|o| o.id.0.len() <= 48), "ids stay short");
}

/// A CloudWatch Logs call as the emulator reads it from whoever calls it: the first byte
/// picks the call, the rest is its JSON body (filter patterns, tokens, times, limits),
/// answered from a log group of a few lines. Every answer is AWS's shape: 200 or 400.
pub fn logs_request(data: &[u8]) {
    use crate::emulator::cloudwatch::{Logs, LogsOp, pattern::Pattern};
    let (op, body) = match data.split_first() {
        Some((b, rest)) => (
            match b % 3 {
                0 => LogsOp::FilterLogEvents,
                1 => LogsOp::DescribeLogGroups,
                _ => LogsOp::StartLiveTail,
            },
            rest,
        ),
        None => (LogsOp::FilterLogEvents, data),
    };
    let cfg = crate::config::CloudWatchConfig::default();
    let mut logs = Logs::new(&cfg, "f", "us-east-1", "123456789012", Some(1));
    for i in 0..4 {
        let stream = format!("2026/12/08/[$LATEST]{i:032x}");
        logs.push(
            &stream,
            1_795_000_000_000 + i,
            "START RequestId: x Version: $LATEST",
        );
        logs.push(
            &stream,
            1_795_000_000_001 + i,
            "REPORT RequestId: x\tDuration: 1.00 ms\t",
        );
    }
    let answer = logs.answer(
        op,
        body,
        std::time::Duration::from_secs(1),
        1_795_000_010_000,
    );
    assert!(matches!(answer.status, 200 | 400), "{}", answer.status);
    assert!(
        serde_json::from_slice::<serde_json::Value>(&answer.body).is_ok(),
        "every answer is JSON"
    );
    if let Ok(text) = std::str::from_utf8(body)
        && let Ok(p) = Pattern::parse(text)
    {
        let _ = p.matches(text);
    }
}

/// A fuzz target's body: any bytes in, no panic out.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/` and `fuzz/seeds/` name them.
pub const TARGETS: [(&str, Target); 12] = [
    ("log_lines", log_lines),
    ("http_response", http_response),
    ("recording", recording),
    ("config", config),
    ("logs_export", logs_export),
    ("plan", plan),
    ("proxy", proxy),
    ("whatif", whatif),
    ("invoke_request", invoke_request),
    ("runtime_stream", runtime_stream),
    ("worker_answer", worker_answer),
    ("logs_request", logs_request),
];
