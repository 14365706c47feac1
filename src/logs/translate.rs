//! Log lines of many streams → the same lifecycle events the emulator emits. One log
//! stream is one execution environment (docs/lambda-facts.md §8), named by the stream's hex
//! suffix as the emulator names its environments.
//!
//! A START is held until its REPORT (they normally arrive in the same batch) so the
//! invocation is counted cold or warm from the REPORT's `Init Duration`; at the end of a
//! batch a START still waiting is emitted with the best guess (an Init just began).

use std::collections::HashMap;

use super::parse::{self, Line};
use crate::event::{
    DestroyReason, EventKind, FailurePhase, InitType, InvokeOutcome, LogLine, ReclaimReason,
};
use crate::ids::{EnvId, RequestId};

/// An event and the wall time (Unix ms) of the log line it comes from.
pub type Timed = (i64, EventKind);

/// Streams remembered at most; the quietest is forgotten first.
const MAX_STREAMS: usize = 4096;

#[derive(Debug, Default)]
struct Stream {
    env: EnvId,
    /// An Init began (`INIT_START`) and no invocation has ended since.
    init: Option<InitType>,
    /// A START waiting for its REPORT, and its time.
    pending: Option<(String, i64)>,
    /// The request whose START was already emitted.
    started: Option<String>,
    /// A `Task timed out` line named this request (old REPORTs have no Status).
    timed_out: Option<String>,
    /// Wall time of the stream's newest line, Unix ms.
    last_ms: i64,
}

/// Counts of what was read, for the status line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub lines: u64,
    pub platform: u64,
    pub output: u64,
    pub malformed: u64,
}

#[derive(Debug, Default)]
pub struct Translator {
    streams: HashMap<String, Stream>,
    pub counts: Counts,
    /// The last malformed line's reason, for one status line.
    pub last_malformed: Option<String>,
}

/// `2026/11/23/[$LATEST]3893…` → `3893…`: the environment as the emulator names it.
pub fn env_of(stream: &str) -> EnvId {
    let id = stream.rsplit_once(']').map_or(stream, |(_, hex)| hex);
    EnvId(if id.is_empty() { stream } else { id }.to_string())
}

impl Translator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads one log event. `log` says whether the line itself goes to the log pane.
    pub fn line(&mut self, stream: &str, wall_ms: i64, message: &str, out: &mut Vec<Timed>) {
        self.counts.lines += 1;
        let parsed = match parse::parse(message) {
            Ok(l) => l,
            Err(e) => {
                self.counts.malformed += 1;
                self.last_malformed = Some(format!("{e} in stream {stream}"));
                return;
            }
        };
        if parsed == Line::Output {
            self.counts.output += 1;
            return;
        }
        self.counts.platform += 1;
        if !self.streams.contains_key(stream) {
            self.make_room();
        }
        let s = self
            .streams
            .entry(stream.to_string())
            .or_insert_with(|| Stream {
                env: env_of(stream),
                ..Stream::default()
            });
        s.last_ms = s.last_ms.max(wall_ms);
        out.push((
            wall_ms,
            EventKind::Log(LogLine {
                stream: stream.to_string(),
                env: Some(s.env.clone()),
                text: message.trim_end_matches(['\n', '\r']).to_string(),
            }),
        ));
        match parsed {
            Line::InitStart { init_type } => {
                flush_one(s, out);
                s.init = Some(init_type);
                s.started = None;
                out.push((
                    wall_ms,
                    EventKind::InitStart {
                        env: s.env.clone(),
                        init_type,
                        slots: 1,
                    },
                ));
            }
            Line::InitReport {
                init_ms,
                ok,
                phase,
                error_type,
            } => init_report(s, wall_ms, (init_ms, ok, &phase, error_type), out),
            Line::Start { request_id } => {
                flush_one(s, out);
                s.pending = Some((request_id, wall_ms));
            }
            Line::Report(r) => report(s, &r, wall_ms, out),
            Line::Timeout { request_id, .. } => {
                s.timed_out = request_id.or_else(|| {
                    s.started
                        .clone()
                        .or_else(|| s.pending.as_ref().map(|(id, _)| id.clone()))
                });
            }
            Line::SpinDown => {
                out.push((
                    wall_ms,
                    EventKind::Reclaimed {
                        env: s.env.clone(),
                        reason: ReclaimReason::Idle,
                    },
                ));
                self.streams.remove(stream);
            }
            Line::End { .. } | Line::Platform | Line::Output => {}
        }
    }

    /// End of a batch: STARTs still waiting for their REPORT are shown now.
    pub fn flush(&mut self, out: &mut Vec<Timed>) {
        for s in self.streams.values_mut() {
            flush_one(s, out);
        }
    }

    /// Streams quiet for `quiet_ms` before `now_ms` are assumed reclaimed (the platform
    /// does not log it; docs/lambda-facts.md §5 measures about 10 minutes idle) and forgotten,
    /// each ended when its quiet time ran out.
    pub fn expire(&mut self, now_ms: i64, quiet_ms: i64, out: &mut Vec<Timed>) {
        let cutoff_ms = now_ms.saturating_sub(quiet_ms);
        self.streams.retain(|_, s| {
            let keep = s.last_ms >= cutoff_ms || s.pending.is_some();
            if !keep {
                out.push((
                    s.last_ms.saturating_add(quiet_ms).min(now_ms),
                    EventKind::Reclaimed {
                        env: s.env.clone(),
                        reason: ReclaimReason::Idle,
                    },
                ));
            }
            keep
        });
    }

    pub fn streams(&self) -> usize {
        self.streams.len()
    }

    fn make_room(&mut self) {
        if self.streams.len() < MAX_STREAMS {
            return;
        }
        if let Some(oldest) = self
            .streams
            .iter()
            .min_by_key(|(_, s)| s.last_ms)
            .map(|(k, _)| k.clone())
        {
            self.streams.remove(&oldest);
        }
    }
}

/// An `INIT_REPORT`: the Init's end, why it failed, and (failed inside the first
/// invocation) the environment's end.
fn init_report(
    s: &mut Stream,
    wall_ms: i64,
    (init_ms, ok, phase, error_type): (f64, bool, &str, Option<String>),
    out: &mut Vec<Timed>,
) {
    if let Some(error_type) = error_type.filter(|_| !ok) {
        out.push((
            wall_ms,
            EventKind::Failure {
                env: s.env.clone(),
                phase: FailurePhase::Init,
                error_type,
            },
        ));
    }
    out.push((
        wall_ms,
        EventKind::InitEnd {
            env: s.env.clone(),
            init_ms,
            ok,
        },
    ));
    // An Init that failed inside the first invocation leaves nothing behind.
    if !ok && phase == "invoke" {
        out.push((
            wall_ms,
            EventKind::Destroyed {
                env: s.env.clone(),
                reason: DestroyReason::InitError,
            },
        ));
        s.init = None;
    }
}

fn flush_one(s: &mut Stream, out: &mut Vec<Timed>) {
    if let Some((id, at)) = s.pending.take() {
        out.push((
            at,
            EventKind::InvokeStart {
                env: s.env.clone(),
                request: RequestId(id.clone()),
                cold: s.init == Some(InitType::OnDemand) || s.init == Some(InitType::SnapStart),
            },
        ));
        s.started = Some(id);
    }
}

fn report(s: &mut Stream, r: &parse::Report, at: i64, out: &mut Vec<Timed>) {
    let cold = r.cold();
    let was_started = s.started.as_deref() == Some(r.request_id.as_str());
    // A REPORT is written at the end: the invocation began its duration before.
    let mut began = at - r.duration_ms.max(0.0).round() as i64;
    if !was_started {
        // Its START is waiting (it started then) or was never seen.
        if let Some((id, t)) = s.pending.take()
            && id == r.request_id
        {
            began = t;
        }
        out.push((
            began,
            EventKind::InvokeStart {
                env: s.env.clone(),
                request: RequestId(r.request_id.clone()),
                cold,
            },
        ));
    }
    let init_ms = r.init_ms.or(r.restore_ms);
    if let Some(ms) = init_ms {
        // The Init ended as the invocation began.
        out.push((
            began,
            EventKind::InitEnd {
                env: s.env.clone(),
                init_ms: ms,
                ok: true,
            },
        ));
    }
    let outcome = if s.timed_out.as_deref() == Some(r.request_id.as_str()) {
        InvokeOutcome::Timeout
    } else {
        r.outcome
    };
    out.push((
        at,
        EventKind::InvokeEnd {
            env: s.env.clone(),
            request: RequestId(r.request_id.clone()),
            duration_ms: r.duration_ms,
            billed_ms: r.billed_ms,
            init_ms,
            cold,
            outcome,
        },
    ));
    let env = s.env.clone();
    if let Some(error_type) = r
        .error_type
        .clone()
        .filter(|_| outcome != InvokeOutcome::Success)
    {
        out.push((
            at,
            EventKind::Failure {
                env: env.clone(),
                phase: FailurePhase::Invoke,
                error_type,
            },
        ));
    }
    match outcome {
        InvokeOutcome::Crash => out.push((
            at,
            EventKind::Destroyed {
                env,
                reason: DestroyReason::Crash,
            },
        )),
        InvokeOutcome::Timeout => out.push((at, EventKind::Reset { env })),
        InvokeOutcome::Success | InvokeOutcome::Error => {}
    }
    s.init = None;
    s.started = None;
    s.timed_out = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[(&str, &str)]) -> (Vec<EventKind>, Translator) {
        let mut t = Translator::new();
        let mut out = Vec::new();
        for (i, (stream, line)) in lines.iter().enumerate() {
            t.line(stream, i64::try_from(i).unwrap_or_default(), line, &mut out);
        }
        t.flush(&mut out);
        let events = out
            .into_iter()
            .map(|(_, e)| e)
            .filter(|e| !matches!(e, EventKind::Log(_)))
            .collect();
        (events, t)
    }

    const A: &str = "2026/11/23/[$LATEST]aaaa";
    const B: &str = "2026/11/23/[$LATEST]bbbb";

    #[test]
    fn a_cold_then_a_warm_invocation() {
        let (events, t) = run(&[
            (
                A,
                "INIT_START Runtime Version: nodejs:22.v40\tRuntime Version ARN: x",
            ),
            (A, "START RequestId: r1 Version: $LATEST"),
            (A, "2026-11-23T10:00:00.000Z\tr1\tINFO\thello"),
            (A, "END RequestId: r1"),
            (
                A,
                "REPORT RequestId: r1\tDuration: 5.00 ms\tBilled Duration: 6 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 140.00 ms\t",
            ),
            (A, "START RequestId: r2 Version: $LATEST"),
            (
                A,
                "REPORT RequestId: r2\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t",
            ),
        ]);
        let env = EnvId("aaaa".into());
        let colds: Vec<bool> = events
            .iter()
            .filter_map(|e| match e {
                EventKind::InvokeStart { env: e, cold, .. } if *e == env => Some(*cold),
                _ => None,
            })
            .collect();
        assert_eq!(colds, [true, false]);
        assert!(events.iter().any(|e| matches!(e, EventKind::InitEnd { init_ms, ok: true, .. } if (*init_ms - 140.0).abs() < 1e-9)));
        assert_eq!(t.counts.output, 1);
        assert_eq!(t.counts.platform, 6);
    }

    #[test]
    fn a_report_without_its_start_still_counts_and_a_lone_start_is_flushed() {
        let (events, _) = run(&[
            (
                B,
                "REPORT RequestId: r9\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 90.00 ms\t",
            ),
            (A, "START RequestId: r1 Version: $LATEST"),
        ]);
        assert!(matches!(
            &events[0],
            EventKind::InvokeStart { cold: true, .. }
        ));
        assert!(matches!(
            events.last(),
            Some(EventKind::InvokeStart { cold: false, .. })
        ));
    }

    #[test]
    fn malformed_lines_are_counted_and_skipped() {
        let (events, t) = run(&[(A, "REPORT RequestId: r1\tDuration: soon")]);
        assert!(events.is_empty());
        assert_eq!(t.counts.malformed, 1);
        assert!(t.last_malformed.as_deref().is_some_and(|m| m.contains(A)));
    }

    #[test]
    fn quiet_streams_expire_as_reclaimed() {
        let mut t = Translator::new();
        let mut out = Vec::new();
        t.line(A, 1_000, "START RequestId: r1 Version: $LATEST", &mut out);
        t.line(
            A,
            1_001,
            "REPORT RequestId: r1\tDuration: 1.00 ms",
            &mut out,
        );
        t.line(B, 9_000, "START RequestId: r2 Version: $LATEST", &mut out);
        out.clear();
        t.expire(10_000, 5_000, &mut out);
        // Ended when its quiet time ran out, not when thaw noticed.
        assert_eq!(out.first().map(|(t, _)| *t), Some(6_001));
        assert_eq!(
            out.into_iter().map(|(_, e)| e).collect::<Vec<_>>(),
            [EventKind::Reclaimed {
                env: EnvId("aaaa".into()),
                reason: ReclaimReason::Idle
            }]
        );
        assert_eq!(t.streams(), 1);
    }

    #[test]
    fn failures_carry_the_error_type_the_platform_logged() {
        let (events, t) = run(&[
            (A, "INIT_START Runtime Version: python:3.13.v20"),
            (
                A,
                "INIT_REPORT Init Duration: 12.00 ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError",
            ),
            (A, "START RequestId: r1 Version: $LATEST"),
            (
                A,
                "REPORT RequestId: r1\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\tStatus: error\tError Type: Runtime.ExitError",
            ),
        ]);
        let failures: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                EventKind::Failure {
                    phase, error_type, ..
                } => Some((*phase, error_type.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            failures,
            [
                (FailurePhase::Init, "Runtime.ImportModuleError"),
                (FailurePhase::Invoke, "Runtime.ExitError"),
            ]
        );
        assert_eq!(t.counts.malformed, 0);
    }

    #[test]
    fn a_web_functions_spin_down_reclaims_the_environment() {
        let (events, t) = run(&[
            (
                A,
                r#"{"time":"t","type":"platform.initStart","record":{"initializationType":"on-demand"}}"#,
            ),
            (
                A,
                r#"{"time":"t","type":"platform.invokeStart","record":{}}"#,
            ),
            (
                A,
                r#"{"time":"t","type":"platform.spinDownStart","record":{}}"#,
            ),
        ]);
        assert!(matches!(events[0], EventKind::InitStart { .. }));
        assert!(matches!(
            events.last(),
            Some(EventKind::Reclaimed {
                reason: ReclaimReason::Idle,
                ..
            })
        ));
        assert_eq!(t.streams(), 0, "forgotten");
    }

    #[test]
    fn env_ids_are_the_stream_suffix() {
        assert_eq!(env_of("2026/11/23/[$LATEST]3893a1b2").0, "3893a1b2");
        assert_eq!(env_of("2026/11/23/[7]ff").0, "ff");
        assert_eq!(env_of("custom-stream").0, "custom-stream");
        assert_eq!(env_of("x/[1]").0, "x/[1]");
    }
}
