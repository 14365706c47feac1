//! The session layer as the screen uses it, without a terminal: a link's commands reach
//! the emulator's control, its events come back on the feed, the recorder between them
//! keeps everything, and a clear is an event, recorded and replayed.

use std::time::Duration;

use thaw::clock::Clock;
use thaw::command::Command;
use thaw::config::Config;
use thaw::event::{Event, EventKind};
use thaw::link::{Link, SessionKind};
use thaw::session::{Options, Session};
use thaw::sources::replay::Speed;
use thaw::state::State;

use crate::common::scratch;

/// Events from the link's first feed until one matches `until`.
async fn until(link: &mut Link, mut until: impl FnMut(&Event) -> bool) -> Vec<Event> {
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(e) = link.feeds[0].events.recv().await {
            let done = until(&e);
            seen.push(e);
            if done {
                return;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("not seen in 30 s; got {} events", seen.len()));
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clear_is_recorded_and_replays_as_it_was_seen() {
    let file = scratch::scratch("clear.jsonl");
    let opts = Options {
        config: Config::default(),
        url: None,
        record: Some(file.to_path_buf()),
        replay: None,
        fanout: None,
    };
    let (session, mut link) = Session::start(&opts, Clock::start()).await.unwrap();
    assert!(
        matches!(link.kind, SessionKind::Emulator { .. }),
        "{:?}",
        link.kind
    );

    link.commands.send(Command::Fire {
        plan: "parallel 3".parse().unwrap(),
        sleep_ms: 0,
    });
    let fired = until(&mut link, |e| matches!(e.kind, EventKind::BurstFinished(_))).await;
    let mut live = State::new();
    for e in &fired {
        live.apply(e);
    }
    assert_eq!(live.client.requests, 3);

    link.commands.send(Command::Clear);
    for e in until(&mut link, |e| e.kind == EventKind::Cleared).await {
        live.apply(&e);
    }
    assert_eq!(live.client.requests, 0, "the fold cleared");
    session.shutdown().await.unwrap();

    // The recording holds the requests, then the clear.
    let mut rec = thaw::record::open(&file).unwrap();
    let kinds: Vec<EventKind> =
        std::iter::from_fn(|| rec.next_event().map(|e| e.unwrap().kind)).collect();
    let cleared = kinds.iter().position(|k| *k == EventKind::Cleared).unwrap();
    let requests = kinds
        .iter()
        .filter(|k| matches!(k, EventKind::Request(_)))
        .count();
    assert_eq!(requests, 3);
    assert!(
        kinds[..cleared]
            .iter()
            .filter(|k| matches!(k, EventKind::Request(_)))
            .count()
            == 3
    );

    // Played back, the same clear empties the replay's fold at the same point.
    let opts = Options {
        config: Config::default(),
        url: None,
        record: None,
        replay: Some((file.to_path_buf(), Speed::Max)),
        fanout: None,
    };
    let (session, mut link) = Session::start(&opts, Clock::start()).await.unwrap();
    assert_eq!(link.kind, SessionKind::Replay);
    let mut replayed = State::new();
    let mut requests_before_clear = None;
    for e in until(&mut link, |e| e.kind == EventKind::Cleared).await {
        if e.kind == EventKind::Cleared {
            requests_before_clear = Some(replayed.client.requests);
        }
        replayed.apply(&e);
    }
    assert_eq!(requests_before_clear, Some(3));
    assert_eq!(replayed.client.requests, 0);
    session.shutdown().await.unwrap();
}
