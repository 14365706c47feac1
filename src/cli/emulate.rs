//! `thaw emulate`: serve the emulator alone, print its URL and configuration on one
//! line, stream its log lines, stop cleanly on Ctrl-C.

use std::io::Write as _;

use clap::Args;
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::config::layers::Flag;
use crate::emulator::Emulator;
use crate::event::EventSink;
use crate::event::{Event, EventKind};
use crate::stop::StopSignals;

use super::{Failure, GlobalArgs};

#[derive(Debug, Args)]
pub struct EmulateArgs {
    /// Port to listen on; 0 picks a free one
    #[arg(long, short)]
    pub port: Option<u16>,
    /// Address to listen on (loopback unless you say otherwise)
    #[arg(long)]
    pub bind: Option<String>,
    /// API Gateway front: rest-api, http-api or function-url
    #[arg(long)]
    pub front: Option<String>,
    /// Runtime preset: nodejs, python, java, java-snapstart, go, rust, dotnet
    #[arg(long)]
    pub runtime: Option<String>,
    /// Function memory in MB (128 to 10240)
    #[arg(long, value_name = "MB")]
    pub memory: Option<String>,
    /// Reserved concurrency (a cap on concurrent requests)
    #[arg(long, value_name = "N")]
    pub reserved: Option<String>,
    /// Provisioned concurrency (environments initialized at start)
    #[arg(long, value_name = "N")]
    pub provisioned: Option<String>,
    /// Log format of the platform lines: text or json
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Seed for reproducible durations and ids
    #[arg(long)]
    pub seed: Option<String>,
    /// Do not print log lines (only the first line with the URL)
    #[arg(long, short)]
    pub quiet: bool,
}

impl EmulateArgs {
    fn flags(&self) -> Vec<Flag> {
        let pairs = [
            ("--port", "emulator.port", self.port.map(|p| p.to_string())),
            ("--bind", "emulator.bind", self.bind.clone()),
            ("--front", "emulator.front", self.front.clone()),
            ("--runtime", "emulator.runtime", self.runtime.clone()),
            ("--memory", "emulator.memory_mb", self.memory.clone()),
            (
                "--reserved",
                "emulator.reserved_concurrency",
                self.reserved.clone(),
            ),
            (
                "--provisioned",
                "emulator.provisioned_concurrency",
                self.provisioned.clone(),
            ),
            (
                "--log-format",
                "emulator.log_format",
                self.log_format.clone(),
            ),
            ("--seed", "emulator.seed", self.seed.clone()),
        ];
        pairs
            .into_iter()
            .filter_map(|(name, key, v)| v.map(|v| Flag::new(name, key, v)))
            .collect()
    }
}

pub async fn run(global: &GlobalArgs, args: EmulateArgs) -> Result<(), Failure> {
    let layers = global.layers(args.flags()).map_err(Failure::Config)?;
    let config = crate::config::load(&layers)?;
    let _ = super::raise_open_file_limit();
    let clock = Clock::start();
    let (sink, printer) = if args.quiet {
        (EventSink::none(), None)
    } else {
        let (sink, rx) = EventSink::channel(65_536);
        (sink, Some(tokio::spawn(print_logs(rx))))
    };
    let emulator = Emulator::start(config.emulator.clone(), clock, sink)
        .await
        .map_err(|e| Failure::Run(e.to_string()))?;
    // Handlers go in before the "listening" line: whoever reads it may signal at once.
    let mut stop = StopSignals::new(true);
    println!(
        "thaw emulator listening on {} (profile {}; {})",
        emulator.url(),
        config.profile.as_str(),
        config.emulator.summary()
    );
    let _ = std::io::stdout().flush();
    stop.next().await;
    emulator.shutdown().await;
    if let Some(p) = printer {
        let _ = p.await;
    }
    eprintln!("thaw emulator stopped");
    Ok(())
}

/// Prints each platform log line, prefixed with its environment's short id. Writes are
/// async: a slow reader of stdout must not block a runtime thread (events are dropped
/// instead, by the sink).
async fn print_logs(mut rx: mpsc::Receiver<Event>) {
    use tokio::io::AsyncWriteExt as _;
    let mut out = tokio::io::BufWriter::new(tokio::io::stdout());
    let mut batch = Vec::with_capacity(1024);
    let mut text = String::new();
    while rx.recv_many(&mut batch, 1024).await > 0 {
        text.clear();
        for event in batch.drain(..) {
            if let EventKind::Log(line) = event.kind {
                let short = line
                    .env
                    .as_ref()
                    .map_or("", |e| e.0.get(..8).unwrap_or(&e.0));
                text.push('[');
                text.push_str(short);
                text.push_str("] ");
                text.push_str(&line.text);
                text.push('\n');
            }
        }
        if out.write_all(text.as_bytes()).await.is_err() || out.flush().await.is_err() {
            return;
        }
    }
}
