//! The registry a run packages for (WS-PUBLISH-TO): `--registry`, `--index`, `registry.default`,
//! what `publish` lists agree on, and registries named in cargo's configuration files, `--config`
//! and `CARGO_REGISTRIES_<NAME>_INDEX`, each compared with real cargo 1.95 in the same test. Both
//! tools run in turn in the same directory, with a cargo home of their own, against a git index
//! served by path (`file://`).

use crate::support;

use std::path::Path;

use crate::support::{Sandbox, assert_same, write};

const META: &str = "edition = \"2021\"\nlicense = \"MIT\"\ndescription = \"d\"\nrepository = \"https://example.com\"\n";

/// An empty registry index: a git repository holding `config.json`.
fn git_index(dir: &Path) {
    write(dir, "config.json", "{\"dl\": \"file:///nowhere/{crate}-{version}.crate\"}");
    for args in [&["init", "-q"][..], &["add", "config.json"], &["commit", "-q", "-m", "index"]] {
        support::git(dir, args);
    }
}

/// A workspace of `lib` and `user` (which depends on `lib` from the registry `my`), both
/// `publish = <publish>`, and `free`, which names no registry and depends on nothing.
fn workspace(dir: &Path, lib_publish: &str, user_publish: &str) {
    write(dir, "Cargo.toml", "[workspace]\nmembers = [\"lib\", \"user\", \"free\"]\nresolver = \"2\"\n");
    write(
        dir,
        "lib/Cargo.toml",
        &format!("[package]\nname = \"lib\"\nversion = \"0.1.0\"\n{META}publish = {lib_publish}\n"),
    );
    write(dir, "lib/src/lib.rs", "pub fn f() {}\n");
    write(
        dir,
        "user/Cargo.toml",
        &format!(
            "[package]\nname = \"user\"\nversion = \"0.1.0\"\n{META}publish = {user_publish}\n\n[dependencies]\n\
             lib = {{ path = \"../lib\", version = \"0.1.0\", registry = \"my\" }}\n"
        ),
    );
    write(dir, "user/src/lib.rs", "pub fn g() { lib::f() }\n");
    write(dir, "free/Cargo.toml", &format!("[package]\nname = \"free\"\nversion = \"0.1.0\"\n{META}"));
    write(dir, "free/src/lib.rs", "");
}

struct Setup {
    sandbox: Sandbox,
    dir: std::path::PathBuf,
    index: String,
    home: String,
}

fn setup(name: &str, lib_publish: &str, user_publish: &str) -> Setup {
    let sandbox = Sandbox::new(name);
    let index_dir = sandbox.path.join("index");
    git_index(&index_dir);
    let dir = sandbox.path.join("ws");
    workspace(&dir, lib_publish, user_publish);
    let index = url::Url::from_directory_path(&index_dir).unwrap().as_str().trim_end_matches('/').to_owned();
    let home = sandbox.path.join("cargo-home").display().to_string();
    Setup { sandbox, dir, index, home }
}

impl Setup {
    /// Runs both tools with `args`, the registry `my` named by `--config`.
    fn check(&self, args: &[&str]) {
        let config = format!("registries.my.index=\"{}\"", self.index);
        let mut all = vec!["--allow-dirty", "--config", &config];
        all.extend(args);
        let (cargo, seal) = self.sandbox.both_with(&self.dir, "", &all, &[("CARGO_HOME", &self.home)]);
        assert_same(&cargo, &seal);
    }
}

#[test]
fn ws_publish_to_the_registry_the_packages_name() {
    let setup = setup("registry-inferred", "[\"my\"]", "[\"my\"]");
    // Inferred from `publish`, named, by index URL, and by `registry.default`: `user` locks `lib`
    // as a package of `my`, with the checksum of the `.crate` just made, and builds against it.
    setup.check(&["-p", "lib", "-p", "user"]);
    setup.check(&["-p", "lib", "-p", "user", "--no-verify", "--registry", "my"]);
    let index = format!("--index={}", setup.index);
    setup.check(&["-p", "lib", "-p", "user", "--no-verify", &index]);
    setup.check(&["-p", "free", "--no-verify", "--config", "registry.default=\"my\""]);
    // Refused: a registry a `publish` list leaves out, an unknown one, an invalid name, packages
    // whose `publish` lists disagree, and both flags at once.
    setup.check(&["--workspace", "--no-verify", "--registry", "crates-io"]);
    setup.check(&["-p", "free", "--no-verify", "--registry", "nope"]);
    setup.check(&["-p", "free", "--no-verify", "--config", "registry.default=\"nope\""]);
    setup.check(&["-p", "free", "--no-verify", "--registry", "no!pe"]);
    setup.check(&["--workspace", "--no-verify"]);
    let (cargo, seal) = setup.sandbox.both(&setup.dir, "", &["-p", "free", "--registry", "my", &index]);
    let first_line = |run: &support::Run| run.stderr().lines().next().map(str::to_owned);
    assert!(!cargo.out.status.success() && !seal.out.status.success());
    assert_eq!(first_line(&seal), first_line(&cargo), "usage lines name each tool");
    // `--list` chooses no registry.
    let config = format!("registries.my.index=\"{}\"", setup.index);
    let list = ["--list", "--workspace", "--registry", "nope", "--config", &config];
    let (cargo, seal) = setup.sandbox.both(&setup.dir, "", &list);
    assert!(cargo.out.status.success() && seal.out.status.success(), "{}{}", cargo.stderr(), seal.stderr());
    assert_eq!(seal.out.stdout, cargo.out.stdout);
}

#[test]
fn ws_publish_to_refuses_publish_lists_that_do_not_agree() {
    let setup = setup("registry-disagree", "[\"my\"]", "[\"my\", \"other\"]");
    setup.check(&["-p", "lib", "-p", "user", "--no-verify"]);
    setup.check(&["-p", "lib", "-p", "user", "--no-verify", "--registry", "other"]);
    let setup = self::setup("registry-conflict", "[\"other\"]", "[\"my\"]");
    setup.check(&["-p", "lib", "-p", "user", "--no-verify"]);
    let setup = self::setup("registry-ambiguous", "[\"my\", \"other\"]", "[\"my\", \"other\"]");
    setup.check(&["-p", "lib", "-p", "user", "--no-verify"]);
}

#[test]
fn ws_publish_to_reads_registries_from_files_and_the_environment() {
    let setup = setup("registry-config", "[\"my\"]", "[\"my\"]");
    let args = ["--allow-dirty", "--no-verify", "-p", "lib", "-p", "user"];
    let home = ("CARGO_HOME", setup.home.as_str());
    // From a configuration file in the workspace.
    write(&setup.dir, ".cargo/config.toml", &format!("[registries.my]\nindex = \"{}\"\n", setup.index));
    let (cargo, seal) = setup.sandbox.both_with(&setup.dir, "", &args, &[home]);
    assert!(cargo.out.status.success(), "{}", cargo.stderr());
    assert_same(&cargo, &seal);
    std::fs::remove_dir_all(setup.dir.join(".cargo")).unwrap();
    // From the environment, and from a `--config` file.
    let env = [home, ("CARGO_REGISTRIES_MY_INDEX", setup.index.as_str())];
    let (cargo, seal) = setup.sandbox.both_with(&setup.dir, "", &args, &env);
    assert_same(&cargo, &seal);
    let file = setup.sandbox.path.join("extra.toml");
    std::fs::write(&file, format!("[registries.my]\nindex = \"{}\"\n", setup.index)).unwrap();
    let mut with_file = args.to_vec();
    with_file.extend(["--config", file.to_str().unwrap()]);
    let (cargo, seal) = setup.sandbox.both_with(&setup.dir, "", &with_file, &[home]);
    assert_same(&cargo, &seal);
}
