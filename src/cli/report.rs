//! `thaw report FILE -o report.html`: one self-contained HTML page from a recording.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Failure, GlobalArgs};
use crate::report::{self, Folded};
use crate::whatif;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The recording (thaw burst --record, thaw --record, thaw import)
    pub file: PathBuf,
    /// Where to write the page
    #[arg(long, short, value_name = "FILE", default_value = "report.html")]
    pub output: PathBuf,
    /// Add `thaw whatif`'s sizing table for the recording's traffic (default settings)
    #[arg(long)]
    pub whatif: bool,
}

/// The sizing table of `thaw whatif FILE` with its defaults, as text.
fn sizing(global: &GlobalArgs, args: &ReportArgs) -> Result<String, Failure> {
    let layers = global.layers(Vec::new()).map_err(Failure::Config)?;
    let config = crate::config::load(&layers)?;
    let trace = whatif::read(&args.file).map_err(|e| Failure::Run(e.to_string()))?;
    let name = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let opts = whatif::Options::defaults(config.emulator.clone());
    Ok(whatif::run(&name, trace, &opts, &config.pricing).text())
}

pub fn run(global: &GlobalArgs, args: &ReportArgs) -> Result<(), Failure> {
    let folded = Folded::read(&args.file).map_err(Failure::Run)?;
    let sizing = if args.whatif {
        Some(sizing(global, args)?)
    } else {
        None
    };
    write(&folded, sizing.as_deref(), &args.output, "-o")
}

/// Writes the page of `folded` to `path` (given by `flag`) and says so.
fn write(folded: &Folded, sizing: Option<&str>, path: &Path, flag: &str) -> Result<(), Failure> {
    let page = report::html(folded, sizing);
    std::fs::write(path, &page).map_err(|e| {
        Failure::Run(format!(
            "cannot write the report to '{}': {e}; give {flag} a writable path",
            path.display()
        ))
    })?;
    eprintln!(
        "thaw: wrote the report {} ({} kB: {} environments, {} requests); open it in a browser",
        path.display(),
        page.len().div_ceil(1024),
        folded.state.envs.len(),
        folded.state.client.requests
    );
    Ok(())
}

/// Where a run that writes a report records: the `--record` file, or a file of its own
/// (removed once the report is written) when only `--report` was asked for.
pub struct ReportRecording {
    pub path: PathBuf,
    temporary: bool,
    report: PathBuf,
}

impl ReportRecording {
    pub fn new(record: Option<&PathBuf>, report: Option<&PathBuf>) -> Option<Self> {
        let report = report?.clone();
        Some(match record {
            Some(path) => Self {
                path: path.clone(),
                temporary: false,
                report,
            },
            None => Self {
                path: std::env::temp_dir()
                    .join(format!("thaw-report-{}.jsonl", std::process::id())),
                temporary: true,
                report,
            },
        })
    }

    /// The recording to write: `--record`'s, or this one's.
    pub fn recording(this: Option<&Self>, record: Option<&PathBuf>) -> Option<PathBuf> {
        this.map(|r| r.path.clone()).or_else(|| record.cloned())
    }

    /// Writes the report from the finished recording, saying where; a recording of its
    /// own is removed.
    pub fn write(self, whatif: Option<&str>) -> Result<(), Failure> {
        let folded = Folded::read(&self.path).map_err(Failure::Run);
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
        write(&folded?, whatif, &self.report, "--report")
    }
}
