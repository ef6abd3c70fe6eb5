//! Byte-for-byte parity between `cargo-seal package` and real `cargo package` (cargo 1.95).
//!
//! **Where the golden output comes from:** every test runs real `cargo package` 1.95 (asserted
//! via `cargo --version`) on one copy of a fixture and `cargo-seal` on another copy, in the same
//! test, and requires identical `.crate` bytes. Nothing golden is checked in except the insta
//! snapshots, which are taken only after that byte comparison passed and so record
//! parity-verified output (the entry listing with modes, sizes and sha256, and the normalized
//! `Cargo.toml`). Generate or refresh them with
//! `INSTA_UPDATE=always cargo test --test it parity` (or `cargo insta test --accept`): a fixture
//! whose bytes differ panics before it reaches its snapshot assertions.
//!
//! **Fixtures** are bash scripts in `testdata/fixtures/<name>.sh` (gitoxide style). Each runs
//! with cwd = an empty directory, under `umask 0022`, with a fixed git identity and dates
//! (`GIT_AUTHOR_DATE="2000-01-01 00:00:00 +0000"`, ...), `GIT_CONFIG_NOSYSTEM=1`,
//! `GIT_CONFIG_GLOBAL=/dev/null` and `init.defaultBranch=main` (passed as `GIT_CONFIG_*`
//! variables), so commit ids are the same on every machine. Conventions:
//! - The package is `./pkg` if the script created that directory, else `.`; a
//!   `# manifest: <rel/path/Cargo.toml>` line overrides this (workspace members).
//! - `# args: <flags>` lists extra `package` flags (`--allow-dirty`, `--workspace`, `-p a`).
//!   Fixtures that must pass without `--allow-dirty` simply do not list it. Several `# args:`
//!   lines package the fixture once per line; every `.crate` of every run must match, and the
//!   snapshots record the first. The harness always
//!   adds `--no-verify --target-dir <dir> --manifest-path <abs path>`.
//! - `# expect-error: <text>` marks a failure fixture: both tools must fail, naming `<text>`.
//! - Directives are read from the leading comment block only.
//!
//! Both tools run from the fixture root (cargo's dirty check of files outside the package
//! depends on the cwd), with `$HOME` pointed at an empty directory, `CARGO_TERM_COLOR=never`,
//! and cargo/rustc/git variables from the caller's environment removed. Registry fixtures reach
//! crates.io but pin versions through a committed `Cargo.lock`, so results do not drift.
//! Set `SEAL_PARITY_KEEP_TMP=1` to keep the temporary directories for inspection.

use crate::support;

use crate::support::Tool;

/// One `#[test]` per fixture comparing `.crate` bytes, then snapshotting the verified output,
/// then comparing side effects on the fixture tree; plus one per fixture in `list` comparing
/// `package --list` output.
macro_rules! parity_fixtures {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        const PARITY_FIXTURES: &[&str] = &[$(stringify!($name)),*];

        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                let name = stringify!($name);
                let verified = support::check_parity(name, Tool::Seal);
                insta::assert_snapshot!(format!("{name}-entries"), verified.entries);
                insta::assert_snapshot!(format!("{name}-cargo_toml"), verified.cargo_toml);
                verified.assert_same_side_effects();
            }
        )*

        /// `cargo-seal package --list` against `cargo package --list`.
        mod list {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    super::support::check_list_parity(stringify!($name));
                }
            )*
        }
    };
}

/// One `#[test]` per failure fixture: both tools must refuse it.
macro_rules! failure_fixtures {
    ($($name:ident),* $(,)?) => {
        const FAILURE_FIXTURES: &[&str] = &[$(stringify!($name)),*];

        $(
            #[test]
            fn $name() {
                support::check_failure(stringify!($name));
            }
        )*
    };
}

support::with_packaging_fixtures!(parity_fixtures);

failure_fixtures! {
    fail_dirty,
    fail_reserved_orig,
    fail_dangling_symlink,
    fail_missing_readme,
    fail_ws_root_dirty,
    fail_ws_unpublished_sibling,
    fail_versionless_dep,
}

/// Cargo runs external subcommands as `cargo-seal seal package ...`; that argv must produce the
/// same bytes.
#[test]
fn invoked_as_cargo_subcommand() {
    support::check_parity("outside_git", Tool::SealAsSubcommand).assert_same_side_effects();
}

/// A fixture script without a test would silently never run.
#[test]
fn every_fixture_script_has_a_test() {
    let mut registered: Vec<&str> = PARITY_FIXTURES.iter().chain(FAILURE_FIXTURES).copied().collect();
    registered.sort_unstable();
    let on_disk = support::all_fixture_names();
    assert_eq!(on_disk, registered, "testdata/fixtures/*.sh and the test list in tests/it/parity.rs disagree");
}
