//! The endpoint and the request sent to it, serialized once: every request of a burst is
//! the same bytes, so the release loop only writes.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use crate::event::ErrorKind;

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub host: String,
    pub port: u16,
    /// Path and query, at least `/`.
    pub path: String,
    /// `https://`: TLS (rustls).
    pub tls: bool,
}

/// A target, header or method the user wrote that cannot be used; each message names the
/// input and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("URL '{url}' is not valid ({reason}); write it like http://host:port/path")]
    Url { url: String, reason: String },
    #[error("URL '{0}' needs a scheme and host, like http://127.0.0.1:3000/path")]
    NoScheme(String),
    #[error("URL '{0}' has no host; write it like http://host:port/path")]
    NoHost(String),
    #[error("header '{0}' has no ':'; write it like -H 'Accept: application/json'")]
    HeaderWithoutColon(String),
    #[error("header '{raw}' has an invalid name '{name}'")]
    HeaderName { raw: String, name: String },
    #[error("header '{0}' has a line break in its value")]
    HeaderLineBreak(String),
    #[error("method '{0}' is not an HTTP method like GET or POST")]
    Method(String),
}

impl Target {
    /// Parses an absolute `http://` or `https://` URL.
    pub fn parse(url: &str) -> Result<Self, InputError> {
        let uri: hyper::Uri =
            url.parse()
                .map_err(|e: hyper::http::uri::InvalidUri| InputError::Url {
                    url: url.into(),
                    reason: e.to_string(),
                })?;
        let tls = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => {
                return Err(InputError::NoScheme(url.into()));
            }
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| InputError::NoHost(url.into()))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let path = uri
            .path_and_query()
            .map_or("/", hyper::http::uri::PathAndQuery::as_str)
            .to_string();
        Ok(Self {
            url: url.to_string(),
            host,
            port: uri.port_u16().unwrap_or(if tls { 443 } else { 80 }),
            path: if path.is_empty() { "/".into() } else { path },
            tls,
        })
    }

    /// The `Host` header value.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == if self.tls { 443 } else { 80 } {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// Resolves the host (DNS for names).
    pub async fn resolve(&self) -> Result<SocketAddr, ErrorKind> {
        tokio::net::lookup_host((self.host.as_str(), self.port))
            .await
            .map_err(|_| ErrorKind::Dns)?
            .next()
            .ok_or(ErrorKind::Dns)
    }
}

/// What every request of a run carries.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSpec {
    pub method: String,
    /// Extra headers, as given (`Name: value`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// From sending the request to the end of its response; connecting (with the TLS
    /// handshake) has the same limit of its own.
    pub timeout: Duration,
    /// Certificates trusted for HTTPS besides the Mozilla roots (`--cacert`).
    pub extra_roots: Vec<tokio_rustls::rustls::pki_types::CertificateDer<'static>>,
    /// Whether an answer's latency says cold or warm when nothing else does. Not for an
    /// answer that comes before (or without) any Init: a queued or dry-run Invoke.
    pub latency_tells: bool,
}

impl Default for RequestSpec {
    fn default() -> Self {
        Self {
            method: "GET".into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: Duration::from_secs(30),
            extra_roots: Vec::new(),
            latency_tells: true,
        }
    }
}

impl RequestSpec {
    /// Parses `-H 'Name: value'`.
    pub fn parse_header(raw: &str) -> Result<(String, String), InputError> {
        let (name, value) = raw
            .split_once(':')
            .ok_or_else(|| InputError::HeaderWithoutColon(raw.into()))?;
        let name = name.trim();
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid_name {
            return Err(InputError::HeaderName {
                raw: raw.into(),
                name: name.into(),
            });
        }
        let value = value.trim();
        if value.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(InputError::HeaderLineBreak(name.into()));
        }
        Ok((name.to_string(), value.to_string()))
    }

    /// Validates the method: an HTTP token such as GET or POST.
    pub fn parse_method(raw: &str) -> Result<String, InputError> {
        let m = raw.trim().to_ascii_uppercase();
        if m.is_empty() || !m.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(InputError::Method(raw.into()));
        }
        Ok(m)
    }

    /// The request's bytes on the wire (HTTP/1.1, keep-alive).
    pub fn to_bytes(&self, target: &Target) -> Vec<u8> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nhost: {}\r\nuser-agent: thaw/{}\r\naccept: */*\r\n",
            self.method,
            target.path,
            target.authority(),
            env!("CARGO_PKG_VERSION")
        );
        let mut has_length = false;
        for (name, value) in &self.headers {
            has_length |= name.eq_ignore_ascii_case("content-length");
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        if !self.body.is_empty() && !has_length {
            let _ = write!(head, "content-length: {}\r\n", self.body.len());
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }

    /// Whether a response to this request has no body whatever its headers say.
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_table() {
        let t = Target::parse("http://127.0.0.1:3000/prod/hello?sleep_ms=5").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("127.0.0.1", 3000, "/prod/hello?sleep_ms=5")
        );
        assert_eq!(Target::parse("http://example.com").unwrap().path, "/");
        let t = Target::parse("https://abc.lambda-url.us-east-1.on.aws/").unwrap();
        assert_eq!(
            (t.tls, t.port, t.authority().as_str()),
            (true, 443, "abc.lambda-url.us-east-1.on.aws")
        );
        assert_eq!(
            Target::parse("http://[::1]:8080/").unwrap().authority(),
            "[::1]:8080"
        );
        for bad in [
            "",
            "localhost:3000",
            "ftp://x/",
            "http://",
            "http://exa mple.com/",
        ] {
            let err = Target::parse(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("'{bad}'")), "{err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn headers_and_methods_are_checked() {
        assert_eq!(
            RequestSpec::parse_header("Accept: application/json").unwrap(),
            ("Accept".into(), "application/json".into())
        );
        assert!(RequestSpec::parse_header("no colon").is_err());
        assert!(RequestSpec::parse_header(": value").is_err());
        assert!(RequestSpec::parse_header("bad name: v").is_err());
        assert_eq!(RequestSpec::parse_method("post").unwrap(), "POST");
        assert!(RequestSpec::parse_method("G E T").is_err());
    }

    #[test]
    fn request_bytes() {
        let t = Target::parse("http://h:81/p?q=1").unwrap();
        let spec = RequestSpec {
            method: "POST".into(),
            headers: vec![("x-a".into(), "1".into())],
            body: b"hi".to_vec(),
            ..RequestSpec::default()
        };
        let text = String::from_utf8(spec.to_bytes(&t)).unwrap();
        assert!(text.starts_with("POST /p?q=1 HTTP/1.1\r\nhost: h:81\r\n"));
        assert!(text.ends_with("x-a: 1\r\ncontent-length: 2\r\n\r\nhi"));
    }
}
