//! Scratch files for tests: each in a directory of its own under the system's temp
//! directory, removed with its directory when the test drops it (panics included), so
//! repeated suite runs leave nothing behind.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::ops::Deref;
use std::path::{Path, PathBuf};

pub struct Scratch {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

/// A path named `name` in a new empty directory; nothing is created at the path.
pub fn scratch(name: &str) -> Scratch {
    let dir = tempfile::Builder::new()
        .prefix("thaw-test-")
        .tempdir()
        .expect("a scratch directory under the temp directory");
    Scratch {
        path: dir.path().join(name),
        _dir: dir,
    }
}

impl Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<OsStr> for Scratch {
    fn as_ref(&self) -> &OsStr {
        self.path.as_os_str()
    }
}
