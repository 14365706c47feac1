//! What every headless run (`thaw burst`, fanned out or not) does around its requests:
//! record them (and make `--report`'s page from the recording), fold them into the
//! `State` the summary reads, keep CSV rows, show progress, and at the end print the
//! summary. One place, so a run's outputs behave the same whichever engine fired it.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::event::{Event, EventKind, EventSink, RequestObserved};
use crate::plan::Plan;
use crate::record::Recorder;
use crate::record::write::Tee;
use crate::state::State;
use crate::summary::{self, Summary};

use super::Failure;
use super::report::ReportRecording;

/// The summary's format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Text,
    Json,
    Csv,
}

/// What the run writes besides its summary.
pub(super) struct Outputs<'a> {
    pub record: Option<&'a PathBuf>,
    pub report: Option<&'a PathBuf>,
    pub output: Output,
}

/// A headless run while it goes.
pub(super) struct Headless {
    recorder: Option<Recorder>,
    report: Option<ReportRecording>,
    /// The user asked for the recording: say where it went.
    say_recording: bool,
    pub state: State,
    rows: Vec<RequestObserved>,
    keep_rows: bool,
    progress: Progress,
}

impl Headless {
    /// Starts the recording (when `--record` or `--report` asks for one) of a run of
    /// `plan` at `target`.
    pub fn start(
        out: &Outputs<'_>,
        target: &str,
        plan: &Plan,
        clock: Clock,
    ) -> Result<Self, Failure> {
        let report = ReportRecording::new(out.record, out.report);
        let recorder = match ReportRecording::recording(report.as_ref(), out.record) {
            Some(path) => {
                let config = format!("thaw burst -p '{plan}'");
                // The embedded emulator's events come through the tee, not a sink.
                let r = Recorder::start(&path, target, &config, EventSink::none(), clock)
                    .map_err(|e| Failure::Config(e.to_string()))?;
                Some(r)
            }
            None => None,
        };
        Ok(Self {
            recorder,
            report,
            say_recording: out.record.is_some(),
            state: State::new(),
            rows: Vec::new(),
            keep_rows: out.output == Output::Csv,
            progress: Progress::new(plan.planned_requests()),
        })
    }

    /// Where events from elsewhere (the embedded emulator's) join the recording.
    pub fn tee(&self) -> Option<Tee> {
        self.recorder.as_ref().map(Recorder::tee)
    }

    /// One event of the run: recorded, folded, kept as a row when rows are asked for.
    pub fn observe(&mut self, event: Event) {
        if let Some(r) = &self.recorder {
            r.record(&event);
        }
        self.state.apply(&event);
        self.progress.tick(self.state.client.requests);
        if self.keep_rows
            && let EventKind::Request(r) = event.kind
        {
            self.rows.push(r);
        }
    }

    /// The run is over: the progress line goes and the recording is closed. A recording
    /// that failed (disk full) does not cost the summary: [`Finished::conclude`] reports
    /// it after the summary.
    pub async fn finish(self) -> Finished {
        self.progress.finish();
        let recording = match self.recorder {
            None => Ok(()),
            Some(r) => {
                let path = r.path.clone();
                match r.finish().await {
                    Ok(written) => {
                        if self.say_recording {
                            eprintln!(
                                "thaw burst: recorded {} events to {}; play it with: thaw replay {}",
                                written.events,
                                path.display(),
                                path.display()
                            );
                        }
                        Ok(())
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
        };
        Finished {
            state: self.state,
            rows: self.rows,
            recording,
            report: self.report,
        }
    }
}

/// A headless run that ended.
pub(super) struct Finished {
    pub state: State,
    rows: Vec<RequestObserved>,
    recording: Result<(), String>,
    report: Option<ReportRecording>,
}

impl Finished {
    /// Prints the summary, then says whether the recording failed, then writes the report
    /// page; the exit status says whether every request was answered well (and `ok`).
    pub fn conclude(self, output: Output, summary: &Summary, ok: bool) -> Result<u8, Failure> {
        print_summary(output, summary, &self.rows);
        self.recording.map_err(Failure::Run)?;
        if let Some(r) = self.report {
            r.write(None)?;
        }
        Ok(if summary.failed > 0 || !ok {
            super::burst::EXIT_REQUESTS_FAILED
        } else {
            0
        })
    }
}

/// The summary on stdout, as text, JSON or CSV rows.
fn print_summary(output: Output, summary: &Summary, rows: &[RequestObserved]) {
    let mut out = std::io::stdout().lock();
    let written = match output {
        Output::Text => write!(out, "{}", summary.text()),
        Output::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        ),
        Output::Csv => {
            let mut text = String::from(summary::CSV_HEADER);
            text.push('\n');
            for r in rows {
                text.push_str(&summary::csv_row(r));
                text.push('\n');
            }
            write!(out, "{text}")
        }
    };
    let _ = written.and_then(|()| out.flush());
}

/// A one-line counter on stderr, only when stderr is a terminal.
struct Progress {
    total: Option<u64>,
    enabled: bool,
    last: Instant,
}

impl Progress {
    fn new(total: Option<u64>) -> Self {
        Self {
            total,
            enabled: std::io::stderr().is_terminal(),
            last: Instant::now(),
        }
    }

    fn tick(&mut self, done: u64) {
        if !self.enabled || self.last.elapsed() < Duration::from_millis(100) {
            return;
        }
        self.last = Instant::now();
        let total = self.total.map_or_else(String::new, |t| format!("/{t}"));
        eprint!("\r\x1b[2Kthaw burst: {done}{total} requests");
    }

    fn finish(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}
