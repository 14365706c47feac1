//! Lambda's queue for asynchronous (`Event`) invocations: the caller gets 202 at once;
//! the event waits here and is invoked like any other request. A function error is
//! retried twice, a minute and then two minutes later; a throttle is retried with a
//! back-off from 1 s doubling to 5 min; an event older than the maximum event age is
//! dropped (invocation-async-error-handling.html, docs/lambda-facts.md §12). Pure: time arrives
//! as `now`, so the platform task and tests drive it alike.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use super::builtin::InvokeParams;
use crate::event::AsyncQueueStats;

/// Events held at most: past it `Event` invocations are refused (Lambda's own queue has
/// no published bound; the emulator's memory must have one).
pub const CAPACITY: usize = 100_000;

/// `PutFunctionEventInvokeConfig`'s settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventConfig {
    /// Retries after a function error: 0 to 2.
    pub max_retries: u32,
    /// Events older than this are dropped: 60 s to 6 h.
    pub max_age: Duration,
}

impl Default for EventConfig {
    fn default() -> Self {
        Self {
            max_retries: 2,
            max_age: Duration::from_secs(21_600),
        }
    }
}

/// How one attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Succeeded,
    /// The function failed (error, timeout, crash, Init failure).
    FunctionError,
    /// Lambda refused it (concurrency, rate).
    Throttled,
}

#[derive(Debug)]
struct Queued {
    params: InvokeParams,
    received: Duration,
    /// Function errors so far.
    errors: u32,
    /// Throttles so far (the back-off's exponent).
    throttles: u32,
}

/// The queue: events waiting for their time, and events being invoked.
#[derive(Debug, Default)]
pub struct AsyncQueue {
    config: EventConfig,
    /// By (due, id): the next to try first.
    waiting: BTreeMap<(Duration, u64), Queued>,
    running: HashMap<u64, Queued>,
    next_id: u64,
    delivered: u64,
    retried: u64,
    dropped: u64,
}

/// The queue is full: the `Event` invocation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

const FIRST_ERROR_RETRY: Duration = Duration::from_secs(60);
const THROTTLE_FIRST: Duration = Duration::from_secs(1);
const THROTTLE_CAP: Duration = Duration::from_secs(300);

impl AsyncQueue {
    pub fn config(&self) -> EventConfig {
        self.config
    }

    /// New settings apply to events already queued, as Lambda's do.
    pub fn configure(&mut self, config: EventConfig) {
        self.config = config;
    }

    /// Takes an event; it is due at once.
    pub fn push(&mut self, now: Duration, params: InvokeParams) -> Result<(), Full> {
        if self.waiting.len() + self.running.len() >= CAPACITY {
            return Err(Full);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.waiting.insert(
            (now, id),
            Queued {
                params,
                received: now,
                errors: 0,
                throttles: 0,
            },
        );
        Ok(())
    }

    /// When the next waiting event is due.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.waiting.keys().next().map(|(due, _)| *due)
    }

    /// The events due at `now`, each with the id to report its attempt under. Events
    /// past the maximum age are dropped instead.
    pub fn due(&mut self, now: Duration) -> Vec<(u64, InvokeParams)> {
        let mut ready = Vec::new();
        while let Some(entry) = self.waiting.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, id), q) = entry.remove_entry();
            if now.saturating_sub(q.received) > self.config.max_age {
                self.dropped += 1;
                continue;
            }
            ready.push((id, q.params.clone()));
            self.running.insert(id, q);
        }
        ready
    }

    /// How the attempt of event `id` went: done, retried later, or dropped.
    pub fn attempted(&mut self, now: Duration, id: u64, attempt: Attempt) {
        let Some(mut q) = self.running.remove(&id) else {
            return;
        };
        let due = match attempt {
            Attempt::Succeeded => {
                self.delivered += 1;
                return;
            }
            Attempt::FunctionError if q.errors >= self.config.max_retries => {
                self.dropped += 1;
                return;
            }
            Attempt::FunctionError => {
                q.errors += 1;
                now + FIRST_ERROR_RETRY * q.errors
            }
            Attempt::Throttled => {
                let wait = THROTTLE_FIRST
                    .saturating_mul(1 << q.throttles.min(16))
                    .min(THROTTLE_CAP);
                q.throttles += 1;
                now + wait
            }
        };
        if due.saturating_sub(q.received) > self.config.max_age {
            self.dropped += 1;
            return;
        }
        self.retried += 1;
        self.waiting.insert((due, id), q);
    }

    /// What the screen shows: depth, the oldest event's age, and what became of them.
    pub fn stats(&self, now: Duration) -> AsyncQueueStats {
        let oldest = self
            .waiting
            .values()
            .chain(self.running.values())
            .map(|q| q.received)
            .min();
        AsyncQueueStats {
            depth: (self.waiting.len() + self.running.len()) as u64,
            oldest_ms: oldest.map_or(0, |r| now.saturating_sub(r).as_millis() as u64),
            delivered: self.delivered,
            retried: self.retried,
            dropped: self.dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn a_function_error_is_retried_twice_a_minute_then_two_apart() {
        let mut q = AsyncQueue::default();
        q.push(S(0), InvokeParams::default()).ok();
        let (id, _) = q.due(S(0)).pop().expect("due at once");
        q.attempted(S(1), id, Attempt::FunctionError);
        assert_eq!(q.next_deadline(), Some(S(61)));
        assert!(q.due(S(60)).is_empty());
        let (id, _) = q.due(S(61)).pop().expect("first retry");
        q.attempted(S(62), id, Attempt::FunctionError);
        assert_eq!(q.next_deadline(), Some(S(182)));
        let (id, _) = q.due(S(182)).pop().expect("second retry");
        q.attempted(S(183), id, Attempt::FunctionError);
        let stats = q.stats(S(183));
        assert_eq!((stats.depth, stats.retried, stats.dropped), (0, 2, 1));
    }

    #[test]
    fn throttles_back_off_to_five_minutes_until_the_event_is_too_old() {
        let mut q = AsyncQueue::default();
        q.configure(EventConfig {
            max_retries: 0,
            max_age: S(600),
        });
        q.push(S(0), InvokeParams::default()).ok();
        let mut now = S(0);
        let mut waits = Vec::new();
        while let Some(due) = q.next_deadline() {
            waits.push(due.saturating_sub(now));
            now = due;
            for (id, _) in q.due(now) {
                q.attempted(now, id, Attempt::Throttled);
            }
        }
        assert_eq!(&waits[..4], &[S(0), S(1), S(2), S(4)]);
        assert!(waits.iter().all(|w| *w <= S(300)), "{waits:?}");
        let stats = q.stats(now);
        assert_eq!((stats.depth, stats.delivered, stats.dropped), (0, 0, 1));
    }

    #[test]
    fn no_retries_when_configured_so_and_success_counts_delivered() {
        let mut q = AsyncQueue::default();
        q.configure(EventConfig {
            max_retries: 0,
            max_age: S(60),
        });
        for _ in 0..2 {
            q.push(S(0), InvokeParams::default()).ok();
        }
        let due = q.due(S(0));
        assert_eq!(q.stats(S(5)).oldest_ms, 5_000);
        q.attempted(S(1), due[0].0, Attempt::FunctionError);
        q.attempted(S(1), due[1].0, Attempt::Succeeded);
        let stats = q.stats(S(1));
        assert_eq!((stats.delivered, stats.dropped, stats.depth), (1, 1, 0));
    }

    #[test]
    fn the_queue_is_bounded() {
        let mut q = AsyncQueue::default();
        for _ in 0..CAPACITY {
            assert!(q.push(S(0), InvokeParams::default()).is_ok());
        }
        assert_eq!(q.push(S(0), InvokeParams::default()), Err(Full));
    }
}
