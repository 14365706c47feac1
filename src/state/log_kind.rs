//! What a log line says, in the few kinds the log pane marks: read by the same parser
//! that turns lines into lifecycle events, not by looking for words in them.

use crate::event::InvokeOutcome;
use crate::logs::parse::{Line, parse};

/// A log line's kind, for the log pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// An Init began or was reported, or a REPORT of a cold start.
    Cold,
    /// A timeout, a failed Init, or a REPORT of an invocation that did not succeed.
    Failed,
    /// A REPORT of a warm invocation that succeeded.
    Report,
    /// START, END, other platform lines and the function's own output.
    Other,
}

impl LogKind {
    pub fn of(text: &str) -> Self {
        match parse(text) {
            Ok(Line::InitStart { .. } | Line::InitReport { ok: true, .. }) => Self::Cold,
            Ok(Line::Report(r)) if r.cold() => Self::Cold,
            Ok(Line::Report(r)) if r.outcome != InvokeOutcome::Success => Self::Failed,
            Ok(Line::Timeout { .. } | Line::InitReport { ok: false, .. }) => Self::Failed,
            Ok(Line::Report(_)) => Self::Report,
            Ok(
                Line::Start { .. }
                | Line::End { .. }
                | Line::SpinDown
                | Line::Platform
                | Line::Output,
            )
            | Err(_) => Self::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_not_searched() {
        let report = "REPORT RequestId: 0b7e\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t";
        assert_eq!(LogKind::of(report), LogKind::Report);
        let cold = format!("{report}Init Duration: 130.49 ms\t");
        assert_eq!(LogKind::of(&cold), LogKind::Cold);
        let timeout = format!("{report}Status: timeout\t");
        assert_eq!(LogKind::of(&timeout), LogKind::Failed);
        assert_eq!(
            LogKind::of(
                "INIT_START Runtime Version: python:3.13.v14\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:x"
            ),
            LogKind::Cold
        );
        assert_eq!(
            LogKind::of("START RequestId: 0b7e Version: $LATEST"),
            LogKind::Other
        );
        // The function's own words are its own, whatever they say.
        assert_eq!(
            LogKind::of("Init Duration is what we measure; Error: none"),
            LogKind::Other
        );
    }
}
