//! Command-line feature selection (spec: `WS-FEATURES`): which features the build that verifies
//! each archive activates, and the refusal of features no selected package has, as `cargo
//! package` decides both from `-F/--features`, `--all-features` and `--no-default-features`.
//!
//! Only the packages' own manifests are read: which features and optional dependencies a package
//! declares. Whether a `dep/feature` names a real feature of the dependency is left to the
//! resolver of the verification build, as in cargo.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use cargo_util_schemas::manifest::{InheritableDependency, TomlDependency};

use crate::manifest::{self, Manifest};

/// The features asked for on the command line, as cargo's `CliFeatures`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliFeatures {
    pub features: BTreeSet<FeatureValue>,
    /// `--all-features`.
    pub all_features: bool,
    /// Not `--no-default-features`.
    pub uses_default_features: bool,
}

/// One feature as written on the command line (cargo's `FeatureValue`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FeatureValue {
    /// `name`.
    Feature(String),
    /// `dep:name`, refused on the command line.
    Dep(String),
    /// `dep/feature` or, weak, `dep?/feature`.
    DepFeature { dep_name: String, dep_feature: String, weak: bool },
}

impl FeatureValue {
    fn new(text: &str) -> Self {
        match text.split_once('/') {
            Some((dep, dep_feature)) => {
                let weak = dep.strip_suffix('?');
                FeatureValue::DepFeature {
                    dep_name: weak.unwrap_or(dep).to_owned(),
                    dep_feature: dep_feature.to_owned(),
                    weak: weak.is_some(),
                }
            }
            None => match text.strip_prefix("dep:") {
                Some(dep_name) => FeatureValue::Dep(dep_name.to_owned()),
                None => FeatureValue::Feature(text.to_owned()),
            },
        }
    }
}

impl fmt::Display for FeatureValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeatureValue::Feature(name) => f.write_str(name),
            FeatureValue::Dep(name) => write!(f, "dep:{name}"),
            FeatureValue::DepFeature { dep_name, dep_feature, weak } => {
                write!(f, "{dep_name}{}/{dep_feature}", if *weak { "?" } else { "" })
            }
        }
    }
}

/// A feature request cargo refuses, in cargo's words.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("feature `{0}` is not allowed to use explicit `dep:` syntax")]
    ExplicitDep(FeatureValue),
    #[error("multiple slashes in feature `{0}` is not allowed")]
    Slashes(FeatureValue),
    /// Features that no selected package has, with cargo's help line.
    #[error("{0}")]
    Unknown(String),
    /// Another member's manifest, read to word the refusal.
    #[error(transparent)]
    Manifest(#[from] manifest::Error),
}

impl CliFeatures {
    /// WS-FEATURES: `-F` values split at whitespace and commas, as cargo splits them.
    pub fn from_command_line(values: &[String], all_features: bool, no_default_features: bool) -> Result<Self, Error> {
        let features: BTreeSet<FeatureValue> = values
            .iter()
            .flat_map(|value| value.split_whitespace())
            .flat_map(|value| value.split(','))
            .filter(|value| !value.is_empty())
            .map(FeatureValue::new)
            .collect();
        for feature in &features {
            match feature {
                FeatureValue::Feature(_) => {}
                FeatureValue::Dep(_) => return Err(Error::ExplicitDep(feature.clone())),
                FeatureValue::DepFeature { dep_feature, .. } if dep_feature.contains('/') => {
                    return Err(Error::Slashes(feature.clone()));
                }
                FeatureValue::DepFeature { .. } => {}
            }
        }
        Ok(CliFeatures { features, all_features, uses_default_features: !no_default_features })
    }

    /// The flags that ask `cargo build` for the same features.
    pub fn build_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if !self.features.is_empty() {
            let list: Vec<String> = self.features.iter().map(ToString::to_string).collect();
            args.extend(["--features".to_owned(), list.join(",")]);
        }
        if self.all_features {
            args.push("--all-features".to_owned());
        }
        if !self.uses_default_features {
            args.push("--no-default-features".to_owned());
        }
        args
    }

    fn with_features(&self, features: BTreeSet<FeatureValue>) -> Self {
        CliFeatures { features, ..self.clone() }
    }
}

/// What cargo's summary of a package says about its features.
#[derive(Debug, Clone)]
pub struct Summary {
    pub name: String,
    /// `[features]` keys and the implicit feature of each optional dependency no `dep:` names.
    features: BTreeSet<String>,
    /// Every dependency by the name it has in the manifest (the last of a name, as in cargo's
    /// map).
    dependencies: BTreeMap<String, Dependency>,
}

#[derive(Debug, Clone)]
struct Dependency {
    optional: bool,
    /// Its `features`.
    features: Vec<String>,
}

impl Summary {
    /// From the manifest as cargo normalizes it (inherited dependencies filled in).
    pub fn of(manifest: &Manifest) -> Self {
        let toml = &manifest.normalized;
        // Cargo's order of the summary's dependencies: where a name repeats, the last one counts.
        let platforms = toml.target.iter().flatten().map(|(_, p)| p);
        let tables = [toml.dependencies.as_ref(), toml.dev_dependencies(), toml.build_dependencies()]
            .into_iter()
            .chain(platforms.flat_map(|p| [p.dependencies.as_ref(), p.build_dependencies(), p.dev_dependencies()]));
        let all: Vec<(String, &TomlDependency)> = tables
            .flatten()
            .flatten()
            .filter_map(|(name, dep)| match dep {
                InheritableDependency::Value(dep) => Some((name.to_string(), dep)),
                InheritableDependency::Inherit(_) => None,
            })
            .collect();
        let declared = toml.features.as_ref();
        let named_by_dep: BTreeSet<&str> =
            declared.into_iter().flat_map(|f| f.values().flatten()).filter_map(|v| v.strip_prefix("dep:")).collect();
        let mut features: BTreeSet<String> =
            declared.into_iter().flat_map(|f| f.keys().map(|k| k.to_string())).collect();
        let implicit = all.iter().filter(|(name, dep)| dep.is_optional() && !named_by_dep.contains(name.as_str()));
        features.extend(implicit.map(|(name, _)| name.clone()));
        let dependencies = all
            .into_iter()
            .map(|(name, dep)| (name, Dependency { optional: dep.is_optional(), features: features_of(dep) }))
            .collect();
        Summary { name: manifest.name().to_owned(), features, dependencies }
    }

    fn is_optional_dependency(&self, name: &str) -> bool {
        self.dependencies.get(name).is_some_and(|dep| dep.optional)
    }

    /// Whether `--features name` means something for this package.
    fn has_feature_or_optional(&self, name: &str) -> bool {
        self.features.contains(name) || self.is_optional_dependency(name)
    }

    fn optional_dependencies(&self) -> impl Iterator<Item = &String> {
        self.dependencies.iter().filter(|(_, dep)| dep.optional).map(|(name, _)| name)
    }
}

fn features_of(dep: &TomlDependency) -> Vec<String> {
    match dep {
        TomlDependency::Detailed(detail) => detail.features.clone().unwrap_or_default(),
        TomlDependency::Simple(_) => Vec::new(),
    }
}

/// How cargo applies command-line features to the packages selected (`allows_new_cli_feature_behavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    /// A virtual workspace, or resolver "2" or later: each selected package gets the features it
    /// has; a feature none has is refused.
    PerPackage,
    /// Resolver "1" under a root package: the features go to the current package (the one whose
    /// manifest cargo was given or found); other selected packages get only their `name/feature`
    /// entries and their default features. Nothing is refused here.
    Current,
}

/// WS-FEATURES: the features each selected package's verification build gets, in the order of
/// `selected`. `current` is the index in `selected` of the current package, when selected;
/// `unselected` gives the workspace's other members, in workspace order, and is called only to
/// word a refusal.
pub fn for_packages(
    cli: &CliFeatures,
    behavior: Behavior,
    selected: &[Summary],
    current: Option<usize>,
    unselected: impl FnOnce() -> Result<Vec<Summary>, manifest::Error>,
) -> Result<Vec<CliFeatures>, Error> {
    match behavior {
        Behavior::Current => Ok(for_current(cli, selected, current)),
        Behavior::PerPackage => {
            let mut found = BTreeSet::new();
            let chosen: Vec<CliFeatures> = selected.iter().map(|s| matching(s, cli, &mut found)).collect();
            if found == cli.features {
                return Ok(chosen);
            }
            Err(unknown_features(cli, &found, selected, &unselected()?))
        }
    }
}

/// Cargo's `collect_matching_features`: the requested features `summary` has; those are added
/// to `found`.
fn matching(summary: &Summary, cli: &CliFeatures, found: &mut BTreeSet<FeatureValue>) -> CliFeatures {
    let mut features = BTreeSet::new();
    for feature in &cli.features {
        let kept = match feature {
            FeatureValue::Feature(name) => summary.has_feature_or_optional(name).then(|| feature.clone()),
            // The resolver checks that the dependency has the feature.
            FeatureValue::DepFeature { dep_name, .. } if summary.dependencies.contains_key(dep_name) => {
                Some(feature.clone())
            }
            FeatureValue::DepFeature { dep_name, dep_feature, .. }
                if *dep_name == summary.name && summary.has_feature_or_optional(dep_feature) =>
            {
                Some(FeatureValue::Feature(dep_feature.clone()))
            }
            FeatureValue::DepFeature { .. } | FeatureValue::Dep(_) => None,
        };
        if let Some(kept) = kept {
            features.insert(kept);
            found.insert(feature.clone());
        }
    }
    cli.with_features(features)
}

/// Cargo's `members_with_features_old`.
fn for_current(cli: &CliFeatures, selected: &[Summary], current: Option<usize>) -> Vec<CliFeatures> {
    let current_name = current.map(|i| selected[i].name.as_str());
    let mut own: BTreeMap<&str, BTreeSet<FeatureValue>> = BTreeMap::new();
    let mut for_current = BTreeSet::new();
    for feature in &cli.features {
        match feature {
            FeatureValue::DepFeature { dep_name, dep_feature, .. }
                if Some(dep_name.as_str()) != current_name && selected.iter().any(|s| s.name == *dep_name) =>
            {
                own.entry(dep_name).or_default().insert(FeatureValue::Feature(dep_feature.clone()));
            }
            _ => {
                for_current.insert(feature.clone());
            }
        }
    }
    let mut for_current = Some(for_current);
    selected
        .iter()
        .enumerate()
        .map(|(i, summary)| match for_current.take_if(|_| Some(i) == current) {
            Some(features) => cli.with_features(features),
            None => CliFeatures {
                features: own.remove(summary.name.as_str()).unwrap_or_default(),
                all_features: cli.all_features,
                uses_default_features: true,
            },
        })
        .collect()
}

/// Cargo's `report_unknown_features_error`, word for word.
fn unknown_features(
    cli: &CliFeatures,
    found: &BTreeSet<FeatureValue>,
    selected: &[Summary],
    unselected: &[Summary],
) -> Error {
    let mut unknown: Vec<String> = cli.features.difference(found).map(ToString::to_string).collect();
    unknown.sort();
    let these = if unknown.len() == 1 { "this feature" } else { "these features" };
    let mut message = match selected {
        [one] => format!("the package '{}' does not contain {these}: {}", one.name, unknown.join(", ")),
        _ => {
            let names: Vec<&str> = selected.iter().map(|s| s.name.as_str()).collect();
            format!(
                "none of the selected packages contains {these}: {}\nselected packages: {}",
                unknown.join(", "),
                names.join(", ")
            )
        }
    };
    let elsewhere: Vec<&str> =
        unselected.iter().filter(|s| unknown.iter().any(|f| s.features.contains(f))).map(|s| s.name.as_str()).collect();
    if !elsewhere.is_empty() {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        message.push_str(&format!(
            "\nhelp: package{} with the missing feature{}: {}",
            s(elsewhere.len()),
            s(unknown.len()),
            elsewhere.join(", ")
        ));
    } else {
        let suggestions = suggestions(cli, found, selected);
        if !suggestions.is_empty() {
            let there =
                if suggestions.len() == 1 { "is a similarly named feature" } else { "are similarly named features" };
            message.push_str(&format!("\nhelp: there {there}: {}", suggestions.join(", ")));
        }
    }
    Error::Unknown(message)
}

/// Cargo's `missing_feature_spelling_suggestions`: up to five known names close to an unknown
/// one, sorted.
fn suggestions(cli: &CliFeatures, found: &BTreeSet<FeatureValue>, selected: &[Summary]) -> Vec<String> {
    let close = |a: &str, b: &str| edit_distance(a, b, 3).is_some();
    let mut out = BTreeSet::new();
    for feature in cli.features.difference(found) {
        match feature {
            FeatureValue::Feature(typo) => {
                let features = selected.iter().flat_map(|s| s.features.iter());
                let optional = selected.iter().flat_map(|s| s.optional_dependencies());
                out.extend(features.chain(optional).filter(|name| close(name, typo)).cloned());
            }
            FeatureValue::DepFeature { dep_name, dep_feature, .. } => {
                // Across packages, a later dependency of the same name replaces an earlier one.
                let dependencies: BTreeMap<&String, &Vec<String>> = selected
                    .iter()
                    .flat_map(|s| s.dependencies.iter().map(|(name, dep)| (name, &dep.features)))
                    .collect();
                for (name, features) in dependencies.into_iter().filter(|(name, _)| close(name, dep_name)) {
                    out.extend(features.iter().filter(|f| close(f, dep_feature)).map(|f| format!("{name}/{f}")));
                }
                for summary in selected.iter().filter(|s| close(&s.name, dep_name)) {
                    let optional = summary.optional_dependencies().filter(|opt| close(opt, dep_name));
                    out.extend(optional.map(|opt| format!("{}/{opt}", summary.name)));
                    let features = summary.features.iter().filter(|f| close(f, dep_feature));
                    out.extend(features.map(|f| format!("{}/{f}", summary.name)));
                }
            }
            FeatureValue::Dep(_) => {}
        }
    }
    out.into_iter()
        .filter(|name| {
            let value = FeatureValue::new(name);
            !cli.features.contains(&value) && !found.contains(&value)
        })
        .take(5)
        .collect()
}

/// The optimal string alignment distance between `a` and `b` compared in lower case, or `None`
/// when it exceeds `limit`: the measure cargo uses for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let (long, short) = if a.len() < b.len() { (&b, &a) } else { (&a, &b) };
    if long.len() - short.len() > limit {
        return None;
    }
    // rows[i][j]: distance between the first i chars of `long` and the first j of `short`.
    let mut rows = vec![vec![0usize; short.len() + 1]; long.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    rows[0] = (0..=short.len()).collect();
    for i in 1..=long.len() {
        for j in 1..=short.len() {
            let cost = usize::from(long[i - 1] != short[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && long[i - 1] == short[j - 2] && long[i - 2] == short[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    let distance = rows[long.len()][short.len()];
    (distance <= limit).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_features_split_as_cargo() {
        let cli = CliFeatures::from_command_line(&["a b,c".into(), ",,d?/e".into()], false, true).unwrap();
        let shown: Vec<String> = cli.features.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["a", "b", "c", "d?/e"]);
        assert_eq!(cli.build_args(), ["--features", "a,b,c,d?/e", "--no-default-features"]);
        let refused = CliFeatures::from_command_line(&["dep:x".into()], false, false).unwrap_err();
        assert_eq!(refused.to_string(), "feature `dep:x` is not allowed to use explicit `dep:` syntax");
        let refused = CliFeatures::from_command_line(&["a/b/c".into()], false, false).unwrap_err();
        assert_eq!(refused.to_string(), "multiple slashes in feature `a/b/c` is not allowed");
    }

    #[test]
    fn ws_features_edit_distance_is_optimal_string_alignment() {
        assert_eq!(edit_distance("serde", "serde", 3), Some(0));
        assert_eq!(edit_distance("Serde", "serde", 3), Some(0));
        assert_eq!(edit_distance("sedre", "serde", 3), Some(1));
        assert_eq!(edit_distance("std", "stdx", 3), Some(1));
        assert_eq!(edit_distance("ca", "abc", 3), Some(3));
        assert_eq!(edit_distance("a", "abcde", 3), None);
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance("kitten", "sitting", 2), None);
    }
}
