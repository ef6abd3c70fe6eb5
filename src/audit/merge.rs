//! AUD-MERGE: the `jsonl` outputs of shards (`--shard K/N`, one machine each), joined into the
//! results of one whole run: every selected crate exactly once, in the lock file's order, or a
//! refusal that names the crate and the files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Audited, Level, Locked};

/// Shard outputs that do not make one whole run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read the shard output `{}`", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("line {line} of `{}` is not a crate of an audit's `--format jsonl` output: {reason}", path.display())]
    Line { path: PathBuf, line: usize, reason: String },
    #[error(
        "`{name} {version}` is in both `{}` and `{}`: shards overlap (give each shard's output once, from one \
         `--shard K/N` series)",
        first.display(), second.display()
    )]
    Overlap { name: String, version: String, first: PathBuf, second: PathBuf },
    #[error(
        "`{name} {version}` in `{}` is not a crate of `{}` this run selects: the shard audited another lock file \
         or selection",
        path.display(), lockfile.display()
    )]
    Foreign { name: String, version: String, path: PathBuf, lockfile: PathBuf },
    #[error(
        "{} of `{}` in no shard output: {}; a shard is missing, or failed before it wrote its output",
        if *count == 1 { "a crate".to_owned() } else { format!("{count} crates") }, lockfile.display(), missing.join(", ")
    )]
    Missing { missing: Vec<String>, count: usize, lockfile: PathBuf },
}

/// The crates a shard's `jsonl` output at `path` holds, as audited (to be judged again).
pub fn read(path: &Path) -> Result<Vec<Audited>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
    let mut crates = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let bad = |reason: String| Error::Line { path: path.to_owned(), line: i + 1, reason };
        let mut audited: Audited = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        audited.level = Level::parse(&audited.verdict)
            .ok_or_else(|| bad(format!("`{}` is none of {}", audited.verdict, Level::NAMES.join(", "))))?;
        crates.push(audited);
    }
    Ok(crates)
}

/// The results of `selected` (the lock file at `lockfile`'s crates this run selects, in order),
/// taken from the shard outputs `shards` (each with its path).
pub fn merge(
    selected: &[Locked],
    lockfile: &Path,
    shards: Vec<(PathBuf, Vec<Audited>)>,
) -> Result<Vec<Audited>, Error> {
    let mut found: BTreeMap<(String, String), (PathBuf, Audited)> = BTreeMap::new();
    for (path, crates) in shards {
        for audited in crates {
            let key = (audited.name.clone(), audited.version.clone());
            if !selected.iter().any(|c| c.name == key.0 && c.version == key.1) {
                let (name, version) = key;
                return Err(Error::Foreign { name, version, path, lockfile: lockfile.to_owned() });
            }
            if let Some((first, _)) = found.get(&key) {
                let (name, version) = key;
                return Err(Error::Overlap { name, version, first: first.clone(), second: path });
            }
            found.insert(key, (path.clone(), audited));
        }
    }
    let missing: Vec<String> = selected
        .iter()
        .filter(|c| !found.contains_key(&(c.name.clone(), c.version.clone())))
        .map(|c| format!("`{} {}`", c.name, c.version))
        .collect();
    if !missing.is_empty() {
        // The first few name the gap; the count says how large it is.
        const NAMED: usize = 10;
        let mut named: Vec<String> = missing.iter().take(NAMED).cloned().collect();
        if missing.len() > NAMED {
            named.push(format!("and {} more", missing.len() - NAMED));
        }
        return Err(Error::Missing { missing: named, count: missing.len(), lockfile: lockfile.to_owned() });
    }
    Ok(selected
        .iter()
        .filter_map(|c| found.remove(&(c.name.clone(), c.version.clone())).map(|(_, audited)| audited))
        .collect())
}
