//! The in-toto Statement v1 with a SLSA provenance v1 predicate that `attest` signs (spec:
//! `PROV-STATEMENT`, `PROV-BUILDTYPE`). Every field comes from the crate itself and the tool's
//! version: no clock, no random id, no path of this machine, so the same crate gives the same bytes.
//! Structs, not maps, fix the field order whatever serde_json's features are.

use std::collections::BTreeMap;

use serde::Serialize;

/// in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// SLSA provenance v1.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";
/// PROV-BUILDTYPE: "packaged by `cargo package` (or `cargo seal package`) from a clean git commit".
pub const BUILD_TYPE: &str = "https://docs.rs/crate/cargo-seal/latest/source/spec/provenance.md#PROV-BUILDTYPE";
/// PROV-BUILDER: whoever holds the key ran cargo-seal themselves; no build platform vouches.
pub const BUILDER_ID: &str = "https://docs.rs/crate/cargo-seal/latest/source/spec/provenance.md#PROV-BUILDER";

/// What a statement says about one `.crate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// `<name>-<version>.crate`.
    pub file_name: String,
    pub sha256: String,
    pub package: String,
    /// `package.repository` of the packaged manifest, if it has one.
    pub repository: Option<String>,
    /// `git.sha1` of `.cargo_vcs_info.json`.
    pub commit: String,
    pub path_in_vcs: String,
}

#[derive(Serialize)]
struct Statement<'a> {
    #[serde(rename = "_type")]
    kind: &'static str,
    subject: [Descriptor<'a>; 1],
    #[serde(rename = "predicateType")]
    predicate_type: &'static str,
    predicate: Provenance<'a>,
}

#[derive(Serialize)]
struct Descriptor<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    digest: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<PathInVcs<'a>>,
}

#[derive(Serialize)]
struct PathInVcs<'a> {
    path_in_vcs: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Provenance<'a> {
    build_definition: BuildDefinition<'a>,
    run_details: RunDetails,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BuildDefinition<'a> {
    build_type: &'static str,
    external_parameters: ExternalParameters<'a>,
    resolved_dependencies: [Descriptor<'a>; 1],
}

#[derive(Serialize)]
struct ExternalParameters<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
    path_in_vcs: &'a str,
    package: &'a str,
}

#[derive(Serialize)]
struct RunDetails {
    builder: Builder,
}

#[derive(Serialize)]
struct Builder {
    id: &'static str,
    version: BTreeMap<&'static str, &'static str>,
}

/// PROV-STATEMENT: the statement's bytes: compact JSON, fields in the order the spec lists them.
pub fn render(facts: &Facts) -> Vec<u8> {
    let statement = Statement {
        kind: STATEMENT_TYPE,
        subject: [Descriptor {
            name: Some(&facts.file_name),
            uri: None,
            digest: BTreeMap::from([("sha256", facts.sha256.as_str())]),
            annotations: None,
        }],
        predicate_type: PREDICATE_TYPE,
        predicate: Provenance {
            build_definition: BuildDefinition {
                build_type: BUILD_TYPE,
                external_parameters: ExternalParameters {
                    repository: facts.repository.as_deref(),
                    path_in_vcs: &facts.path_in_vcs,
                    package: &facts.package,
                },
                resolved_dependencies: [Descriptor {
                    name: None,
                    uri: facts.repository.as_deref().and_then(git_uri),
                    digest: BTreeMap::from([("gitCommit", facts.commit.as_str())]),
                    annotations: Some(PathInVcs { path_in_vcs: &facts.path_in_vcs }),
                }],
            },
            run_details: RunDetails {
                builder: Builder {
                    id: BUILDER_ID,
                    version: BTreeMap::from([("cargo-seal", env!("CARGO_PKG_VERSION"))]),
                },
            },
        },
    };
    serde_json::to_vec(&statement).expect("plain data serializes")
}

/// PROV-STATEMENT: a repository URL as an SPDX-style download location (`git+https://…`);
/// `None` for what is not a URL (an scp-like `host:path`, say).
fn git_uri(repository: &str) -> Option<String> {
    if repository.starts_with("git+") {
        return Some(repository.to_owned());
    }
    let (scheme, rest) = repository.split_once("://")?;
    let known = ["https", "http", "ssh", "git"].contains(&scheme.to_ascii_lowercase().as_str());
    (known && !rest.is_empty()).then(|| format!("git+{repository}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            file_name: "demo-0.1.0.crate".to_owned(),
            sha256: "0b979881fb970b57dd26e5972aeda4f474076123783d1a40ccb9168373971718".to_owned(),
            package: "demo".to_owned(),
            repository: Some("https://github.com/example/demo".to_owned()),
            commit: "c27d339ee6075c1f744c5d4b200f7901aad2c369".to_owned(),
            path_in_vcs: "crates/demo".to_owned(),
        }
    }

    #[test]
    fn prov_statement_shape() {
        let text = String::from_utf8(render(&facts())).unwrap();
        insta::assert_snapshot!(text);
    }

    #[test]
    fn prov_statement_without_repository_has_no_uri() {
        let text = String::from_utf8(render(&Facts { repository: None, ..facts() })).unwrap();
        assert!(!text.contains("uri") && !text.contains("repository"), "{text}");
        assert!(text.contains(r#""digest":{"gitCommit":"c27d339ee6075c1f744c5d4b200f7901aad2c369"}"#), "{text}");
    }

    #[test]
    fn prov_statement_git_uri() {
        assert_eq!(git_uri("https://github.com/o/r").as_deref(), Some("git+https://github.com/o/r"));
        assert_eq!(git_uri("git+ssh://host/r.git").as_deref(), Some("git+ssh://host/r.git"));
        assert_eq!(git_uri("git@github.com:o/r.git"), None);
        assert_eq!(git_uri("https://"), None);
    }
}
