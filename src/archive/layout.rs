//! What an archive's paths mean beyond this machine (spec: `READ-PREFIX`, `READ-PORTABLE`): the
//! one `<name>-<version>/` directory every entry of a `.crate` lies in, and names that Windows or
//! macOS would read differently from Linux. Both are findings about an accepted archive, not
//! reasons to stop reading it.

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization as _;

use super::entry::ArchivedEntry;
use crate::manifest::Identity;

/// How many paths one finding names before it counts the rest.
const SHOWN: usize = 5;

/// READ-PREFIX: entries outside the first entry's top directory, and a top directory that is not
/// `<name>-<version>` of the `Cargo.toml` in it. Crates.io refuses such uploads; `verify` refuses
/// to vouch for them.
pub fn prefix_problems(entries: &[ArchivedEntry]) -> Vec<String> {
    let Some(base) = entries.first().map(|e| e.path.split('/').next().unwrap_or_default()) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    let outside: Vec<&str> = entries
        .iter()
        .map(|e| e.path.as_str())
        .filter(|p| p.split_once('/').is_none_or(|(top, _)| top != base))
        .collect();
    if !outside.is_empty() {
        problems.push(format!("{}: outside `{base}/`, the archive's one directory", listed(&outside)));
    }
    let manifest =
        entries.iter().find(|e| e.path.split_once('/').is_some_and(|(top, rel)| top == base && rel == "Cargo.toml"));
    match manifest.map(|m| m.text.as_deref().and_then(|text| Identity::of(text).dir_name())) {
        None => problems.push(format!("no `{base}/Cargo.toml`")),
        Some(None) => problems.push(format!("`{base}/Cargo.toml` names no package name and version")),
        Some(Some(named)) if named != base => problems
            .push(format!("the archive's directory `{base}/` is not `{named}/`, as its Cargo.toml names the package")),
        Some(Some(_)) => {}
    }
    problems
}

/// READ-PORTABLE: paths that name something else, or nothing, on Windows or macOS.
pub fn portability_problems(entries: &[ArchivedEntry]) -> Vec<String> {
    let mut kinds: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    for entry in entries {
        for component in entry.path.split('/') {
            if let Some(kind) = windows_problem(component) {
                kinds.entry(kind).or_default().push(&entry.path);
                break;
            }
        }
    }
    let mut problems: Vec<String> =
        kinds.into_iter().map(|(kind, paths)| format!("{}: {kind}", listed(&paths))).collect();
    let mut by_fold: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut by_form: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for entry in entries {
        by_fold.entry(entry.path.to_lowercase()).or_default().push(&entry.path);
        by_form.entry(entry.path.nfc().collect()).or_default().push(&entry.path);
    }
    for same in by_fold.values().filter(|paths| paths.len() > 1) {
        problems.push(format!("{}: the same path where case is ignored (Windows, macOS)", listed(same)));
    }
    for same in by_form.values().filter(|paths| paths.len() > 1) {
        problems.push(format!("{}: the same path on macOS, which ignores Unicode normalization", listed(same)));
    }
    problems
}

/// Why Windows reads a path component otherwise, if it does.
fn windows_problem(component: &str) -> Option<&'static str> {
    const RESERVED: [&str; 4] = ["con", "prn", "aux", "nul"];
    if component.contains('\\') {
        return Some("a backslash in a name, a directory separator on Windows");
    }
    if component.contains(':') {
        return Some("a colon in a name, a drive or stream separator on Windows");
    }
    if component.contains(['<', '>', '"', '|', '?', '*']) {
        return Some("a character Windows does not allow in names (< > \" | ? *)");
    }
    let stem = component.split('.').next().unwrap_or_default().trim_end_matches(' ').to_lowercase();
    let numbered = |prefix: &str| {
        stem.strip_prefix(prefix)
            .is_some_and(|n| matches!(n, "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"))
    };
    if RESERVED.contains(&stem.as_str()) || numbered("com") || numbered("lpt") {
        return Some("a name Windows reserves for a device (CON, PRN, AUX, NUL, COM1, LPT1, ...)");
    }
    if component.ends_with(['.', ' ']) {
        return Some("a name ending in a dot or space, which Windows drops");
    }
    None
}

/// "entry `a`", "entries `a`, `b`", or the first few and how many more.
fn listed(paths: &[&str]) -> String {
    let shown: Vec<String> = paths.iter().take(SHOWN).map(|p| format!("`{p}`")).collect();
    let more = paths.len().saturating_sub(SHOWN);
    let noun = if paths.len() == 1 { "entry" } else { "entries" };
    if more > 0 {
        format!("{noun} {} and {more} more", shown.join(", "))
    } else {
        format!("{noun} {}", shown.join(", "))
    }
}
