//! Answers that stream: a function's streamed answer reaches an HTTP caller chunk by
//! chunk (a function URL in `RESPONSE_STREAM` mode, with the HTTP prelude Lambda's
//! streaming runtimes write), or an SDK through `InvokeWithResponseStream`'s event
//! stream of `PayloadChunk` and `InvokeComplete` messages; a plain `Invoke` of a
//! streaming function gets it whole.

use std::convert::Infallible;

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::{Bytes, BytesMut};
use futures_util::stream;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use serde_json::json;
use tokio::sync::mpsc;

use super::core::Streamed;
use super::front;
use super::runtime_api::{StreamError, StreamItem};

/// Every answer's body: whole, or streamed.
pub type Body = BoxBody<Bytes, Infallible>;

/// The content type of a streamed HTTP answer that begins with a JSON prelude (status,
/// headers, cookies) and eight NUL bytes.
const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";
/// Longest prelude read before the body starts.
const MAX_PRELUDE: usize = 64 * 1024;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// A whole answer as a hyper response. A header that is not valid HTTP is dropped
/// alone, never the response.
pub fn plain(r: front::Response) -> hyper::Response<Body> {
    let headers = r.headers.into_iter().map(|(k, v)| (k.into_owned(), v));
    respond(r.status, headers, full(r.body))
}

/// A response of `status` with `headers` (each one HTTP cannot carry dropped alone).
fn respond(
    status: u16,
    headers: impl IntoIterator<Item = (String, String)>,
    body: Body,
) -> hyper::Response<Body> {
    let mut response = hyper::Response::new(body);
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    response
}

/// The rest of a stream as body frames; its end (or error) ends the body.
fn chunks(rx: mpsc::Receiver<StreamItem>, first: Option<Bytes>) -> Body {
    let first = stream::iter(first.into_iter().map(|b| Ok(Frame::data(b))));
    let rest = stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Some(StreamItem::Chunk(b)) => Some((Ok(Frame::data(b)), rx)),
            Some(StreamItem::End(_)) | None => None,
        }
    });
    BodyExt::boxed(StreamBody::new(futures_util::StreamExt::chain(first, rest)))
}

/// A streamed answer through an HTTP front: the prelude's status and headers when the
/// runtime wrote one, then the body as it comes.
pub async fn http(s: Streamed, extra: Vec<(String, String)>) -> hyper::Response<Body> {
    let Some(mut rx) = s.chunks.take() else {
        return plain(front::Response {
            status: 502,
            headers: Vec::new(),
            body: b"Internal Server Error".to_vec(),
        });
    };
    let (mut status, mut headers, mut first) = (200, Vec::new(), None);
    if s.content_type.as_deref() == Some(HTTP_INTEGRATION) {
        let mut buf = BytesMut::new();
        loop {
            if let Some(at) = buf.windows(8).position(|w| w == [0u8; 8]) {
                let prelude = buf.split_to(at);
                let _ = buf.split_to(8);
                (status, headers) = parse_prelude(&prelude);
                first = (!buf.is_empty()).then(|| buf.freeze());
                break;
            }
            match rx.recv().await {
                Some(StreamItem::Chunk(b)) if buf.len() + b.len() <= MAX_PRELUDE => {
                    buf.extend_from_slice(&b);
                }
                // No prelude after all (or one too long): what came is the body.
                Some(StreamItem::Chunk(b)) => {
                    buf.extend_from_slice(&b);
                    first = Some(buf.freeze());
                    break;
                }
                Some(StreamItem::End(_)) | None => {
                    first = (!buf.is_empty()).then(|| buf.freeze());
                    break;
                }
            }
        }
    } else if let Some(ct) = &s.content_type {
        headers.push(("content-type".to_string(), ct.clone()));
    }
    respond(status, headers.into_iter().chain(extra), chunks(rx, first))
}

/// The prelude's status code and headers (cookies as `set-cookie`).
pub fn parse_prelude(prelude: &[u8]) -> (u16, Vec<(String, String)>) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(prelude) else {
        return (200, Vec::new());
    };
    let status = v
        .get("statusCode")
        .and_then(serde_json::Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
        .unwrap_or(200);
    let mut headers: Vec<(String, String)> = v
        .get("headers")
        .and_then(serde_json::Value::as_object)
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    if let Some(cookies) = v.get("cookies").and_then(serde_json::Value::as_array) {
        headers.extend(
            cookies
                .iter()
                .filter_map(|c| Some(("set-cookie".to_string(), c.as_str()?.to_string()))),
        );
    }
    (status, headers)
}

/// One event-stream message.
pub fn event(event_type: &'static str, content_type: &'static str, payload: Bytes) -> Bytes {
    let text = |v: &'static str| HeaderValue::String(v.into());
    let message = Message::new(payload)
        .add_header(Header::new(":event-type", text(event_type)))
        .add_header(Header::new(":content-type", text(content_type)))
        .add_header(Header::new(":message-type", text("event")));
    let mut out = Vec::new();
    // Writing to a Vec fails only for a message over the format's 16 MB; chunks are
    // smaller, as the runtime's reads are.
    let _ = aws_smithy_eventstream::frame::write_message_to(&message, &mut out);
    Bytes::from(out)
}

fn complete(error: Option<&StreamError>, log_result: Option<&str>) -> Bytes {
    let mut v = serde_json::Map::new();
    if let Some(e) = error {
        v.insert("ErrorCode".into(), json!(e.error_type));
        v.insert("ErrorDetails".into(), json!(e.body));
    }
    if let Some(log) = log_result {
        v.insert("LogResult".into(), json!(log));
    }
    event(
        "InvokeComplete",
        "application/json",
        Bytes::from(serde_json::Value::Object(v).to_string()),
    )
}

/// The head of an event-stream answer. Its `Content-Type` is the function's stream's
/// (the SDKs' `ResponseStreamContentType`), not the framing's.
fn event_stream_head(
    body: Body,
    version: &str,
    request_id: &str,
    content_type: &str,
) -> hyper::Response<Body> {
    let headers = [
        ("content-type", content_type),
        ("x-amz-executed-version", version),
        ("x-amzn-requestid", request_id),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    respond(200, headers, body)
}

/// `InvokeWithResponseStream` of a function that streams: each chunk a `PayloadChunk`
/// as it arrives, then `InvokeComplete`.
pub fn event_stream(s: &Streamed, version: &str) -> hyper::Response<Body> {
    let Some(rx) = s.chunks.take() else {
        return event_stream_head(
            full(complete(
                Some(&StreamError {
                    error_type: "Runtime.StreamError".into(),
                    body: "the stream was taken already".into(),
                }),
                None,
            )),
            version,
            &s.request_id,
            "application/octet-stream",
        );
    };
    let frames = stream::unfold(Some(rx), |rx| async move {
        let mut rx = rx?;
        match rx.recv().await {
            Some(StreamItem::Chunk(b)) => Some((
                Ok(Frame::data(event(
                    "PayloadChunk",
                    "application/octet-stream",
                    b,
                ))),
                Some(rx),
            )),
            Some(StreamItem::End(error)) => {
                Some((Ok(Frame::data(complete(error.as_ref(), None))), None))
            }
            None => None,
        }
    });
    let content_type = s
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    event_stream_head(
        BodyExt::boxed(StreamBody::new(frames)),
        version,
        &s.request_id,
        content_type,
    )
}

/// `InvokeWithResponseStream` of a function that answered whole: one `PayloadChunk`
/// and `InvokeComplete`, with its error and Tail log.
pub fn event_stream_whole(plain_answer: &front::Response, version: &str) -> hyper::Response<Body> {
    let header = |name: &str| {
        plain_answer
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let error = header("x-amz-function-error").map(|kind| StreamError {
        error_type: kind.to_string(),
        body: String::from_utf8_lossy(&plain_answer.body).into_owned(),
    });
    let mut body = BytesMut::new();
    if error.is_none() {
        body.extend_from_slice(&event(
            "PayloadChunk",
            "application/octet-stream",
            Bytes::from(plain_answer.body.clone()),
        ));
    }
    body.extend_from_slice(&complete(error.as_ref(), header("x-amz-log-result")));
    let request_id = header("x-amzn-requestid").unwrap_or_default().to_string();
    event_stream_head(
        full(body.freeze()),
        version,
        &request_id,
        "application/json",
    )
}

/// A streamed answer gathered whole, for a plain `Invoke` (at most `limit` bytes).
pub async fn collect(s: &Streamed, limit: usize) -> Result<Vec<u8>, StreamError> {
    let Some(mut rx) = s.chunks.take() else {
        return Err(StreamError {
            error_type: "Runtime.StreamError".into(),
            body: "the stream was taken already".into(),
        });
    };
    let mut out = Vec::new();
    while let Some(item) = rx.recv().await {
        match item {
            StreamItem::Chunk(b) if out.len() + b.len() > limit => {
                return Err(StreamError {
                    error_type: "Function.ResponseSizeTooLarge".into(),
                    body: format!(
                        "Response payload size exceeded maximum allowed payload size ({limit} bytes)."
                    ),
                });
            }
            StreamItem::Chunk(b) => out.extend_from_slice(&b),
            StreamItem::End(Some(e)) => return Err(e),
            StreamItem::End(None) => break,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prelude_gives_status_headers_and_cookies() {
        let (status, headers) = parse_prelude(
            br#"{"statusCode":201,"headers":{"content-type":"text/plain"},"cookies":["a=1"]}"#,
        );
        assert_eq!(status, 201);
        assert!(headers.contains(&("content-type".into(), "text/plain".into())));
        assert!(headers.contains(&("set-cookie".into(), "a=1".into())));
        assert_eq!(parse_prelude(b"not json").0, 200);
        assert_eq!(parse_prelude(br#"{"statusCode":99999}"#).0, 200);
    }

    #[test]
    fn event_stream_messages_read_back() {
        let bytes = event(
            "PayloadChunk",
            "application/octet-stream",
            Bytes::from_static(b"hi"),
        );
        let message =
            aws_smithy_eventstream::frame::read_message_from(bytes).expect("a valid frame");
        assert_eq!(message.payload().as_ref(), b"hi");
        assert!(
            message
                .headers()
                .iter()
                .any(|h| h.name().as_str() == ":event-type")
        );
    }
}
