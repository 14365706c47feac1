//! Each environment's story for the lanes view: its Init, its recent invocations and its
//! end, on the time they happened (Unix µs). Bounded: a ring of [`LANE_SPANS`]
//! invocations per environment, and the environment table bounds the environments.

use std::collections::VecDeque;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::event::InvokeOutcome;
use crate::ids::RequestId;

/// Invocations kept per environment: more than a screen row shows at any zoom.
pub const LANE_SPANS: usize = 64;

/// One invocation on a lane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start_us: i64,
    /// `None` while it runs.
    pub end_us: Option<i64>,
    pub cold: bool,
    /// `None` while it runs.
    pub outcome: Option<InvokeOutcome>,
    /// Requests in flight on the environment when this one began, itself included
    /// (above 1 only where an environment serves several at once).
    pub shared: u32,
    /// The request, hashed: an end finds its start without keeping the id.
    request: u64,
}

/// An Init phase: from its start to its end (`None` while it runs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InitSpan {
    pub start_us: i64,
    pub end_us: Option<i64>,
    pub ok: bool,
}

/// How a lane ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneEnd {
    Reclaimed,
    Destroyed,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lane {
    /// When the environment was first seen (its Init start where known).
    pub born_us: i64,
    pub init: Option<InitSpan>,
    /// Recent invocations, oldest first.
    pub spans: VecDeque<Span>,
    pub end: Option<(i64, LaneEnd)>,
    /// Most requests it served at once.
    pub peak_shared: u32,
}

fn hash(request: &RequestId) -> u64 {
    let mut h = DefaultHasher::new();
    request.0.hash(&mut h);
    h.finish()
}

impl Lane {
    pub fn new(born_us: i64) -> Self {
        Self {
            born_us,
            ..Self::default()
        }
    }

    pub fn init_start(&mut self, at_us: i64) {
        self.born_us = self.born_us.min(at_us);
        self.init = Some(InitSpan {
            start_us: at_us,
            end_us: None,
            ok: true,
        });
        self.end = None;
    }

    /// An Init ended; without its start (a REPORT's `Init Duration` alone) it began
    /// `init_ms` before.
    pub fn init_end(&mut self, at_us: i64, init_ms: f64, ok: bool) {
        match &mut self.init {
            Some(i) if i.end_us.is_none() => {
                i.end_us = Some(at_us.max(i.start_us));
                i.ok = ok;
            }
            _ => {
                let start_us = at_us - (init_ms.max(0.0) * 1000.0) as i64;
                self.born_us = self.born_us.min(start_us);
                self.init = Some(InitSpan {
                    start_us,
                    end_us: Some(at_us),
                    ok,
                });
            }
        }
    }

    pub fn invoke_start(&mut self, at_us: i64, request: &RequestId, cold: bool, shared: u32) {
        self.push(Span {
            start_us: at_us,
            end_us: None,
            cold,
            outcome: None,
            shared,
            request: hash(request),
        });
    }

    /// An invocation ended; without its start (a REPORT alone) it began `duration_ms`
    /// before.
    pub fn invoke_end(
        &mut self,
        at_us: i64,
        request: &RequestId,
        duration_ms: f64,
        cold: bool,
        outcome: InvokeOutcome,
    ) {
        let h = hash(request);
        if let Some(s) = self
            .spans
            .iter_mut()
            .rev()
            .find(|s| s.request == h && s.end_us.is_none())
        {
            s.end_us = Some(at_us.max(s.start_us));
            s.outcome = Some(outcome);
            return;
        }
        self.push(Span {
            start_us: at_us - (duration_ms.max(0.0) * 1000.0) as i64,
            end_us: Some(at_us),
            cold,
            outcome: Some(outcome),
            shared: 1,
            request: h,
        });
    }

    /// A whole invocation seen from outside (a probe's response): `start_us..end_us`.
    pub fn observed(
        &mut self,
        start_us: i64,
        end_us: i64,
        request: &RequestId,
        cold: bool,
        ok: bool,
    ) {
        let outcome = if ok {
            InvokeOutcome::Success
        } else {
            InvokeOutcome::Error
        };
        self.push(Span {
            start_us,
            end_us: Some(end_us.max(start_us)),
            cold,
            outcome: Some(outcome),
            shared: 1,
            request: hash(request),
        });
    }

    pub fn ended(&mut self, at_us: i64, how: LaneEnd) {
        // Whatever still ran ended with it.
        for s in self.spans.iter_mut().filter(|s| s.end_us.is_none()) {
            s.end_us = Some(at_us.max(s.start_us));
            s.outcome = Some(InvokeOutcome::Crash);
        }
        if let Some(i) = self.init.as_mut().filter(|i| i.end_us.is_none()) {
            i.end_us = Some(at_us.max(i.start_us));
            i.ok = false;
        }
        self.end = Some((at_us, how));
    }

    fn push(&mut self, span: Span) {
        self.peak_shared = self.peak_shared.max(span.shared);
        self.born_us = self.born_us.min(span.start_us);
        if self.spans.len() == LANE_SPANS {
            self.spans.pop_front();
        }
        // Usually the newest; a late arrival goes where it happened.
        let at = self
            .spans
            .iter()
            .rposition(|s| s.start_us <= span.start_us)
            .map_or(0, |i| i + 1);
        self.spans.insert(at, span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> RequestId {
        RequestId(s.into())
    }

    #[test]
    fn an_end_finds_its_start_and_a_report_alone_reaches_back() {
        let mut l = Lane::new(1_000);
        l.init_start(1_000);
        l.init_end(1_200, 0.2, true);
        l.invoke_start(1_200, &id("a"), true, 1);
        l.invoke_end(5_000, &id("a"), 3.8, true, InvokeOutcome::Success);
        assert_eq!(l.spans.len(), 1);
        assert_eq!(l.spans[0].end_us, Some(5_000));
        // A REPORT without its START: it ran for its duration before the line.
        l.invoke_end(20_000, &id("b"), 4.0, false, InvokeOutcome::Timeout);
        assert_eq!(l.spans[1].start_us, 16_000);
        assert_eq!(l.spans[1].outcome, Some(InvokeOutcome::Timeout));
        // An Init known only from a REPORT's Init Duration.
        let mut m = Lane::new(50_000);
        m.init_end(50_000, 30.0, true);
        assert_eq!(m.init.unwrap().start_us, 20_000);
        assert_eq!(m.born_us, 20_000);
    }

    #[test]
    fn the_ring_is_bounded_and_late_spans_land_in_order() {
        let mut l = Lane::new(0);
        for i in 0..74_i64 {
            l.observed(i * 10 + 100, i * 10 + 105, &id("x"), false, true);
        }
        assert_eq!(l.spans.len(), LANE_SPANS);
        l.observed(50, 60, &id("late"), false, true);
        l.observed(1_000_000, 1_000_001, &id("new"), false, true);
        l.observed(900, 901, &id("mid"), false, true);
        let starts: Vec<i64> = l.spans.iter().map(|s| s.start_us).collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
        assert_eq!(l.spans.len(), LANE_SPANS);
    }

    #[test]
    fn an_end_closes_what_still_ran() {
        let mut l = Lane::new(0);
        l.invoke_start(10, &id("a"), false, 1);
        l.ended(50, LaneEnd::Destroyed);
        assert_eq!(l.spans[0].end_us, Some(50));
        assert_eq!(l.spans[0].outcome, Some(InvokeOutcome::Crash));
        assert_eq!(l.end, Some((50, LaneEnd::Destroyed)));
    }
}
