//! The command line: parses flags (clap), loads the configuration and runs a command.

mod burst;
mod compare;
mod docs;
mod doctor;
mod emulate;
mod fanout;
mod headless;
mod import;
mod live;
mod replay;
mod report;
mod screen;
mod whatif;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::layers::Flag;
use crate::config::{self, Layers};

/// Exit status for a configuration or usage error.
pub const EXIT_CONFIG: u8 = 2;
/// Exit status when the command failed while running.
pub const EXIT_FAILURE: u8 = 1;

#[derive(Debug, Parser)]
#[command(
    name = "thaw",
    version,
    about = "Watch AWS Lambda execution environments being born and reused, live.",
    long_about = "Watch AWS Lambda execution environments being born (cold starts) and reused \
                  (warm starts), live. With no command, thaw opens the live screen on an \
                  embedded Lambda emulator (no AWS configuration needed) or, with --url, on \
                  your endpoint. Press ? on the screen for every key."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub live: live::LiveArgs,
    #[command(subcommand)]
    pub command: Option<Commands>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: thaw/config.toml in the XDG config directory, if it exists]
    #[arg(long, global = true, env = "THAW_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Profile: `default` (realistic) or `demo` (environments reclaimed within a minute)
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Set any configuration key as KEY=VALUE, e.g. emulator.front=http-api (repeatable)
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Run your own function in the emulator: each environment runs this shell command
    /// (a runtime interface client or a custom runtime's bootstrap), e.g.
    /// 'python3 -m awslambdaric app.handler' or './target/release/bootstrap'
    #[arg(long, global = true, value_name = "CMD")]
    pub handler_cmd: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Serve the embedded Lambda emulator alone; any HTTP client can drive it
    Emulate(emulate::EmulateArgs),
    /// Fire a burst plan at an endpoint (or the embedded emulator) and print a summary.
    /// Exit status: 0 every request ok, 3 some failed or were throttled, 2 bad flags,
    /// 1 could not run
    Burst(burst::BurstArgs),
    /// Play a recording on the live screen (or print its summary with --summary)
    Replay(replay::ReplayArgs),
    /// Turn a CloudWatch Logs export into a recording: thaw import FILE... -o OUT
    Import(import::ImportArgs),
    /// The same burst against two execution models side by side (classic vs
    /// web-functions by default)
    Compare(compare::CompareArgs),
    /// What should I set? A recording's traffic through the platform model under other
    /// settings (provisioned concurrency, a warmer, another execution model), with cold
    /// starts, throttles and cost of each, and the cheapest that meets the budget
    #[command(name = "whatif")]
    WhatIf(whatif::WhatIfArgs),
    /// One self-contained HTML page from a recording, to share: thaw report FILE -o
    /// report.html
    Report(report::ReportArgs),
    /// Check what watching a function on AWS needs (Region, credentials, the function, its
    /// log group, each permission, the endpoint), one line each with the fix. Exit status:
    /// 0 the screen will work, 1 something to fix, 2 bad flags
    Doctor(doctor::DoctorArgs),
    /// Print the shell completion script, e.g. thaw completions bash > ~/.local/share/bash-completion/completions/thaw
    Completions(docs::CompletionsArgs),
    /// Print the man page (roff): thaw man > thaw.1 && man ./thaw.1
    Man,
}

impl GlobalArgs {
    /// The configuration layers these flags (plus the process environment) describe.
    pub fn layers(&self, mut flags: Vec<Flag>) -> Result<Layers, String> {
        let mut all = Vec::new();
        if let Some(p) = &self.profile {
            all.push(Flag::new("--profile", "profile", p.clone()));
        }
        if let Some(cmd) = &self.handler_cmd {
            // `exec`: the runtime is the environment's process (signals reach it).
            let argv = ["/bin/sh".to_string(), "-c".into(), format!("exec {cmd}")];
            let quoted: Vec<String> = argv
                .iter()
                .map(|a| serde_json::to_string(a).unwrap_or_default())
                .collect();
            all.push(Flag::new("--handler-cmd", "emulator.handler", "process"));
            all.push(Flag::new(
                "--handler-cmd",
                "emulator.process.command",
                format!("[{}]", quoted.join(", ")),
            ));
        }
        for s in &self.set {
            all.push(Flag::parse_set(s)?);
        }
        all.append(&mut flags);
        Ok(Layers {
            file: self.config.clone(),
            search_default_file: self.config.is_none(),
            env: Layers::env_from_process(),
            flags: all,
        })
    }
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let screen =
        cli.command.is_none() || matches!(&cli.command, Some(Commands::Replay(r)) if !r.summary);
    if !screen {
        // The live screen owns the terminal: nothing may write to it but the screen.
        init_tracing();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("thaw: error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    // A full disk or a file-size limit must be a write error (reported, the rest goes
    // on), not SIGXFSZ ending thaw with the terminal in raw mode.
    #[cfg(unix)]
    let _file_size_signal = runtime.block_on(async {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(
            nix::sys::signal::Signal::SIGXFSZ as i32,
        ))
        .ok()
    });
    let result = match cli.command {
        None => runtime
            .block_on(live::run(&cli.global, cli.live))
            .map(|()| 0),
        Some(Commands::Emulate(args)) => runtime
            .block_on(emulate::run(&cli.global, args))
            .map(|()| 0),
        Some(Commands::Burst(args)) => runtime.block_on(burst::run(&cli.global, args)),
        Some(Commands::Replay(args)) => {
            runtime.block_on(replay::run(&cli.global, args)).map(|()| 0)
        }
        Some(Commands::Import(args)) => import::run(&args).map(|()| 0),
        Some(Commands::Compare(args)) => runtime
            .block_on(compare::run(&cli.global, args))
            .map(|()| 0),
        Some(Commands::Doctor(args)) => runtime.block_on(doctor::run(&cli.global, args)),
        Some(Commands::WhatIf(args)) => whatif::run(&cli.global, &args),
        Some(Commands::Report(args)) => report::run(&cli.global, &args).map(|()| 0),
        Some(Commands::Completions(args)) => docs::completions(&args).map(|()| 0),
        Some(Commands::Man) => docs::man().map(|()| 0),
    };
    // Connection tasks may still be parked; do not wait for them.
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Config(msg)) => {
            eprintln!("thaw: error: {msg}");
            ExitCode::from(EXIT_CONFIG)
        }
        Err(Failure::Run(msg)) => {
            eprintln!("thaw: error: {msg}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Why a command failed, deciding the exit status.
#[derive(Debug)]
pub enum Failure {
    Config(String),
    Run(String),
}

impl From<config::ConfigError> for Failure {
    fn from(e: config::ConfigError) -> Self {
        Self::Config(e.to_string())
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("THAW_LOG")
        // The AWS SDK's own warnings (a missing ~/.aws file, ...) are not thaw's to show;
        // what matters of them reaches the user as thaw's one-line errors.
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(
                "warn,aws_config=error,aws_runtime=error,aws_smithy_runtime=error",
            )
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Many parallel requests need many sockets: raise the soft open-file limit to the hard
/// one, and say what to change when even that is low.
pub(crate) fn raise_open_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => {
            if n < 20_000 {
                tracing::warn!(
                    "open-file limit is {n}: bursts above about {} requests will fail; raise the hard limit (ulimit -Hn, or nofile in /etc/security/limits.conf)",
                    n / 2
                );
            }
            n
        }
        Err(e) => {
            tracing::warn!("cannot raise the open-file limit: {e}");
            1024
        }
    }
}
