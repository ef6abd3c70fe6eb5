//! One entry of a `.crate` as read (`READ-STREAM`): its path, header, mode, size, digest and,
//! when small text, its contents. The reader ([`super::read`]) makes them; the layout checks
//! ([`super::layout`]), comparisons and discovery read them.

use crate::era::DETERMINISTIC_MTIME;

/// One file of the archive.
#[derive(Debug, Clone)]
pub struct ArchivedEntry {
    /// The full archive path (`<name>-<version>/…`), from the long-name record when there is one.
    pub path: String,
    /// The entry's own 512-byte header.
    pub header: [u8; 512],
    /// The entry was preceded by a GNU long-name record.
    pub long_name: bool,
    pub mode: u32,
    pub size: u64,
    /// sha256 of the contents, hex.
    pub sha256: String,
    /// The contents, if they are UTF-8 and small enough to keep (`MAX_TEXT`).
    pub text: Option<String>,
}

impl ArchivedEntry {
    /// Header fields that differ from what cargo writes (`ARC-HEADER`), by name.
    pub fn header_anomalies(&self) -> Vec<&'static str> {
        let h = &self.header;
        let mut found = Vec::new();
        if !matches!(self.mode, 0o644 | 0o755) {
            found.push("mode");
        }
        let zero_or_nul = |field: &[u8]| field.iter().all(|&b| b == 0) || field == b"0000000\0";
        for (name, range) in [("uid", 108..116), ("gid", 116..124), ("devmajor", 329..337), ("devminor", 337..345)] {
            if !zero_or_nul(&h[range]) {
                found.push(name);
            }
        }
        if parse_octal(&h[136..148]) != Some(DETERMINISTIC_MTIME) {
            found.push("mtime");
        }
        if &h[257..265] != b"ustar  \0" {
            found.push("magic");
        }
        if h[157..257].iter().any(|&b| b != 0) {
            found.push("linkname");
        }
        if h[265..329].iter().any(|&b| b != 0) {
            found.push("uname/gname");
        }
        if h[345..].iter().any(|&b| b != 0) {
            found.push("rest");
        }
        found
    }

    /// The path relative to the package root: the archive path without `<name>-<version>/`.
    pub fn rel_path(&self) -> &str {
        self.path.split_once('/').map_or(&self.path, |(_, rel)| rel)
    }

    /// The owner may execute the file (cargo's only mode distinction, `ARC-MODE`).
    pub fn executable(&self) -> bool {
        self.mode & 0o100 != 0
    }

    /// The header field `name` of [`HEADER_FIELDS`] read as an octal number, if it is one.
    pub fn header_number(&self, name: &str) -> Option<u64> {
        let &(_, at, len) = HEADER_FIELDS.iter().find(|(n, ..)| *n == name)?;
        parse_octal(&self.header[at..at + len])
    }
}

/// The fields of a GNU tar header: (name, offset, length). Everything after `devminor` is NUL
/// in cargo's output and is one `rest` field.
pub const HEADER_FIELDS: &[(&str, usize, usize)] = &[
    ("name", 0, 100),
    ("mode", 100, 8),
    ("uid", 108, 8),
    ("gid", 116, 8),
    ("size", 124, 12),
    ("mtime", 136, 12),
    ("chksum", 148, 8),
    ("typeflag", 156, 1),
    ("linkname", 157, 100),
    ("magic", 257, 6),
    ("version", 263, 2),
    ("uname", 265, 32),
    ("gname", 297, 32),
    ("devmajor", 329, 8),
    ("devminor", 337, 8),
    ("rest", 345, 167),
];

/// A number in a tar header field: octal digits, optionally space- or NUL-padded.
pub(crate) fn parse_octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?.trim_matches(|c| c == ' ' || c == '\0');
    u64::from_str_radix(text, 8).ok()
}
