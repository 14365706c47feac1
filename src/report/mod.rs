//! `thaw report`: one self-contained HTML page from a recording, to forward after a load
//! test or a talk. Everything is inline (styles, SVG): it opens from a mail attachment on
//! a plane. Its size grows with the environments, not the requests: the lanes keep a
//! bounded ring per environment and the charts are per second and per minute.

mod charts;
mod lanes;
mod page;

use std::path::Path;
use std::time::Duration;

use crate::burst::StepReport;
use crate::event::EventKind;
use crate::record::read::Recording;
use crate::record::{self, Header};
use crate::state::State;
use crate::summary::Summary;

/// A recording folded as `thaw replay --summary` folds it: the page and that summary
/// read the same state, so their counters agree.
pub struct Folded {
    pub header: Header,
    pub state: State,
    /// The plans that ran, joined, and each one's report.
    pub plan: String,
    pub steps: Vec<StepReport>,
    /// What the recording says of itself (a recorder that stopped early).
    pub notes: Option<String>,
}

impl Folded {
    /// Reads and folds `path`. A bad recording is one line naming it, as for `thaw
    /// replay`.
    pub fn read(path: &Path) -> Result<Self, String> {
        Self::fold(record::open(path).map_err(|e| e.to_string())?)
    }

    /// Folds an opened recording.
    pub fn fold(mut rec: Recording) -> Result<Self, String> {
        let mut state = State::new();
        let (mut plans, mut steps) = (Vec::new(), Vec::new());
        while let Some(e) = rec.next_event() {
            let e = e.map_err(|e| e.to_string())?;
            if let EventKind::BurstFinished(done) = &e.kind {
                plans.push(done.plan.clone());
                steps.push(StepReport {
                    step: done.plan.clone(),
                    requests: done.requests,
                    release_spread: done.release_spread_us.map(Duration::from_micros),
                    late_starts: done.late_starts,
                    ..StepReport::default()
                });
            }
            state.apply(&e);
        }
        let plan = if plans.is_empty() {
            "(no burst)".to_string()
        } else {
            plans.join("; ")
        };
        Ok(Self {
            notes: rec.notes(),
            header: rec.header,
            state,
            plan,
            steps,
        })
    }

    pub fn summary(&self) -> Summary {
        Summary::new(&self.state, &self.header.target, &self.plan, &self.steps)
    }

    /// The summary as `thaw replay --summary` prints it.
    pub fn summary_text(&self) -> String {
        let mut text = self.summary().text();
        if let Some(note) = &self.notes {
            text += "note          ";
            text += note;
            text.push('\n');
        }
        text
    }
}

/// The page for a folded recording; `sizing` is `thaw whatif`'s table for it, when asked.
pub fn html(folded: &Folded, sizing: Option<&str>) -> String {
    page::render(folded, sizing)
}
