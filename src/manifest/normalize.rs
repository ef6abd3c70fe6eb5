//! Load-time normalization of a package manifest (spec: `MAN-NORMALIZE`): what cargo's
//! `normalize_toml` does for a package that inherits nothing from a workspace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_util_schemas::manifest::{
    InheritableDependency, InheritableField, InheritableLints, StringOrBool, TomlDependency, TomlManifest, TomlPackage,
    TomlPackageBuild, TomlPlatform,
};

use super::{Error, targets};

/// The default readme names, in the order cargo tries them (`MAN-README`).
const DEFAULT_READMES: [&str; 3] = ["README.md", "README.txt", "README"];

pub(super) fn normalize(
    original: &TomlManifest,
    path: &Path,
    root: &Path,
    warnings: &mut Vec<String>,
) -> Result<TomlManifest, Error> {
    let invalid = |message: String| Error::Invalid { path: path.to_owned(), message };
    let Some(package) = original.package() else {
        return Err(Error::Virtual { path: path.to_owned() });
    };
    refuse_inheritance(original, path)?;

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
            TomlPackageBuild::SingleScript(super::normalize_path(Path::new(script)).to_string_lossy().into_owned())
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

/// Workspace inheritance needs the workspace root, which this version does not read yet.
fn refuse_inheritance(original: &TomlManifest, path: &Path) -> Result<(), Error> {
    let inherited = |field: &str| Error::Inherited { path: path.to_owned(), field: field.to_owned() };
    if let Some(p) = original.package() {
        let fields: [(&str, bool); 18] = [
            ("edition", p.edition.as_ref().is_some_and(InheritableField::is_inherited)),
            ("rust-version", p.rust_version.as_ref().is_some_and(InheritableField::is_inherited)),
            ("version", p.version.as_ref().is_some_and(InheritableField::is_inherited)),
            ("authors", p.authors.as_ref().is_some_and(InheritableField::is_inherited)),
            ("exclude", p.exclude.as_ref().is_some_and(InheritableField::is_inherited)),
            ("include", p.include.as_ref().is_some_and(InheritableField::is_inherited)),
            ("publish", p.publish.as_ref().is_some_and(InheritableField::is_inherited)),
            ("description", p.description.as_ref().is_some_and(InheritableField::is_inherited)),
            ("homepage", p.homepage.as_ref().is_some_and(InheritableField::is_inherited)),
            ("documentation", p.documentation.as_ref().is_some_and(InheritableField::is_inherited)),
            ("readme", p.readme.as_ref().is_some_and(InheritableField::is_inherited)),
            ("keywords", p.keywords.as_ref().is_some_and(InheritableField::is_inherited)),
            ("categories", p.categories.as_ref().is_some_and(InheritableField::is_inherited)),
            ("license", p.license.as_ref().is_some_and(InheritableField::is_inherited)),
            ("license-file", p.license_file.as_ref().is_some_and(InheritableField::is_inherited)),
            ("repository", p.repository.as_ref().is_some_and(InheritableField::is_inherited)),
            ("lints", original.lints.as_ref().is_some_and(|l| l.workspace)),
            ("package.workspace", p.workspace.is_some()),
        ];
        if let Some((field, _)) = fields.iter().find(|(_, inherited)| *inherited) {
            return Err(inherited(field));
        }
    }
    let tables = [original.dependencies.as_ref(), original.dev_dependencies(), original.build_dependencies()];
    let platforms = original
        .target
        .iter()
        .flatten()
        .flat_map(|(_, p)| [p.dependencies.as_ref(), p.dev_dependencies(), p.build_dependencies()]);
    let mut deps = tables.into_iter().chain(platforms).flatten().flatten();
    match deps.find(|(_, d)| matches!(d, InheritableDependency::Inherit(_))) {
        Some((name, _)) => Err(inherited(&format!("dependencies.{name}"))),
        None => Ok(()),
    }
}

/// The root of a workspace that claims the package at `manifest`, searching upwards as cargo
/// does (it stops below a `target/package` directory, where cargo unpacks crates).
pub(super) fn enclosing_workspace(manifest: &Path, package: Option<&TomlPackage>) -> Result<Option<PathBuf>, Error> {
    if package.is_some_and(|p| p.workspace.is_some()) {
        return Ok(manifest.parent().map(Path::to_path_buf));
    }
    let Some(pkg_root) = manifest.parent() else {
        return Ok(None);
    };
    for dir in pkg_root.ancestors().skip(1) {
        if dir.ends_with("target/package") {
            break;
        }
        let candidate = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&candidate) else {
            continue;
        };
        let Ok(doc) = toml::from_str::<toml::Table>(&text) else {
            continue;
        };
        let Some(ws) = doc.get("workspace").and_then(toml::Value::as_table) else {
            continue;
        };
        let excluded = ws
            .get("exclude")
            .and_then(toml::Value::as_array)
            .is_some_and(|list| list.iter().filter_map(toml::Value::as_str).any(|e| pkg_root.starts_with(dir.join(e))));
        return Ok((!excluded).then(|| dir.to_path_buf()));
    }
    Ok(None)
}
