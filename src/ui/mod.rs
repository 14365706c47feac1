//! The live terminal UI (ratatui). Only this module draws; it reads [`crate::state::State`]
//! and turns keys into [`crate::event::Command`]s.
//!
//! - `live`: the event loop (terminal events, the event channel, the frame tick)
//! - `app`: the view's own state and what each key does to it; `keys`: the key table
//! - `render`: the whole screen; `layout`: where panels go
//! - panels: `grid`, `counters`, `burst_panel`, `charts`, `log`, `help`
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
pub mod keys;
pub mod layout;
pub mod live;
pub mod log;
pub mod render;
pub mod session;
pub mod terminal;
pub mod theme;

pub use app::App;
pub use render::draw;
