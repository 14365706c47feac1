//! CloudWatch Logs as a source: the function's log group, read with Live Tail where the
//! service offers it, else by polling `FilterLogEvents`; every line goes through the same
//! parser and translator, so the grid works on AWS as on the emulator.

use std::collections::{HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::StartLiveTailResponseStream;

use super::aws::{Backoff, Failure, NoHostPrefix, explain};
use crate::clock::Clock;
use crate::config::AwsConfig;
use crate::event::{Event, EventSink};
use crate::logs::translate::{Timed, Translator};

/// The name this source's errors and status carry.
pub const SOURCE: &str = "logs";

/// Log events remembered to drop repeats (polls overlap; Live Tail and polling overlap).
const SEEN_KEPT: usize = 50_000;
/// Pages read in one poll at most; the rest comes with the next poll.
const MAX_PAGES: usize = 50;
/// Polls reread this much before the newest event: CloudWatch ingests out of order.
const OVERLAP_MS: i64 = 10_000;
/// The lines this source reads, as a CloudWatch filter pattern: the platform's, in the
/// text and the JSON format. Asked for by Live Tail and FilterLogEvents alike, so the
/// function's own logging never counts towards Live Tail's 500 lines a second, nor fills
/// FilterLogEvents' pages (docs/lambda-facts.md §15).
pub const PLATFORM_LINES: &str =
    "?INIT_START ?INIT_REPORT ?START ?END ?REPORT ?\"Task timed out\" ?\"platform.\"";
/// A Live Tail session that ends sooner than this is not live (a server that replays
/// what it holds and hangs up): poll instead.
const LIVE_ENOUGH: Duration = Duration::from_secs(30);

/// A CloudWatch Logs client for `sdk`; against an explicit endpoint (moto, LocalStack)
/// Live Tail's `streaming-` host prefix is taken off again.
pub fn client(sdk: &SdkConfig) -> Client {
    let mut builder = aws_sdk_cloudwatchlogs::config::Builder::from(sdk);
    if sdk.endpoint_url().is_some() {
        builder = builder.interceptor(NoHostPrefix);
    }
    Client::from_conf(builder.build())
}

/// A log group's ARN as Live Tail takes it (without the `:*` of `DescribeLogGroups`).
pub fn group_arn(g: &aws_sdk_cloudwatchlogs::types::LogGroup) -> Option<String> {
    g.log_group_arn()
        .map(str::to_string)
        .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_string()))
}

/// Reads one log group into events.
pub struct LogsSource {
    client: Client,
    group: String,
    cfg: AwsConfig,
    clock: Clock,
    sink: EventSink,
    translator: Translator,
    seen: Seen,
    /// Newest event time read, Unix ms.
    cursor_ms: i64,
}

/// How a Live Tail session ended.
enum TailEnd {
    /// The service (or this endpoint) cannot tail, or the session hung up early.
    Poll(String),
    /// A long session ended (they last at most 3 hours): start another.
    Restart,
}

impl LogsSource {
    /// A source for `aws`'s log group; `None` when no function or log group is set.
    pub fn new(sdk: &SdkConfig, aws: &AwsConfig, clock: Clock, sink: EventSink) -> Option<Self> {
        let group = aws.log_group_name()?;
        let lookback = i64::from(aws.logs_lookback_s) * 1000;
        Some(Self {
            client: client(sdk),
            group,
            cfg: aws.clone(),
            clock,
            sink,
            translator: Translator::new(),
            seen: Seen::default(),
            cursor_ms: now_ms() - lookback,
        })
    }

    /// Runs until the task is aborted. Never returns early on AWS errors: each is
    /// shown, and the call is retried with back-off.
    pub async fn run(mut self) {
        let arn = self.find_group().await;
        if self.cfg.live_tail {
            loop {
                match self.tail(&arn).await {
                    TailEnd::Restart => {}
                    TailEnd::Poll(why) => {
                        self.status(&format!("{why}; polling FilterLogEvents"));
                        break;
                    }
                }
            }
        }
        self.poll().await;
    }

    /// Waits until the log group exists (it appears with the function's first
    /// invocation) and returns its ARN, which Live Tail wants.
    async fn find_group(&mut self) -> String {
        let mut backoff = Backoff::new(Duration::from_secs(5));
        loop {
            let answer = self
                .client
                .describe_log_groups()
                .log_group_name_prefix(&self.group)
                .send()
                .await;
            let wait = match answer {
                Ok(out) => {
                    let found = out
                        .log_groups()
                        .iter()
                        .find(|g| g.log_group_name() == Some(self.group.as_str()));
                    if let Some(g) = found {
                        return group_arn(g).unwrap_or_else(|| self.group.clone());
                    }
                    self.error(&Failure::NeedsFix(format!(
                        "log group {} not found: the function has not run yet, or check --function and --region (or pass --log-group); retrying",
                        self.group
                    )));
                    backoff.ok()
                }
                Err(e) => {
                    let f = explain(&e, "logs:DescribeLogGroups");
                    self.error(&f);
                    if matches!(f, Failure::NeedsFix(_)) && f.message().contains("denied") {
                        // Without DescribeLogGroups the group may still be readable.
                        return self.group.clone();
                    }
                    backoff.failed()
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn tail(&mut self, arn: &str) -> TailEnd {
        let started = tokio::time::Instant::now();
        let out = match self
            .client
            .start_live_tail()
            .log_group_identifiers(arn)
            .log_event_filter_pattern(PLATFORM_LINES)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let f = explain(&e, "logs:StartLiveTail");
                return TailEnd::Poll(format!("Live Tail unavailable ({})", f.message()));
            }
        };
        self.status(&format!("Live Tail on {}", self.group));
        let mut stream = out.response_stream;
        let mut events = Vec::new();
        let ended = loop {
            match stream.recv().await {
                Ok(Some(StartLiveTailResponseStream::SessionUpdate(u))) => {
                    for e in u.session_results() {
                        self.read(
                            e.log_stream_name().unwrap_or_default(),
                            e.timestamp().unwrap_or_default(),
                            e.message().unwrap_or_default(),
                            &mut events,
                        );
                    }
                    self.finish_batch(&mut events);
                }
                Ok(Some(_)) => {}
                Ok(None) => break None,
                Err(e) => break Some(explain(&e, "logs:StartLiveTail")),
            }
        };
        if started.elapsed() < LIVE_ENOUGH {
            let why = ended.map_or_else(
                || "the Live Tail session ended at once".to_string(),
                |f| f.message().to_string(),
            );
            return TailEnd::Poll(why);
        }
        TailEnd::Restart
    }

    async fn poll(&mut self) {
        let mut backoff = Backoff::new(Duration::from_millis(u64::from(self.cfg.logs_poll_ms)));
        let mut events = Vec::new();
        loop {
            let wait = match self.poll_once(&mut events).await {
                Ok(pages) => {
                    self.status(&format!(
                        "polling {} every {:.1} s{}",
                        self.group,
                        f64::from(self.cfg.logs_poll_ms) / 1000.0,
                        if pages >= MAX_PAGES {
                            " (catching up)"
                        } else {
                            ""
                        }
                    ));
                    backoff.ok()
                }
                Err(f) => {
                    self.error(&f);
                    backoff.failed()
                }
            };
            self.finish_batch(&mut events);
            tokio::time::sleep(wait).await;
        }
    }

    /// One `FilterLogEvents` pass from the cursor, following `nextToken`.
    #[expect(
        deprecated,
        reason = "`interleaved` is ignored by AWS (always on) but moto still needs it"
    )]
    async fn poll_once(&mut self, events: &mut Vec<Timed>) -> Result<usize, Failure> {
        let start = self.cursor_ms - OVERLAP_MS;
        let mut token: Option<String> = None;
        let mut pages = 0;
        while pages < MAX_PAGES {
            let out = self
                .client
                .filter_log_events()
                .log_group_name(&self.group)
                .filter_pattern(PLATFORM_LINES)
                .start_time(start.max(0))
                .interleaved(true)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| explain(&e, "logs:FilterLogEvents"))?;
            pages += 1;
            for e in out.events() {
                self.read(
                    e.log_stream_name().unwrap_or_default(),
                    e.timestamp().unwrap_or_default(),
                    e.message().unwrap_or_default(),
                    events,
                );
            }
            match out.next_token() {
                Some(t) if !t.is_empty() && !out.events().is_empty() => token = Some(t.into()),
                _ => break,
            }
        }
        Ok(pages)
    }

    fn read(&mut self, stream: &str, wall_ms: i64, message: &str, out: &mut Vec<Timed>) {
        if !self.seen.first_time(stream, wall_ms, message) {
            return;
        }
        self.cursor_ms = self.cursor_ms.max(wall_ms);
        self.translator.line(stream, wall_ms, message, out);
    }

    /// Ends a batch: STARTs without a REPORT yet, streams gone quiet, then everything is
    /// sent stamped now (the moment thaw learnt of it).
    fn finish_batch(&mut self, events: &mut Vec<Timed>) {
        self.translator.flush(events);
        let quiet = i64::from(self.cfg.assume_reclaimed_after_s) * 1000;
        self.translator.expire(now_ms(), quiet, events);
        let at = self.clock.stamp();
        // Stamped when thaw learnt of them (the session's time never goes back) and
        // when they happened (history is filed there), in the order they happened:
        // a batch interleaves streams.
        events.sort_by_key(|(ms, _)| *ms);
        for (ms, kind) in events.drain(..) {
            self.sink
                .send(Event::happened(at, ms.saturating_mul(1000), kind));
        }
        if let Some(m) = self.translator.last_malformed.take() {
            let n = self.translator.counts.malformed;
            self.error(&Failure::Transient(format!(
                "{n} unreadable platform log line(s) skipped; last: {m}"
            )));
        }
    }

    fn status(&self, message: &str) {
        self.sink.status(&self.clock, SOURCE, message);
    }

    fn error(&self, f: &Failure) {
        self.sink.error(&self.clock, SOURCE, &f.while_retrying());
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The most recent log events read, to drop repeats. Bounded.
#[derive(Debug, Default)]
struct Seen {
    order: VecDeque<u64>,
    set: HashSet<u64>,
}

impl Seen {
    fn first_time(&mut self, stream: &str, wall_ms: i64, message: &str) -> bool {
        let mut h = DefaultHasher::new();
        (stream, wall_ms, message).hash(&mut h);
        let key = h.finish();
        if !self.set.insert(key) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > SEEN_KEPT
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of line the parser reads passes the pattern, as CloudWatch reads
    /// patterns (the emulator's reading of them); the function's own lines do not.
    #[test]
    fn the_pattern_asks_for_the_platform_lines_and_no_others() {
        let p = crate::emulator::cloudwatch::pattern::Pattern::parse(PLATFORM_LINES).unwrap();
        for line in [
            "INIT_START Runtime Version: python:3.13.v14\tRuntime Version ARN: arn:x",
            "INIT_REPORT Init Duration: 9999.79 ms\tPhase: init\tStatus: timeout",
            "START RequestId: 0b7e Version: $LATEST",
            "END RequestId: 0b7e",
            "REPORT RequestId: 0b7e\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t",
            "2026-12-08T00:00:00.000Z 0b7e Task timed out after 3.00 seconds",
            r#"{"time":"2026-12-08T00:00:00.000Z","type":"platform.report","record":{"requestId":"0b7e"}}"#,
        ] {
            assert!(p.matches(line), "{line}");
            assert!(
                !matches!(
                    crate::logs::parse::parse(line),
                    Ok(crate::logs::parse::Line::Output)
                ),
                "a platform line: {line}"
            );
        }
        for own in [
            "hello from the handler",
            r#"{"level":"info","message":"order 42 paid"}"#,
        ] {
            assert!(!p.matches(own), "{own}");
        }
    }

    #[test]
    fn repeats_are_dropped_and_memory_is_bounded() {
        let mut seen = Seen::default();
        assert!(seen.first_time("s", 1, "START"));
        assert!(!seen.first_time("s", 1, "START"));
        assert!(seen.first_time("s", 2, "START"));
        assert!(seen.first_time("t", 1, "START"));
        for i in 0..(i64::try_from(SEEN_KEPT).unwrap_or_default() + 10) {
            seen.first_time("u", i, "x");
        }
        assert_eq!(seen.order.len(), SEEN_KEPT);
        assert_eq!(seen.set.len(), SEEN_KEPT);
    }
}
