//! `--format sarif` (AUD-SARIF): SARIF 2.1.0 for code-scanning dashboards: one result per crate
//! the policy does not accept, at its entry in `Cargo.lock`, its verdict the rule.

use serde_json::{Value, json};

use crate::audit::{Audited, Level, Locked};
use crate::compare::Verdict;

use super::report;

/// The SARIF log of `audited` (the crates of `crates`, whose lock file is at `lockfile_uri`, a
/// URI relative to where the audit ran).
pub(super) fn log(audited: &[Audited], crates: &[Locked], lockfile_uri: &str) -> Value {
    // A rule for each level a crate can fall short at: every one but `identical`; and one for
    // an attestation refused or missing (AUD-ATTEST).
    let levels = Level::NAMES.iter().copied().filter(|name| *name != "identical");
    let rules: Vec<&str> = levels.chain([ATTESTATION]).collect();
    let results: Vec<Value> = audited
        .iter()
        .filter(|a| !a.accepted)
        .map(|a| {
            let line = crates.iter().find(|c| c.name == a.name && c.version == a.version).and_then(|c| c.line);
            let mut location = json!({ "artifactLocation": { "uri": lockfile_uri } });
            if let Some(line) = line {
                location["region"] = json!({ "startLine": line });
            }
            let refused = a.attestation.as_ref().is_some_and(|t| t.refused.is_some());
            let rule = match rules.iter().find(|r| **r == a.verdict) {
                Some(verdict) if !refused => verdict,
                _ => ATTESTATION,
            };
            json!({
                "ruleId": rule,
                "ruleIndex": rules.iter().position(|r| *r == rule),
                "level": "error",
                "message": { "text": message(a) },
                "locations": [{ "physicalLocation": location }],
                "partialFingerprints": { "crate/v1": format!("{}@{}", a.name, a.version) },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cargo-seal",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|id| rule(id)).collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}

/// AUD-ATTEST: the rule of a crate whose attestation was refused, or missing when required.
const ATTESTATION: &str = "attestation";

/// What the level `id` means, as `--accept --help` says it.
fn rule(id: &str) -> Value {
    use clap::ValueEnum as _;
    if id == ATTESTATION {
        return json!({
            "id": id,
            "shortDescription": { "text": "The crate's attestation was refused, or it has none and one is required" },
            "fullDescription": { "text": "A Sigstore bundle under `--attestations` that does not verify for the crate, or whose certificate names another repository or commit than the crate's" },
            "defaultConfiguration": { "level": "error" },
        });
    }
    let help =
        Verdict::parse(id).and_then(|v| v.to_possible_value()).and_then(|v| v.get_help().map(ToString::to_string));
    let text = help.unwrap_or_else(|| "The crate could not be verified against its repository".to_owned());
    json!({
        "id": id,
        "shortDescription": { "text": format!("The published crate is `{id}` to its rebuild") },
        "fullDescription": { "text": text },
        "defaultConfiguration": { "level": "error" },
    })
}

/// The crate, its verdict and why, and what explains it, as the human report says it.
fn message(a: &Audited) -> String {
    let reason = a.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
    let commit = a.commit.as_deref().map(|c| format!(", rebuilt from commit {c}")).unwrap_or_default();
    let mut lines = vec![format!("{} {}: {}{reason}{commit}", a.name, a.version, report::verdict(a))];
    lines.extend(report::details(a).into_iter().map(|d| d.line));
    lines.join("\n")
}
