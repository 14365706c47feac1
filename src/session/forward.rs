//! The recorder's place in a session: between the sources and the screen, so every event
//! the screen folds is in the recording first, whatever the screen does with it.

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::event::Event;
use crate::record::{RecordError, Recorder};

/// Events read at once from the sources' channel.
const BATCH: usize = 4096;

pub(super) struct Forwarder {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Recorder>,
}

impl Forwarder {
    /// Records everything from `from` and passes it on to the receiver returned.
    pub(super) fn spawn(
        from: mpsc::Receiver<Event>,
        recorder: Recorder,
        capacity: usize,
    ) -> (Self, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(forward(from, tx, recorder, stopped));
        (Self { stop, task }, rx)
    }

    /// Records what is still queued, then flushes and closes the file.
    pub(super) async fn finish(self) -> Result<(), RecordError> {
        let _ = self.stop.send(());
        let recorder = self
            .task
            .await
            .map_err(|e| RecordError::Stopped(e.to_string()))?;
        recorder.finish().await.map(|_| ())
    }
}

async fn forward(
    mut from: mpsc::Receiver<Event>,
    to: mpsc::Sender<Event>,
    recorder: Recorder,
    mut stopped: oneshot::Receiver<()>,
) -> Recorder {
    let mut batch = Vec::with_capacity(BATCH);
    // The screen may be gone (it quit first): recording goes on until told to stop.
    let mut to = Some(to);
    loop {
        tokio::select! {
            n = from.recv_many(&mut batch, BATCH) => {
                if n == 0 {
                    break;
                }
                for event in batch.drain(..) {
                    recorder.record(&event);
                    if let Some(tx) = &to
                        && tx.send(event).await.is_err()
                    {
                        to = None;
                    }
                }
            }
            _ = &mut stopped => {
                while let Ok(event) = from.try_recv() {
                    recorder.record(&event);
                }
                break;
            }
        }
    }
    recorder
}
