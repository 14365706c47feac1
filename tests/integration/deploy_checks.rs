//! The checks `scripts/test` runs before the suite, shown to fail where they must:
//! `scripts/layers` on an upward import, `scripts/check-templates` on a SAM template that
//! cannot deploy.

use std::path::Path;
use std::process::Command;

use crate::common::scratch;
use crate::common::tools::{Tool, need};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(script: &str, args: &[&Path]) -> (i32, String) {
    let out = Command::new(root().join(script))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
#[ignore = "needs python3: ./scripts/test runs it"]
fn the_layer_check_names_an_upward_import_and_fails() {
    need(&[Tool::Python]);
    let (code, out) = run("scripts/layers", &[]);
    assert_eq!(code, 0, "{out}");
    for (file, line, want) in [
        (
            "ui/format.rs",
            "use crate::session::Session;",
            "src/ui/format.rs:",
        ),
        (
            "event/sink.rs",
            "use crate::state::State as _Folded;",
            "`event` uses `state` (src/state/mod.rs), a layer above it",
        ),
    ] {
        let dir = scratch::scratch("layers");
        let src = dir.join("src");
        crate::common::copy_dir(&root().join("src"), &src, &[]);
        let path = src.join(file);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(line);
        text.push('\n');
        std::fs::write(&path, text).unwrap();
        let (code, out) = run("scripts/layers", &[&src]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains(want), "{out}");
    }
}

#[test]
#[ignore = "needs python3: ./scripts/test runs it"]
fn the_template_check_fails_a_template_that_cannot_deploy() {
    need(&[Tool::Python]);
    // The shipped templates pass: scripts/test checks them before the suite runs.
    let broken = root().join("tests/fixtures/templates/template-two-languages-one-api.yaml");
    let (code, out) = run("scripts/check-templates", &[&broken]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(r#"API method "get" defined multiple times for path "/hello""#),
        "{out}"
    );
    assert!(out.contains("E3724"), "{out}");
}
