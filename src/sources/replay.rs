//! Replay as a source: a recording's events sent into the channel with their original
//! timing (scaled by the speed), with pause, speed and seek. A seek backwards sends
//! `ReplayRestart` (the state starts over) and then the events up to the new position
//! at once; forwards, the events up to it at once.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::command::ReplayCommand;
use crate::event::{Event, EventKind, EventSink, ReplayProgress};
use crate::ids::Stamp;
use crate::record::{self, RecordError, Recording};

pub const SOURCE: &str = "replay";

/// How fast a replay runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Speed {
    /// Times the original pace.
    Times(f64),
    /// Everything at once.
    Max,
}

impl Speed {
    /// `2`, `0.5`, `2x`, `max`.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.trim().eq_ignore_ascii_case("max") {
            return Ok(Self::Max);
        }
        let t = s.trim().trim_end_matches(['x', 'X', '×']);
        match t.parse::<f64>() {
            Ok(x) if x.is_finite() && (0.01..=1000.0).contains(&x) => Ok(Self::Times(x)),
            _ => Err(format!(
                "--speed '{s}' is not a speed: write a factor from 0.01 to 1000 (2, 0.5) or max"
            )),
        }
    }

    fn faster(self) -> Self {
        match self {
            Self::Times(x) if x * 2.0 <= 64.0 => Self::Times(x * 2.0),
            _ => Self::Max,
        }
    }

    fn slower(self) -> Self {
        match self {
            Self::Max => Self::Times(64.0),
            Self::Times(x) => Self::Times((x / 2.0).max(0.125)),
        }
    }

    pub fn factor(self) -> Option<f64> {
        match self {
            Self::Times(x) => Some(x),
            Self::Max => None,
        }
    }
}

/// Handle to a running replay.
pub struct Replay {
    tx: mpsc::UnboundedSender<ReplayCommand>,
    task: JoinHandle<()>,
}

impl Replay {
    /// Opens `path` (errors are one line, before anything is drawn) and starts playing.
    pub fn spawn(path: &Path, speed: Speed, sink: EventSink) -> Result<Self, RecordError> {
        let first = record::open(path)?;
        let end_us = last_mono_us(path).unwrap_or(0);
        let (tx, rx) = mpsc::unbounded_channel();
        let player = Player {
            path: path.to_path_buf(),
            rec: first,
            speed,
            paused: false,
            position_us: 0,
            end_us,
            sink,
        };
        Ok(Self {
            tx,
            task: tokio::spawn(player.run(rx)),
        })
    }

    pub fn send(&self, cmd: ReplayCommand) {
        let _ = self.tx.send(cmd);
    }

    /// Another way in, for whoever routes a session's commands.
    pub fn sender(&self) -> mpsc::UnboundedSender<ReplayCommand> {
        self.tx.clone()
    }

    pub fn shutdown(self) {
        self.task.abort();
    }
}

/// The session time of a recording's last complete event, read from its tail.
fn last_mono_us(path: &Path) -> Option<u64> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let from = len.saturating_sub(256 * 1024);
    f.seek(SeekFrom::Start(from)).ok()?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail).ok()?;
    let text = String::from_utf8_lossy(&tail);
    text.lines().rev().find_map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        v.get("at")?.get("mono_us")?.as_u64()
    })
}

struct Player {
    path: PathBuf,
    rec: Recording,
    speed: Speed,
    paused: bool,
    /// Recording time played up to, µs.
    position_us: u64,
    end_us: u64,
    sink: EventSink,
}

/// How often the progress line updates while playing.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

impl Player {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<ReplayCommand>) {
        let mut pending: Option<Event> = None;
        let mut done = false;
        let mut last_progress = tokio::time::Instant::now();
        // Recording time `position_us` corresponds to real instant `anchor`.
        let mut anchor = tokio::time::Instant::now();
        self.progress(done);
        loop {
            if pending.is_none() && !done {
                match self.rec.next_event() {
                    Some(Ok(e)) => pending = Some(e),
                    Some(Err(e)) => {
                        self.error(&e.to_string());
                        done = true;
                    }
                    None => {
                        done = true;
                        self.position_us = self.position_us.max(self.end_us);
                        if let Some(note) = self.rec.notes() {
                            self.error(&note);
                        }
                    }
                }
                if done {
                    self.progress(done);
                }
            }
            // When the pending event is due, in real time.
            let due = match (&pending, self.paused, self.speed) {
                (Some(_), false, Speed::Max) => Some(tokio::time::Instant::now()),
                (Some(e), false, Speed::Times(x)) => {
                    let ahead = e.at.mono_us.saturating_sub(self.position_us);
                    Some(anchor + Duration::from_secs_f64(ahead as f64 / 1e6 / x))
                }
                _ => None,
            };
            if last_progress.elapsed() >= PROGRESS_EVERY {
                self.progress(done);
                last_progress = tokio::time::Instant::now();
            }
            let tick = tokio::time::Instant::now() + PROGRESS_EVERY;
            tokio::select! {
                cmd = rx.recv() => {
                    let Some(cmd) = cmd else { return };
                    self.advance_clock(&mut anchor);
                    match cmd {
                        ReplayCommand::TogglePause => self.paused = !self.paused,
                        ReplayCommand::Faster => self.speed = self.speed.faster(),
                        ReplayCommand::Slower => self.speed = self.speed.slower(),
                        ReplayCommand::Seek(delta) => {
                            let to = self.position_us.saturating_add_signed(delta).min(self.end_us);
                            done = self.seek(to, &mut pending).await;
                        }
                        ReplayCommand::Restart => done = self.seek(0, &mut pending).await,
                    }
                    anchor = tokio::time::Instant::now();
                    self.progress(done);
                }
                () = sleep_until(due.map_or(tick, |d| d.min(tick))) => {
                    if let Some(d) = due && tokio::time::Instant::now() >= d {
                        if let Some(e) = pending.take() {
                            self.position_us = self.position_us.max(e.at.mono_us);
                            anchor = d;
                            self.sink.send(e);
                        }
                    } else if !self.paused && !done {
                        // Time passes between events too (the progress line moves).
                        self.advance_clock(&mut anchor);
                    }
                }
            }
        }
    }

    /// Moves `position_us` forward by the real time since `anchor` (at the speed).
    fn advance_clock(&mut self, anchor: &mut tokio::time::Instant) {
        if self.paused {
            return;
        }
        if let Speed::Times(x) = self.speed {
            let now = tokio::time::Instant::now();
            let played = (now.duration_since(*anchor).as_secs_f64() * x * 1e6) as u64;
            self.position_us = (self.position_us + played).min(self.end_us);
            *anchor = now;
        }
    }

    /// Plays up to `to` at once (from the start when `to` is behind); returns whether
    /// the recording ended.
    async fn seek(&mut self, to: u64, pending: &mut Option<Event>) -> bool {
        if to < self.position_us {
            match record::open(&self.path) {
                Ok(r) => self.rec = r,
                Err(e) => {
                    self.error(&e.to_string());
                    return true;
                }
            }
            *pending = None;
            self.sink
                .send(Event::new(self.stamp(), EventKind::ReplayRestart));
        }
        self.position_us = to;
        loop {
            let e = match pending.take() {
                Some(e) => e,
                None => match self.rec.next_event() {
                    Some(Ok(e)) => e,
                    Some(Err(e)) => {
                        self.error(&e.to_string());
                        return true;
                    }
                    None => return true,
                },
            };
            if e.at.mono_us > to {
                *pending = Some(e);
                return false;
            }
            self.sink.send(e);
            // Let the screen keep up with a long fast-forward.
            tokio::task::yield_now().await;
        }
    }

    /// Now, on the recording's timeline (replay events must not mix timelines).
    fn stamp(&self) -> Stamp {
        Stamp {
            mono_us: self.position_us,
            wall_us: self.rec.header.started_wall_us
                + i64::try_from(self.position_us).unwrap_or(i64::MAX),
        }
    }

    fn error(&self, message: &str) {
        self.sink.send(Event::new(
            self.stamp(),
            EventKind::SourceError {
                source: SOURCE.into(),
                message: message.into(),
            },
        ));
    }

    fn progress(&self, done: bool) {
        self.sink.send(Event::new(
            self.stamp(),
            EventKind::ReplayProgress(ReplayProgress {
                position_us: self.position_us,
                end_us: self.end_us,
                speed: self.speed.factor(),
                paused: self.paused,
                done,
            }),
        ));
    }
}

async fn sleep_until(t: tokio::time::Instant) {
    tokio::time::sleep_until(t).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds() {
        assert_eq!(Speed::parse("2"), Ok(Speed::Times(2.0)));
        assert_eq!(Speed::parse("0.5x"), Ok(Speed::Times(0.5)));
        assert_eq!(Speed::parse("MAX"), Ok(Speed::Max));
        assert!(Speed::parse("0").is_err());
        assert!(Speed::parse("fast").is_err());
        assert_eq!(Speed::Times(32.0).faster(), Speed::Times(64.0));
        assert_eq!(Speed::Times(64.0).faster(), Speed::Max);
        assert_eq!(Speed::Max.slower(), Speed::Times(64.0));
        assert_eq!(Speed::Times(0.125).slower(), Speed::Times(0.125));
    }
}
