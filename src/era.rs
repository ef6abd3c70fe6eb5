//! Era profiles (spec: `ERA-*`): what the cargo releases since 1.54 wrote, as values of one
//! profile type, and which of them a published crate's own bytes allow. A profile holds only the
//! switches this tool reproduces; `verify` names an era only when its profile rebuilds the crate
//! byte for byte.

use crate::archive::DETERMINISTIC_MTIME;
use crate::archive::read::{ArchivedEntry, parse_octal};

/// ERA-DEFLATE: the deflate implementation behind cargo's gzip stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deflate {
    /// C zlib (flate2's `zlib` feature, libz-sys's bundled zlib): cargo 1.87 and earlier.
    Zlib,
    /// zlib-rs (flate2's `zlib-rs` feature): cargo 1.88 and later (rust-lang/cargo#15417).
    ZlibRs,
}

impl Deflate {
    /// As reports name it.
    pub fn name(self) -> &'static str {
        match self {
            Deflate::Zlib => "C zlib",
            Deflate::ZlibRs => "zlib-rs",
        }
    }
}

/// ERA-TOML: how `Cargo.toml` was serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TomlRendering {
    /// toml 0.8 over toml_edit 0.22.14–0.22.24 (cargo 1.80–1.88): a string with a double quote
    /// and no single quote as a literal string, one with both in triple single quotes, quotes
    /// escaped in multi-line strings.
    Toml08,
    /// toml 0.9 over toml_writer (cargo 1.89 on; the toml 0.8.22 of 1.89 renders alike).
    Toml09,
    /// toml 0.7 over toml_edit 0.19 (cargo 1.69–1.74; the toml_edit 0.13–0.15 of 1.60–1.68 and the
    /// toml 0.8.6–0.8.12 of 1.75–1.79 render alike): quotes escaped in basic strings.
    Toml07,
}

/// ERA-TARGETS: which targets and `auto*`/`build`/`readme` values the published manifest holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Targets {
    /// Every target, sorted by name, `build`, `readme = false` and the four `auto* = false`
    /// written out (cargo 1.80 on; rust-lang/cargo#13989, #14004).
    Explicit,
    /// As the author wrote them (cargo 1.79 and earlier).
    AsWritten,
}

/// ERA-METADATA: the key order of `package.metadata` tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataOrder {
    /// Sorted: `toml::Value` tables were `BTreeMap`s (cargo 1.69–1.89).
    Sorted,
    /// As the source has them (`preserve_order`, cargo 1.90 on; rust-lang/cargo 194fe22da).
    Source,
}

/// ERA-SECTIONS: the order of `Cargo.toml`'s top-level tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionOrder {
    /// `package, profile, lib, bin, example, test, bench, dependencies, dev-dependencies,
    /// build-dependencies, features, target, badges, lints` (cargo 1.84 and earlier).
    Before185,
    /// `package, badges, features, lib, …, target, lints, hints, profile` (cargo 1.85 on;
    /// rust-lang/cargo 4e5af2815).
    Since185,
}

/// What a cargo release writes, as far as this tool reproduces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// ERA-DISK-MTIME: the mtime of files taken from disk: tar-rs's deterministic timestamp,
    /// 123456789 before tar 0.4.38 (cargo 1.62 and earlier), 1153704088 since.
    pub disk_mtime: u64,
    /// ERA-GENERATED-MTIME: the mtime of generated files (`Cargo.toml`, `Cargo.lock`,
    /// `.cargo_vcs_info.json`): 1 from cargo 1.54 (rust-lang/cargo#9517) to 1.92, the deterministic
    /// timestamp since 1.93 (rust-lang/cargo#16242).
    pub generated_mtime: u64,
    pub deflate: Deflate,
    pub toml: TomlRendering,
    pub metadata: MetadataOrder,
    /// ERA-AUTOLIB: `autolib = false` is written (cargo 1.83 on; rust-lang/cargo 5e35e271b).
    pub autolib: bool,
    pub sections: SectionOrder,
    pub targets: Targets,
    /// ERA-LINTS: `[lints]` is published (cargo 1.71 on; stable from 1.74); dropped before.
    pub lints: bool,
}

/// What cargo 1.93 to 1.95 write: the packager's own profile.
pub const CURRENT: Profile = Profile {
    disk_mtime: DETERMINISTIC_MTIME,
    generated_mtime: DETERMINISTIC_MTIME,
    deflate: Deflate::ZlibRs,
    toml: TomlRendering::Toml09,
    metadata: MetadataOrder::Source,
    autolib: true,
    sections: SectionOrder::Since185,
    targets: Targets::Explicit,
    lints: true,
};

/// Cargo 1.62 and earlier stamped files from disk with this (tar 0.4.37 and before).
pub const OLD_DISK_MTIME: u64 = 123_456_789;

/// A window of cargo releases, 1.`first` to 1.`last`, that write alike under [`Profile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Era {
    pub first: u32,
    pub last: u32,
    pub profile: Profile,
}

impl Era {
    pub fn releases(&self) -> Releases {
        Releases { first: self.first, last: self.last }
    }
}

/// Cargo 1.`first` to 1.`last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Releases {
    pub first: u32,
    pub last: u32,
}

impl Releases {
    /// The releases of both, and those between.
    pub fn joined(self, other: Releases) -> Releases {
        Releases { first: self.first.min(other.first), last: self.last.max(other.last) }
    }
}

/// `1.88–1.92`, as reports name them.
impl std::fmt::Display for Releases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.first == self.last {
            true => write!(f, "1.{}", self.first),
            false => write!(f, "1.{}–1.{}", self.first, self.last),
        }
    }
}

/// ERA-WINDOWS: the eras since cargo 1.54, oldest first; the last is [`CURRENT`]. Before 1.80 the
/// manifest's normalization differs in ways no profile models yet (no explicit targets, other
/// serializers), so only crates whose `Cargo.toml` those changes leave alone can match them.
pub const ERAS: [Era; 11] = {
    use Deflate::{Zlib, ZlibRs};
    use MetadataOrder::{Sorted, Source};
    use SectionOrder::{Before185, Since185};
    use Targets::{AsWritten, Explicit};
    use TomlRendering::{Toml07, Toml08, Toml09};
    const OLD: u64 = OLD_DISK_MTIME;
    const NEW: u64 = DETERMINISTIC_MTIME;
    [
        era(54, 62, OLD, Zlib, Toml07, Sorted, false, Before185, AsWritten),
        era(63, 68, NEW, Zlib, Toml07, Source, false, Before185, AsWritten),
        era(69, 70, NEW, Zlib, Toml07, Sorted, false, Before185, AsWritten),
        era(71, 79, NEW, Zlib, Toml07, Sorted, false, Before185, AsWritten),
        era(80, 82, NEW, Zlib, Toml08, Sorted, false, Before185, Explicit),
        era(83, 84, NEW, Zlib, Toml08, Sorted, true, Before185, Explicit),
        era(85, 87, NEW, Zlib, Toml08, Sorted, true, Since185, Explicit),
        era(88, 88, NEW, ZlibRs, Toml08, Sorted, true, Since185, Explicit),
        era(89, 89, NEW, ZlibRs, Toml09, Sorted, true, Since185, Explicit),
        era(90, 92, NEW, ZlibRs, Toml09, Source, true, Since185, Explicit),
        Era { first: 93, last: 95, profile: CURRENT },
    ]
};

/// An era that stamps generated files with mtime 1 (cargo 1.54–1.92).
#[allow(clippy::too_many_arguments, reason = "one argument per switch, in the table's columns")]
const fn era(
    first: u32,
    last: u32,
    disk_mtime: u64,
    deflate: Deflate,
    toml: TomlRendering,
    metadata: MetadataOrder,
    autolib: bool,
    sections: SectionOrder,
    targets: Targets,
) -> Era {
    let lints = first >= 71;
    let profile =
        Profile { disk_mtime, generated_mtime: 1, deflate, toml, metadata, autolib, sections, targets, lints };
    Era { first, last, profile }
}

/// The era of the packager's own profile.
pub fn current() -> &'static Era {
    &ERAS[ERAS.len() - 1]
}

/// ERA-INFER: the eras other than the current one that could have written the crate whose first
/// entries are `entries` (its `Cargo.toml` among them), newest first, each narrowed to the
/// releases its manifest allows ([`manifest_releases`]): those that stamp generated files with
/// the mtime its `Cargo.toml` carries, and files from disk with the mtime of the first such entry,
/// when there is one.
pub fn candidates(entries: &[ArchivedEntry]) -> Vec<Era> {
    let mtime = |entry: &ArchivedEntry| parse_octal(&entry.header[136..148]);
    let manifest = entries.iter().find(|e| e.rel_path() == "Cargo.toml");
    let generated = manifest.and_then(mtime);
    let allowed = manifest.and_then(|m| m.text.as_deref()).map_or(ALL, manifest_releases);
    // Files from disk carry octal zeros for uid; generated ones all NUL.
    let disk = entries.iter().find(|e| &e.header[108..116] == b"0000000\0").and_then(mtime);
    ERAS[..ERAS.len() - 1]
        .iter()
        .rev()
        .filter(|era| generated == Some(era.profile.generated_mtime))
        .filter(|era| disk.is_none_or(|disk| disk == era.profile.disk_mtime))
        .filter_map(|era| {
            let (first, last) = (era.first.max(allowed.first), era.last.min(allowed.last));
            (first <= last).then_some(Era { first, last, ..*era })
        })
        .collect()
}

/// Every release since 1.54.
const ALL: Releases = Releases { first: 54, last: 95 };

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

    #[test]
    fn era_clues_from_the_manifest() {
        let autos = "autobins = false\nautoexamples = false\nautotests = false\nautobenches = false\n";
        let new = format!(
            "[package]\nname = \"a\"\nautolib = false\n{autos}\n[features]\nx = []\n\n[lib]\npath = \"src/lib.rs\"\n\n\
             [profile.release]\nlto = true\n"
        );
        assert_eq!(manifest_releases(&new), Releases { first: 85, last: 95 });
        let explicit = format!("[package]\nname = \"a\"\n{autos}\n[profile.release]\nlto = true\n\n[lib]\npath = \"src/lib.rs\"\n");
        assert_eq!(manifest_releases(&explicit), Releases { first: 80, last: 82 });
        let old = "[package]\nname = \"a\"\n\n[profile.release]\nlto = true\n\n[lib]\npath = \"src/lib.rs\"\n\n[features]\nx = []\n";
        assert_eq!(manifest_releases(old), Releases { first: 54, last: 79 });
        assert_eq!(manifest_releases("[package]\nname = \"a\"\n"), Releases { first: 54, last: 79 });
    }
}
