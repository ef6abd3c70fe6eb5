//! The archive's `Cargo.lock` (spec: `LOCK-*`). Cargo is the resolver: this module only sets the
//! stage as `cargo package` does and lets `cargo` resolve.
//!
//! Cargo 1.95 resolves in two steps. First it brings the workspace's own `Cargo.lock` up to date
//! (and writes it back) if one exists. Then it resolves a throw-away workspace holding only the
//! normalized manifest, starting from that lock, and serializes the result without the lock-format
//! bump that writing a lock file to disk would apply. We reproduce both steps with a cargo command
//! that runs cargo's own workspace resolve and lock writer and nothing else ([`Cargo::resolve_ws`],
//! LOCK-RUN), then undo the format bump. Members made earlier in the same run are resolved from a
//! local registry laid over crates.io ([`LocalRegistry`]).

mod registry;

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_util_schemas::core::{PackageIdSpec, SourceKind};
use cargo_util_schemas::lockfile::{TomlLockfile, TomlLockfileSourceId};
use cargo_util_schemas::manifest::{StringOrBool, TomlManifest, TomlTarget};

use crate::archive::read;

pub use registry::LocalRegistry;

/// How to run cargo.
#[derive(Debug, Clone)]
pub struct Cargo {
    /// The cargo executable (`$CARGO` when run as `cargo seal`).
    pub program: PathBuf,
    /// The directory cargo runs in: its configuration files are found from there, as for the
    /// `cargo package` this replaces.
    pub cwd: PathBuf,
    /// Cargo's own caches go here (`--target-dir`), never into the package's directory; `None`
    /// leaves the choice to cargo's configuration.
    pub target_dir: Option<PathBuf>,
    /// Where cargo keeps its record of the compiler (`.rustc_info.json`) for this workspace: its
    /// build directory, which is the target directory unless configured otherwise.
    pub build_dir: Option<PathBuf>,
    /// The caller read cargo's configuration, and it holds nothing that the rules for leaving
    /// cargo out assume absent: no `build.build-dir`, no `[patch]`, no `include`
    /// (`WS-STANDALONE`, `LOCK-NODEPS`).
    pub plain_config: bool,
    pub offline: bool,
    pub locked: bool,
    pub frozen: bool,
    /// Variables set for every cargo process (`--verify-reproducible` runs cargo under another
    /// `TZ`).
    pub env: Vec<(String, String)>,
}

impl Cargo {
    /// `cargo <args>` run where the user ran us, with its caches in the target directory and
    /// the packages of this run visible through `overlay`, if any.
    pub(crate) fn command(&self, args: &[&str], overlay: Option<&LocalRegistry>) -> Command {
        let mut command = Command::new(&self.program);
        command.args(args).current_dir(&self.cwd).envs(self.env.iter().map(|(k, v)| (k, v)));
        command.env("CARGO_TERM_COLOR", "never");
        if let Some(dir) = &self.target_dir {
            command.env("CARGO_TARGET_DIR", dir);
        }
        if let Some(overlay) = overlay {
            let (key, value) = overlay.env();
            command.env(key, value);
        }
        command
    }

    /// Runs cargo, returning its error output as the error when it fails.
    pub(crate) fn run(&self, mut command: Command) -> Result<(), Error> {
        let shown = format!("{command:?}");
        let output = command.output().map_err(|source| Error::Spawn { program: self.program.clone(), source })?;
        if output.status.success() {
            Ok(())
        } else {
            Err(Error::Cargo { command: shown, stderr: String::from_utf8_lossy(&output.stderr).trim_end().to_owned() })
        }
    }

    /// LOCK-RUN: runs cargo's workspace resolve on the workspace of `manifest` (the same
    /// `resolve_ws` that `cargo package` runs), which writes the workspace's `Cargo.lock` when the
    /// resolve changed it and reports only added or changed packages. `cargo update` would also
    /// query the registry, one request at a time, for every package of the old and new lock.
    /// The command is `cargo clean -p <package>` against a private target directory, where it
    /// finds nothing to delete; `package` is a path package of the workspace (a full package-id
    /// spec, so that no registry package of the same name is fetched).
    fn resolve_ws(
        &self,
        manifest: &Path,
        package: &PackageSpec<'_>,
        strict: bool,
        overlay: Option<&LocalRegistry>,
        scratch: &Path,
    ) -> Result<(), Error> {
        let manifest = manifest.to_string_lossy();
        let spec = package.to_string();
        let mut args = vec!["clean", "--quiet", "--manifest-path", &manifest, "--package", &spec];
        args.extend(self.network_flags(strict));
        self.run_in_scratch(&args, overlay, scratch)
    }

    /// Runs `cargo <args>` with its target and build directories in `<scratch>/target`. Cargo's
    /// record of the compiler is borrowed from the workspace's build directory, and left there
    /// when cargo had to make it, as `cargo package` leaves it.
    fn run_in_scratch(&self, args: &[&str], overlay: Option<&LocalRegistry>, scratch: &Path) -> Result<(), Error> {
        let scratch_error = |source| Error::Scratch { path: scratch.to_owned(), source };
        let build_dir = scratch.join("target");
        std::fs::create_dir_all(&build_dir).map_err(scratch_error)?;
        let scratch_info = build_dir.join(RUSTC_INFO);
        let kept = self.build_dir.as_ref().or(self.target_dir.as_ref()).map(|dir| dir.join(RUSTC_INFO));
        let borrowed = kept.as_ref().and_then(|kept| std::fs::read(kept).ok());
        if let Some(info) = &borrowed {
            std::fs::write(&scratch_info, info).map_err(scratch_error)?;
        }

        let mut command = self.command(args, overlay);
        command.env("CARGO_TARGET_DIR", &build_dir).env("CARGO_BUILD_BUILD_DIR", &build_dir);
        self.run(command)?;

        // Cargo rewrites its record when it had to ask rustc (none yet, or another toolchain).
        if let Some(kept) = kept
            && let Ok(info) = std::fs::read(&scratch_info)
            && borrowed.as_ref() != Some(&info)
            && let Some(dir) = kept.parent()
        {
            // Only a cache: a directory that cannot take it costs the next run one probe.
            let _ = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&kept, info));
        }
        Ok(())
    }

    /// LOCK-RUN without a previous lock: every package of the resolve is new, and every command
    /// but `cargo package` reports each new package with a registry query. So cargo packages a
    /// stand-in in `dir`: the normalized manifest (already there) and an empty file at each path
    /// it names, which is all `cargo package` reads besides the manifest. The lock is the one in
    /// the archive it makes. `None` when the manifest names a path outside `dir`.
    fn resolve_by_packaging(
        &self,
        dir: &Path,
        manifest: &TomlManifest,
        overlay: Option<&LocalRegistry>,
        scratch: &Path,
    ) -> Result<Option<String>, Error> {
        let scratch_error = |path: &Path| {
            let path = path.to_owned();
            move |source| Error::Scratch { path, source }
        };
        let files = named_files(manifest);
        if files.iter().any(|file| !is_inside(file)) {
            return Ok(None);
        }
        for file in files {
            let path = dir.join(file);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(scratch_error(parent))?;
            }
            std::fs::write(&path, "").map_err(scratch_error(&path))?;
        }
        let manifest_path = dir.join("Cargo.toml");
        let manifest_arg = manifest_path.to_string_lossy();
        let mut args = vec!["package", "--quiet", "--no-verify", "--allow-dirty", "--manifest-path", &manifest_arg];
        args.extend(self.network_flags(false));
        self.run_in_scratch(&args, overlay, scratch)?;

        // The one archive cargo made (a manifest without a version is packaged as 0.0.0).
        let out = scratch.join("target").join("package");
        let krate = std::fs::read_dir(&out)
            .map_err(scratch_error(&out))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .find(|path| path.extension().is_some_and(|ext| ext == "crate"))
            .ok_or_else(|| Error::NoLock { path: out.clone() })?;
        let archive = read::read_file(&krate).map_err(|source| Error::Stand { path: krate.clone(), source })?;
        let lock = archive.entry("Cargo.lock").and_then(|entry| entry.text.clone());
        lock.map(Some).ok_or(Error::NoLock { path: krate })
    }

    fn network_flags(&self, strict: bool) -> Vec<&'static str> {
        let mut flags = Vec::new();
        if self.frozen {
            flags.push(if strict { "--frozen" } else { "--offline" });
        } else {
            if self.offline {
                flags.push("--offline");
            }
            if self.locked && strict {
                flags.push("--locked");
            }
        }
        flags
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to run `{}`", program.display())]
    Spawn { program: PathBuf, source: std::io::Error },
    #[error("`{command}` failed:\n{stderr}")]
    Cargo { command: String, stderr: String },
    #[error("failed to prepare a scratch workspace for Cargo.lock in `{}`", path.display())]
    Scratch { path: PathBuf, source: std::io::Error },
    #[error("failed to add `{}` to the temporary registry in `{}`", file.display(), registry.display())]
    Registry { file: PathBuf, registry: PathBuf, source: std::io::Error },
    #[error("failed to parse lock file `{}`", path.display())]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("failed to parse the normalized manifest written to `{}`", path.display())]
    Manifest { path: PathBuf, source: toml::de::Error },
    #[error("failed to read the archive cargo made to resolve the lock file, `{}`", path.display())]
    Stand { path: PathBuf, source: read::FileError },
    #[error("the archive cargo made to resolve the lock file, `{}`, has no `Cargo.lock`", path.display())]
    NoLock { path: PathBuf },
    #[error(
        "`{}` uses lock file format version 1, which cargo would rewrite; run `cargo update --workspace` \
         to upgrade it, then package again", path.display()
    )]
    Version1 { path: PathBuf },
}

/// Cargo's record of the compiler in a build directory.
const RUSTC_INFO: &str = ".rustc_info.json";

/// A path package, named as `cargo clean -p` takes it.
#[derive(Debug, Clone, Copy)]
pub struct PackageSpec<'a> {
    pub name: &'a str,
    pub version: &'a semver::Version,
    /// The package's directory, as cargo names it (absolute, not canonicalized further).
    pub dir: &'a Path,
}

impl std::fmt::Display for PackageSpec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut spec = PackageIdSpec::new(self.name.to_owned()).with_version(self.version.clone().into());
        if let Ok(url) = url::Url::from_file_path(self.dir) {
            spec = spec.with_url(url).with_kind(SourceKind::Path);
        }
        spec.fmt(f)
    }
}

/// LOCK-REFRESH: brings the workspace's existing `Cargo.lock` up to date, as `cargo package` does
/// before packaging; `--locked`/`--frozen` make a stale lock an error instead. `member` is any
/// member of the workspace; scratch files go in a temporary directory under `scratch_parent`.
pub fn refresh(cargo: &Cargo, manifest: &Path, member: &PackageSpec<'_>, scratch_parent: &Path) -> Result<(), Error> {
    let scratch = scratch_dir(scratch_parent)?;
    cargo.resolve_ws(manifest, member, true, None, scratch.path())
}

fn scratch_dir(parent: &Path) -> Result<tempfile::TempDir, Error> {
    let scratch_error = |source| Error::Scratch { path: parent.to_owned(), source };
    std::fs::create_dir_all(parent).map_err(scratch_error)?;
    tempfile::Builder::new().prefix(".seal-lock-").tempdir_in(parent).map_err(scratch_error)
}

/// LOCK-RESOLVE: the text of the archive's `Cargo.lock` for the package `member` whose normalized
/// manifest is `manifest_text`, resolved from `previous` (the workspace's `Cargo.lock`, if any),
/// with the packages of this run that it depends on taken from `overlay` (LOCK-SIBLINGS). Scratch
/// files go in a temporary directory under `scratch_parent`, removed afterwards.
pub fn generate(
    cargo: &Cargo,
    member: &PackageSpec<'_>,
    manifest_text: &str,
    previous: Option<&Path>,
    overlay: Option<&LocalRegistry>,
    scratch_parent: &Path,
) -> Result<String, Error> {
    if cargo.plain_config
        && previous.is_none()
        && let Ok(normalized) = toml::from_str::<TomlManifest>(manifest_text)
        && let Some(lock) = without_dependencies(&normalized, member)
    {
        let own = std::fs::read_to_string(member.dir.join("Cargo.lock")).ok();
        return Ok(with_comments(&lock, own.as_deref()));
    }
    let scratch = scratch_dir(scratch_parent)?;
    let scratch_error = |source| Error::Scratch { path: scratch.path().to_owned(), source };
    let dir = scratch.path().join("package");
    std::fs::create_dir(&dir).map_err(scratch_error)?;
    let manifest = dir.join("Cargo.toml");
    let lock = dir.join("Cargo.lock");
    // An empty `[workspace]` makes the scratch package its own workspace, as cargo's ephemeral
    // workspace is, whatever directories lie above it.
    std::fs::write(&manifest, format!("{manifest_text}\n[workspace]\n")).map_err(scratch_error)?;
    let previous_text = match previous {
        Some(path) => {
            Some(std::fs::read_to_string(path).map_err(|source| Error::Scratch { path: path.to_owned(), source })?)
        }
        None => None,
    };
    let scratch_previous = match (&previous_text, previous) {
        (Some(text), Some(path)) => Some(
            with_path_identities(text, member.name).map_err(|source| Error::Parse { path: path.to_owned(), source })?,
        ),
        _ => None,
    };
    if let Some(text) = &scratch_previous {
        std::fs::write(&lock, text).map_err(scratch_error)?;
    }

    let packaged = match &scratch_previous {
        None => {
            let normalized: TomlManifest =
                toml::from_str(manifest_text).map_err(|source| Error::Manifest { path: manifest.clone(), source })?;
            cargo.resolve_by_packaging(&dir, &normalized, overlay, scratch.path())?
        }
        Some(_) => None,
    };
    let resolved = match packaged {
        Some(resolved) => resolved,
        None => {
            // The scratch resolve is never `--locked`: cargo checks the user's lock (see
            // `refresh`), not the scratch one, which loses path dependencies and so always changes.
            let package = PackageSpec { dir: &dir, ..*member };
            cargo.resolve_ws(&manifest, &package, false, overlay, scratch.path())?;
            std::fs::read_to_string(&lock).map_err(scratch_error)?
        }
    };

    let resolved = match previous_text {
        // Cargo left the file alone: the resolve serializes to the same lines.
        Some(_) if scratch_previous.as_deref() == Some(resolved.as_str()) => canonical_lines(&resolved),
        Some(text) => keep_format_version(&resolved, &text)
            .ok_or_else(|| Error::Version1 { path: previous.map(Path::to_path_buf).unwrap_or_default() })?,
        None => resolved,
    };
    // LOCK-COMMENTS: cargo serializes the package's lock for a workspace rooted at the package's
    // own directory, so the comments come from the lock file there, if any.
    let own = std::fs::read_to_string(member.dir.join("Cargo.lock")).ok();
    Ok(with_comments(&resolved, own.as_deref()))
}

/// LOCK-COMMENTS: `text`, a serialized lock, with cargo's two header lines followed by the leading
/// comments of `own` in place of its own leading comment lines.
fn with_comments(text: &str, own: Option<&str>) -> String {
    const MARKER: &str = "# This file is automatically @generated by Cargo.";
    const EXTRA: &str = "# It is not intended for manual editing.";
    let body_start = text.split_inclusive('\n').take_while(|line| line.starts_with('#')).map(str::len).sum();
    let mut out = format!("{MARKER}\n{EXTRA}\n");
    let mut comments = own.into_iter().flat_map(str::lines).take_while(|line| line.starts_with('#'));
    if let Some(first) = comments.next() {
        if first != MARKER {
            out.push_str(first);
            out.push('\n');
        }
        // As cargo has it: a lone first line is kept only if it is not the marker, and the lines
        // after the second only when there is a second.
        if let Some(second) = comments.next() {
            if second != EXTRA {
                out.push_str(second);
                out.push('\n');
            }
            for line in comments {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out.push_str(&text[body_start..]);
    out
}

/// LOCK-OWN: the archived lock of a package that is the only member of its workspace, read from
/// the workspace lock that cargo brought up to date in this run (`refreshed`): the same lines,
/// when that lock holds the package and registry packages only. `None` when it holds anything
/// else (a path, git or patched package, a `[root]`, `[metadata]` or `[[patch.unused]]`), and
/// cargo must resolve.
pub fn refreshed_own(refreshed: &Path, member: &PackageSpec<'_>) -> Result<Option<String>, Error> {
    let text =
        std::fs::read_to_string(refreshed).map_err(|source| Error::Scratch { path: refreshed.to_owned(), source })?;
    let lock: TomlLockfile =
        toml::from_str(&text).map_err(|source| Error::Parse { path: refreshed.to_owned(), source })?;
    if lock.root.is_some() || lock.metadata.is_some() || !lock.patch.unused.is_empty() {
        return Ok(None);
    }
    let version = member.version.to_string();
    let mut own = 0;
    for package in lock.package.iter().flatten() {
        match &package.source {
            None if package.name == member.name && package.version == version => own += 1,
            Some(source) if matches!(source.kind(), SourceKind::Registry | SourceKind::SparseRegistry) => {}
            _ => return Ok(None),
        }
    }
    Ok((own == 1).then(|| canonical_lines(&text)))
}

/// LOCK-NODEPS: the lock of a package that depends on nothing, resolved without a previous lock:
/// the package alone, in the format its `rust-version` selects (LOCK-VERSION). `None` when the
/// normalized manifest declares a dependency of any kind.
fn without_dependencies(manifest: &TomlManifest, member: &PackageSpec<'_>) -> Option<String> {
    if crate::manifest::dependency_tables(manifest).any(|table| !table.is_empty()) {
        return None;
    }
    let rust_version = manifest.package()?.rust_version.as_ref().and_then(|v| v.as_value());
    let at_least =
        |minor| rust_version.map(|v| v.to_partial()).is_none_or(|v| (v.major, v.minor.unwrap_or(0)) >= (1, minor));
    // Formats 1 and 2 write no marker; format 1 keeps the empty line that ends each block.
    let (marker, end) = match () {
        () if at_least(83) => ("version = 4\n\n", ""),
        () if at_least(53) => ("version = 3\n\n", ""),
        () if at_least(41) => ("", ""),
        () => ("", "\n"),
    };
    Some(format!("{marker}[[package]]\nname = \"{}\"\nversion = \"{}\"\n{end}", member.name, member.version))
}

/// The files a manifest names, relative to its directory: targets, build scripts, readme and
/// license file.
fn named_files(manifest: &TomlManifest) -> Vec<&str> {
    let targets = manifest
        .lib
        .iter()
        .chain([&manifest.bin, &manifest.example, &manifest.test, &manifest.bench].into_iter().flatten().flatten());
    let mut files: Vec<&str> =
        targets.filter_map(|t: &TomlTarget| t.path.as_ref()).map(|p| p.0.to_str().unwrap_or("")).collect();
    if let Some(package) = manifest.package() {
        files.extend(package.normalized_build().ok().flatten().unwrap_or_default().iter().map(String::as_str));
        if let Some(StringOrBool::String(readme)) = package.readme.as_ref().and_then(|v| v.as_value()) {
            files.push(readme);
        }
        files.extend(package.license_file.as_ref().and_then(|v| v.as_value()).map(String::as_str));
    }
    files
}

/// Whether `path` is a non-empty relative path that stays inside its base directory.
fn is_inside(path: &str) -> bool {
    let path = Path::new(path);
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// The previous lock as the scratch workspace must read it (LOCK-RESOLVE). In the real workspace
/// cargo reads the entries without `source` as path packages (the member, its siblings, their
/// path dependencies); in the scratch directory only the member is one, and cargo would drop the
/// rest. Their presence matters: a registry dependency on a former sibling that matches no entry
/// makes cargo stop locking every crates.io package. So every such entry but the member's gets an
/// explicit path source, which cargo reads as the same kind of package. The directory named is
/// never read: nothing in the scratch resolve depends on these packages.
fn with_path_identities(text: &str, member: &str) -> Result<String, toml::de::Error> {
    let mut lock: TomlLockfile = toml::from_str(text)?;
    let mut changed = false;
    for package in lock.package.iter_mut().flatten() {
        if package.source.is_none() && package.name != member {
            let url = format!("path+file:///cargo-seal-path-package/{}/{}", package.name, package.version);
            // A name no URL can hold is no package name; cargo then drops the entry as before.
            if let Ok(source) = TomlLockfileSourceId::new(url) {
                package.source = Some(source);
                changed = true;
            }
        }
    }
    if !changed {
        return Ok(text.to_owned());
    }
    Ok(toml::to_string(&lock).expect("a parsed lock file serializes"))
}

/// The lines of `text` joined with `\n` and ending in one: what cargo serializes for a resolve
/// whose lines equal an existing lock file's (which may use CRLF or lack the final newline).
fn canonical_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// LOCK-VERSION: cargo packages a changed resolve in the previous lock's format, while writing a
/// lock file may bump it. For registry-only graphs (all a normalized manifest can have) formats 2,
/// 3 and 4 differ only in the `version = N` marker, so the marker is put back. `None` for
/// format 1, which differs in more than the marker.
fn keep_format_version(resolved: &str, previous: &str) -> Option<String> {
    if previous.lines().any(|l| l.trim_end() == "[metadata]") {
        return None;
    }
    let marker = |text: &str| {
        text.lines().take_while(|l| !l.starts_with("[[")).find(|l| l.starts_with("version = ")).map(str::to_owned)
    };
    let old = marker(previous);
    let new = marker(resolved);
    if old == new {
        return Some(resolved.to_owned());
    }
    let mut out = String::with_capacity(resolved.len());
    let mut lines = resolved.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        if Some(line.trim_end()) == new.as_deref() {
            if let Some(old) = &old {
                out.push_str(old);
                out.push('\n');
            } else if lines.peek() == Some(&"\n") {
                // Format 2 has no marker and no blank line after it.
                lines.next();
            }
            continue;
        }
        out.push_str(line);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\n";

    #[test]
    fn lock_version_marker_is_restored() {
        let resolved = format!("{HEAD}version = 4\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n");
        let previous = format!("{HEAD}version = 3\n\n[[package]]\nname = \"a\"\nversion = \"0.0.1\"\n");
        assert_eq!(keep_format_version(&resolved, &previous).unwrap(), resolved.replace("version = 4", "version = 3"));
        let v2 = format!("{HEAD}[[package]]\nname = \"a\"\nversion = \"0.0.1\"\n");
        assert_eq!(
            keep_format_version(&resolved, &v2).unwrap(),
            format!("{HEAD}[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n")
        );
        assert_eq!(keep_format_version(&resolved, "[metadata]\n"), None);
    }

    #[test]
    fn siblings_keep_their_path_identity() {
        let lock = format!(
            "{HEAD}version = 4\n\n[[package]]\nname = \"cfg-if\"\nversion = \"1.0.0\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
             [[package]]\nname = \"me\"\nversion = \"0.1.0\"\ndependencies = [\"sib\"]\n\n\
             [[package]]\nname = \"sib\"\nversion = \"2.0.0\"\ndependencies = [\"cfg-if\"]\n"
        );
        let scratch: TomlLockfile = toml::from_str(&with_path_identities(&lock, "me").unwrap()).unwrap();
        let sources: Vec<_> = scratch
            .package
            .unwrap()
            .into_iter()
            .map(|p| (p.name, p.source.map(|s| s.source_str().to_owned()), p.dependencies.map(|d| d.len())))
            .collect();
        assert_eq!(
            sources,
            [
                ("cfg-if".into(), Some("registry+https://github.com/rust-lang/crates.io-index".into()), None),
                ("me".into(), None, Some(1)),
                ("sib".into(), Some("path+file:///cargo-seal-path-package/sib/2.0.0".into()), Some(1)),
            ]
        );
        // Nothing to rewrite: the lock is copied as it is.
        let own = format!("{HEAD}version = 4\n\n[[package]]\nname = \"me\"\nversion = \"0.1.0\"\n");
        assert_eq!(with_path_identities(&own, "me").unwrap(), own);
    }

    #[test]
    fn lock_comments_come_from_the_package_directory() {
        let text = format!("{HEAD}# from the workspace lock\nversion = 4\n");
        assert_eq!(with_comments(&text, None), format!("{HEAD}version = 4\n"));
        let own = format!("{HEAD}# mine\n#\nversion = 3\n");
        assert_eq!(with_comments(&text, Some(&own)), format!("{HEAD}# mine\n#\nversion = 4\n"));
        // Cargo keeps other header lines, and a lone first line only if it is not the marker.
        assert_eq!(with_comments(&text, Some("# a\n# b\n")), format!("{HEAD}# a\n# b\nversion = 4\n"));
        assert_eq!(with_comments(&text, Some("# a\n[[package]]\n")), format!("{HEAD}# a\nversion = 4\n"));
        let marker = HEAD.lines().next().unwrap();
        assert_eq!(with_comments(&text, Some(marker)), format!("{HEAD}version = 4\n"));
    }

    #[test]
    fn unchanged_lock_is_canonicalized() {
        assert_eq!(canonical_lines("a\r\nb"), "a\nb\n");
    }
}
