//! Era profiles (spec: `ERA-*`): what the cargo releases since 1.37 wrote, as values of one
//! profile type, and which of them a published crate's own bytes allow. A profile holds only the
//! switches this tool reproduces; `verify` names an era only when its profile rebuilds the crate
//! byte for byte.

/// ERA-DEFLATE: the deflate implementation behind cargo's gzip stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deflate {
    /// C zlib (flate2's `zlib` feature, libz-sys's bundled zlib): cargo 1.87 and earlier.
    Zlib,
    /// zlib-rs 0.5.0 to 0.6.2 (flate2's `zlib-rs` feature): cargo 1.88 to 1.95
    /// (rust-lang/cargo#15417).
    ZlibRs,
    /// zlib-rs 0.6.3 and later, whose level 9 writes other bytes: cargo 1.96 on.
    ZlibRs063,
}

impl Deflate {
    /// As reports name it.
    pub fn name(self) -> &'static str {
        match self {
            Deflate::Zlib => "C zlib",
            Deflate::ZlibRs => "zlib-rs",
            Deflate::ZlibRs063 => "zlib-rs 0.6.3 or later",
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
    /// toml 0.5's `to_string` (cargo 1.54–1.59): arrays inline, no blank line before a table's
    /// first child table.
    Toml05,
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

/// ERA-RESOLVER: when `package.resolver` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolverRule {
    /// `"2"` whenever the workspace resolves with 2, so edition-2021 packages get it; never `"1"`
    /// (cargo 1.63 and earlier).
    WhenTwo,
    /// When the workspace's resolver differs from the edition's default, `"1"` too (cargo 1.64
    /// on; rust-lang/cargo ee4bf08cb).
    WhenNotDefault,
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
    /// ERA-PROFILES: `[profile]` is published normalized (`debug = true` as `2`; cargo 1.71 on),
    /// as written before.
    pub profiles_normalized: bool,
    /// ERA-README: a README cargo found by itself is written as `readme` (cargo 1.62 on;
    /// rust-lang/cargo 3bbb781ae).
    pub readme_found: bool,
    pub resolver: ResolverRule,
    /// ERA-PREAMBLE: the comment before `Cargo.toml`'s tables was reworded in 1.55
    /// (rust-lang/cargo 7c66ef518).
    pub preamble_1_55: bool,
    /// ERA-VCS: `.cargo_vcs_info.json` records `path_in_vcs` (cargo 1.57 on; b8b127a87); before,
    /// only the commit, in a fixed text ending in a newline.
    pub path_in_vcs: bool,
    /// ERA-VCS-DIRTY: `--allow-dirty` still writes `.cargo_vcs_info.json`, `"dirty": true` when
    /// files differ from the commit (cargo 1.81 on; rust-lang/cargo#13960); before, it skipped
    /// the check and wrote no such file.
    pub vcs_when_allowed_dirty: bool,
    /// ERA-LOCK-INCLUDE: every package gets a `Cargo.lock` (cargo 1.84 on; rust-lang/cargo#14815);
    /// before, only those with a binary or an example target.
    pub lock_always: bool,
    /// ERA-LOCK-PREVIOUS: the archive's lock is resolved from the workspace's `Cargo.lock`
    /// (cargo 1.68 on; rust-lang/cargo#11477); before, from one in the package's own directory.
    pub lock_from_workspace: bool,
    pub lock_format: LockFormat,
    /// ERA-MANIFEST-CASE: a file named `Cargo.toml` in another case (`CARGO.TOML`) gives way to
    /// the generated manifest (cargo 1.73 on; rust-lang/cargo#12399); before, it was packaged
    /// beside it.
    pub manifest_any_case: bool,
    /// ERA-FEATURES: features lose what they enable in the dev-dependencies publishing drops
    /// (cargo 1.78 on; rust-lang/cargo 75130eb6e); before, they were published as written.
    pub features_stripped: bool,
    /// ERA-DATETIME: a datetime is written as the table `{ "$__toml_private_datetime" = "…" }`
    /// (cargo 1.60–1.68, whose toml_edit serializer did not know toml 0.5's datetimes).
    pub datetime_table: bool,
    /// ERA-WINDOWS-TAR: packaged on Windows, where every file from disk is mode 0644 and, up to
    /// cargo 1.79, stamped 123456789 whatever tar's version (see [`candidates`]).
    pub windows: bool,
    pub headers: Headers,
    /// ERA-ORDER: the files from disk in path order, the manifest as written (`Cargo.toml.orig`)
    /// where `Cargo.toml` sorts with the normalized one after it, then `.cargo_vcs_info.json` and
    /// `Cargo.lock` (cargo 1.41 and earlier); else every entry in path order.
    pub generated_last: bool,
    /// ERA-ORDER-MACOS: with [`Profile::generated_last`], the files from disk in the order macOS
    /// lists a directory: each path component compared without regard to case.
    pub macos: bool,
    /// ERA-CRLF: the files from disk as a checkout with git's `core.autocrlf = true` holds them
    /// (git for Windows' default): text files' line feeds as CRLF.
    pub crlf: bool,
}

/// ERA-RECORDED: how the tar headers' times, modes and owners were filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headers {
    /// From the profile alone (tar-rs's deterministic mode, cargo 1.50 on).
    Deterministic,
    /// Copied by cargo 1.49 and earlier from the publisher's disk (files) and clock (generated
    /// files): only the published archive records them, so a rebuild takes them from there.
    Recorded(TarFormat),
}

/// ERA-RECORDED: the tar header format: UStar up to cargo 1.45 (rust-lang/cargo#2327), GNU since
/// 1.46 (rust-lang/cargo#8453).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TarFormat {
    Ustar,
    Gnu,
}

/// ERA-LOCK-FORMAT: the format of a lock resolved without a previous one (a previous lock's
/// format is kept in every era).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockFormat {
    /// Format 3 (cargo 1.77 and earlier).
    Three,
    /// The newest format the package's `rust-version` reads, at most `newest`: 4 from 1.83, 3
    /// from 1.53, 2 from 1.41, 1 before; `newest` without one (cargo 1.78 on,
    /// rust-lang/cargo#12861; format 4 since 1.83, rust-lang/cargo#14595).
    ByRustVersion { newest: u8 },
}

impl Profile {
    /// The switches a rebuild of a published crate depends on are the same: the others decide
    /// what `package` chooses (the lock file's inclusion, previous resolve and format, the vcs
    /// file under `--allow-dirty`), which `verify` takes from the published crate, or which files
    /// go in, which `verify` selects as the current release does.
    pub fn rebuilds_like(&self, other: &Profile) -> bool {
        let rebuilt = |p: &Profile| Profile {
            manifest_any_case: true,
            vcs_when_allowed_dirty: true,
            lock_always: true,
            lock_from_workspace: true,
            lock_format: LockFormat::Three,
            ..*p
        };
        rebuilt(self) == rebuilt(other)
    }

    /// ERA-LOCK-FORMAT: the lock format for a package whose `rust-version` is `major.minor`, if
    /// it has one: the newest format that release reads, at most the era's.
    pub fn lock_format_for(&self, rust_version: Option<(u64, Option<u64>)>) -> u8 {
        let newest = match self.lock_format {
            LockFormat::Three => return 3,
            LockFormat::ByRustVersion { newest } => newest,
        };
        let reads = match rust_version.map(|(major, minor)| (major, minor.unwrap_or(0))) {
            None => return newest,
            Some(v) if v >= (1, 83) => 4,
            Some(v) if v >= (1, 53) => 3,
            Some(v) if v >= (1, 41) => 2,
            Some(_) => 1,
        };
        reads.min(newest)
    }
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
    profiles_normalized: true,
    readme_found: true,
    resolver: ResolverRule::WhenNotDefault,
    preamble_1_55: true,
    path_in_vcs: true,
    vcs_when_allowed_dirty: true,
    lock_always: true,
    lock_from_workspace: true,
    lock_format: LockFormat::ByRustVersion { newest: 4 },
    manifest_any_case: true,
    features_stripped: true,
    datetime_table: false,
    windows: false,
    headers: Headers::Deterministic,
    generated_last: false,
    macos: false,
    crlf: false,
};

/// The mtime of every entry (spec: `ARC-MTIME`): tar-rs's deterministic timestamp, which cargo
/// also stamps on generated files since 1.93.
pub const DETERMINISTIC_MTIME: u64 = 1_153_704_088;

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
    /// ERA-VERIFY: the releases as reports name them: by the whole windows of the eras they span,
    /// so that two names never overlap: `1.88, 1.89 or 1.90–1.92`, not `1.88–1.92` beside
    /// `1.90–1.92`. Releases before the first era keep their span.
    pub fn by_era(self) -> String {
        let windows: Vec<String> = ERAS
            .iter()
            .filter(|era| era.first <= self.last && era.last >= self.first)
            .map(|era| era.releases().to_string())
            .collect();
        match windows.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => self.to_string(),
        }
    }

    /// The releases of both, and those between.
    pub fn joined(self, other: Releases) -> Releases {
        Releases { first: self.first.min(other.first), last: self.last.max(other.last) }
    }
}

/// `1.88–1.92`, as reports name them.
impl std::fmt::Display for Releases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.first == self.last, self.last == LATEST) {
            (true, _) => write!(f, "1.{}", self.first),
            (false, true) => write!(f, "1.{} and later", self.first),
            (false, false) => write!(f, "1.{}–1.{}", self.first, self.last),
        }
    }
}

/// The open end of the newest era: releases after the last one measured are taken to write alike.
pub const LATEST: u32 = u32::MAX;

/// ERA-WINDOWS: the eras since cargo 1.37, oldest first; the last is [`CURRENT`]. Each profile
/// below is the next newer one with what the older releases did otherwise. Not modeled yet: toml
/// 0.5's style (1.54–1.59) and a few details of single releases (`spec/eras.md`), so crates whose
/// bytes depend on them are claimed for no era.
pub const ERAS: [Era; 26] = [
    Era { first: 37, last: 41, profile: UP_TO_1_41 },
    Era { first: 42, last: 45, profile: UP_TO_1_45 },
    Era { first: 46, last: 49, profile: UP_TO_1_49 },
    Era { first: 50, last: 53, profile: UP_TO_1_53 },
    Era { first: 54, last: 54, profile: UP_TO_1_54 },
    Era { first: 55, last: 56, profile: UP_TO_1_56 },
    Era { first: 57, last: 59, profile: UP_TO_1_59 },
    Era { first: 60, last: 61, profile: UP_TO_1_61 },
    Era { first: 62, last: 62, profile: UP_TO_1_62 },
    Era { first: 63, last: 63, profile: UP_TO_1_63 },
    Era { first: 64, last: 67, profile: UP_TO_1_67 },
    Era { first: 68, last: 68, profile: UP_TO_1_68 },
    Era { first: 69, last: 70, profile: UP_TO_1_70 },
    Era { first: 71, last: 72, profile: UP_TO_1_72 },
    Era { first: 73, last: 77, profile: UP_TO_1_77 },
    Era { first: 78, last: 79, profile: UP_TO_1_79 },
    Era { first: 80, last: 80, profile: UP_TO_1_80 },
    Era { first: 81, last: 82, profile: UP_TO_1_82 },
    Era { first: 83, last: 83, profile: UP_TO_1_83 },
    Era { first: 84, last: 84, profile: UP_TO_1_84 },
    Era { first: 85, last: 87, profile: UP_TO_1_87 },
    Era { first: 88, last: 88, profile: UP_TO_1_88 },
    Era { first: 89, last: 89, profile: UP_TO_1_89 },
    Era { first: 90, last: 92, profile: UP_TO_1_92 },
    Era { first: 93, last: 95, profile: CURRENT },
    Era { first: 96, last: LATEST, profile: SINCE_1_96 },
];

/// ERA-DEFLATE: cargo 1.96 on, measured on crates published with it up to December 2026.
const SINCE_1_96: Profile = Profile { deflate: Deflate::ZlibRs063, ..CURRENT };

const UP_TO_1_92: Profile = Profile { generated_mtime: 1, ..CURRENT };
const UP_TO_1_89: Profile = Profile { metadata: MetadataOrder::Sorted, ..UP_TO_1_92 };
const UP_TO_1_88: Profile = Profile { toml: TomlRendering::Toml08, ..UP_TO_1_89 };
const UP_TO_1_87: Profile = Profile { deflate: Deflate::Zlib, ..UP_TO_1_88 };
const UP_TO_1_84: Profile = Profile { sections: SectionOrder::Before185, ..UP_TO_1_87 };
const UP_TO_1_83: Profile = Profile { lock_always: false, ..UP_TO_1_84 };
const UP_TO_1_82: Profile =
    Profile { autolib: false, lock_format: LockFormat::ByRustVersion { newest: 3 }, ..UP_TO_1_83 };
const UP_TO_1_80: Profile = Profile { vcs_when_allowed_dirty: false, ..UP_TO_1_82 };
const UP_TO_1_79: Profile = Profile { toml: TomlRendering::Toml07, targets: Targets::AsWritten, ..UP_TO_1_80 };
const UP_TO_1_77: Profile = Profile { lock_format: LockFormat::Three, features_stripped: false, ..UP_TO_1_79 };
const UP_TO_1_72: Profile = Profile { manifest_any_case: false, ..UP_TO_1_77 };
const UP_TO_1_70: Profile = Profile { lints: false, profiles_normalized: false, ..UP_TO_1_72 };
const UP_TO_1_68: Profile = Profile { metadata: MetadataOrder::Source, datetime_table: true, ..UP_TO_1_70 };
const UP_TO_1_67: Profile = Profile { lock_from_workspace: false, ..UP_TO_1_68 };
const UP_TO_1_63: Profile = Profile { resolver: ResolverRule::WhenTwo, ..UP_TO_1_67 };
const UP_TO_1_62: Profile = Profile { disk_mtime: OLD_DISK_MTIME, ..UP_TO_1_63 };
const UP_TO_1_61: Profile = Profile { readme_found: false, ..UP_TO_1_62 };
const UP_TO_1_59: Profile =
    Profile { metadata: MetadataOrder::Sorted, toml: TomlRendering::Toml05, datetime_table: false, ..UP_TO_1_61 };
const UP_TO_1_56: Profile = Profile { path_in_vcs: false, ..UP_TO_1_59 };
const UP_TO_1_54: Profile = Profile { preamble_1_55: false, ..UP_TO_1_56 };
/// ERA-DISK-MTIME, ERA-GENERATED-MTIME: cargo 1.50 to 1.53 packaged with tar-rs's deterministic
/// header mode (rust-lang/cargo#8864, in 1.50), whose timestamp was 0 before tar 0.4.35
/// (alexcrichton/tar-rs#250), and left generated files at 0 until rust-lang/cargo#9517 (1.54).
const UP_TO_1_53: Profile = Profile { disk_mtime: 0, generated_mtime: 0, ..UP_TO_1_54 };
/// ERA-RECORDED: cargo 1.49 and earlier filled headers in from the publisher's disk and clock (tar
/// headers in GNU format since 1.46).
const UP_TO_1_49: Profile = Profile { headers: Headers::Recorded(TarFormat::Gnu), ..UP_TO_1_53 };
/// ERA-RECORDED: UStar headers up to cargo 1.45.
const UP_TO_1_45: Profile = Profile { headers: Headers::Recorded(TarFormat::Ustar), ..UP_TO_1_49 };
/// ERA-ORDER: generated files after the files from disk, measured on crates published up to
/// February 2020 (scopeguard 1.1.0, same-file 1.0.6); those from April 2020 on (num_cpus 1.13.0)
/// have every entry in path order.
const UP_TO_1_41: Profile = Profile { generated_last: true, ..UP_TO_1_45 };

/// ERA-PACKAGE: the oldest release `package` writes as: the older eras are known from published
/// crates only, with no real cargo to test `package` against.
pub const PACKAGE_OLDEST: u32 = 54;

/// A cargo release `package` cannot write as.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "cargo 1.{0} is older than the releases `cargo seal package` writes as (1.{PACKAGE_OLDEST} and later; \
         older ones are known from their published crates, for `verify`); package with a newer cargo, or name \
         one with `--cargo-version`"
    )]
    TooOld(u32),
    #[error("`{0}` is not a cargo release such as `1.85`")]
    NotARelease(String),
}

/// ERA-PACKAGE: the profile `package` writes with for cargo 1.`minor`.
pub fn for_package(minor: u32) -> Result<&'static Era, Error> {
    if minor < PACKAGE_OLDEST {
        return Err(Error::TooOld(minor));
    }
    Ok(ERAS.iter().find(|era| (era.first..=era.last).contains(&minor)).expect("the eras cover every release since"))
}

/// The minor release of `1.85`, `1.85.1` or a `cargo -V` line (`cargo 1.85.0 (d73d2caf9 …)`).
pub fn minor_of(release: &str) -> Result<u32, Error> {
    let bad = || Error::NotARelease(release.trim().to_owned());
    let version = release.trim().strip_prefix("cargo ").unwrap_or(release.trim());
    let version = version.split_whitespace().next().ok_or_else(bad)?;
    let mut parts = version.split(['.', '-']);
    match (parts.next(), parts.next()) {
        (Some("1"), Some(minor)) => minor.parse().map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// The era of the packager's own profile.
pub fn current() -> &'static Era {
    ERAS.iter().find(|era| era.profile == CURRENT).expect("the packager's own era is one of them")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ERA-VERIFY: names are whole era windows, which never overlap.
    #[test]
    fn era_names_are_whole_windows() {
        let named = |first, last| Releases { first, last }.by_era();
        assert_eq!(named(88, 92), "1.88, 1.89 or 1.90–1.92");
        assert_eq!(named(90, 92), "1.90–1.92");
        assert_eq!(named(91, 92), "1.90–1.92", "a window is named whole");
        assert_eq!(named(64, 68), "1.64–1.67 or 1.68");
        assert_eq!(named(93, LATEST), "1.93–1.95 or 1.96 and later");
    }

    #[test]
    fn era_package_releases() {
        assert_eq!(minor_of("cargo 1.85.0 (d73d2caf9 2024-12-31)").unwrap(), 85);
        assert_eq!(minor_of("1.65").unwrap(), 65);
        assert_eq!(minor_of("1.90.0-nightly").unwrap(), 90);
        assert!(minor_of("2.0").is_err() && minor_of("one").is_err());
        assert_eq!(for_package(85).unwrap().releases(), Releases { first: 85, last: 87 });
        assert_eq!(for_package(95).unwrap().profile, CURRENT);
        assert_eq!(for_package(65).unwrap().releases(), Releases { first: 64, last: 67 });
        assert!(matches!(for_package(53), Err(Error::TooOld(53))));
        assert_eq!(for_package(101).unwrap().releases().to_string(), "1.96 and later");
    }

    /// ERA-WINDOWS: every release from 1.54 to the current one in exactly one era, oldest first.
    #[test]
    fn era_windows_cover_every_release_once() {
        let mut last = ERAS[0].first - 1;
        for era in ERAS {
            assert_eq!(era.first, last + 1, "{era:?}");
            assert!(era.first <= era.last);
            last = era.last;
        }
        assert_eq!(last, LATEST);
        // Neighbours differ in some switch, or they would be one window.
        assert!(ERAS.windows(2).all(|pair| pair[0].profile != pair[1].profile));
    }

    /// ERA-LOCK-FORMAT, with the `rust-version` bounds of cargo's `ResolveVersion::with_rust_version`.
    #[test]
    fn era_lock_format_by_release_and_rust_version() {
        let format = |minor, rust_version| for_package(minor).unwrap().profile.lock_format_for(rust_version);
        assert_eq!([format(65, None), format(65, Some((1, Some(40))))], [3, 3]);
        assert_eq!([format(80, None), format(80, Some((1, Some(80)))), format(80, Some((1, Some(52))))], [3, 3, 2]);
        assert_eq!(format(80, Some((1, Some(40)))), 1);
        assert_eq!([format(95, None), format(95, Some((1, Some(83)))), format(95, Some((1, Some(82))))], [4, 4, 3]);
        assert_eq!(format(95, Some((1, None))), 1);
        assert_eq!(format(95, Some((2, None))), 4);
    }
}
