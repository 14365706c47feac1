//! `thaw replay FILE`: a recording on the live screen with its original timing, or
//! `--summary` for the `thaw burst` summary of it.

use std::path::PathBuf;

use clap::Args;

use crate::config::ThemeName;
use crate::config::layers::Flag;
use crate::session::{Options, Session};
use crate::sources::replay::Speed;

use super::{Failure, GlobalArgs};

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A recording (from --record, thaw import or assets/demo/)
    pub file: PathBuf,
    /// Playback speed: a factor (2, 0.5) or max (everything at once). Keys: p pauses,
    /// +/- change speed, , and . seek 10 s, 0 starts over
    #[arg(long, default_value = "1", value_name = "X")]
    pub speed: String,
    /// Print the summary of the recorded session instead of playing it
    #[arg(long)]
    pub summary: bool,
    /// Screen theme: default, presentation or mono
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
}

pub async fn run(global: &GlobalArgs, args: ReplayArgs) -> Result<(), Failure> {
    if args.summary {
        let text = summary(&args.file).map_err(Failure::Run)?;
        print!("{text}");
        return Ok(());
    }
    let speed = Speed::parse(&args.speed).map_err(Failure::Config)?;
    let flags = args
        .theme
        .iter()
        .map(|t| Flag::new("--theme", "tui.theme", t.clone()))
        .collect();
    let layers = global.layers(flags).map_err(Failure::Config)?;
    let config = crate::config::load(&layers)?;
    let theme: Option<ThemeName> = args.theme.as_ref().map(|_| config.tui.theme);
    let opts = Options {
        config,
        url: None,
        record: None,
        replay: Some((args.file, speed)),
        fanout: None,
    };
    super::screen::run(
        &opts.config,
        theme,
        "for a headless run use thaw replay --summary FILE",
        async |clock| Session::start(&opts, clock).await,
    )
    .await
}

/// The burst summary of a recording (and what the platform did, for sessions thaw did
/// not fire itself), as text.
pub fn summary(path: &std::path::Path) -> Result<String, String> {
    Ok(crate::report::Folded::read(path)?.summary_text())
}
