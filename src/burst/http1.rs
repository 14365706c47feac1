//! Reading one HTTP/1.1 response off a connection, noting when its first byte and its
//! last byte arrived. The head is parsed by `httparse`; the body is framed by
//! Content-Length, chunked encoding, or the connection's end.
//!
//! thaw writes requests itself (pre-serialized bytes) so a burst's release is one tight
//! loop of writes; reading with the same precision is this module's job.

use std::io;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::classify;
use crate::event::{ErrorKind, ProbeFields};

/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;
/// Most of a body kept in memory while it is read (it is counted, then dropped).
const KEEP: usize = 64 * 1024;

/// What a response said, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub first_byte: Instant,
    pub end: Instant,
    /// Bytes received, head and body.
    pub bytes: u64,
    pub probe: Option<ProbeFields>,
    /// A Lambda API answer's `Tail` log said cold or warm.
    pub tail: Option<classify::TailReport>,
    /// An AWS error's code and reason (see `RequestObserved::said`).
    pub said: Option<String>,
    /// The connection can carry another request.
    pub reusable: bool,
}

/// Maps an I/O error to the kind shown to the user.
pub fn error_kind(e: &io::Error) -> ErrorKind {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => ErrorKind::Refused,
        io::ErrorKind::TimedOut => ErrorKind::Timeout,
        io::ErrorKind::InvalidData => ErrorKind::Http,
        _ => ErrorKind::Reset,
    }
}

fn http_error(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection closed mid-response",
    )
}

/// Reads one response. `buf` keeps its allocation between requests of a connection.
pub async fn read_response<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    head_request: bool,
) -> io::Result<Response> {
    buf.clear();
    let mut first_byte = None;
    let (status, head_len, framing, mut probe, tail, code, keep_alive) = loop {
        let n = read_more(reader, buf).await?;
        first_byte.get_or_insert_with(Instant::now);
        if n == 0 {
            return Err(if buf.is_empty() {
                closed()
            } else {
                http_error("response ended inside its head")
            });
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut headers);
        match parsed.parse(buf) {
            Ok(httparse::Status::Complete(len)) => {
                let status = parsed.code.unwrap_or(0);
                let find = |name: &str| {
                    parsed
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .and_then(|h| std::str::from_utf8(h.value).ok())
                };
                let probe = classify::probe_fields(find);
                let tail = find("x-amz-log-result").and_then(classify::tail_report);
                let code = find("x-amzn-errortype")
                    .filter(|_| status >= 400)
                    .map(str::to_string);
                let chunked = find("transfer-encoding")
                    .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
                let length = find("content-length").map(|v| v.trim().parse::<u64>());
                let close = find("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"))
                    || parsed.version == Some(0);
                let no_body =
                    head_request || status == 204 || status == 304 || (100..200).contains(&status);
                let framing = match (no_body, chunked, length) {
                    (true, _, _) => Framing::Length(0),
                    (false, true, _) => Framing::Chunked,
                    (false, false, Some(Ok(n))) => Framing::Length(n),
                    (false, false, Some(Err(_))) => return Err(http_error("bad Content-Length")),
                    (false, false, None) => Framing::UntilClose,
                };
                break (status, len, framing, probe, tail, code, !close);
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) => return Err(http_error("response head too large")),
            Err(_) => return Err(http_error("not an HTTP/1.x response")),
        }
    };
    let first_byte = first_byte.unwrap_or_else(Instant::now);
    // Bodies are counted, not kept: thousands of connections may each be reading one.
    let mut dropped: u64 = 0;
    let reusable = match framing {
        Framing::Length(n) => {
            let want = (head_len as u64).saturating_add(n);
            while dropped + (buf.len() as u64) < want {
                if buf.len() > KEEP {
                    dropped += buf.len() as u64;
                    buf.clear();
                }
                if read_more(reader, buf).await? == 0 {
                    return Err(closed());
                }
            }
            keep_alive
        }
        Framing::Chunked => {
            dropped = read_chunked(reader, buf, head_len).await?;
            keep_alive
        }
        Framing::UntilClose => {
            loop {
                if buf.len() > KEEP {
                    dropped += buf.len() as u64;
                    buf.clear();
                }
                if read_more(reader, buf).await? == 0 {
                    break;
                }
            }
            false
        }
    };
    let end = Instant::now();
    // A whole body still in the buffer (small, not chunked) can be read further.
    let whole = dropped == 0 && matches!(framing, Framing::Length(_));
    let body = buf.get(head_len..).filter(|_| whole);
    let said = lambda_fields(&mut probe, tail.as_ref(), code, body);
    Ok(Response {
        status,
        first_byte,
        end,
        bytes: dropped + buf.len() as u64,
        probe,
        tail,
        said,
        reusable,
    })
}

/// What a Lambda API answer adds: a direct invocation's payload may name its environment
/// (the probe functions' does), which with the `Tail` REPORT's verdict is a probe's
/// whole answer; an error's code and reason.
fn lambda_fields(
    probe: &mut Option<ProbeFields>,
    tail: Option<&classify::TailReport>,
    code: Option<String>,
    body: Option<&[u8]>,
) -> Option<String> {
    if let (None, Some(t)) = (&probe, tail)
        && let Some(env) = body.and_then(classify::payload_env)
    {
        *probe = Some(ProbeFields {
            env,
            cold: t.cold,
            init_ms: t.init_ms,
            invocations: None,
        });
    }
    code.map(|code| classify::aws_error(&code, body.unwrap_or_default()))
}

enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

async fn read_more<R: AsyncRead + Unpin>(reader: &mut R, buf: &mut Vec<u8>) -> io::Result<usize> {
    if buf.capacity() - buf.len() < 4096 {
        buf.reserve(8192);
    }
    reader.read_buf(buf).await
}

/// Consumes a chunked body starting at `pos`, reading more as needed. Returns how many
/// bytes it dropped from the front of `buf` to keep it small.
async fn read_chunked<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    mut pos: usize,
) -> io::Result<u64> {
    let mut dropped: u64 = 0;
    let mut compact = |buf: &mut Vec<u8>, pos: &mut usize| {
        if *pos > KEEP {
            dropped += *pos as u64;
            buf.drain(..*pos);
            *pos = 0;
        }
    };
    loop {
        compact(buf, &mut pos);
        // Chunk size line.
        let line_end = loop {
            if let Some(i) = buf[pos..].windows(2).position(|w| w == b"\r\n") {
                break pos + i;
            }
            if buf.len() - pos > 1024 {
                return Err(http_error("bad chunk size line"));
            }
            if read_more(reader, buf).await? == 0 {
                return Err(closed());
            }
        };
        let line =
            std::str::from_utf8(&buf[pos..line_end]).map_err(|_| http_error("bad chunk size"))?;
        let size_hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| http_error("bad chunk size"))?;
        pos = line_end + 2;
        if size == 0 {
            // Trailers end with an empty line.
            loop {
                compact(buf, &mut pos);
                if let Some(i) = buf[pos..].windows(2).position(|w| w == b"\r\n") {
                    if i == 0 {
                        return Ok(dropped);
                    }
                    pos += i + 2;
                    continue;
                }
                if read_more(reader, buf).await? == 0 {
                    return Err(closed());
                }
            }
        }
        // The size is the server's word: a huge one is an error, not an overflow.
        let mut need = size
            .checked_add(2)
            .ok_or_else(|| http_error("bad chunk size"))?;
        // Skip the chunk's data (and its CRLF) without keeping it.
        loop {
            let have = buf.len() - pos;
            if have >= need {
                pos += need;
                break;
            }
            need -= have;
            pos = buf.len();
            compact(buf, &mut pos);
            if read_more(reader, buf).await? == 0 {
                return Err(closed());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(raw: &[u8]) -> io::Result<Response> {
        let mut r = raw;
        read_response(&mut r, &mut Vec::new(), false).await
    }

    #[tokio::test]
    async fn framings() {
        let r = read(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-thaw-env: abc\r\nx-thaw-cold: true\r\n\r\nhello").await.unwrap();
        assert_eq!((r.status, r.reusable), (200, true));
        assert!(r.probe.unwrap().cold);
        let r = read(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nTrailer: 1\r\n\r\n").await.unwrap();
        assert_eq!(r.status, 200);
        let r = read(b"HTTP/1.0 502 Bad Gateway\r\n\r\nsome body")
            .await
            .unwrap();
        assert_eq!((r.status, r.reusable), (502, false));
        let r = read(b"HTTP/1.1 429 Too Many\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        assert_eq!((r.status, r.reusable), (429, false));
    }

    /// A megabyte body in each framing is counted to the byte, and the buffer stays small.
    #[tokio::test]
    async fn big_bodies_are_counted_not_kept() {
        let body = vec![b'x'; 1 << 20];
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 1048576\r\n\r\n".to_vec();
        let length = [head.clone(), body.clone()].concat();
        let mut chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
        for piece in body.chunks(1000) {
            chunked.extend(format!("{:x}\r\n", piece.len()).bytes());
            chunked.extend(piece);
            chunked.extend(b"\r\n");
        }
        chunked.extend(format!("{:x}\r\n", body.len()).bytes());
        chunked.extend(&body);
        chunked.extend(b"\r\n0\r\n\r\n");
        let until_close = [b"HTTP/1.0 200 OK\r\n\r\n".to_vec(), body.clone()].concat();
        for raw in [length, chunked, until_close] {
            let mut r = raw.as_slice();
            let mut buf = Vec::new();
            let resp = read_response(&mut r, &mut buf, false).await.unwrap();
            assert_eq!(resp.bytes, raw.len() as u64);
            assert!(buf.capacity() < 256 * 1024, "{} bytes kept", buf.capacity());
        }
    }

    /// Found by fuzzing (`fuzz/regressions/http_response`): sizes near `u64::MAX` overflowed
    /// the framing arithmetic.
    #[tokio::test]
    async fn sizes_at_the_limit_are_errors_not_overflows() {
        let kind = |r: io::Result<Response>| error_kind(&r.unwrap_err());
        assert_eq!(
            kind(
                read(
                    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nabc"
                )
                .await
            ),
            ErrorKind::Http
        );
        assert_eq!(
            kind(read(b"HTTP/1.1 200 OK\r\ncontent-length: 18446744073709551615\r\n\r\nabc").await),
            ErrorKind::Reset
        );
    }

    #[tokio::test]
    async fn broken_responses_are_errors_of_a_kind() {
        let kind = |r: io::Result<Response>| error_kind(&r.unwrap_err());
        assert_eq!(
            kind(read(b"garbage garbage\r\n\r\n").await),
            ErrorKind::Http
        );
        assert_eq!(
            kind(read(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort").await),
            ErrorKind::Reset
        );
        assert_eq!(kind(read(b"").await), ErrorKind::Reset);
        assert_eq!(
            kind(read(b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n").await),
            ErrorKind::Http
        );
        assert_eq!(
            kind(read(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n").await),
            ErrorKind::Http
        );
    }
}
