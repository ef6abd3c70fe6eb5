//! The `.crate` format: a gzip stream around a GNU tar stream. [`write`] writes it byte for byte
//! as cargo 1.95 does; [`read()`](read::read) reads one as hostile input.
//!
//! The writer decides nothing: order, paths and modes come from the [`Plan`]. It uses the same
//! `tar` and `flate2` (zlib-rs backend, level 9) calls as cargo so that the bytes agree.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use flate2::{Compression, GzBuilder};
use tar::{EntryType, Header};

use crate::era::{self, Deflate, Headers, Profile, TarFormat};
use crate::plan::{Contents, Entry, Plan};
use gzip::RawDeflate;

pub mod entry;
mod gzip;
pub mod layout;
pub mod read;
mod zlib;

pub use crate::era::DETERMINISTIC_MTIME;

/// What writing an archive produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Number of entries, not counting `././@LongLink` records (as cargo counts them).
    pub files: usize,
    /// Sum of the entries' sizes (cargo's "uncompressed" figure, not the tar length).
    pub uncompressed_size: u64,
}

/// Failure to write an archive.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to open for archiving: `{}`", path.display())]
    Open { path: PathBuf, source: io::Error },
    #[error("`{}` changed size while it was being archived (expected {expected} bytes)", path.display())]
    Changed { path: PathBuf, expected: u64 },
    #[error("could not archive `{path}`")]
    Append { path: String, source: io::Error },
    #[error("could not finish the archive")]
    Finish(#[source] io::Error),
}

/// Writes `plan` as a gzip-compressed tar stream to `out` (spec: `ARC-*`), as cargo 1.95 does.
pub fn write(plan: &Plan, out: impl Write) -> Result<Outcome, Error> {
    write_as(plan, &era::CURRENT, out)
}

/// Writes `plan` as the cargo releases of `profile` did (`ERA-*`).
pub fn write_as(plan: &Plan, profile: &Profile, out: impl Write) -> Result<Outcome, Error> {
    write_recorded(plan, profile, &Recorded::new(), out)
}

/// ERA-RECORDED: [`write_as`], the times, modes and owners of a profile that took them from the
/// publisher's machine filled in from `recorded`.
pub fn write_recorded(plan: &Plan, profile: &Profile, recorded: &Recorded, out: impl Write) -> Result<Outcome, Error> {
    let name = plan.file_name();
    match profile.deflate {
        Deflate::ZlibRs063 => {
            let encoder = GzBuilder::new().filename(name.into_bytes()).write(out, Compression::best());
            let (outcome, encoder) = write_tar(plan, profile, recorded, encoder)?;
            encoder.finish().map_err(Error::Finish)?;
            Ok(outcome)
        }
        Deflate::ZlibRs => write_gzip(plan, profile, recorded, out, gzip::ZlibRs05::new()),
        Deflate::Zlib => write_gzip(plan, profile, recorded, out, zlib::Zlib::new().map_err(Error::Finish)?),
    }
}

/// ERA-RECORDED: the header fields a published archive holds for one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedHeader {
    pub mode: u64,
    pub uid: u64,
    pub gid: u64,
    pub mtime: u64,
}

/// ERA-RECORDED: the recorded header fields of a published archive's entries, by path in the
/// package.
pub type Recorded = BTreeMap<String, RecordedHeader>;

/// ERA-RECORDED: what the entries of a published archive record.
pub fn recorded(entries: &[entry::ArchivedEntry]) -> Recorded {
    let header = |e: &entry::ArchivedEntry| {
        let number = |name| e.header_number(name).unwrap_or(0);
        RecordedHeader { mode: number("mode"), uid: number("uid"), gid: number("gid"), mtime: number("mtime") }
    };
    entries.iter().map(|e| (e.rel_path().to_owned(), header(e))).collect()
}

/// [`write_recorded`] with a deflate flate2 does not have.
fn write_gzip(
    plan: &Plan,
    profile: &Profile,
    recorded: &Recorded,
    out: impl Write,
    deflate: impl RawDeflate,
) -> Result<Outcome, Error> {
    let encoder = gzip::GzEncoder::new(out, &plan.file_name(), deflate).map_err(Error::Finish)?;
    let (outcome, encoder) = write_tar(plan, profile, recorded, encoder)?;
    encoder.finish().map_err(Error::Finish)?;
    Ok(outcome)
}

/// The tar stream of `plan` into `encoder`, which is returned to be finished.
fn write_tar<W: Write>(plan: &Plan, profile: &Profile, recorded: &Recorded, encoder: W) -> Result<(Outcome, W), Error> {
    let mut builder = tar::Builder::new(encoder);
    builder.sparse(false);

    let mut uncompressed_size = 0;
    for entry in &plan.entries {
        let path = plan.archive_path(entry);
        let mut header = header_for(entry, profile, recorded.get(entry.rel_str()));
        let appended = match &entry.contents {
            Contents::OnDisk { path: disk_path, size, .. } => {
                let file = File::open(disk_path).map_err(|source| Error::Open { path: disk_path.clone(), source })?;
                let mut reader = ExactReader { inner: file.take(*size), remaining: *size };
                builder.append_data(&mut header, &path, &mut reader).map_err(|source| {
                    if source.kind() == io::ErrorKind::UnexpectedEof {
                        Error::Changed { path: disk_path.clone(), expected: *size }
                    } else {
                        Error::Append { path: path.clone(), source }
                    }
                })
            }
            Contents::Generated { data, .. } => builder
                .append_data(&mut header, &path, data.as_slice())
                .map_err(|source| Error::Append { path: path.clone(), source }),
        };
        appended?;
        uncompressed_size += entry.size();
    }
    let encoder = builder.into_inner().map_err(Error::Finish)?;
    Ok((Outcome { files: plan.entries.len(), uncompressed_size }, encoder))
}

/// The GNU header of an entry, before its path is set (spec: `ARC-HEADER`).
///
/// Files from disk get what tar-rs's `HeaderMode::Deterministic` fills in (uid, gid and device
/// numbers written as octal zeros); generated files only get type, mode, size and mtime, so those
/// fields stay all-NUL. Cargo's output has this asymmetry and so must ours.
///
/// ERA-RECORDED: a profile of cargo 1.49 or earlier takes each entry's mode, owners and mtime as
/// `recorded` (from the published archive); UStar headers up to 1.45.
pub fn header_for(entry: &Entry, profile: &Profile, recorded: Option<&RecordedHeader>) -> Header {
    let recorded = match profile.headers {
        Headers::Recorded(_) => recorded,
        Headers::Deterministic => None,
    };
    let mut header = match profile.headers {
        Headers::Recorded(TarFormat::Ustar) => Header::new_ustar(),
        _ => Header::new_gnu(),
    };
    match &entry.contents {
        Contents::OnDisk { size, .. } => {
            header.set_mtime(recorded.map_or(profile.disk_mtime, |r| r.mtime));
            header.set_uid(recorded.map_or(0, |r| r.uid));
            header.set_gid(recorded.map_or(0, |r| r.gid));
            // ERA-WINDOWS-TAR: Windows has no executable bit.
            let mode = if profile.windows { 0o644 } else { entry.mode() };
            // ERA-RECORDED: a recorded mode only where it means the same (executable or not), so
            // that the rebuild still proves what the modes mean.
            let same_meaning = |r: &&RecordedHeader| (r.mode & 0o100 != 0) == (mode & 0o100 != 0);
            header.set_mode(recorded.filter(same_meaning).map_or(mode, |r| r.mode as u32));
            header.set_entry_type(EntryType::file());
            header.set_size(*size);
            if let Some(gnu) = header.as_gnu_mut() {
                gnu.set_device_major(0);
                gnu.set_device_minor(0);
            }
            if let Some(ustar) = header.as_ustar_mut() {
                ustar.set_device_major(0);
                ustar.set_device_minor(0);
            }
        }
        Contents::Generated { data, .. } => {
            header.set_entry_type(EntryType::file());
            header.set_mode(entry.mode());
            header.set_size(data.len() as u64);
            header.set_mtime(recorded.map_or(profile.generated_mtime, |r| r.mtime));
        }
    }
    header.set_cksum();
    header
}

/// Reads exactly `remaining` bytes, failing with `UnexpectedEof` if the file got shorter, so a
/// file that changes under us never produces a corrupt archive.
struct ExactReader<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.remaining > 0 && !buf.is_empty() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Formats a byte count as cargo does in its `Packaged` status line (`12.3KiB`).
pub struct HumanBytes(pub u64);

impl std::fmt::Display for HumanBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        // f32 on purpose: cargo computes in f32, and the rounding must agree.
        let bytes = self.0 as f32;
        let i = ((bytes.log2() / 10.0) as usize).min(UNITS.len() - 1);
        let size = bytes / 1024_f32.powi(i as i32);
        match f.precision() {
            Some(precision) if i > 0 => write!(f, "{size:.precision$}{}", UNITS[i]),
            _ => write!(f, "{size}{}", UNITS[i]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Generated;

    #[test]
    fn human_bytes_match_cargo() {
        assert_eq!(format!("{:.1}", HumanBytes(0)), "0B");
        assert_eq!(format!("{:.1}", HumanBytes(700)), "700B");
        assert_eq!(format!("{:.1}", HumanBytes(6656)), "6.5KiB");
        assert_eq!(format!("{:.1}", HumanBytes(3 * 1024 * 1024)), "3.0MiB");
    }

    /// ARC-HEADER: the generated-entry header of research experiment t1 (`Cargo.lock`, 153 bytes).
    #[test]
    fn arc_header_generated_fields_stay_nul() {
        let entry = Entry {
            rel_path: "Cargo.lock".into(),
            contents: Contents::Generated { kind: Generated::Lockfile, data: vec![b'x'; 0o231] },
        };
        let header = header_for(&entry, &era::CURRENT, None);
        let bytes = header.as_bytes();
        assert_eq!(&bytes[100..108], b"0000644\0");
        assert_eq!(&bytes[108..124], &[0u8; 16]);
        assert_eq!(&bytes[124..136], b"00000000231\0");
        assert_eq!(&bytes[136..148], b"10461020230\0");
        assert_eq!(&bytes[257..265], b"ustar  \0");
        assert_eq!(&bytes[329..345], &[0u8; 16]);
    }

    #[test]
    fn arc_header_on_disk_fields_are_octal_zeros() {
        let entry = Entry {
            rel_path: "src/lib.rs".into(),
            contents: Contents::OnDisk { path: "src/lib.rs".into(), size: 0o35, executable: true },
        };
        let bytes = *header_for(&entry, &era::CURRENT, None).as_bytes();
        assert_eq!(&bytes[100..108], b"0000755\0");
        let octal_zero = *b"0000000\x00";
        assert_eq!(&bytes[108..116], &octal_zero);
        assert_eq!(&bytes[116..124], &octal_zero);
        assert_eq!(&bytes[329..337], &octal_zero);
        assert_eq!(&bytes[337..345], &octal_zero);
    }

    /// ERA-RECORDED: a profile of cargo 1.41 takes the recorded times, owners and modes into UStar
    /// headers, a mode only where it means the same (executable or not); a deterministic profile
    /// ignores what is recorded.
    #[test]
    fn era_recorded_fields_and_mode_meaning() {
        let profile = era::ERAS[0].profile;
        assert_eq!((era::ERAS[0].first, era::ERAS[0].last), (37, 41));
        let entry = Entry {
            rel_path: "src/lib.rs".into(),
            contents: Contents::OnDisk { path: "src/lib.rs".into(), size: 3, executable: false },
        };
        let recorded = RecordedHeader { mode: 0o100664, uid: 501, gid: 20, mtime: 1_566_780_866 };
        let bytes = *header_for(&entry, &profile, Some(&recorded)).as_bytes();
        assert_eq!(&bytes[100..108], b"0100664\0");
        assert_eq!((&bytes[108..116], &bytes[116..124]), (&b"0000765\0"[..], &b"0000024\0"[..]));
        assert_eq!(&bytes[136..148], b"13530626702\0");
        assert_eq!(&bytes[257..265], b"ustar\x0000");
        let executable = RecordedHeader { mode: 0o100755, ..recorded };
        let bytes = *header_for(&entry, &profile, Some(&executable)).as_bytes();
        assert_eq!(&bytes[100..108], b"0000644\0", "an executable mode is not a plain file's");
        let bytes = *header_for(&entry, &era::CURRENT, Some(&recorded)).as_bytes();
        assert_eq!(&bytes[108..116], b"0000000\0");
    }
}
