//! Reading a recording back: the header is checked first (format, version), then events
//! one line at a time. A truncated last line (the writer was killed mid-line) is
//! reported and the rest plays; event kinds from a newer thaw are skipped and counted;
//! anything else unreadable is an error naming the line.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::{FORMAT, Header, RecordError, VERSION};
use crate::event::Event;

/// Longest line read: far above any event thaw writes (a log line is at most 256 KB on
/// CloudWatch), low enough that a file without line breaks is not read whole into memory.
const MAX_LINE: u64 = 4 * 1024 * 1024;

/// Reads one line of at most `MAX_LINE` bytes; `Ok(None)` when the line is longer.
fn read_line(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<usize>> {
    let n = reader.take(MAX_LINE + 1).read_until(b'\n', buf)?;
    Ok((n as u64 <= MAX_LINE).then_some(n))
}

/// An open recording: its header, then its events by iteration.
pub struct Recording {
    pub header: Header,
    name: String,
    reader: Box<dyn BufRead + Send>,
    line_no: usize,
    buf: Vec<u8>,
    /// Events of kinds this thaw does not know (a newer thaw wrote them).
    pub unknown: u64,
    /// The line number of a last line cut off mid-write.
    pub truncated: Option<usize>,
}

/// Opens `path` and reads its header.
pub fn open(path: &Path) -> Result<Recording, RecordError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| RecordError::Open {
        name: name.clone(),
        source,
    })?;
    from_reader(&name, BufReader::with_capacity(256 * 1024, file))
}

/// Reads a recording from any reader (`name` is for messages).
pub fn from_reader(
    name: &str,
    reader: impl Read + Send + 'static,
) -> Result<Recording, RecordError> {
    let mut reader: Box<dyn BufRead + Send> = Box::new(BufReader::new(reader));
    let mut buf = Vec::new();
    let n = read_line(&mut reader, &mut buf)
        .map_err(|source| RecordError::Read {
            name: name.into(),
            source,
        })?
        .ok_or_else(|| RecordError::NotARecording(name.into()))?;
    if n == 0 {
        return Err(RecordError::Empty(name.into()));
    }
    let not_ours = || RecordError::NotARecording(name.into());
    let text = std::str::from_utf8(&buf).map_err(|_| not_ours())?;
    let value: serde_json::Value = serde_json::from_str(text.trim_end()).map_err(|_| not_ours())?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(not_ours());
    }
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    if version > u64::from(VERSION) {
        return Err(RecordError::Newer {
            name: name.into(),
            version,
        });
    }
    let header: Header = serde_json::from_value(value).map_err(|e| RecordError::Header {
        name: name.into(),
        reason: e.to_string(),
    })?;
    Ok(Recording {
        header,
        name: name.to_string(),
        reader,
        line_no: 1,
        buf,
        unknown: 0,
        truncated: None,
    })
}

impl Recording {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The next event, `None` at the end (or after a truncated last line).
    pub fn next_event(&mut self) -> Option<Result<Event, RecordError>> {
        loop {
            self.buf.clear();
            let n = match read_line(&mut self.reader, &mut self.buf) {
                Ok(Some(n)) => n,
                Ok(None) => {
                    return Some(Err(self.damaged(
                        self.line_no + 1,
                        format!(
                            "longer than {} MB, not a thaw event (the file is damaged)",
                            MAX_LINE >> 20
                        ),
                    )));
                }
                Err(source) => {
                    return Some(Err(RecordError::Read {
                        name: self.name.clone(),
                        source,
                    }));
                }
            };
            if n == 0 {
                return None;
            }
            self.line_no += 1;
            let complete = self.buf.ends_with(b"\n");
            let Ok(text) = std::str::from_utf8(&self.buf) else {
                return Some(Err(
                    self.damaged(self.line_no, "not text (the file is damaged)".into())
                ));
            };
            let text = text.trim_end();
            if text.is_empty() {
                continue;
            }
            match serde_json::from_str::<Event>(text) {
                Ok(e) => return Some(Ok(e)),
                Err(e) if !complete => {
                    // The writer stopped mid-line: the rest is good.
                    let _ = e;
                    self.truncated = Some(self.line_no);
                    return None;
                }
                Err(e) if e.to_string().contains("unknown variant") => {
                    self.unknown += 1;
                }
                Err(e) => {
                    return Some(Err(
                        self.damaged(self.line_no, format!("not a thaw event ({e})"))
                    ));
                }
            }
        }
    }

    fn damaged(&self, line: usize, problem: String) -> RecordError {
        RecordError::Damaged {
            name: self.name.clone(),
            line,
            problem,
        }
    }

    /// What the reader skipped, for one line after the replay (`None` when nothing).
    pub fn notes(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(line) = self.truncated {
            parts.push(format!(
                "line {line} was cut off (the recording ended mid-write); everything before it played"
            ));
        }
        if self.unknown > 0 {
            parts.push(format!(
                "{} events of kinds a newer thaw wrote were skipped",
                self.unknown
            ));
        }
        (!parts.is_empty()).then(|| format!("{}: {}", self.name, parts.join("; ")))
    }
}

impl Iterator for Recording {
    type Item = Result<Event, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event()
    }
}
