//! LOCK-RUN: how cargo is asked to resolve (the runner itself is [`crate::cargo`]). Every command runs cargo's own workspace resolve and
//! lock writer and nothing else; scratch target directories keep cargo's work out of the user's.

use std::path::Path;

use cargo_util_schemas::core::{PackageIdSpec, SourceKind};
use cargo_util_schemas::manifest::{StringOrBool, TomlManifest, TomlTarget};

use super::{Error, LocalRegistry};
use crate::archive::read;
use crate::cargo::Cargo;

impl Cargo {
    /// LOCK-RUN: runs cargo's workspace resolve on the workspace of `manifest` (the same
    /// `resolve_ws` that `cargo package` runs), which writes the workspace's `Cargo.lock` when the
    /// resolve changed it and reports only added or changed packages. `cargo update` would also
    /// query the registry, one request at a time, for every package of the old and new lock.
    /// The command is `cargo clean -p <package>` against a private target directory, where it
    /// finds nothing to delete; `package` is a path package of the workspace (a full package-id
    /// spec, so that no registry package of the same name is fetched).
    pub(super) fn resolve_ws(
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

        let mut command = self.command(args);
        if let Some(overlay) = overlay {
            overlay.apply(&mut command);
        }
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
    pub(super) fn resolve_by_packaging(
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
        let archive = read::read_file(&krate, &read::Limits::default())
            .map_err(|source| Error::Stand { path: krate.clone(), source })?;
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
