//! Which registry a run packages for (spec: `WS-PUBLISH-TO`): `--registry`, `--index`,
//! `registry.default`, else what the packages' `publish` lists agree on, else crates.io; and the
//! check that each package may go there. Packages of the run that others depend on are locked as
//! packages of that registry (`LOCK-SIBLINGS`).

use std::collections::BTreeMap;

use cargo_util_schemas::manifest::{RegistryName, VecStringOrBool};

use crate::manifest::Manifest;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// `--registry NAME`, or `registry.default` from cargo's configuration.
    Name(String),
    /// `--index URL`.
    Index(String),
}

/// The registries cargo's configuration knows.
#[derive(Debug, Clone, Default)]
pub struct Registries {
    /// `registries.<name>.index`, by name.
    pub indexes: BTreeMap<String, String>,
    /// How cargo names crates.io: `sparse+https://index.crates.io/`, or its git index when
    /// `registries.crates-io.protocol` is `git`.
    pub crates_io: String,
    /// `registry.default`: the registry to package for when none is named.
    pub default: Option<String>,
}

impl Registries {
    /// The source cargo locks a registry's packages with (`registry+<url>`, or the URL itself for
    /// a sparse index, `sparse+<url>`).
    fn source_of_index(index: &str) -> String {
        if index.starts_with("sparse+") { index.to_owned() } else { format!("registry+{index}") }
    }

    fn source_of_name(&self, name: &str) -> Result<String, Error> {
        if name == CRATES_IO {
            return Ok(self.crates_io.clone());
        }
        let index = self.indexes.get(name).ok_or_else(|| Error::UnknownRegistry(name.to_owned()))?;
        Ok(Self::source_of_index(index))
    }
}

const CRATES_IO: &str = "crates-io";

/// A registry choice cargo refuses, in its words.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidName(String),
    #[error("registry index was not found in any configuration: `{0}`")]
    UnknownRegistry(String),
    #[error(
        "`{package}` cannot be packaged.\nThe registry `{registry}` is not listed in the `package.publish` value in Cargo.toml."
    )]
    NotAllowed { package: String, registry: String },
    #[error("--registry is required to disambiguate between {0} registries")]
    Ambiguous(String),
    #[error("conflicts between `package.publish` fields in the selected packages")]
    Conflicting,
    #[error("--registry is required because not all `package.publish` settings agree")]
    Disagreeing,
}

/// `--registry NAME` as cargo checks it before it reads anything else.
pub fn check_name(name: &str) -> Result<(), Error> {
    RegistryName::new(name).map(|_| ()).map_err(|e| Error::InvalidName(e.to_string()))
}

/// The source of the registry the `packages` of a run are packaged for: `requested`, else the
/// one their `publish` lists agree on, else crates.io. Each package whose `publish` list is not
/// empty must list the registry when it is chosen by name (cargo's `get_registry`).
pub fn choose(requested: Option<&Requested>, packages: &[&Manifest], registries: &Registries) -> Result<String, Error> {
    let requested = match requested {
        Some(requested) => Some(requested.clone()),
        None => infer(packages)?,
    };
    let name = match &requested {
        Some(Requested::Index(index)) => return Ok(Registries::source_of_index(index)),
        Some(Requested::Name(name)) => name.as_str(),
        None => CRATES_IO,
    };
    for package in packages {
        if let Some(allowed) = publish_list(package)
            && !allowed.is_empty()
            && !allowed.iter().any(|a| a == name)
        {
            return Err(Error::NotAllowed { package: package.name().to_owned(), registry: name.to_owned() });
        }
    }
    registries.source_of_name(name)
}

/// `package.publish` as a list: `None` for any registry, empty for none.
fn publish_list(manifest: &Manifest) -> Option<&[String]> {
    match manifest.package().publish.as_ref().and_then(|p| p.as_value()) {
        Some(VecStringOrBool::VecString(list)) => Some(list),
        Some(VecStringOrBool::Bool(false)) => Some(&[]),
        Some(VecStringOrBool::Bool(true)) | None => None,
    }
}

/// Cargo's `infer_registry`: the one registry every publishable package's `publish` list names.
fn infer(packages: &[&Manifest]) -> Result<Option<Requested>, Error> {
    let publishable: Vec<Option<&[String]>> =
        packages.iter().map(|p| publish_list(p)).filter(|list| *list != Some(&[])).collect();
    let Some((first, rest)) = publishable.split_first() else { return Ok(None) };
    if rest.iter().all(|list| list == first) {
        return match first {
            Some([one]) => Ok(Some(Requested::Name(one.clone()))),
            None | Some([]) => Ok(None),
            Some(many) => {
                let mut quoted: Vec<String> = many.iter().map(|r| format!("\"{r}\"")).collect();
                quoted.sort();
                quoted.dedup();
                let last = quoted.pop().unwrap_or_default();
                Err(Error::Ambiguous(format!("{} or {last}", quoted.join(", "))))
            }
        };
    }
    let mut lists = publishable.iter().flatten();
    let common = lists.next().map(|first| {
        lists.fold(first.to_vec(), |common, list| common.into_iter().filter(|r| list.contains(r)).collect())
    });
    if common.unwrap_or_default().is_empty() { Err(Error::Conflicting) } else { Err(Error::Disagreeing) }
}
