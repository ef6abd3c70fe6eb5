//! Target discovery (spec: `MAN-TARGETS`): cargo's layout conventions made explicit, so the
//! published manifest lists every target with its name and path.
//!
//! * `src/lib.rs` is the library, `src/main.rs` a binary named after the package;
//! * `src/bin/*.rs` and `src/bin/*/main.rs` are binaries;
//! * `examples/`, `tests/` and `benches/` hold the other kinds the same way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cargo_util_schemas::manifest::{PathValue, TomlTarget};

use super::normalize_path;

/// The editions, in order; only the distinctions target discovery needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Edition {
    E2015,
    E2018,
    E2021,
    E2024,
}

impl Edition {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        match text {
            "2015" => Ok(Edition::E2015),
            "2018" => Ok(Edition::E2018),
            "2021" => Ok(Edition::E2021),
            "2024" => Ok(Edition::E2024),
            other => Err(format!("unknown or unsupported `edition = \"{other}\"`")),
        }
    }
}

/// The target kinds other than `lib` and `bin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Example,
    Test,
    Bench,
}

impl Kind {
    fn dir(self) -> &'static str {
        match self {
            Kind::Example => "examples",
            Kind::Test => "tests",
            Kind::Bench => "benches",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Kind::Example => "example",
            Kind::Test => "test",
            Kind::Bench => "bench",
        }
    }
}

/// MAN-TARGETS-LIB: `[lib]`, named after the package (`-` → `_`), at `src/lib.rs` by default.
pub(super) fn normalize_lib(
    original: Option<&TomlTarget>,
    root: &Path,
    package: &str,
    edition: Edition,
    autolib: Option<bool>,
) -> Result<Option<TomlTarget>, String> {
    if is_explicit(original.map(std::slice::from_ref), autolib) {
        return Ok(original.cloned().map(with_normalized_path));
    }
    let inferred = Path::new("src/lib.rs");
    let inferred = root.join(inferred).exists().then(|| inferred.to_path_buf());
    let lib = original
        .cloned()
        .or_else(|| inferred.as_ref().map(|p| TomlTarget { path: Some(PathValue(p.clone())), ..TomlTarget::new() }));
    let Some(mut lib) = lib else {
        return Ok(None);
    };
    let name = lib.name.get_or_insert_with(|| package.replace('-', "_")).clone();
    if lib.path.is_none() {
        let legacy = PathBuf::from(format!("src/{name}.rs"));
        lib.path = match inferred {
            Some(path) => Some(PathValue(path)),
            None if edition == Edition::E2015 && root.join(&legacy).exists() => Some(PathValue(legacy)),
            None => {
                return Err(format!("can't find library `{name}`, rename file to `src/lib.rs` or specify lib.path"));
            }
        };
    }
    Ok(Some(with_normalized_path(lib)))
}

/// Where targets are discovered.
pub(super) struct Discovery<'a> {
    pub(super) root: &'a Path,
    pub(super) edition: Edition,
}

impl Discovery<'_> {
    /// MAN-TARGETS-BIN: `[[bin]]`, explicit and discovered, sorted by name.
    pub(super) fn bins(
        &self,
        original: Option<&Vec<TomlTarget>>,
        package: &str,
        autobins: Option<bool>,
        has_lib: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<TomlTarget>, String> {
        if is_explicit(original.map(Vec::as_slice), autobins) {
            return explicit(original, "bin");
        }
        let mut inferred = Vec::new();
        if self.root.join("src/main.rs").exists() {
            inferred.push((package.to_owned(), PathBuf::from("src/main.rs")));
        }
        inferred.extend(self.infer_dir(Path::new("src/bin")));
        let legacy = |name: &str| {
            let candidates = [format!("src/{name}.rs"), "src/main.rs".into(), "src/bin/main.rs".into()];
            let skip_named = usize::from(has_lib);
            candidates.into_iter().skip(skip_named).map(PathBuf::from).find(|p| self.root.join(p).exists())
        };
        self.merge(original, &inferred, autobins, "bin", &legacy, warnings)
    }

    /// MAN-TARGETS-OTHER: examples, tests and benches, explicit and discovered, sorted by name.
    pub(super) fn others(
        &self,
        kind: Kind,
        original: Option<&Vec<TomlTarget>>,
        auto: Option<bool>,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<TomlTarget>, String> {
        if is_explicit(original.map(Vec::as_slice), auto) {
            return explicit(original, kind.key());
        }
        let inferred = self.infer_dir(Path::new(kind.dir()));
        let legacy = |name: &str| {
            let bench = Path::new("src/bench.rs");
            (kind == Kind::Bench && name == "bench" && self.root.join(bench).exists()).then(|| bench.to_path_buf())
        };
        self.merge(original, &inferred, auto, kind.key(), &legacy, warnings)
    }

    /// Explicit targets plus the discovered ones they do not already name (unless discovery is
    /// off), each given a path, sorted by name.
    fn merge(
        &self,
        original: Option<&Vec<TomlTarget>>,
        inferred: &[(String, PathBuf)],
        auto: Option<bool>,
        key: &str,
        legacy: &dyn Fn(&str) -> Option<PathBuf>,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<TomlTarget>, String> {
        let discovered = || {
            inferred
                .iter()
                .map(|(name, path)| TomlTarget {
                    name: Some(name.clone()),
                    path: Some(PathValue(path.clone())),
                    ..TomlTarget::new()
                })
                .collect::<Vec<_>>()
        };
        let mut targets = match original {
            None if auto == Some(false) => Vec::new(),
            None => discovered(),
            Some(explicit) => {
                let mut targets = explicit.clone();
                let full = |t: &TomlTarget| t.path.as_ref().map(|p| self.root.join(&p.0));
                let names: BTreeSet<_> = targets.iter().map(|t| t.name.clone()).collect();
                let paths: BTreeSet<_> = targets.iter().map(full).collect();
                let rest: Vec<_> = discovered()
                    .into_iter()
                    .filter(|t| !names.contains(&t.name) && !paths.contains(&full(t)))
                    .collect();
                // 2015 packages with explicit targets do not discover more (cargo warns).
                let discover = auto.unwrap_or_else(|| {
                    let legacy_edition = self.edition == Edition::E2015;
                    if legacy_edition && !rest.is_empty() {
                        warnings.push(format!(
                            "an explicit [[{key}]] section disables discovery of other {key} targets in the \
                             2015 edition; set `auto{key}s = false` or move the files"
                        ));
                    }
                    !legacy_edition
                });
                if discover {
                    targets.extend(rest);
                }
                targets
            }
        };
        for target in &targets {
            if target.name.as_deref().is_none_or(str::is_empty) {
                return Err(format!("{key} target needs a `name`"));
            }
        }
        targets.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(pair) = targets.windows(2).find(|w| w[0].name == w[1].name) {
            let name = pair[0].name.as_deref().unwrap_or_default();
            return Err(format!("found duplicate {key} name {name}, but all {key} targets must have a unique name"));
        }
        let mut resolved = Vec::with_capacity(targets.len());
        for mut target in targets {
            let path = match target.path.take() {
                Some(path) => path.0,
                None => {
                    let name = target.name.clone().unwrap_or_default();
                    match self.target_path(&name, inferred, key, legacy) {
                        Ok(path) => path,
                        // Cargo drops an example, test or bench it cannot find and carries on;
                        // only a binary without a file is fatal (MAN-TARGETS-OTHER).
                        Err(message) if key != "bin" => {
                            warnings.push(message);
                            continue;
                        }
                        Err(message) => return Err(message),
                    }
                }
            };
            target.path = Some(PathValue(normalize_path(&path)));
            resolved.push(target);
        }
        Ok(resolved)
    }

    fn target_path(
        &self,
        name: &str,
        inferred: &[(String, PathBuf)],
        key: &str,
        legacy: &dyn Fn(&str) -> Option<PathBuf>,
    ) -> Result<PathBuf, String> {
        let mut matching = inferred.iter().filter(|(n, _)| n == name).map(|(_, p)| p);
        match (matching.next(), matching.next()) {
            (Some(path), None) => Ok(path.clone()),
            (first, second) => {
                if self.edition == Edition::E2015
                    && let Some(path) = legacy(name)
                {
                    return Ok(path);
                }
                Err(match (first, second) {
                    (Some(a), Some(b)) => format!(
                        "cannot infer path for `{name}` {key}\nCargo doesn't know which to use because multiple \
                         target files found at `{}` and `{}`.",
                        a.display(),
                        b.display()
                    ),
                    _ => format!("can't find `{name}` {key}: specify {key}.path if you want to use a non-default path"),
                })
            }
        }
    }

    /// `dir/*.rs` and `dir/*/main.rs`, skipping dotfiles, named after the file stem or directory.
    fn infer_dir(&self, rel: &Path) -> Vec<(String, PathBuf)> {
        let Ok(entries) = std::fs::read_dir(self.root.join(rel)) else {
            return Vec::new();
        };
        let mut found: Vec<(String, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let file_name = entry.file_name();
                let name = file_name.to_str()?;
                if name.starts_with('.') {
                    return None;
                }
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    let main = rel.join(name).join("main.rs");
                    self.root.join(&main).exists().then(|| (name.to_owned(), main))
                } else {
                    let stem = name.strip_suffix(".rs")?;
                    Some((stem.to_owned(), rel.join(name)))
                }
            })
            .collect();
        // read_dir order is the file system's; sorting keeps errors and warnings stable.
        found.sort();
        found
    }
}

/// Targets are already explicit when discovery is off and each names its path.
fn is_explicit(targets: Option<&[TomlTarget]>, auto: Option<bool>) -> bool {
    auto == Some(false) && targets.is_none_or(|ts| ts.iter().all(|t| t.name.is_some() && t.path.is_some()))
}

fn explicit(original: Option<&Vec<TomlTarget>>, key: &str) -> Result<Vec<TomlTarget>, String> {
    let targets: Vec<_> = original.cloned().unwrap_or_default().into_iter().map(with_normalized_path).collect();
    let mut seen = BTreeSet::new();
    for name in targets.iter().filter_map(|t| t.name.as_deref()) {
        if !seen.insert(name) {
            return Err(format!("found duplicate {key} name {name}, but all {key} targets must have a unique name"));
        }
    }
    Ok(targets)
}

fn with_normalized_path(mut target: TomlTarget) -> TomlTarget {
    target.path = target.path.map(|p| PathValue(normalize_path(&p.0)));
    target
}
