//! CMP-EXPLAIN: differences with a known cause, named, so that a reader need not work them out
//! from header bytes. The versions are read from cargo's history (its `Cargo.lock` at each
//! release tag and its packaging code); an explanation says what the evidence fits, never that a
//! difference is harmless.

use super::{Difference, Explanation, Kind, Verdict, is_generated};
use crate::archive::DETERMINISTIC_MTIME;
use crate::archive::read::CrateFile;
use crate::plan::VCS_INFO_FILE;

/// The known causes the differences between `expected` and `actual` fit, in words.
pub(super) fn explain(
    expected: &CrateFile,
    actual: &CrateFile,
    verdict: Verdict,
    differences: &[Difference],
) -> Vec<Explanation> {
    [
        other_package(expected, actual),
        published_dirty(actual, verdict),
        no_vcs_info(expected, actual),
        other_compressor(expected, actual, verdict),
        old_cargo_mtime(expected, actual),
    ]
    .into_iter()
    .flatten()
    .chain(other_manifest_rendering(expected, actual, differences))
    .collect()
}

/// The archives hold different packages or versions: for `verify`, a commit of another release.
fn other_package(expected: &CrateFile, actual: &CrateFile) -> Option<Explanation> {
    let (e, a) = (expected.base_name()?, actual.base_name()?);
    (e != a).then(|| {
        let text = format!(
            "the archives hold different packages: `{e}` expected, `{a}` found \
             (for `verify`: the commit holds another release; check `--rev` and `--repo`)"
        );
        Explanation::new("CMP-EXPLAIN", text)
    })
}

/// The found archive records that it was packaged from uncommitted changes.
fn published_dirty(actual: &CrateFile, verdict: Verdict) -> Option<Explanation> {
    let vcs_info = actual.entries.iter().find(|e| e.rel_path() == VCS_INFO_FILE)?.text.as_deref()?;
    let info: serde_json::Value = serde_json::from_str(vcs_info).ok()?;
    (verdict > Verdict::SameTar && info["git"]["dirty"] == true).then(|| {
        let text = "published from uncommitted changes: the found archive records `\"dirty\": true` in \
                    `.cargo_vcs_info.json`, so files that differ from the commit may be those changes";
        Explanation::new("VCS-DIRTY", text)
    })
}

/// The found archive records no commit where the expected one does.
fn no_vcs_info(expected: &CrateFile, actual: &CrateFile) -> Option<Explanation> {
    let holds = |file: &CrateFile| file.entries.iter().any(|e| e.rel_path() == VCS_INFO_FILE);
    (holds(expected) && !holds(actual)).then(|| {
        let text = "the found archive has no `.cargo_vcs_info.json`, so it records no commit: it was packaged \
                    outside a git work tree, or with `--allow-dirty` by cargo 1.80 or earlier, which then wrote \
                    none";
        Explanation::new("ERA-VCS-DIRTY", text)
    })
}

/// Same tar stream and gzip header, other deflate data: another compressor.
fn other_compressor(expected: &CrateFile, actual: &CrateFile, verdict: Verdict) -> Option<Explanation> {
    (verdict == Verdict::SameTar && expected.gzip == actual.gzip).then(|| {
        let text = "only the deflate data differs: another compressor wrote one of them (cargo 1.87 and earlier \
         deflated with C zlib, 1.88 to 1.95 with zlib-rs 0.5.0 to 0.6.2, 1.96 and later with zlib-rs \
         0.6.3 or later, whose output differs for some inputs; a distribution's cargo may link its own \
         zlib)";
        Explanation::new("ERA-DEFLATE", text)
    })
}

/// ARC-MTIME: generated entries stamped as cargo before 1.93 stamped them.
fn old_cargo_mtime(expected: &CrateFile, actual: &CrateFile) -> Option<Explanation> {
    let stamped: Vec<u64> = actual
        .entries
        .iter()
        .filter(|a| is_generated(a))
        .filter_map(|a| {
            let e = expected.entries.iter().find(|e| e.path == a.path)?;
            let (e_mtime, a_mtime) = (e.header_number("mtime")?, a.header_number("mtime")?);
            (e_mtime == DETERMINISTIC_MTIME && a_mtime != e_mtime).then_some(a_mtime)
        })
        .collect();
    let cargo = if stamped.is_empty() {
        return None;
    } else if stamped.iter().all(|&m| m == 1) {
        "mtime 1, as cargo 1.54 to 1.92 wrote them"
    } else if stamped.iter().all(|&m| m == 0) {
        "mtime 0, as cargo 1.50 to 1.53 (and some older releases) wrote them"
    } else {
        "the packaging time, as cargo before 1.50 wrote them"
    };
    let text = format!(
        "the generated files (`Cargo.toml`, `Cargo.lock`, `.cargo_vcs_info.json`) found carry {cargo}; \
         cargo 1.93 and later write {DETERMINISTIC_MTIME}: the archive was packaged by an older cargo"
    );
    Some(Explanation::new("ERA-GENERATED-MTIME", text))
}

/// `Cargo.toml` differs while `Cargo.toml.orig`, the manifest as written, does not.
fn other_manifest_rendering(
    expected: &CrateFile,
    actual: &CrateFile,
    differences: &[Difference],
) -> Option<Explanation> {
    let is_manifest = |path: &str| path.split_once('/').is_some_and(|(_, rel)| rel == "Cargo.toml");
    let manifest_differs =
        differences.iter().any(|d| d.kind == Kind::Content && d.path.as_deref().is_some_and(is_manifest));
    let orig = |file: &CrateFile| file.entry("Cargo.toml.orig").map(|e| e.sha256.clone());
    (manifest_differs && orig(expected).is_some() && orig(expected) == orig(actual)).then(|| {
        let text = "`Cargo.toml.orig`, the manifest as written, is the same; only the normalized `Cargo.toml` \
                    differs, as another cargo version renders it";
        Explanation::new("ERA-TOML", text)
    })
}

#[cfg(test)]
mod tests {
    use super::super::compare;
    use super::super::tests::{BASE, crate_named, crate_of};
    use crate::archive::read::CrateFile;

    /// A copy of `file` whose hashes no longer match, as a rewritten archive's would not.
    fn rewritten(file: &CrateFile) -> CrateFile {
        let mut copy = file.clone();
        copy.sha256 = "0".repeat(64);
        copy.tar_sha256 = "0".repeat(64);
        copy
    }

    fn set_mtime(file: &mut CrateFile, rel: &str, mtime: &[u8; 12]) {
        let entry = file.entries.iter_mut().find(|e| e.rel_path() == rel).unwrap();
        entry.header[136..148].copy_from_slice(mtime);
    }

    #[test]
    fn cmp_explain_generated_mtime_1_is_cargo_1_54_to_1_92() {
        let expected = crate_of(BASE);
        let mut actual = rewritten(&expected);
        set_mtime(&mut actual, "Cargo.toml", b"00000000001\0");
        let c = compare(&expected, &actual);
        assert_eq!(c.differences[0].detail, "differing fields: mtime 1153704088 expected, 1 found");
        assert_eq!(c.explanations.len(), 1, "{:?}", c.explanations);
        assert!(c.explanations[0].text.contains("mtime 1, as cargo 1.54 to 1.92 wrote them"));

        set_mtime(&mut actual, "Cargo.toml", b"13736474774\0");
        assert!(compare(&expected, &actual).explanations[0].text.contains("packaging time, as cargo before 1.50"));
    }

    #[test]
    fn cmp_explain_mtime_of_a_copied_file_is_not_old_cargo() {
        let expected = crate_of(BASE);
        let mut actual = rewritten(&expected);
        set_mtime(&mut actual, "src/lib.rs", b"00000000001\0");
        assert_eq!(compare(&expected, &actual).explanations, Vec::<super::super::Explanation>::new());
    }

    #[test]
    fn cmp_explain_same_tar_with_same_gzip_header_is_another_compressor() {
        let expected = crate_of(BASE);
        let mut actual = expected.clone();
        actual.sha256 = "0".repeat(64);
        let c = compare(&expected, &actual);
        assert!(c.explanations[0].text.contains("zlib-rs 0.6.3 or later"), "{:?}", c.explanations);
        // A different gzip header says something else happened; no guess is made.
        actual.gzip.os = 3;
        assert_eq!(compare(&expected, &actual).explanations, Vec::<super::super::Explanation>::new());
    }

    #[test]
    fn cmp_explain_other_package() {
        let c = compare(&crate_of(BASE), &crate_named("demo-1.0.1", BASE));
        assert!(c.explanations[0].text.contains("`demo-1.0.0` expected, `demo-1.0.1` found"), "{:?}", c.explanations);
    }

    #[test]
    fn cmp_explain_manifest_rendering_when_the_original_is_the_same() {
        let with_orig = |toml: &'static str| {
            let mut files = BASE.to_vec();
            files[0] = ("Cargo.toml", toml);
            files.push(("Cargo.toml.orig", "[package]\nname = \"demo\"\n"));
            crate_of(&files)
        };
        let c = compare(&with_orig("[package]\nname = \"demo\"\n"), &with_orig("[package]\nname = 'demo'\n"));
        assert!(c.explanations.iter().any(|e| e.text.contains("only the normalized `Cargo.toml` differs")), "{c:?}");
    }
}
