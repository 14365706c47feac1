//! The emulator's CloudWatch Logs: every log line its function writes, with the time it
//! happened and the time it becomes searchable (ingestion, a little later), in one
//! bounded ring. `FilterLogEvents` reads it as AWS answers: only what is ingested, in time
//! order, in pages.

use std::collections::VecDeque;
use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};

/// One stored log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub stream: Arc<str>,
    /// When it happened (its timestamp), Unix ms.
    pub timestamp_ms: i64,
    /// When it became searchable, Unix ms.
    pub ingested_ms: i64,
    /// Its order among events of the same millisecond, and its event id.
    pub id: u64,
    pub message: String,
}

/// What a `FilterLogEvents` call asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub streams: Option<Vec<String>>,
    pub stream_prefix: Option<String>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// Where the previous page ended (its `nextToken`).
    pub after: Option<(i64, u64)>,
    /// At most this many events (AWS's page limit is the most).
    pub limit: usize,
    pub pattern: super::pattern::Pattern,
}

/// One page of an answer.
#[derive(Debug, PartialEq, Eq)]
pub struct Page<'a> {
    pub events: Vec<&'a Stored>,
    /// More may follow: where the next page starts.
    pub next: Option<(i64, u64)>,
}

/// The bounded store.
#[derive(Debug)]
pub struct LogStore {
    events: VecDeque<Stored>,
    capacity: usize,
    next_id: u64,
    /// The ingestion delay's range, ms.
    delay_ms: (u64, u64),
    rng: SmallRng,
    /// The first line's time: when the log group came to be.
    pub created_ms: Option<i64>,
    pub stored_bytes: u64,
}

/// Each event counts its message and 26 bytes against a page's megabyte, as AWS counts.
const EVENT_OVERHEAD: usize = 26;

impl LogStore {
    pub fn new(capacity: usize, delay_ms: (u64, u64), seed: Option<u64>) -> Self {
        Self {
            events: VecDeque::new(),
            capacity,
            next_id: 0,
            delay_ms: (delay_ms.0, delay_ms.1.max(delay_ms.0)),
            rng: seed.map_or_else(SmallRng::from_os_rng, SmallRng::seed_from_u64),
            created_ms: None,
            stored_bytes: 0,
        }
    }

    /// Stores a line written at `timestamp_ms`; it becomes searchable after a drawn delay.
    pub fn push(&mut self, stream: &str, timestamp_ms: i64, message: &str) {
        if self.events.len() == self.capacity {
            self.events.pop_front();
        }
        let (lo, hi) = self.delay_ms;
        let delay = i64::try_from(self.rng.random_range(lo..=hi)).unwrap_or(i64::MAX);
        // Streams repeat: share the name with the newest event of the same stream.
        let stream = self
            .events
            .iter()
            .rev()
            .take(64)
            .find(|e| &*e.stream == stream)
            .map_or_else(|| Arc::from(stream), |e| e.stream.clone());
        self.next_id += 1;
        self.created_ms.get_or_insert(timestamp_ms);
        self.stored_bytes += message.len() as u64;
        self.events.push_back(Stored {
            stream,
            timestamp_ms,
            ingested_ms: timestamp_ms.saturating_add(delay),
            id: self.next_id,
            message: message.to_string(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The events `q` asks for that are searchable at `now_ms`, oldest first, at most a
    /// page (`q.limit` events, or a megabyte).
    pub fn filter(&self, q: &Query, now_ms: i64, page_bytes: usize) -> Page<'_> {
        let mut found: Vec<&Stored> = self
            .events
            .iter()
            .filter(|e| {
                e.ingested_ms <= now_ms
                    && q.start_ms.is_none_or(|s| e.timestamp_ms >= s)
                    && q.end_ms.is_none_or(|end| e.timestamp_ms <= end)
                    && q.after.is_none_or(|a| (e.timestamp_ms, e.id) > a)
                    && q.streams
                        .as_ref()
                        .is_none_or(|s| s.iter().any(|n| *n == *e.stream))
                    && q.stream_prefix
                        .as_ref()
                        .is_none_or(|p| e.stream.starts_with(p.as_str()))
                    && q.pattern.matches(&e.message)
            })
            .collect();
        found.sort_by_key(|e| (e.timestamp_ms, e.id));
        let mut bytes = 0;
        let mut taken = 0;
        for e in &found {
            let size = e.message.len() + EVENT_OVERHEAD;
            if taken == q.limit || (taken > 0 && bytes + size > page_bytes) {
                break;
            }
            bytes += size;
            taken += 1;
        }
        let more = taken < found.len();
        found.truncate(taken);
        let next = if more {
            found.last().map(|e| (e.timestamp_ms, e.id))
        } else {
            None
        };
        Page {
            events: found,
            next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> LogStore {
        let mut s = LogStore::new(5, (200, 3000), Some(7));
        for (i, stream) in ["a", "b", "a", "b", "a", "b"].into_iter().enumerate() {
            s.push(
                stream,
                1_000 + i64::try_from(i).unwrap(),
                &format!("line {i}"),
            );
        }
        s
    }

    fn all() -> Query {
        Query {
            limit: 10_000,
            ..Query::default()
        }
    }

    #[test]
    fn only_ingested_events_are_searchable_and_the_store_is_bounded() {
        let s = store();
        // Nothing is searchable before its delay; everything is after the longest one.
        assert!(s.filter(&all(), 1_100, 1 << 20).events.is_empty());
        let page = s.filter(&all(), 5_000, 1 << 20);
        let lines: Vec<&str> = page.events.iter().map(|e| e.message.as_str()).collect();
        // The capacity is 5: the first line went.
        assert_eq!(lines, ["line 1", "line 2", "line 3", "line 4", "line 5"]);
        assert!(
            page.events
                .iter()
                .all(|e| e.ingested_ms >= e.timestamp_ms + 200)
        );
        assert_eq!(page.next, None);
    }

    #[test]
    fn pages_follow_from_their_token_in_time_order() {
        let s = store();
        let q = Query { limit: 2, ..all() };
        let first = s.filter(&q, 5_000, 1 << 20);
        assert_eq!(first.events.len(), 2);
        let q2 = Query {
            after: first.next,
            ..q.clone()
        };
        let second = s.filter(&q2, 5_000, 1 << 20);
        assert_eq!(second.events[0].message, "line 3");
        // A megabyte holds at least one event, however long.
        let tiny = s.filter(&all(), 5_000, 1);
        assert_eq!(tiny.events.len(), 1);
        assert!(tiny.next.is_some());
        // Streams and times narrow it.
        let only_a = Query {
            streams: Some(vec!["a".into()]),
            start_ms: Some(1_003),
            ..all()
        };
        let lines: Vec<&str> = s
            .filter(&only_a, 5_000, 1 << 20)
            .events
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(lines, ["line 4"]);
    }
}
