//! Shared by the integration tests: start the emulator on a free loopback port and talk
//! to it over real HTTP (hyper's client, one connection per request).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use thaw::config::EmulatorConfig;

pub mod aws_servers;
pub mod lambda_fn;
pub mod lambda_logs;
pub mod scenario;
pub mod scratch;
pub mod tmux;
pub mod tools;
#[allow(unused_imports)]
pub use scratch::{Scratch, scratch};
use thaw::clock::Clock;
use thaw::emulator::Emulator;
use thaw::event::Event;
use thaw::event::EventSink;
use tokio::net::TcpStream;
use tokio::sync::{Barrier, mpsc};

pub struct Resp {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
    pub sent: Instant,
    pub done: Instant,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
    pub fn env(&self) -> String {
        self.header(thaw::probe::ENV)
            .unwrap_or_default()
            .to_string()
    }
    pub fn cold(&self) -> bool {
        self.header(thaw::probe::COLD) == Some("true")
    }
}

/// A config for fast tests: fixed, short durations and a seed.
pub fn quick() -> EmulatorConfig {
    EmulatorConfig {
        seed: Some(11),
        jitter: 0.0,
        init_ms: Some(50.0),
        duration_ms: Some(1.0),
        ..EmulatorConfig::default()
    }
}

pub struct Running {
    pub emulator: Emulator,
    pub events: mpsc::Receiver<Event>,
}

impl Running {
    pub fn url(&self, query: &str) -> String {
        format!("{}/prod/hello?{query}", self.emulator.url())
    }

    /// Every event received so far.
    pub fn drain(&mut self) -> Vec<Event> {
        let mut v = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            v.push(e);
        }
        v
    }
}

pub async fn start(cfg: EmulatorConfig) -> Running {
    let (sink, events) = EventSink::channel(1 << 20);
    let emulator = Emulator::start(cfg, Clock::start(), sink).await.unwrap();
    Running { emulator, events }
}

async fn connect(url: &str) -> hyper::client::conn::http1::SendRequest<Empty<Bytes>> {
    let uri: hyper::Uri = url.parse().unwrap();
    let addr = format!("{}:{}", uri.host().unwrap(), uri.port_u16().unwrap());
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    sender
}

async fn send(
    mut sender: hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
    url: &str,
) -> Resp {
    let uri: hyper::Uri = url.parse().unwrap();
    let req = Request::get(uri.path_and_query().unwrap().as_str())
        .header("host", uri.authority().unwrap().as_str())
        .body(Empty::new())
        .unwrap();
    let sent = Instant::now();
    let res = sender.send_request(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        sent,
        done: Instant::now(),
    }
}

pub async fn get(url: &str) -> Resp {
    let sender = connect(url).await;
    send(sender, url).await
}

/// `n` requests released together: all connections are opened first, then every request
/// is sent at once behind a barrier.
pub async fn burst(url: &str, n: usize) -> Vec<Resp> {
    let mut senders = Vec::with_capacity(n);
    for _ in 0..n {
        senders.push(connect(url).await);
    }
    let barrier = Arc::new(Barrier::new(n));
    let mut tasks = Vec::with_capacity(n);
    for sender in senders {
        let barrier = barrier.clone();
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            send(sender, &url).await
        }));
    }
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// The largest number of requests in flight at once, from the client's own timestamps.
pub fn peak_overlap(resps: &[Resp]) -> usize {
    let mut edges: Vec<(Instant, i32)> = resps
        .iter()
        .flat_map(|r| [(r.sent, 1), (r.done, -1)])
        .collect();
    // Ends before starts at the same instant: touching is not overlapping.
    edges.sort_by_key(|(t, d)| (*t, *d));
    let (mut cur, mut peak) = (0i32, 0i32);
    for (_, d) in edges {
        cur += d;
        peak = peak.max(cur);
    }
    usize::try_from(peak).unwrap()
}

pub async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// `thaw emulate ARGS` as its own process, stopped when this is dropped.
pub struct Served {
    pub child: Child,
    pub url: String,
    pub first_line: String,
}

impl Served {
    /// Ctrl-C, as a user at the terminal sends it.
    pub fn interrupt(&self) {
        signal(&self.child, "INT");
    }
}

/// Sends the signal `name` (`INT`, `TERM`, `HUP`, ...) to `child`.
pub fn signal(child: &Child, name: &str) {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap()
            .success()
    );
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `thaw emulate ARGS` (no user config file) and reads the URL from its first line.
pub fn serve(args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .arg("emulate")
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first_line = lines.next().unwrap().unwrap();
    // Keep reading the log lines so the pipe never fills.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    let url = first_line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first_line:?}"))
        .to_string();
    Served {
        child,
        url,
        first_line,
    }
}

/// Runs `plan` with thaw's burst engine; returns every request's observation and the
/// step reports.
pub async fn fire_with(
    url: &str,
    plan: &str,
    spec: thaw::burst::RequestSpec,
) -> (
    Vec<thaw::event::RequestObserved>,
    Vec<thaw::burst::StepReport>,
) {
    let plan: thaw::burst::Plan = plan.parse().unwrap();
    let mut seen = Vec::new();
    let steps = thaw::burst::run(
        &plan,
        thaw::burst::Target::parse(url).unwrap(),
        spec,
        None,
        Clock::start(),
        |e| {
            if let thaw::event::EventKind::Request(r) = e.kind {
                seen.push(r);
            }
        },
    )
    .await
    .unwrap();
    (seen, steps)
}

/// The state after firing `plans` one after another at a quick emulator, with the
/// emulator's own events (lifecycle, logs, metrics) folded in as the live app does.
#[allow(dead_code)]
pub async fn live_state(plans: &[&str]) -> thaw::state::State {
    let mut running = start(quick()).await;
    let url = format!("{}/", running.emulator.url());
    let mut state = thaw::state::State::new();
    for plan in plans {
        let plan: thaw::burst::Plan = plan.parse().unwrap();
        let mut seen = Vec::new();
        thaw::burst::run(
            &plan,
            thaw::burst::Target::parse(&url).unwrap(),
            thaw::burst::RequestSpec::default(),
            None,
            Clock::start(),
            |e| seen.push(e),
        )
        .await
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        while let Ok(e) = running.events.try_recv() {
            state.apply(&e);
        }
        for e in &seen {
            state.apply(e);
        }
    }
    state
}

/// Copies the tree `from` to `to`, leaving out entries named in `skip` at any depth.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&src, &dst, skip);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// `thaw burst ARGS -o json` with no AWS set-up of the machine's: its JSON summary (null
/// when it printed none), exit status and stderr.
pub fn burst_json(args: &[&str]) -> (serde_json::Value, Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .arg("burst")
        .args(args)
        .args(["-o", "json"])
        .env("XDG_CONFIG_HOME", "/nonexistent-thaw-test")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("thaw burst runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let summary = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (summary, out.status.code(), stderr)
}
