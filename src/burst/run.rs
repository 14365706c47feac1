//! Carries out a plan against a target, one [`RequestObserved`] per request.
//!
//! A parallel step opens every connection first, then writes every request at once (the
//! release, `release.rs`) and measures its spread: first to last request fully written. The
//! other steps reuse connections (keep-alive) and stamp each request's planned time, so an
//! open-model rate step shows arrivals that started late.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::event::{ErrorKind, RequestObserved};
use crate::ids::RequestId;

use super::conn::{Connector, Reader, Writer};
use super::http1::{self, Response};
use super::release::{self, Written};
use super::sigv4::Signer;
use super::target::{RequestSpec, Target};
use crate::plan::Step;

/// Connections opened at once while preparing a parallel step: more would overflow the
/// server's accept backlog and cost a SYN retry (a second) each.
const CONNECT_CONCURRENCY: usize = 256;
/// A request that starts later than this after its planned time counts as a late start.
/// Timers wake up to about 2 ms late on their own (1 ms resolution); beyond that the
/// generator is not keeping up.
const LATE: Duration = Duration::from_millis(5);

/// What a step did, beyond its requests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepReport {
    pub step: String,
    pub requests: u64,
    /// Parallel: first to last request fully written.
    pub release_spread: Option<Duration>,
    /// Open model: requests that started more than 5 ms after their planned time.
    pub late_starts: u64,
    pub max_lateness: Duration,
    /// Parallel: the first and the last request fully written (of the widest release).
    pub released: Option<(Instant, Instant)>,
}

/// Shared by the tasks of one run.
pub struct Ctx {
    pub target: Target,
    pub spec: RequestSpec,
    pub clock: Clock,
    request: Arc<[u8]>,
    signer: Option<Signer>,
    connector: Connector,
    out: mpsc::Sender<RequestObserved>,
    next_id: AtomicU64,
    /// Requests started by this run (the collector subtracts the answers it passed on).
    started: Arc<AtomicU32>,
    addr: Mutex<Option<SocketAddr>>,
    /// Parallel steps release at this instant instead of as soon as they are connected.
    release_at: Option<Instant>,
}

impl Ctx {
    pub fn new(
        target: Target,
        spec: RequestSpec,
        signer: Option<Signer>,
        connector: Connector,
        clock: Clock,
        out: mpsc::Sender<RequestObserved>,
        started: Arc<AtomicU32>,
    ) -> Self {
        let request = spec.to_bytes(&target).into();
        Self {
            target,
            spec,
            clock,
            request,
            signer,
            connector,
            out,
            next_id: AtomicU64::new(0),
            started,
            addr: Mutex::new(None),
            release_at: None,
        }
    }

    /// Parallel steps wait for `at` (a fan-out's instant) once connected, then release.
    #[must_use]
    pub fn released_at(mut self, at: Option<Instant>) -> Self {
        self.release_at = at;
        self
    }

    /// The request's bytes: fixed, or signed within the last minute.
    fn request(&self) -> Arc<[u8]> {
        self.signer
            .as_ref()
            .and_then(|s| s.request_bytes(&self.target, &self.spec).ok())
            .unwrap_or_else(|| self.request.clone())
    }

    fn us(&self, at: Instant) -> u64 {
        self.clock.mono_us(at)
    }

    async fn addr(&self) -> Result<SocketAddr, ErrorKind> {
        let mut cached = self.addr.lock().await;
        if let Some(a) = *cached {
            return Ok(a);
        }
        let a = self.target.resolve().await?;
        *cached = Some(a);
        Ok(a)
    }

    /// Counts a request as started (the collector counts it done when it passes its
    /// event on, so the in-flight figure agrees with the events folded).
    fn started(&self) {
        self.started.fetch_add(1, Ordering::Relaxed);
    }

    async fn connect(&self) -> Result<(Reader, Writer, Duration), ErrorKind> {
        let addr = self.addr().await?;
        self.connector.connect(addr, self.spec.timeout).await
    }

    async fn emit(
        &self,
        planned: Instant,
        sent: Instant,
        connect: Option<Duration>,
        result: Result<Response, ErrorKind>,
    ) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (mut class, mut said) = (None, None);
        let (status, first_byte, end, bytes, probe, error) = match result {
            Ok(r) => {
                let error = match r.status {
                    429 => Some(ErrorKind::Throttled),
                    500..=599 => Some(ErrorKind::Server),
                    400..=499 => Some(ErrorKind::Client),
                    _ => None,
                };
                class = r.tail.as_ref().map(|t| crate::classify::exact(t.cold));
                said = r.said;
                (
                    Some(r.status),
                    Some(self.us(r.first_byte)),
                    r.end,
                    r.bytes,
                    r.probe,
                    error,
                )
            }
            Err(kind) => (None, None, Instant::now(), 0, None, Some(kind)),
        };
        let obs = RequestObserved {
            id: RequestId(id.to_string()),
            planned_us: self.us(planned),
            sent_us: self.us(sent),
            first_byte_us: first_byte,
            end_us: self.us(end),
            connect_us: connect.map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
            status,
            bytes,
            error,
            probe,
            class,
            said,
        };
        let _ = self.out.send(obs).await;
    }

    async fn read(&self, reader: &mut Reader, buf: &mut Vec<u8>) -> Result<Response, ErrorKind> {
        tokio::time::timeout(
            self.spec.timeout,
            http1::read_response(reader, buf, self.spec.is_head()),
        )
        .await
        .map_err(|_| ErrorKind::Timeout)?
        .map_err(|e| http1::error_kind(&e))
    }
}

/// One keep-alive connection.
struct Conn {
    reader: Reader,
    writer: Writer,
    buf: Vec<u8>,
}

/// Sends one request at `planned` on `slot`'s connection (opened if missing, dropped
/// unless reusable) and reports it.
async fn one(ctx: &Ctx, slot: &mut Option<Conn>, planned: Instant) {
    ctx.started();
    let mut connect = None;
    if slot.is_none() {
        match ctx.connect().await {
            Ok((reader, writer, took)) => {
                *slot = Some(Conn {
                    reader,
                    writer,
                    buf: Vec::with_capacity(4096),
                });
                connect = Some(took);
            }
            Err(kind) => {
                ctx.emit(planned, Instant::now(), None, Err(kind)).await;
                return;
            }
        }
    }
    let Some(conn) = slot.as_mut() else { return };
    let sent;
    let result = match conn.writer.write_all(&ctx.request()).await {
        Ok(()) => {
            sent = Instant::now();
            ctx.read(&mut conn.reader, &mut conn.buf).await
        }
        Err(e) => {
            sent = Instant::now();
            Err(http1::error_kind(&e))
        }
    };
    if !result.as_ref().is_ok_and(|r| r.reusable) {
        *slot = None;
    }
    ctx.emit(planned, sent, connect, result).await;
}

/// Runs one step.
pub async fn step(ctx: &Arc<Ctx>, step: &Step) -> StepReport {
    let mut report = StepReport {
        step: step.to_string(),
        ..StepReport::default()
    };
    match step {
        Step::Parallel { n } => {
            report.released = parallel(ctx, *n).await;
            report.release_spread = report.released.map(|(a, b)| b - a);
            report.requests = u64::from(*n);
        }
        Step::Serial { n, think } => {
            let mut slot = None;
            for i in 0..*n {
                if i > 0 && !think.is_zero() {
                    tokio::time::sleep(*think).await;
                }
                one(ctx, &mut slot, Instant::now()).await;
            }
            report.requests = u64::from(*n);
        }
        Step::Rate { per_s, duration } => rate(ctx, *per_s, *duration, &mut report).await,
        Step::Ramp { from, to, over } => report.requests = ramp(ctx, *from, *to, *over).await,
        Step::KeepWarm { n, every, duration } => {
            let start = tokio::time::Instant::now();
            let mut round = 0u32;
            loop {
                let released = parallel(ctx, *n).await;
                let spread = released.map(|(a, b)| b - a);
                report.requests += u64::from(*n);
                if spread > report.release_spread {
                    (report.release_spread, report.released) = (spread, released);
                }
                round += 1;
                let next = start + *every * round;
                if duration.is_some_and(|d| next > start + d) {
                    break;
                }
                tokio::time::sleep_until(next).await;
            }
        }
        Step::Wait(d) => tokio::time::sleep(*d).await,
    }
    report
}

/// Opens `n` connections, then writes `n` requests in one loop (at the run's release
/// instant, if it has one). Returns when the first and the last request were written.
async fn parallel(ctx: &Arc<Ctx>, n: u32) -> Option<(Instant, Instant)> {
    // 1. Connect everything first (bounded concurrency), so the release is only writes.
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut connecting = JoinSet::new();
    for _ in 0..n {
        let ctx = ctx.clone();
        let gate = gate.clone();
        ctx.started();
        connecting.spawn(async move {
            let _permit = gate.acquire().await;
            (Instant::now(), ctx.connect().await)
        });
    }
    let mut ready = Vec::with_capacity(n as usize);
    while let Some(joined) = connecting.join_next().await {
        let Ok((began, connected)) = joined else {
            continue;
        };
        match connected {
            Ok(conn) => ready.push(conn),
            Err(kind) => ctx.emit(began, Instant::now(), None, Err(kind)).await,
        }
    }
    if ready.is_empty() {
        return None;
    }
    // 2. A reader per connection, waiting for its request's send time.
    let mut readers = JoinSet::new();
    let mut writers = Vec::with_capacity(ready.len());
    for (mut reader, writer, took) in ready {
        let (sent_tx, sent_rx) = oneshot::channel::<(Instant, Instant, Option<ErrorKind>)>();
        let ctx = ctx.clone();
        readers.spawn(async move {
            let Ok((planned, sent, write_error)) = sent_rx.await else {
                return;
            };
            let result = match write_error {
                Some(kind) => Err(kind),
                None => ctx.read(&mut reader, &mut Vec::with_capacity(2048)).await,
            };
            ctx.emit(planned, sent, Some(took), result).await;
        });
        writers.push((writer, sent_tx));
    }
    // 3. The release: every request written at once, sharded over the cores (release.rs);
    // no await inside it unless a socket's buffer is full.
    let at = ctx.release_at;
    let planned = at.unwrap_or_else(Instant::now);
    let request = ctx.request();
    let to_write = request.clone();
    let Ok(written) =
        tokio::task::spawn_blocking(move || release::release(writers, &to_write, at)).await
    else {
        return None;
    };
    let (mut first, mut last): (Option<Instant>, Option<Instant>) = (None, None);
    let mut stamp = |at: Instant| {
        first = Some(first.map_or(at, |f| f.min(at)));
        last = Some(last.map_or(at, |l| l.max(at)));
    };
    let mut slow = Vec::new();
    // Write halves stay open until every response is read: dropping one sends FIN.
    let mut open = Vec::with_capacity(written.len());
    // Readers are told their send times after the release: waking thousands of tasks
    // inside it would stretch it.
    let mut sent = Vec::with_capacity(written.len());
    for w in written {
        match w {
            Written::Sent { writer, tag, at } => {
                stamp(at);
                sent.push((tag, at, None));
                open.push(writer);
            }
            Written::Pending { writer, tag, done } => slow.push((writer, tag, done)),
            Written::Failed { tag, at, kind } => sent.push((tag, at, Some(kind))),
        }
    }
    for (mut writer, sent_tx, done) in slow {
        let r = writer.write_all(&request[done..]).await;
        let now = Instant::now();
        stamp(now);
        sent.push((sent_tx, now, r.err().map(|e| http1::error_kind(&e))));
        open.push(writer);
    }
    for (sent_tx, at, error) in sent {
        let _ = sent_tx.send((planned, at, error));
    }
    while readers.join_next().await.is_some() {}
    drop(open);
    Some((first?, last?))
}

/// Open model: request `i` is planned at `start + i / per_s` and started then, whatever
/// earlier responses do. Idle connections are reused; a new one is opened when none is.
async fn rate(ctx: &Arc<Ctx>, per_s: f64, duration: Duration, report: &mut StepReport) {
    let total = (per_s * duration.as_secs_f64()).floor() as u64;
    let idle: Arc<Mutex<Vec<Conn>>> = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for i in 0..total {
        let planned = start + Duration::from_secs_f64(i as f64 / per_s);
        tokio::time::sleep_until(tokio::time::Instant::from_std(planned)).await;
        let late = Instant::now().saturating_duration_since(planned);
        if late > LATE {
            report.late_starts += 1;
        }
        report.max_lateness = report.max_lateness.max(late);
        let ctx = ctx.clone();
        let idle = idle.clone();
        tasks.spawn(async move {
            let mut slot = idle.lock().await.pop();
            one(&ctx, &mut slot, planned).await;
            if let Some(conn) = slot {
                idle.lock().await.push(conn);
            }
        });
        // Reap finished tasks as we go so the set stays as large as the in-flight count.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    report.requests = total;
}

/// Closed loop whose concurrency moves linearly from `from` to `to` over `over`: worker
/// `k` runs while the target concurrency is above `k`.
async fn ramp(ctx: &Arc<Ctx>, from: u32, to: u32, over: Duration) -> u64 {
    let start = Instant::now();
    let at = |c: f64| {
        over.mul_f64(((c - f64::from(from)) / (f64::from(to) - f64::from(from))).clamp(0.0, 1.0))
    };
    let count = Arc::new(AtomicU64::new(0));
    let mut workers = JoinSet::new();
    for k in 0..from.max(to) {
        // When worker k's slot opens and closes on the ramp.
        let (begin, end) = if to >= from {
            (
                if k < from {
                    Duration::ZERO
                } else {
                    at(f64::from(k) + 1.0)
                },
                over,
            )
        } else {
            (Duration::ZERO, if k < to { over } else { at(f64::from(k)) })
        };
        let ctx = ctx.clone();
        let count = count.clone();
        workers.spawn(async move {
            tokio::time::sleep_until(tokio::time::Instant::from_std(start + begin)).await;
            let mut slot = None;
            while start.elapsed() < end {
                one(&ctx, &mut slot, Instant::now()).await;
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while workers.join_next().await.is_some() {}
    count.load(Ordering::Relaxed)
}
