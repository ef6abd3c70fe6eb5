//! Finding a published `.crate` in cargo's download cache (`READ-CACHE`), for arguments given as
//! `name@version` instead of a file.

use std::path::{Path, PathBuf};

/// A crate named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrateArg {
    File(PathBuf),
    /// `name@version`, looked up in the cache.
    Cached {
        name: String,
        version: String,
    },
}

impl CrateArg {
    /// `name@version` when it has that shape and names no existing file; otherwise a file path.
    pub fn parse(arg: &str) -> Self {
        match arg.split_once('@') {
            Some((name, version))
                if !Path::new(arg).exists() && !name.is_empty() && semver::Version::parse(version).is_ok() =>
            {
                CrateArg::Cached { name: name.to_owned(), version: version.to_owned() }
            }
            _ => CrateArg::File(PathBuf::from(arg)),
        }
    }

    /// The file to read: the path itself, or `<cargo_home>/registry/cache/<registry>/<name>-<version>.crate`,
    /// the first registry directory in name order that has it.
    pub fn resolve(&self, cargo_home: &Path) -> Result<PathBuf, Error> {
        let (name, version) = match self {
            CrateArg::File(path) => return Ok(path.clone()),
            CrateArg::Cached { name, version } => (name, version),
        };
        let cache = cargo_home.join("registry").join("cache");
        let file = format!("{name}-{version}.crate");
        let mut registries: Vec<PathBuf> = match std::fs::read_dir(&cache) {
            Ok(dirs) => dirs.filter_map(|d| d.ok().map(|d| d.path())).collect(),
            Err(_) => Vec::new(),
        };
        registries.sort();
        registries
            .into_iter()
            .map(|dir| dir.join(&file))
            .find(|path| path.is_file())
            .ok_or_else(|| Error::NotCached { spec: format!("{name}@{version}"), cache })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "`{spec}` is not in cargo's download cache `{}`; fetch it (for example with `cargo fetch` in a \
         project that depends on it) or give the path of a `.crate` file", cache.display()
    )]
    NotCached { spec: String, cache: PathBuf },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_at_version_is_a_cached_crate() {
        assert_eq!(
            CrateArg::parse("serde@1.0.228"),
            CrateArg::Cached { name: "serde".into(), version: "1.0.228".into() }
        );
        assert_eq!(CrateArg::parse("serde-1.0.228.crate"), CrateArg::File("serde-1.0.228.crate".into()));
        assert_eq!(CrateArg::parse("x@notaversion"), CrateArg::File("x@notaversion".into()));
    }

    #[test]
    fn read_cache_takes_the_first_registry_in_name_order() {
        let home = tempfile::tempdir().unwrap();
        for registry in ["b-registry", "a-registry"] {
            let dir = home.path().join("registry/cache").join(registry);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("demo-1.0.0.crate"), registry).unwrap();
        }
        let arg = CrateArg::parse("demo@1.0.0");
        assert_eq!(arg.resolve(home.path()).unwrap(), home.path().join("registry/cache/a-registry/demo-1.0.0.crate"));
        let missing = CrateArg::parse("demo@2.0.0").resolve(home.path()).unwrap_err();
        assert!(missing.to_string().contains("`demo@2.0.0` is not in cargo's download cache"));
    }
}
