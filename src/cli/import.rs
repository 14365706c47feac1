//! `thaw import`: CloudWatch Logs exports → a recording for `thaw replay`.

use std::path::PathBuf;

use clap::Args;

use crate::record::import::{self, RawLine};
use crate::record::{Header, write};

use super::Failure;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Exports: the JSON of `aws logs filter-log-events` (pages may follow one another),
    /// or text lines of `aws logs tail` / one stream's START and REPORT lines
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The recording to write [default: the first file's name + .thaw.jsonl]
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// The log stream of text lines that do not name one [default: the file's name]
    #[arg(long, value_name = "NAME")]
    pub stream: Option<String>,
}

pub fn run(args: &ImportArgs) -> Result<(), Failure> {
    let mut lines: Vec<RawLine> = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|e| Failure::Run(format!("{name}: cannot read ({e})")))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Failure::Config(format!(
                "{name}: not text (a CloudWatch Logs export is JSON or text)"
            ))
        })?;
        let stream = args.stream.clone().unwrap_or_else(|| {
            path.file_stem()
                .map_or_else(|| "export".into(), |s| s.to_string_lossy().into_owned())
        });
        lines.extend(import::parse_export(&name, &text, &stream).map_err(Failure::Config)?);
    }
    let read = lines.len();
    let imported = import::to_events(lines);
    let out = args.output.clone().unwrap_or_else(|| {
        let first = &args.files[0];
        let stem = first
            .file_stem()
            .map_or_else(|| "import".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from(format!("{stem}.thaw.jsonl"))
    });
    let sources: Vec<String> = args.files.iter().map(|p| p.display().to_string()).collect();
    let header = Header::new(
        &format!("CloudWatch Logs export ({})", sources.join(", ")),
        &format!(
            "import: {} streams, {read} lines, {} unreadable",
            imported.streams, imported.counts.malformed
        ),
        imported.start_wall_us,
    );
    let written = write::write_file(&out, &header, &imported.events)
        .map_err(|e| Failure::Run(e.to_string()))?;
    let mut state = crate::state::State::new();
    for e in &imported.events {
        state.apply(e);
    }
    let p = &state.platform;
    println!(
        "thaw import: {read} lines of {} streams -> {} environments, {} cold, {} warm, {} unreadable lines skipped",
        imported.streams,
        state.envs.len(),
        p.cold_starts,
        p.warm_starts,
        imported.counts.malformed
    );
    println!(
        "wrote {} events to {}; watch it: thaw replay {}",
        written.events,
        out.display(),
        out.display()
    );
    Ok(())
}
