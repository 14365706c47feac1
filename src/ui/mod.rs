//! The screen (ratatui). Only this module draws; it gets a running session's
//! [`crate::link::Link`], reads [`crate::state::State`] and turns keys into
//! [`crate::command::Command`]s. It starts nothing.
//!
//! - `run`: the terminal loop (input, the session's feeds, the frame tick)
//! - `screen`: the panes' states, the view, what changed; `app`: the view's own state and
//!   what each key does to it; `keys`: the `(mode, key) -> action` table
//! - `render`: the live screen; `compare`: two panes side by side; `layout`: where panels go
//! - panels: `grid` and `lanes` (the hero's two views), `counters`, `burst_panel`,
//!   `charts` and `history` (per second, per minute), `cloudwatch`, `log`, `help`,
//!   `sizing` (the session's `thaw whatif`)
//! - `theme`, `format`, `terminal` (set-up and restore, panics included)

pub mod app;
pub mod burst_panel;
pub mod charts;
pub mod cloudwatch;
pub mod compare;
pub mod counters;
pub mod format;
pub mod grid;
pub mod help;
pub mod history;
pub mod keys;
pub mod lanes;
pub mod layout;
pub mod log;
pub mod render;
pub mod run;
pub mod screen;
pub mod sizing;
pub mod terminal;
pub mod theme;

pub use app::App;
pub use render::{View, draw};
pub use screen::Screen;
