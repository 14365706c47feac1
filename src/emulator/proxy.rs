//! The function's side of API Gateway: the proxy event a request becomes (REST API
//! payload 1.0; HTTP API and function URL payload 2.0), and how the function's answer
//! becomes an HTTP response, as API Gateway maps it.
//!
//! Payload formats: http-api-develop-integrations-lambda.html (1.0 and 2.0),
//! set-up-lambda-proxy-integrations.html (REST output format), urls-invocation.html.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hyper::header::{HeaderName, HeaderValue};
use serde_json::{Map, Value, json};

use crate::config::Front;

/// One request as the gateway received it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub source_ip: String,
}

/// What the event says about where it came from.
#[derive(Debug, Clone)]
pub struct Context {
    /// API Gateway's request id (not the Lambda request id).
    pub request_id: String,
    pub time_epoch_ms: i64,
    pub account_id: String,
    pub api_id: String,
    pub stage: String,
}

/// The function's answer turned into HTTP.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why an answer could not be mapped: API Gateway answers 502.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decoding (`+` is a space in query strings).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| char::from(c).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_text(headers: &[(String, String)]) -> bool {
    let ct = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase());
    ct.is_none_or(|ct| {
        ct.starts_with("text/")
            || ct.contains("json")
            || ct.contains("xml")
            || ct.contains("javascript")
            || ct.contains("x-www-form-urlencoded")
    })
}

/// The body as the event carries it: text as is, anything else base64.
fn body(req: &HttpRequest, always_text: bool) -> (Value, bool) {
    if req.body.is_empty() {
        return (Value::Null, false);
    }
    match std::str::from_utf8(&req.body) {
        Ok(text) if always_text || is_text(&req.headers) => (Value::String(text.into()), false),
        _ => (Value::String(B64.encode(&req.body)), true),
    }
}

/// The event for `front`.
pub fn event(front: Front, req: &HttpRequest, ctx: &Context) -> Value {
    match front {
        Front::RestApi => rest_event(req, ctx),
        Front::HttpApi | Front::FunctionUrl => v2_event(front, req, ctx),
    }
}

fn rest_event(req: &HttpRequest, ctx: &Context) -> Value {
    let mut headers = Map::new();
    let mut multi: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, v) in &req.headers {
        headers.insert(k.clone(), Value::String(v.clone()));
        multi
            .entry(k.clone())
            .or_default()
            .push(Value::String(v.clone()));
    }
    let pairs = query_pairs(req.query.as_deref());
    let (query, multi_query) = if pairs.is_empty() {
        (Value::Null, Value::Null)
    } else {
        let mut single = Map::new();
        let mut all: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in pairs {
            single.insert(k.clone(), Value::String(v.clone()));
            all.entry(k).or_default().push(Value::String(v));
        }
        (Value::Object(single), json!(all))
    };
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    // REST APIs pass text through; binary types need binaryMediaTypes (not modelled).
    let (body, b64) = body(req, true);
    let proxy = req.path.trim_start_matches('/');
    json!({
        "resource": "/{proxy+}",
        "path": req.path,
        "httpMethod": req.method,
        "headers": if headers.is_empty() { Value::Null } else { Value::Object(headers) },
        "multiValueHeaders": if multi.is_empty() { Value::Null } else { json!(multi) },
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": {"proxy": proxy},
        "stageVariables": null,
        "requestContext": {
            "resourceId": "thaw01",
            "resourcePath": "/{proxy+}",
            "httpMethod": req.method,
            "extendedRequestId": ctx.request_id,
            "requestTime": humantime::format_rfc3339_seconds(epoch(ctx.time_epoch_ms)).to_string(),
            "path": format!("/{}{}", ctx.stage, req.path),
            "accountId": ctx.account_id,
            "protocol": "HTTP/1.1",
            "stage": ctx.stage,
            "domainPrefix": ctx.api_id,
            "requestTimeEpoch": ctx.time_epoch_ms,
            "requestId": ctx.request_id,
            "identity": {"sourceIp": req.source_ip, "userAgent": header("user-agent")},
            "domainName": header("host").unwrap_or_default(),
            "apiId": ctx.api_id,
        },
        "body": body,
        "isBase64Encoded": b64,
    })
}

fn v2_event(front: Front, req: &HttpRequest, ctx: &Context) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (k, v) in &req.headers {
        let k = k.to_ascii_lowercase();
        if k == "cookie" {
            cookies.extend(v.split(';').map(|c| Value::String(c.trim().to_string())));
            continue;
        }
        // Payload 2.0 joins repeated headers with commas.
        match headers.get_mut(&k) {
            Some(Value::String(prev)) => {
                prev.push(',');
                prev.push_str(v);
            }
            _ => {
                headers.insert(k, Value::String(v.clone()));
            }
        }
    }
    let mut query = Map::new();
    for (k, v) in query_pairs(req.query.as_deref()) {
        match query.get_mut(&k) {
            Some(Value::String(prev)) => {
                prev.push(',');
                prev.push_str(&v);
            }
            _ => {
                query.insert(k, Value::String(v));
            }
        }
    }
    let (body, b64) = body(req, false);
    let stage = if front == Front::FunctionUrl {
        "$default"
    } else {
        ctx.stage.as_str()
    };
    let domain = headers
        .get("host")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": req.path,
        "rawQueryString": req.query.clone().unwrap_or_default(),
        "headers": headers,
        "requestContext": {
            "accountId": if front == Front::FunctionUrl { "anonymous" } else { ctx.account_id.as_str() },
            "apiId": ctx.api_id,
            "domainName": domain,
            "domainPrefix": ctx.api_id,
            "http": {
                "method": req.method,
                "path": req.path,
                "protocol": "HTTP/1.1",
                "sourceIp": req.source_ip,
                "userAgent": headers.get("user-agent").cloned().unwrap_or(Value::Null),
            },
            "requestId": ctx.request_id,
            "routeKey": "$default",
            "stage": stage,
            "time": humantime::format_rfc3339_seconds(epoch(ctx.time_epoch_ms)).to_string(),
            "timeEpoch": ctx.time_epoch_ms,
        },
        "isBase64Encoded": b64,
    });
    if let Some(m) = event.as_object_mut() {
        if !cookies.is_empty() {
            m.insert("cookies".into(), Value::Array(cookies));
        }
        if !query.is_empty() {
            m.insert("queryStringParameters".into(), Value::Object(query));
        }
        if !body.is_null() {
            m.insert("body".into(), body);
        }
    }
    event
}

fn epoch(ms: i64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// Maps the function's answer (the bytes it posted to `/response`) to HTTP, as `front`
/// does. REST: an object with an integer `statusCode` or it is malformed (502).
/// Payload 2.0: such an object is used as is; any other JSON is the body of a 200.
pub fn map_response(front: Front, answer: &[u8]) -> Result<Mapped, Malformed> {
    let value: Value = serde_json::from_slice(answer)
        .map_err(|e| Malformed(format!("the function's response is not JSON ({e})")))?;
    let shaped = value
        .as_object()
        .is_some_and(|o| o.contains_key("statusCode"));
    if !shaped {
        if front == Front::RestApi {
            return Err(Malformed(
                "the function's response has no statusCode (Malformed Lambda proxy response)"
                    .into(),
            ));
        }
        let body = match value {
            Value::String(s) => s.into_bytes(),
            other => other.to_string().into_bytes(),
        };
        return Ok(Mapped {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body,
        });
    }
    let o = value
        .as_object()
        .ok_or_else(|| Malformed("not an object".into()))?;
    let status = o
        .get("statusCode")
        .and_then(|s| {
            s.as_u64()
                .or_else(|| s.as_str().and_then(|t| t.parse().ok()))
        })
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| Malformed("statusCode is not an HTTP status".into()))?;
    let mut headers = Vec::new();
    if let Some(h) = o.get("headers").filter(|h| !h.is_null()) {
        let h = h
            .as_object()
            .ok_or_else(|| Malformed("headers is not an object".into()))?;
        for (k, v) in h {
            headers.push((
                k.clone(),
                scalar(v).ok_or_else(|| Malformed(format!("header {k} is not a string")))?,
            ));
        }
    }
    if let Some(m) = o.get("multiValueHeaders").filter(|h| !h.is_null()) {
        let m = m
            .as_object()
            .ok_or_else(|| Malformed("multiValueHeaders is not an object".into()))?;
        for (k, vs) in m {
            let vs = vs
                .as_array()
                .ok_or_else(|| Malformed(format!("multiValueHeaders.{k} is not a list")))?;
            // multiValueHeaders win over headers of the same name (REST).
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            for v in vs {
                headers.push((
                    k.clone(),
                    scalar(v).ok_or_else(|| {
                        Malformed(format!("multiValueHeaders.{k} holds a non-string"))
                    })?,
                ));
            }
        }
    }
    if front != Front::RestApi
        && let Some(c) = o.get("cookies").and_then(Value::as_array)
    {
        for cookie in c {
            if let Some(c) = cookie.as_str() {
                headers.push(("set-cookie".into(), c.to_string()));
            }
        }
    }
    let b64 = o
        .get("isBase64Encoded")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let body = match o.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if b64 => B64
            .decode(s)
            .map_err(|_| Malformed("isBase64Encoded is true but body is not base64".into()))?,
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(other) if front == Front::RestApi => {
            return Err(Malformed(format!("body is not a string ({other})")));
        }
        Some(other) => other.to_string().into_bytes(),
    };
    valid_http(&headers)?;
    Ok(Mapped {
        status,
        headers,
        body,
    })
}

/// A header HTTP cannot carry is the function's mistake: say so, as a malformed answer,
/// rather than hand the client something else than the function said.
fn valid_http(headers: &[(String, String)]) -> Result<(), Malformed> {
    match headers.iter().find(|(n, v)| {
        HeaderName::from_bytes(n.as_bytes()).is_err() || HeaderValue::from_str(v).is_err()
    }) {
        Some((name, value)) => Err(Malformed(format!(
            "header {name:?}: {value:?} is not valid HTTP"
        ))),
        None => Ok(()),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
