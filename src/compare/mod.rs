//! Comparing two `.crate` files layer by layer (spec: `CMP-*`): the file, the tar stream, the
//! entries' contents, and finally the sources alone. A difference is a finding, not an error.

mod explain;

use std::collections::BTreeMap;

use crate::archive::read::{ArchivedEntry, CrateFile, GzipHeader, HEADER_FIELDS};
use crate::plan::VCS_INFO_FILE;

/// CMP-VERDICT: how close two archives are, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The same bytes.
    Identical,
    /// Only the compressed stream differs: the tar streams are identical.
    SameTar,
    /// The same paths, contents and executable bits; headers or order differ.
    SameContents,
    /// Only the files cargo generates differ (`Cargo.toml`, `Cargo.lock`, `.cargo_vcs_info.json`).
    SameSources,
    /// The sources differ: a file was added, removed, edited or made (non-)executable.
    Differs,
}

impl Verdict {
    /// Every verdict, strongest first.
    pub const ALL: [Verdict; 5] =
        [Verdict::Identical, Verdict::SameTar, Verdict::SameContents, Verdict::SameSources, Verdict::Differs];

    /// The verdict [`Verdict::as_str`] names `text`.
    pub fn parse(text: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|verdict| verdict.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Identical => "identical",
            Verdict::SameTar => "same-tar",
            Verdict::SameContents => "same-contents",
            Verdict::SameSources => "same-sources",
            Verdict::Differs => "differs",
        }
    }
}

/// CMP-KINDS: what one difference is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Expected, absent from the actual archive.
    Missing,
    /// In the actual archive, not expected.
    Extra,
    Content,
    Mode,
    /// Header fields other than mode and size, the long-name record, or the tar trailer.
    Header,
    Order,
    /// The gzip layer: header fields or the compressed data.
    Compression,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Extra => "extra",
            Kind::Content => "content",
            Kind::Mode => "mode",
            Kind::Header => "header",
            Kind::Order => "order",
            Kind::Compression => "compression",
        }
    }
}

/// One difference, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Difference {
    /// The archive path, when the difference is about one entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub kind: Kind,
    /// What differs, in words.
    pub detail: String,
    /// A unified diff of the contents, when both sides are text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// A known cause the differences fit, in plain words, and the rule of `spec/` that describes it
/// (for machines: reports show the text alone).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Explanation {
    pub rule: String,
    pub text: String,
}

impl Explanation {
    pub fn new(rule: &str, text: impl Into<String>) -> Explanation {
        Explanation { rule: rule.to_owned(), text: text.into() }
    }
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The result of comparing an expected archive with an actual one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    pub verdict: Verdict,
    pub differences: Vec<Difference>,
    /// CMP-EXPLAIN: known causes of the differences.
    pub explanations: Vec<Explanation>,
}

/// CMP-*: compares `actual` against `expected`.
pub fn compare(expected: &CrateFile, actual: &CrateFile) -> Comparison {
    let (verdict, differences) = differences(expected, actual);
    let explanations = explain::explain(expected, actual, verdict, &differences);
    Comparison { verdict, differences, explanations }
}

/// CMP-VERDICT, CMP-KINDS.
fn differences(expected: &CrateFile, actual: &CrateFile) -> (Verdict, Vec<Difference>) {
    let mut differences = Vec::new();
    compare_gzip(&expected.gzip, &actual.gzip, &mut differences);
    let same_tar = expected.tar_sha256 == actual.tar_sha256 && expected.tar_size == actual.tar_size;
    if expected.sha256 == actual.sha256 {
        return (Verdict::Identical, differences);
    }
    differences.extend(one_sided_findings(expected, actual));
    if same_tar {
        if differences.is_empty() {
            differences.push(file_level(
                Kind::Compression,
                "the compressed data differs (another compressor or compression level)".into(),
            ));
        }
        return (Verdict::SameTar, differences);
    }

    let by_path = |file: &'_ CrateFile| -> BTreeMap<String, usize> {
        file.entries.iter().enumerate().map(|(i, e)| (e.path.clone(), i)).collect()
    };
    let (expected_paths, actual_paths) = (by_path(expected), by_path(actual));
    // Whether any difference touches the sources (not only generated files), or the contents at all.
    let mut contents_differ = false;
    let mut sources_differ = false;
    let mut note = |entry: &ArchivedEntry| {
        contents_differ = true;
        sources_differ |= !is_generated(entry);
    };
    for e in &expected.entries {
        let Some(&i) = actual_paths.get(&e.path) else {
            note(e);
            differences.push(entry_level(&e.path, Kind::Missing, format!("{} bytes expected", e.size)));
            continue;
        };
        let a = &actual.entries[i];
        if e.sha256 != a.sha256 {
            note(e);
            differences.push(Difference {
                path: Some(e.path.clone()),
                kind: Kind::Content,
                detail: format!(
                    "{} bytes, sha256 {} expected; {} bytes, sha256 {} found",
                    e.size, e.sha256, a.size, a.sha256
                ),
                diff: text_diff(e, a),
            });
        }
        if e.mode != a.mode {
            if e.executable() != a.executable() {
                note(e);
            }
            differences.push(entry_level(
                &e.path,
                Kind::Mode,
                format!("{:04o} expected, {:04o} found", e.mode, a.mode),
            ));
        }
        let fields = differing_header_fields(e, a);
        if !fields.is_empty() {
            differences.push(entry_level(&e.path, Kind::Header, format!("differing fields: {}", fields.join("; "))));
        }
    }
    for a in &actual.entries {
        if !expected_paths.contains_key(&a.path) {
            note(a);
            differences.push(entry_level(&a.path, Kind::Extra, format!("{} bytes, sha256 {}", a.size, a.sha256)));
        }
    }
    if let Some(path) = first_out_of_order(expected, &actual_paths) {
        differences.push(entry_level(&path, Kind::Order, "entries are in another order from here on".into()));
    }

    let verdict = if !contents_differ {
        Verdict::SameContents
    } else if !sources_differ {
        Verdict::SameSources
    } else {
        Verdict::Differs
    };
    (verdict, differences)
}

/// A kind of finding about a whole archive, and where a read archive keeps them.
type Findings = (&'static str, fn(&CrateFile) -> &[String]);

const FINDINGS: [Findings; 3] = [
    ("anomaly", |f| &f.anomalies),
    ("layout problem", |f| &f.prefix_problems),
    ("portability problem", |f| &f.portability),
];

/// Findings that one archive has and the other has not (data after the gzip stream, entries
/// outside its directory, ...), each named with the side that has it.
fn one_sided_findings(expected: &CrateFile, actual: &CrateFile) -> Vec<Difference> {
    let mut found = Vec::new();
    for (side, mine, theirs) in [("expected", expected, actual), ("found", actual, expected)] {
        for (what, of) in FINDINGS {
            for finding in of(mine).iter().filter(|f| !of(theirs).contains(f)) {
                found.push(file_level(Kind::Header, format!("{what} of the {side} archive only: {finding}")));
            }
        }
    }
    found
}

fn entry_level(path: &str, kind: Kind, detail: String) -> Difference {
    Difference { path: Some(path.to_owned()), kind, detail, diff: None }
}

fn file_level(kind: Kind, detail: String) -> Difference {
    Difference { path: None, kind, detail, diff: None }
}

/// CMP-SOURCES: the entries cargo writes itself rather than copies: at the package root,
/// `Cargo.toml`, `Cargo.lock` and `.cargo_vcs_info.json` (`Cargo.toml.orig` is a copy).
fn is_generated(entry: &ArchivedEntry) -> bool {
    matches!(entry.rel_path(), "Cargo.toml" | "Cargo.lock" | VCS_INFO_FILE)
}

fn compare_gzip(expected: &GzipHeader, actual: &GzipHeader, differences: &mut Vec<Difference>) {
    let mut field = |name: &str, e: String, a: String| {
        if e != a {
            differences.push(file_level(Kind::Compression, format!("gzip {name}: {e} expected, {a} found")));
        }
    };
    field("mtime", expected.mtime.to_string(), actual.mtime.to_string());
    field("extra flags", expected.xfl.to_string(), actual.xfl.to_string());
    field("operating system", expected.os.to_string(), actual.os.to_string());
    let text = |t: &Option<String>| t.as_ref().map_or_else(|| "none".to_owned(), |t| format!("{t:?}"));
    field("file name", text(&expected.filename), text(&actual.filename));
    field("comment", text(&expected.comment), text(&actual.comment));
    field("extra field", expected.has_extra.to_string(), actual.has_extra.to_string());
}

/// Header fields that differ, leaving out what other kinds report (mode, size) and what follows
/// from any change (the checksum); numeric fields with both values.
fn differing_header_fields(expected: &ArchivedEntry, actual: &ArchivedEntry) -> Vec<String> {
    let mut fields: Vec<String> = HEADER_FIELDS
        .iter()
        .filter(|(name, ..)| !matches!(*name, "mode" | "size" | "chksum"))
        .filter(|(_, at, len)| expected.header[*at..at + len] != actual.header[*at..at + len])
        .map(|(name, ..)| match (expected.header_number(name), actual.header_number(name)) {
            (Some(e), Some(a)) if NUMERIC_FIELDS.contains(name) => format!("{name} {e} expected, {a} found"),
            _ => (*name).to_owned(),
        })
        .collect();
    if expected.long_name != actual.long_name {
        fields.push("long-name record".to_owned());
    }
    fields
}

/// Header fields that hold numbers (octal digits), shown with their values.
const NUMERIC_FIELDS: &[&str] = &["uid", "gid", "mtime", "devmajor", "devminor"];

/// The first entry of `expected` whose position among the entries both archives hold differs.
fn first_out_of_order(expected: &CrateFile, actual_paths: &BTreeMap<String, usize>) -> Option<String> {
    let mut common: Vec<(&str, usize)> =
        expected.entries.iter().filter_map(|e| actual_paths.get(&e.path).map(|&i| (e.path.as_str(), i))).collect();
    let in_expected_order: Vec<&str> = common.iter().map(|(p, _)| *p).collect();
    common.sort_by_key(|&(_, i)| i);
    in_expected_order.iter().zip(&common).find(|(e, (a, _))| e != &a).map(|(e, _)| (*e).to_owned())
}

fn text_diff(expected: &ArchivedEntry, actual: &ArchivedEntry) -> Option<String> {
    let (e, a) = (expected.text.as_deref()?, actual.text.as_deref()?);
    let diff = similar::TextDiff::from_lines(e, a);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("expected/{}", expected.path), &format!("actual/{}", actual.path))
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{self, read};
    use crate::plan::{Contents, Entry, Generated, Plan};

    /// A `.crate` of `files` (relative path, contents), each a generated entry, read back.
    pub(super) fn crate_of(files: &[(&str, &str)]) -> CrateFile {
        crate_named("demo-1.0.0", files)
    }

    /// [`crate_of`] for the package `base` (`<name>-<version>`).
    pub(super) fn crate_named(base: &str, files: &[(&str, &str)]) -> CrateFile {
        let entries = files
            .iter()
            .map(|(path, data)| Entry {
                rel_path: path.into(),
                contents: Contents::Generated { kind: Generated::Manifest, data: data.as_bytes().to_vec() },
            })
            .collect();
        let mut bytes = Vec::new();
        archive::write(&Plan::new(base.into(), entries), &mut bytes).unwrap();
        read::read_bytes(&bytes).unwrap()
    }

    pub(super) const BASE: &[(&str, &str)] =
        &[("Cargo.toml", "[package]\n"), ("src/lib.rs", "pub fn f() {}\n"), ("README.md", "demo\n")];

    fn kinds(c: &Comparison) -> Vec<(Option<&str>, Kind)> {
        c.differences.iter().map(|d| (d.path.as_deref(), d.kind)).collect()
    }

    #[test]
    fn cmp_verdict_identical() {
        let c = compare(&crate_of(BASE), &crate_of(BASE));
        assert_eq!((c.verdict, c.differences), (Verdict::Identical, vec![]));
    }

    #[test]
    fn cmp_edited_source_differs_with_a_text_diff() {
        let mut edited = BASE.to_vec();
        edited[1] = ("src/lib.rs", "pub fn f() { evil() }\n");
        let c = compare(&crate_of(BASE), &crate_of(&edited));
        assert_eq!(c.verdict, Verdict::Differs);
        assert_eq!(kinds(&c), [(Some("demo-1.0.0/src/lib.rs"), Kind::Content)]);
        let diff = c.differences[0].diff.as_deref().unwrap();
        assert!(diff.contains("-pub fn f() {}\n+pub fn f() { evil() }\n"), "{diff}");
    }

    #[test]
    fn cmp_added_and_removed_files_are_extra_and_missing() {
        let c = compare(&crate_of(BASE), &crate_of(&[BASE[0], BASE[1], ("build.rs", "fn main() {}\n")]));
        assert_eq!(c.verdict, Verdict::Differs);
        assert_eq!(
            kinds(&c),
            [(Some("demo-1.0.0/README.md"), Kind::Missing), (Some("demo-1.0.0/build.rs"), Kind::Extra)]
        );
    }

    #[test]
    fn cmp_generated_only_is_same_sources() {
        let mut lock = BASE.to_vec();
        lock.push(("Cargo.lock", "version = 4\n"));
        let c = compare(&crate_of(BASE), &crate_of(&lock));
        assert_eq!((c.verdict, kinds(&c)), (Verdict::SameSources, vec![(Some("demo-1.0.0/Cargo.lock"), Kind::Extra)]));
    }

    #[test]
    fn cmp_other_compression_is_same_tar() {
        let expected = crate_of(BASE);
        let mut actual = expected.clone();
        actual.sha256 = "0".repeat(64);
        actual.gzip.os = 3;
        let c = compare(&expected, &actual);
        assert_eq!(c.verdict, Verdict::SameTar);
        assert_eq!(c.differences[0].detail, "gzip operating system: 255 expected, 3 found");
    }

    #[test]
    fn cmp_mode_and_header_changes() {
        let expected = crate_of(BASE);
        let mut actual = expected.clone();
        actual.sha256 = "0".repeat(64);
        actual.tar_sha256 = "0".repeat(64);
        actual.entries[2].header[265] = b'u';
        let c = compare(&expected, &actual);
        assert_eq!(c.verdict, Verdict::SameContents);
        assert_eq!(c.differences[0].detail, "differing fields: uname");
        actual.entries[2].mode = 0o755;
        assert_eq!(compare(&expected, &actual).verdict, Verdict::Differs);
        actual.entries[2].mode = 0o664;
        assert_eq!(compare(&expected, &actual).verdict, Verdict::SameContents);
    }

    #[test]
    fn cmp_reordered_entries_are_same_contents() {
        let expected = crate_of(BASE);
        let mut actual = expected.clone();
        actual.sha256 = "0".repeat(64);
        actual.tar_sha256 = "0".repeat(64);
        actual.entries.swap(0, 2);
        let c = compare(&expected, &actual);
        assert_eq!(c.verdict, Verdict::SameContents);
        assert_eq!(kinds(&c), [(Some(expected.entries[0].path.as_str()), Kind::Order)]);
    }
}
