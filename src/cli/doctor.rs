//! `thaw doctor`: checks what the screen needs on AWS before it opens, one line each.

use clap::{Args, ValueEnum};

use crate::config::layers::Flag;
use crate::doctor::{self, Options};

use super::live::AwsArgs;
use super::{Failure, GlobalArgs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The endpoint the screen will fire at: does it answer, with probe headers?
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The burst size you plan (for the open-file limit) [default: tui.requests]
    #[arg(short = 'n', long = "requests", value_name = "N")]
    pub requests: Option<String>,
    /// text (one line per check) or json
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Exit status 0 when the screen will work, 1 when a check failed (2: bad flags).
pub async fn run(global: &GlobalArgs, args: DoctorArgs) -> Result<u8, Failure> {
    let mut flags = args.aws.flags();
    if let Some(n) = &args.requests {
        flags.push(Flag::new("--requests", "tui.requests", n.clone()));
    }
    let layers = global.layers(flags).map_err(Failure::Config)?;
    let config = crate::config::load(&layers)?;
    super::raise_open_file_limit();
    let report = doctor::run(&Options {
        aws: config.aws,
        url: args.url,
        requests: config.tui.requests,
    })
    .await;
    match args.output {
        Output::Text => print!("{}", report.text()),
        Output::Json => println!("{}", report.json()),
    }
    Ok(u8::from(!report.ok))
}
