//! `-F/--features`, `--all-features` and `--no-default-features` (WS-FEATURES), each compared
//! with real cargo 1.95 in the same test: which features the verification build of each package
//! gets (seen through `compile_error!` guards), and the refusals, word for word.
//!
//! Both tools run in turn in the same directory, so that paths in their messages agree; the
//! target directory is removed between them.

use crate::support;

use std::path::Path;

use crate::support::{Sandbox, assert_same};

const META: &str = "license = \"MIT\"\ndescription = \"d\"\nrepository = \"https://example.com\"\n";

/// A virtual workspace (so features are chosen per package, cargo's "new" behavior):
/// - `alpha` builds only with `fast`; it has an optional dependency on `beta`;
/// - `beta` refuses `strict` together with its default feature `std`;
/// - `gamma` has a feature `only-gamma` and a dependency on `beta` with features.
fn per_package_workspace(dir: &Path) {
    support::write(dir, "Cargo.toml", "[workspace]\nmembers = [\"alpha\", \"beta\", \"gamma\"]\nresolver = \"2\"\n");
    support::write(
        dir,
        "alpha/Cargo.toml",
        &format!(
            "[package]\nname = \"alpha\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{META}\n\
             [features]\nfast = []\n\n\
             [dependencies]\nbeta = {{ path = \"../beta\", version = \"0.1.0\", optional = true }}\n"
        ),
    );
    support::write(dir, "alpha/src/lib.rs", "#[cfg(not(feature = \"fast\"))]\ncompile_error!(\"alpha needs fast\");\n");
    support::write(
        dir,
        "beta/Cargo.toml",
        &format!(
            "[package]\nname = \"beta\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{META}\n\
             [features]\ndefault = [\"std\"]\nstd = []\nstrict = []\nserde-like = []\n"
        ),
    );
    support::write(
        dir,
        "beta/src/lib.rs",
        "#[cfg(all(feature = \"std\", feature = \"strict\"))]\ncompile_error!(\"strict is for no_std\");\n",
    );
    support::write(
        dir,
        "gamma/Cargo.toml",
        &format!(
            "[package]\nname = \"gamma\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{META}\n\
             [features]\nonly-gamma = []\n\n\
             [dependencies]\nbeta = {{ path = \"../beta\", version = \"0.1.0\", features = [\"serde-like\"] }}\n"
        ),
    );
    support::write(dir, "gamma/src/lib.rs", "");
}

/// A root package under resolver "1" (edition 2018) with a member: command-line features go to
/// the current package only (cargo's "old" behavior).
fn current_package_workspace(dir: &Path) {
    support::write(
        dir,
        "Cargo.toml",
        &format!(
            "[package]\nname = \"root\"\nversion = \"0.1.0\"\nedition = \"2018\"\n{META}\n\
             [features]\nfast = []\n\n[workspace]\nmembers = [\"member\"]\n"
        ),
    );
    support::write(dir, "src/lib.rs", "#[cfg(not(feature = \"fast\"))]\ncompile_error!(\"root needs fast\");\n");
    support::write(
        dir,
        "member/Cargo.toml",
        &format!(
            "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2018\"\n{META}\n\
             [features]\nfast = []\nslow = []\n"
        ),
    );
    support::write(
        dir,
        "member/src/lib.rs",
        "#[cfg(feature = \"fast\")]\ncompile_error!(\"member got fast\");\n\
         #[cfg(not(feature = \"slow\"))]\ncompile_error!(\"member needs slow\");\n",
    );
}

#[test]
fn ws_features_reach_each_packages_verification_build() {
    let sandbox = Sandbox::new("features-build");
    let dir = sandbox.path.join("ws");
    per_package_workspace(&dir);
    // alpha is always packaged with beta, its optional dependency, which it cannot be locked without.
    let cases: &[&[&str]] = &[
        // Without `fast`, alpha's build fails in both.
        &["--allow-dirty", "-p", "alpha", "-p", "beta"],
        &["--allow-dirty", "-p", "alpha", "-p", "beta", "-F", "fast"],
        // `fast` goes to alpha only; beta's `strict` only to beta, with or without its default.
        &["--allow-dirty", "--workspace", "--features", "fast strict"],
        &["--allow-dirty", "--workspace", "-F", "fast,strict", "--no-default-features"],
        &["--allow-dirty", "-p", "beta", "--all-features"],
        // `member/feature`, and a member's own name with `?`.
        &[
            "--allow-dirty",
            "-p",
            "alpha",
            "-p",
            "beta",
            "-F",
            "alpha/fast",
            "-F",
            "beta/strict",
            "--no-default-features",
        ],
        &["--allow-dirty", "-p", "alpha", "-p", "beta", "-F", "fast", "-F", "beta?/strict"],
        // A feature of a dependency is the resolver's to check: accepted here, refused by the build.
        &["--allow-dirty", "-p", "gamma", "-p", "beta", "-F", "beta/serde-lik"],
        &["--allow-dirty", "--no-verify", "-p", "gamma", "-p", "beta", "-F", "beta/serde-lik"],
    ];
    for args in cases {
        let (cargo, seal) = sandbox.both(&dir, "", args);
        assert_same(&cargo, &seal);
    }
    let (cargo, _) = sandbox.both(&dir, "", cases[0]);
    assert!(cargo.stderr().contains("alpha needs fast"), "the guard did not fire: {}", cargo.stderr());
}

#[test]
fn ws_features_unknown_are_refused_as_cargo_refuses_them() {
    let sandbox = Sandbox::new("features-unknown");
    let dir = sandbox.path.join("ws");
    per_package_workspace(&dir);
    let cases: &[&[&str]] = &[
        &["-p", "beta", "-F", "nope"],
        &["--workspace", "-F", "fast,nope,never"],
        // Spelling suggestions: a feature, an optional dependency, a dependency's feature, a
        // member's feature.
        &["-p", "beta", "-F", "strcit"],
        &["-p", "alpha", "-p", "beta", "-F", "bta"],
        &["-p", "gamma", "-p", "beta", "-F", "bet/serde-lik"],
        &["-p", "gamma", "-p", "beta", "-F", "gama/only-gama"],
        // A feature another member has.
        &["-p", "beta", "-F", "only-gamma"],
        &["-p", "beta", "-F", "only-gamma,strict,fast"],
        // Syntax cargo refuses before looking at any package.
        &["-p", "beta", "-F", "dep:beta"],
        &["-p", "beta", "-F", "beta/a/b"],
    ];
    for args in cases {
        let args: Vec<&str> = ["--allow-dirty", "--no-verify"].iter().chain(*args).copied().collect();
        let (cargo, seal) = sandbox.both(&dir, "", &args);
        assert!(!cargo.out.status.success(), "cargo accepted {args:?}");
        assert_same(&cargo, &seal);
    }
    // The same refusal with --list, before any file is listed.
    let (cargo, seal) = sandbox.both(&dir, "", &["--list", "-p", "beta", "-F", "nope"]);
    assert_eq!(seal.out.stdout, cargo.out.stdout);
    assert_same(&cargo, &seal);
}

#[test]
fn ws_features_go_to_the_current_package_under_resolver_1() {
    let sandbox = Sandbox::new("features-current");
    let dir = sandbox.path.join("ws");
    current_package_workspace(&dir);
    let cases: &[(&str, &[&str])] = &[
        // The root is current: `fast` is for it, `member/slow` for the member.
        ("", &["--allow-dirty", "--workspace", "-F", "fast member/slow"]),
        // Without `member/slow` the member's build fails.
        ("", &["--allow-dirty", "--workspace", "-F", "fast"]),
        // From the member's directory, the member is current.
        ("member", &["--allow-dirty", "-F", "slow"]),
        // Nothing is refused up front: the build of the package that lacks the feature fails,
        // and that failure is the cause of "failed to verify package tarball".
        ("", &["--allow-dirty", "--no-verify", "-p", "root", "-F", "nope"]),
        ("", &["--allow-dirty", "-p", "root", "-F", "fast,nope"]),
    ];
    for (cwd, args) in cases {
        let (cargo, seal) = sandbox.both(&dir, cwd, args);
        assert_same(&cargo, &seal);
    }
    let (cargo, _) = sandbox.both(&dir, "", cases[4].1);
    let refusal = format!("package `root v0.1.0 ({})` does not have the feature `nope`", unpacked(&dir));
    assert!(cargo.stderr().contains(&refusal), "no {refusal:?} in\n{}", cargo.stderr());
}

fn unpacked(dir: &Path) -> String {
    dir.join("target/package/root-0.1.0").display().to_string()
}
