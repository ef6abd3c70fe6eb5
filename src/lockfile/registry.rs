//! LOCK-SIBLINGS: the temporary registry that makes packages of this run look published.
//!
//! When one workspace member depends on another, the dependent's `Cargo.lock` names the
//! dependency as a crates.io package whose checksum is that of the `.crate` made in the same
//! run. Cargo gets there by resolving against a local registry of those `.crate` files laid over
//! crates.io (its `TmpRegistry`). We build the same local registry and hand it to cargo through
//! cargo's own overlay hook, so cargo still does all the resolving.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use cargo_util_schemas::index::{IndexPackage, RegistryDependency};
use cargo_util_schemas::manifest::{InheritableDependency, TomlDependency, TomlManifest};
use sha2::Digest as _;

use super::Error;

/// The variable through which cargo overlays a local registry on another source.
const OVERLAY_VAR: &str = "__CARGO_TEST_DEPENDENCY_CONFUSION_VULNERABILITY_DO_NOT_USE_THIS";

/// Where crates.io dependencies point in the index.
const CRATES_IO_INDEX: &str = "https://github.com/rust-lang/crates.io-index";

/// A local registry (`.crate` files plus an index) of the packages made so far in this run, where
/// cargo keeps its own: `<build dir>/package/tmp-registry`, under cargo's lock on it. Cargo names
/// where it unpacks a registry's packages after the registry's path, so the verification build
/// reads and reports the run's packages at the paths `cargo package` gives them.
#[derive(Debug)]
pub struct LocalRegistry {
    dir: PathBuf,
    /// Where cargo unpacks this registry's packages: `$CARGO_HOME/registry/src/-<hash>`.
    unpacked: PathBuf,
    /// The source the registry stands in for, as cargo names it (`sparse+https://index.crates.io/`).
    upstream: String,
    /// Cargo's lock on the registry (`.cargo-lock`), held while the registry is in use.
    _lock: std::fs::File,
}

impl LocalRegistry {
    /// The registry in `<package_dir>/tmp-registry`, emptied, standing in for `upstream`;
    /// `cargo_home` is where cargo unpacks registry packages.
    pub fn new(package_dir: &Path, upstream: String, cargo_home: &Path) -> Result<Self, Error> {
        let dir = package_dir.join("tmp-registry");
        let io_error = |file: &Path| {
            let (file, registry) = (file.to_owned(), dir.clone());
            move |source| Error::Registry { file, registry, source }
        };
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let lock_path = dir.join(".cargo-lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(&lock_path))?;
        lock.lock().map_err(io_error(&lock_path))?;
        let index = dir.join("index");
        if index.exists() {
            std::fs::remove_dir_all(&index).map_err(io_error(&index))?;
        }
        std::fs::create_dir(&index).map_err(io_error(&index))?;
        let unpacked = cargo_home.join("registry").join("src").join(unpacked_dir_name(&dir));
        Ok(LocalRegistry { dir, unpacked, upstream, _lock: lock })
    }

    /// The variable and value that make cargo see this registry's packages as published.
    /// Makes the registry visible to the cargo `command` will run.
    pub(crate) fn apply(&self, command: &mut std::process::Command) {
        command.env(OVERLAY_VAR, format!("{}={}", self.upstream, self.dir.display()));
    }

    /// Adds the `.crate` at `crate_file`, whose archived manifest is `published` and whose
    /// final name is that of `dest`.
    pub fn add(&self, published: &TomlManifest, crate_file: &Path, dest: &Path) -> Result<(), Error> {
        let package = published.package().expect("a published manifest has [package]");
        let name = package.name.as_ref().map(|n| n.as_str()).unwrap_or_default();
        let version =
            package.version.as_ref().and_then(|v| v.as_value()).cloned().unwrap_or(semver::Version::new(0, 0, 0));
        let file_name = dest.file_name().unwrap_or_default();
        let dest = self.dir.join(file_name);
        let io_error = |file: &Path| {
            let (file, registry) = (file.to_owned(), self.dir.clone());
            move |source| Error::Registry { file, registry, source }
        };
        // Cargo unpacks a registry package once and then trusts its copy; this package may have
        // changed since an earlier run unpacked it (cargo package would build the stale copy).
        let unpacked = self.unpacked.join(format!("{name}-{version}"));
        if unpacked.exists() {
            std::fs::remove_dir_all(&unpacked).map_err(io_error(&unpacked))?;
        }

        let mut hasher =
            HashingWriter { inner: std::fs::File::create(&dest).map_err(io_error(&dest))?, hash: sha2::Sha256::new() };
        let mut source = std::fs::File::open(crate_file).map_err(io_error(crate_file))?;
        std::io::copy(&mut source, &mut hasher).map_err(io_error(crate_file))?;
        let cksum = hex(&hasher.hash.finalize());

        let entry = IndexPackage {
            name: name.into(),
            vers: version,
            deps: index_dependencies(published),
            features: published
                .features
                .iter()
                .flatten()
                .map(|(k, v)| (k.as_str().into(), v.iter().map(|s| s.as_str().into()).collect()))
                .collect(),
            features2: None,
            cksum,
            yanked: None,
            links: package.links.as_deref().map(Into::into),
            rust_version: None,
            pubtime: None,
            v: Some(2),
        };
        let line = serde_json::to_string(&entry).expect("index entries serialize");
        let index_file = self.dir.join("index").join(index_path(&name.to_lowercase()));
        if let Some(parent) = index_file.parent() {
            std::fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        let mut file =
            std::fs::OpenOptions::new().create(true).append(true).open(&index_file).map_err(io_error(&index_file))?;
        writeln!(file, "{line}").map_err(io_error(&index_file))
    }
}

/// The dependencies of a published manifest as a registry index lists them.
fn index_dependencies(published: &TomlManifest) -> Vec<RegistryDependency<'_>> {
    let platforms = published.target.iter().flatten().flat_map(|(cfg, p)| {
        [
            (p.dependencies.as_ref(), "normal", Some(cfg.as_str())),
            (p.build_dependencies(), "build", Some(cfg.as_str())),
            (p.dev_dependencies(), "dev", Some(cfg.as_str())),
        ]
    });
    let tables = [
        (published.dependencies.as_ref(), "normal", None),
        (published.build_dependencies(), "build", None),
        (published.dev_dependencies(), "dev", None),
    ];
    let mut deps = Vec::new();
    for (table, kind, target) in tables.into_iter().chain(platforms) {
        for (key, dep) in table.into_iter().flatten() {
            // Publish-time rewriting leaves every dependency detailed and registry-only.
            let InheritableDependency::Value(TomlDependency::Detailed(d)) = dep else { continue };
            deps.push(RegistryDependency {
                name: d.package.as_ref().map_or(key.as_str(), |p| p.as_str()).into(),
                req: d.version.as_deref().unwrap_or("*").into(),
                features: d.features.iter().flatten().map(|f| f.as_str().into()).collect(),
                optional: d.optional.unwrap_or(false),
                default_features: d.default_features().unwrap_or(true),
                target: target.map(Into::into),
                kind: Some(kind.into()),
                registry: Some(d.registry_index.as_deref().unwrap_or(CRATES_IO_INDEX).into()),
                package: d.package.as_ref().map(|_| key.as_str().into()),
                public: None,
                artifact: None,
                bindep_target: None,
                lib: false,
            });
        }
    }
    deps
}

/// The directory cargo unpacks the packages of the local registry at `dir` into, under
/// `$CARGO_HOME/registry/src/`: cargo's `short_name` of the registry's source id, the URL's host
/// (none) and cargo's stable hash of the source kind and canonical URL.
fn unpacked_dir_name(dir: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let url = url::Url::from_file_path(dir).map(String::from).unwrap_or_default();
    let mut hasher = rustc_stable_hash::StableSipHasher128::new();
    cargo_util_schemas::core::SourceKind::LocalRegistry.hash(&mut hasher);
    url.trim_end_matches('/').hash(&mut hasher);
    format!("-{}", hex(&Hasher::finish(&hasher).to_le_bytes()))
}

/// Where a registry index keeps the entries of `name` (cargo's `make_dep_path`).
fn index_path(name: &str) -> PathBuf {
    match name.len() {
        1 => ["1", name].iter().collect(),
        2 => ["2", name].iter().collect(),
        3 => ["3", &name[..1], name].iter().collect(),
        _ => [&name[..2], &name[2..4], name].iter().collect(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Copies while hashing, so the `.crate` is read once.
struct HashingWriter<W> {
    inner: W,
    hash: sha2::Sha256,
}

impl<W: std::io::Write> std::io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::index_path;
    use std::path::Path;

    #[test]
    fn lock_siblings_index_paths_follow_cargo() {
        assert_eq!(index_path("a"), Path::new("1/a"));
        assert_eq!(index_path("ab"), Path::new("2/ab"));
        assert_eq!(index_path("abc"), Path::new("3/a/abc"));
        assert_eq!(index_path("serde"), Path::new("se/rd/serde"));
    }
}
