//! Burst plans, written as text: `parallel 50`, `serial 50 think 100ms`,
//! `ramp 1 50 over 10s`, `rate 100 for 10s`, `keep-warm 10 every 5m for 1h`, `wait 2s`,
//! and stages: steps separated by `;` (`parallel 50; wait 1s; serial 50`).
//!
//! A plan is a value from here up: the screen builds one from its panel, a command
//! carries it, the engine runs it. Text is only how a person writes it (`-p`) and how a
//! recording or a message shows it, so serde reads and writes that same text.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Most requests one step may send at once (sockets are the limit).
pub const MAX_PARALLEL: u32 = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Open N connections, then release N requests at one instant.
    Parallel { n: u32 },
    /// N requests one after another on one connection.
    Serial { n: u32, think: Duration },
    /// Closed loop whose concurrency goes from `from` to `to` over `over`.
    Ramp { from: u32, to: u32, over: Duration },
    /// Open model: arrivals on schedule at `per_s` for `duration`, whatever responses do.
    Rate { per_s: f64, duration: Duration },
    /// A parallel burst of N every `every`: the warmer that keeps N environments alive.
    KeepWarm {
        n: u32,
        every: Duration,
        duration: Option<Duration>,
    },
    /// Nothing, for a while.
    Wait(Duration),
}

/// A sequence of steps (one step is the common case).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    /// The most connections any step holds open at once (rate steps: unknown, 0).
    pub fn max_connections(&self) -> u32 {
        self.steps
            .iter()
            .map(|s| match s {
                Step::Parallel { n } | Step::KeepWarm { n, .. } => *n,
                Step::Ramp { from, to, .. } => (*from).max(*to),
                Step::Serial { .. } => 1,
                Step::Rate { .. } | Step::Wait(_) => 0,
            })
            .max()
            .unwrap_or(0)
    }

    /// Requests the plan sends, when that is known in advance.
    pub fn planned_requests(&self) -> Option<u64> {
        self.steps.iter().try_fold(0u64, |acc, s| {
            let n = match s {
                Step::Parallel { n } | Step::Serial { n, .. } => u64::from(*n),
                Step::Rate { per_s, duration } => (per_s * duration.as_secs_f64()).floor() as u64,
                Step::Wait(_) => 0,
                Step::KeepWarm {
                    n,
                    every,
                    duration: Some(d),
                } => u64::from(*n).saturating_mul(
                    u64::try_from(d.as_nanos() / every.as_nanos().max(1) + 1).unwrap_or(u64::MAX),
                ),
                Step::Ramp { .. } | Step::KeepWarm { duration: None, .. } => return None,
            };
            // Durations may be centuries long: a count past u64 is "more than can be sent".
            Some(acc.saturating_add(n))
        })
    }
}

/// A plan that does not parse: which step, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the plan is empty; write e.g. 'parallel 50'")]
    Empty,
    #[error("plan '{step}': {problem}")]
    Step { step: String, problem: String },
}

fn bad(step: &str, problem: String) -> PlanError {
    PlanError::Step {
        step: step.into(),
        problem,
    }
}

fn duration(word: Option<&str>, what: &str, step: &str) -> Result<Duration, PlanError> {
    let w = word.ok_or_else(|| bad(step, format!("{what} needs a duration like 10s or 500ms")))?;
    let d = humantime::parse_duration(w).map_err(|_| {
        bad(
            step,
            format!("'{w}' is not a duration; write e.g. 10s, 500ms, 5m"),
        )
    })?;
    if d.is_zero() {
        return Err(bad(step, format!("{what} must be longer than 0")));
    }
    Ok(d)
}

fn count(word: Option<&str>, what: &str, step: &str) -> Result<u32, PlanError> {
    let w = word.ok_or_else(|| bad(step, format!("{what} needs a number")))?;
    match w.parse::<u32>() {
        Ok(0) => Err(bad(step, format!("{what} must be at least 1"))),
        Ok(n) if n > MAX_PARALLEL => Err(bad(step, format!("{what} is at most {MAX_PARALLEL}"))),
        Ok(n) => Ok(n),
        Err(_) => Err(bad(step, format!("'{w}' is not a whole number"))),
    }
}

fn expect(word: Option<&str>, keyword: &str, step: &str, example: &str) -> Result<(), PlanError> {
    match word {
        Some(w) if w == keyword => Ok(()),
        _ => Err(bad(
            step,
            format!("expected '{keyword}'; write e.g. '{example}'"),
        )),
    }
}

fn end(mut words: std::str::SplitWhitespace<'_>, step: &str) -> Result<(), PlanError> {
    match words.next() {
        None => Ok(()),
        Some(w) => Err(bad(step, format!("unexpected '{w}'"))),
    }
}

impl FromStr for Step {
    type Err = PlanError;

    fn from_str(text: &str) -> Result<Self, PlanError> {
        let step = text.trim();
        let mut w = step.split_whitespace();
        let parsed = match w.next() {
            Some("parallel") => Self::Parallel {
                n: count(w.next(), "parallel N", step)?,
            },
            Some("serial") => {
                let n = count(w.next(), "serial N", step)?;
                let think = match w.next() {
                    None => Duration::ZERO,
                    Some("think") => duration(w.next(), "think", step)?,
                    Some(other) => {
                        return Err(bad(
                            step,
                            format!("unexpected '{other}'; write e.g. 'serial 50 think 100ms'"),
                        ));
                    }
                };
                Self::Serial { n, think }
            }
            Some("ramp") => {
                let from = count(w.next(), "ramp FROM", step)?;
                let to = count(w.next(), "ramp TO", step)?;
                expect(w.next(), "over", step, "ramp 1 50 over 30s")?;
                Self::Ramp {
                    from,
                    to,
                    over: duration(w.next(), "over", step)?,
                }
            }
            Some("rate") => {
                let r = w
                    .next()
                    .ok_or_else(|| bad(step, "rate needs requests per second".into()))?;
                let per_s = r
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v > 0.0 && *v <= 1_000_000.0)
                    .ok_or_else(|| {
                        bad(
                            step,
                            format!("'{r}' is not a rate above 0 (requests per second)"),
                        )
                    })?;
                expect(w.next(), "for", step, "rate 100 for 10s").map_err(|_| {
                    bad(
                        step,
                        format!("rate needs a duration; write e.g. 'rate {r} for 10s'"),
                    )
                })?;
                Self::Rate {
                    per_s,
                    duration: duration(w.next(), "for", step)?,
                }
            }
            Some("keep-warm") => {
                let n = count(w.next(), "keep-warm N", step)?;
                expect(w.next(), "every", step, "keep-warm 10 every 5m")?;
                let every = duration(w.next(), "every", step)?;
                let dur = match w.next() {
                    None => None,
                    Some("for") => Some(duration(w.next(), "for", step)?),
                    Some(other) => {
                        return Err(bad(
                            step,
                            format!(
                                "unexpected '{other}'; write e.g. 'keep-warm 10 every 5m for 1h'"
                            ),
                        ));
                    }
                };
                Self::KeepWarm {
                    n,
                    every,
                    duration: dur,
                }
            }
            Some("wait") => Self::Wait(duration(w.next(), "wait", step)?),
            Some(other) => {
                return Err(bad(
                    step,
                    format!(
                        "'{other}' is not a step; use parallel, serial, ramp, rate, keep-warm or wait"
                    ),
                ));
            }
            None => return Err(PlanError::Empty),
        };
        end(w, step)?;
        Ok(parsed)
    }
}

impl FromStr for Plan {
    type Err = PlanError;

    fn from_str(text: &str) -> Result<Self, PlanError> {
        let steps = text
            .split(';')
            .filter(|s| !s.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Step>, PlanError>>()?;
        if steps.is_empty() {
            return Err(PlanError::Empty);
        }
        Ok(Self { steps })
    }
}

/// `1m30s`: humantime's form without its spaces, so a plan as shown is one word per
/// duration and can be typed back after `-p`.
fn human(d: Duration) -> String {
    humantime::format_duration(d).to_string().replace(' ', "")
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parallel { n } => write!(f, "parallel {n}"),
            Self::Serial { n, think } if think.is_zero() => write!(f, "serial {n}"),
            Self::Serial { n, think } => write!(f, "serial {n} think {}", human(*think)),
            Self::Ramp { from, to, over } => write!(f, "ramp {from} {to} over {}", human(*over)),
            Self::Rate { per_s, duration } => write!(f, "rate {per_s} for {}", human(*duration)),
            Self::KeepWarm {
                n,
                every,
                duration: None,
            } => write!(f, "keep-warm {n} every {}", human(*every)),
            Self::KeepWarm {
                n,
                every,
                duration: Some(d),
            } => {
                write!(f, "keep-warm {n} every {} for {}", human(*every), human(*d))
            }
            Self::Wait(d) => write!(f, "wait {}", human(*d)),
        }
    }
}

impl serde::Serialize for Plan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Plan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Plan {
    /// A plan of one step.
    pub fn one(step: Step) -> Self {
        Self { steps: vec![step] }
    }

    /// The width of a plan that is one `parallel N` step: what a fan-out can split.
    pub fn single_parallel(&self) -> Option<u32> {
        match self.steps.as_slice() {
            [Step::Parallel { n }] => Some(*n),
            _ => None,
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_round_trip_through_text() {
        for text in [
            "parallel 50",
            "serial 50",
            "serial 20 think 100ms",
            "ramp 1 50 over 30s",
            "rate 100 for 10s",
            "rate 2.5 for 1m",
            "keep-warm 10 every 5m",
            "keep-warm 10 every 5m for 1h",
            "parallel 50; wait 2s; serial 50",
        ] {
            let plan: Plan = text.parse().unwrap();
            assert_eq!(plan.to_string(), text);
        }
        // Found by fuzzing (`fuzz/regressions/plan`): durations of several units were
        // shown with spaces ("1m 30s"), which the plan parser reads as two words.
        for (typed, shown) in [
            ("keep-warm 2 every 90s", "keep-warm 2 every 1m30s"),
            ("wait 3723s", "wait 1h2m3s"),
            ("serial 2 think 1500ms", "serial 2 think 1s500ms"),
        ] {
            let plan: Plan = typed.parse().unwrap();
            assert_eq!(plan.to_string(), shown);
            assert_eq!(shown.parse::<Plan>().unwrap(), plan);
        }
    }

    #[test]
    fn plans_travel_as_their_text() {
        let plan: Plan = "parallel 5; wait 1s".parse().unwrap();
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(json, "\"parallel 5; wait 1s\"");
        assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), plan);
        let err = serde_json::from_str::<Plan>("\"parallel 0\"").unwrap_err();
        assert!(
            err.to_string().contains("parallel N must be at least 1"),
            "{err}"
        );
    }

    #[test]
    fn bad_plans_say_what_to_write() {
        let cases = [
            (
                "parallel 0",
                "plan 'parallel 0': parallel N must be at least 1",
            ),
            ("parallel", "plan 'parallel': parallel N needs a number"),
            (
                "parallel many",
                "plan 'parallel many': 'many' is not a whole number",
            ),
            (
                "rate 100",
                "plan 'rate 100': rate needs a duration; write e.g. 'rate 100 for 10s'",
            ),
            (
                "rate 0 for 1s",
                "plan 'rate 0 for 1s': '0' is not a rate above 0 (requests per second)",
            ),
            (
                "rate 10 for soon",
                "plan 'rate 10 for soon': 'soon' is not a duration; write e.g. 10s, 500ms, 5m",
            ),
            (
                "burst 5",
                "plan 'burst 5': 'burst' is not a step; use parallel, serial, ramp, rate, keep-warm or wait",
            ),
            ("", "the plan is empty; write e.g. 'parallel 50'"),
            ("parallel 5 now", "plan 'parallel 5 now': unexpected 'now'"),
            (
                "ramp 1 50 in 3s",
                "plan 'ramp 1 50 in 3s': expected 'over'; write e.g. 'ramp 1 50 over 30s'",
            ),
            (
                "parallel 100001",
                "plan 'parallel 100001': parallel N is at most 100000",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Plan>().unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn planned_request_counts() {
        let p: Plan = "parallel 50; wait 1s; serial 20; rate 10 for 2s"
            .parse()
            .unwrap();
        assert_eq!(p.planned_requests(), Some(90));
        let p: Plan = "ramp 1 5 over 1s".parse().unwrap();
        assert_eq!(p.planned_requests(), None);
        // Found by fuzzing (`fuzz/regressions/plan`): rates over centuries overflowed.
        let p: Plan = "rate 1000000 for 30000000000wk; parallel 1"
            .parse()
            .unwrap();
        assert_eq!(p.planned_requests(), Some(u64::MAX));
    }
}
