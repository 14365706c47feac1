//! `scripts/tidy-target`, which keeps the build directory shared by clones (and by CI)
//! from filling the disk: on a made-up build directory, what it keeps and what it removes.

use std::path::Path;
use std::process::Command;

fn touch(path: &Path, age_min: u32, executable: bool) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, b"x").unwrap();
    let ok = Command::new("touch")
        .args(["-d", &format!("{age_min} minutes ago")])
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    if executable {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn tidy(target: &Path, env: &[(&str, &str)]) -> String {
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/tidy-target"))
        .arg(target)
        .env("TIDY_MIN_FREE_MB", "0")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_two_newest_builds_of_each_test_binary_stay_and_dependencies_are_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let deps = dir.path().join("debug/deps");
    let hex = |i: u32| format!("{i:016x}");
    for (i, age) in [(1, 30), (2, 20), (3, 10)] {
        touch(&deps.join(format!("burst-{}", hex(i))), age, true);
        touch(&deps.join(format!("burst-{}.d", hex(i))), age, false);
        touch(&deps.join(format!("libthaw-{}.rlib", hex(i))), age, false);
        touch(&deps.join(format!("libserde-{}.rlib", hex(i))), age, false);
        touch(
            &dir.path()
                .join(format!("debug/incremental/burst-{}/s", hex(i))),
            age,
            false,
        );
    }
    // The library's and the binary's unit tests share the name `thaw`: both stay.
    touch(&deps.join(format!("thaw-{}", hex(7))), 5, true);
    touch(&deps.join(format!("thaw-{}", hex(8))), 5, true);

    let said = tidy(dir.path(), &[]);
    assert!(said.contains("removed"), "{said}");
    let exists = |p: String| deps.join(p).exists();
    assert!(
        !exists(format!("burst-{}", hex(1))),
        "the oldest test binary goes"
    );
    assert!(!exists(format!("burst-{}.d", hex(1))), "with its dep-info");
    assert!(exists(format!("burst-{}", hex(2))) && exists(format!("burst-{}", hex(3))));
    assert!(!exists(format!("libthaw-{}.rlib", hex(1))));
    assert!(exists(format!("libthaw-{}.rlib", hex(2))));
    assert!(
        (1..=3).all(|i| exists(format!("libserde-{}.rlib", hex(i)))),
        "dependencies cannot be told stale by name: kept"
    );
    assert!(exists(format!("thaw-{}", hex(7))) && exists(format!("thaw-{}", hex(8))));
    let incremental = dir.path().join("debug/incremental");
    assert!(!incremental.join(format!("burst-{}", hex(1))).exists());
    assert!(incremental.join(format!("burst-{}", hex(3))).exists());

    // Nothing stale left: a second run removes nothing.
    assert_eq!(tidy(dir.path(), &[]), "");
}

#[test]
fn a_debug_build_over_its_limit_is_removed_whole() {
    let dir = tempfile::tempdir().unwrap();
    touch(
        &dir.path().join("debug/deps/libserde-0000000000000001.rlib"),
        1,
        false,
    );
    touch(&dir.path().join("release/thaw"), 1, true);
    assert_eq!(tidy(dir.path(), &[("TIDY_MAX_DEBUG_MB", "1")]), "");
    assert!(dir.path().join("debug").exists(), "under the limit: kept");
    let said = tidy(dir.path(), &[("TIDY_MAX_DEBUG_MB", "0")]);
    assert!(said.contains("the build starts over"), "{said}");
    assert!(!dir.path().join("debug").exists());
    assert!(
        dir.path().join("release/thaw").exists(),
        "release builds stay"
    );
}
