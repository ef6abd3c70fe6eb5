//! ERA-INFER: which cargo releases could have written a published crate, from its first entries'
//! headers and its `Cargo.toml`, so that `verify` rebuilds it only as those eras would.

use crate::archive::entry::{ArchivedEntry, parse_octal};
use crate::era::{CURRENT, DETERMINISTIC_MTIME, ERAS, Era, Headers, LATEST, OLD_DISK_MTIME, Profile, Releases};

/// ERA-INFER: the eras other than the current one that could have written the crate whose first
/// entries are `entries` (its `Cargo.toml` among them), newest first, each narrowed to the
/// releases its manifest allows ([`manifest_releases`]): those that stamp generated files with
/// the mtime its `Cargo.toml` carries, and files from disk with the mtime of the first such entry,
/// when there is one; each also from a checkout with CRLF line endings when the crate holds a CRLF
/// (`crlf`, ERA-CRLF).
pub fn candidates(entries: &[ArchivedEntry], crlf: bool) -> Vec<Era> {
    let mtime = |entry: &ArchivedEntry| parse_octal(&entry.header[136..148]);
    let manifest = entries.iter().find(|e| e.rel_path() == "Cargo.toml");
    let generated = manifest.and_then(mtime);
    let allowed = manifest.and_then(|m| m.text.as_deref()).map_or(ALL, manifest_releases);
    // Files from disk carry octal zeros for uid; generated ones all NUL.
    let disk = entries.iter().find(|e| &e.header[108..116] == b"0000000\0").and_then(mtime);
    let recorded = publisher_recorded(entries);
    let mut eras: Vec<Era> = Vec::new();
    let possible = ERAS
        .iter()
        .rev()
        .flat_map(|era| [Some(*era), on_windows(era), on_macos(era)].into_iter().flatten())
        .flat_map(|era| [Some(era), with_crlf(&era, crlf)].into_iter().flatten())
        .filter(|era| era.profile != CURRENT)
        .filter(|era| match era.profile.headers {
            Headers::Recorded(_) => recorded,
            Headers::Deterministic => {
                generated == Some(era.profile.generated_mtime) && disk.is_none_or(|disk| disk == era.profile.disk_mtime)
            }
        });
    for era in possible {
        let (first, last) = (era.first.max(allowed.first), era.last.min(allowed.last));
        if first > last {
            continue;
        }
        match eras.last_mut() {
            // One rebuild serves neighbours that differ only in what `package` decides.
            Some(newer)
                if era.last.checked_add(1) == Some(newer.first) && newer.profile.rebuilds_like(&era.profile) =>
            {
                newer.first = first;
            }
            _ => eras.push(Era { first, last, ..era }),
        }
    }
    eras
}

/// ERA-RECORDED: whether the headers of `entries` carry what only a publisher's machine gives:
/// a file's type bits in its mode, an owner other than root, or a time no profile stamps.
fn publisher_recorded(entries: &[ArchivedEntry]) -> bool {
    entries.iter().any(|e| {
        let number = |at: usize, len: usize| parse_octal(&e.header[at..at + len]);
        let stamped = number(136, 12).is_some_and(|t| ![0, 1, OLD_DISK_MTIME, DETERMINISTIC_MTIME].contains(&t));
        let from_disk = e.header[108] != 0;
        let machine = number(100, 8).is_some_and(|mode| mode > 0o7777)
            || number(108, 8).is_some_and(|uid| uid != 0)
            || number(116, 8).is_some_and(|gid| gid != 0);
        stamped || (from_disk && machine)
    })
}

/// ERA-ORDER-MACOS: what `era`'s releases wrote on macOS, where that differs: cargo 1.41 and
/// earlier took the files in the order the file system lists them, without regard to case there.
fn on_macos(era: &Era) -> Option<Era> {
    era.profile.generated_last.then_some(Era { profile: Profile { macos: true, ..era.profile }, ..*era })
}

/// ERA-WINDOWS-TAR: what `era`'s releases wrote on Windows, where that differs in a way the
/// crate's headers show: cargo 1.63 to 1.79 stamped files from disk 123456789 there (tar's
/// Windows code kept the old constant), and no file was executable. (Before 1.63 the mtime is the
/// same everywhere, and only an executable file would tell.)
fn on_windows(era: &Era) -> Option<Era> {
    let windows = Profile { disk_mtime: OLD_DISK_MTIME, windows: true, ..era.profile };
    (era.profile.disk_mtime == DETERMINISTIC_MTIME && era.last <= 79).then_some(Era { profile: windows, ..*era })
}

/// ERA-CRLF: what `era` wrote from a checkout whose line endings git converted to CRLF, for a
/// crate that holds a CRLF.
fn with_crlf(era: &Era, crlf: bool) -> Option<Era> {
    crlf.then_some(Era { profile: Profile { crlf: true, ..era.profile }, ..*era })
}

/// Every release an era models.
const ALL: Releases = Releases { first: ERAS[0].first, last: LATEST };

/// ERA-CLUES: the releases whose normalization a published `Cargo.toml` shows: `autolib` is
/// written since 1.83 (and dropped as unknown before); since 1.85 `[features]` comes before the
/// target tables and `[profile]` after them, the other way round before.
pub fn manifest_releases(manifest: &str) -> Releases {
    let mut releases = ALL;
    let headers: Vec<&str> = manifest.lines().filter(|l| l.starts_with('[')).collect();
    let in_package = manifest.lines().skip_while(|l| *l != "[package]").skip(1).take_while(|l| !l.starts_with('['));
    let package_keys: Vec<&str> = in_package.collect();
    let has = |key: &str| package_keys.iter().any(|l| l.starts_with(key));
    // Since 1.80 every `auto*` switch is written, `false`; `autolib` among them since 1.83.
    let autos = ["autobins = false", "autoexamples = false", "autotests = false", "autobenches = false"];
    if autos.iter().all(|key| has(key)) {
        releases.first = releases.first.max(80);
        match has("autolib = ") {
            true => releases.first = releases.first.max(83),
            false => releases.last = releases.last.min(82),
        }
    } else {
        releases.last = releases.last.min(79);
    }
    let target = ["[lib]", "[[bin]]", "[[example]]", "[[test]]", "[[bench]]"];
    let first_target = headers.iter().position(|h| target.contains(h));
    let position = |prefix: &str| headers.iter().position(|h| h.starts_with(prefix));
    if let Some(targets) = first_target {
        for (table, new_order_before) in [("[features]", true), ("[profile", false)] {
            match position(table) {
                Some(at) if (at < targets) == new_order_before => releases.first = releases.first.max(85),
                Some(_) => releases.last = releases.last.min(84),
                None => {}
            }
        }
    }
    releases
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An archived entry with the mtime, and the uid field of a file from disk or a generated one.
    fn entry(rel: &str, mtime: u64, from_disk: bool, text: &str) -> ArchivedEntry {
        let mut header = [0u8; 512];
        if from_disk {
            header[108..116].copy_from_slice(b"0000000\0");
        }
        header[136..148].copy_from_slice(format!("{mtime:011o}\0").as_bytes());
        let text = Some(text.to_owned());
        ArchivedEntry {
            path: format!("a-0.1.0/{rel}"),
            header,
            long_name: false,
            mode: 0o644,
            size: 0,
            sha256: String::new(),
            text,
        }
    }

    /// ERA-INFER, ERA-WINDOWS-TAR: generated files stamped 1 and files from disk 123456789, a
    /// manifest of 1.79 or earlier: the eras up to 1.62 as they are, 1.63 to 1.79 on Windows,
    /// neighbours that rebuild alike as one.
    #[test]
    fn era_candidates_from_the_crates_headers() {
        let manifest = "[package]\nname = \"a\"\n";
        let entries = [entry(".gitignore", OLD_DISK_MTIME, true, ""), entry("Cargo.toml", 1, false, manifest)];
        let found: Vec<(String, bool)> =
            candidates(&entries, false).iter().map(|era| (era.releases().to_string(), era.profile.windows)).collect();
        let expected = [
            ("1.78–1.79", true),
            ("1.71–1.77", true),
            ("1.69–1.70", true),
            ("1.64–1.68", true),
            ("1.63", true),
            ("1.62", false),
            ("1.60–1.61", false),
            ("1.57–1.59", false),
            ("1.55–1.56", false),
            ("1.54", false),
        ];
        assert_eq!(found, expected.map(|(r, w)| (r.to_owned(), w)));
        // Stamped as on Linux since 1.63: no Windows flavour.
        let entries = [entry(".gitignore", DETERMINISTIC_MTIME, true, ""), entry("Cargo.toml", 1, false, manifest)];
        assert!(candidates(&entries, false).iter().all(|era| !era.profile.windows && era.first >= 63));
    }

    #[test]
    fn era_clues_from_the_manifest() {
        let autos = "autobins = false\nautoexamples = false\nautotests = false\nautobenches = false\n";
        let new = format!(
            "[package]\nname = \"a\"\nautolib = false\n{autos}\n[features]\nx = []\n\n[lib]\npath = \"src/lib.rs\"\n\n\
             [profile.release]\nlto = true\n"
        );
        assert_eq!(manifest_releases(&new), Releases { first: 85, last: LATEST });
        let explicit = format!(
            "[package]\nname = \"a\"\n{autos}\n[profile.release]\nlto = true\n\n[lib]\npath = \"src/lib.rs\"\n"
        );
        assert_eq!(manifest_releases(&explicit), Releases { first: 80, last: 82 });
        let old = "[package]\nname = \"a\"\n\n[profile.release]\nlto = true\n\n[lib]\npath = \"src/lib.rs\"\n\n[features]\nx = []\n";
        assert_eq!(manifest_releases(old), Releases { first: 37, last: 79 });
        assert_eq!(manifest_releases("[package]\nname = \"a\"\n"), Releases { first: 37, last: 79 });
    }
}
