//! `cargo seal package --verify-reproducible` (VER-REPRODUCE) on every fixture of
//! `tests/it/parity.rs` (whose bytes that suite proves equal to real cargo 1.95's): a clean git
//! fixture is rebuilt from its commit byte for byte, every member of a workspace run included; a
//! fixture that needs `--allow-dirty` (an unborn HEAD included) is refused with the dirty files
//! named; a fixture outside git has no commit to rebuild from. A change git does not see (an exec bit under
//! `core.fileMode=false`) is caught and named, exit 1.

use crate::support;

use std::process::Command;

use crate::support::{Fixture, Sandbox, Slot, Tool};

const REPRODUCE: &str = "--verify-reproducible";

/// Packages each `# args:` variant of `name` with `--verify-reproducible` and checks the outcome
/// the fixture's state calls for.
fn check(name: &str) {
    let fixture = Fixture::load(name);
    for args in &fixture.variants {
        let sandbox = Sandbox::new(name);
        let copy = sandbox.materialize(&fixture, Slot::B);
        let out = sandbox.package(Tool::Seal, &fixture, args, &copy, &[REPRODUCE]);
        let label = format!("{name} [{}]", args.join(" "));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let made = support::crates_in(&copy.target);
        if !copy.root.join(".git").exists() {
            assert_eq!(out.status.code(), Some(2), "{label}: {}", support::describe("package", &out));
            assert!(stderr.contains("rebuilds the package from its commit, but package"), "{label}: {stderr}");
            assert!(made.is_empty(), "{label}: left {made:?}");
        } else if args.iter().any(|a| a == "--allow-dirty") {
            assert_eq!(out.status.code(), Some(2), "{label}: {}", support::describe("package", &out));
            assert!(stderr.contains("contain changes that were not yet committed"), "{label}: {stderr}");
            assert!(stderr.contains("rebuilds the package from its commit, which does not"), "{label}: {stderr}");
            assert!(made.is_empty(), "{label}: left {made:?}");
        } else {
            assert_eq!(out.status.code(), Some(0), "{label}: {}", support::describe("package", &out));
            let reproduced = stderr.lines().filter(|l| l.trim_start().starts_with("Reproduced ")).count();
            assert!(!made.is_empty(), "{label}: no .crate");
            assert_eq!(reproduced, made.len(), "{label}: every package is rebuilt once\n{stderr}");
        }
    }
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
    };
}

support::with_packaging_fixtures!(fixtures);

/// With `core.fileMode=false` git does not see an exec bit set after the commit, so packaging
/// takes it from the file while the commit says otherwise: not reproducible, and said so.
#[test]
fn pkg_reproduce_catches_what_git_status_does_not_see() {
    let fixture = Fixture::load("registry_deps");
    let sandbox = Sandbox::new("reproduce-mode");
    let copy = sandbox.materialize(&fixture, Slot::B);
    let git = Command::new("git").args(["config", "core.fileMode", "false"]).current_dir(&copy.root).status();
    assert!(git.unwrap().success());
    let lib = copy.root.join("src/lib.rs");
    std::fs::set_permissions(&lib, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let out = sandbox.package(Tool::Seal, &fixture, &[], &copy, &[REPRODUCE]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{}", support::describe("package", &out));
    assert!(stderr.contains("is not reproducible from commit"), "{stderr}");
    assert!(stdout.contains("verdict: differs"), "{stdout}");
    assert!(stdout.contains("mode         registry-deps-0.3.0/src/lib.rs: 0644 expected, 0755 found"), "{stdout}");
    // The packaged crate stays: it is the evidence.
    assert_eq!(support::crates_in(&copy.target).len(), 1);
}

#[test]
fn pkg_reproduce_conflicts_with_list() {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal")).args(["package", "--list", REPRODUCE]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}
