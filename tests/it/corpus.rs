//! Public parity corpus: re-package real crates.io releases with `cargo package` and with `cargo-seal
//! package`, and require byte-identical `.crate` files.
//!
//! Run it (needs network for the download and index warm-up, and a few minutes; `--release` makes the
//! seal timings comparable with cargo's, which is an optimized build):
//!
//! ```text
//! cargo test --test it corpus -- --ignored --nocapture
//! cargo test --release --test it corpus -- --ignored --nocapture
//! SEAL_CORPUS_ONLY=anyhow,base64@0.23.1 cargo test --test it corpus -- --ignored --nocapture
//! ```
//!
//! What it does, for every `name version` line of the list (`$SEAL_CORPUS`, by default
//! `../shared/corpus/public-crates.txt` next to this repository; see that folder's `README.md`):
//!
//! 1. **fetch**: one scratch package depends on every release at once, under renamed keys
//!    (`name_v_3 = { package = "name", version = "=X" }`, so two versions of one crate coexist), and
//!    `cargo fetch` puts the `.crate` files into `$CARGO_HOME/registry/cache/*/`. Releases that do not
//!    resolve together are retried in batches, then one by one. Already cached releases are not fetched.
//! 2. **prepare**: unpack the published `.crate`, delete `Cargo.toml` and `.cargo_vcs_info.json`, rename
//!    `Cargo.toml.orig` to `Cargo.toml`, `git init` + `git add -A -f` + one commit with a fixed identity,
//!    dates and config (so the commit id, and with it `.cargo_vcs_info.json`, is stable). Three copies: a
//!    warm-up copy, where real cargo packages online once so that the registry index cache holds every
//!    dependency (dev-dependencies too) the offline runs will need, and one copy per tool.
//! 3. **compare**: `cargo package --no-verify --allow-dirty --offline` in one copy, `cargo-seal package
//!    --no-verify --allow-dirty --offline` in the other, each with its own `--target-dir` outside the
//!    package, then compare the two `.crate` files byte for byte. A difference is explained by walking both
//!    gzip-decoded tars: the first differing entry, header field (by name and offset) or content, with a
//!    line diff for text such as `Cargo.toml` and `Cargo.lock`.
//!
//! 4. **published** (before the comparison, in the seal copy): `cargo-seal verify <published .crate>
//!    --sources <copy> --format json`, the published crate against its own sources with era profiles
//!    (`VER-SOURCES`, `ERA-VERIFY`): the verdict and the cargo releases named, counted in the report.
//!    A measurement, not a condition of the test: crates made before cargo 1.54, on Windows or by
//!    nightly cargos fall short of `identical`.
//!
//! It measures byte parity (`N/M byte-identical`, where M counts the releases real cargo could package
//! offline; the others are reported as `cargo-failed`, not as our failure) and the wall time of each
//! phase and of each tool. The test fails unless every release cargo packaged is byte-identical. The full
//! report goes to stdout and to `target/corpus-report.txt`.
//!
//! Environment:
//! * `SEAL_CORPUS`: path of the list.
//! * `SEAL_CORPUS_ONLY=name1,name2@1.2.3`: run a subset (a bare name selects every listed version).
//! * `SEAL_CORPUS_JOBS`: worker threads (default: available parallelism, at most 4).
//! * `SEAL_CORPUS_ONLINE=1`: skip the warm-up and run both tools online instead of `--offline`.
//! * `SEAL_CORPUS_KEEP=1`: keep every work folder (by default only the folders of mismatching releases
//!   are kept, and their path is printed).
//! * `SEAL_CORPUS_RESPECT_GITIGNORE=1`: commit with `git add -A` instead of `git add -A -f`, so files
//!   the crate's own `.gitignore` matches stay untracked (and drop out of both packages).
//! * `SEAL_CORPUS_SELF_CHECK=1`: run real cargo on both sides, to check the harness itself is
//!   deterministic (every release must then be identical).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

// The byte-level tar reader shared with the parity suite; the corpus only adds its category summary.
use crate::support::tarball;

const SEAL_BIN: &str = env!("CARGO_BIN_EXE_cargo-seal");
const GIT_DATE: &str = "2000-01-01 00:00:00 +0000";
const FETCH_BATCH: usize = 16;

#[derive(Clone, Debug)]
struct Release {
    name: String,
    version: String,
}

impl Release {
    fn id(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }
    fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

/// Settings shared by every worker.
struct Ctx {
    cargo: PathBuf,
    cargo_home: PathBuf,
    work: PathBuf,
    offline: bool,
    self_check: bool,
    keep_all: bool,
    respect_gitignore: bool,
}

/// A prepared release: one git repository per tool.
struct Prepared {
    dir_cargo: PathBuf,
    dir_seal: PathBuf,
    warmup: Duration,
    /// The published `.crate`.
    published: PathBuf,
}

enum Outcome {
    Identical,
    Differ(Difference),
    CargoFailed(String),
    SealFailed(String),
    /// The harness could not obtain or prepare the release (download, unpack, git).
    Unavailable(String),
}

struct Row {
    release: Release,
    outcome: Outcome,
    prepare: Duration,
    cargo: Option<Duration>,
    seal: Option<Duration>,
    kept: Option<PathBuf>,
    /// `verify --sources` of the published crate: its verdict and the releases named, or why not.
    published: Option<Result<(String, Option<String>), String>>,
}

#[test]
#[ignore = "network and minutes: run with cargo test --test it corpus -- --ignored"]
fn public_corpus_is_byte_identical() {
    let started = Instant::now();
    let list_path = std::env::var_os("SEAL_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public-crates.txt"),
        PathBuf::from,
    );
    let list = fs::read_to_string(&list_path)
        .unwrap_or_else(|e| panic!("cannot read corpus list {}: {e}", list_path.display()));
    let all = parse_list(&list);
    let selected = select(&all, std::env::var("SEAL_CORPUS_ONLY").ok().as_deref());
    assert!(!selected.is_empty(), "SEAL_CORPUS_ONLY selects nothing from {}", list_path.display());

    let jobs = std::env::var("SEAL_CORPUS_JOBS")
        .ok()
        .and_then(|j| j.parse::<usize>().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get().min(4)))
        .max(1);
    let flag = |var: &str| std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0");

    let work = tempfile::Builder::new().prefix("seal-corpus-").tempdir().expect("temp dir");
    let ctx = Ctx {
        cargo: std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from),
        cargo_home: cargo_home(),
        work: work.path().to_path_buf(),
        offline: !flag("SEAL_CORPUS_ONLINE"),
        self_check: flag("SEAL_CORPUS_SELF_CHECK"),
        keep_all: flag("SEAL_CORPUS_KEEP"),
        respect_gitignore: flag("SEAL_CORPUS_RESPECT_GITIGNORE"),
    };

    // 1. fetch
    let t = Instant::now();
    let fetch = fetch_all(&ctx, &selected);
    let fetch_time = t.elapsed();
    eprintln!(
        "fetch: {} of {} releases downloaded by {} `cargo fetch` run(s) in {}",
        fetch.fetched,
        selected.len(),
        fetch.runs,
        secs(fetch_time)
    );

    // 2. prepare (unpack, commit, copies, online warm-up), all before any comparison runs, so the
    //    index cache does not change between the two offline runs of one release.
    let t = Instant::now();
    let done = AtomicUsize::new(0);
    let prepared = par_map(&selected, jobs, |r| {
        let t = Instant::now();
        let res = match fetch.crate_files.get(&r.id()) {
            Some(file) => prepare(&ctx, r, file),
            None => Err(fetch.errors.get(&r.id()).cloned().unwrap_or_else(|| "not downloaded".into())),
        };
        let took = t.elapsed();
        let note = match &res {
            Ok(p) => format!("prepared (warm-up {})", secs(p.warmup)),
            Err(e) => format!("unavailable: {}", first_line(e)),
        };
        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
        eprintln!("prepare [{n:>3}/{}] {}: {note} in {}", selected.len(), r.label(), secs(took));
        (res, took)
    });
    let prepare_time = t.elapsed();

    // 3. compare
    let t = Instant::now();
    let items: Vec<_> = selected.iter().zip(prepared).collect();
    let done = AtomicUsize::new(0);
    let rows = par_map(&items, jobs, |(r, (prep, prep_time))| {
        let row = run_one(&ctx, r, prep, *prep_time);
        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
        eprintln!("compare [{n:>3}/{}] {}: {}", items.len(), r.label(), status_line(&row));
        row
    });
    let compare_time = t.elapsed();

    let mut report = String::new();
    let _ = writeln!(
        report,
        "cargo-seal public parity corpus: {} ({} listed, {} selected)",
        list_path.display(),
        all.len(),
        selected.len()
    );
    let _ = writeln!(
        report,
        "mode: {}{}{}; jobs: {jobs}; cargo: {}; seal: {}",
        if ctx.offline { "offline after an online warm-up" } else { "online" },
        if ctx.respect_gitignore { "; git add -A (ignored files untracked)" } else { "; git add -A -f" },
        if ctx.self_check { "; SELF CHECK (cargo on both sides)" } else { "" },
        ctx.cargo.display(),
        SEAL_BIN
    );
    let _ = writeln!(
        report,
        "time: fetch {} ({} downloaded, {} cargo fetch runs), prepare {}, compare {}, total {}",
        secs(fetch_time),
        fetch.fetched,
        fetch.runs,
        secs(prepare_time),
        secs(compare_time),
        secs(started.elapsed())
    );
    let summary = render(&mut report, &rows);

    let keep_root = rows.iter().any(|r| r.kept.is_some());
    if keep_root {
        let path = work.keep();
        let _ = writeln!(report, "\nwork folders of mismatching releases are kept under {}", path.display());
    }

    println!("{report}");
    let report_path = target_dir().join("corpus-report.txt");
    match fs::write(&report_path, &report) {
        Ok(()) => println!("report written to {}", report_path.display()),
        Err(e) => println!("cannot write {}: {e}", report_path.display()),
    }
    assert!(summary.ok, "{}", summary.line);
}

// ---------------------------------------------------------------------------------------------------
// list

fn parse_list(text: &str) -> Vec<Release> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut it = l.split_whitespace();
            let (Some(name), Some(version), None) = (it.next(), it.next(), it.next()) else {
                panic!("bad corpus line {l:?}: expected `name version`");
            };
            Release { name: name.to_owned(), version: version.to_owned() }
        })
        .collect()
}

fn select(all: &[Release], only: Option<&str>) -> Vec<Release> {
    let Some(only) = only.filter(|s| !s.trim().is_empty()) else {
        return all.to_vec();
    };
    let wanted: Vec<&str> = only.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    all.iter()
        .filter(|r| {
            wanted.iter().any(|w| match w.split_once('@') {
                Some((n, v)) => n == r.name && v == r.version,
                None => *w == r.name,
            })
        })
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// environment

fn cargo_home() -> PathBuf {
    if let Some(h) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(h);
    }
    let home = std::env::var_os("HOME").expect("neither CARGO_HOME nor HOME is set");
    Path::new(&home).join(".cargo")
}

/// `target/` of this project (the parent of `CARGO_TARGET_TMPDIR`, which honours `CARGO_TARGET_DIR`).
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map_or_else(|| tmp.to_path_buf(), Path::to_path_buf)
}

/// Deterministic environment for git and for both packagers: no system or global git config, no
/// inherited repository overrides, no colours.
fn hygiene(cmd: &mut Command) -> &mut Command {
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_CEILING_DIRECTORIES",
        "GIT_CONFIG",
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_PARAMETERS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null").env("CARGO_TERM_COLOR", "never")
}

fn run(cmd: &mut Command) -> Result<Output, String> {
    let shown = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let out = hygiene(cmd).output().map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!("`{shown}` failed ({}):\n{}", out.status, tail(&String::from_utf8_lossy(&out.stderr), 40)))
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
        .args(args)
        .env("GIT_AUTHOR_NAME", "cargo-seal corpus")
        .env("GIT_AUTHOR_EMAIL", "corpus@cargo-seal.invalid")
        .env("GIT_COMMITTER_NAME", "cargo-seal corpus")
        .env("GIT_COMMITTER_EMAIL", "corpus@cargo-seal.invalid")
        .env("GIT_AUTHOR_DATE", GIT_DATE)
        .env("GIT_COMMITTER_DATE", GIT_DATE);
    run(&mut cmd).map(drop)
}

// ---------------------------------------------------------------------------------------------------
// 1. fetch

#[derive(Default)]
struct Fetched {
    /// `name-version` → cached `.crate`
    crate_files: BTreeMap<String, PathBuf>,
    /// `name-version` → why it could not be downloaded
    errors: BTreeMap<String, String>,
    fetched: usize,
    runs: usize,
}

fn cached_crate(ctx: &Ctx, r: &Release) -> Option<PathBuf> {
    let cache = ctx.cargo_home.join("registry").join("cache");
    let file = format!("{}.crate", r.id());
    let mut dirs: Vec<PathBuf> = fs::read_dir(&cache).ok()?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    // crates.io's cache folder first (`index.crates.io-<hash>`), then any other registry.
    dirs.sort_by_key(|d| {
        (!d.file_name().is_some_and(|n| n.to_string_lossy().starts_with("index.crates.io-")), d.clone())
    });
    dirs.into_iter().map(|d| d.join(&file)).find(|p| p.is_file())
}

fn fetch_all(ctx: &Ctx, releases: &[Release]) -> Fetched {
    let mut out = Fetched::default();
    let mut missing: Vec<Release> = Vec::new();
    for r in releases {
        match cached_crate(ctx, r) {
            Some(p) => {
                out.crate_files.insert(r.id(), p);
            }
            None => missing.push(r.clone()),
        }
    }
    out.fetched = missing.len();
    if missing.is_empty() {
        return out;
    }
    // All at once, then in batches, then one at a time: a few releases may not resolve together
    // (conflicting `links`, incompatible pins of a shared dependency, yanked releases).
    let mut groups: Vec<Vec<Release>> = vec![missing];
    let mut smaller = [FETCH_BATCH, 1].into_iter();
    loop {
        let mut failed = Vec::new();
        for group in &groups {
            out.runs += 1;
            let res = fetch_group(ctx, group, out.runs);
            for r in group {
                if let Some(p) = cached_crate(ctx, r) {
                    out.crate_files.insert(r.id(), p);
                } else if let Err(e) = &res {
                    out.errors.insert(r.id(), e.clone());
                    failed.push(r.clone());
                } else {
                    out.errors.insert(r.id(), "cargo fetch succeeded but the .crate is not in the cache".into());
                }
            }
        }
        match smaller.next() {
            Some(n) if !failed.is_empty() => groups = failed.chunks(n).map(<[Release]>::to_vec).collect(),
            _ => break,
        }
    }
    out
}

fn fetch_group(ctx: &Ctx, group: &[Release], run_no: usize) -> Result<(), String> {
    let dir = ctx.work.join(format!("fetch-{run_no}"));
    fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    fs::write(dir.join("src/lib.rs"), "").map_err(|e| e.to_string())?;
    let mut manifest = String::from(
        "[package]\nname = \"seal-corpus-fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n[dependencies]\n",
    );
    for (i, r) in group.iter().enumerate() {
        let _ = writeln!(manifest, "{}_v_{i} = {{ package = \"{}\", version = \"={}\" }}", r.name, r.name, r.version);
    }
    fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&ctx.cargo);
    cmd.current_dir(&dir).arg("fetch");
    run(&mut cmd).map(drop)
}

// ---------------------------------------------------------------------------------------------------
// 2. prepare

fn prepare(ctx: &Ctx, r: &Release, crate_file: &Path) -> Result<Prepared, String> {
    let root = ctx.work.join(r.id());
    let base = root.join("src");
    unpack(crate_file, &base, r)?;
    let pkg = base.join(r.id());
    fs::remove_file(pkg.join("Cargo.toml")).map_err(|e| format!("remove Cargo.toml: {e}"))?;
    match fs::remove_file(pkg.join(".cargo_vcs_info.json")) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("remove .cargo_vcs_info.json: {e}")),
    }
    fs::rename(pkg.join("Cargo.toml.orig"), pkg.join("Cargo.toml"))
        .map_err(|e| format!("rename Cargo.toml.orig: {e}"))?;
    git(&pkg, &["init", "-q"])?;
    // "Add everything": `-f` also stages files that the crate's own `.gitignore` matches. Those files
    // were published, so tracking them reproduces the published file set (cargo packages tracked files
    // even when ignored, and a tracked file is never "ignored" for the dirty check). Without `-f` they
    // would stay untracked-and-ignored and silently drop out of both packages.
    git(&pkg, if ctx.respect_gitignore { &["add", "-A"] } else { &["add", "-A", "-f"] })?;
    git(&pkg, &["commit", "-q", "--no-verify", "-m", "corpus"])?;

    let layout = |side: &str| root.join(side).join(r.id());
    let mut warmup = Duration::ZERO;
    if ctx.offline {
        // Real cargo, online, in a throw-away copy: fills the index cache with every dependency the
        // offline resolutions need (dev-dependencies and locked versions included). Its result is
        // not used; a failure here shows up again as `cargo-failed` below.
        let w = layout("w");
        copy_dir(&pkg, &w)?;
        let t = Instant::now();
        let _ = package_with(&ctx.cargo, &w, &root.join("w-target"), false, r);
        warmup = t.elapsed();
        let _ = fs::remove_dir_all(root.join("w"));
        let _ = fs::remove_dir_all(root.join("w-target"));
    }
    let (dir_cargo, dir_seal) = (layout("a"), layout("b"));
    copy_dir(&pkg, &dir_cargo)?;
    copy_dir(&pkg, &dir_seal)?;
    let _ = fs::remove_dir_all(&base);
    Ok(Prepared { dir_cargo, dir_seal, warmup, published: crate_file.to_owned() })
}

fn unpack(crate_file: &Path, dest: &Path, r: &Release) -> Result<(), String> {
    let file = fs::File::open(crate_file).map_err(|e| format!("open {}: {e}", crate_file.display()))?;
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    ar.unpack(dest).map_err(|e| format!("unpack {}: {e}", crate_file.display()))?;
    let pkg = dest.join(r.id());
    if pkg.join("Cargo.toml.orig").is_file() {
        Ok(())
    } else {
        Err(format!("{} has no {}/Cargo.toml.orig", crate_file.display(), r.id()))
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("mkdir {}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("read {}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let ty = entry.file_type().map_err(|e| e.to_string())?;
        if ty.is_dir() {
            copy_dir(&src, &dst)?;
        } else if ty.is_symlink() {
            let target = fs::read_link(&src).map_err(|e| e.to_string())?;
            symlink(&target, &dst)?;
        } else {
            // `fs::copy` keeps the permission bits (the executable bit matters for tar headers).
            fs::copy(&src, &dst).map_err(|e| format!("copy {}: {e}", src.display()))?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> Result<(), String> {
    std::os::unix::fs::symlink(target, link).map_err(|e| format!("symlink {}: {e}", link.display()))
}

#[cfg(not(unix))]
fn symlink(_target: &Path, link: &Path) -> Result<(), String> {
    Err(format!("symlink {}: unsupported on this platform", link.display()))
}

// ---------------------------------------------------------------------------------------------------
// 3. compare

/// Runs `<program> package --no-verify --allow-dirty --target-dir <target> [--offline]` in `dir` and
/// returns the `.crate` bytes.
fn package_with(
    program: &Path,
    dir: &Path,
    target: &Path,
    offline: bool,
    r: &Release,
) -> Result<(Vec<u8>, Duration), String> {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir).args(["package", "--no-verify", "--allow-dirty", "--target-dir"]).arg(target);
    if offline {
        cmd.arg("--offline");
    }
    let t = Instant::now();
    run(&mut cmd)?;
    let took = t.elapsed();
    let file = target.join("package").join(format!("{}.crate", r.id()));
    let bytes = fs::read(&file).map_err(|e| format!("exit 0 but cannot read {}: {e}", file.display()))?;
    Ok((bytes, took))
}

fn run_one(ctx: &Ctx, r: &Release, prep: &Result<Prepared, String>, prepare: Duration) -> Row {
    let mut row = Row {
        release: r.clone(),
        outcome: Outcome::Identical,
        prepare,
        cargo: None,
        seal: None,
        kept: None,
        published: None,
    };
    let p = match prep {
        Ok(p) => p,
        Err(e) => {
            row.outcome = Outcome::Unavailable(e.clone());
            return row;
        }
    };
    let root = ctx.work.join(r.id());
    if !ctx.self_check {
        row.published = Some(reverify_published(ctx, p));
    }
    let seal_program = if ctx.self_check { ctx.cargo.clone() } else { PathBuf::from(SEAL_BIN) };
    let cargo_res = package_with(&ctx.cargo, &p.dir_cargo, &root.join("a-target"), ctx.offline, r);
    let seal_res = package_with(&seal_program, &p.dir_seal, &root.join("b-target"), ctx.offline, r);
    row.cargo = cargo_res.as_ref().ok().map(|x| x.1);
    row.seal = seal_res.as_ref().ok().map(|x| x.1);
    // Error texts name the work folders; shorten them so that equal errors group together.
    let short = |e: String| {
        e.replace(&p.dir_cargo.display().to_string(), "<pkg>")
            .replace(&p.dir_seal.display().to_string(), "<pkg>")
            .replace(&root.display().to_string(), "<work>")
    };
    row.outcome = match (cargo_res, seal_res) {
        (Err(e), _) => Outcome::CargoFailed(short(e)),
        (Ok(_), Err(e)) => Outcome::SealFailed(short(e)),
        (Ok((a, _)), Ok((b, _))) if a == b => Outcome::Identical,
        (Ok((a, _)), Ok((b, _))) => Outcome::Differ(explain(&a, &b)),
    };
    if ctx.keep_all || matches!(row.outcome, Outcome::Differ(_) | Outcome::SealFailed(_)) {
        row.kept = Some(root);
    } else {
        let _ = fs::remove_dir_all(&root);
    }
    row
}

/// ERA-VERIFY, VER-SOURCES: the published crate verified against its own sources (the prepared
/// copy, before either tool packages it), which names the cargo releases that wrote it byte for
/// byte. Its recorded commit is not in the copy, so it is taken as recorded.
fn reverify_published(ctx: &Ctx, p: &Prepared) -> Result<(String, Option<String>), String> {
    let mut cmd = Command::new(SEAL_BIN);
    cmd.arg("verify").arg(&p.published).arg("--sources").arg(&p.dir_seal).args(["--format", "json"]);
    if ctx.offline {
        cmd.arg("--offline");
    }
    let out = hygiene(&mut cmd).output().map_err(|e| format!("cannot run {SEAL_BIN} verify: {e}"))?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("verify printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))?;
    match report["verdict"].as_str() {
        Some(verdict) => Ok((verdict.to_owned(), report["cargo"].as_str().map(str::to_owned))),
        None => Err(report["error"].as_str().unwrap_or("no verdict").to_owned()),
    }
}

// ---------------------------------------------------------------------------------------------------
// explaining a difference

struct Difference {
    /// Aspects over every differing entry, e.g. `Cargo.toml content` or `source file header: mode`.
    category: Vec<String>,
    /// Human readable details, first difference first.
    detail: Vec<String>,
}

struct Record {
    /// Effective path (for a GNU long-name record: `././@LongLink` plus the name it carries).
    path: String,
    header: Vec<u8>,
    data: Vec<u8>,
}

/// The entries of a tar stream as records, a `././@LongLink` block being a record of its own so that
/// its header is compared like any other; plus the length of the trailer.
fn records(tar: &[u8]) -> Result<(Vec<Record>, usize), String> {
    let parsed = tarball::parse(tar)?;
    let mut records = Vec::new();
    for entry in &parsed.entries {
        if let Some((header, name)) = entry.long_link {
            let path = format!("././@LongLink (long name for {})", entry.path);
            records.push(Record { path, header: header.to_vec(), data: name.to_vec() });
        }
        records.push(Record { path: entry.path.clone(), header: entry.header.to_vec(), data: entry.data.to_vec() });
    }
    Ok((records, parsed.trailer.len()))
}

/// Classifies an entry path for the category summary.
fn class(path: &str) -> String {
    if path.contains("(long name for") {
        return "GNU long-name record".into();
    }
    let rel = path.split_once('/').map_or(path, |(_, rel)| rel);
    match rel {
        "Cargo.toml" | "Cargo.toml.orig" | "Cargo.lock" | ".cargo_vcs_info.json" => rel.into(),
        _ => "source file".into(),
    }
}

fn show_bytes(b: &[u8]) -> String {
    let trimmed_len = b.iter().rposition(|x| *x != 0).map_or(0, |p| p + 1);
    let mut s = String::from("\"");
    for &c in &b[..trimmed_len] {
        match c {
            0 => s.push_str("\\0"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                let _ = write!(s, "\\x{c:02x}");
            }
        }
    }
    s.push('"');
    let nuls = b.len() - trimmed_len;
    if nuls > 0 {
        let _ = write!(s, "+{nuls}×NUL");
    }
    s
}

/// Names of the header fields that differ (`chksum` only when nothing else does, since it follows from
/// the rest), with both values.
fn header_diff(a: &[u8], b: &[u8]) -> (Vec<&'static str>, Vec<String>) {
    let mut names = Vec::new();
    let mut lines = Vec::new();
    for &(name, off, len) in tarball::HEADER_FIELDS {
        let (x, y) = (&a[off..off + len], &b[off..off + len]);
        if x != y {
            names.push(name);
            lines.push(format!("header {name} @{off}+{len}: cargo {} | seal {}", show_bytes(x), show_bytes(y)));
        }
    }
    if names.len() > 1 {
        names.retain(|n| *n != "chksum");
    }
    (names, lines)
}

fn explain(a: &[u8], b: &[u8]) -> Difference {
    let mut d = Difference { category: Vec::new(), detail: Vec::new() };
    let aspect = |d: &mut Difference, s: String| {
        if !d.category.contains(&s) {
            d.category.push(s);
        }
    };
    let first = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    d.detail.push(format!("gzip: cargo {} bytes, seal {} bytes, first differing byte at {first}", a.len(), b.len()));
    let (ta, tb) = match (tarball::gunzip(a), tarball::gunzip(b)) {
        (Ok((x, _)), Ok((y, _))) => (x, y),
        (x, y) => {
            aspect(&mut d, "gzip stream undecodable".into());
            d.detail.push(format!("gunzip: cargo {:?} | seal {:?}", x.err(), y.err()));
            return d;
        }
    };
    if ta == tb {
        aspect(&mut d, "gzip encoding only (tar identical)".into());
        let (ha, hb) = (&a[..a.len().min(10)], &b[..b.len().min(10)]);
        if ha != hb {
            d.detail.push(format!("gzip header: cargo {ha:02x?} | seal {hb:02x?}"));
        }
        return d;
    }
    d.detail.push(format!("tar: cargo {} bytes, seal {} bytes", ta.len(), tb.len()));
    let (ra, trail_a) = match records(&ta) {
        Ok(x) => x,
        Err(e) => {
            aspect(&mut d, "cargo tar unparsable".into());
            d.detail.push(e);
            return d;
        }
    };
    let (rb, trail_b) = match records(&tb) {
        Ok(x) => x,
        Err(e) => {
            aspect(&mut d, "seal tar unparsable".into());
            d.detail.push(e);
            return d;
        }
    };
    let names_a: Vec<&str> = ra.iter().map(|r| r.path.as_str()).collect();
    let names_b: Vec<&str> = rb.iter().map(|r| r.path.as_str()).collect();
    if names_a != names_b {
        let only_a: Vec<&str> = names_a.iter().filter(|n| !names_b.contains(n)).copied().collect();
        let only_b: Vec<&str> = names_b.iter().filter(|n| !names_a.contains(n)).copied().collect();
        if only_a.is_empty() && only_b.is_empty() {
            aspect(&mut d, "entry order".into());
        } else {
            aspect(&mut d, "entry set".into());
        }
        if let Some(i) = names_a.iter().zip(&names_b).position(|(x, y)| x != y) {
            d.detail.push(format!("entry #{i}: cargo `{}` | seal `{}`", names_a[i], names_b[i]));
        }
        d.detail.push(format!(
            "{} entries in cargo's, {} in seal's; only in cargo's: {}; only in seal's: {}",
            names_a.len(),
            names_b.len(),
            list_short(&only_a),
            list_short(&only_b)
        ));
    }
    // Compare entries by path (in cargo's order), so one missing entry does not hide the rest.
    let mut shown = 0;
    let mut differing = 0;
    for (i, x) in ra.iter().enumerate() {
        let Some(y) = rb.iter().find(|y| y.path == x.path) else {
            continue;
        };
        let (fields, field_lines) = header_diff(&x.header, &y.header);
        let content = x.data != y.data;
        if fields.is_empty() && !content {
            continue;
        }
        differing += 1;
        let cls = class(&x.path);
        if !fields.is_empty() {
            aspect(&mut d, format!("{cls} header: {}", fields.join(",")));
        }
        if content {
            aspect(&mut d, format!("{cls} content"));
        }
        if shown >= 8 {
            continue;
        }
        shown += 1;
        d.detail.push(format!("entry #{i} `{}`:", x.path));
        d.detail.extend(field_lines.into_iter().map(|l| format!("  {l}")));
        if content {
            d.detail.extend(content_diff(&x.data, &y.data).into_iter().map(|l| format!("  {l}")));
        }
    }
    if differing > shown {
        d.detail.push(format!("... and {} more differing entries", differing - shown));
    }
    if trail_a != trail_b || ta[ta.len() - trail_a..] != tb[tb.len() - trail_b..] {
        aspect(&mut d, "tar trailer".into());
        d.detail.push(format!("tar trailer: cargo {trail_a} bytes | seal {trail_b} bytes"));
    }
    if d.category.is_empty() {
        aspect(&mut d, "unexplained".into());
    }
    d
}

fn list_short(v: &[&str]) -> String {
    if v.is_empty() {
        return "-".into();
    }
    let mut s = v.iter().take(12).map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    if v.len() > 12 {
        let _ = write!(s, " and {} more", v.len() - 12);
    }
    s
}

fn content_diff(a: &[u8], b: &[u8]) -> Vec<String> {
    let mut out = vec![format!("content: cargo {} bytes | seal {} bytes", a.len(), b.len())];
    match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(x), Ok(y)) => out.extend(line_diff(x, y, 60)),
        _ => {
            let first = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
            out.push(format!("binary; first differing byte at {first}"));
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Same,
    Del,
    Ins,
}

/// A small unified line diff (`-` cargo, `+` seal) with two lines of context.
fn line_diff(a: &str, b: &str, max: usize) -> Vec<String> {
    let la: Vec<&str> = a.split('\n').collect();
    let lb: Vec<&str> = b.split('\n').collect();
    let pre = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    let suf = la[pre..].iter().rev().zip(lb[pre..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (&la[pre..la.len() - suf], &lb[pre..lb.len() - suf]);
    let mut ops = vec![Op::Same; pre];
    if ma.len().saturating_mul(mb.len()) <= 4_000_000 {
        // LCS table over the differing middle.
        let w = mb.len() + 1;
        let mut t = vec![0u32; (ma.len() + 1) * w];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                t[i * w + j] =
                    if ma[i] == mb[j] { t[(i + 1) * w + j + 1] + 1 } else { t[(i + 1) * w + j].max(t[i * w + j + 1]) };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() || j < mb.len() {
            if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
                ops.push(Op::Same);
                i += 1;
                j += 1;
            } else if i < ma.len() && (j == mb.len() || t[(i + 1) * w + j] >= t[i * w + j + 1]) {
                ops.push(Op::Del);
                i += 1;
            } else {
                ops.push(Op::Ins);
                j += 1;
            }
        }
    } else {
        ops.extend(std::iter::repeat_n(Op::Del, ma.len()));
        ops.extend(std::iter::repeat_n(Op::Ins, mb.len()));
    }
    ops.extend(std::iter::repeat_n(Op::Same, suf));

    // Which ops to print: changes plus two lines of context.
    let near_change: Vec<bool> = (0..ops.len())
        .map(|k| ops[k.saturating_sub(2)..(k + 3).min(ops.len())].iter().any(|o| *o != Op::Same))
        .collect();
    let mut out = Vec::new();
    let (mut i, mut j) = (0usize, 0usize);
    let mut in_hunk = false;
    let mut printed = 0;
    let mut skipped = 0;
    for (k, op) in ops.iter().enumerate() {
        if near_change[k] {
            if printed >= max {
                skipped += usize::from(*op != Op::Same);
            } else {
                if !in_hunk {
                    out.push(format!("@@ cargo line {}, seal line {}", i + 1, j + 1));
                    in_hunk = true;
                }
                let (sign, line) = match op {
                    Op::Same => (' ', la[i]),
                    Op::Del => ('-', la[i]),
                    Op::Ins => ('+', lb[j]),
                };
                out.push(format!("{sign} {line}"));
                printed += 1;
            }
        } else {
            in_hunk = false;
        }
        match op {
            Op::Same => {
                i += 1;
                j += 1;
            }
            Op::Del => i += 1,
            Op::Ins => j += 1,
        }
    }
    if skipped > 0 {
        out.push(format!("... {skipped} more changed lines"));
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// report

struct Summary {
    ok: bool,
    line: String,
}

fn secs(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn kind(o: &Outcome) -> &'static str {
    match o {
        Outcome::Identical => "identical",
        Outcome::Differ(_) => "differ",
        Outcome::CargoFailed(_) => "cargo-failed",
        Outcome::SealFailed(_) => "seal-failed",
        Outcome::Unavailable(_) => "unavailable",
    }
}

fn status_line(row: &Row) -> String {
    let t = |d: Option<Duration>| d.map_or_else(|| "-".into(), secs);
    let extra = match &row.outcome {
        Outcome::Differ(d) => format!(": {}", d.category.join(" + ")),
        Outcome::SealFailed(e) | Outcome::CargoFailed(e) | Outcome::Unavailable(e) => {
            format!(": {}", last_error_line(e))
        }
        Outcome::Identical => String::new(),
    };
    format!("{} (cargo {}, seal {}){extra}", kind(&row.outcome), t(row.cargo), t(row.seal))
}

/// The most telling line of a failure: cargo-style `error:` lines first.
fn last_error_line(e: &str) -> &str {
    e.lines().find(|l| l.trim_start().starts_with("error")).unwrap_or_else(|| first_line(e)).trim()
}

/// The published crates re-verified with era profiles: verdicts, and the releases named.
fn render_published(out: &mut String, rows: &[Row]) {
    let checked: Vec<_> = rows.iter().filter_map(|r| Some((r, r.published.as_ref()?))).collect();
    if checked.is_empty() {
        return;
    }
    let mut verdicts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut eras: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, result) in &checked {
        let verdict = result.as_ref().map_or("error", |(verdict, _)| verdict.as_str());
        *verdicts.entry(verdict).or_default() += 1;
        if let Ok((_, Some(era))) = result {
            *eras.entry(era.as_str()).or_default() += 1;
        }
    }
    let _ = writeln!(out, "\npublished crates re-verified against their own sources (verify --sources)");
    for (verdict, n) in &verdicts {
        let _ = writeln!(out, "  {verdict:<14}{n}");
    }
    let by_era: Vec<String> = eras.iter().map(|(era, n)| format!("{n} cargo {era}")).collect();
    let _ = writeln!(out, "  identical by era: {}", by_era.join(", "));
    for (r, result) in checked {
        match result {
            Ok((verdict, _)) if verdict == "identical" => {}
            Ok((verdict, _)) => {
                let _ = writeln!(out, "  {:<40} {verdict}", r.release.label());
            }
            Err(e) => {
                let _ = writeln!(out, "  {:<40} error: {}", r.release.label(), first_line(e));
            }
        }
    }
}

fn render(out: &mut String, rows: &[Row]) -> Summary {
    let count = |k: &str| rows.iter().filter(|r| kind(&r.outcome) == k).count();
    let (identical, differ, cargo_failed, seal_failed, unavailable) =
        (count("identical"), count("differ"), count("cargo-failed"), count("seal-failed"), count("unavailable"));
    let comparable = identical + differ + seal_failed;
    let total = |f: fn(&Row) -> Option<Duration>| rows.iter().filter_map(f).sum::<Duration>();

    let _ = writeln!(out, "\n{:<40} {:<13} {:>8} {:>8} {:>8}  detail", "release", "result", "prepare", "cargo", "seal");
    for r in rows {
        let t = |d: Option<Duration>| d.map_or_else(|| "-".into(), secs);
        let detail = match &r.outcome {
            Outcome::Differ(d) => d.category.join(" + "),
            Outcome::SealFailed(e) | Outcome::CargoFailed(e) | Outcome::Unavailable(e) => {
                last_error_line(e).to_string()
            }
            Outcome::Identical => String::new(),
        };
        let line = format!(
            "{:<40} {:<13} {:>8} {:>8} {:>8}  {detail}",
            r.release.label(),
            kind(&r.outcome),
            secs(r.prepare),
            t(r.cargo),
            t(r.seal)
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }

    let _ = writeln!(out, "\nsummary");
    let _ = writeln!(out, "  identical     {identical}");
    let _ = writeln!(out, "  differ        {differ}");
    let _ = writeln!(out, "  seal-failed   {seal_failed}");
    let _ = writeln!(out, "  cargo-failed  {cargo_failed}   (real cargo cannot package these here: not counted)");
    let _ = writeln!(out, "  unavailable   {unavailable}   (download or preparation failed: not counted)");
    let _ = writeln!(
        out,
        "  time in packaging: cargo {}, seal {} (over releases both packaged)",
        secs(total(|r| r.seal.and(r.cargo))),
        secs(total(|r| r.cargo.and(r.seal)))
    );
    let line = format!("{identical}/{comparable} byte-identical");
    let _ = writeln!(out, "  {line}");
    render_published(out, rows);

    // Group mismatches by category.
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        let key = match &r.outcome {
            Outcome::Differ(d) => format!("differ: {}", d.category.join(" + ")),
            Outcome::SealFailed(e) => format!("seal-failed: {}", last_error_line(e)),
            _ => continue,
        };
        groups.entry(key).or_default().push(r.release.label());
    }
    if !groups.is_empty() {
        let _ = writeln!(out, "\nmismatches by category");
        for (k, v) in &groups {
            let _ = writeln!(out, "  [{}] {k}\n      {}", v.len(), v.join(", "));
        }
    }

    for r in rows {
        let (title, lines): (&str, Vec<String>) = match &r.outcome {
            Outcome::Differ(d) => ("differ", d.detail.clone()),
            Outcome::SealFailed(e) => ("seal-failed", e.lines().map(str::to_string).collect()),
            Outcome::CargoFailed(e) => ("cargo-failed", e.lines().map(str::to_string).collect()),
            Outcome::Unavailable(e) => ("unavailable", e.lines().map(str::to_string).collect()),
            Outcome::Identical => continue,
        };
        let _ = writeln!(out, "\n== {} {title}", r.release.label());
        if let Some(k) = &r.kept {
            let _ = writeln!(out, "   work folder (<work>): {} (a = cargo, b = seal)", k.display());
        }
        for l in lines {
            let _ = writeln!(out, "   {l}");
        }
    }
    let _ = writeln!(out, "\n{line}");
    Summary { ok: comparable > 0 && differ == 0 && seal_failed == 0, line }
}

// ---------------------------------------------------------------------------------------------------
// thread pool

/// Maps `f` over `items` on `jobs` threads pulling from a shared counter; results keep input order.
fn par_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(items.len()).max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(r);
                }
            });
        }
    });
    slots
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .map(|r| r.expect("worker panicked"))
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// self-tests of the difference explainer (fast, offline; they run with the normal test suite)

#[cfg(test)]
fn gz_tar(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
    use std::io::Write as _;
    let mut b = tar::Builder::new(Vec::new());
    for (path, mode, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(*mode);
        h.set_size(data.len() as u64);
        h.set_mtime(1_153_704_088);
        h.set_cksum();
        b.append_data(&mut h, path, *data).expect("append");
    }
    let tar = b.into_inner().expect("tar");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&tar).expect("gzip");
    gz.finish().expect("gzip")
}

#[test]
fn explain_names_header_field_and_content() {
    let a = gz_tar(&[
        ("p-1.0.0/Cargo.toml", 0o644, b"[package]\nname = \"p\"\nedition = \"2021\"\n"),
        ("p-1.0.0/x.sh", 0o755, b"x"),
    ]);
    let b = gz_tar(&[
        ("p-1.0.0/Cargo.toml", 0o644, b"[package]\nname = \"p\"\nedition = \"2024\"\n"),
        ("p-1.0.0/x.sh", 0o644, b"x"),
    ]);
    let d = explain(&a, &b);
    assert_eq!(d.category, ["Cargo.toml content", "source file header: mode"]);
    let text = d.detail.join("\n");
    assert!(text.contains("\n  - edition = \"2021\"\n  + edition = \"2024\"\n"), "{text}");
    assert!(text.contains("header mode @100+8: cargo \"0000755\"+1×NUL | seal \"0000644\"+1×NUL"), "{text}");
}

#[test]
fn explain_reports_entry_set_and_gzip_only() {
    let a = gz_tar(&[("p-1.0.0/Cargo.lock", 0o644, b"x"), ("p-1.0.0/a.rs", 0o644, b"a")]);
    let b = gz_tar(&[("p-1.0.0/a.rs", 0o644, b"a")]);
    let d = explain(&a, &b);
    assert_eq!(d.category, ["entry set"]);
    assert!(
        d.detail.iter().any(|l| l.contains("only in cargo's: `p-1.0.0/Cargo.lock`; only in seal's: -")),
        "{:?}",
        d.detail
    );

    let (tar, _) = tarball::gunzip(&a).expect("gunzip");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar).expect("gzip");
    let d = explain(&a, &gz.finish().expect("gzip"));
    assert_eq!(d.category, ["gzip encoding only (tar identical)"]);
}

#[test]
fn line_diff_shows_deletions_before_insertions() {
    let d = line_diff("a\nb\nc\nd\ne\nf\n", "a\nb\nC\nd\ne\nf\ng\n", 60);
    assert_eq!(d, ["@@ cargo line 1, seal line 1", "  a", "  b", "- c", "+ C", "  d", "  e", "  f", "+ g", "  "]);
    let d = line_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\nX\n3\n4\n5\n6\n7\nY\n9\n", 60);
    assert_eq!(
        d,
        [
            "@@ cargo line 1, seal line 1",
            "  1",
            "- 2",
            "+ X",
            "  3",
            "  4",
            "@@ cargo line 6, seal line 6",
            "  6",
            "  7",
            "- 8",
            "+ Y",
            "  9",
            "  "
        ]
    );
}
