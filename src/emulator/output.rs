//! A handler process's output (stdout and stderr, line by line) and its Runtime API
//! answers, passed on in the order they happened: whatever the function printed before
//! answering reaches its log before the answer does, so it lands between START and END.
//!
//! The answer goes through the task that reads the pipes. Before passing it on, the task
//! asks the kernel (`poll`, not the reactor, which may not have seen the bytes yet)
//! whether the pipes still hold anything, and reads that first. An answer waits for
//! output only when there is output to wait for: no fixed delay.

use std::os::fd::AsFd;
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{ChildStderr, ChildStdout};
use tokio::sync::mpsc;

use super::pool::EnvKey;
use super::process::ProcMsg;
use super::runtime_api::RuntimeMsg;

/// Longest line taken from a process's output; the rest of it is cut.
const MAX_LINE: usize = 16 * 1024;
/// Longest an answer waits for output still in the pipes (a line never ended, say).
const DRAIN_LIMIT: Duration = Duration::from_millis(2);

/// Which process the lines are from.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    pub key: EnvKey,
    pub serial: u64,
    pub epoch: u64,
    /// The process, whose tree's peak memory an answer's REPORT carries.
    pub pid: Option<u32>,
}

/// One pipe, read line by line; a partial line waits in `buf` for its end.
struct Pipe<R> {
    reader: Option<BufReader<R>>,
    buf: Vec<u8>,
}

impl<R: AsyncRead + Unpin + AsFd> Pipe<R> {
    fn new(reader: Option<R>) -> Self {
        Self {
            reader: reader.map(BufReader::new),
            buf: Vec::new(),
        }
    }

    /// Whether the kernel holds bytes for this pipe (or its end) not read yet.
    fn pending(&self) -> bool {
        let Some(r) = &self.reader else { return false };
        let mut fds = [PollFd::new(r.get_ref().as_fd(), PollFlags::POLLIN)];
        poll(&mut fds, PollTimeout::ZERO).is_ok_and(|n| n > 0)
    }

    /// The next whole line (`None` at the pipe's end). Cancel-safe: a partial read stays
    /// in `buf`.
    async fn line(&mut self) -> Option<String> {
        let reader = self.reader.as_mut()?;
        match reader.read_until(b'\n', &mut self.buf).await {
            Ok(0) | Err(_) => {
                self.reader = None;
                // What came without a final newline is still a line.
                (!self.buf.is_empty()).then(|| self.take())
            }
            Ok(_) => Some(self.take()),
        }
    }

    fn take(&mut self) -> String {
        self.buf.truncate(MAX_LINE);
        let line = String::from_utf8_lossy(&self.buf)
            .trim_end_matches(['\n', '\r'])
            .to_string();
        self.buf.clear();
        line
    }
}

/// Reads both pipes until they end, sending each line; an answer from `answers` is sent
/// once the output written before it has been.
pub async fn forward(
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    mut answers: mpsc::UnboundedReceiver<ProcMsg>,
    tx: mpsc::UnboundedSender<ProcMsg>,
    from: Source,
) {
    let mut out = Pipe::new(stdout);
    let mut err = Pipe::new(stderr);
    let line = |line: String| ProcMsg::Output {
        key: from.key,
        serial: from.serial,
        epoch: from.epoch,
        line,
    };
    let mut answers_open = true;
    let mut tree = from.pid.map(super::memory::Tree::new);
    loop {
        let msg = tokio::select! {
            l = out.line(), if out.reader.is_some() => l.map(line),
            l = err.line(), if err.reader.is_some() => l.map(line),
            a = answers.recv(), if answers_open => {
                let Some(mut answer) = a else {
                    answers_open = false;
                    continue;
                };
                drain(&mut out, &mut err, &tx, &line).await;
                measure(&mut answer, tree.as_mut());
                Some(answer)
            }
            else => return,
        };
        if let Some(m) = msg
            && tx.send(m).is_err()
        {
            return;
        }
    }
}

/// An answer's REPORT carries the process tree's peak memory, measured as it answers
/// (here, so the platform's one task never reads `/proc`).
fn measure(msg: &mut ProcMsg, tree: Option<&mut super::memory::Tree>) {
    if let ProcMsg::Runtime { msg, peak_mb, .. } = msg
        && matches!(
            msg,
            RuntimeMsg::Response { .. } | RuntimeMsg::Error { .. } | RuntimeMsg::StreamEnd { .. }
        )
    {
        *peak_mb = tree.and_then(super::memory::Tree::peak_mb);
    }
}

/// Sends what the pipes hold now, for at most [`DRAIN_LIMIT`].
async fn drain(
    out: &mut Pipe<ChildStdout>,
    err: &mut Pipe<ChildStderr>,
    tx: &mpsc::UnboundedSender<ProcMsg>,
    line: &impl Fn(String) -> ProcMsg,
) {
    let deadline = tokio::time::Instant::now() + DRAIN_LIMIT;
    loop {
        let next = if out.pending() {
            tokio::time::timeout_at(deadline, out.line()).await
        } else if err.pending() {
            tokio::time::timeout_at(deadline, err.line()).await
        } else {
            return;
        };
        match next {
            Ok(Some(l)) => {
                let _ = tx.send(line(l));
            }
            Ok(None) => {}
            Err(_) => return,
        }
    }
}
