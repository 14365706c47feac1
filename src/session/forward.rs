//! Between the sources and the screen: the recorder (so every event the screen folds is
//! in the recording first, whatever the screen does with it), and the session's traffic
//! kept as a bounded trace, so the screen can ask what `thaw whatif` would say of it.

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::event::{Event, EventKind, SizingAnswer};
use crate::record::{RecordError, Recorder};
use crate::whatif::{self, trace::Builder};

/// Events read at once from the sources' channel.
const BATCH: usize = 4096;
/// Arrivals of the session's traffic kept for the sizing table (about 3 MB).
const TRACE_ARRIVALS: usize = 200_000;

/// What the sizing table is worked out with.
#[derive(Debug, Clone)]
pub(super) struct Sizing {
    pub options: whatif::Options,
    pub pricing: crate::config::PricingConfig,
    pub clock: Clock,
}

pub(super) struct Forwarder {
    stop: oneshot::Sender<()>,
    ask: mpsc::UnboundedSender<()>,
    task: JoinHandle<Option<Recorder>>,
}

impl Forwarder {
    /// Records everything from `from` (with a recorder) and passes it on to the
    /// receiver returned.
    pub(super) fn spawn(
        from: mpsc::Receiver<Event>,
        recorder: Option<Recorder>,
        sizing: Sizing,
        capacity: usize,
    ) -> (Self, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let (stop, stopped) = oneshot::channel();
        let (ask, asked) = mpsc::unbounded_channel();
        let task = tokio::spawn(forward(from, tx, recorder, sizing, asked, stopped));
        (Self { stop, ask, task }, rx)
    }

    /// Where the screen's request for the sizing table goes.
    pub(super) fn asker(&self) -> mpsc::UnboundedSender<()> {
        self.ask.clone()
    }

    /// Records what is still queued, then flushes and closes the file.
    pub(super) async fn finish(self) -> Result<(), RecordError> {
        let _ = self.stop.send(());
        let recorder = self
            .task
            .await
            .map_err(|e| RecordError::Stopped(e.to_string()))?;
        match recorder {
            Some(r) => r.finish().await.map(|_| ()),
            None => Ok(()),
        }
    }
}

async fn forward(
    mut from: mpsc::Receiver<Event>,
    to: mpsc::Sender<Event>,
    recorder: Option<Recorder>,
    sizing: Sizing,
    mut asked: mpsc::UnboundedReceiver<()>,
    mut stopped: oneshot::Receiver<()>,
) -> Option<Recorder> {
    let mut batch = Vec::with_capacity(BATCH);
    let mut trace = Builder::bounded(TRACE_ARRIVALS);
    // The screen may be gone (it quit first): recording goes on until told to stop.
    let mut to = Some(to);
    loop {
        tokio::select! {
            n = from.recv_many(&mut batch, BATCH) => {
                if n == 0 {
                    break;
                }
                for event in batch.drain(..) {
                    if let Some(r) = &recorder {
                        r.record(&event);
                    }
                    trace.event(&event);
                    if let Some(tx) = &to
                        && tx.send(event).await.is_err()
                    {
                        to = None;
                    }
                }
            }
            Some(()) = asked.recv() => {
                if let Some(tx) = &to {
                    answer(trace.clone(), &sizing, tx.clone());
                }
            }
            _ = &mut stopped => {
                while let Ok(event) = from.try_recv() {
                    if let Some(r) = &recorder {
                        r.record(&event);
                    }
                }
                break;
            }
        }
    }
    recorder
}

/// Works the table out away from the event path and sends it to the screen (after the
/// recorder: it is an answer, not something that happened).
fn answer(trace: Builder, sizing: &Sizing, to: mpsc::Sender<Event>) {
    let sizing = sizing.clone();
    tokio::spawn(async move {
        let answer = tokio::task::spawn_blocking(move || match trace.finish() {
            Ok(t) => {
                let w = whatif::run("this session", t, &sizing.options, &sizing.pricing);
                SizingAnswer::Table(Box::new(w.sizing()))
            }
            Err(e) => SizingAnswer::Unavailable(format!("this session: {e}")),
        })
        .await
        .unwrap_or_else(|e| {
            SizingAnswer::Unavailable(format!("the sizing table could not be worked out: {e}"))
        });
        let _ = to
            .send(Event::new(sizing.clock.stamp(), EventKind::Sizing(answer)))
            .await;
    });
}
