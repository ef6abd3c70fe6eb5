//! Hostile repositories (spec: `SEC-*`, `SEC-VECTORS`): one repository per vector, packaged,
//! then verified with `verify`, `audit` and `verify-attestation --repo`. Each vector names a
//! canary program (which logs any run to a file of its own) or reads a canary file (whose
//! contents must appear in no output). Every run: no canary run, no canary contents in standard
//! output or error, the verdict the bytes allow, and the ignored configuration named. Where a
//! vector can fire under a naive `cargo` run in the repository, a control shows that it does, so
//! that the test cannot pass because the vector is dead. `--fetch` is tested against `git daemon`
//! on the loopback interface (`MIR-LIMITS`, `MIR-CLONE`).

use crate::support;

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Sandbox, git};

/// What no output may contain: the contents of the verifier's canary file.
const SECRET: &str = "CANARY-SECRET-7f3a91";

/// What a vector's rebuild may conclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Nothing of the vector changes a byte.
    Identical,
    /// The rebuild lacks a file the vector kept from it (`differs`).
    Differs,
    /// The rebuild is refused, naming this manifest key (`SEC-PATHS`).
    Refused(&'static str),
}

/// How a naive cargo run shows the vector is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    /// `cargo metadata` in the package's directory, with the user's toolchain pinned.
    Metadata,
    /// `cargo metadata` there through rustup's proxy, nothing pinned.
    Unpinned,
}

struct Vector {
    name: &'static str,
    /// The package's directory in the repository (`""`: the root).
    dir: &'static str,
    /// Files written before the commit: path, text (`{canary}`, `{secret}`, `{include}` replaced).
    files: &'static [(&'static str, &'static str)],
    /// Done to the repository after the commit, before packaging (links, submodules).
    after: Option<fn(&Path, &Paths)>,
    /// Done to the repository after packaging (its git configuration and hooks).
    configure: Option<fn(&Path, &Paths)>,
    expect: Expect,
    /// A key the report must name as ignored.
    named: Option<&'static str>,
    control: Option<Control>,
}

/// Where the canaries are.
struct Paths {
    /// The vector's canary program, and the log it writes when run.
    canary: PathBuf,
    log: PathBuf,
    /// The verifier's file, holding [`SECRET`].
    secret: PathBuf,
    /// A configuration file of the verifier's that sets the canary as `rustc-wrapper`.
    include: PathBuf,
}

const LIB: (&str, &str) = ("src/lib.rs", "pub fn f() {}\n");

fn vectors() -> Vec<Vector> {
    let config = |name, text| Vector {
        name,
        dir: "",
        files: text,
        after: None,
        configure: None,
        expect: Expect::Identical,
        named: None,
        control: None,
    };
    vec![
        Vector {
            named: Some("build.rustc"),
            control: Some(Control::Metadata),
            ..config("rustc", &[(".cargo/config.toml", "[build]\nrustc = \"{canary}\"\n")])
        },
        Vector {
            named: Some("build.rustc-wrapper"),
            control: Some(Control::Metadata),
            ..config("rustc-wrapper", &[(".cargo/config.toml", "[build]\nrustc-wrapper = \"{canary}\"\n")])
        },
        Vector {
            named: Some("build.rustc-workspace-wrapper"),
            ..config(
                "workspace-wrapper",
                &[(".cargo/config.toml", "[build]\nrustc-workspace-wrapper = \"{canary}\"\n")],
            )
        },
        Vector {
            named: Some("build.rustdoc"),
            ..config("rustdoc", &[(".cargo/config.toml", "[build]\nrustdoc = \"{canary}\"\n")])
        },
        Vector {
            named: Some("target.x86_64-unknown-linux-gnu.linker"),
            ..config(
                "linker",
                &[(
                    ".cargo/config.toml",
                    "[target.x86_64-unknown-linux-gnu]\nlinker = \"{canary}\"\nrunner = \"{canary}\"\n",
                )],
            )
        },
        Vector {
            named: Some("target.cfg(unix).runner"),
            ..config("runner", &[(".cargo/config.toml", "[target.'cfg(unix)']\nrunner = [\"{canary}\"]\n")])
        },
        Vector {
            named: Some("registry.credential-provider"),
            ..config(
                "credential",
                &[(
                    ".cargo/config.toml",
                    "[registry]\ncredential-provider = [\"{canary}\"]\nglobal-credential-providers = [\"{canary}\"]\n",
                )],
            )
        },
        Vector {
            named: Some("env.RUSTC_WRAPPER"),
            ..config(
                "env",
                &[(
                    ".cargo/config.toml",
                    "[env]\nRUSTC_WRAPPER = \"{canary}\"\nSECRET = { value = \"{secret}\", relative = true }\n",
                )],
            )
        },
        Vector {
            named: Some("doc.browser"),
            ..config(
                "more-programs",
                &[(
                    ".cargo/config.toml",
                    "[doc]\nbrowser = \"{canary}\"\n[credential-alias]\nmine = [\"{canary}\"]\n[alias]\nclean = \"run\"\n\
                     metadata = [\"run\", \"--\"]\n[target.x86_64-unknown-linux-gnu]\nar = \"{canary}\"\n",
                )],
            )
        },
        Vector {
            named: Some("paths"),
            ..config("path-overrides", &[(".cargo/config.toml", "paths = [\"{secret_crate}\"]\n")])
        },
        Vector {
            named: Some("source.verifier.directory"),
            ..config(
                "source-replacement",
                &[(
                    ".cargo/config.toml",
                    "[source.crates-io]\nreplace-with = \"verifier\"\n[source.verifier]\ndirectory = \"{secret_dir}\"\n",
                )],
            )
        },
        Vector {
            named: Some("registries.verifier.index"),
            ..config(
                "registry-file-index",
                &[(".cargo/config.toml", "[registries.verifier]\nindex = \"file://{secret_dir}\"\n")],
            )
        },
        Vector {
            expect: Expect::Refused("patch.crates-io.outside.path"),
            ..config(
                "patch-outside",
                &[(".cargo/config.toml", "[patch.crates-io]\noutside = { path = \"{secret_crate}\" }\n")],
            )
        },
        Vector {
            named: Some("include"),
            control: Some(Control::Metadata),
            ..config("include", &[(".cargo/config.toml", "include = [\"{include}\"]\n")])
        },
        Vector {
            named: Some("build.rustc-wrapper"),
            control: Some(Control::Metadata),
            ..config("legacy-config", &[(".cargo/config", "[build]\nrustc-wrapper = \"{canary}\"\n")])
        },
        Vector {
            dir: "pkg",
            named: Some("build.rustc-wrapper"),
            control: Some(Control::Metadata),
            ..config("package-config", &[("pkg/.cargo/config.toml", "[build]\nrustc-wrapper = \"{canary}\"\n")])
        },
        config("toolchain-channel", &[("rust-toolchain.toml", "[toolchain]\nchannel = \"nightly-2019-01-01\"\n")]),
        Vector {
            control: Some(Control::Unpinned),
            ..config("toolchain-path", &[("rust-toolchain.toml", "[toolchain]\npath = \"{toolchain}\"\n")])
        },
        config("toolchain-legacy", &[("rust-toolchain", "nightly-2019-01-01\n")]),
        Vector {
            configure: Some(git_programs),
            ..config("git-filters", &[(".gitattributes", "* filter=canary diff=canary\n")])
        },
        Vector {
            dir: "pkg",
            after: Some(ext_submodule),
            ..config(
                "submodule-ext",
                &[(".gitmodules", "[submodule \"evil\"]\n\tpath = pkg/vendor/evil\n\turl = ext::{canary} %G\n")],
            )
        },
        Vector {
            expect: Expect::Refused("dev-dependencies.outside.path"),
            ..config(
                "path-dependency",
                &[("Cargo.toml", "[dev-dependencies]\noutside = { path = \"{secret_crate}\" }\n")],
            )
        },
        Vector {
            expect: Expect::Refused("package.readme"),
            ..config("readme", &[("Cargo.toml", "readme = \"{secret}\"\n")])
        },
        Vector {
            expect: Expect::Refused("package.license-file"),
            ..config("license-file", &[("Cargo.toml", "license-file = \"../../../../../../../../../..{secret}\"\n")])
        },
        Vector { expect: Expect::Differs, after: Some(link_out), ..config("link", &[]) },
    ]
}

/// `.gitattributes` select a filter and a diff driver that the repository's own configuration,
/// and the user's, define as the canary; `core.fsmonitor` and a hook name it too.
fn git_programs(repo: &Path, paths: &Paths) {
    let canary = paths.canary.display();
    let mut config = std::fs::OpenOptions::new().append(true).open(repo.join(".git/config")).unwrap();
    let programs = format!(
        "[filter \"canary\"]\n\tclean = {canary}\n\tsmudge = {canary}\n\tprocess = {canary}\n\trequired = true\n\
         [diff \"canary\"]\n\ttextconv = {canary}\n[core]\n\tfsmonitor = {canary}\n\thooksPath = hooks\n\
         [include]\n\tpath = {}\n",
        paths.secret.display()
    );
    std::io::Write::write_all(&mut config, programs.as_bytes()).unwrap();
    for hook in ["post-checkout", "pre-commit", "reference-transaction"] {
        let hook = repo.join(".git/hooks").join(hook);
        std::fs::write(&hook, format!("#!/bin/sh\nexec {canary} \"$@\"\n")).unwrap();
        make_executable(&hook);
    }
}

/// A gitlink in the package whose `.gitmodules` URL is an `ext::` transport.
fn ext_submodule(repo: &Path, _: &Paths) {
    let head = git(repo, &["rev-parse", "HEAD"]);
    git(repo, &["update-index", "--add", "--cacheinfo", &format!("160000,{head},pkg/vendor/evil")]);
    git(repo, &["commit", "-q", "-m", "a submodule"]);
}

/// A file of the package that is a link to the verifier's file.
fn link_out(repo: &Path, paths: &Paths) {
    std::os::unix::fs::symlink(&paths.secret, repo.join("src/leak.txt")).unwrap();
    git(repo, &["add", "src/leak.txt"]);
    git(repo, &["commit", "-q", "-m", "a link"]);
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The sandbox: canaries, a private cargo home whose download cache holds the crates, the
/// repositories and their crates.
struct World {
    sandbox: Sandbox,
    home: PathBuf,
    secret: PathBuf,
    global_git: PathBuf,
    key: PathBuf,
}

const CACHE: &str = "registry/cache/index.crates.io-1949cf8c6b5b557f";

impl World {
    fn new() -> World {
        let sandbox = Sandbox::new("hostile-repos");
        let root = sandbox.path.clone();
        let home = root.join("cargo-home");
        std::fs::create_dir_all(home.join(CACHE)).unwrap();
        std::fs::create_dir_all(root.join("canary")).unwrap();
        let secret = root.join("verifier/secret.txt");
        std::fs::create_dir_all(secret.parent().unwrap()).unwrap();
        std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
        // The user's own git configuration defines the filter too: the repository's attributes
        // must not select it (`SEC-GIT`).
        let global_git = root.join("verifier/gitconfig");
        let key = root.join("verifier/key.pem");
        let world = World { sandbox, home, secret, global_git, key };
        let user = world.paths("user-git");
        let canary = user.canary.display();
        std::fs::write(
            &world.global_git,
            format!("[filter \"canary\"]\n\tclean = {canary}\n\tsmudge = {canary}\n[diff \"canary\"]\n\ttextconv = {canary}\n"),
        )
        .unwrap();
        let made = world.seal(&root, &["keygen".as_ref(), world.key.as_os_str()]);
        assert!(made.status.success(), "{}", support::describe("keygen", &made));
        world
    }

    fn paths(&self, vector: &str) -> Paths {
        let dir = self.sandbox.path.join("canary");
        let (canary, log) = (dir.join(format!("{vector}.sh")), dir.join(format!("{vector}.log")));
        // Logs its run, then passes through: a filter's input to its output, a wrapper's command.
        let script = format!(
            "#!/bin/sh\necho \"$0 $*\" >> {}\nif [ $# -gt 0 ]; then exec \"$@\"; else exec cat; fi\n",
            log.display()
        );
        std::fs::write(&canary, script).unwrap();
        make_executable(&canary);
        let include = dir.join(format!("{vector}-include.toml"));
        std::fs::write(&include, format!("# {SECRET}\n[build]\nrustc-wrapper = \"{}\"\n", canary.display())).unwrap();
        Paths { canary, log, secret: self.secret.clone(), include }
    }

    /// A toolchain directory whose `cargo` and `rustc` are the canary (rustup's `path` toolchain).
    fn toolchain(&self, paths: &Paths) -> PathBuf {
        let dir = paths.canary.with_extension("toolchain");
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        for tool in ["cargo", "rustc"] {
            std::fs::copy(&paths.canary, dir.join("bin").join(tool)).unwrap();
        }
        dir
    }

    /// The repository of `vector`, committed, with its crate packaged (from outside it, so that
    /// nothing of it runs here either) and put in the download cache. Returns the repository
    /// and the crate.
    fn publish(&self, vector: &Vector) -> (PathBuf, PathBuf) {
        let paths = self.paths(vector.name);
        let name = format!("victim-{}", vector.name);
        let repo = self.sandbox.path.join("repos").join(vector.name);
        let package = repo.join(vector.dir);
        let secret_crate = self.sandbox.path.join("verifier/secret-crate");
        support::write(
            &secret_crate,
            "Cargo.toml",
            &format!("[package]\nname = \"outside\"\nversion = \"0.1.0\"\ndescription = \"{SECRET}\"\n"),
        );
        support::write(&secret_crate, "src/lib.rs", "");
        let toolchain = if vector.control == Some(Control::Unpinned) { self.toolchain(&paths) } else { PathBuf::new() };
        let fill = |text: &str| {
            text.replace("{canary}", &paths.canary.to_string_lossy())
                .replace("{secret_crate}", &secret_crate.to_string_lossy())
                .replace("{secret_dir}", &paths.secret.parent().unwrap().to_string_lossy())
                .replace("{secret}", &paths.secret.to_string_lossy())
                .replace("{include}", &paths.include.to_string_lossy())
                .replace("{toolchain}", &toolchain.to_string_lossy())
        };
        let mut manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"d\"\n"
        );
        for (rel, text) in vector.files {
            match *rel {
                // Keys of the package table, or tables after it.
                "Cargo.toml" => manifest.push_str(&fill(text)),
                _ => support::write(&repo, rel, &fill(text)),
            }
        }
        support::write(&package, "Cargo.toml", &manifest);
        support::write(&package, LIB.0, LIB.1);
        if vector.name == "readme" {
            // What the publisher's machine held at that path: packaged, then replaced by the
            // verifier's secret.
            std::fs::write(&paths.secret, "the publisher's readme\n").unwrap();
        }
        git(&repo, &["init", "-q", "-b", "main"]);
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", "release"]);
        if let Some(after) = vector.after {
            if vector.name == "link" {
                std::fs::write(&paths.secret, "the publisher's file\n").unwrap();
            }
            after(&repo, &paths);
        }
        let target = self.sandbox.path.join("targets").join(vector.name);
        let manifest_path = package.join("Cargo.toml");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
        cmd.args(["package", "--no-verify", "--offline", "--allow-dirty", "--target-dir"])
            .arg(&target)
            .arg("--manifest-path")
            .arg(&manifest_path)
            .current_dir(&self.sandbox.path);
        self.sandbox.pin_tool_env(&mut cmd);
        let out = cmd.env("RUSTUP_TOOLCHAIN", toolchain_name()).output().unwrap();
        assert!(out.status.success(), "{}", support::describe(&format!("package {}", vector.name), &out));
        std::fs::write(&self.secret, format!("{SECRET}\n")).unwrap();
        if let Some(configure) = vector.configure {
            configure(&repo, &paths);
        }
        let krate = target.join(format!("package/{name}-0.1.0.crate"));
        std::fs::copy(&krate, self.home.join(CACHE).join(format!("{name}-0.1.0.crate"))).unwrap();
        (repo, krate)
    }

    /// `cargo seal <args>` from the sandbox, as a user whose git configuration defines the
    /// canary filter, through rustup's proxy with nothing pinned (no `CARGO`, no
    /// `RUSTUP_TOOLCHAIN`): the worst case for a toolchain file.
    fn seal(&self, cwd: &Path, args: &[&std::ffi::OsStr]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
        cmd.args(args).current_dir(cwd);
        self.sandbox.pin_tool_env(&mut cmd);
        cmd.env_remove("CARGO")
            .env_remove("RUSTUP_TOOLCHAIN")
            .env("CARGO_HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", &self.global_git)
            .env("XDG_CACHE_HOME", self.sandbox.path.join("xdg-cache"))
            .env("PATH", path_with_real_cargo());
        cmd.output().unwrap()
    }
}

/// The toolchain the tests run with, as rustup names it here.
fn toolchain_name() -> String {
    let out = Command::new("rustup").args(["show", "active-toolchain"]).output().expect("the tests run under rustup");
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or("stable").to_owned()
}

/// `PATH`, with the directory of rustup's proxies first, so that a bare `cargo` is the proxy.
fn path_with_real_cargo() -> std::ffi::OsString {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let proxies = std::env::var_os("CARGO_HOME").map_or_else(|| home.join(".cargo"), PathBuf::from).join("bin");
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(proxies).chain(std::env::split_paths(&rest))).unwrap()
}

/// One command's outcome for one vector, as the table shows it.
struct Row {
    vector: &'static str,
    command: &'static str,
    exit: Option<i32>,
    verdict: String,
    canary_runs: usize,
    leaks: usize,
    named: bool,
}

fn runs_logged(log: &Path) -> usize {
    std::fs::read_to_string(log).map_or(0, |text| text.lines().count())
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// SEC-VECTORS: every vector × `verify`, `verify-attestation --repo` and `audit`.
#[test]
fn sec_vectors_run_nothing_and_leak_nothing() {
    let world = World::new();
    let vectors = vectors();
    let mut published = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut lock = "version = 4\n".to_owned();
    let mut map = String::new();
    for vector in &vectors {
        let (repo, krate) = world.publish(vector);
        let paths = world.paths(vector.name);
        if let Some(control) = vector.control {
            let mut cmd = Command::new("cargo");
            cmd.args(["metadata", "--format-version", "1", "--offline"]).current_dir(repo.join(vector.dir));
            world.sandbox.pin_tool_env(&mut cmd);
            cmd.env_remove("CARGO").env("PATH", path_with_real_cargo());
            if control == Control::Metadata {
                cmd.env("RUSTUP_TOOLCHAIN", toolchain_name());
            } else {
                cmd.env_remove("RUSTUP_TOOLCHAIN");
            }
            cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
            assert!(runs_logged(&paths.log) > 0, "control: a naive cargo run in `{}` runs the canary", vector.name);
            std::fs::remove_file(&paths.log).unwrap();
        }
        assert_eq!(runs_logged(&paths.log), 0, "{}: packaging from outside ran the canary", vector.name);
        let name = format!("victim-{}", vector.name);
        let bytes = std::fs::read(&krate).unwrap();
        let checksum = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&bytes));
        write!(lock, "\n[[package]]\nname = \"{name}\"\nversion = \"0.1.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{checksum}\"\n").unwrap();
        writeln!(map, "\"{name}\" = {:?}", repo.to_string_lossy()).unwrap();
        published.push((vector, repo, krate, paths));
    }

    for (vector, repo, krate, paths) in &published {
        let mut record = |command: &'static str, out: &Output, verdict: String| {
            let all = text(out);
            let named = vector.named.is_none_or(|key| all.contains(&format!("`{key}`")));
            rows.push(Row {
                vector: vector.name,
                command,
                exit: out.status.code(),
                verdict,
                canary_runs: runs_logged(&paths.log),
                leaks: all.matches(SECRET).count(),
                named,
            });
        };
        let verify = world.seal(
            &world.sandbox.path,
            &["verify".as_ref(), krate.as_os_str(), "--repo".as_ref(), repo.as_os_str(), "--offline".as_ref()],
        );
        if vector.name == "submodule-ext" {
            // Looked up, and no repository found for its URL: nothing was run to fetch it.
            assert!(text(&verify).contains("not rebuilt: pkg/vendor/evil: submodule `evil`"), "{}", text(&verify));
        }
        record("verify", &verify, verdict_line(&verify));

        let envelope = krate.with_extension("intoto.jsonl");
        let attest = world.seal(
            &world.sandbox.path,
            &[
                "attest".as_ref(),
                krate.as_os_str(),
                "--key".as_ref(),
                world.key.as_os_str(),
                "-o".as_ref(),
                envelope.as_os_str(),
            ],
        );
        assert!(attest.status.success(), "{}", support::describe("attest", &attest));
        let public = world.key.with_extension("pem.pub");
        let attested = world.seal(
            &world.sandbox.path,
            &[
                "verify-attestation".as_ref(),
                envelope.as_os_str(),
                "--crate".as_ref(),
                krate.as_os_str(),
                "--key".as_ref(),
                public.as_os_str(),
                "--repo".as_ref(),
                repo.as_os_str(),
                "--offline".as_ref(),
            ],
        );
        let rebuild = text(&attested).lines().find_map(|line| {
            let (_, detail) = line.split_once(" rebuild: ")?;
            Some(detail.split_once("differs: ").map_or("identical".to_owned(), |(_, verdict)| verdict.to_owned()))
        });
        record("verify-attestation --repo", &attested, rebuild.unwrap_or_else(|| verdict_line(&attested)));
    }

    // For machines, the same in `--format json`: each ignored key with its file.
    let (_, repo, krate, _) = published.iter().find(|(v, ..)| v.name == "rustc-wrapper").unwrap();
    let json = world.seal(
        &world.sandbox.path,
        &[
            "verify".as_ref(),
            krate.as_os_str(),
            "--repo".as_ref(),
            repo.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["configuration"]["ignored"][0]["key"], "build.rustc-wrapper", "{report}");
    assert_eq!(report["configuration"]["ignored"][0]["file"], ".cargo/config.toml", "{report}");

    let lock_file = world.sandbox.path.join("audit/Cargo.lock");
    support::write(lock_file.parent().unwrap(), "Cargo.lock", &lock);
    support::write(lock_file.parent().unwrap(), "repos.toml", &map);
    let map_file = lock_file.with_file_name("repos.toml");
    let audit = world.seal(
        &world.sandbox.path,
        &[
            "audit".as_ref(),
            "--lockfile".as_ref(),
            lock_file.as_os_str(),
            "--repo-map".as_ref(),
            map_file.as_os_str(),
            "--format".as_ref(),
            "jsonl".as_ref(),
            "--no-cache".as_ref(),
            "--offline".as_ref(),
        ],
    );
    let audited: Vec<serde_json::Value> = String::from_utf8_lossy(&audit.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|v: &serde_json::Value| v.get("name").is_some())
        .collect();
    let audit_text = text(&audit);
    for (vector, _, _, paths) in &published {
        let name = format!("victim-{}", vector.name);
        let entry = audited.iter().find(|a| a["name"] == name.as_str());
        let verdict = entry.map_or("(missing)".to_owned(), |a| {
            let reason = a["reason"].as_str().map(|r| format!(" ({r})")).unwrap_or_default();
            format!("{}{reason}", a["verdict"].as_str().unwrap_or("?"))
        });
        let explained = entry.map(|a| a["explanations"].to_string()).unwrap_or_default();
        rows.push(Row {
            vector: vector.name,
            command: "audit",
            exit: audit.status.code(),
            verdict,
            canary_runs: runs_logged(&paths.log),
            leaks: audit_text.matches(SECRET).count(),
            named: vector.named.is_none_or(|key| explained.contains(&format!("`{key}`"))),
        });
    }

    let mut table = String::from(
        "| vector | command | exit | verdict | canary runs | leaks | ignored key named |\n|---|---|---|---|---|---|---|\n",
    );
    let mut failures = Vec::new();
    for row in &rows {
        let vector = vectors.iter().find(|v| v.name == row.vector).unwrap();
        writeln!(
            table,
            "| {} | {} | {:?} | {} | {} | {} | {} |",
            row.vector, row.command, row.exit, row.verdict, row.canary_runs, row.leaks, row.named
        )
        .unwrap();
        let verdict_ok = match vector.expect {
            Expect::Identical => row.verdict.starts_with("identical"),
            Expect::Differs => row.verdict.starts_with("differs"),
            Expect::Refused(key) => row.verdict.contains(key) && !row.verdict.starts_with("identical"),
        };
        if row.canary_runs > 0 || row.leaks > 0 || !row.named || !verdict_ok {
            failures.push(format!("{} × {}: {}", row.vector, row.command, row.verdict));
        }
    }
    eprintln!("{table}");
    let user = world.paths("user-git");
    assert_eq!(runs_logged(&user.log), 0, "the user's filter driver ran for the repository's attributes");
    assert!(failures.is_empty(), "{}\n{table}\naudit:\n{}", failures.join("\n"), audit_text);
}

/// The verdict a human report gives, else the error's first line.
fn verdict_line(out: &Output) -> String {
    let all = text(out);
    let verdict = all.lines().find_map(|l| l.strip_prefix("verdict: "));
    match verdict {
        Some(v) => v.to_owned(),
        None => all
            .lines()
            .filter(|l| l.starts_with("error") || l.starts_with("Caused by") || l.starts_with("  "))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// `git daemon` serving `base` on a free loopback port, stopped when dropped.
struct Daemon {
    child: std::process::Child,
    port: u16,
}

impl Daemon {
    fn start(base: &Path) -> Daemon {
        let port = free_port();
        let child = Command::new("git")
            .args(["daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1"])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "git daemon did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Daemon { child, port }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        drop(self.child.kill());
        drop(self.child.wait());
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Everything under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let Ok(walk) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<String> =
        walk.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned())).collect();
    names.sort();
    names
}

/// MIR-LIMITS, MIR-CLONE: a repository over `--fetch-max-size` stops at the limit with a clear
/// error, a server that sends nothing stops at `--fetch-timeout`, a killed fetch leaves nothing
/// under `--repos`, and within the limits the same server gives `identical`.
#[test]
fn mir_limits_bound_a_fetch_and_leave_nothing_behind() {
    let world = World::new();
    let root = world.sandbox.path.clone();
    let served = root.join("served");
    let work = root.join("work/victim-fetch");
    support::write(
        &work,
        "Cargo.toml",
        "[package]\nname = \"victim-fetch\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"d\"\nexclude = [\"blob.bin\"]\n",
    );
    support::write(&work, LIB.0, LIB.1);
    // Incompressible: the pack is as large as the file.
    let mut blob = vec![0u8; 3 << 20];
    std::fs::File::open("/dev/urandom").unwrap().read_exact(&mut blob).unwrap();
    std::fs::write(work.join("blob.bin"), &blob).unwrap();
    git(&work, &["init", "-q", "-b", "main"]);
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "release"]);
    let target = root.join("work/target");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
    cmd.args(["package", "--no-verify", "--offline", "--target-dir"]).arg(&target).current_dir(&work);
    world.sandbox.pin_tool_env(&mut cmd);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", support::describe("package", &out));
    let krate = target.join("package/victim-fetch-0.1.0.crate");
    std::fs::create_dir_all(&served).unwrap();
    git(&root, &["clone", "-q", "--bare", work.to_str().unwrap(), served.join("victim-fetch.git").to_str().unwrap()]);
    let daemon = Daemon::start(&served);

    let repos = root.join("repos");
    let verify = |url: &str, extra: &[&str]| {
        let map = root.join("map.toml");
        std::fs::write(&map, format!("\"victim-fetch\" = \"{url}\"\n")).unwrap();
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "verify".as_ref(),
            krate.as_os_str(),
            "--repos".as_ref(),
            repos.as_os_str(),
            "--repo-map".as_ref(),
            map.as_os_str(),
            "--fetch".as_ref(),
        ];
        args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
        world.seal(&root, &args)
    };
    let url = format!("git://127.0.0.1:{}/victim-fetch.git", daemon.port);

    let small = verify(&url, &["--fetch-max-size", "1000000"]);
    assert_eq!(small.status.code(), Some(2), "{}", support::describe("verify --fetch-max-size", &small));
    let said = text(&small);
    assert!(said.contains("`--fetch-max-size` bytes (1000000); raise it"), "{said}");
    assert_eq!(listing(&repos), Vec::<String>::new(), "a stopped clone leaves nothing under --repos");

    // A server that accepts and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("git://127.0.0.1:{}/victim-fetch.git", silent.local_addr().unwrap().port());
    let started = Instant::now();
    let slow = verify(&silent_url, &["--fetch-timeout", "1"]);
    assert_eq!(slow.status.code(), Some(2), "{}", support::describe("verify --fetch-timeout", &slow));
    assert!(text(&slow).contains("stopped after 1 s"), "{}", text(&slow));
    assert!(started.elapsed() < Duration::from_secs(20), "the time limit holds: {:?}", started.elapsed());
    assert_eq!(listing(&repos), Vec::<String>::new());

    // Killed while the server keeps it waiting.
    let mut child = {
        let map = root.join("map.toml");
        std::fs::write(&map, format!("\"victim-fetch\" = \"{silent_url}\"\n")).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
        cmd.arg("verify").arg(&krate).arg("--repos").arg(&repos).arg("--repo-map").arg(&map).arg("--fetch");
        world.sandbox.pin_tool_env(&mut cmd);
        cmd.env("CARGO_HOME", &world.home).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
    };
    silent.set_nonblocking(false).unwrap();
    let (_held, _) = silent.accept().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(listing(&repos), Vec::<String>::new(), "a killed fetch leaves nothing under --repos");

    // Within the limits, the same server gives the answer.
    let fine = verify(&url, &[]);
    assert_eq!(fine.status.code(), Some(0), "{}", support::describe("verify --fetch", &fine));
    assert!(text(&fine).contains("verdict: identical"), "{}", text(&fine));
    assert_eq!(listing(&repos), ["127.0.0.1"]);
}
