//! The gateway: real HTTP on loopback, every path and method routed to the function as
//! an API Gateway proxy (`{proxy+}`) resource would be.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;

use crate::config::Front;

use super::Msg;
use super::builtin::InvokeParams;
use super::core::{Reply, Streamed};
use super::front;
use super::proxy::HttpRequest;
use super::streaming::{Body, plain};

/// Lambda's synchronous invocation payload limit.
const MAX_BODY: usize = 6 * 1024 * 1024;

/// What the gateway needs to answer on its own.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    /// The Lambda API's function.
    pub api: super::api::FunctionInfo,
    pub front: Front,
    pub integration_timeout: Option<Duration>,
    pub lambda_throttle_status: Option<u16>,
    /// Pass the whole request on (a real function needs its proxy event).
    pub full_request: bool,
}

/// Accepts connections until `shutdown` flips; then stops every connection task.
pub async fn serve(
    listener: TcpListener,
    platform: mpsc::Sender<Msg>,
    settings: GatewaySettings,
    mut shutdown: watch::Receiver<bool>,
) {
    let settings = Arc::new(settings);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(connection(stream, peer, platform.clone(), settings.clone()));
                }
                Err(e) => {
                    // Out of file descriptors, typically: wait for connections to close.
                    tracing::warn!("gateway: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}

async fn connection(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    platform: mpsc::Sender<Msg>,
    settings: Arc<GatewaySettings>,
) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |req| handle(req, peer, platform.clone(), settings.clone()));
    let _ = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn handle(
    req: Request<Incoming>,
    peer: std::net::SocketAddr,
    platform: mpsc::Sender<Msg>,
    settings: Arc<GatewaySettings>,
) -> Result<Response<Body>, Infallible> {
    if super::api::route::is_api(req.uri().path()) {
        return Ok(super::api::serve(req, &platform, &settings.api).await);
    }
    let logs_call = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(super::cloudwatch::LogsOp::of);
    if let Some(op) = logs_call {
        return Ok(plain(logs(req, op, &platform).await));
    }
    let mut params = InvokeParams::from_query(req.uri().query());
    let (parts, body) = req.into_parts();
    // The body is read (and bounded) before invoking, as API Gateway does.
    let Ok(body) = Limited::new(body, MAX_BODY).collect().await else {
        return Ok(plain(front::payload_too_large(settings.front)));
    };
    if settings.full_request {
        params.request = Some(Arc::new(HttpRequest {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.to_bytes().to_vec(),
            source_ip: peer.ip().to_string(),
        }));
    }
    let (tx, rx) = oneshot::channel();
    if platform
        .send(Msg::Invoke { params, reply: tx })
        .await
        .is_err()
    {
        return Ok(stopped());
    }
    let reply = match settings.integration_timeout {
        Some(limit) => match tokio::time::timeout(limit, rx).await {
            Ok(r) => r,
            Err(_) => return Ok(plain(front::integration_timeout(settings.front))),
        },
        None => rx.await,
    };
    Ok(match reply {
        Ok(Reply::Streaming(s)) => streamed(s).await,
        Ok(reply) => plain(front::respond(
            settings.front,
            settings.lambda_throttle_status,
            &reply,
        )),
        Err(_) => stopped(),
    })
}

fn stopped() -> Response<Body> {
    plain(front::Response {
        status: 503,
        headers: vec![("content-type".into(), "application/json".into())],
        body: br#"{"message":"thaw emulator is shutting down"}"#.to_vec(),
    })
}

/// A streamed answer through the front, with the probe headers of its environment.
async fn streamed(s: Streamed) -> Response<Body> {
    let extra = vec![
        ("x-amzn-requestid".to_string(), s.request_id.clone()),
        (crate::probe::ENV.to_string(), s.env.0.clone()),
        (crate::probe::COLD.to_string(), s.cold.to_string()),
    ];
    super::streaming::http(s, extra).await
}

/// A CloudWatch Logs call, answered by the platform from the function's log group.
async fn logs(
    req: Request<Incoming>,
    op: Result<super::cloudwatch::LogsOp, String>,
    platform: &mpsc::Sender<Msg>,
) -> front::Response {
    use super::cloudwatch::{LogsError, MAX_REQUEST};
    let op = match op {
        Ok(op) => op,
        Err(why) => return LogsError::new("InvalidOperationException", &why).response(),
    };
    let Ok(body) = Limited::new(req.into_body(), MAX_REQUEST).collect().await else {
        return LogsError::new("InvalidParameterException", "the request is over 1 MB").response();
    };
    let (tx, rx) = oneshot::channel();
    let msg = Msg::Logs {
        op,
        body: body.to_bytes(),
        reply: tx,
    };
    if platform.send(msg).await.is_err() {
        return LogsError::new(
            "ServiceUnavailableException",
            "the thaw emulator is stopping",
        )
        .response();
    }
    rx.await.unwrap_or_else(|_| {
        LogsError::new(
            "ServiceUnavailableException",
            "the thaw emulator is stopping",
        )
        .response()
    })
}
