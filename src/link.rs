//! What a running session hands the screen: what it is, its events (one feed per pane),
//! and a way to send commands back. The screen holds nothing else of the session, so it
//! never starts or stops a source itself.

use tokio::sync::mpsc;

use crate::command::Command;
use crate::event::Event;

/// What the screen is watching; decides titles, hints and which keys mean what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionKind {
    /// The embedded emulator: its settings for the title, and the provisioned
    /// concurrency it started with (the `<` `>` keys count from it).
    Emulator { settings: String, provisioned: u32 },
    /// The user's endpoint (`--url`).
    Endpoint,
    /// A function on AWS, through CloudWatch; `can_fire` when `--url` was given too.
    WatchingAws { can_fire: bool },
    /// A recording played back.
    Replay,
    /// The same plan against two emulated execution models, one pane each.
    Compare,
}

impl SessionKind {
    /// Whether the emulator keys (reclaim, provisioned ±) reach an emulator.
    pub fn has_emulator(&self) -> bool {
        matches!(self, Self::Emulator { .. } | Self::Compare)
    }
}

/// One pane's events and its title (empty for the single pane of a live screen).
pub struct Feed {
    pub title: String,
    pub events: mpsc::Receiver<Event>,
}

/// Commands to the session, which routes each to the source it is for.
#[derive(Debug, Clone)]
pub struct Commands(mpsc::UnboundedSender<Command>);

impl Commands {
    /// A sender and the session's receiving end.
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<Command>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self(tx), rx)
    }

    /// Sends one command; a session that ended ignores it.
    pub fn send(&self, cmd: Command) {
        let _ = self.0.send(cmd);
    }
}

/// A running session, as the screen sees it.
pub struct Link {
    pub kind: SessionKind,
    /// What requests go to (a URL), or what is watched or played.
    pub target: String,
    pub feeds: Vec<Feed>,
    pub commands: Commands,
}
