//! Configuration files: the shipped ones load, and every file in `tests/invalid_configs/`
//! fails with exactly the one-line message its first line expects (no panic).

use std::path::Path;

use thaw::config::{Config, Layers, Profile, load};

fn load_file(path: &Path) -> Result<Config, thaw::config::ConfigError> {
    load(&Layers {
        file: Some(path.to_path_buf()),
        ..Layers::default()
    })
}

#[test]
fn every_invalid_config_gives_its_expected_one_line_message() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid_configs");
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} has no '# expect: ' first line", path.display()))
            .replace("{path}", &path.display().to_string());
        match load_file(&path) {
            Ok(_) => failures.push(format!("{}: loaded without error", path.display())),
            Err(e) => {
                let got = e.to_string();
                assert!(!got.contains('\n'), "one line: {got}");
                if got != expected {
                    failures.push(format!(
                        "{}:\n  expected: {expected}\n  got:      {got}",
                        path.display()
                    ));
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn shipped_files_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        load_file(&root.join("config/default.toml")).unwrap(),
        Config::default()
    );
    let demo = load_file(&root.join("config/profiles/demo.toml")).unwrap();
    assert!(demo.emulator.idle_reclaim_s <= 40.0);
    assert_eq!(
        demo.profile,
        Profile::Default,
        "the overlay alone names no profile"
    );
}

#[test]
fn a_missing_file_is_named() {
    let err = load_file(Path::new("/nonexistent/thaw.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "cannot read config file '/nonexistent/thaw.toml': No such file or directory"
        ),
        "{err}"
    );
    assert!(err.ends_with("pass an existing, readable file to --config"));
}
