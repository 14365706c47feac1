//! Real AWS API servers for the tests, each started on a free loopback port and killed
//! (with everything it started) when dropped: moto for CloudWatch Logs, LocalStack in
//! host mode for CloudWatch metrics (the SDK speaks CBOR, which moto lacks).
//! `./scripts/aws-test-servers` installs them; `./scripts/test` runs it first.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub url: String,
    pub port: u16,
    scratch: Option<PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // The server runs in its own process group: kill the group (LocalStack forks).
        // (`kill -9 -PID` is not that on every `kill`: spell it out.)
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.scratch {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn installed(var: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/thaw-aws")
                .join(default)
        },
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "{} not found: run ./scripts/aws-test-servers (./scripts/test does it first)",
        path.display()
    );
    path
}

/// `GET path` answers 200 within `limit`.
fn wait_ready(port: u16, path: &str, child: &mut Child, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the test server exited early ({status})");
        }
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let req =
                format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            if s.write_all(req.as_bytes()).is_ok() {
                let mut buf = [0u8; 16];
                if s.read(&mut buf)
                    .is_ok_and(|n| n >= 12 && &buf[9..12] == b"200")
                {
                    return;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "the test server did not start within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A program of the Lambda API's clients' venv (the AWS CLI `aws`, or `python` with
/// boto3), with test credentials and nothing from the machine's own AWS set-up.
pub fn client(program: &str) -> Command {
    let bin = installed("AWS_CLIENTS_BIN", "clients/bin").join(program);
    let mut cmd = Command::new(bin);
    cmd.env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
    cmd
}

/// moto's server, fresh (its state lives only in this process).
pub fn moto() -> Server {
    let bin = installed("MOTO_SERVER_BIN", "moto/bin/moto_server");
    let port = free_port();
    let mut child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    wait_ready(port, "/moto-api/", &mut child, Duration::from_secs(60));
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        port,
        scratch: None,
    }
}

/// LocalStack in host mode with CloudWatch and CloudWatch Logs (ready in 5-20 s).
pub fn localstack() -> Server {
    let python = installed("LOCALSTACK_PYTHON", "localstack/bin/python");
    let port = free_port();
    let scratch = std::env::temp_dir().join(format!("thaw-localstack-{port}"));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut child = Command::new(python)
        .args(["-m", "localstack.runtime.main"])
        .current_dir(&scratch)
        .env("DISABLE_EVENTS", "1")
        .env("DNS_ADDRESS", "0")
        .env("GATEWAY_SERVER", "hypercorn")
        .env("GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("SERVICES", "logs,cloudwatch")
        .env("LOCALSTACK_HOST", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    wait_ready(
        port,
        "/_localstack/health",
        &mut child,
        Duration::from_secs(120),
    );
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        port,
        scratch: Some(scratch),
    }
}

/// An SDK configuration pointed at `url` with test credentials.
pub async fn sdk(url: &str) -> aws_config::SdkConfig {
    sdk_with(url, true).await
}

/// The same, with the SDK's own retries off when `retries` is false (so a source sees
/// every answer of a scripted server).
pub async fn sdk_with(url: &str, retries: bool) -> aws_config::SdkConfig {
    let retry = if retries {
        aws_config::retry::RetryConfig::standard()
    } else {
        aws_config::retry::RetryConfig::disabled()
    };
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .retry_config(retry)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                ))
                .build_https(),
        )
        .load()
        .await
}
