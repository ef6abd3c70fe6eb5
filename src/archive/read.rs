//! Reading a `.crate` as hostile input (spec: `READ-*`): one streaming pass through the gzip and
//! tar layers that records each entry's header, mode, size and sha256. Nothing is written to
//! disk, and memory does not follow the sizes an archive claims.

use std::collections::BTreeSet;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::entry::parse_octal;
pub use super::entry::{ArchivedEntry, HEADER_FIELDS};
use super::layout;

/// READ-LIMITS: more entries than this is refused (each keeps its 512-byte header in memory).
pub const MAX_ENTRIES: usize = 100_000;
/// READ-LIMITS: a path (a GNU long-name record) longer than this is refused.
pub const MAX_PATH_LEN: u64 = 4096;
/// READ-LIMITS: paths longer than this in all, per [`MAX_ENTRIES`] allowed, are refused (each path
/// is kept twice).
pub const MAX_PATH_TOTAL: usize = 16 * 1024 * 1024;
/// READ-LIMITS: cargo unpacks at most this many bytes of a `.crate`, or 20 times its compressed
/// size when that is more (`max_unpack_size` in cargo 1.95).
pub const MIN_UNPACK_LIMIT: u64 = 512 * 1024 * 1024;
const UNPACK_RATIO: u64 = 20;

/// READ-LIMITS as the user set them for a run: `None` keeps the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// `--max-unpacked BYTES`: the total size of the entries.
    pub unpacked: Option<u64>,
    /// `--max-entries N`.
    pub entries: Option<usize>,
    /// `--max-path-len BYTES`.
    pub path_len: Option<u64>,
}

impl Limits {
    /// The bounds for an archive of `compressed` bytes.
    pub fn bounds(&self, compressed: u64) -> Bounds {
        let entries = self.entries.unwrap_or(MAX_ENTRIES);
        Bounds {
            unpacked: self.unpacked.unwrap_or(MIN_UNPACK_LIMIT.max(compressed.saturating_mul(UNPACK_RATIO))),
            entries,
            path_len: self.path_len.unwrap_or(MAX_PATH_LEN),
            path_total: MAX_PATH_TOTAL.saturating_mul(entries.div_ceil(MAX_ENTRIES)),
        }
    }
}

/// What one archive may hold; past a bound, reading stops at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub unpacked: u64,
    pub entries: usize,
    pub path_len: u64,
    path_total: usize,
}
/// READ-LIMITS: the contents of UTF-8 files up to this size are kept for text diffs...
pub const MAX_TEXT: u64 = 64 * 1024;
/// ...until this many bytes of text are kept in all.
pub const MAX_TEXT_TOTAL: usize = 16 * 1024 * 1024;
/// READ-LIMITS: files at the package root that `verify` and `attest` read are kept whatever
/// their size, within the total.
const KEPT_WHOLE: [&str; 3] = ["Cargo.toml", "Cargo.lock", ".cargo_vcs_info.json"];

/// A `.crate` as read.
#[derive(Debug, Clone)]
pub struct CrateFile {
    /// sha256 of the whole file, hex.
    pub sha256: String,
    pub compressed_size: u64,
    /// sha256 of the decompressed tar stream, hex: equal for two archives that differ only in
    /// how they were compressed.
    pub tar_sha256: String,
    pub tar_size: u64,
    pub gzip: GzipHeader,
    pub entries: Vec<ArchivedEntry>,
    /// What the archive does that cargo's writer never does, apart from entry headers.
    pub anomalies: Vec<String>,
    /// READ-PREFIX: entries outside the one `<name>-<version>/` directory, or a directory that
    /// its `Cargo.toml` does not name.
    pub prefix_problems: Vec<String>,
    /// READ-PORTABLE: paths that Windows or macOS would read otherwise.
    pub portability: Vec<String>,
    /// READ-TRAILING: bytes after the gzip stream, which cargo never reads.
    pub trailing: Option<Trailing>,
}

/// Bytes after the end of the first gzip member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Trailing {
    /// Where they start in the file.
    pub offset: u64,
    pub length: u64,
    /// They begin with the gzip magic number: a second member.
    pub gzip_member: bool,
}

impl CrateFile {
    /// Whether the archive holds something a reader on another machine, or cargo, would take
    /// otherwise than it looks: entries outside its directory, names Windows or macOS read
    /// differently, data cargo never reads.
    pub fn has_hostile_findings(&self) -> bool {
        !self.prefix_problems.is_empty() || !self.portability.is_empty() || self.trailing.is_some()
    }
}

/// The fields of the gzip member header (RFC 1952).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GzipHeader {
    pub mtime: u32,
    /// Extra flags: 2 = maximum compression, 4 = fastest.
    pub xfl: u8,
    /// Operating system; 255 = unknown.
    pub os: u8,
    pub filename: Option<String>,
    pub comment: Option<String>,
    pub has_extra: bool,
}

impl CrateFile {
    /// `<name>-<version>`: the first component of the first entry's path.
    pub fn base_name(&self) -> Option<&str> {
        self.entries.first().and_then(|e| e.path.split('/').next())
    }

    /// The entry at `rel` relative to the package root (`Cargo.lock`, say).
    pub fn entry(&self, rel: &str) -> Option<&ArchivedEntry> {
        self.entries.iter().find(|e| e.rel_path() == rel)
    }

    /// Gzip header fields that differ from what cargo writes (`ARC-GZIP`).
    pub fn gzip_anomalies(&self) -> Vec<String> {
        let g = &self.gzip;
        let mut found = Vec::new();
        if g.mtime != 0 {
            found.push(format!("gzip mtime is {} (cargo writes 0)", g.mtime));
        }
        if g.xfl != 2 {
            found.push(format!("gzip extra flags are {} (cargo writes 2, best compression)", g.xfl));
        }
        if g.os != 255 {
            found.push(format!("gzip operating system is {} (cargo writes 255, unknown)", g.os));
        }
        let expected = self.base_name().map(|base| format!("{base}.crate"));
        if g.filename != expected {
            found.push(format!("gzip file name is {:?} (cargo writes {:?})", g.filename, expected));
        }
        if g.comment.is_some() || g.has_extra {
            found.push("gzip header has a comment or extra field (cargo writes neither)".to_owned());
        }
        found
    }
}

/// A `.crate` file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("failed to read `{}`", path.display())]
pub struct FileError {
    pub path: PathBuf,
    #[source]
    pub source: Error,
}

/// Reads the `.crate` at `path`, within `limits`.
pub fn read_file(path: &Path, limits: &Limits) -> Result<CrateFile, FileError> {
    let in_file = |source| FileError { path: path.to_owned(), source };
    let (file, bounds) = open(path, limits).map_err(|e| in_file(Error::Open(e)))?;
    read(file, bounds).map_err(in_file)
}

/// The file at `path` and the bounds for its size.
fn open(path: &Path, limits: &Limits) -> io::Result<(std::fs::File, Bounds)> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    Ok((file, limits.bounds(size)))
}

/// The first entries of the archive in `input`, as [`read()`] reads them, up to the one after
/// which every package-relative path of `until` has been seen (all of them if one is missing):
/// what a caller needs before the whole archive is read.
pub fn head(input: impl Read, until: &[&str], bounds: Bounds) -> Result<Vec<ArchivedEntry>, Error> {
    let decoder = flate2::read::GzDecoder::new(BufReader::new(input));
    read_entries(&mut tar::Archive::new(decoder), until, bounds)
}

/// Why an archive was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the file could not be opened")]
    Open(#[source] io::Error),
    #[error("not a readable gzip-compressed tar archive: corrupt or truncated {place}")]
    Read { place: Place, source: io::Error },
    #[error("entry `{path}` {reason}")]
    Refused { path: String, reason: Refusal },
    #[error("entry `{path}` is truncated: the archive ends inside it")]
    Truncated { path: String },
    #[error(
        "the archive has more than {entries} entries or more than {path_total} bytes of paths; \
         raise the limit with `--max-entries N` if you trust it"
    )]
    TooManyEntries { entries: usize, path_total: usize },
    #[error(
        "entry `{path}` makes the archive unpack to more than {limit} bytes, the limit for a `.crate` \
         of this size (cargo's: 512 MiB, or 20 times the compressed size); raise it with \
         `--max-unpacked BYTES` if you trust the archive"
    )]
    TooLarge { path: String, limit: u64 },
}

/// Where reading an archive failed, so that a corrupt download names the damaged entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The gzip header or the first tar header.
    Start,
    /// The data of this entry.
    Entry(String),
    /// The header after this entry (of the next entry or a long-name record).
    After(String),
    /// The end of the tar stream or the gzip trailer (its checksum).
    End,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Start => f.write_str("at its start"),
            Place::Entry(path) => write!(f, "inside entry `{path}`"),
            Place::After(path) => write!(f, "after entry `{path}`"),
            Place::End => f.write_str("after the last entry (tar trailer or gzip checksum)"),
        }
    }
}

/// Tags an I/O error with where it happened.
fn at(place: Place) -> impl FnOnce(io::Error) -> Error {
    move |source| Error::Read { place, source }
}

/// READ-REFUSE: what a `.crate` may not contain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("is a link (type `{}`); a `.crate` holds only regular files", .0.escape_debug())]
    Link(char),
    #[error("is a device, directory or FIFO (type `{}`); a `.crate` holds only regular files", .0.escape_debug())]
    Special(char),
    #[error("has tar type `{}`, which cargo never writes (only regular files and GNU long names)", .0.escape_debug())]
    Unsupported(char),
    #[error("is an absolute path")]
    Absolute,
    #[error("has a `..`, `.` or empty path component")]
    NotNormal,
    #[error("is not valid UTF-8")]
    NotUtf8,
    #[error("contains a control character")]
    Control,
    #[error("appears twice")]
    Duplicate,
    #[error("has a path longer than {0} bytes; raise the limit with `--max-path-len BYTES` if you trust it")]
    LongName(u64),
    #[error("is named by a long-name record followed by another one")]
    TwoLongNames,
}

/// Reads a whole `.crate` from `input` (READ-*), within `bounds`.
pub fn read(input: impl Read, bounds: Bounds) -> Result<CrateFile, Error> {
    let mut file = Tap::new(input);
    let mut krate = read_layers(&mut file, bounds)?;
    (krate.sha256, krate.compressed_size, _) = file.finish();
    Ok(krate)
}

/// Reads a whole `.crate` held in memory, within the default bounds for its size.
pub fn read_bytes(bytes: &[u8]) -> Result<CrateFile, Error> {
    read(bytes, Limits::default().bounds(bytes.len() as u64))
}

/// A file that should be a `.crate`, read once: its digest whatever it holds, and the archive.
#[derive(Debug)]
pub struct Digested {
    /// sha256 of the whole file, hex.
    pub sha256: String,
    /// The archive, or why it is not a `.crate` cargo-seal reads.
    pub archive: Result<CrateFile, Error>,
}

/// Reads the file at `path` in one pass; only failing to read the file itself is an error.
pub fn digest_file(path: &Path, limits: &Limits) -> Result<Digested, FileError> {
    let io_error = |e| FileError { path: path.to_owned(), source: Error::Open(e) };
    let (file, bounds) = open(path, limits).map_err(io_error)?;
    let mut file = Tap::new(file);
    let archive = read_layers(&mut file, bounds);
    // An archive that was refused part way is still digested to its end.
    io::copy(&mut file, &mut io::sink()).map_err(io_error)?;
    let (sha256, size, _) = file.finish();
    let archive = archive.map(|krate| CrateFile { sha256: sha256.clone(), compressed_size: size, ..krate });
    Ok(Digested { sha256, archive })
}

/// The gzip and tar layers of `file`; the caller takes the file's digest and size from the tap.
fn read_layers<R: Read>(file: &mut Tap<R>, bounds: Bounds) -> Result<CrateFile, Error> {
    let mut gzip_fixed = [0u8; 10];
    file.read_exact(&mut gzip_fixed).map_err(at(Place::Start))?;
    let decoder = flate2::bufread::GzDecoder::new(BufReader::new(io::Read::chain(&gzip_fixed[..], &mut *file)));
    let mut archive = tar::Archive::new(Tap::new(decoder));
    let entries = read_entries(&mut archive, &[], bounds)?;

    let mut anomalies = Vec::new();
    // Cargo's tar stream ends with two zero blocks; the reader has consumed the first.
    let mut tar = archive.into_inner();
    let mut rest = Vec::new();
    (&mut tar).take(512 + 1).read_to_end(&mut rest).map_err(at(Place::End))?;
    let beyond = io::copy(&mut tar, &mut io::sink()).map_err(at(Place::End))?;
    if rest.len() != 512 || rest.iter().any(|&b| b != 0) || beyond > 0 {
        anomalies.push(format!(
            "the tar stream does not end with exactly two zero blocks ({} bytes follow the first)",
            rest.len() as u64 + beyond
        ));
    }
    let (tar_sha256, tar_size, decoder) = tar.finish();
    let gzip = gzip_header(&gzip_fixed, decoder.header());
    let mut leftover = decoder.into_inner();
    let mut magic = Vec::new();
    (&mut leftover).take(2).read_to_end(&mut magic).map_err(at(Place::End))?;
    let trailing = magic.len() as u64 + io::copy(&mut leftover, &mut io::sink()).map_err(at(Place::End))?;
    drop(leftover);
    // READ-TRAILING: cargo's reader stops at the end of the first gzip member.
    let trailing = (trailing > 0).then(|| Trailing {
        offset: file.count - trailing,
        length: trailing,
        gzip_member: magic == [0x1f, 0x8b],
    });
    if let Some(Trailing { offset, length, gzip_member }) = trailing {
        anomalies.push(if gzip_member {
            format!("a second gzip member starts at byte {offset} ({length} bytes to the end), which cargo ignores")
        } else {
            format!("{length} bytes follow the gzip stream at byte {offset}, which cargo ignores")
        });
    }
    let prefix_problems = layout::prefix_problems(&entries);
    let portability = layout::portability_problems(&entries);
    Ok(CrateFile {
        sha256: String::new(),
        compressed_size: 0,
        tar_sha256,
        tar_size,
        gzip,
        entries,
        anomalies,
        prefix_problems,
        portability,
        trailing,
    })
}

/// The entries of `archive` (READ-REFUSE, READ-LIMITS), all of them, or only up to the one after
/// which every package-relative path of `until` has been seen.
fn read_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    until: &[&str],
    bounds: Bounds,
) -> Result<Vec<ArchivedEntry>, Error> {
    let mut entries = Vec::new();
    let mut unpacked = 0u64;
    let mut seen = BTreeSet::new();
    let mut text_budget = MAX_TEXT_TOTAL;
    let mut path_total = 0;
    let mut long_name: Option<Vec<u8>> = None;
    // Raw entries: the tar crate would read a long-name record of any claimed size into memory.
    for entry in archive.entries().map_err(at(Place::Start))?.raw(true) {
        if !until.is_empty() && until.iter().all(|rel| entries.iter().any(|e: &ArchivedEntry| e.rel_path() == *rel)) {
            return Ok(entries);
        }
        let after_last = || entries.last().map_or(Place::Start, |e: &ArchivedEntry| Place::After(e.path.clone()));
        let mut entry = entry.map_err(|e| at(after_last())(e))?;
        let header = *entry.header().as_bytes();
        let kind = entry.header().entry_type();
        // As `tar::Archive` (and so cargo) reads them: only a GNU header makes a long name.
        if kind.is_gnu_longname() && entry.header().as_gnu().is_some() {
            if let Some(first) = &long_name {
                return Err(Error::Refused { path: shown(first), reason: Refusal::TwoLongNames });
            }
            long_name = Some(read_long_name(&mut entry, &header, bounds.path_len, after_last)?);
            continue;
        }
        let path_bytes = long_name.take();
        let had_long_name = path_bytes.is_some();
        let path_bytes = path_bytes.unwrap_or_else(|| entry.header().path_bytes().into_owned());
        if !kind.is_file() {
            let flag = char::from(kind.as_byte());
            let reason = if kind.is_symlink() || kind.is_hard_link() || kind.is_gnu_longlink() {
                Refusal::Link(flag)
            } else if kind.is_character_special() || kind.is_block_special() || kind.is_dir() || kind.is_fifo() {
                Refusal::Special(flag)
            } else {
                Refusal::Unsupported(flag)
            };
            return Err(Error::Refused { path: shown(&path_bytes), reason });
        }
        let path = checked_path(&path_bytes)?;
        if !seen.insert(path.clone()) {
            return Err(Error::Refused { path, reason: Refusal::Duplicate });
        }
        path_total += path.len();
        if entries.len() == bounds.entries || path_total > bounds.path_total {
            return Err(Error::TooManyEntries { entries: bounds.entries, path_total: bounds.path_total });
        }
        let size = entry.header().size().map_err(at(Place::Entry(path.clone())))?;
        // As the header claims it: the data is not read when it would pass the bound.
        unpacked = unpacked.saturating_add(size);
        if unpacked > bounds.unpacked {
            return Err(Error::TooLarge { path, limit: bounds.unpacked });
        }
        let mode = entry.header().mode().map_err(at(Place::Entry(path.clone())))?;
        let limit = if path.split_once('/').is_some_and(|(_, rel)| KEPT_WHOLE.contains(&rel)) {
            MAX_TEXT_TOTAL as u64
        } else {
            MAX_TEXT
        };
        let keep = size <= limit && size as usize <= text_budget;
        let mut hasher = Sha256::new();
        let mut kept = Vec::new();
        let mut read = 0u64;
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = entry.read(&mut buf).map_err(|e| at(Place::Entry(path.clone()))(e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            if keep {
                kept.extend_from_slice(&buf[..n]);
            }
            read += n as u64;
        }
        if read != size {
            return Err(Error::Truncated { path });
        }
        let text = if keep { String::from_utf8(kept).ok() } else { None };
        text_budget -= text.as_ref().map_or(0, String::len);
        entries.push(ArchivedEntry {
            path,
            header,
            long_name: had_long_name,
            mode,
            size,
            sha256: format!("{:x}", hasher.finalize()),
            text,
        });
    }
    if let Some(name) = long_name {
        return Err(Error::Truncated { path: shown(&name) });
    }
    Ok(entries)
}

/// How much of a path too long to read an error shows.
const SHOWN_PREFIX: usize = 100;

/// Reads a long-name record's name; `place` says where the record is, for errors.
fn read_long_name(
    entry: &mut impl Read,
    header: &[u8; 512],
    max: u64,
    place: impl FnOnce() -> Place,
) -> Result<Vec<u8>, Error> {
    let claimed = parse_octal(&header[124..136]).unwrap_or(u64::MAX);
    // The record holds the path and one NUL. One too long is named by its first bytes.
    if claimed > max.saturating_add(1) {
        let mut start = Vec::with_capacity(SHOWN_PREFIX);
        entry.take(SHOWN_PREFIX as u64).read_to_end(&mut start).map_err(|e| at(place())(e))?;
        return Err(Error::Refused { path: format!("{}...", shown(&start)), reason: Refusal::LongName(max) });
    }
    let mut name = Vec::with_capacity(claimed as usize);
    entry.take(claimed).read_to_end(&mut name).map_err(|e| at(place())(e))?;
    // The record ends in one NUL, as `tar::Archive` reads it; any other NUL is refused with the path.
    if name.last() == Some(&0) {
        name.pop();
    }
    Ok(name)
}

/// READ-REFUSE: the path must be relative, normal, UTF-8 and free of control characters.
fn checked_path(bytes: &[u8]) -> Result<String, Error> {
    let refuse = |reason| Err(Error::Refused { path: shown(bytes), reason });
    let Ok(path) = std::str::from_utf8(bytes) else {
        return refuse(Refusal::NotUtf8);
    };
    if path.chars().any(char::is_control) {
        return refuse(Refusal::Control);
    }
    if path.starts_with('/') {
        return refuse(Refusal::Absolute);
    }
    if path.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
        return refuse(Refusal::NotNormal);
    }
    Ok(path.to_owned())
}

/// A path as an error message shows it: invalid UTF-8 replaced, control characters escaped.
fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).escape_debug().to_string()
}

fn gzip_header(fixed: &[u8; 10], parsed: Option<&flate2::GzHeader>) -> GzipHeader {
    let text = |bytes: Option<&[u8]>| bytes.map(|b| String::from_utf8_lossy(b).into_owned());
    GzipHeader {
        mtime: u32::from_le_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
        xfl: fixed[8],
        os: fixed[9],
        filename: text(parsed.and_then(flate2::GzHeader::filename)),
        comment: text(parsed.and_then(flate2::GzHeader::comment)),
        has_extra: parsed.and_then(flate2::GzHeader::extra).is_some(),
    }
}

/// CNT-DIGEST: sha256 over the sorted lines `<mode> <path> <sha256>`, independent of compression,
/// entry order and header fields.
pub fn content_digest(entries: &[ArchivedEntry]) -> String {
    let mut lines: Vec<String> = entries.iter().map(|e| format!("{:04o} {} {}\n", e.mode, e.path, e.sha256)).collect();
    lines.sort_unstable();
    let mut hasher = Sha256::new();
    for line in &lines {
        hasher.update(line.as_bytes());
    }
    format!("sha256:{:x}", hasher.finalize())
}

/// A reader that hashes and counts what passes through it.
struct Tap<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R> Tap<R> {
    fn new(inner: R) -> Self {
        Tap { inner, hasher: Sha256::new(), count: 0 }
    }

    fn finish(self) -> (String, u64, R) {
        (format!("{:x}", self.hasher.finalize()), self.count, self.inner)
    }
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CNT-DIGEST: the example of spec/verify.md, computed by hand from its one line.
    #[test]
    fn cnt_digest_matches_the_spec_example() {
        let empty = format!("{:x}", Sha256::digest(b""));
        let entry = ArchivedEntry {
            path: "demo-1.0.0/a".into(),
            header: [0; 512],
            long_name: false,
            mode: 0o644,
            size: 0,
            sha256: empty.clone(),
            text: Some(String::new()),
        };
        let line = format!("0644 demo-1.0.0/a {empty}\n");
        assert_eq!(content_digest(&[entry]), format!("sha256:{:x}", Sha256::digest(line.as_bytes())));
    }

    /// READ-LIMITS: a large root `Cargo.lock` is kept as text, a large source file is not.
    #[test]
    fn read_limits_keep_root_files_whole() {
        let big = "# line\n".repeat(20_000);
        let mut tar = tar::Builder::new(Vec::new());
        for path in ["demo-1.0.0/Cargo.lock", "demo-1.0.0/src/Cargo.lock"] {
            let mut header = tar::Header::new_gnu();
            header.set_size(big.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, path, big.as_bytes()).unwrap();
        }
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        io::Write::write_all(&mut gzip, &tar.into_inner().unwrap()).unwrap();
        let krate = read_bytes(&gzip.finish().unwrap()).unwrap();
        assert_eq!(krate.entry("Cargo.lock").unwrap().text.as_deref(), Some(big.as_str()));
        assert_eq!(krate.entry("src/Cargo.lock").unwrap().text, None);
    }

    /// `head` stops after the entries it was asked for, and reads on to the end when one of
    /// them is missing.
    #[test]
    fn head_stops_after_the_named_entries() {
        let mut tar = tar::Builder::new(Vec::new());
        for path in ["demo-1.0.0/.cargo_vcs_info.json", "demo-1.0.0/Cargo.lock", "demo-1.0.0/src/lib.rs"] {
            let mut header = tar::Header::new_gnu();
            header.set_size(2);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, path, &b"{}"[..]).unwrap();
        }
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        io::Write::write_all(&mut gzip, &tar.into_inner().unwrap()).unwrap();
        let bytes = gzip.finish().unwrap();
        let paths = |until: &[&str]| -> Vec<String> {
            head(&bytes[..], until, Limits::default().bounds(bytes.len() as u64))
                .unwrap()
                .into_iter()
                .map(|e| e.rel_path().to_owned())
                .collect()
        };
        assert_eq!(paths(&[".cargo_vcs_info.json", "Cargo.lock"]), [".cargo_vcs_info.json", "Cargo.lock"]);
        assert_eq!(paths(&["Cargo.lock", "Cargo.toml"]), [".cargo_vcs_info.json", "Cargo.lock", "src/lib.rs"]);
    }

    /// A file that is not a `.crate`, or stops being one part way, is still digested whole.
    #[test]
    fn digest_file_digests_what_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        io::Write::write_all(&mut gzip, &[0x55; 4096]).unwrap();
        let gzip = gzip.finish().unwrap();
        for (name, bytes) in [("empty", Vec::new()), ("text", b"not gzip".repeat(1000)), ("not-tar", gzip)] {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let digested = digest_file(&path, &Limits::default()).unwrap();
            assert_eq!(digested.sha256, format!("{:x}", Sha256::digest(&bytes)), "{name}");
            assert!(digested.archive.is_err(), "{name}");
        }
    }
}
