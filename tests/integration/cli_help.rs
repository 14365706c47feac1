//! `thaw --help` and each subcommand's, the completions and the man page: all from the
//! same clap definitions. The help texts are snapshots, so a flag changed by accident shows.

use std::process::Command;

fn thaw(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_thaw"))
        .args(args)
        // clap wraps help to the terminal; a pipe gets this width.
        .env("COLUMNS", "100")
        .env_remove("THAW_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test_case::test_case(&[] ; "thaw")]
#[test_case::test_case(&["emulate"] ; "emulate")]
#[test_case::test_case(&["burst"] ; "burst")]
#[test_case::test_case(&["replay"] ; "replay")]
#[test_case::test_case(&["import"] ; "import")]
#[test_case::test_case(&["compare"] ; "compare")]
#[test_case::test_case(&["doctor"] ; "doctor")]
#[test_case::test_case(&["whatif"] ; "whatif")]
#[test_case::test_case(&["completions"] ; "completions")]
#[test_case::test_case(&["man"] ; "man")]
fn help(sub: &[&str]) {
    let mut args = sub.to_vec();
    args.push("--help");
    let (code, out, err) = thaw(&args);
    assert_eq!(code, 0, "{err}");
    let name = format!("help_{}", sub.first().unwrap_or(&"thaw"));
    insta::assert_snapshot!(name, out);
}

#[test]
fn completions_are_valid_shell_and_name_every_subcommand() {
    let (code, bash, err) = thaw(&["completions", "bash"]);
    assert_eq!(code, 0, "{err}");
    for sub in [
        "emulate",
        "burst",
        "replay",
        "import",
        "compare",
        "completions",
        "man",
    ] {
        assert!(
            bash.contains(sub),
            "{sub} missing from the bash completions"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("thaw.bash");
    std::fs::write(&file, &bash).unwrap();
    let check = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let (code, out, err) = thaw(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("burst"), "{shell}");
    }
    let (code, _, err) = thaw(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("'tcsh' is not a shell thaw completes"),
        "{err}"
    );
}

#[test]
fn the_man_page_is_roff_with_every_subcommand() {
    let (code, man, err) = thaw(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(man.contains(".TH thaw 1"), "{man}");
    for sub in ["emulate", "burst", "replay", "import", "compare"] {
        assert!(man.contains(sub), "{sub} missing from the man page");
    }
}
