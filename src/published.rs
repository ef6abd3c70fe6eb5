//! A published `.crate` as one run reads it (`READ-ONCE`): the file is opened once, and its
//! sha256, its first entries and the whole archive are each read at most once, when first
//! needed, however many steps (checksum, discovery, content search, rebuild, comparison) ask.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::archive::read::{self, ArchivedEntry, CrateFile, FileError, Limits};
use crate::manifest::Identity;
use crate::plan::VCS_INFO_FILE;

/// Why the crate could not be read; kept, so that every step that asks hears the same answer.
pub type Error = Arc<FileError>;

/// The entries discovery and the rebuild start from: cargo writes them first (`ARC-ORDER`).
const HEAD: [&str; 3] = [VCS_INFO_FILE, "Cargo.toml", "Cargo.toml.orig"];

/// A published `.crate` file, open.
#[derive(Debug)]
pub struct Published {
    path: PathBuf,
    /// `None` for a crate read whole already ([`Published::read_already`]).
    file: Option<File>,
    size: u64,
    limits: Limits,
    sha256: OnceLock<Result<String, Error>>,
    head: OnceLock<Result<Vec<ArchivedEntry>, Error>>,
    whole: OnceLock<Result<CrateFile, Error>>,
    identity: OnceLock<Identity>,
}

impl Published {
    /// Opens the `.crate` at `path`, to be read within `limits` (`READ-LIMITS`).
    pub fn open(path: &Path, limits: Limits) -> Result<Published, FileError> {
        let error = |e| FileError { path: path.to_owned(), source: read::Error::Open(e) };
        let file = File::open(path).map_err(error)?;
        let size = file.metadata().map_err(error)?.len();
        let (sha256, head, whole, identity) = (OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new());
        Ok(Published { path: path.to_owned(), file: Some(file), size, limits, sha256, head, whole, identity })
    }

    /// The crate at `path`, read whole already (as checking an envelope reads it).
    pub fn read_already(path: &Path, whole: CrateFile) -> Published {
        let (size, whole) = (whole.compressed_size, OnceLock::from(Ok(whole)));
        let (sha256, head, identity, limits) = (OnceLock::new(), OnceLock::new(), OnceLock::new(), Limits::default());
        Published { path: path.to_owned(), file: None, size, limits, sha256, head, whole, identity }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sha256 of the file, hex: streamed without decompressing, unless the whole archive was
    /// read already.
    pub fn sha256(&self) -> Result<&str, Error> {
        if let Some(Ok(whole)) = self.whole.get() {
            return Ok(&whole.sha256);
        }
        let digest = self.sha256.get_or_init(|| {
            use sha2::Digest as _;
            let mut hasher = sha2::Sha256::new();
            io::copy(&mut self.reader(), &mut hasher).map_err(|e| self.error(read::Error::Open(e)))?;
            Ok(format!("{:x}", hasher.finalize()))
        });
        digest.as_deref().map_err(Arc::clone)
    }

    /// The archive's first entries, up to its `.cargo_vcs_info.json`, `Cargo.toml` and
    /// `Cargo.toml.orig` (all of them when one is missing): the whole archive's, when it was read.
    pub fn head(&self) -> Result<&[ArchivedEntry], Error> {
        if let Some(Ok(whole)) = self.whole.get() {
            return Ok(&whole.entries);
        }
        let head = self.head.get_or_init(|| {
            let bounds = self.limits.bounds(self.size);
            read::head(self.reader(), &HEAD, bounds).map_err(|e| self.error(e))
        });
        head.as_deref().map_err(Arc::clone)
    }

    /// The whole archive, every entry digested (`READ-*`).
    pub fn whole(&self) -> Result<&CrateFile, Error> {
        let whole = self.whole.get_or_init(|| {
            let bounds = self.limits.bounds(self.size);
            read::read(self.reader(), bounds).map_err(|e| self.error(e))
        });
        whole.as_ref().map_err(Arc::clone)
    }

    /// The whole archive, read now if it was not.
    pub fn into_whole(self) -> Result<CrateFile, Error> {
        self.whole()?;
        self.whole.into_inner().expect("read above")
    }

    /// The package's name, version and `repository`, as its `Cargo.toml` says them (parsed once).
    pub fn identity(&self) -> Result<&Identity, Error> {
        let head = self.head()?;
        Ok(self.identity.get_or_init(|| {
            let manifest = head.iter().find(|e| e.rel_path() == "Cargo.toml");
            manifest.and_then(|e| e.text.as_deref()).map(Identity::of).unwrap_or_default()
        }))
    }

    /// The file from its start, through the one open handle.
    fn reader(&self) -> impl Read + '_ {
        let file = self.file.as_ref().expect("a crate read already is never read again");
        At { file, offset: 0 }
    }

    fn error(&self, source: read::Error) -> Error {
        Arc::new(FileError { path: self.path.clone(), source })
    }
}

/// Reads `file` from `offset` on without moving its cursor, so that the head and the whole
/// archive can be read at once from two threads.
struct At<'a> {
    file: &'a File,
    offset: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let read = std::os::unix::fs::FileExt::read_at(self.file, buf, self.offset)?;
        #[cfg(windows)]
        let read = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.offset)?;
        self.offset += read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate(dir: &Path) -> PathBuf {
        let mut bytes = Vec::new();
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(&mut bytes, Default::default()));
        for (path, data) in
            [("c-1.0.0/Cargo.toml", "[package]\nname = \"c\"\nversion = \"1.0.0\"\n"), ("c-1.0.0/src/lib.rs", "")]
        {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, path, data.as_bytes()).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap();
        let path = dir.join("c-1.0.0.crate");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// READ-ONCE: each part is read once and agrees with a plain read of the file.
    #[test]
    fn read_once_parts_agree_with_a_full_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = krate(dir.path());
        let expected = read::read_file(&path, &Limits::default()).unwrap();
        let published = Published::open(&path, Limits::default()).unwrap();
        assert_eq!(published.sha256().unwrap(), expected.sha256);
        assert_eq!(published.identity().unwrap().name, "c");
        // No `.cargo_vcs_info.json`: the head is every entry.
        assert_eq!(published.head().unwrap().len(), 2);
        assert_eq!(published.whole().unwrap().entries.len(), 2);
        assert!(published.head.get().is_some() && published.sha256.get().is_some());
        let whole = published.into_whole().unwrap();
        assert_eq!((whole.sha256, whole.compressed_size), (expected.sha256, expected.compressed_size));
    }

    /// A damaged file is one error, named by path, for every step that asks.
    #[test]
    fn read_once_keeps_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.crate");
        std::fs::write(&path, b"not gzip").unwrap();
        let published = Published::open(&path, Limits::default()).unwrap();
        assert!(published.sha256().is_ok(), "a digest needs no archive");
        let (first, again) = (published.whole().unwrap_err(), published.whole().unwrap_err());
        assert!(Arc::ptr_eq(&first, &again));
        assert!(first.to_string().contains("bad.crate"), "{first}");
    }
}
