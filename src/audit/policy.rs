//! AUD-POLICY: which verdicts a CI job accepts: one level for every crate, and exceptions for
//! named crates and version ranges, each with its reason.

use std::path::{Path, PathBuf};

use crate::compare::Verdict;

use super::{Audited, Locked};

/// A verdict a policy accepts, or `unverifiable`, weaker than any verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Verdict(Verdict),
    Unverifiable,
}

impl Level {
    /// Every level, strongest first: what `--accept` and a policy's `accept` take.
    pub const NAMES: [&str; 6] = ["identical", "same-tar", "same-contents", "same-sources", "differs", "unverifiable"];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Verdict(verdict) => verdict.as_str(),
            Level::Unverifiable => "unverifiable",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        if text == "unverifiable" {
            return Some(Level::Unverifiable);
        }
        Verdict::parse(text).map(Level::Verdict)
    }

    /// Whether `self` is at least as strong as `accepted`.
    fn meets(self, accepted: Level) -> bool {
        match (self, accepted) {
            (_, Level::Unverifiable) => true,
            (Level::Unverifiable, Level::Verdict(_)) => false,
            (Level::Verdict(found), Level::Verdict(accepted)) => found <= accepted,
        }
    }
}

/// An exception for one crate, or a range of its versions.
#[derive(Debug, Clone)]
pub struct Exception {
    pub name: String,
    pub version: Option<semver::VersionReq>,
    pub accept: Level,
    pub reason: String,
}

/// What the audit accepts.
#[derive(Debug, Clone)]
pub struct Policy {
    pub accept: Level,
    pub exceptions: Vec<Exception>,
    /// AUD-ATTEST: `--require-attestations`: a crate without an attestation is not accepted.
    pub require_attestations: bool,
    /// ERA-RECORDED: `--refuse-recorded` or `refuse_recorded = true`: a crate identical only with
    /// the times, modes and owners its archive records (cargo 1.49 and earlier) is not accepted.
    pub refuse_recorded: bool,
    /// The sha256 of the policy file read, hex (AUD-VSA names it).
    pub sha256: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid policy `{}`: {reason}", path.display())]
pub struct PolicyError {
    pub path: PathBuf,
    pub reason: String,
}

impl Policy {
    /// Accepts `accept` for every crate.
    pub fn new(accept: Level) -> Policy {
        Policy { accept, exceptions: Vec::new(), require_attestations: false, refuse_recorded: false, sha256: None }
    }

    /// A policy file: `accept = "<level>"` and `[[exception]]` tables with `name`, an optional
    /// `version` requirement, `accept` and a required `reason`. `default` is the level when the
    /// file names none.
    pub fn read(path: &Path, default: Level) -> Result<Policy, PolicyError> {
        let error = |reason: String| PolicyError { path: path.to_owned(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| error(e.to_string()))?;
        let level = |value: Option<&toml::Value>, default: Level| match value {
            None => Ok(default),
            Some(v) => v
                .as_str()
                .and_then(Level::parse)
                .ok_or_else(|| error(format!("`accept = {v}` is none of {}", Level::NAMES.join(", ")))),
        };
        let accept = level(table.get("accept"), default)?;
        let mut exceptions = Vec::new();
        for (i, exception) in table.get("exception").and_then(toml::Value::as_array).into_iter().flatten().enumerate() {
            let field = |key: &str| exception.get(key).and_then(toml::Value::as_str);
            let name = field("name").ok_or_else(|| error(format!("exception {} has no `name`", i + 1)))?;
            let reason = field("reason").filter(|r| !r.trim().is_empty());
            let reason = reason.ok_or_else(|| error(format!("the exception for `{name}` gives no `reason`")))?;
            let version = field("version")
                .map(|v| semver::VersionReq::parse(v).map_err(|e| error(format!("`{name}` version `{v}`: {e}"))))
                .transpose()?;
            let accept = level(exception.get("accept"), Level::Unverifiable)?;
            exceptions.push(Exception { name: name.to_owned(), version, accept, reason: reason.to_owned() });
        }
        let sha256 = Some(format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(text.as_bytes())));
        let refuse_recorded = match table.get("refuse_recorded") {
            None => false,
            Some(value) => {
                value.as_bool().ok_or_else(|| error(format!("`refuse_recorded = {value}` is not true or false")))?
            }
        };
        Ok(Policy { accept, exceptions, require_attestations: false, refuse_recorded, sha256 })
    }

    /// Sets `accepted` on each crate: the first exception that names it decides, else the level.
    /// An exception that decides is named in `exception`, with its reason. AUD-ATTEST: a refused
    /// attestation, or none when they are required, rejects the crate whatever its verdict.
    pub fn judge(&self, audited: &mut [Audited]) {
        for crate_ in audited {
            let exception = self.exception_for(&crate_.name, &crate_.version);
            let attested = match &crate_.attestation {
                Some(a) => a.refused.is_none() && (a.bundle.is_some() || !self.require_attestations),
                None => !self.require_attestations,
            };
            let recorded = self.refuse_recorded && crate_.explanations.iter().any(|e| e.rule == "ERA-RECORDED");
            crate_.accepted = attested && !recorded && crate_.level.meets(exception.map_or(self.accept, |e| e.accept));
            crate_.exception = exception.map(|e| e.reason.clone());
        }
    }

    /// The exceptions that name no crate of `crates` (the whole lock file, whatever the run
    /// audits): stale entries a reviewer should remove.
    pub fn unused(&self, crates: &[Locked]) -> Vec<&Exception> {
        self.exceptions.iter().filter(|e| !crates.iter().any(|c| e.names(&c.name, &c.version))).collect()
    }

    fn exception_for(&self, name: &str, version: &str) -> Option<&Exception> {
        self.exceptions.iter().find(|e| e.names(name, version))
    }
}

impl Exception {
    /// Whether the exception is for the crate `name` at `version`.
    fn names(&self, name: &str, version: &str) -> bool {
        let version = semver::Version::parse(version).ok();
        self.name == name && self.version.as_ref().is_none_or(|req| version.as_ref().is_some_and(|v| req.matches(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ERA-RECORDED: a policy that refuses crates identical only with their recorded times, modes
    /// and owners refuses them, and only them.
    #[test]
    fn aud_policy_refuses_recorded_headers_when_asked() {
        let krate = |recorded: bool| Audited {
            verdict: "identical".to_owned(),
            level: Level::Verdict(Verdict::Identical),
            explanations: recorded
                .then(|| crate::compare::Explanation::new("ERA-RECORDED", "taken from the archive"))
                .into_iter()
                .collect(),
            ..Audited::unverified(&Locked { name: "a".into(), version: "1.0.0".into(), checksum: None, line: None })
        };
        let mut audited = [krate(true), krate(false)];
        Policy::new(Level::Verdict(Verdict::Identical)).judge(&mut audited);
        assert!(audited.iter().all(|a| a.accepted));
        let strict = Policy { refuse_recorded: true, ..Policy::new(Level::Verdict(Verdict::Identical)) };
        strict.judge(&mut audited);
        assert_eq!(audited.map(|a| a.accepted), [false, true]);
    }

    #[test]
    fn aud_policy_levels_order() {
        let identical = Level::Verdict(Verdict::Identical);
        let sources = Level::Verdict(Verdict::SameSources);
        assert!(identical.meets(sources) && !sources.meets(identical));
        assert!(Level::Unverifiable.meets(Level::Unverifiable) && !Level::Unverifiable.meets(sources));
        assert_eq!(Level::parse("same-tar"), Some(Level::Verdict(Verdict::SameTar)));
        assert_eq!(Level::parse("nope"), None);
    }
}
