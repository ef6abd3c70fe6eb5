//! Options of `cargo package` 1.95 and what they print, each compared with real cargo in the same
//! test: the missing-metadata warning and `--no-metadata`, `--color`, `-Z` on the stable
//! channel, `-q`/`-v` and `CARGO_TERM_QUIET`/`CARGO_TERM_VERBOSE`, the verification build's
//! `--target`, `-j` and `--keep-going`, and a build script that writes into the sources
//! (ARC-VERIFY-SOURCES).

use crate::support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::{Sandbox, Tool};

/// A package in `dir` with no `description` (so cargo warns) and, if given, a build script.
fn write_package(dir: &Path, build_rs: Option<&str>) {
    fs::create_dir_all(dir.join("src")).unwrap();
    let build = if build_rs.is_some() { "build = \"build.rs\"\n" } else { "" };
    fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"opts\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n{build}"),
    )
    .unwrap();
    fs::write(dir.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    if let Some(script) = build_rs {
        fs::write(dir.join("build.rs"), script).unwrap();
    }
}

/// Runs `tool package <args>` in `sandbox/<copy>`, a copy of the package made by `write_package`.
fn package(sandbox: &Sandbox, tool: Tool, copy: &str, build_rs: Option<&str>, args: &[&str]) -> Output {
    package_with(sandbox, tool, copy, build_rs, args, &[])
}

/// As [`package`], with more environment variables.
fn package_with(
    sandbox: &Sandbox,
    tool: Tool,
    copy: &str,
    build_rs: Option<&str>,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let dir = sandbox.path.join(copy);
    if !dir.exists() {
        write_package(&dir, build_rs);
    }
    sandbox.run_in(tool, &dir, args, env)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The lines before the first status line (`   Packaging ...`): the warnings.
fn warnings(out: &Output) -> String {
    stderr(out).lines().take_while(|l| !l.contains("Packaging")).map(|l| format!("{l}\n")).collect()
}

#[test]
fn metadata_warning_and_no_metadata_match_cargo() {
    let sandbox = Sandbox::new("options-metadata");
    let cargo = package(&sandbox, Tool::Cargo, "a", None, &["--no-verify", "--allow-dirty"]);
    let seal = package(&sandbox, Tool::Seal, "b", None, &["--no-verify", "--allow-dirty"]);
    assert!(warnings(&cargo).starts_with("warning: manifest has no description"), "{}", stderr(&cargo));
    assert_eq!(warnings(&seal), warnings(&cargo));

    let cargo = package(&sandbox, Tool::Cargo, "a", None, &["--no-verify", "--allow-dirty", "--no-metadata"]);
    let seal = package(&sandbox, Tool::Seal, "b", None, &["--no-verify", "--allow-dirty", "--no-metadata"]);
    assert!(cargo.status.success() && seal.status.success(), "{}{}", stderr(&cargo), stderr(&seal));
    assert_eq!((warnings(&cargo), warnings(&seal)), (String::new(), String::new()));
}

#[test]
fn color_always_paints_as_cargo() {
    let sandbox = Sandbox::new("options-color");
    let args = ["--no-verify", "--allow-dirty", "--color", "always"];
    let cargo = package(&sandbox, Tool::Cargo, "a", None, &args);
    let seal = package(&sandbox, Tool::Seal, "b", None, &args);
    assert!(warnings(&cargo).contains('\x1b'), "cargo wrote no color: {}", stderr(&cargo));
    assert_eq!(warnings(&seal), warnings(&cargo));
    // Status verbs too: the line up to the package's path, which differs between the copies.
    let verb = |out: &Output| {
        stderr(out).lines().find(|l| l.contains("Packaging")).map(|l| l[..l.find("opts").unwrap()].to_owned())
    };
    assert_eq!(verb(&seal), verb(&cargo));
}

#[test]
fn unstable_flags_are_refused_as_on_stable() {
    let sandbox = Sandbox::new("options-unstable");
    let cargo = package(&sandbox, Tool::Cargo, "a", None, &["--no-verify", "-Zno-index-update"]);
    let seal = package(&sandbox, Tool::Seal, "b", None, &["--no-verify", "-Zno-index-update"]);
    assert!(!cargo.status.success() && !seal.status.success(), "{}{}", stderr(&cargo), stderr(&seal));
    assert!(stderr(&cargo).contains("nightly channel"), "{}", stderr(&cargo));
    assert_eq!(stderr(&seal), stderr(&cargo));
    assert!(support::crates_in(&sandbox.path.join("b/target")).is_empty(), "a refused run wrote a .crate");
}

#[test]
fn build_options_reach_the_verification_build() {
    let sandbox = Sandbox::new("options-build");
    let host = Command::new("rustc").arg("-vV").output().unwrap();
    let host = String::from_utf8_lossy(&host.stdout);
    let host = host.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc -vV names the host").to_owned();
    let args = ["--allow-dirty", "--target", host.as_str(), "-j", "1", "--keep-going"];
    let cargo = package(&sandbox, Tool::Cargo, "a", None, &args);
    let seal = package(&sandbox, Tool::Seal, "b", None, &args);
    assert!(cargo.status.success() && seal.status.success(), "{}{}", stderr(&cargo), stderr(&seal));
    let name = "target/package/opts-0.1.0.crate";
    assert!(
        fs::read(sandbox.path.join("a").join(name)).unwrap() == fs::read(sandbox.path.join("b").join(name)).unwrap()
    );
    // The build ran for that target: its output is under `target/<triple>/`.
    assert!(sandbox.path.join("b/target").join(&host).is_dir(), "no build for {host}");
    // `CARGO_BUILD_TARGET` reaches it as well.
    let env = [("CARGO_BUILD_TARGET", host.as_str())];
    let cargo = package_with(&sandbox, Tool::Cargo, "e", None, &["--allow-dirty"], &env);
    let seal = package_with(&sandbox, Tool::Seal, "f", None, &["--allow-dirty"], &env);
    assert!(cargo.status.success() && seal.status.success(), "{}{}", stderr(&cargo), stderr(&seal));
    for copy in ["e", "f"] {
        assert!(sandbox.path.join(copy).join("target").join(&host).is_dir(), "{copy}: no build for {host}");
    }

    // An invalid value fails the verification, as in cargo, and leaves no archive.
    let cargo = package(&sandbox, Tool::Cargo, "c", None, &["--allow-dirty", "-j", "0"]);
    let seal = package(&sandbox, Tool::Seal, "d", None, &["--allow-dirty", "-j", "0"]);
    assert!(!cargo.status.success() && !seal.status.success(), "{}{}", stderr(&cargo), stderr(&seal));
    let failure =
        |out: &Output| stderr(out).lines().skip_while(|l| !l.starts_with("error")).collect::<Vec<_>>().join("\n");
    assert_eq!(failure(&cargo), "error: failed to verify package tarball\n\nCaused by:\n  jobs may not be 0");
    assert_eq!(failure(&seal), failure(&cargo));
    assert!(support::crates_in(&sandbox.path.join("d/target")).is_empty());
}

#[test]
fn build_script_writing_sources_fails_as_cargo_does() {
    // VERIFY-SOURCES: the build script adds a file to `src/` of the unpacked archive.
    let script = "fn main() {\n    let dir = std::env::var(\"CARGO_MANIFEST_DIR\").unwrap();\n    \
                  std::fs::write(format!(\"{dir}/src/generated.rs\"), \"\").unwrap();\n}\n";
    let sandbox = Sandbox::new("options-sources");
    let cargo = package(&sandbox, Tool::Cargo, "a", Some(script), &["--allow-dirty"]);
    let seal = package(&sandbox, Tool::Seal, "b", Some(script), &["--allow-dirty"]);
    for (out, copy) in [(&cargo, "a"), (&seal, "b")] {
        let text = stderr(out);
        assert!(!out.status.success(), "{text}");
        let unpacked = sandbox.path.join(copy).join("target/package/opts-0.1.0");
        let report = format!(
            "error: failed to verify package tarball\n\nCaused by:\n  Source directory was modified by build.rs \
             during cargo publish. Build scripts should not modify anything outside of OUT_DIR.\n  Added: {}\n",
            unpacked.join("src/generated.rs").display()
        );
        assert!(text.contains(&report), "expected\n{report}\nin\n{text}");
        assert!(text.contains("To proceed despite this, pass the `--no-verify` flag."), "{text}");
        assert!(support::crates_in(&sandbox.path.join(copy).join("target")).is_empty(), "{copy} left a .crate");
    }
}

#[test]
fn verbosity_follows_flags_and_variables_as_cargo() {
    let sandbox = Sandbox::new("options-verbosity");
    let run = |tool, copy, args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["--no-verify", "--allow-dirty"];
        all.extend(args);
        package_with(&sandbox, tool, copy, None, &all, env)
    };
    // Both flags at once: the same refusal.
    let (cargo, seal) = (run(Tool::Cargo, "a", &["-q", "-v"], &[]), run(Tool::Seal, "b", &["-q", "-v"], &[]));
    assert!(!cargo.status.success() && !seal.status.success(), "{}{}", stderr(&cargo), stderr(&seal));
    assert_eq!(stderr(&seal), stderr(&cargo));
    // `term.quiet` from the environment: nothing at all.
    let quiet = [("CARGO_TERM_QUIET", "true")];
    let (cargo, seal) = (run(Tool::Cargo, "a", &[], &quiet), run(Tool::Seal, "b", &[], &quiet));
    assert!(cargo.status.success() && seal.status.success(), "{}{}", stderr(&cargo), stderr(&seal));
    assert_eq!((stderr(&cargo), stderr(&seal)), (String::new(), String::new()));
    // `term.verbose`: every archived file named, and a flag still wins over the variable.
    let archiving =
        |out: &Output| stderr(out).lines().filter(|l| l.contains("Archiving")).map(str::to_owned).collect::<Vec<_>>();
    let verbose = [("CARGO_TERM_VERBOSE", "true")];
    let (cargo, seal) = (run(Tool::Cargo, "a", &[], &verbose), run(Tool::Seal, "b", &[], &verbose));
    assert!(archiving(&cargo).len() > 3, "{}", stderr(&cargo));
    assert_eq!(archiving(&seal), archiving(&cargo));
    let (cargo, seal) = (run(Tool::Cargo, "a", &["-v"], &quiet), run(Tool::Seal, "b", &["-v"], &quiet));
    assert!(!archiving(&cargo).is_empty());
    assert_eq!(archiving(&seal), archiving(&cargo));
}

/// A virtual workspace with members `glob-a`, `glob-b` and `other` in `dir`.
fn write_workspace(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = [\"glob-a\", \"glob-b\", \"other\"]\nresolver = \"2\"\n")
        .unwrap();
    for member in ["glob-a", "glob-b", "other"] {
        write_package(&dir.join(member), None);
        let manifest = fs::read_to_string(dir.join(member).join("Cargo.toml")).unwrap();
        fs::write(dir.join(member).join("Cargo.toml"), manifest.replace("\"opts\"", &format!("\"{member}\""))).unwrap();
    }
}

#[test]
fn package_patterns_select_as_cargo() {
    // WS-SPEC: a `-p`/`--exclude` argument that is no package-id spec but has `*`, `?`, `[` or
    // `]` is a glob over member names; one that matches nothing is an error for `-p` and a
    // warning for `--exclude`, in cargo's words.
    let sandbox = Sandbox::new("options-patterns");
    write_workspace(&sandbox.path.join("a"));
    write_workspace(&sandbox.path.join("b"));
    let cases: [&[&str]; 4] = [
        &["-p", "glob-*", "--list"],
        &["-p", "zzz*", "--list"],
        &["-p", "[", "--list"],
        &["--workspace", "--exclude", "glob-?", "--exclude", "zz*", "--exclude", "nope", "--list"],
    ];
    for args in cases {
        let cargo = package(&sandbox, Tool::Cargo, "a", None, args);
        let seal = package(&sandbox, Tool::Seal, "b", None, args);
        let shown = |out: &Output, copy: &str| {
            let dir = sandbox.path.join(copy).display().to_string();
            let err: String =
                stderr(out).lines().filter(|l| !l.contains("Packaging")).map(|l| format!("{l}\n")).collect();
            (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), err.replace(&dir, "<ws>"))
        };
        assert_eq!(shown(&seal, "b"), shown(&cargo, "a"), "{args:?}");
    }
}

#[test]
fn message_format_needs_list_as_in_cargo() {
    let sandbox = Sandbox::new("options-message-format");
    let args = ["--no-verify", "--message-format", "json"];
    let cargo = package(&sandbox, Tool::Cargo, "a", None, &args);
    let seal = package(&sandbox, Tool::Seal, "b", None, &args);
    assert!(!cargo.status.success() && !seal.status.success(), "{}{}", stderr(&cargo), stderr(&seal));
    let first_lines = |out: &Output| stderr(out).lines().take(2).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(first_lines(&seal), ["error: the following required arguments were not provided:", "  --list"]);
    assert_eq!(first_lines(&seal), first_lines(&cargo));
}

#[test]
fn verification_build_speaks_as_cargo() {
    // ARC-VERIFY: the build's own messages (`Compiling`, `Finished`) reach the user as they do
    // from `cargo package`, quiet with `-q`.
    let sandbox = Sandbox::new("options-build-output");
    let normalized = |out: &Output, copy: &str| {
        let dir = sandbox.path.join(copy).display().to_string();
        let text = stderr(out).replace(&dir, "<pkg>");
        // Another test's cargo may hold the package cache for a moment.
        text.lines()
            .filter(|line| !line.contains("Blocking waiting for file lock"))
            .map(|line| match line.find(" target(s) in ") {
                Some(at) => format!("{} target(s) in <time>\n", &line[..at]),
                None => format!("{line}\n"),
            })
            .collect::<String>()
    };
    for args in [&["--allow-dirty", "--no-metadata"][..], &["--allow-dirty", "-q"]] {
        let cargo = package(&sandbox, Tool::Cargo, "a", None, args);
        let seal = package(&sandbox, Tool::Seal, "b", None, args);
        assert!(cargo.status.success() && seal.status.success(), "{}{}", stderr(&cargo), stderr(&seal));
        assert_eq!(normalized(&seal, "b"), normalized(&cargo, "a"), "{args:?}");
    }
}

#[test]
fn verification_builds_siblings_as_made_in_this_run() {
    // LOCK-SIBLINGS: the verification build of `user` unpacks `lib`, made in the same run, from
    // the temporary registry into cargo's registry sources, where cargo keeps it. After `lib`
    // changes, cargo 1.95 builds `user` against the copy unpacked by the earlier run and fails;
    // cargo-seal replaces that copy when it adds `lib` to the registry.
    let sandbox = Sandbox::new("options-siblings");
    let write_ws = |dir: &Path, lib_fn: &str| {
        fs::create_dir_all(dir.join("lib/src")).unwrap();
        fs::create_dir_all(dir.join("user/src")).unwrap();
        fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = [\"lib\", \"user\"]\nresolver = \"2\"\n").unwrap();
        let meta = "edition = \"2021\"\nlicense = \"MIT\"\ndescription = \"d\"\n";
        fs::write(dir.join("lib/Cargo.toml"), format!("[package]\nname = \"lib\"\nversion = \"0.1.0\"\n{meta}"))
            .unwrap();
        fs::write(
            dir.join("user/Cargo.toml"),
            format!(
                "[package]\nname = \"user\"\nversion = \"0.1.0\"\n{meta}\n[dependencies]\n\
                 lib = {{ path = \"../lib\", version = \"0.1.0\" }}\n"
            ),
        )
        .unwrap();
        fs::write(dir.join("lib/src/lib.rs"), format!("pub fn {lib_fn}() {{}}\n")).unwrap();
        fs::write(dir.join("user/src/lib.rs"), format!("pub fn f() {{ lib::{lib_fn}() }}\n")).unwrap();
    };
    for (tool, copy) in [(Tool::Cargo, "a"), (Tool::Seal, "b")] {
        let dir = sandbox.path.join(copy);
        write_ws(&dir, "first");
        let out = sandbox.run_in(tool, &dir, &["--workspace", "--allow-dirty"], &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        write_ws(&dir, "second");
        let out = sandbox.run_in(tool, &dir, &["--workspace", "--allow-dirty"], &[]);
        if tool == Tool::Cargo {
            assert!(stderr(&out).contains("cannot find function `second`"), "{}", stderr(&out));
        } else {
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
}

#[test]
fn config_values_are_read_and_passed_on_as_cargo_reads_them() {
    let sandbox = Sandbox::new("options-config");
    // `build.target-dir` decides where the archive goes; `term.verbose` lists the archived files.
    let args =
        ["--no-verify", "--allow-dirty", "--config", "build.target-dir=\"out\"", "--config", "term.verbose=true"];
    let cargo = package(&sandbox, Tool::Cargo, "a", None, &args);
    let seal = package(&sandbox, Tool::Seal, "b", None, &args);
    assert!(cargo.status.success() && seal.status.success(), "{}{}", stderr(&cargo), stderr(&seal));
    let name = "out/package/opts-0.1.0.crate";
    let (a, b) = (fs::read(sandbox.path.join("a").join(name)), fs::read(sandbox.path.join("b").join(name)));
    assert!(a.is_ok() && a.ok() == b.ok(), "different or missing archives");
    let archiving = |out: &Output| stderr(out).lines().filter(|l| l.contains("Archiving")).count();
    assert!(archiving(&cargo) > 2 && archiving(&seal) == archiving(&cargo), "{}", stderr(&seal));
    // A value that is neither `KEY=VALUE` nor a file: cargo's refusal.
    let cargo = package(&sandbox, Tool::Cargo, "a", None, &["--no-verify", "--config", "nope"]);
    let seal = package(&sandbox, Tool::Seal, "b", None, &["--no-verify", "--config", "nope"]);
    assert!(!cargo.status.success() && !seal.status.success());
    assert!(stderr(&cargo).contains("--config"), "{}", stderr(&cargo));
    assert_eq!(stderr(&seal), stderr(&cargo));
}

#[test]
fn lock_and_selection_refusals_match_cargo() {
    let sandbox = Sandbox::new("options-refusals");
    // A lock file that names another version of the package: stale.
    let stale = "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\n\
                 version = 4\n\n[[package]]\nname = \"opts\"\nversion = \"0.0.9\"\n";
    let cases: [&[&str]; 4] = [
        &["--no-verify", "--allow-dirty", "--locked"],
        &["--no-verify", "--allow-dirty", "--frozen"],
        &["--no-verify", "--allow-dirty", "--exclude", "opts"],
        &["--no-verify", "--allow-dirty", "--offline"],
    ];
    for args in cases {
        for copy in ["a", "b"] {
            write_package(&sandbox.path.join(copy), None);
            fs::write(sandbox.path.join(copy).join("Cargo.lock"), stale).unwrap();
        }
        let cargo = package(&sandbox, Tool::Cargo, "a", None, args);
        let seal = package(&sandbox, Tool::Seal, "b", None, args);
        let error = |out: &Output, copy: &str| {
            let text = stderr(out).replace(&sandbox.path.join(copy).display().to_string(), "<pkg>");
            text.find("error:").map(|at| text[at..].to_owned())
        };
        // Only `--offline` may bring the stale lock up to date.
        assert_eq!(cargo.status.success(), args.contains(&"--offline"), "{args:?}\n{}", stderr(&cargo));
        assert_eq!(cargo.status.success(), seal.status.success(), "{args:?}\n{}{}", stderr(&cargo), stderr(&seal));
        assert_eq!(error(&seal, "b"), error(&cargo, "a"), "{args:?}");
        if cargo.status.success() {
            let name = "target/package/opts-0.1.0.crate";
            assert!(
                fs::read(sandbox.path.join("a").join(name)).unwrap()
                    == fs::read(sandbox.path.join("b").join(name)).unwrap()
            );
        }
    }
}
