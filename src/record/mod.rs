//! Recordings: the session's `Event` stream as JSON Lines after one header line, written
//! while the session runs and read back by `thaw replay` (and written by `thaw import`).
//!
//! ```text
//! {"format":"thaw-recording","version":1,"thaw":"0.1.0","target":"...","config":"...","started_wall_us":...}
//! {"at":{"mono_us":1200,"wall_us":...},"type":"init_start","env":"3893…",...}
//! ...
//! ```

mod error;
pub mod import;
pub mod read;
pub mod redact;
pub mod write;

use serde::{Deserialize, Serialize};

pub use error::RecordError;
pub use read::{Recording, open};
pub use write::Recorder;

/// The first line's `format`.
pub const FORMAT: &str = "thaw-recording";
/// The newest format version this thaw writes and reads.
pub const VERSION: u32 = 1;

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The thaw that wrote it.
    pub thaw: String,
    /// What the session watched (secrets removed).
    pub target: String,
    /// A one-line summary of the configuration.
    pub config: String,
    /// Wall time of the session's start, Unix µs.
    pub started_wall_us: i64,
}

impl Header {
    pub fn new(target: &str, config: &str, started_wall_us: i64) -> Self {
        Self {
            format: FORMAT.into(),
            version: VERSION,
            thaw: env!("CARGO_PKG_VERSION").into(),
            target: redact::text(target),
            config: redact::text(config),
            started_wall_us,
        }
    }
}
