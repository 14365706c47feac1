//! What can go wrong with a recording, reading or writing; each message names the file
//! (and the line) and, where there is one, the fix.

use std::io;

use super::VERSION;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{name}: cannot open ({source})")]
    Open { name: String, source: io::Error },
    #[error("{name}: cannot read ({source})")]
    Read { name: String, source: io::Error },
    #[error("{0} is empty: not a thaw recording")]
    Empty(String),
    #[error("{0} is not a thaw recording (line 1 is not its header)")]
    NotARecording(String),
    #[error(
        "{name}: recording format version {version} is newer than this thaw reads ({VERSION}); upgrade thaw"
    )]
    Newer { name: String, version: u64 },
    #[error("{name}: line 1: the header is incomplete ({reason})")]
    Header { name: String, reason: String },
    /// A line past the header that is not an event (and not a cut-off last line).
    #[error("{name} line {line}: {problem}")]
    Damaged {
        name: String,
        line: usize,
        problem: String,
    },
    /// `--record FILE` could not be created or its header written.
    #[error(
        "--record {name}: cannot create the file ({source}); check the directory exists and is writable"
    )]
    CreateRecording { name: String, source: io::Error },
    #[error("--record {name}: cannot write ({source})")]
    StartRecording { name: String, source: io::Error },
    /// A write failed while recording; the session goes on without it.
    #[error("recording {name}: write failed ({source}); recording stopped, the rest goes on")]
    WriteFailed { name: String, source: io::Error },
    /// A whole file written at once (`thaw import`).
    #[error(
        "{name}: cannot create the file ({source}); check the directory exists and is writable"
    )]
    Create { name: String, source: io::Error },
    #[error("{name}: cannot write ({source})")]
    Write { name: String, source: io::Error },
    #[error("{0}")]
    Encode(#[from] serde_json::Error),
    #[error("the recorder stopped: {0}")]
    Stopped(String),
}
