//! Load-time normalization of a package manifest (spec: `MAN-NORMALIZE`): what cargo's
//! `normalize_toml` does: workspace inheritance resolved, targets and defaults made explicit.

use std::collections::BTreeMap;
use std::path::Path;

use cargo_util_schemas::manifest::{
    InheritableDependency, InheritableField, InheritableLints, StringOrBool, TomlDependency, TomlManifest, TomlPackage,
    TomlPackageBuild, TomlPlatform,
};

use super::{Error, WorkspaceRoot, normalize_path, targets};

/// The default readme names, in the order cargo tries them (`MAN-README`).
const DEFAULT_READMES: [&str; 3] = ["README.md", "README.txt", "README"];

pub(super) fn normalize(
    original: &TomlManifest,
    path: &Path,
    root: &Path,
    workspace: &WorkspaceRoot,
    warnings: &mut Vec<String>,
) -> Result<TomlManifest, Error> {
    let invalid = |message: String| Error::Invalid { path: path.to_owned(), message };
    let original = &resolve_inheritance(original, path, root, workspace)?;
    let Some(package) = original.package() else {
        return Err(Error::Virtual { path: path.to_owned() });
    };

    let package = normalize_package(package, root).map_err(invalid)?;
    let name = package.name.as_ref().map(|n| n.to_string()).unwrap_or_default();
    let edition = package.edition.as_ref().and_then(|e| e.as_value()).map_or("2015", String::as_str);
    let edition = targets::Edition::parse(edition).map_err(invalid)?;

    let lib =
        targets::normalize_lib(original.lib.as_ref(), root, &name, edition, package_auto(original, |p| p.autolib))
            .map_err(invalid)?;
    let has_lib = lib.is_some();
    let discovery = targets::Discovery { root, edition };
    let bin = discovery
        .bins(original.bin.as_ref(), &name, package_auto(original, |p| p.autobins), has_lib, warnings)
        .map_err(invalid)?;
    let example = discovery
        .others(targets::Kind::Example, original.example.as_ref(), package_auto(original, |p| p.autoexamples), warnings)
        .map_err(invalid)?;
    let test = discovery
        .others(targets::Kind::Test, original.test.as_ref(), package_auto(original, |p| p.autotests), warnings)
        .map_err(invalid)?;
    let bench = discovery
        .others(targets::Kind::Bench, original.bench.as_ref(), package_auto(original, |p| p.autobenches), warnings)
        .map_err(invalid)?;

    let mut deps = |deps: Option<&BTreeMap<_, InheritableDependency>>| normalize_deps(deps, edition, warnings);
    let dependencies = deps(original.dependencies.as_ref()).map_err(invalid)?;
    let dev_dependencies = deps(original.dev_dependencies()).map_err(invalid)?;
    let build_dependencies = deps(original.build_dependencies()).map_err(invalid)?;
    let mut target = BTreeMap::new();
    for (cfg, platform) in original.target.iter().flatten() {
        let platform = TomlPlatform {
            dependencies: deps(platform.dependencies.as_ref()).map_err(invalid)?,
            build_dependencies: deps(platform.build_dependencies()).map_err(invalid)?,
            build_dependencies2: None,
            dev_dependencies: deps(platform.dev_dependencies()).map_err(invalid)?,
            dev_dependencies2: None,
        };
        target.insert(cfg.clone(), platform);
    }

    Ok(TomlManifest {
        cargo_features: original.cargo_features.clone(),
        package: Some(Box::new(package)),
        project: None,
        badges: original.badges.clone(),
        features: original.features.clone(),
        lib,
        bin: Some(bin),
        example: Some(example),
        test: Some(test),
        bench: Some(bench),
        dependencies,
        dev_dependencies,
        dev_dependencies2: None,
        build_dependencies,
        build_dependencies2: None,
        target: (!target.is_empty()).then_some(target),
        lints: original.lints.clone().map(|l| InheritableLints { workspace: false, lints: l.lints }),
        hints: original.hints.clone(),
        workspace: original.workspace.clone(),
        profile: original.profile.clone(),
        patch: original.patch.clone(),
        replace: original.replace.clone(),
        _unused_keys: Default::default(),
    })
}

fn package_auto(original: &TomlManifest, field: impl Fn(&TomlPackage) -> Option<bool>) -> Option<bool> {
    original.package().and_then(|p| field(p))
}

/// `[package]` with `build`, `readme` and every `auto*` flag made explicit.
fn normalize_package(original: &TomlPackage, root: &Path) -> Result<TomlPackage, String> {
    let mut package = original.clone();
    package.build = Some(normalize_build(original.build.as_ref(), root));
    package.readme = Some(InheritableField::Value(match original.readme.as_ref().and_then(|r| r.as_value()) {
        None => DEFAULT_READMES
            .iter()
            .find(|name| root.join(name).is_file())
            .map_or(StringOrBool::Bool(false), |name| StringOrBool::String(name.to_string())),
        Some(StringOrBool::Bool(true)) => StringOrBool::String("README.md".into()),
        Some(other) => other.clone(),
    }));
    for flag in [
        &mut package.autolib,
        &mut package.autobins,
        &mut package.autoexamples,
        &mut package.autotests,
        &mut package.autobenches,
    ] {
        *flag = Some(false);
    }
    if package.name.is_none() {
        return Err("missing field `package.name`".into());
    }
    Ok(package)
}

/// MAN-BUILD: `build.rs` next to the manifest is the build script unless `build` says otherwise.
fn normalize_build(build: Option<&TomlPackageBuild>, root: &Path) -> TomlPackageBuild {
    match build {
        None if root.join("build.rs").is_file() => TomlPackageBuild::SingleScript("build.rs".into()),
        None => TomlPackageBuild::Auto(false),
        Some(TomlPackageBuild::Auto(true)) => TomlPackageBuild::SingleScript("build.rs".into()),
        Some(TomlPackageBuild::SingleScript(script)) => {
            TomlPackageBuild::SingleScript(normalize_path(Path::new(script)).to_string_lossy().into_owned())
        }
        Some(other) => other.clone(),
    }
}

fn normalize_deps(
    deps: Option<&BTreeMap<cargo_util_schemas::manifest::PackageName, InheritableDependency>>,
    edition: targets::Edition,
    warnings: &mut Vec<String>,
) -> Result<Option<BTreeMap<cargo_util_schemas::manifest::PackageName, InheritableDependency>>, String> {
    let Some(deps) = deps else {
        return Ok(None);
    };
    let mut out = BTreeMap::new();
    for (name, dep) in deps {
        let mut dep = match dep {
            InheritableDependency::Value(dep) => dep.clone(),
            InheritableDependency::Inherit(_) => unreachable!("refused by refuse_inheritance"),
        };
        if let TomlDependency::Detailed(detail) = &mut dep {
            if detail.default_features2.is_some() && edition >= targets::Edition::E2024 {
                return Err(format!(
                    "`default_features` is unsupported as of the 2024 edition; instead use `default-features`\n\
                     (in the `{name}` dependency)"
                ));
            }
            if detail.base.is_some() {
                return Err(format!("dependency `{name}` uses `base`, which needs nightly cargo"));
            }
            if detail.public.take().is_some() {
                warnings.push(format!(
                    "ignoring `public` on dependency {name}, pass `-Zpublic-dependency` to enable support for it"
                ));
            }
        }
        out.insert(name.clone(), InheritableDependency::Value(dep));
    }
    Ok(Some(out))
}

/// MAN-INHERIT: `x.workspace = true` takes the value from the workspace root's `[workspace]`.
/// Inherited `readme`, `license-file` and dependency `path`s are relative to the workspace root
/// and are rebased onto the member (`MAN-INHERIT-PATHS`).
fn resolve_inheritance(
    original: &TomlManifest,
    path: &Path,
    root: &Path,
    workspace: &WorkspaceRoot,
) -> Result<TomlManifest, Error> {
    let mut resolved = original.clone();
    let ws = workspace.table.as_ref();
    let missing = |field: &str| Error::Inherited {
        path: path.to_owned(),
        field: field.to_owned(),
        root: workspace.manifest_path.clone(),
    };
    let rebase = |field: &str, value: &str| {
        rebase_onto_member(&workspace.dir, root, value).ok_or_else(|| Error::Invalid {
            path: path.to_owned(),
            message: format!(
                "`{field}` was defined in {} but could not be resolved with {}",
                workspace.dir.display(),
                root.display()
            ),
        })
    };
    let ws_package = ws.and_then(|w| w.package.as_ref());
    if let Some(p) = resolved.package.as_mut().or(resolved.project.as_mut()) {
        macro_rules! inherit {
            ($($field:ident => $name:literal),* $(,)?) => {$(
                if p.$field.as_ref().is_some_and(InheritableField::is_inherited) {
                    let value = ws_package.and_then(|w| w.$field.clone()).ok_or_else(|| missing($name))?;
                    p.$field = Some(InheritableField::Value(value));
                }
            )*};
        }
        inherit! {
            edition => "edition", rust_version => "rust-version", version => "version", authors => "authors",
            exclude => "exclude", include => "include", publish => "publish", description => "description",
            homepage => "homepage", documentation => "documentation", keywords => "keywords",
            categories => "categories", license => "license", repository => "repository",
        }
        if p.license_file.as_ref().is_some_and(InheritableField::is_inherited) {
            let value = ws_package.and_then(|w| w.license_file.as_deref()).ok_or_else(|| missing("license-file"))?;
            p.license_file = Some(InheritableField::Value(rebase("license-file", value)?));
        }
        if p.readme.as_ref().is_some_and(InheritableField::is_inherited) {
            // The workspace's readme is normalized at the workspace root first (`MAN-README`).
            let value = match ws.map(|w| w.package.as_ref().and_then(|p| p.readme.as_ref())) {
                Some(None) => {
                    DEFAULT_READMES.iter().find(|name| workspace.dir.join(name).is_file()).map(|name| name.to_string())
                }
                Some(Some(StringOrBool::Bool(true))) => Some("README.md".to_owned()),
                Some(Some(StringOrBool::String(readme))) => Some(readme.clone()),
                Some(Some(StringOrBool::Bool(false))) | None => None,
            };
            let value = value.ok_or_else(|| missing("readme"))?;
            p.readme = Some(InheritableField::Value(StringOrBool::String(rebase("readme", &value)?)));
        }
    }
    if let Some(lints) = resolved.lints.as_mut().filter(|l| l.workspace) {
        if !lints.lints.is_empty() {
            return Err(Error::Invalid {
                path: path.to_owned(),
                message: "cannot override `workspace.lints` in `lints`, either remove the overrides or \
                          `lints.workspace = true` and manually specify the lints"
                    .into(),
            });
        }
        lints.lints = ws.and_then(|w| w.lints.clone()).ok_or_else(|| missing("lints"))?;
        lints.workspace = false;
    }
    let ws_deps = ws.and_then(|w| w.dependencies.as_ref());
    let platforms = resolved.target.iter_mut().flat_map(|t| t.values_mut()).flat_map(|p| {
        [
            &mut p.dependencies,
            &mut p.dev_dependencies,
            &mut p.dev_dependencies2,
            &mut p.build_dependencies,
            &mut p.build_dependencies2,
        ]
    });
    let tables = [
        &mut resolved.dependencies,
        &mut resolved.dev_dependencies,
        &mut resolved.dev_dependencies2,
        &mut resolved.build_dependencies,
        &mut resolved.build_dependencies2,
    ];
    for deps in tables.into_iter().chain(platforms).filter_map(Option::as_mut) {
        for (name, dep) in deps.iter_mut() {
            let InheritableDependency::Inherit(member) = dep else { continue };
            let ws_dep = ws_deps.and_then(|d| d.get(name)).ok_or_else(|| missing(&format!("dependencies.{name}")))?;
            let mut merged = merge_dependency(ws_dep, member);
            if let Some(dep_path) = merged.path.take() {
                merged.path = Some(rebase(name, &dep_path)?);
            }
            *dep = InheritableDependency::Value(TomlDependency::Detailed(merged));
        }
    }
    Ok(resolved)
}

/// `path`, relative to the workspace root `ws_dir`, made relative to the member root `root`
/// (cargo's `resolve_relative_path`).
fn rebase_onto_member(ws_dir: &Path, root: &Path, path: &str) -> Option<String> {
    let joined = normalize_path(&ws_dir.join(path));
    pathdiff::diff_paths(joined, root).and_then(|p| p.to_str().map(str::to_owned))
}

/// A workspace dependency as a member declares it: member features appended, `optional` and
/// `public` from the member, and a member's `default-features = true` winning over the
/// workspace's `false`.
fn merge_dependency(
    ws_dep: &TomlDependency,
    member: &cargo_util_schemas::manifest::TomlInheritedDependency,
) -> cargo_util_schemas::manifest::TomlDetailedDependency {
    let mut merged = match ws_dep {
        TomlDependency::Simple(version) => cargo_util_schemas::manifest::TomlDetailedDependency {
            version: Some(version.clone()),
            ..Default::default()
        },
        TomlDependency::Detailed(detailed) => detailed.clone(),
    };
    if member.default_features() == Some(true) && merged.default_features() == Some(false) {
        merged.default_features = Some(true);
    }
    merged.features = match (merged.features.take(), member.features.clone()) {
        (Some(ws), Some(own)) => Some(ws.into_iter().chain(own).collect()),
        (ws, own) => ws.or(own),
    };
    merged.optional = member.optional;
    merged.public = member.public;
    merged
}
