//! Every committed fuzz seed and every input the fuzzers ever crashed on, run through the
//! fuzz targets' entry points on stable Rust: a finding, once fixed, stays fixed.
//! `scripts/fuzz` runs the fuzzers themselves (nightly, not in CI).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
