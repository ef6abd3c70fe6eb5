//! The audit's reports for people: a human table and markdown for a CI job summary, each
//! crate's verdict explained (AUD-REPORT).

use std::collections::BTreeMap;

use crate::audit::{Audited, Level};

/// Crates per verdict.
pub(super) fn summary(audited: &[Audited]) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for a in audited {
        *counts.entry(a.verdict.as_str()).or_insert(0) += 1;
    }
    counts
}

/// The counts in words, strongest verdict first.
fn counts(audited: &[Audited]) -> String {
    let summary = summary(audited);
    let shown: Vec<String> = Level::NAMES.iter().filter_map(|v| summary.get(v).map(|n| format!("{n} {v}"))).collect();
    format!("{} crates: {}", audited.len(), shown.join(", "))
}

pub(super) fn found_by(a: &Audited) -> String {
    match &a.commit_found_by {
        Some(by) => by.to_string(),
        None => "-".into(),
    }
}

pub(super) fn human(audited: &[Audited]) -> String {
    let mut out = String::new();
    for a in audited {
        let mark = if a.accepted { "ok " } else { "NOT" };
        let reason = a.reason.as_deref().map(|r| format!("  {r}")).unwrap_or_default();
        let exception = a.exception.as_deref().map(|r| format!("  (policy exception: {r})")).unwrap_or_default();
        out.push_str(&format!(
            "{mark} {} {}  {}  ({}){reason}{exception}\n",
            a.name,
            a.version,
            verdict(a),
            found_by(a)
        ));
        for detail in details(a) {
            out.push_str(&format!("      {}\n", detail.line));
            for line in detail.diff_lines() {
                out.push_str(&format!("          {line}\n"));
            }
        }
    }
    let rejected = audited.iter().filter(|a| !a.accepted).count();
    out.push_str(&format!("{}; {rejected} not accepted\n", counts(audited)));
    if let Some(eras) = by_era(audited) {
        out.push_str(&format!("{eras}\n"));
    }
    out
}

/// One line of what explains a verdict, with the unified diff of a text file that differs.
pub(super) struct Detail<'a> {
    pub(super) line: String,
    pub(super) diff: Option<&'a str>,
}

impl Detail<'_> {
    /// The diff's first lines, and a last one saying how many were left out.
    pub(super) fn diff_lines(&self) -> Vec<String> {
        const SHOWN: usize = 20;
        let lines: Vec<&str> = self.diff.map(|diff| diff.lines().collect()).unwrap_or_default();
        let mut shown: Vec<String> = lines.iter().take(SHOWN).map(|l| (*l).to_owned()).collect();
        if lines.len() > SHOWN {
            shown.push(format!("… {} more lines (every one in `--format json`)", lines.len() - SHOWN));
        }
        shown
    }
}

/// AUD-REPORT: what explains a crate's verdict: its first differences, then the explanations (an
/// identical crate's era is on its line already).
pub(super) fn details(a: &Audited) -> Vec<Detail<'_>> {
    const SHOWN: usize = 5;
    // AUD-ATTEST: who vouched for the crate, or why that was refused, before what was rebuilt.
    let attestation = a.attestation.as_ref().map(|t| Detail {
        line: match (&t.bundle, &t.signer, &t.refused) {
            (None, ..) => "no attestation in `--attestations`".to_owned(),
            (Some(bundle), _, Some(reason)) => format!("attestation `{bundle}` REFUSED: {reason}"),
            (Some(bundle), signer, None) => format!("attested (`{bundle}`): {}", signer.as_deref().unwrap_or("?")),
        },
        diff: None,
    });
    let mut details: Vec<Detail<'_>> = attestation.into_iter().collect();
    details.extend(a.differences.iter().take(SHOWN).map(|d| Detail {
        line: match &d.path {
            Some(path) => format!("{} {path}: {}", d.kind.as_str(), d.detail),
            None => format!("{}: {}", d.kind.as_str(), d.detail),
        },
        diff: d.diff.as_deref(),
    }));
    if a.differences.len() > SHOWN {
        let line = format!("and {} more differences (every one in `--format json`)", a.differences.len() - SHOWN);
        details.push(Detail { line, diff: None });
    }
    let era_named = a.cargo.is_some();
    let notes = a.explanations.iter().filter(|e| !(era_named && e.rule == "ERA-VERIFY"));
    details.extend(notes.map(|e| Detail { line: format!("note: {}", e.text), diff: None }));
    details
}

/// The verdict, with the cargo releases an identical crate is the output of (`ERA-VERIFY`).
pub(super) fn verdict(a: &Audited) -> String {
    match &a.cargo {
        Some(cargo) => format!("{} (cargo {cargo})", a.verdict),
        None => a.verdict.clone(),
    }
}

/// The identical crates per era, newest first, if any.
fn by_era(audited: &[Audited]) -> Option<String> {
    let mut eras: BTreeMap<&str, usize> = BTreeMap::new();
    for cargo in audited.iter().filter_map(|a| a.cargo.as_deref()) {
        *eras.entry(cargo).or_insert(0) += 1;
    }
    let shown: Vec<String> = eras.iter().rev().map(|(era, n)| format!("{n} of cargo {era}")).collect();
    (!shown.is_empty()).then(|| format!("identical by era: {}", shown.join(", ")))
}

pub(super) fn markdown(audited: &[Audited]) -> String {
    let mut out = String::from(
        "| crate | version | verdict | commit found by | accepted | reason |\n|---|---|---|---|---|---|\n",
    );
    for a in audited {
        let accepted = match (&a.exception, a.accepted) {
            (Some(why), true) => format!("yes, by exception: {}", why.replace('|', "\\|").replace('\n', " ")),
            (_, true) => "yes".to_owned(),
            (_, false) => "**no**".to_owned(),
        };
        let reason = a.reason.as_deref().unwrap_or("");
        out.push_str(&format!(
            "| {} | {} | {} | {} | {accepted} | {reason} |\n",
            a.name,
            a.version,
            verdict(a),
            found_by(a)
        ));
    }
    out.push_str(&format!("\n{}\n", counts(audited)));
    if let Some(eras) = by_era(audited) {
        out.push_str(&format!("{eras}\n"));
    }
    for a in audited {
        let details = details(a);
        if !details.is_empty() {
            out.push_str(&format!("\n#### {} {}: {}\n\n", a.name, a.version, verdict(a)));
            for detail in &details {
                out.push_str(&format!("- {}\n", detail.line));
                let diff = detail.diff_lines();
                if !diff.is_empty() {
                    out.push_str("\n  ```diff\n");
                    out.extend(diff.iter().map(|line| format!("  {line}\n")));
                    out.push_str("  ```\n\n");
                }
            }
        }
    }
    out
}
