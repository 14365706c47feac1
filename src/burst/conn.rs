//! Connections: plain TCP or TLS (rustls, with the Mozilla roots plus any given CA),
//! split into a read half and a write half so a burst's release loop only writes.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWriteExt as _, ReadBuf, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::event::ErrorKind;

use super::http1;
use super::target::Target;

type Tls = TlsStream<TcpStream>;

pub enum Reader {
    Plain(OwnedReadHalf),
    Tls(ReadHalf<Tls>),
}

pub enum Writer {
    Plain(OwnedWriteHalf),
    Tls(WriteHalf<Tls>),
}

impl AsyncRead for Reader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(r) => Pin::new(r).poll_read(cx, buf),
            Self::Tls(r) => Pin::new(r).poll_read(cx, buf),
        }
    }
}

impl Writer {
    /// Writes without waiting, where the transport allows it (plain TCP); `WouldBlock`
    /// otherwise, and the caller falls back to [`Writer::write_all`].
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(w) => w.try_write(buf),
            Self::Tls(_) => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Self::Plain(w) => w.write_all(buf).await,
            Self::Tls(w) => {
                w.write_all(buf).await?;
                w.flush().await
            }
        }
    }
}

/// Opens connections to one target.
#[derive(Clone)]
pub struct Connector {
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl Connector {
    /// For `target`; `extra_roots` are trusted besides the Mozilla root certificates.
    pub fn new(target: &Target, extra_roots: &[CertificateDer<'static>]) -> Result<Self, String> {
        if !target.tls {
            return Ok(Self { tls: None });
        }
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in extra_roots {
            roots
                .add(cert.clone())
                .map_err(|e| format!("a --cacert certificate is not usable: {e}"))?;
        }
        let config = ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from(target.host.clone())
            .map_err(|_| format!("'{}' is not a valid TLS server name", target.host))?;
        Ok(Self {
            tls: Some((TlsConnector::from(Arc::new(config)), name)),
        })
    }

    /// Connects (and completes the TLS handshake) within `timeout`; returns the halves
    /// and how long it took.
    pub async fn connect(
        &self,
        addr: SocketAddr,
        timeout: Duration,
    ) -> Result<(Reader, Writer, Duration), ErrorKind> {
        let start = Instant::now();
        let connecting = async {
            let stream = TcpStream::connect(addr)
                .await
                .map_err(|e| http1::error_kind(&e))?;
            let _ = stream.set_nodelay(true);
            match &self.tls {
                None => {
                    let (r, w) = stream.into_split();
                    Ok((Reader::Plain(r), Writer::Plain(w)))
                }
                Some((connector, name)) => {
                    let tls = connector
                        .connect(name.clone(), stream)
                        .await
                        .map_err(|_| ErrorKind::Tls)?;
                    let (r, w) = tokio::io::split(tls);
                    Ok((Reader::Tls(r), Writer::Tls(w)))
                }
            }
        };
        let (r, w) = tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| ErrorKind::Timeout)??;
        Ok((r, w, start.elapsed()))
    }
}
