//! The terminal loop: one `tokio::select!` over terminal input, the session's event
//! feeds and a frame tick. Every pending event is folded before a frame; a frame is drawn
//! only when the screen says something changed.

use std::future::poll_fn;
use std::io::IsTerminal;
use std::task::Poll;
use std::time::Duration;

use crossterm::event::EventStream;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::config::{ThemeName, TuiConfig};
use crate::event::Event;
use crate::link::Link;
use crate::stop::StopSignals;

use super::app::App;
use super::screen::Screen;
use super::terminal::TerminalGuard;

/// Events folded at most between two looks at the terminal.
const BATCH: usize = 4096;

/// Why the screen could not run (or stopped).
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// `hint` says how to run headless instead.
    #[error("the screen needs a terminal (stdin and stdout are not both one); {hint}")]
    NoTerminal { hint: String },
    #[error("cannot set up the terminal: {0}")]
    Setup(std::io::Error),
    #[error("cannot read the terminal: {0}")]
    Read(std::io::Error),
    #[error("cannot draw: {0}")]
    Draw(std::io::Error),
}

/// Fails with `hint` (how to run headless instead) when stdin or stdout is no terminal.
pub fn require_terminal(hint: &str) -> Result<(), UiError> {
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(UiError::NoTerminal { hint: hint.into() })
    }
}

/// Runs the screen over a running session until the user quits, a signal comes or every
/// feed ends. Errors are one line for the caller to print after the terminal is restored.
pub async fn run(
    link: Link,
    tui: &TuiConfig,
    theme: ThemeName,
    clock: Clock,
) -> Result<(), UiError> {
    let Link {
        kind,
        target,
        feeds,
        commands,
    } = link;
    let (titles, mut feeds): (Vec<String>, Vec<mpsc::Receiver<Event>>) =
        feeds.into_iter().map(|f| (f.title, f.events)).unzip();
    let mut screen = Screen::new(App::new(tui, theme, kind, target), titles);
    let frame_period = Duration::from_secs(1) / u32::from(tui.fps.max(1));
    let mut guard = TerminalGuard::new().map_err(UiError::Setup)?;
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(frame_period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut batch = Vec::with_capacity(BATCH);
    // SIGTERM and SIGHUP end the screen like `q` does (the terminal is restored on the way out).
    let mut signals = StopSignals::new(false);
    loop {
        tokio::select! {
            maybe = input.next() => match maybe {
                Some(Ok(ev)) => {
                    let size = guard.terminal.size().map_err(UiError::Read)?;
                    let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
                    let now = screen.now(&clock);
                    for cmd in screen.on_input(&ev, area, now) {
                        commands.send(cmd);
                    }
                }
                Some(Err(e)) => return Err(UiError::Read(e)),
                None => return Ok(()),
            },
            got = recv_any(&mut feeds, &mut batch) => match got {
                // A feed ended (its emulator stopped): nothing more will come.
                None => return Ok(()),
                Some(pane) => screen.on_events(pane, batch.drain(..)),
            },
            _ = tick.tick() => {
                let now = screen.now(&clock);
                if screen.needs_draw(now) {
                    screen.draw(&mut guard.terminal, now).map_err(UiError::Draw)?;
                }
            }
            _ = signals.next() => return Ok(()),
        }
        if screen.quit() {
            return Ok(());
        }
    }
}

/// Waits for events on any feed; returns which one filled `batch`, or `None` once a feed
/// closed.
async fn recv_any(feeds: &mut [mpsc::Receiver<Event>], batch: &mut Vec<Event>) -> Option<usize> {
    poll_fn(|cx| {
        for (i, rx) in feeds.iter_mut().enumerate() {
            match rx.poll_recv_many(cx, batch, BATCH) {
                Poll::Ready(0) => return Poll::Ready(None),
                Poll::Ready(_) => return Poll::Ready(Some(i)),
                Poll::Pending => {}
            }
        }
        Poll::Pending
    })
    .await
}
