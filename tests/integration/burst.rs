//! The burst engine against the emulator over HTTP, and against small misbehaving
//! servers for each error kind.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use common::fire_with;
use thaw::burst::{RequestSpec, StepReport};
use thaw::config::{EmulatorConfig, Front};
use thaw::event::{Classification, ErrorKind, RequestObserved};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

async fn fire(url: &str, plan: &str, timeout: Duration) -> (Vec<RequestObserved>, Vec<StepReport>) {
    fire_with(
        url,
        plan,
        RequestSpec {
            timeout,
            ..RequestSpec::default()
        },
    )
    .await
}

fn envs(rs: &[RequestObserved]) -> HashSet<String> {
    rs.iter()
        .filter_map(|r| r.probe.as_ref().map(|p| p.env.0.clone()))
        .collect()
}

fn cold(rs: &[RequestObserved]) -> usize {
    rs.iter()
        .filter(|r| r.class == Some(Classification::Cold))
        .count()
}

const T: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_cold_then_warm_then_serial_on_one_environment() {
    let emu = common::start(common::quick()).await;
    let url = emu.url("sleep_ms=300");
    let (first, steps) = fire(&url, "parallel 50", T).await;
    assert_eq!(first.len(), 50);
    assert_eq!(envs(&first).len(), 50);
    assert_eq!(cold(&first), 50);
    let spread = steps[0].release_spread.unwrap();
    assert!(
        spread < Duration::from_millis(50),
        "release spread {spread:?}"
    );

    let (second, _) = fire(&url, "parallel 50", T).await;
    assert_eq!(cold(&second), 0);
    assert_eq!(envs(&second), envs(&first));

    let (serial, _) = fire(&emu.url(""), "serial 50", T).await;
    assert_eq!(envs(&serial).len(), 1);
    assert!(serial.iter().all(|r| r.status == Some(200)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_ten_of_thirty_parallel_throttles_twenty_per_front() {
    for (front, kind) in [
        (Front::RestApi, ErrorKind::Server),
        (Front::FunctionUrl, ErrorKind::Throttled),
    ] {
        let emu = common::start(EmulatorConfig {
            reserved_concurrency: Some(10),
            front,
            ..common::quick()
        })
        .await;
        let (rs, _) = fire(&emu.url("sleep_ms=300"), "parallel 30", T).await;
        let ok = rs.iter().filter(|r| r.status == Some(200)).count();
        let throttled = rs.iter().filter(|r| r.error == Some(kind)).count();
        assert_eq!((ok, throttled), (10, 20), "{front:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_mode_starts_arrivals_on_schedule_whatever_the_responses_do() {
    let emu = common::start(common::quick()).await;
    // Responses take 300 ms; arrivals every 20 ms must not wait for them.
    let (rs, steps) = fire(&emu.url("sleep_ms=300"), "rate 50 for 1s", T).await;
    assert_eq!(rs.len(), 50);
    let mut planned: Vec<u64> = rs.iter().map(|r| r.planned_us).collect();
    planned.sort_unstable();
    for pair in planned.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            (19_000..=21_000).contains(&gap),
            "planned 20 ms apart, got {gap} µs"
        );
    }
    for r in &rs {
        assert!(r.sent_us >= r.planned_us);
    }
    assert_eq!(steps[0].requests, 50);
    assert!(
        steps[0].late_starts <= 5,
        "late starts: {}",
        steps[0].late_starts
    );
    // Open model: many in flight at once, so more environments than a closed loop of one.
    assert!(envs(&rs).len() >= 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ramp_and_keep_warm_reuse_environments() {
    let emu = common::start(common::quick()).await;
    let (rs, _) = fire(&emu.url("sleep_ms=50"), "ramp 1 4 over 1s", T).await;
    assert!(rs.len() > 20, "{}", rs.len());
    assert!(
        envs(&rs).len() <= 4,
        "at most 4 concurrent: {}",
        envs(&rs).len()
    );
    let (rs, steps) = fire(
        &emu.url("sleep_ms=100"),
        "keep-warm 5 every 300ms for 700ms",
        T,
    )
    .await;
    assert_eq!(rs.len(), 15, "three rounds of 5");
    assert_eq!(steps[0].requests, 15);
    assert!(envs(&rs).len() <= 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classification_is_inferred_without_probe_headers() {
    // A server without probe headers: the second connection's first response is slow
    // (an "Init"), everything else fast.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut index = 0;
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            index += 1;
            let mut slow = index == 2;
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    let delay = if std::mem::take(&mut slow) { 200 } else { 2 };
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                    if s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
    });
    let (rs, _) = fire(&format!("http://{addr}/"), "serial 5; parallel 1", T).await;
    let classes: Vec<_> = rs.iter().map(|r| r.class.unwrap()).collect();
    let (w, c) = (Classification::InferredWarm, Classification::InferredCold);
    assert_eq!(
        classes,
        [w, w, w, w, w, c],
        "the warm baseline is set by the serial requests"
    );
}

/// A server that does `behave` with each connection.
async fn misbehaving(behave: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            match behave {
                "reset" => {
                    s.set_zero_linger().unwrap();
                    drop(s);
                }
                "silent" => held.push(s),
                "garbage" => {
                    let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n\r\n").await;
                    held.push(s);
                }
                _ => unreachable!(),
            }
        }
    });
    format!("http://{addr}/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_kinds_from_misbehaving_servers() {
    // A closed port: bind, note the port, close.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}/", l.local_addr().unwrap())
    };
    let cases = [
        (closed, ErrorKind::Refused),
        (misbehaving("reset").await, ErrorKind::Reset),
        (misbehaving("silent").await, ErrorKind::Timeout),
        (misbehaving("garbage").await, ErrorKind::Http),
        ("http://no-such-host.invalid/".to_string(), ErrorKind::Dns),
    ];
    for (url, kind) in cases {
        for plan in ["parallel 3", "serial 2"] {
            let (rs, _) = fire(&url, plan, Duration::from_millis(300)).await;
            assert!(!rs.is_empty(), "{url} {plan}");
            assert!(
                rs.iter()
                    .all(|r| r.error == Some(kind) && r.status.is_none() && r.class.is_none()),
                "{url} {plan}: want {kind:?}, got {:?}",
                rs.iter().map(|r| r.error).collect::<Vec<_>>()
            );
        }
    }
}

/// A local HTTPS server with a self-signed certificate for `localhost`; returns its URL and
/// the certificate to trust.
async fn tls_server() -> (String, rustls_pki::CertificateDer<'static>) {
    use std::sync::Arc;
    use tokio_rustls::rustls::ServerConfig;
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let der = cert.cert.der().clone();
    let key = rustls_pki::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![der.clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (s, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                while let Ok(n) = tls.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    let body = "HTTP/1.1 200 OK\r\nx-thaw-env: 0123abcd\r\nx-thaw-cold: false\r\ncontent-length: 2\r\n\r\nok";
                    if tls.write_all(body.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (format!("https://localhost:{port}/"), der)
}

use tokio_rustls::rustls::pki_types as rustls_pki;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_trusted_certificate_and_tls_errors_without() {
    let (url, cert) = tls_server().await;
    let spec = RequestSpec {
        extra_roots: vec![cert],
        ..RequestSpec::default()
    };
    let (rs, _) = common::fire_with(&url, "parallel 5; serial 5", spec).await;
    assert_eq!(rs.len(), 10);
    assert!(
        rs.iter()
            .all(|r| r.status == Some(200) && r.class == Some(Classification::Warm)),
        "{rs:?}"
    );
    assert!(rs.iter().all(|r| r.connect_us.is_some() || r.sent_us > 0));

    let (rs, _) = fire(&url, "parallel 2", Duration::from_secs(5)).await;
    assert!(
        rs.iter().all(|r| r.error == Some(ErrorKind::Tls)),
        "untrusted: {rs:?}"
    );
}

/// In flight agrees with the answers already passed on: at every gauge, the requests
/// in flight and those answered never add up to more than were sent, and the last gauge
/// says none are left (a gauge sampled apart from the answers once said 49 in flight
/// beside 37 answers of 50).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_never_disagrees_with_the_answers_before_it() {
    let emu = common::start(common::quick()).await;
    let plan: thaw::burst::Plan = "parallel 50".parse().unwrap();
    let mut answered = 0_u32;
    let mut gauges = Vec::new();
    let mut kinds = String::new();
    thaw::burst::run(
        &plan,
        thaw::burst::Target::parse(&emu.url("sleep_ms=200")).unwrap(),
        RequestSpec::default(),
        None,
        thaw::clock::Clock::start(),
        |e| match e.kind {
            thaw::event::EventKind::Request(_) => {
                answered += 1;
                kinds.push('R');
            }
            thaw::event::EventKind::ClientInFlight { in_flight, .. } => {
                gauges.push((in_flight, answered));
                kinds.push('G');
            }
            _ => kinds.push('.'),
        },
    )
    .await
    .unwrap();
    assert_eq!(answered, 50);
    assert!(gauges.iter().all(|(f, a)| f + a <= 50), "{gauges:?}");
    assert_eq!(gauges.last().map(|g| g.0), Some(0), "{gauges:?}");
    // Answers are followed at once by the gauge they change, not up to 50 ms later.
    assert!(!kinds.contains("R."), "{kinds}");
    assert!(kinds.matches("RG").count() >= 1, "{kinds}");
}
