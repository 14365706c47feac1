//! Throughput of the log-line parser (CloudWatch Logs lines → lifecycle) and of the
//! classifier (probe headers → cold/warm), on realistic mixes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use thaw::logs::parse::parse;
use thaw::logs::translate::Translator;

/// A stream's worth of real-shaped lines: Init, then invocations with function output.
fn lines() -> Vec<String> {
    let mut v = vec![
        "INIT_START Runtime Version: nodejs:22.v40\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0a1b".to_string(),
    ];
    for i in 0..1000 {
        let id = format!("8f5a3c1e-0b7d-4b1a-9e55-{i:012x}");
        v.push(format!("START RequestId: {id} Version: $LATEST"));
        v.push(format!(
            "2026-11-23T10:00:00.000Z\t{id}\tINFO\tserving /orders/{i}"
        ));
        v.push(format!("END RequestId: {id}"));
        v.push(format!(
            "REPORT RequestId: {id}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\t"
        ));
        if i % 4 == 0 {
            v.push(format!(
                r#"{{"time":"2026-11-23T10:00:00.000Z","type":"platform.report","record":{{"requestId":"{id}","metrics":{{"durationMs":12.3,"billedDurationMs":13,"memorySizeMB":128,"maxMemoryUsedMB":71}},"status":"success"}}}}"#
            ));
        }
    }
    v
}

fn parser(c: &mut Criterion) {
    let lines = lines();
    let mut g = c.benchmark_group("log lines");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("parse (text and JSON, with function output)", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(parse(black_box(l)).ok());
            }
        });
    });
    g.bench_function("parse + translate to lifecycle events", |b| {
        let mut out = Vec::with_capacity(8192);
        b.iter(|| {
            let mut t = Translator::new();
            out.clear();
            for (ms, l) in (0_i64..).zip(&lines) {
                t.line("2026/11/23/[$LATEST]aaaa", ms, l, &mut out);
            }
            black_box(out.len())
        });
    });
    g.finish();
}

fn classifier(c: &mut Criterion) {
    let headers = [
        ("x-thaw-env", "3893a1b27fac4485b47bb75b671a283c"),
        ("x-thaw-cold", "false"),
        ("x-thaw-init-ms", "142.17"),
        ("x-thaw-invocations", "17"),
    ];
    let mut g = c.benchmark_group("classifier");
    g.throughput(Throughput::Elements(1));
    g.bench_function("probe headers", |b| {
        b.iter(|| {
            black_box(thaw::classify::probe_fields(|name| {
                headers.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
            }))
        });
    });
    g.finish();
}

criterion_group!(benches, parser, classifier);
criterion_main!(benches);
