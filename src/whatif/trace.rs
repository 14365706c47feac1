//! A traffic trace from any recording: each request's arrival and how long the function
//! worked on it, the Init durations of the cold starts observed, and what was observed
//! (cold starts, throttles) to compare the model's answer against.
//!
//! From lifecycle events (the emulator, a function's logs, an imported log export) an
//! invocation arrived when its Init began (cold) or when it started (warm), and worked
//! for its REPORT's Duration. From client requests alone (an endpoint with no logs) a
//! request arrived when it was sent and worked for its latency less any Init its probe
//! reported: an upper bound, said in the table's assumptions.

use std::collections::HashMap;

use crate::event::{Event, EventKind, InitType, RequestObserved};
use crate::ids::{EnvId, RequestId};

/// One request of the trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrival {
    /// Since the trace's first arrival, µs.
    pub at_us: u64,
    /// How long the function worked on it, ms; `None` where it never ran (throttled):
    /// the trace's median is used.
    pub work_ms: Option<f64>,
}

/// Where the trace came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Invocations as the platform reported them (REPORT lines or the emulator).
    Lifecycle,
    /// Requests as thaw's client saw them.
    Client,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Wall time of the first arrival, Unix µs.
    pub start_wall_us: i64,
    pub arrivals: Vec<Arrival>,
    /// On-demand Init durations in the order they were observed, ms.
    pub init_ms: Vec<f64>,
    /// From the first arrival to the last request's end, s.
    pub span_s: f64,
    pub basis: Basis,
    /// What the recording saw.
    pub observed_cold: u64,
    pub observed_throttled: u64,
    /// The function's memory and architecture, where the recording says.
    pub memory_mb: Option<u32>,
    pub architecture: Option<String>,
}

/// Why a recording gives no trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceError {
    NoRequests,
}

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoRequests => f.write_str(
                "no requests in it, so no traffic to replay through the model; record a session \
                 with traffic (thaw --record FILE, thaw burst --record FILE) or thaw import a \
                 CloudWatch Logs export",
            ),
        }
    }
}

/// Reads events into a trace, whatever their source. Bounded when made with
/// [`Builder::bounded`] (a live session's traffic): the oldest arrivals make room.
#[derive(Debug, Default, Clone)]
pub struct Builder {
    /// Arrivals kept at most (0: no bound).
    cap: usize,
    /// Lifecycle arrivals (wall µs) and client arrivals, kept apart: lifecycle wins.
    platform: Vec<(i64, Option<f64>)>,
    client: Vec<(i64, Option<f64>)>,
    starts: HashMap<RequestId, i64>,
    init_types: HashMap<EnvId, InitType>,
    env_init_ms: HashMap<EnvId, f64>,
    init_ms: Vec<f64>,
    client_init_ms: Vec<f64>,
    end_us: i64,
    platform_cold: u64,
    platform_throttled: u64,
    client_cold: u64,
    client_throttled: u64,
    memory_mb: Option<u32>,
    architecture: Option<String>,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder that keeps the newest `cap` arrivals (and `cap` Init samples).
    pub fn bounded(cap: usize) -> Self {
        Self {
            cap,
            ..Self::default()
        }
    }

    /// Drops the oldest half of what outgrew the bound.
    fn trim(&mut self) {
        if self.cap == 0 {
            return;
        }
        let half = self.cap / 2;
        for v in [&mut self.platform, &mut self.client] {
            if v.len() > self.cap {
                v.drain(..v.len() - half);
            }
        }
        for v in [&mut self.init_ms, &mut self.client_init_ms] {
            if v.len() > self.cap {
                v.drain(..v.len() - half);
            }
        }
        // Starts whose end never came (a crash unseen), and environments long gone.
        if self.starts.len() > self.cap {
            self.starts.clear();
        }
        if self.init_types.len() > self.cap {
            self.init_types.clear();
            self.env_init_ms.clear();
        }
    }

    /// The function's memory from a recording's one-line configuration (`… 128 MB …`).
    pub fn config_line(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(mb) = words
            .windows(2)
            .find(|w| w[1].trim_end_matches(',') == "MB")
            .and_then(|w| w[0].parse::<u32>().ok())
        {
            self.memory_mb.get_or_insert(mb);
        }
    }

    pub fn event(&mut self, e: &Event) {
        self.trim();
        let when = e.when_us();
        self.end_us = self.end_us.max(when);
        match &e.kind {
            EventKind::InitStart { env, init_type, .. } => {
                self.init_types.insert(env.clone(), *init_type);
            }
            EventKind::InitEnd { env, init_ms, ok } => {
                self.env_init_ms.insert(env.clone(), *init_ms);
                let on_demand = self
                    .init_types
                    .get(env)
                    .is_none_or(|t| *t == InitType::OnDemand);
                if *ok && on_demand {
                    self.init_ms.push(*init_ms);
                }
            }
            EventKind::InvokeStart { request, .. } => {
                self.starts.insert(request.clone(), when);
            }
            EventKind::InvokeEnd {
                env,
                request,
                duration_ms,
                init_ms,
                cold,
                ..
            } => {
                let start = self
                    .starts
                    .remove(request)
                    .unwrap_or(when - (duration_ms * 1000.0) as i64);
                // A cold request arrived when its environment's Init began.
                let wait = if *cold {
                    self.platform_cold += 1;
                    init_ms.or_else(|| self.env_init_ms.get(env).copied())
                } else {
                    None
                };
                let arrived = start - (wait.unwrap_or(0.0) * 1000.0) as i64;
                self.platform.push((arrived, Some(*duration_ms)));
            }
            EventKind::Throttle { .. } => {
                self.platform_throttled += 1;
                self.platform.push((when, None));
            }
            EventKind::Request(r) => self.request(e, r),
            EventKind::FunctionConfig(f) => {
                self.memory_mb = Some(f.memory_mb);
                self.architecture = Some(f.architecture.clone());
            }
            // Clears and replay restarts do not change what traffic there was.
            _ => {}
        }
    }

    fn request(&mut self, e: &Event, r: &RequestObserved) {
        let sent =
            e.at.wall_us - i64::try_from(e.at.mono_us.saturating_sub(r.sent_us)).unwrap_or(0);
        let throttled =
            r.status == Some(429) || r.error == Some(crate::event::ErrorKind::Throttled);
        if throttled {
            self.client_throttled += 1;
            self.client.push((sent, None));
            return;
        }
        let cold = r.class.is_some_and(crate::event::Classification::is_cold);
        if cold {
            self.client_cold += 1;
        }
        let init = r.probe.as_ref().and_then(|p| p.init_ms.filter(|_| p.cold));
        if let Some(i) = init {
            self.client_init_ms.push(i);
        }
        let latency_ms = r.latency().as_secs_f64() * 1000.0;
        let work = (latency_ms - init.unwrap_or(0.0)).max(0.0);
        self.client.push((sent, Some(work)));
    }

    /// The trace: from lifecycle events where there are any, else from the client.
    pub fn finish(self) -> Result<Trace, TraceError> {
        let lifecycle = !self.platform.is_empty();
        let (mut raw, basis, cold, throttled, init_ms) = if lifecycle {
            (
                self.platform,
                Basis::Lifecycle,
                self.platform_cold,
                self.platform_throttled,
                self.init_ms,
            )
        } else {
            (
                self.client,
                Basis::Client,
                self.client_cold,
                self.client_throttled,
                self.client_init_ms,
            )
        };
        if raw.is_empty() {
            return Err(TraceError::NoRequests);
        }
        raw.sort_by_key(|(t, _)| *t);
        let start = raw[0].0;
        let last_end = raw
            .iter()
            .map(|(t, w)| t + (w.unwrap_or(0.0) * 1000.0) as i64)
            .max()
            .unwrap_or(start)
            .max(self.end_us.min(start + 86_400_000_000));
        let arrivals = raw
            .into_iter()
            .map(|(t, work_ms)| Arrival {
                at_us: u64::try_from(t - start).unwrap_or(0),
                work_ms,
            })
            .collect();
        Ok(Trace {
            start_wall_us: start,
            arrivals,
            init_ms,
            span_s: ((last_end - start) as f64 / 1e6).max(1.0),
            basis,
            observed_cold: cold,
            observed_throttled: throttled,
            memory_mb: self.memory_mb,
            architecture: self.architecture,
        })
    }
}

impl Trace {
    /// The median work of the requests that ran, ms (what a throttled one would have
    /// needed).
    pub fn median_work_ms(&self) -> f64 {
        let mut w: Vec<f64> = self.arrivals.iter().filter_map(|a| a.work_ms).collect();
        if w.is_empty() {
            return 0.0;
        }
        w.sort_by(f64::total_cmp);
        w[w.len() / 2]
    }

    /// Requests in flight: the median and 90th percentile over the seconds that had
    /// traffic, and the peak.
    pub fn concurrency(&self) -> (u32, u32, u32) {
        let median = self.median_work_ms();
        let mut edges: Vec<(u64, i32)> = Vec::with_capacity(self.arrivals.len() * 2);
        for a in &self.arrivals {
            let work_us = (a.work_ms.unwrap_or(median) * 1000.0) as u64;
            edges.push((a.at_us, 1));
            edges.push((a.at_us + work_us.max(1), -1));
        }
        // Ends before starts at the same instant: back-to-back requests do not overlap.
        edges.sort_unstable();
        let mut per_second: HashMap<u64, u32> = HashMap::new();
        let (mut now, mut peak) = (0_i32, 0_u32);
        for (t, d) in edges {
            now += d;
            let n = u32::try_from(now.max(0)).unwrap_or(0);
            peak = peak.max(n);
            let s = per_second.entry(t / 1_000_000).or_insert(0);
            *s = (*s).max(n);
        }
        let mut seconds: Vec<u32> = per_second.into_values().filter(|n| *n > 0).collect();
        seconds.sort_unstable();
        let at = |q: f64| {
            seconds
                .get(((seconds.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(0)
        };
        (at(0.5), at(0.9), peak)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Stamp;

    fn at(ms: i64) -> Stamp {
        Stamp {
            mono_us: u64::try_from(ms * 1000).unwrap_or(0),
            wall_us: 1_800_000_000_000_000 + ms * 1000,
        }
    }

    #[test]
    fn a_cold_request_arrived_when_its_init_began() {
        let env = EnvId("e".into());
        let mut b = Builder::new();
        let ev = |ms, kind| Event::new(at(ms), kind);
        for e in [
            ev(
                0,
                EventKind::InitStart {
                    env: env.clone(),
                    init_type: InitType::OnDemand,
                    slots: 1,
                },
            ),
            ev(
                150,
                EventKind::InitEnd {
                    env: env.clone(),
                    init_ms: 150.0,
                    ok: true,
                },
            ),
            ev(
                150,
                EventKind::InvokeStart {
                    env: env.clone(),
                    request: RequestId("a".into()),
                    cold: true,
                },
            ),
            ev(
                250,
                EventKind::InvokeEnd {
                    env: env.clone(),
                    request: RequestId("a".into()),
                    duration_ms: 100.0,
                    billed_ms: 250,
                    init_ms: Some(150.0),
                    cold: true,
                    outcome: crate::event::InvokeOutcome::Success,
                },
            ),
            ev(
                1000,
                EventKind::Throttle {
                    reason: crate::event::ThrottleReason::AccountConcurrency,
                },
            ),
        ] {
            b.event(&e);
        }
        let t = b.finish().unwrap();
        assert_eq!(t.basis, Basis::Lifecycle);
        assert_eq!(
            t.arrivals,
            vec![
                Arrival {
                    at_us: 0,
                    work_ms: Some(100.0)
                },
                Arrival {
                    at_us: 1_000_000,
                    work_ms: None
                }
            ]
        );
        assert_eq!(t.init_ms, vec![150.0]);
        assert_eq!((t.observed_cold, t.observed_throttled), (1, 1));
        assert!((t.median_work_ms() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn nothing_to_replay_is_an_error() {
        assert_eq!(Builder::new().finish(), Err(TraceError::NoRequests));
    }

    #[test]
    fn concurrency_counts_overlap_not_requests() {
        let t = Trace {
            start_wall_us: 0,
            arrivals: (0..10)
                .map(|i| Arrival {
                    at_us: i * 100_000,
                    work_ms: Some(100.0),
                })
                .chain((0..5).map(|_| Arrival {
                    at_us: 5_000_000,
                    work_ms: Some(100.0),
                }))
                .collect(),
            init_ms: Vec::new(),
            span_s: 6.0,
            basis: Basis::Lifecycle,
            observed_cold: 0,
            observed_throttled: 0,
            memory_mb: None,
            architecture: None,
        };
        // Ten back to back (one at a time), then five at once.
        assert_eq!(t.concurrency().2, 5);
    }
}
