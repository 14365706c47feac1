//! `thaw` with no command: the live screen.

use clap::Args;

use crate::config::ThemeName;
use crate::config::layers::Flag;
use crate::ui::live::{self, Options};

use super::{Failure, GlobalArgs};

#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Watch this endpoint instead of the embedded emulator (http:// or https://)
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Screen theme: default, presentation (large digits, high contrast) or mono
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Frames per second at most (the screen redraws only when something changed)
    #[arg(long, value_name = "N")]
    pub fps: Option<String>,
    /// Burst size the panel starts with
    #[arg(short = 'n', long = "requests", value_name = "N")]
    pub requests: Option<String>,
}

pub async fn run(global: &GlobalArgs, args: LiveArgs) -> Result<(), Failure> {
    let mut flags = Vec::new();
    if let Some(t) = &args.theme {
        flags.push(Flag::new("--theme", "tui.theme", t.clone()));
    }
    if let Some(f) = &args.fps {
        flags.push(Flag::new("--fps", "tui.fps", f.clone()));
    }
    if let Some(n) = &args.requests {
        flags.push(Flag::new("--requests", "tui.requests", n.clone()));
    }
    let layers = global.layers(flags).map_err(Failure::Config)?;
    let config = crate::config::load(&layers)?;
    if let Some(url) = &args.url {
        crate::burst::Target::parse(url).map_err(Failure::Config)?;
    }
    // An explicit --theme beats NO_COLOR; the configured one does not.
    let theme: Option<ThemeName> = args.theme.as_ref().map(|_| config.tui.theme);
    live::run(Options {
        config,
        url: args.url,
        theme,
    })
    .await
    .map_err(Failure::Run)
}
