//! `.cargo_vcs_info.json` (spec: `VCS-FILE`, `ERA-VCS`): the record of the commit a package was
//! made from, as cargo writes it and as a published crate holds it. The `vcs` module decides what
//! a new package records; this one is the record alone, so that reading a crate needs no git.

use std::path::{Path, PathBuf};

use crate::archive::read::ArchivedEntry;

/// The contents of `.cargo_vcs_info.json`; field order and names are cargo's (`VCS-FILE`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VcsInfo {
    pub git: GitVcsInfo,
    /// The package directory relative to the repository root, `/`-separated; empty at the root.
    #[serde(default)]
    pub path_in_vcs: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GitVcsInfo {
    /// The `HEAD` commit id.
    pub sha1: String,
    /// Present, and true, only when packaged files differ from `HEAD`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dirty: bool,
}

/// A crate's `.cargo_vcs_info.json` that does not read.
#[derive(Debug, thiserror::Error)]
#[error("`.cargo_vcs_info.json` in `{}` is not valid: {reason}", krate.display())]
pub struct Error {
    pub krate: PathBuf,
    pub reason: String,
}

impl VcsInfo {
    /// The file's bytes: pretty JSON, two-space indent, no trailing newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plain strings and bools serialize")
    }

    /// ERA-VCS: the file as `profile`'s cargo wrote it; 1.56 and earlier wrote the commit alone,
    /// in a fixed text.
    pub fn text_as(&self, profile: &crate::era::Profile) -> String {
        match profile.path_in_vcs {
            true => self.to_json(),
            false => format!("{{\n  \"git\": {{\n    \"sha1\": \"{}\"\n  }}\n}}\n", self.git.sha1),
        }
    }

    /// What the crate at `krate` records in its `.cargo_vcs_info.json` `entry`, if it has one.
    pub fn recorded(entry: Option<&ArchivedEntry>, krate: &Path) -> Result<Option<VcsInfo>, Error> {
        let Some(entry) = entry else {
            return Ok(None);
        };
        let bad = |reason: String| Error { krate: krate.to_owned(), reason };
        let text = entry.text.as_deref().ok_or_else(|| bad("not UTF-8 text".to_owned()))?;
        VcsInfo::parse(text).map(Some).map_err(|e| bad(e.to_string()))
    }

    /// The record in `text`, as a crate holds it.
    pub fn parse(text: &str) -> Result<VcsInfo, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// VCS-FILE: the exact bytes of research experiment t2 (dirty, package at the repo root).
    #[test]
    fn vcs_file_bytes() {
        let info = VcsInfo {
            git: GitVcsInfo { sha1: "b6a419971ef346d4cb87d8c3548fe3fb8c3e06b1".into(), dirty: true },
            path_in_vcs: String::new(),
        };
        assert_eq!(
            info.to_json(),
            "{\n  \"git\": {\n    \"sha1\": \"b6a419971ef346d4cb87d8c3548fe3fb8c3e06b1\",\n    \"dirty\": true\n  },\n  \"path_in_vcs\": \"\"\n}"
        );
    }
}
