//! The recorder: a tee of the event stream to a file, on its own task so a slow disk
//! never slows the screen. Lines are flushed every 100 ms (a crash loses less than that)
//! and at the end; a write error stops the recording, says so once, and nothing else.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{Header, RecordError, redact};
use crate::clock::Clock;
use crate::event::Event;
use crate::event::EventSink;

/// How often buffered lines reach the file.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// The source name of the recorder's errors.
pub const SOURCE: &str = "record";

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub events: u64,
    pub bytes: u64,
}

/// A clonable way into a recorder.
#[derive(Debug, Clone)]
pub struct Tee(mpsc::UnboundedSender<Event>);

impl Tee {
    pub fn record(&self, event: Event) {
        let _ = self.0.send(event);
    }
}

pub struct Recorder {
    // Unbounded: dropping events would lose recorded data; the writer keeps up with
    // any rate the app can fold.
    tx: mpsc::UnboundedSender<Event>,
    task: JoinHandle<Result<Written, RecordError>>,
    pub path: PathBuf,
}

impl Recorder {
    /// Records a session of `target` (described by `config`) that started when `clock`
    /// did: the one way a run starts its recording.
    pub fn start(
        path: &Path,
        target: &str,
        config: &str,
        errors: EventSink,
        clock: Clock,
    ) -> Result<Self, RecordError> {
        let header = Header::new(target, config, clock.at(std::time::Duration::ZERO).wall_us);
        Self::create(path, &header, errors, clock)
    }

    /// Creates (or truncates) `path` and writes the header. Errors are one line naming
    /// the file.
    pub fn create(
        path: &Path,
        header: &Header,
        errors: EventSink,
        clock: Clock,
    ) -> Result<Self, RecordError> {
        let shown = path.display().to_string();
        let file = std::fs::File::create(path).map_err(|source| RecordError::CreateRecording {
            name: shown.clone(),
            source,
        })?;
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, file);
        let line = serde_json::to_string(header)?;
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|source| RecordError::StartRecording {
                name: shown.clone(),
                source,
            })?;
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(write_loop(out, rx, shown, errors, clock));
        Ok(Self {
            tx,
            task,
            path: path.to_path_buf(),
        })
    }

    /// Queues one event (secrets removed on the writer's side).
    pub fn record(&self, event: &Event) {
        let _ = self.tx.send(event.clone());
    }

    /// Another way in, for a second source (the file closes when all are dropped).
    pub fn tee(&self) -> Tee {
        Tee(self.tx.clone())
    }

    /// Writes what is queued, flushes and closes the file.
    pub async fn finish(self) -> Result<Written, RecordError> {
        drop(self.tx);
        self.task
            .await
            .map_err(|e| RecordError::Stopped(e.to_string()))?
    }
}

async fn write_loop(
    mut out: std::io::BufWriter<std::fs::File>,
    mut rx: mpsc::UnboundedReceiver<Event>,
    shown: String,
    errors: EventSink,
    clock: Clock,
) -> Result<Written, RecordError> {
    let mut written = Written::default();
    let mut failed: Option<RecordError> = None;
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut batch = Vec::with_capacity(1024);
    let mut line = Vec::with_capacity(512);
    loop {
        tokio::select! {
            n = rx.recv_many(&mut batch, 1024) => {
                if n == 0 {
                    break;
                }
                if failed.is_some() {
                    batch.clear();
                    continue;
                }
                for mut e in batch.drain(..) {
                    redact::event(&mut e);
                    line.clear();
                    if serde_json::to_writer(&mut line, &e).is_err() {
                        continue;
                    }
                    line.push(b'\n');
                    if let Err(err) = out.write_all(&line) {
                        failed = Some(fail(&shown, err, &errors, clock));
                        break;
                    }
                    written.events += 1;
                    written.bytes += line.len() as u64;
                }
            }
            _ = tick.tick() => {
                if failed.is_none() && let Err(err) = out.flush() {
                    failed = Some(fail(&shown, err, &errors, clock));
                }
            }
        }
    }
    if failed.is_none()
        && let Err(err) = out.flush().and_then(|()| out.get_ref().sync_data())
    {
        failed = Some(fail(&shown, err, &errors, clock));
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(written),
    }
}

/// A failed write: the screen is told at once, the error is kept for the end.
fn fail(shown: &str, source: std::io::Error, errors: &EventSink, clock: Clock) -> RecordError {
    let e = RecordError::WriteFailed {
        name: shown.into(),
        source,
    };
    errors.error(&clock, SOURCE, &e.to_string());
    e
}

/// Writes a whole recording at once (for `thaw import`): header, then the events with
/// secrets removed.
pub fn write_file(path: &Path, header: &Header, events: &[Event]) -> Result<Written, RecordError> {
    let shown = path.display().to_string();
    let fail = |source| RecordError::Write {
        name: shown.clone(),
        source,
    };
    let file = std::fs::File::create(path).map_err(|source| RecordError::Create {
        name: shown.clone(),
        source,
    })?;
    let mut out = std::io::BufWriter::new(file);
    let mut written = Written::default();
    let line = serde_json::to_string(header)?;
    writeln!(out, "{line}").map_err(fail)?;
    for e in events {
        let mut e = e.clone();
        redact::event(&mut e);
        let line = serde_json::to_string(&e)?;
        writeln!(out, "{line}").map_err(fail)?;
        written.events += 1;
        written.bytes += line.len() as u64 + 1;
    }
    out.flush().map_err(fail)?;
    Ok(written)
}
