//! The release of a parallel step: every request written at once.
//!
//! On loopback and fast links a write costs microseconds of kernel time, so one thread's
//! loop over 5,000 sockets spreads the release over tens of milliseconds. The sockets are
//! therefore cut into shards, one per core, and each shard's loop runs on its own thread,
//! all let go together by a barrier: the spread shrinks with the cores. A write that would
//! block (a full socket buffer, or TLS, whose writes are async) is left for the caller to
//! finish with an await, after the loops.

use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use super::conn::Writer;
use crate::event::ErrorKind;

use super::http1;

/// Fewer sockets than this per thread are not worth a thread's wake-up.
const MIN_PER_SHARD: usize = 32;
/// More threads than this contend on the receiver's side more than they gain.
const MAX_SHARDS: usize = 8;
/// How long before an instant the release stops sleeping and spins.
const SPIN: Duration = Duration::from_micros(300);

/// What became of one connection's write.
pub enum Written<T> {
    /// The whole request went out at `at`.
    Sent { writer: Writer, tag: T, at: Instant },
    /// `done` bytes went out; the rest needs an async write.
    Pending { writer: Writer, tag: T, done: usize },
    /// The write failed at `at`.
    Failed {
        tag: T,
        at: Instant,
        kind: ErrorKind,
    },
}

/// The cores thaw may use, read once: std reads the cgroup's quota files to answer.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

/// How many threads release `n` requests.
pub fn shards(n: usize) -> usize {
    (n / MIN_PER_SHARD).clamp(1, cores().min(MAX_SHARDS))
}

/// Writes `request` to every writer, sharded over threads released together, at `at`
/// if given (else now). Blocks the calling thread until then and for the length of the
/// release (milliseconds), so call it off the async workers (`spawn_blocking`).
pub fn release<T: Send + 'static>(
    connections: Vec<(Writer, T)>,
    request: &Arc<[u8]>,
    at: Option<Instant>,
) -> Vec<Written<T>> {
    let k = shards(connections.len());
    if k == 1 {
        wait_until(at);
        return write_all_once(connections, request, None);
    }
    let per = connections.len().div_ceil(k);
    let barrier = Arc::new(Barrier::new(k));
    let mut rest = connections;
    let mut parts = Vec::with_capacity(k);
    while rest.len() > per {
        let tail = rest.split_off(per);
        parts.push(std::mem::replace(&mut rest, tail));
    }
    parts.push(rest);
    std::thread::scope(|scope| {
        let mut threads = Vec::with_capacity(parts.len());
        let mut mine = None;
        for part in parts {
            if mine.is_none() {
                // The calling thread takes the first shard itself.
                mine = Some(part);
                continue;
            }
            let barrier = barrier.clone();
            let request = request.clone();
            threads.push(scope.spawn(move || write_all_once(part, &request, Some(&barrier))));
        }
        // The shards wait at the barrier for this thread, which waits for the instant.
        wait_until(at);
        let mut out = write_all_once(mine.unwrap_or_default(), request, Some(&barrier));
        for t in threads {
            // A shard's thread cannot panic (no indexing, no unwrap); if it did, its
            // connections are lost from the step, not the whole run.
            if let Ok(written) = t.join() {
                out.extend(written);
            }
        }
        out
    })
}

/// Blocks until `at`: asleep until its last [`SPIN`] (a thread's sleep overshoots by
/// tens of µs), then spinning, so the release starts within microseconds of it without
/// taking a core from the other workers for long.
fn wait_until(at: Option<Instant>) {
    let Some(at) = at else { return };
    loop {
        let left = at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        if left > SPIN {
            std::thread::sleep(left.saturating_sub(SPIN));
        } else {
            std::hint::spin_loop();
        }
    }
}

/// One shard's loop: wait for the others, then one non-blocking write per socket.
fn write_all_once<T>(
    connections: Vec<(Writer, T)>,
    request: &[u8],
    barrier: Option<&Barrier>,
) -> Vec<Written<T>> {
    let mut out = Vec::with_capacity(connections.len());
    if let Some(b) = barrier {
        b.wait();
    }
    for (writer, tag) in connections {
        out.push(match writer.try_write(request) {
            Ok(k) if k == request.len() => Written::Sent {
                writer,
                tag,
                at: Instant::now(),
            },
            Ok(done) => Written::Pending { writer, tag, done },
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Written::Pending {
                writer,
                tag,
                done: 0,
            },
            Err(e) => Written::Failed {
                tag,
                at: Instant::now(),
                kind: http1::error_kind(&e),
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_grow_with_the_burst_up_to_the_cores() {
        let cores = cores();
        assert_eq!(shards(0), 1);
        assert_eq!(shards(10), 1);
        assert_eq!(shards(64), 2.min(cores));
        assert_eq!(shards(100_000), cores.min(MAX_SHARDS));
    }

    #[test]
    fn waiting_for_an_instant_ends_on_it() {
        let at = Instant::now() + Duration::from_millis(20);
        wait_until(Some(at));
        let after = Instant::now();
        assert!(after >= at);
        wait_until(Instant::now().checked_sub(Duration::from_millis(10)));
        wait_until(None);
    }
}
