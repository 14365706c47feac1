//! `thaw replay FILE`: a recording on the live screen with its original timing, or
//! `--summary` for the `thaw burst` summary of it.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::burst::StepReport;
use crate::config::ThemeName;
use crate::config::layers::Flag;
use crate::event::EventKind;
use crate::record;
use crate::session::{Options, Session};
use crate::sources::replay::Speed;
use crate::state::State;
use crate::summary::Summary;

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
    let mut rec = record::open(path).map_err(|e| e.to_string())?;
    let mut state = State::new();
    let mut plans = Vec::new();
    let mut steps = Vec::new();
    while let Some(e) = rec.next_event() {
        let e = e.map_err(|e| e.to_string())?;
        if let EventKind::BurstFinished(done) = &e.kind {
            plans.push(done.plan.clone());
            steps.push(StepReport {
                step: done.plan.clone(),
                requests: done.requests,
                release_spread: done.release_spread_us.map(Duration::from_micros),
                late_starts: done.late_starts,
                max_lateness: Duration::ZERO,
                released: None,
            });
        }
        state.apply(&e);
    }
    let plan = if plans.is_empty() {
        "(no burst)".to_string()
    } else {
        plans.join("; ")
    };
    let mut text = Summary::new(&state, &rec.header.target, &plan, &steps).text();
    if let Some(note) = rec.notes() {
        text += "note          ";
        text += &note;
        text.push('\n');
    }
    Ok(text)
}
