//! Where sources send their events.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use super::{Event, EventKind};
use crate::clock::Clock;

/// Where a source sends its events. Sending never waits: a source must not stall because
/// the app is slow to draw, so when the channel is full the event is dropped and counted.
#[derive(Debug, Clone)]
pub struct EventSink {
    tx: Option<mpsc::Sender<Event>>,
    dropped: Arc<AtomicU64>,
}

impl EventSink {
    /// A sink that discards everything (nobody is watching).
    pub fn none() -> Self {
        Self {
            tx: None,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A sink and the receiving end of its channel.
    pub fn channel(capacity: usize) -> (Self, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (
            Self {
                tx: Some(tx),
                dropped: Arc::new(AtomicU64::new(0)),
            },
            rx,
        )
    }

    /// Whether anybody receives: sources skip building events nobody reads.
    pub fn is_observed(&self) -> bool {
        self.tx.as_ref().is_some_and(|tx| !tx.is_closed())
    }

    pub fn send(&self, event: Event) {
        if let Some(tx) = &self.tx
            && tx.try_send(event).is_err()
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Reports what `source` is doing now (shown until its next status).
    pub fn status(&self, clock: &Clock, source: &str, message: &str) {
        self.send(Event::new(
            clock.stamp(),
            EventKind::SourceStatus {
                source: source.into(),
                message: message.into(),
            },
        ));
    }

    /// Reports a failure of `source`; the app shows it and keeps running.
    pub fn error(&self, clock: &Clock, source: &str, message: &str) {
        self.send(Event::new(
            clock.stamp(),
            EventKind::SourceError {
                source: source.into(),
                message: message.into(),
            },
        ));
    }

    /// Events dropped because the channel was full or closed.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
