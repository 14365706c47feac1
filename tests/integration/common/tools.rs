//! The tests' second tier: those that drive programs beyond Rust (tmux, curl, Node.js,
//! Python and the AWS clients, moto and LocalStack, Chromium, xz, the burst worker's
//! build). A plain `cargo test` leaves them out (each is `#[ignore]`d, naming what it
//! needs); `./scripts/test` installs the programs and runs them all. Asked for on a
//! machine without the program, such a test fails at once with one line naming it and
//! how to get it, instead of somewhere deep inside.
#![allow(dead_code, clippy::panic)]

use std::path::{Path, PathBuf};

/// What a second-tier test needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Tmux,
    Curl,
    Node,
    Npm,
    Python,
    Xz,
    Chromium,
    /// moto, LocalStack, the AWS CLI and boto3, in the venvs `./scripts/aws-test-servers`
    /// makes.
    AwsServers,
    /// thaw's burst worker (`cargo build -p thaw-burst-worker`) beside the thaw under test.
    BurstWorker,
}

impl Tool {
    fn how(self) -> (&'static str, &'static str) {
        match self {
            Self::Tmux => ("tmux", "apt-get install tmux"),
            Self::Curl => ("curl", "apt-get install curl"),
            Self::Node => ("node", "apt-get install nodejs"),
            Self::Npm => ("npm", "apt-get install npm"),
            Self::Python => ("python3", "apt-get install python3 python3-venv"),
            Self::Xz => ("xz", "apt-get install xz-utils"),
            Self::Chromium => ("chromium", "apt-get install chromium"),
            Self::AwsServers => (
                "moto, LocalStack and the AWS clients",
                "./scripts/aws-test-servers",
            ),
            Self::BurstWorker => ("the burst worker", "cargo build -p thaw-burst-worker"),
        }
    }

    fn present(self) -> bool {
        match self {
            Self::AwsServers => std::env::var_os("MOTO_SERVER_BIN")
                .map_or_else(
                    || aws_servers_dir().join("moto/bin/moto_server"),
                    PathBuf::from,
                )
                .exists(),
            Self::BurstWorker => worker_bin().exists(),
            other => on_path(other.how().0),
        }
    }
}

/// Fails the test at once, in one line, unless every tool is here.
pub fn need(tools: &[Tool]) {
    for t in tools {
        if !t.present() {
            let (what, install) = t.how();
            panic!(
                "this test needs {what}, which is not here: {install} (./scripts/test installs and builds everything the tests need)"
            );
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| is_executable(&dir.join(program)))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Where `./scripts/aws-test-servers` installs its venvs.
pub fn aws_servers_dir() -> PathBuf {
    std::env::var_os("AWS_TEST_SERVERS_CACHE").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/thaw-aws"),
        PathBuf::from,
    )
}

/// The burst worker built beside the thaw under test.
pub fn worker_bin() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_thaw")).with_file_name("thaw-burst-worker")
}
