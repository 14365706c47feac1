//! Runs the screen over a session: the one path for `thaw`, `thaw replay` and
//! `thaw compare`.

use crate::clock::Clock;
use crate::config::{Config, ThemeName};
use crate::link::Link;
use crate::session::{Session, SessionError};
use crate::ui;

use super::Failure;

/// What a headless user runs instead, per screen.
pub const LIVE_HINT: &str = "for a headless run use `thaw burst`, e.g. thaw burst -p 'parallel 50'";

/// Starts nothing itself: `start` builds the session once the terminal is known to be
/// one, then the screen runs over it and the session is stopped (the recording last).
pub async fn run<F>(
    config: &Config,
    theme: Option<ThemeName>,
    hint: &str,
    start: F,
) -> Result<(), Failure>
where
    F: AsyncFnOnce(Clock) -> Result<(Session, Link), SessionError>,
{
    let failed = |e: &dyn std::fmt::Display| Failure::Run(e.to_string());
    ui::run::require_terminal(hint).map_err(|e| failed(&e))?;
    let clock = Clock::start();
    let no_color = std::env::var("NO_COLOR").ok();
    // An explicit --theme beats NO_COLOR; the configured one does not.
    let theme = ui::theme::initial(theme.unwrap_or(config.tui.theme), no_color.as_deref());
    let (session, link) = start(clock).await.map_err(|e| failed(&e))?;
    let shown = ui::run::run(link, &config.tui, theme, clock).await;
    // The recording is closed whatever the screen did; the screen's error comes first.
    let stopped = session.shutdown().await;
    shown.map_err(|e| failed(&e))?;
    stopped.map_err(|e| failed(&e))
}
