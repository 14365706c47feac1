//! Every committed fuzz seed, every input the fuzzers ever crashed on, and the fuzzers'
//! minimized corpus (`fuzz/corpus.tar.xz`), run through the fuzz targets' entry points on
//! stable Rust: a finding, once fixed, stays fixed, and what hours of fuzzing reached is
//! walked again on every test run. `scripts/fuzz` runs the fuzzers themselves (nightly,
//! not in CI).

use crate::common::tools::{Tool, need};
use std::path::Path;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn seeds_and_past_findings_do_not_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (target, run) in thaw::fuzz::TARGETS {
        let seeds = inputs(&root.join("seeds").join(target));
        assert!(
            seeds.len() >= 3,
            "fuzz/seeds/{target} should hold real inputs"
        );
        let findings = inputs(&root.join("regressions").join(target));
        for path in seeds.iter().chain(&findings) {
            let data = std::fs::read(path).unwrap();
            assert!(
                std::panic::catch_unwind(|| run(&data)).is_ok(),
                "{target}: {} panics",
                path.display()
            );
        }
    }
}

#[test]
#[ignore = "needs xz: ./scripts/test runs it"]
fn the_fuzzers_corpus_does_not_panic() {
    need(&[Tool::Xz]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let dir = tempfile::Builder::new()
        .prefix("thaw-fuzz-corpus-")
        .tempdir()
        .unwrap();
    let dir = dir.path();
    let status = std::process::Command::new("tar")
        .arg("-xJf")
        .arg(root.join("corpus.tar.xz"))
        .arg("-C")
        .arg(dir)
        .status()
        .expect("tar is needed to unpack fuzz/corpus.tar.xz (Debian: tar, xz-utils)");
    assert!(status.success(), "tar -xJf fuzz/corpus.tar.xz failed");
    let mut total = 0;
    for (target, run) in thaw::fuzz::TARGETS {
        let files = inputs(&dir.join(target));
        assert!(
            !files.is_empty(),
            "fuzz/corpus.tar.xz has no {target} inputs"
        );
        for path in &files {
            let data = std::fs::read(path).unwrap();
            assert!(
                std::panic::catch_unwind(|| run(&data)).is_ok(),
                "{target}: corpus input {} panics",
                path.display()
            );
        }
        total += files.len();
    }
    assert!(total > 1000, "only {total} inputs: is the corpus packed?");
}

#[test]
fn every_target_has_a_fuzz_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for (target, _) in thaw::fuzz::TARGETS {
        let source = format!("fuzz_targets/{target}.rs");
        assert!(manifest.contains(&source), "fuzz/Cargo.toml lacks {source}");
        let text = std::fs::read_to_string(root.join(&source)).unwrap();
        assert!(
            text.contains(&format!("thaw::fuzz::{target}(")),
            "{source} should call thaw::fuzz::{target}"
        );
    }
}
