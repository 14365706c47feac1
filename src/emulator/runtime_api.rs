//! The Lambda Runtime API of one execution environment, on its own loopback port
//! (`AWS_LAMBDA_RUNTIME_API` is `host:port`): the function's runtime long-polls `next`
//! for its invocation and posts the response or the error (runtimes-api.html).
//!
//! What official clients need (AWS-TEST-SERVERS.md): `next` always answers with
//! `Content-Type: application/json`, the request id, the deadline in epoch ms, the
//! function ARN and a trace id; `/response` and `/error` answer 202.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const PREFIX: &str = "/2018-06-01/runtime";
/// Lambda's response payload limit (synchronous invocations).
const MAX_RESPONSE: usize = 6 * 1024 * 1024;
/// Answered request ids remembered, to tell a second answer from an unknown id.
const ANSWERED_KEPT: usize = 64;

/// One invocation handed to the runtime by `next`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub invocation: u64,
    pub request_id: String,
    pub deadline_epoch_ms: i64,
    pub function_arn: String,
    pub trace_id: String,
    /// `X-Amz-Client-Context` of a direct invocation, passed on as is.
    pub client_context: Option<String>,
    pub payload: Bytes,
}

/// What the runtime said.
#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeMsg {
    /// The first `next`: Init is over (ms since the process started).
    Ready {
        init_ms: f64,
    },
    Response {
        invocation: u64,
        body: Bytes,
    },
    /// `/invocation/{id}/error`: the handler failed.
    Error {
        invocation: u64,
        error_type: String,
        body: Bytes,
    },
    /// `/init/error`: Init failed.
    InitError {
        error_type: String,
        body: Bytes,
    },
    /// A streamed answer began (`Lambda-Runtime-Function-Response-Mode: streaming`):
    /// its chunks follow on `chunks` as the runtime writes them.
    StreamStart {
        invocation: u64,
        content_type: Option<String>,
        chunks: StreamRx,
    },
    /// The streamed answer ended, with the error its trailers named, if any.
    StreamEnd {
        invocation: u64,
        error: Option<StreamError>,
        bytes: u64,
    },
}

/// A streamed answer's error (trailers `Lambda-Runtime-Function-Error-Type` / `-Body`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamError {
    pub error_type: String,
    /// The error's JSON, decoded from the trailer's base64.
    pub body: String,
}

/// What a streamed answer carries to its caller.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    Chunk(Bytes),
    End(Option<StreamError>),
}

/// The receiving end of a streamed answer, handed once to whoever waits for it.
#[derive(Clone)]
pub struct StreamRx(Arc<Mutex<Option<mpsc::Receiver<StreamItem>>>>);

impl StreamRx {
    pub fn new(rx: mpsc::Receiver<StreamItem>) -> Self {
        Self(Arc::new(Mutex::new(Some(rx))))
    }

    /// The receiver, the first time.
    pub fn take(&self) -> Option<mpsc::Receiver<StreamItem>> {
        self.0.lock().ok()?.take()
    }
}

impl std::fmt::Debug for StreamRx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StreamRx")
    }
}

impl PartialEq for StreamRx {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Largest streamed answer: 200 MB (Lambda's, since July 2025).
const MAX_STREAM: u64 = 200 * 1024 * 1024;
/// Chunks a slow caller may leave unread before the runtime's writes wait for it.
const STREAM_BUFFER: usize = 64;

#[derive(Default)]
struct Inner {
    ready_sent: bool,
    /// Request id → invocation, handed out by `next` and not yet answered.
    outstanding: HashMap<String, u64>,
    answered: VecDeque<String>,
}

struct Shared {
    started: Instant,
    inner: Mutex<Inner>,
    queue: tokio::sync::Mutex<mpsc::UnboundedReceiver<Delivery>>,
    on_msg: Box<dyn Fn(RuntimeMsg) + Send + Sync>,
}

/// A running Runtime API; stops when dropped.
pub struct RuntimeApi {
    pub addr: SocketAddr,
    tx: mpsc::UnboundedSender<Delivery>,
    task: JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RuntimeApi {
    /// Listens on a free loopback port (inside a Tokio runtime). `started` is when the
    /// runtime process starts (Init Duration runs from it to the first `next`).
    pub fn start(
        started: Instant,
        on_msg: impl Fn(RuntimeMsg) + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(std_listener)?;
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            started,
            inner: Mutex::new(Inner::default()),
            queue: tokio::sync::Mutex::new(rx),
            on_msg: Box::new(on_msg),
        });
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let shared = shared.clone();
                        connections.spawn(async move {
                            let service = service_fn(move |req| handle(req, shared.clone()));
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Ok(Self { addr, tx, task })
    }

    /// `host:port`, for `AWS_LAMBDA_RUNTIME_API`.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// Queues an invocation for the runtime's next `next`.
    pub fn deliver(&self, d: Delivery) {
        let _ = self.tx.send(d);
    }
}

type Answer = Response<Full<Bytes>>;

fn json(status: StatusCode, body: &str) -> Answer {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn error(status: StatusCode, error_type: &str, message: &str) -> Answer {
    json(
        status,
        &serde_json::json!({"errorMessage": message, "errorType": error_type}).to_string(),
    )
}

async fn handle(req: Request<Incoming>, shared: Arc<Shared>) -> Result<Answer, Infallible> {
    let path = req.uri().path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Ok(error(StatusCode::NOT_FOUND, "NotFound", "unknown path"));
    };
    let method = req.method().clone();
    Ok(match (method, rest) {
        (Method::GET, "/invocation/next") => next(&shared).await,
        (Method::POST, "/init/error") => {
            let error_type = header(&req, "lambda-runtime-function-error-type");
            let body = read(req).await;
            let error_type = error_type
                .or_else(|| error_type_of(&body))
                .unwrap_or_else(|| "Runtime.Unknown".into());
            (shared.on_msg)(RuntimeMsg::InitError { error_type, body });
            json(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        (Method::POST, rest) => match rest
            .strip_prefix("/invocation/")
            .and_then(|r| r.rsplit_once('/'))
        {
            Some((id, "response"))
                if header(&req, "lambda-runtime-function-response-mode").as_deref()
                    == Some("streaming") =>
            {
                let id = id.to_string();
                stream(&shared, &id, req).await
            }
            Some((id, "response")) => {
                let id = id.to_string();
                let body = match Limited::new(req.into_body(), MAX_RESPONSE).collect().await {
                    Ok(b) => b.to_bytes(),
                    Err(_) => {
                        return Ok(error(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "RequestEntityTooLarge",
                            "the response is over the 6 MB limit",
                        ));
                    }
                };
                answer(&shared, &id, |invocation| RuntimeMsg::Response {
                    invocation,
                    body,
                })
            }
            Some((id, "error")) => {
                let id = id.to_string();
                let error_type = header(&req, "lambda-runtime-function-error-type");
                let body = read(req).await;
                // The type is in the body (Python, Node, Rust); the header only from Rust.
                let error_type = error_type_of(&body)
                    .or(error_type)
                    .unwrap_or_else(|| "Unhandled".into());
                answer(&shared, &id, |invocation| RuntimeMsg::Error {
                    invocation,
                    error_type,
                    body,
                })
            }
            _ => error(StatusCode::NOT_FOUND, "NotFound", "unknown path"),
        },
        _ => error(StatusCode::NOT_FOUND, "NotFound", "unknown path"),
    })
}

fn header(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn read(req: Request<Incoming>) -> Bytes {
    Limited::new(req.into_body(), MAX_RESPONSE)
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default()
}

fn error_type_of(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("errorType")?.as_str().map(str::to_string)
}

/// A streamed answer: each chunk goes to the caller as it arrives (a slow caller slows
/// the runtime's writes, as Lambda's stream does); errors come in the trailers.
async fn stream(shared: &Shared, id: &str, req: Request<Incoming>) -> Answer {
    let content_type = header(&req, "content-type");
    let (tx, rx) = mpsc::channel(STREAM_BUFFER);
    let invocation = match claim(shared, id) {
        Ok(inv) => inv,
        Err(refused) => return *refused,
    };
    (shared.on_msg)(RuntimeMsg::StreamStart {
        invocation,
        content_type,
        chunks: StreamRx::new(rx),
    });
    let mut body = req.into_body();
    let (mut bytes, mut error) = (0u64, None);
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                error = Some(StreamError {
                    error_type: "Runtime.StreamError".into(),
                    body: format!("the runtime's stream broke off: {e}"),
                });
                break;
            }
        };
        match frame.into_data() {
            Ok(data) => {
                bytes += data.len() as u64;
                if bytes > MAX_STREAM {
                    error = Some(StreamError {
                        error_type: "Function.ResponseSizeTooLarge".into(),
                        body: "the streamed response is over the 200 MB limit".into(),
                    });
                    break;
                }
                // A caller that went away leaves nobody to send to; the stream is read on.
                let _ = tx.send(StreamItem::Chunk(data)).await;
            }
            Err(frame) => {
                if let Ok(trailers) = frame.into_trailers() {
                    error = trailer_error(&trailers).or(error);
                }
            }
        }
    }
    let _ = tx.send(StreamItem::End(error.clone())).await;
    (shared.on_msg)(RuntimeMsg::StreamEnd {
        invocation,
        error,
        bytes,
    });
    json(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
}

/// The error a stream's trailers name.
pub fn trailer_error(trailers: &hyper::HeaderMap) -> Option<StreamError> {
    use base64::Engine as _;
    let error_type = trailers
        .get("lambda-runtime-function-error-type")?
        .to_str()
        .ok()?
        .to_string();
    let body = trailers
        .get("lambda-runtime-function-error-body")
        .and_then(|v| v.to_str().ok())
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    Some(StreamError { error_type, body })
}

/// Accepts an answer for `id` once: 400 for an id never handed out, 403 for a second
/// answer (an invalid state transition).
fn answer(shared: &Shared, id: &str, msg: impl FnOnce(u64) -> RuntimeMsg) -> Answer {
    match claim(shared, id) {
        Ok(inv) => {
            (shared.on_msg)(msg(inv));
            json(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        Err(answer) => *answer,
    }
}

/// The invocation `id` names, taken off the outstanding ones.
fn claim(shared: &Shared, id: &str) -> Result<u64, Box<Answer>> {
    {
        let Ok(mut inner) = shared.inner.lock() else {
            return Err(Box::new(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ServiceError",
                "state lost",
            )));
        };
        match inner.outstanding.remove(id) {
            Some(inv) => {
                inner.answered.push_back(id.to_string());
                if inner.answered.len() > ANSWERED_KEPT {
                    inner.answered.pop_front();
                }
                Ok(inv)
            }
            None if inner.answered.iter().any(|a| a == id) => Err(Box::new(error(
                StatusCode::FORBIDDEN,
                "InvalidStateTransition",
                "this invocation was already answered",
            ))),
            None => Err(Box::new(error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestID",
                "no invocation has this request id",
            ))),
        }
    }
}

async fn next(shared: &Shared) -> Answer {
    let first = shared
        .inner
        .lock()
        .is_ok_and(|mut i| !std::mem::replace(&mut i.ready_sent, true));
    if first {
        let init_ms = shared.started.elapsed().as_secs_f64() * 1000.0;
        (shared.on_msg)(RuntimeMsg::Ready { init_ms });
    }
    // Long poll: hold the request until this environment's next invocation.
    let d = {
        let mut queue = shared.queue.lock().await;
        queue.recv().await
    };
    let Some(d) = d else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceError",
            "shutting down",
        );
    };
    if let Ok(mut inner) = shared.inner.lock() {
        inner.outstanding.insert(d.request_id.clone(), d.invocation);
    }
    let mut answer = Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json");
    if let Some(cc) = &d.client_context {
        answer = answer.header("lambda-runtime-client-context", cc);
    }
    answer
        .header("lambda-runtime-aws-request-id", &d.request_id)
        .header(
            "lambda-runtime-deadline-ms",
            d.deadline_epoch_ms.to_string(),
        )
        .header("lambda-runtime-invoked-function-arn", &d.function_arn)
        .header("lambda-runtime-trace-id", &d.trace_id)
        .body(Full::new(d.payload))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
