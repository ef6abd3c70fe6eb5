//! Machinery behind `tests/it/parity.rs`: loading fixture scripts, materializing them in isolated
//! directories with a pinned environment, running real `cargo package` and `cargo-seal`, and
//! turning any difference between their `.crate` files into a readable report.

pub mod sigstore_pki;
pub mod tarball;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use tempfile::TempDir;

/// The cargo release whose output is the golden reference.
const EXPECTED_CARGO_VERSION: &str = "cargo 1.95.";

/// Exit code cargo-seal uses for every error (its CLI contract).
pub const SEAL_ERROR_EXIT_CODE: i32 = 2;

/// Set this variable to keep each test's temporary directory for inspection.
const KEEP_TMP_VAR: &str = "SEAL_PARITY_KEEP_TMP";

/// Fixed git identity and dates: with them every fixture script produces the same commit ids on
/// every machine (the gitoxide test-tools recipe).
const FIXTURE_GIT_ENV: &[(&str, &str)] = &[
    ("GIT_CONFIG_NOSYSTEM", "1"),
    ("GIT_CONFIG_GLOBAL", "/dev/null"),
    ("GIT_AUTHOR_NAME", "Fixture Author"),
    ("GIT_AUTHOR_EMAIL", "author@example.com"),
    ("GIT_COMMITTER_NAME", "Fixture Committer"),
    ("GIT_COMMITTER_EMAIL", "committer@example.com"),
    ("GIT_AUTHOR_DATE", "2000-01-01 00:00:00 +0000"),
    ("GIT_COMMITTER_DATE", "2000-01-02 00:00:00 +0000"),
    // `git -c init.defaultBranch=main -c commit.gpgsign=false`, for every git call in the script.
    ("GIT_CONFIG_COUNT", "3"),
    ("GIT_CONFIG_KEY_0", "init.defaultBranch"),
    ("GIT_CONFIG_VALUE_0", "main"),
    ("GIT_CONFIG_KEY_1", "commit.gpgsign"),
    ("GIT_CONFIG_VALUE_1", "false"),
    ("GIT_CONFIG_KEY_2", "core.autocrlf"),
    ("GIT_CONFIG_VALUE_2", "false"),
];

/// Expands to `$callback! { name, ... }` with every fixture that packages successfully, so that
/// each suite running them all (`tests/it/parity.rs`, `tests/it/reproducible.rs`) gets one `#[test]`
/// per fixture from one list. Failure fixtures are listed in `tests/it/parity.rs`.
#[allow(unused_macros, reason = "only the suites that run every fixture use it")]
macro_rules! with_packaging_fixtures {
    ($callback:ident) => {
        $callback! {
            order_traps,
            long_paths,
            walk_modes_dotfiles,
            git_status_mix,
            dirty_tracked,
            registry_deps,
            manifest_zoo,
            unborn_msrv,
            outside_git,
            outside_walk,
            outside_dirty,
            include_rules,
            exclude_rules,
            workspace_member,
            root_workspace,
            minimal_noversion,
            ws_virtual,
            ws_root_nested,
            ws_stale_lock,
            ws_locked_range,
            ws_lock_comments,
            own_lock_crlf,
            own_lock_stale,
        }
    };
}
#[allow(unused_imports, reason = "only the suites that run every fixture use it")]
pub(crate) use with_packaging_fixtures;

/// A fixture script and the settings read from its leading comment block.
pub struct Fixture {
    pub script: PathBuf,
    /// Extra `cargo package` flags, one set per `# args: ...` line: a fixture with several
    /// lines is packaged once per line (`--workspace`, then `-p a -p b`, say).
    pub variants: Vec<Vec<String>>,
    /// Manifest path relative to the fixture root (`# manifest: ...`), if not the default.
    pub manifest: Option<String>,
    /// For failure fixtures: a string both tools must print on stderr (`# expect-error: ...`).
    pub expect_error: Option<String>,
}

impl Fixture {
    pub fn load(name: &str) -> Fixture {
        let script = fixtures_dir().join(format!("{name}.sh"));
        let text =
            fs::read_to_string(&script).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", script.display()));
        let mut fixture = Fixture { script, variants: Vec::new(), manifest: None, expect_error: None };
        // Directives live in the leading comment block only, so a `# args:` further down (say,
        // inside a heredoc) cannot change how the fixture runs.
        for line in text.lines().take_while(|l| l.starts_with('#')) {
            let Some(body) = line.strip_prefix('#').map(str::trim) else { continue };
            if let Some(v) = body.strip_prefix("args:") {
                fixture.variants.push(v.split_whitespace().map(str::to_owned).collect());
            } else if let Some(v) = body.strip_prefix("manifest:") {
                fixture.manifest = Some(v.trim().to_owned());
            } else if let Some(v) = body.strip_prefix("expect-error:") {
                fixture.expect_error = Some(v.trim().to_owned());
            }
        }
        if fixture.variants.is_empty() {
            fixture.variants.push(Vec::new());
        }
        fixture
    }

    /// The flags of the first variant, the one snapshots and `--list` checks use.
    pub fn args(&self) -> &[String] {
        &self.variants[0]
    }

    /// The manifest to package, relative to the fixture root: the `# manifest:` directive, else
    /// `pkg/Cargo.toml` when the script created a `pkg/` directory, else `Cargo.toml`.
    pub fn manifest_rel(&self, root: &Path) -> PathBuf {
        match &self.manifest {
            Some(m) => PathBuf::from(m),
            None if root.join("pkg").is_dir() => PathBuf::from("pkg/Cargo.toml"),
            None => PathBuf::from("Cargo.toml"),
        }
    }
}

/// All fixture names in `testdata/fixtures`, sorted.
pub fn all_fixture_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(fixtures_dir())
        .expect("testdata/fixtures must exist")
        .filter_map(|entry| {
            let path = entry.expect("readable fixtures dir").path();
            (path.extension() == Some(OsStr::new("sh")))
                .then(|| path.file_stem().expect("a .sh file has a stem").to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    names
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join("fixtures")
}

/// Which program packages the fixture.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Real `cargo package`: the golden reference.
    Cargo,
    /// `cargo-seal package ...`.
    Seal,
    /// `cargo-seal seal package ...`, the argv cargo uses for external subcommands.
    SealAsSubcommand,
}

impl Tool {
    fn label(self) -> &'static str {
        match self {
            Tool::Cargo => "cargo package",
            Tool::Seal => "cargo-seal package",
            Tool::SealAsSubcommand => "cargo-seal seal package",
        }
    }

    fn command(self) -> Command {
        match self {
            Tool::Cargo => Command::new(cargo_path()),
            Tool::Seal => Command::new(env!("CARGO_BIN_EXE_cargo-seal")),
            Tool::SealAsSubcommand => {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
                cmd.arg("seal");
                cmd
            }
        }
    }
}

/// The cargo under test: the one running this test suite, which must be 1.95.
fn cargo_path() -> &'static Path {
    static CARGO: OnceLock<PathBuf> = OnceLock::new();
    CARGO.get_or_init(|| {
        // `cargo test` exports CARGO at run time; the compile-time value covers running the test
        // binary directly.
        let path = std::env::var_os("CARGO").map_or_else(|| PathBuf::from(env!("CARGO")), PathBuf::from);
        let out = Command::new(&path)
            .arg("--version")
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {} --version: {e}", path.display()));
        let version = String::from_utf8_lossy(&out.stdout);
        assert!(
            version.starts_with(EXPECTED_CARGO_VERSION),
            "the golden reference must be cargo 1.95, but {} is {version:?}",
            path.display()
        );
        path
    })
}

/// A temporary directory holding both copies of one fixture and everything the tools write.
///
/// Layout: `a/` (copy A, packaged by cargo), `b/nested/deeper/` (copy B, packaged by cargo-seal;
/// a different absolute path and depth exercises path independence), `a-target/`, `b-target/`
/// and an empty `home/` used as `$HOME` so no user git or cargo config leaks in.
pub struct Sandbox {
    _guard: Option<TempDir>,
    pub path: PathBuf,
    home: PathBuf,
}

/// One copy of a fixture together with the target dir used when packaging it.
pub struct Copy {
    pub root: PathBuf,
    pub target: PathBuf,
}

impl Sandbox {
    pub fn new(name: &str) -> Sandbox {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("seal-parity-{name}-"))
            .tempdir()
            .expect("create a temporary directory");
        let (guard, path) = if std::env::var_os(KEEP_TMP_VAR).is_some() {
            let path = tmp.keep();
            eprintln!("[{name}] keeping {}", path.display());
            (None, path)
        } else {
            let path = tmp.path().to_owned();
            (Some(tmp), path)
        };
        let home = path.join("home");
        fs::create_dir_all(&home).expect("create the sandbox home");
        Sandbox { _guard: guard, path, home }
    }

    /// Runs the fixture script in a fresh directory and returns that copy.
    pub fn materialize(&self, fixture: &Fixture, slot: Slot) -> Copy {
        let (root, target) = match slot {
            Slot::A => (self.path.join("a"), self.path.join("a-target")),
            Slot::B => (self.path.join("b").join("nested").join("deeper"), self.path.join("b-target")),
        };
        fs::create_dir_all(&root).expect("create the fixture root");
        let mut cmd = Command::new("bash");
        // A fixed umask makes the permission bits the scripts create predictable.
        cmd.args(["-c", "umask 0022 && exec bash \"$0\""])
            .arg(&fixture.script)
            .current_dir(&root)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("LC_ALL", "C.UTF-8")
            .env("TZ", "UTC")
            .envs(FIXTURE_GIT_ENV.iter().copied());
        let out = cmd.output().expect("run bash");
        assert!(
            out.status.success(),
            "fixture script {} failed ({}):\n{}{}",
            fixture.script.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Copy { root, target }
    }

    /// Runs `tool package --no-verify --target-dir .. --manifest-path .. <args> <extra>` from the
    /// copy's root (the cwd matters to cargo's dirty check of files outside the package).
    pub fn package(&self, tool: Tool, fixture: &Fixture, args: &[String], copy: &Copy, extra: &[&str]) -> Output {
        let manifest = copy.root.join(fixture.manifest_rel(&copy.root));
        let (target, manifest) = (copy.target.to_string_lossy(), manifest.to_string_lossy());
        let mut all = vec!["--no-verify", "--target-dir", &target, "--manifest-path", &manifest];
        all.extend(args.iter().map(String::as_str));
        all.extend(extra);
        self.run_in(tool, &copy.root, &all, &[])
    }

    /// Runs `tool package <args>` in `dir`, in the pinned environment plus `env`.
    pub fn run_in(&self, tool: Tool, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = tool.command();
        cmd.arg("package").args(args).current_dir(dir);
        self.pin_tool_env(&mut cmd);
        cmd.envs(env.iter().copied());
        cmd.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.label()))
    }

    /// The environment both tools run in: the caller's, minus everything that could change what
    /// cargo does (cargo/rustc/git variables, user config), plus fixed values.
    pub fn pin_tool_env(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            let key_str = key.to_string_lossy();
            if is_unpinned_var(&key_str) {
                cmd.env_remove(&key);
            }
        }
        let real_home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        // The registry cache and toolchains stay shared; only $HOME (user git config) is swapped.
        let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(|| real_home.join(".cargo"), PathBuf::from);
        let rustup_home = std::env::var_os("RUSTUP_HOME").map_or_else(|| real_home.join(".rustup"), PathBuf::from);
        cmd.env("HOME", &self.home)
            .env("CARGO_HOME", cargo_home)
            .env("RUSTUP_HOME", rustup_home)
            // What cargo itself exports to external subcommands.
            .env("CARGO", cargo_path())
            .env("CARGO_TERM_COLOR", "never")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
    }
}

/// Runs `git <args>` in `dir` with the fixtures' fixed identity and dates, and returns its
/// standard output, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .envs(FIXTURE_GIT_ENV.iter().copied())
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?} in {}: {}", dir.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Runs the installed cargo's `package --no-verify --offline <args>` in `dir`, with `home` as its
/// `CARGO_HOME`, and asserts that it succeeds.
pub fn cargo_package_offline(dir: &Path, home: &Path, args: &[&str]) {
    let out = Command::new("cargo")
        .args(["package", "--no-verify", "--offline"])
        .args(args)
        .current_dir(dir)
        .env("CARGO_HOME", home)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run cargo");
    assert!(out.status.success(), "{}", describe("cargo package", &out));
}

/// Writes `text` to `dir/rel`, creating its directory.
pub fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().expect("a file in a directory")).expect("create the directory");
    fs::write(path, text).expect("write the file");
}

/// What one tool did: its output and the `.crate` files it left, by name.
pub struct Run {
    pub out: Output,
    pub crates: Vec<(String, Vec<u8>)>,
}

impl Run {
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
}

impl Sandbox {
    /// Runs `cargo package`, then `cargo-seal package`, with `args` and `env` in `dir` (from
    /// `dir/cwd`), each from a clean target directory, so that paths in their messages agree.
    pub fn both_with(&self, dir: &Path, cwd: &str, args: &[&str], env: &[(&str, &str)]) -> (Run, Run) {
        let run = |tool| {
            let _ = fs::remove_dir_all(dir.join("target"));
            let out = self.run_in(tool, &dir.join(cwd), args, env);
            let crates = crates_in(&dir.join("target"))
                .into_iter()
                .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read(&p).unwrap()))
                .collect();
            Run { out, crates }
        };
        (run(Tool::Cargo), run(Tool::Seal))
    }

    pub fn both(&self, dir: &Path, cwd: &str, args: &[&str]) -> (Run, Run) {
        self.both_with(dir, cwd, args, &[])
    }
}

/// Both succeeded with the same archives, or both failed with the same message and left none.
pub fn assert_same(cargo: &Run, seal: &Run) {
    assert_eq!(
        cargo.out.status.success(),
        seal.out.status.success(),
        "cargo:\n{}\ncargo-seal:\n{}",
        cargo.stderr(),
        seal.stderr()
    );
    if cargo.out.status.success() {
        assert!(!cargo.crates.is_empty());
        assert!(cargo.crates == seal.crates, "different archives\ncargo-seal:\n{}", seal.stderr());
    } else {
        assert_eq!(error_text(&seal.stderr()), error_text(&cargo.stderr()));
        assert!(seal.crates.is_empty(), "a failed run left {:?}", seal.crates.iter().map(|c| &c.0).collect::<Vec<_>>());
    }
}

/// From the first `error:` line on, without status lines. Paths are the same for both tools, down
/// to where cargo unpacks the run's other packages (`registry/src/-<hash of the temporary
/// registry's path>/`, LOCK-SIBLINGS).
fn error_text(stderr: &str) -> String {
    let from = stderr.find("error:").unwrap_or(stderr.len());
    stderr[from..].lines().filter(|l| !l.starts_with("   Compiling")).map(|l| format!("{l}\n")).collect()
}

/// Variables that would make the packaging runs depend on the caller's environment.
fn is_unpinned_var(key: &str) -> bool {
    const KEEP: &[&str] = &["CARGO_HOME", "CARGO_HTTP_", "CARGO_NET_", "CARGO_REGISTRIES_", "CARGO_REGISTRY_"];
    if KEEP.iter().any(|k| key.starts_with(k)) {
        return false;
    }
    key.starts_with("CARGO")
        || key.starts_with("__CARGO")
        || key.starts_with("GIT_")
        || key.starts_with("RUSTC")
        || key.starts_with("RUSTDOC")
        || matches!(key, "RUSTFLAGS" | "MAKEFLAGS" | "MFLAGS" | "XDG_CONFIG_HOME")
}

#[derive(Clone, Copy)]
pub enum Slot {
    A,
    B,
}

/// `.crate` files directly in `<target>/package/`, sorted (cargo's build-dir scratch space in
/// `package/tmp-crate/` is deliberately not looked at).
pub fn crates_in(target: &Path) -> Vec<PathBuf> {
    let Ok(dir) = fs::read_dir(target.join("package")) else { return Vec::new() };
    let mut crates: Vec<PathBuf> = dir
        .map(|e| e.expect("readable package dir").path())
        .filter(|p| p.is_file() && p.extension() == Some(OsStr::new("crate")))
        .collect();
    crates.sort();
    crates
}

/// The pinned interop virtualenv's python (securesystemslib, in-toto, jsonschema), made by
/// `testdata/provenance/venv.sh` if missing.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let venv = root.join("target").join("interop-venv");
        let out = Command::new("bash").arg(root.join("testdata/provenance/venv.sh")).arg(&venv).output().unwrap();
        assert!(out.status.success(), "{}", describe("testdata/provenance/venv.sh", &out));
        venv.join("bin").join("python")
    })
}

/// `node` with the pinned sigstore-js packages on its `NODE_PATH`, installed by
/// `testdata/provenance/js/setup.sh` if missing, running `testdata/provenance/js/sigstore-js.js`.
pub fn sigstore_js() -> Command {
    static MODULES: OnceLock<PathBuf> = OnceLock::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = MODULES.get_or_init(|| {
        let dir = root.join("target").join("interop-js");
        let out = Command::new("bash").arg(root.join("testdata/provenance/js/setup.sh")).arg(&dir).output().unwrap();
        assert!(out.status.success(), "{}", describe("testdata/provenance/js/setup.sh", &out));
        dir.join("node_modules")
    });
    let mut node = Command::new("node");
    node.env("NODE_PATH", modules).arg(root.join("testdata/provenance/js/sigstore-js.js"));
    node
}

/// Everything a failed command printed, for assertion messages.
pub fn describe(label: &str, out: &Output) -> String {
    format!(
        "{label}: {}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The git HEAD of a fixture copy ("" for no repo or an unborn HEAD).
fn git_head(root: &Path) -> String {
    let out = Command::new("git")
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .current_dir(root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CEILING_DIRECTORIES", root.parent().unwrap_or(root))
        .output()
        .expect("run git rev-parse");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// What one file-system entry of a fixture looks like, for comparing two copies.
#[derive(PartialEq, Eq)]
enum Node {
    Dir,
    File { executable: bool, sha256: String },
    Symlink(PathBuf),
}

/// Every entry under `root` except `.git/` (gix may refresh stat data in the index), keyed by
/// relative path, symlinks not followed.
fn source_tree(root: &Path) -> BTreeMap<PathBuf, Node> {
    use std::os::unix::fs::PermissionsExt as _;
    walkdir::WalkDir::new(root)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .map(|entry| {
            let entry = entry.expect("walk the fixture tree");
            let rel = entry.path().strip_prefix(root).expect("walkdir yields children").to_owned();
            let node = if entry.path_is_symlink() {
                Node::Symlink(fs::read_link(entry.path()).expect("read a symlink"))
            } else if entry.file_type().is_dir() {
                Node::Dir
            } else {
                let meta = entry.metadata().expect("stat a fixture file");
                let bytes = fs::read(entry.path()).expect("read a fixture file");
                Node::File { executable: meta.permissions().mode() & 0o100 != 0, sha256: tarball::sha256_hex(&bytes) }
            };
            (rel, node)
        })
        .collect()
}

fn diff_trees(cargo: &BTreeMap<PathBuf, Node>, seal: &BTreeMap<PathBuf, Node>) -> String {
    let mut out = String::new();
    for (path, node) in cargo {
        match seal.get(path) {
            None => out.push_str(&format!("  only after cargo:      {}\n", path.display())),
            Some(other) if other != node => out.push_str(&format!("  changed differently:   {}\n", path.display())),
            Some(_) => {}
        }
    }
    for path in seal.keys().filter(|p| !cargo.contains_key(*p)) {
        out.push_str(&format!("  only after cargo-seal: {}\n", path.display()));
    }
    out
}

/// Output of a parity run that matched byte for byte.
pub struct Verified {
    /// `tarball::listing` of each `.crate`.
    pub entries: String,
    /// The normalized `Cargo.toml` inside each, headed by the file name when there are several.
    pub cargo_toml: String,
    name: String,
    /// How the fixture trees differ after packaging, if they do.
    tree_diff: Option<String>,
}

impl Verified {
    /// Both tools must leave the fixture tree in the same state (new files, modified files).
    pub fn assert_same_side_effects(&self) {
        if let Some(diff) = &self.tree_diff {
            panic!(
                "{}: .crate bytes match, but the fixture trees differ after packaging \
                 (paths relative to the fixture root, `.git/` ignored):\n{diff}",
                self.name
            );
        }
    }
}

/// Packages the fixture with cargo (copy A) and with `tool` (copy B), once per `# args:`
/// variant, and requires identical `.crate` bytes. Panics with a layer-by-layer explanation
/// otherwise. The returned output is the first variant's.
pub fn check_parity(name: &str, tool: Tool) -> Verified {
    let fixture = Fixture::load(name);
    assert!(fixture.expect_error.is_none(), "{name} is a failure fixture");
    let mut verified = fixture.variants.iter().map(|args| check_variant(name, &fixture, args, tool));
    let first = verified.next().expect("every fixture has a variant");
    verified.for_each(|v| v.assert_same_side_effects());
    first
}

fn check_variant(name: &str, fixture: &Fixture, args: &[String], tool: Tool) -> Verified {
    let sandbox = Sandbox::new(name);
    let a = sandbox.materialize(fixture, Slot::A);
    let b = sandbox.materialize(fixture, Slot::B);
    // A non-deterministic script would look like a cargo-seal bug in `.cargo_vcs_info.json`.
    assert_eq!(git_head(&a.root), git_head(&b.root), "fixture script {name} does not produce stable commit ids");
    let name = format!("{name} [{}]", args.join(" "));

    let golden = sandbox.package(Tool::Cargo, fixture, args, &a, &[]);
    assert!(
        golden.status.success(),
        "real cargo failed on fixture {name}; fix the fixture\n{}",
        describe("cargo package", &golden)
    );
    let ours = sandbox.package(tool, fixture, args, &b, &[]);
    assert!(ours.status.success(), "{name}: {}", describe(tool.label(), &ours));

    let file_names = |crates: Vec<PathBuf>| -> Vec<String> {
        crates.iter().map(|p| p.file_name().expect("crate file name").to_string_lossy().into_owned()).collect()
    };
    let golden_crates = file_names(crates_in(&a.target));
    let our_crates = file_names(crates_in(&b.target));
    assert!(!golden_crates.is_empty(), "{name}: cargo wrote no .crate");
    assert_eq!(our_crates, golden_crates, "{name}: {} wrote other .crate files than cargo", tool.label());

    let mut entries = Vec::new();
    let mut cargo_tomls = Vec::new();
    for file_name in &golden_crates {
        let expected = fs::read(a.target.join("package").join(file_name)).expect("read cargo's .crate");
        let actual = fs::read(b.target.join("package").join(file_name)).expect("read cargo-seal's .crate");
        if expected != actual {
            panic!(
                "{name}: {file_name} differs from real cargo ({} vs {} bytes)\n{}\n(set {KEEP_TMP_VAR}=1 to keep {})",
                expected.len(),
                actual.len(),
                tarball::explain(&expected, &actual),
                sandbox.path.display()
            );
        }
        entries.push(tarball::listing(file_name, &actual));
        let toml = tarball::member_text(&actual, "Cargo.toml").expect("every .crate has a Cargo.toml");
        cargo_tomls.push(if golden_crates.len() == 1 { toml } else { format!("## {file_name}\n{toml}") });
    }
    // Byte parity is not enough if cargo-seal also wrote files cargo does not (a new
    // Cargo.lock in the package, say) or left different ones behind. Reported after the
    // snapshots, which only depend on the (already verified) bytes.
    let (tree_a, tree_b) = (source_tree(&a.root), source_tree(&b.root));
    let tree_diff = (tree_a != tree_b).then(|| diff_trees(&tree_a, &tree_b));
    Verified { entries: entries.join("\n"), cargo_toml: cargo_tomls.join("\n"), name, tree_diff }
}

/// `package --list` must print exactly what cargo prints.
pub fn check_list_parity(name: &str) {
    let fixture = Fixture::load(name);
    let sandbox = Sandbox::new(name);
    let a = sandbox.materialize(&fixture, Slot::A);
    let b = sandbox.materialize(&fixture, Slot::B);
    let golden = sandbox.package(Tool::Cargo, &fixture, fixture.args(), &a, &["--list"]);
    assert!(golden.status.success(), "real cargo failed on {name}\n{}", describe("cargo package --list", &golden));
    let ours = sandbox.package(Tool::Seal, &fixture, fixture.args(), &b, &["--list"]);
    assert!(ours.status.success(), "{name}: {}", describe("cargo-seal package --list", &ours));
    let (g, o) = (String::from_utf8_lossy(&golden.stdout), String::from_utf8_lossy(&ours.stdout));
    assert!(g == o, "{name}: --list output differs\n~~~~ cargo ~~~~\n{g}~~~~ cargo-seal ~~~~\n{o}~~~~");
}

/// Both tools must refuse the fixture: cargo-seal with exit code 2, both naming the offending
/// file on stderr, and neither leaving a `.crate` in `<target>/package/`.
pub fn check_failure(name: &str) {
    let fixture = Fixture::load(name);
    let needle = fixture.expect_error.clone().unwrap_or_else(|| panic!("{name} has no `# expect-error:` line"));
    let sandbox = Sandbox::new(name);
    let a = sandbox.materialize(&fixture, Slot::A);
    let b = sandbox.materialize(&fixture, Slot::B);

    // First prove the fixture really is an error case for cargo 1.95.
    let golden = sandbox.package(Tool::Cargo, &fixture, fixture.args(), &a, &[]);
    let golden_err = String::from_utf8_lossy(&golden.stderr);
    assert!(!golden.status.success(), "{name}: real cargo unexpectedly succeeded; fix the fixture");
    assert!(golden_err.contains(&needle), "{name}: cargo's error does not mention {needle:?}:\n{golden_err}");
    assert!(crates_in(&a.target).is_empty(), "{name}: cargo left {:?}", crates_in(&a.target));

    let ours = sandbox.package(Tool::Seal, &fixture, fixture.args(), &b, &[]);
    let our_err = String::from_utf8_lossy(&ours.stderr);
    assert_eq!(
        ours.status.code(),
        Some(SEAL_ERROR_EXIT_CODE),
        "{name}: want exit code {SEAL_ERROR_EXIT_CODE}\n{}\n(cargo said: {golden_err})",
        describe("cargo-seal package", &ours)
    );
    assert!(
        our_err.contains(&needle),
        "{name}: cargo-seal's error does not name {needle:?}:\n{our_err}\n(cargo said: {golden_err})"
    );
    let left = crates_in(&b.target);
    assert!(left.is_empty(), "{name}: cargo-seal left {left:?} behind after failing");
}
