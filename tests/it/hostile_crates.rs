//! Hostile `.crate` files (spec: `READ-REFUSE`, `READ-LIMITS`) and the content digest
//! (`CNT-DIGEST`). Each test builds its archive in memory: tar headers are written byte by byte
//! where `tar::Builder` would refuse them, then gzipped with `flate2`.
//!
//! The tests for claimed sizes run in a child process with limited address space
//! ([`memory_limited!`]), so that allocating what an archive claims aborts instead of passing.

use crate::support;

use std::io::{self, Read};
use std::process::Command;
use std::time::{Duration, Instant};

use cargo_seal::archive::DETERMINISTIC_MTIME;
use cargo_seal::archive::read::{
    self, CrateFile, Error, Limits, MAX_ENTRIES, MAX_TEXT, MAX_TEXT_TOTAL, MIN_UNPACK_LIMIT, Refusal, Trailing,
    content_digest,
};
use cargo_seal::plan::{Contents, Entry, Generated, Plan};
use flate2::Compression;
use sha2::{Digest as _, Sha256};
use tar::{EntryType, Header};

const BASE: &str = "hostile-0.1.0";
const BLOCK: usize = 512;
/// Offsets of header fields written directly.
const NAME: usize = 0;
const MTIME: usize = 136;
const LINKNAME: usize = 157;
const MAGIC: usize = 257;
/// The name GNU tar gives a long-name record.
const LONG_LINK: &str = "././@LongLink";

// ---------------------------------------------------------------------------------------------
// Building archives

/// `BASE/<rel>`.
fn in_base(rel: &str) -> String {
    format!("{BASE}/{rel}")
}

/// Writes `bytes` into a header at `offset`, bypassing `tar`'s path checks, and re-checksums.
fn set_field(header: &mut Header, offset: usize, bytes: &[u8]) {
    header.as_mut_bytes()[offset..offset + bytes.len()].copy_from_slice(bytes);
    header.set_cksum();
}

/// A GNU header as cargo writes it (mode 644, deterministic mtime) with any bytes as its name.
fn header(path: &[u8], kind: EntryType, size: u64) -> Header {
    assert!(path.len() <= 100, "a header name holds 100 bytes; use Tar::long_name");
    let mut header = Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(0o644);
    header.set_size(size);
    header.set_mtime(DETERMINISTIC_MTIME);
    set_field(&mut header, NAME, path);
    header
}

/// The header of a GNU long-name record whose name claims `size` bytes.
fn long_name_header(size: u64) -> Header {
    header(LONG_LINK.as_bytes(), EntryType::GNULongName, size)
}

/// A tar stream assembled block by block.
#[derive(Default)]
struct Tar(Vec<u8>);

impl Tar {
    /// Appends `header` and `data`, zero-padded to a whole block.
    fn member(mut self, header: &Header, data: &[u8]) -> Self {
        self.0.extend_from_slice(header.as_bytes());
        self.0.extend_from_slice(data);
        self.0.resize(self.0.len().next_multiple_of(BLOCK), 0);
        self
    }

    /// Appends a regular file.
    fn file(self, path: &[u8], data: &[u8]) -> Self {
        self.member(&header(path, EntryType::Regular, data.len() as u64), data)
    }

    /// Appends an entry of type `kind` without data.
    fn special(self, path: &str, kind: EntryType) -> Self {
        self.member(&header(path.as_bytes(), kind, 0), &[])
    }

    /// Appends a GNU long-name record naming the next entry `path`.
    fn long_name(self, path: &str) -> Self {
        let name = [path.as_bytes(), b"\0"].concat();
        self.member(&long_name_header(name.len() as u64), &name)
    }

    /// Ends the stream with two zero blocks, as cargo does.
    fn finish(mut self) -> Vec<u8> {
        self.0.resize(self.0.len() + 2 * BLOCK, 0);
        self.0
    }
}

/// A tar stream holding a single regular file.
fn one_file(path: &[u8]) -> Vec<u8> {
    Tar::default().file(path, b"fn main() {}\n").finish()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    gzip_with(data, Compression::best())
}

fn gzip_with(data: &[u8], level: Compression) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    io::Write::write_all(&mut encoder, data).expect("compress");
    encoder.finish().expect("compress")
}

/// Compresses `tar` only as fast as it is read, so a reader that stops early costs nothing and
/// one that reads everything a claimed size promises takes long.
fn gzip_lazily(tar: impl Read) -> impl Read {
    flate2::read::GzEncoder::new(tar, Compression::best())
}

fn read_tar(tar: &[u8]) -> Result<CrateFile, Error> {
    read::read_bytes(&gzip(tar))
}

fn sha256_hex(data: &[u8]) -> String {
    format!("{:x}", Sha256::digest(data))
}

// ---------------------------------------------------------------------------------------------
// Checking outcomes

/// Asserts that `tar` is refused for `reason` with an error that names `path` (as shown: invalid
/// UTF-8 replaced, control characters escaped).
fn assert_refused(tar: &[u8], path: &str, reason: Refusal) {
    let err = read_tar(tar).expect_err("the archive must be refused");
    let message = err.to_string();
    assert!(message.contains(&format!("`{path}`")), "{message:?} must name `{path}`");
    assert!(!message.chars().any(char::is_control), "{message:?} must not contain control characters");
    match err {
        Error::Refused { path: refused, reason: actual } => assert_eq!((refused.as_str(), actual), (path, reason)),
        other => panic!("expected a refusal ({reason:?}) of `{path}`, got {other:?}"),
    }
}

/// Asserts that `tar` is refused as truncated, naming `path`.
fn assert_truncated(tar: &[u8], path: &str) {
    match read_tar(tar) {
        Err(err @ Error::Truncated { .. }) => {
            let message = err.to_string();
            assert!(message.contains(&format!("`{path}`")), "{message:?} must name `{path}`");
            assert!(!message.chars().any(char::is_control), "{message:?} must not contain control characters");
        }
        other => panic!("expected `{path}` to be truncated, got {other:?}"),
    }
}

/// What `tar::Archive`, which cargo unpacks `.crate` files with, reads from `tar`: the paths of
/// its entries, or an error.
fn tar_crate_paths(tar: &[u8]) -> Result<Vec<String>, String> {
    let mut archive = tar::Archive::new(tar);
    let entries = archive.entries().map_err(|e| e.to_string())?;
    entries
        .map(|e| e.map(|e| String::from_utf8_lossy(&e.path_bytes()).into_owned()).map_err(|e| e.to_string()))
        .collect()
}

/// Asserts that `read` refuses `tar` or reads the same files from it as `tar::Archive` does.
fn assert_agrees_with_tar_crate(tar: &[u8]) {
    if let Ok(file) = read_tar(tar) {
        let paths: Vec<String> = file.entries.iter().map(|e| e.path.clone()).collect();
        assert_eq!(tar_crate_paths(tar), Ok(paths), "`read` accepts other files than `tar::Archive` reads");
    }
}

/// Asserts that `input` is not read as a gzip-compressed tar stream at all.
fn assert_unreadable(input: &[u8]) {
    match read::read_bytes(input) {
        Err(Error::Read { .. }) => {}
        other => panic!("expected Error::Read, got {other:?}"),
    }
}

/// Asserts that `tar` reads as one file `path` and returns what was read.
fn read_one_file(tar: &[u8], path: &str) -> CrateFile {
    let file = read_tar(tar).expect("the archive must be accepted");
    let paths: Vec<&str> = file.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, [path]);
    file
}

/// Address space for the tests of claimed sizes: far below what they claim (1 GiB, 8 GiB,
/// 128 MiB), four times what the test binary needs to read them as a stream (under 16 MiB).
const MEMORY_LIMIT_KIB: u64 = 64 * 1024;

/// Runs the `#[ignore]`d test `name` of this binary alone, in a child process whose address space
/// is limited with `ulimit -v`, so that allocating a claimed size aborts it.
fn run_with_memory_limit(name: &str) {
    let exe = std::env::current_exe().expect("path of the test binary");
    // The test's full name: this module's path below the binary's root, then `name`.
    let module = module_path!().split_once("::").map_or("", |(_, module)| module);
    let name = format!("{module}::{name}");
    let output = Command::new("sh")
        .args(["-c", r#"ulimit -v "$1" && exec "$0" --ignored --exact "$2" --test-threads=1"#])
        .arg(exe)
        .arg(MEMORY_LIMIT_KIB.to_string())
        .arg(&name)
        .output()
        .expect("run sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "`{name}` with {MEMORY_LIMIT_KIB} KiB of address space: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
    );
}

/// A test whose body runs in a memory-limited child process: `<name>::limited` runs
/// `<name>::body`, which is ignored when the tests run normally.
macro_rules! memory_limited {
    ($(#[doc = $doc:literal])* fn $name:ident() $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            use super::*;

            #[test]
            fn limited() {
                run_with_memory_limit(concat!(stringify!($name), "::body"));
            }

            #[test]
            #[ignore = "run by `limited` with limited memory"]
            fn body() $body
        }
    };
}

// ---------------------------------------------------------------------------------------------
// READ-REFUSE: entry types

#[test]
fn read_refuse_symlink() {
    let path = in_base("link");
    let mut link = header(path.as_bytes(), EntryType::Symlink, 0);
    set_field(&mut link, LINKNAME, b"/etc/passwd");
    assert_refused(&Tar::default().member(&link, &[]).finish(), &path, Refusal::Link('2'));
}

#[test]
fn read_refuse_hard_link() {
    let path = in_base("src/lib.rs");
    let mut link = header(path.as_bytes(), EntryType::Link, 0);
    set_field(&mut link, LINKNAME, in_base("Cargo.toml").as_bytes());
    let tar = Tar::default().file(in_base("Cargo.toml").as_bytes(), b"[package]\n").member(&link, &[]).finish();
    assert_refused(&tar, &path, Refusal::Link('1'));
}

#[test]
fn read_refuse_directory() {
    let path = in_base("src/");
    assert_refused(&Tar::default().special(&path, EntryType::Directory).finish(), &path, Refusal::Special('5'));
}

#[test]
fn read_refuse_character_device() {
    let path = in_base("tty");
    assert_refused(&Tar::default().special(&path, EntryType::Char).finish(), &path, Refusal::Special('3'));
}

#[test]
fn read_refuse_other_entry_types() {
    let cases = [
        (EntryType::Block, Refusal::Special('4')),
        (EntryType::Fifo, Refusal::Special('6')),
        (EntryType::GNULongLink, Refusal::Link('K')),
        (EntryType::Continuous, Refusal::Unsupported('7')),
        (EntryType::XGlobalHeader, Refusal::Unsupported('g')),
        (EntryType::GNUSparse, Refusal::Unsupported('S')),
        (EntryType::new(b'V'), Refusal::Unsupported('V')),
    ];
    let path = in_base("special");
    for (kind, reason) in cases {
        assert_refused(&Tar::default().special(&path, kind).finish(), &path, reason);
    }
}

#[test]
fn read_refuse_pax_header() {
    // A PAX record that would rename the next entry: `<length> path=<value>\n`.
    let record = b"20 path=/etc/passwd\n";
    let path = in_base("PaxHeaders.0/lib.rs");
    let pax = header(path.as_bytes(), EntryType::XHeader, record.len() as u64);
    let tar = Tar::default().member(&pax, record).file(in_base("src/lib.rs").as_bytes(), b"").finish();
    assert_refused(&tar, &path, Refusal::Unsupported('x'));
}

// ---------------------------------------------------------------------------------------------
// READ-REFUSE: paths

#[test]
fn read_refuse_parent_component() {
    for path in [in_base("../../.bashrc"), "../evil.rs".to_owned(), in_base("src/..")] {
        assert_refused(&one_file(path.as_bytes()), &path, Refusal::NotNormal);
    }
}

#[test]
fn read_refuse_absolute_path() {
    for path in ["/etc/passwd".to_owned(), format!("/{BASE}/src/lib.rs")] {
        assert_refused(&one_file(path.as_bytes()), &path, Refusal::Absolute);
    }
}

#[test]
fn read_refuse_dot_and_empty_components() {
    for path in
        [format!("./{BASE}/lib.rs"), in_base("./lib.rs"), in_base("src//lib.rs"), in_base("src/"), String::new()]
    {
        assert_refused(&one_file(path.as_bytes()), &path, Refusal::NotNormal);
    }
}

#[test]
fn read_refuse_non_utf8_path() {
    let path = [in_base("caf").as_bytes(), b"\xe9.rs"].concat();
    assert_refused(&one_file(&path), &in_base("caf\u{fffd}.rs"), Refusal::NotUtf8);
}

#[test]
fn read_refuse_control_characters() {
    for (path, shown) in
        [("a\nb.rs", r"a\nb.rs"), ("\x1b[2Jclear.rs", r"\u{1b}[2Jclear.rs"), ("del\x7f.rs", r"del\u{7f}.rs")]
    {
        assert_refused(&one_file(in_base(path).as_bytes()), &in_base(shown), Refusal::Control);
    }
}

#[test]
fn read_refuse_duplicate_path() {
    let path = in_base("src/lib.rs");
    let twice = Tar::default().file(path.as_bytes(), b"one").file(path.as_bytes(), b"two").finish();
    assert_refused(&twice, &path, Refusal::Duplicate);
    // The same path once in a header and once in a long-name record.
    let long_then_short =
        Tar::default().long_name(&path).file(b"ignored", b"one").file(path.as_bytes(), b"two").finish();
    assert_refused(&long_then_short, &path, Refusal::Duplicate);
}

#[test]
fn read_refuse_path_checks_apply_to_long_names() {
    let path = in_base(&format!("{}/../../etc/passwd", "d".repeat(100)));
    let tar = Tar::default().long_name(&path).file(b"harmless.rs", b"").finish();
    assert_refused(&tar, &path, Refusal::NotNormal);
}

#[test]
fn read_refuse_bad_header_checksum() {
    let mut tar = one_file(in_base("lib.rs").as_bytes());
    tar[MTIME] ^= 1;
    assert_unreadable(&gzip(&tar));
}

#[test]
fn read_refuse_long_name_without_entry() {
    let path = in_base("orphan.rs");
    assert_truncated(&Tar::default().long_name(&path).finish(), &path);
}

// ---------------------------------------------------------------------------------------------
// READ-LIMITS

memory_limited! {
    /// A long-name record claiming 1 GiB, followed by 1 GiB of name, is refused from its header:
    /// quickly and without allocating (reading the name would compress and inflate 1 GiB).
    fn read_limits_long_name_claiming_1_gib() {
        const CLAIMED: u64 = 1 << 30;
        let tar = io::Cursor::new(long_name_header(CLAIMED).as_bytes().to_vec()).chain(io::repeat(b'a').take(CLAIMED));
        let start = Instant::now();
        let err = read::read(gzip_lazily(tar), Limits::default().bounds(0)).expect_err("the long name must be refused");
        let elapsed = start.elapsed();
        assert!(err.to_string().contains(&format!("`{}...`", "a".repeat(100))), "{err} must show the path's start");
        assert!(matches!(err, Error::Refused { reason: Refusal::LongName(4096), .. }), "{err:?}");
        assert!(elapsed < Duration::from_millis(500), "refusing took {elapsed:?}");
    }
}

memory_limited! {
    /// A file whose header claims 100 MiB but whose data stops after 1 MiB is truncated, and its
    /// claimed size is never allocated.
    fn read_limits_claimed_size_beyond_data_is_truncated() {
        let path = in_base("huge.bin");
        let mut tar = header(path.as_bytes(), EntryType::Regular, 100 << 20).as_bytes().to_vec();
        tar.resize(tar.len() + (1 << 20), b'x');
        let err = read_tar(&tar).expect_err("the archive must be refused");
        assert!(err.to_string().contains(&format!("`{path}`")), "{err} must name `{path}`");
        assert!(matches!(&err, Error::Truncated { path: p } if *p == path), "{err:?}");
    }
}

memory_limited! {
    /// A 4 GiB entry of zeros: refused from its header, as cargo refuses to unpack more than
    /// 512 MiB (or 20 times the compressed size), before any of it is inflated.
    fn read_limits_4_gib_bomb_ends_at_once() {
        const SIZE: u64 = 4 << 30;
        let path = in_base("bomb.bin");
        let head = header(path.as_bytes(), EntryType::Regular, SIZE).as_bytes().to_vec();
        let tar = io::Cursor::new(head).chain(io::repeat(0).take(SIZE));
        let start = Instant::now();
        let err = read::read(gzip_lazily(tar), Limits::default().bounds(4 << 20)).expect_err("a bomb");
        assert!(matches!(&err, Error::TooLarge { path: p, limit: MIN_UNPACK_LIMIT } if *p == path), "{err:?}");
        assert!(err.to_string().contains("--max-unpacked"), "{err} must name the flag");
        assert!(start.elapsed() < Duration::from_secs(2), "refusing took {:?}", start.elapsed());
    }
}

#[test]
fn read_limits_unpacked_size_adds_up_and_can_be_raised() {
    let tar = Tar::default()
        .file(in_base("a.bin").as_bytes(), &[0; 1000])
        .file(in_base("b.bin").as_bytes(), &[0; 1000])
        .file(in_base("c.bin").as_bytes(), &[0; 1000])
        .finish();
    let gz = gzip(&tar);
    let bounds = |unpacked| Limits { unpacked: Some(unpacked), ..Limits::default() }.bounds(gz.len() as u64);
    match read::read(gz.as_slice(), bounds(2500)) {
        Err(Error::TooLarge { path, limit: 2500 }) => assert_eq!(path, in_base("c.bin")),
        other => panic!("expected the third entry to pass the limit, got {other:?}"),
    }
    assert_eq!(read::read(gz.as_slice(), bounds(3000)).expect("within the limit").entries.len(), 3);
    // Cargo's bound: 512 MiB, or 20 times the compressed size.
    assert_eq!(Limits::default().bounds(1 << 20).unpacked, MIN_UNPACK_LIMIT);
    assert_eq!(Limits::default().bounds(100 << 20).unpacked, 2000 << 20);
}

#[test]
fn read_limits_entries_and_path_length_can_be_raised() {
    let tar = (0..11).fold(Tar::default(), |tar, i| tar.file(in_base(&format!("{i}.rs")).as_bytes(), b"")).finish();
    let gz = gzip(&tar);
    let entries = |n| Limits { entries: Some(n), ..Limits::default() }.bounds(gz.len() as u64);
    let err = read::read(gz.as_slice(), entries(10)).expect_err("11 entries");
    assert!(matches!(err, Error::TooManyEntries { entries: 10, .. }) && err.to_string().contains("--max-entries"));
    assert_eq!(read::read(gz.as_slice(), entries(11)).expect("within the limit").entries.len(), 11);

    let long = in_base(&format!("{}.rs", "d/".repeat(150)));
    let gz = gzip(&Tar::default().long_name(&long).file(b"x", b"").finish());
    let path_len = |n| Limits { path_len: Some(n), ..Limits::default() }.bounds(gz.len() as u64);
    let err = read::read(gz.as_slice(), path_len(200)).expect_err("a 300-byte path");
    assert!(matches!(err, Error::Refused { reason: Refusal::LongName(200), .. }), "{err:?}");
    assert!(err.to_string().contains("--max-path-len"), "{err}");
    assert_eq!(read::read(gz.as_slice(), path_len(400)).expect("within the limit").entries[0].path, long);
}

memory_limited! {
    /// 128 MiB of zeros (128 KiB compressed) read as one file, with bounded memory.
    fn read_limits_gzip_bomb_is_streamed() {
        const SIZE: u64 = 128 << 20;
        let path = in_base("zeros.bin");
        let head = header(path.as_bytes(), EntryType::Regular, SIZE).as_bytes().to_vec();
        let tar = io::Cursor::new(head).chain(io::repeat(0).take(SIZE)).chain(io::repeat(0).take(2 * BLOCK as u64));
        let file = read::read(gzip_lazily(tar), Limits::default().bounds(0)).expect("the archive must be accepted");
        assert!(file.compressed_size < SIZE / 500, "not a bomb: {} compressed bytes", file.compressed_size);
        assert_eq!(file.tar_size, SIZE + 3 * BLOCK as u64);
        let [entry] = file.entries.as_slice() else { panic!("expected one entry, got {:?}", file.entries) };
        assert_eq!((entry.path.as_str(), entry.size, entry.text.as_deref()), (path.as_str(), SIZE, None));
        assert!(file.anomalies.is_empty(), "{:?}", file.anomalies);
    }
}

#[test]
fn read_limits_text_is_kept_up_to_max_text_and_max_text_total() {
    let small = vec![b'a'; MAX_TEXT as usize];
    let tar = Tar::default()
        .file(in_base("max.txt").as_bytes(), &small)
        .file(in_base("over.txt").as_bytes(), &[small.as_slice(), b"a"].concat())
        .file(in_base("binary.bin").as_bytes(), b"\xff\xfe")
        .finish();
    let file = read_tar(&tar).expect("the archive must be accepted");
    let kept: Vec<Option<usize>> = file.entries.iter().map(|e| e.text.as_ref().map(String::len)).collect();
    assert_eq!(kept, [Some(MAX_TEXT as usize), None, None]);

    // Once MAX_TEXT_TOTAL bytes are kept, no more text is.
    let files = MAX_TEXT_TOTAL / MAX_TEXT as usize + 1;
    let tar = (0..files).fold(Tar::default(), |tar, i| tar.file(in_base(&format!("{i}.txt")).as_bytes(), &small));
    let file = read_tar(&tar.finish()).expect("the archive must be accepted");
    let with_text = file.entries.iter().filter(|e| e.text.is_some()).count();
    assert_eq!((file.entries.len(), with_text), (files, files - 1));
}

#[test]
fn read_limits_too_many_entries() {
    let tar = (0..=MAX_ENTRIES).fold(Tar::default(), |tar, i| tar.file(format!("{i}").as_bytes(), b"")).finish();
    match read::read_bytes(&gzip_with(&tar, Compression::fast())) {
        Err(Error::TooManyEntries { entries: MAX_ENTRIES, .. }) => {}
        other => panic!("expected TooManyEntries, got {:?}", other.map(|f| f.entries.len())),
    }
}

// ---------------------------------------------------------------------------------------------
// The gzip layer and the end of the tar stream

#[test]
fn read_refuse_not_gzip() {
    assert_unreadable(b"this is not a gzip stream, only text");
    assert_unreadable(&one_file(in_base("lib.rs").as_bytes()));
}

/// A damaged download names where the damage is: the entry whose data it cuts, the entry after
/// which a header is bad, or the gzip checksum after the last entry.
#[test]
fn read_corrupt_archives_name_the_place() {
    // Incompressible, so that half the gzip stream ends inside this entry's data.
    let noise: Vec<u8> = (0u32..8000).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let tar = Tar::default().file(in_base("a.rs").as_bytes(), &noise).file(in_base("b.rs").as_bytes(), b"b").finish();
    let place = |input: &[u8]| match read::read_bytes(input) {
        Err(Error::Read { place, .. }) => place,
        other => panic!("expected Error::Read, got {other:?}"),
    };
    let gz = gzip(&tar);
    // A download cut short, inside the first entry's data.
    assert_eq!(place(&gz[..gz.len() / 2]), read::Place::Entry(in_base("a.rs")));
    // The second header's checksum broken (8000 bytes of data take 16 blocks).
    let mut bad_header = tar.clone();
    bad_header[BLOCK * 17 + 148] ^= 1;
    assert_eq!(place(&gzip(&bad_header)), read::Place::After(in_base("a.rs")));
    // The gzip trailer's CRC broken.
    let mut bad_crc = gz.clone();
    let at = bad_crc.len() - 8;
    bad_crc[at] ^= 0xff;
    assert_eq!(place(&bad_crc), read::Place::End);
    let message = read::read_bytes(&bad_crc).unwrap_err().to_string();
    assert!(message.contains("after the last entry"), "{message}");
}

#[test]
fn read_refuse_empty_input() {
    assert_unreadable(b"");
}

#[test]
fn read_trailing_garbage_after_gzip_is_an_anomaly() {
    let tar = one_file(in_base("lib.rs").as_bytes());
    let input = [gzip(&tar).as_slice(), b"garbage"].concat();
    let file = read::read_bytes(&input).expect("the archive must be accepted");
    assert_eq!(file.entries.len(), 1);
    let offset = input.len() - 7;
    assert_eq!(file.anomalies, [format!("7 bytes follow the gzip stream at byte {offset}, which cargo ignores")]);
    assert_eq!(file.trailing, Some(Trailing { offset: offset as u64, length: 7, gzip_member: false }));
    assert_eq!((file.compressed_size, file.sha256), (input.len() as u64, sha256_hex(&input)));
    assert_eq!((file.tar_size, file.tar_sha256), (tar.len() as u64, sha256_hex(&tar)));
}

#[test]
fn read_trailing_second_gzip_member_is_named() {
    let first = gzip(&one_file(in_base("lib.rs").as_bytes()));
    let second = gzip(&one_file(in_base("evil.rs").as_bytes()));
    let file = read::read_bytes(&[first.as_slice(), &second].concat()).expect("cargo reads the first member");
    let trailing = Trailing { offset: first.len() as u64, length: second.len() as u64, gzip_member: true };
    assert_eq!(file.trailing, Some(trailing));
    assert!(file.anomalies[0].starts_with("a second gzip member starts at byte"), "{:?}", file.anomalies);
    assert_eq!(file.entries.len(), 1, "only the first member is read, as by cargo");
    assert!(file.has_hostile_findings());
}

#[test]
fn read_prefix_entries_outside_the_one_directory_are_named() {
    let manifest = "[package]\nname = \"hostile\"\nversion = \"0.1.0\"\n";
    let tar = Tar::default()
        .file(in_base("Cargo.toml").as_bytes(), manifest.as_bytes())
        .file(b"other-9.9.9/src/lib.rs", b"")
        .file(b"top.rs", b"")
        .finish();
    let file = read_tar(&tar).expect("accepted, with findings");
    assert_eq!(
        file.prefix_problems,
        ["entries `other-9.9.9/src/lib.rs`, `top.rs`: outside `hostile-0.1.0/`, the archive's one directory"]
    );
    // A directory its manifest does not name, and one without a manifest.
    let tar = Tar::default().file(b"evil-0.2.0/Cargo.toml", manifest.as_bytes()).finish();
    assert_eq!(
        read_tar(&tar).expect("accepted").prefix_problems,
        ["the archive's directory `evil-0.2.0/` is not `hostile-0.1.0/`, as its Cargo.toml names the package"]
    );
    let tar = Tar::default().file(in_base("src/lib.rs").as_bytes(), b"").finish();
    assert_eq!(read_tar(&tar).expect("accepted").prefix_problems, ["no `hostile-0.1.0/Cargo.toml`"]);
}

#[test]
fn read_portable_names_other_systems_read_otherwise() {
    let manifest = "[package]\nname = \"hostile\"\nversion = \"0.1.0\"\n";
    let tar = [
        "src/a\\b.rs",
        "src/c:d.rs",
        "src/what?.rs",
        "src/aux.rs",
        "src/Com1.txt",
        "src/trailing.",
        "src/Lib.rs",
        "src/lib.rs",
        "src/caf\u{e9}.rs",
        "src/cafe\u{301}.rs",
    ]
    .iter()
    .fold(Tar::default().file(in_base("Cargo.toml").as_bytes(), manifest.as_bytes()), |tar, rel| {
        tar.file(in_base(rel).as_bytes(), b"")
    })
    .finish();
    let file = read_tar(&tar).expect("accepted, with findings");
    assert!(file.prefix_problems.is_empty(), "{:?}", file.prefix_problems);
    let expected = [
        "entry `hostile-0.1.0/src/a\\b.rs`: a backslash in a name, a directory separator on Windows",
        "entry `hostile-0.1.0/src/what?.rs`: a character Windows does not allow in names (< > \" | ? *)",
        "entry `hostile-0.1.0/src/c:d.rs`: a colon in a name, a drive or stream separator on Windows",
        "entries `hostile-0.1.0/src/aux.rs`, `hostile-0.1.0/src/Com1.txt`: a name Windows reserves for a device \
         (CON, PRN, AUX, NUL, COM1, LPT1, ...)",
        "entry `hostile-0.1.0/src/trailing.`: a name ending in a dot or space, which Windows drops",
        "entries `hostile-0.1.0/src/Lib.rs`, `hostile-0.1.0/src/lib.rs`: the same path where case is ignored \
         (Windows, macOS)",
        "entries `hostile-0.1.0/src/caf\u{e9}.rs`, `hostile-0.1.0/src/cafe\u{301}.rs`: the same path on macOS, \
         which ignores Unicode normalization",
    ];
    assert_eq!(file.portability, expected);
}

#[test]
fn read_gnu_tar_record_padding_is_an_anomaly() {
    const RECORD: usize = 20 * BLOCK;
    let mut tar = one_file(in_base("lib.rs").as_bytes());
    tar.resize(RECORD, 0);
    let file = read_one_file(&tar, &in_base("lib.rs"));
    // One header, one data block, then the first zero block the reader stops at.
    let follow = RECORD - 3 * BLOCK;
    assert_eq!(
        file.anomalies,
        [format!("the tar stream does not end with exactly two zero blocks ({follow} bytes follow the first)")]
    );
}

// ---------------------------------------------------------------------------------------------
// A `.crate` written by `archive::write`, and CNT-DIGEST

/// A plan with generated files, one of them nested deep enough to need a GNU long-name record,
/// and an executable file on disk in `dir`.
fn sample_plan(dir: &std::path::Path) -> Plan {
    let generated = |rel: &str, kind, data: &str| Entry {
        rel_path: rel.into(),
        contents: Contents::Generated { kind, data: data.as_bytes().to_vec() },
    };
    let script = dir.join("build.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").expect("write script");
    let deep = format!("{}/Cargo.toml", ["nested"; 16].join("/"));
    assert!(in_base(&deep).len() > 100);
    let entries = vec![
        generated("Cargo.toml", Generated::Manifest, "[package]\nname = \"hostile\"\n"),
        generated("Cargo.lock", Generated::Lockfile, "version = 4\n"),
        generated(".cargo_vcs_info.json", Generated::VcsInfo, "{}\n"),
        generated(&deep, Generated::Manifest, "[package]\nname = \"deep\"\n"),
        Entry { rel_path: "build.sh".into(), contents: Contents::OnDisk { path: script, size: 17, executable: true } },
    ];
    Plan::new(BASE.to_owned(), entries)
}

fn data_of(entry: &Entry) -> Vec<u8> {
    match &entry.contents {
        Contents::Generated { data, .. } => data.clone(),
        Contents::OnDisk { path, .. } => std::fs::read(path).expect("read entry"),
    }
}

#[test]
fn read_round_trips_archive_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = sample_plan(dir.path());
    let mut bytes = Vec::new();
    cargo_seal::archive::write(&plan, &mut bytes).expect("write archive");
    let file = read::read_bytes(&bytes).expect("the archive must be accepted");

    let expected: Vec<_> = plan
        .entries
        .iter()
        .map(|e| {
            let path = plan.archive_path(e);
            let data = data_of(e);
            let text = String::from_utf8(data.clone()).ok();
            (path.len() > 100, path, e.size(), e.mode(), sha256_hex(&data), text)
        })
        .collect();
    let actual: Vec<_> = file
        .entries
        .iter()
        .map(|e| (e.long_name, e.path.clone(), e.size, e.mode, e.sha256.clone(), e.text.clone()))
        .collect();
    assert_eq!(actual, expected);
    assert!(actual.iter().any(|(long_name, ..)| *long_name) && actual.iter().any(|(.., mode, _, _)| *mode == 0o755));
    for entry in &file.entries {
        assert_eq!(entry.header_anomalies(), Vec::<&str>::new(), "{}", entry.path);
    }
    assert!(file.anomalies.is_empty(), "{:?}", file.anomalies);
    assert_eq!((file.gzip.filename.as_deref(), file.gzip.os), (Some(plan.file_name().as_str()), 255));
    assert_eq!((file.base_name(), file.gzip_anomalies()), (Some(BASE), Vec::<String>::new()));
    assert_eq!((file.compressed_size, file.sha256), (bytes.len() as u64, sha256_hex(&bytes)));
}

#[test]
fn cnt_digest_ignores_compression_order_and_headers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = sample_plan(dir.path());
    let mut cargo_like = Vec::new();
    cargo_seal::archive::write(&plan, &mut cargo_like).expect("write archive");
    let cargo_like = read::read_bytes(&cargo_like).expect("the archive must be accepted");

    // The same files in reverse order, with other header fields, compressed at level 1.
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), Compression::fast()));
    for entry in plan.entries.iter().rev() {
        let data = data_of(entry);
        let mut header = Header::new_gnu();
        header.set_mode(entry.mode());
        header.set_size(data.len() as u64);
        header.set_uid(1000);
        header.set_mtime(0);
        builder.append_data(&mut header, plan.archive_path(entry), data.as_slice()).expect("append");
    }
    let other = builder.into_inner().and_then(flate2::write::GzEncoder::finish).expect("finish");
    let other = read::read_bytes(&other).expect("the archive must be accepted");

    assert_ne!(other.tar_sha256, cargo_like.tar_sha256);
    assert_eq!(content_digest(&other.entries), content_digest(&cargo_like.entries));
    let mut reversed = cargo_like.entries.clone();
    reversed.reverse();
    assert_eq!(content_digest(&reversed), content_digest(&cargo_like.entries));

    // It does depend on modes and contents.
    let mut mode_changed = cargo_like.entries.clone();
    mode_changed[0].mode = 0o755;
    let mut data_changed = cargo_like.entries.clone();
    data_changed[0].sha256 = sha256_hex(b"other");
    for changed in [mode_changed, data_changed] {
        assert_ne!(content_digest(&changed), content_digest(&cargo_like.entries));
    }
}

// ---------------------------------------------------------------------------------------------
// Long-name records read as `tar::Archive` reads them.

#[test]
fn read_refuse_long_name_without_entry_escapes_it() {
    let path = in_base("a\nb.rs");
    assert_truncated(&Tar::default().long_name(&path).finish(), &in_base(r"a\nb.rs"));
}

#[test]
fn read_agrees_with_tar_crate_on_long_name_without_gnu_magic() {
    let name = [in_base("innocent.txt").as_bytes(), b"\0"].concat();
    let mut long_name = long_name_header(name.len() as u64);
    set_field(&mut long_name, MAGIC, &[0; 8]);
    let tar = Tar::default().member(&long_name, &name).file(in_base("build.rs").as_bytes(), b"fn main() {}").finish();
    assert_agrees_with_tar_crate(&tar);
}

#[test]
fn read_agrees_with_tar_crate_on_two_long_names() {
    let tar = Tar::default().long_name(&in_base("first.rs")).long_name(&in_base("second.rs")).file(b"x", b"").finish();
    assert_agrees_with_tar_crate(&tar);
}

// ---------------------------------------------------------------------------------------------
// Error messages and long names, as `tar::Archive` reads them.

#[test]
fn read_refuse_unknown_type_escapes_it() {
    let path = in_base("special");
    let tar = Tar::default().special(&path, EntryType::new(0x1b)).finish();
    assert_refused(&tar, &path, Refusal::Unsupported('\u{1b}'));
}

#[test]
fn read_agrees_with_tar_crate_on_trailing_nuls_of_a_long_name() {
    let name = [in_base("a.rs").as_bytes(), b"\0\0"].concat();
    let tar = Tar::default().member(&long_name_header(name.len() as u64), &name).file(b"x", b"").finish();
    assert_agrees_with_tar_crate(&tar);
}

// ---------------------------------------------------------------------------------------------
// The commands on hostile crates: `inspect`, `diff` and `verify` name the problem and exit 1 or
// 2, never panic, within 10 s and 256 MiB. Memory is the peak resident size GNU time reports for
// the command and the processes it waited for (`/usr/bin/time -f %M`; `.ci/run` installs it).

/// A package `hostile` 0.1.0 committed to a git repository with fixed names and dates, and its
/// `.crate` as cargo-seal packages it: the honest original each attack tampers with.
struct Honest {
    dir: tempfile::TempDir,
    /// The uncompressed tar stream without its two closing zero blocks.
    tar_body: Vec<u8>,
}

impl Honest {
    fn new() -> Honest {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("src")).expect("repo dir");
        let manifest = "[package]\nname = \"hostile\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                        license = \"MIT\"\ndescription = \"d\"\nrepository = \"https://example.com\"\n";
        std::fs::write(repo.join("Cargo.toml"), manifest).expect("manifest");
        std::fs::write(repo.join("src/lib.rs"), "pub fn f() {}\n").expect("lib.rs");
        support::git(&repo, &["init", "-q", "-b", "main"]);
        support::git(&repo, &["add", "."]);
        support::git(&repo, &["commit", "-q", "-m", "hostile"]);
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
            .args(["package", "--no-verify", "--offline", "--target-dir"])
            .arg(dir.path().join("target"))
            .current_dir(&repo)
            .output()
            .expect("run cargo-seal");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let gz = std::fs::read(Honest::crate_path(dir.path())).expect("the honest crate");
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut tar).expect("gunzip");
        tar.truncate(tar.len() - 2 * BLOCK);
        Honest { dir, tar_body: tar }
    }

    fn crate_path(dir: &std::path::Path) -> std::path::PathBuf {
        dir.join("target/package/hostile-0.1.0.crate")
    }

    fn gz(&self) -> Vec<u8> {
        std::fs::read(Honest::crate_path(self.dir.path())).expect("the honest crate")
    }

    /// The honest entries as `edit` makes them from each path and its data (`None` leaves the
    /// entry out), closed and compressed.
    fn rewritten(&self, edit: impl Fn(&str, Vec<u8>) -> Option<(String, Vec<u8>)>) -> Vec<u8> {
        let mut archive = tar::Archive::new(self.tar_body.as_slice());
        let mut tar = Tar::default();
        for entry in archive.entries().expect("honest entries") {
            let mut entry = entry.expect("an honest entry");
            let path = entry.path().expect("an honest path").to_string_lossy().into_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("honest data");
            if let Some((path, data)) = edit(&path, data) {
                tar = tar.file(path.as_bytes(), &data);
            }
        }
        gzip(&tar.finish())
    }

    /// The honest entries followed by `extra`, closed and compressed.
    fn with(&self, extra: Tar) -> Vec<u8> {
        let mut tar = self.tar_body.clone();
        tar.extend(extra.finish());
        gzip(&tar)
    }
}

/// What one command did with a hostile crate.
struct Outcome {
    code: i32,
    text: String,
    peak_kib: Option<u64>,
    elapsed: Duration,
}

/// Runs `cargo-seal <args>`, under GNU time when it is installed.
fn run_seal(args: &[&std::ffi::OsStr]) -> Outcome {
    let time = std::path::Path::new("/usr/bin/time");
    let mut command = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "peak-kib %M", env!("CARGO_BIN_EXE_cargo-seal")]);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
    };
    let start = Instant::now();
    let out = command.args(args).env("CARGO_TERM_COLOR", "never").output().expect("run cargo-seal");
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak_kib = stderr.lines().last().and_then(|l| l.strip_prefix("peak-kib ")).and_then(|n| n.trim().parse().ok());
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr);
    Outcome { code: out.status.code().unwrap_or(-1), text, peak_kib, elapsed }
}

#[test]
fn hostile_crates_are_named_by_inspect_diff_and_verify() {
    let honest = Honest::new();
    let dir = honest.dir.path();
    let big = header(in_base("bomb.bin").as_bytes(), EntryType::Regular, 4 << 30);
    let truncated = honest.gz()[..honest.gz().len() / 2].to_vec();
    let mut lying = honest.tar_body.clone();
    lying.extend(header(in_base("short.bin").as_bytes(), EntryType::Regular, 4096).as_bytes());
    lying.extend([b'x'; 100]);
    // Each attack, and what every command's output must name.
    let attacks: Vec<(&str, Vec<u8>, &str)> = vec![
        ("trailing", [honest.gz(), b"garbage".to_vec()].concat(), "bytes follow the gzip stream"),
        ("second-member", [honest.gz(), gzip(&one_file(b"evil-6.6.6/src/lib.rs"))].concat(), "second gzip member"),
        (
            "foreign-prefix",
            honest.with(Tar::default().file(b"other-9.9.9/src/lib.rs", b"")),
            "outside `hostile-0.1.0/`",
        ),
        (
            "windows-names",
            honest.with(Tar::default().file(in_base("src/aux.rs").as_bytes(), b"")),
            "reserves for a device",
        ),
        ("case-twins", honest.with(Tar::default().file(in_base("src/LIB.rs").as_bytes(), b"")), "case is ignored"),
        ("bomb", honest.with(Tar::default().member(&big, &[])), "--max-unpacked"),
        ("traversal", honest.with(Tar::default().file(in_base("../escape.rs").as_bytes(), b"")), "`..`"),
        ("absolute", honest.with(Tar::default().file(b"/etc/evil", b"")), "absolute path"),
        ("symlink", honest.with(Tar::default().special(&in_base("link"), EntryType::Symlink)), "is a link"),
        ("device", honest.with(Tar::default().special(&in_base("dev"), EntryType::Char)), "is a device"),
        ("duplicate", honest.with(Tar::default().file(in_base("src/lib.rs").as_bytes(), b"")), "appears twice"),
        ("non-utf8", honest.with(Tar::default().file(b"hostile-0.1.0/\xff.rs", b"")), "not valid UTF-8"),
        ("empty", Vec::new(), "not a readable gzip-compressed tar archive"),
        ("not-gzip", b"PK\x03\x04 a zip, not a crate".to_vec(), "not a readable gzip-compressed tar archive"),
        ("truncated", truncated, "not a readable gzip-compressed tar archive"),
        ("lying-size", gzip(&lying), "is truncated"),
        (
            "renamed-prefix",
            honest.rewritten(|path, data| Some((path.replacen("hostile-0.1.0", "evil-6.6.6", 1), data))),
            "is not `hostile-0.1.0/`",
        ),
        (
            "long-path",
            honest.with(Tar::default().long_name(&in_base(&"p/".repeat(2500))).file(b"x", b"")),
            "--max-path-len",
        ),
        (
            "two-long-names",
            honest.with(Tar::default().long_name(&in_base("a.rs")).long_name(&in_base("b.rs"))),
            "another one",
        ),
        (
            "control-character",
            honest.with(Tar::default().file(in_base("\x1b[2J.rs").as_bytes(), b"")),
            "control character",
        ),
        (
            "pax-header",
            honest.with(Tar::default().special(&in_base("PaxHeaders/x"), EntryType::XHeader)),
            "tar type `x`",
        ),
    ];
    let honest_crate = Honest::crate_path(dir);
    let repo = dir.join("repo");
    let mut report = String::new();
    let (mut slowest, mut largest) = (Duration::ZERO, 0);
    for (name, bytes, named) in &attacks {
        let path = dir.join(format!("{name}.crate"));
        std::fs::write(&path, bytes).expect("write the hostile crate");
        let runs: [(&str, Vec<&std::ffi::OsStr>); 3] = [
            ("inspect", vec!["inspect".as_ref(), path.as_os_str()]),
            ("diff", vec!["diff".as_ref(), honest_crate.as_os_str(), path.as_os_str()]),
            ("verify", vec!["verify".as_ref(), path.as_os_str(), "--repo".as_ref(), repo.as_os_str()]),
        ];
        for (command, args) in runs {
            let outcome = run_seal(&args);
            let what = format!("`{command}` on {name}");
            assert!(matches!(outcome.code, 1 | 2), "{what} exited {}:\n{}", outcome.code, outcome.text);
            assert!(outcome.text.contains(named), "{what} does not name {named:?}:\n{}", outcome.text);
            assert!(!outcome.text.contains("panicked"), "{what} panicked:\n{}", outcome.text);
            assert!(outcome.elapsed < Duration::from_secs(10), "{what} took {:?}", outcome.elapsed);
            if let Some(kib) = outcome.peak_kib {
                assert!(kib < 256 * 1024, "{what} peaked at {kib} KiB");
            }
            slowest = slowest.max(outcome.elapsed);
            largest = largest.max(outcome.peak_kib.unwrap_or(0));
            // What a user reads: the error, or the report's findings, with the paths made stable.
            let lines: Vec<&str> = outcome
                .text
                .lines()
                .filter(|l| l.starts_with("error") || l.contains(named) || l.starts_with("  "))
                // Not `inspect`'s listing of the entries.
                .filter(|l| !l.trim_start().starts_with("0644"))
                .collect();
            let shown = lines.join("\n").replace(&dir.display().to_string(), "<dir>");
            report.push_str(&format!("== {command} {name} (exit {})\n{shown}\n", outcome.code));
        }
    }
    eprintln!("{} attacks x 3 commands: slowest {slowest:?}, largest peak {largest} KiB", attacks.len());
    // What `verify` alone reads: the recorded commit.
    let vcs_info = |path: &str| path.ends_with(".cargo_vcs_info.json");
    for (name, bytes) in [
        (
            "garbled-vcs-info",
            honest.rewritten(|p, data| Some((p.to_owned(), if vcs_info(p) { b"{not json".to_vec() } else { data }))),
        ),
        ("no-vcs-info", honest.rewritten(|p, data| (!vcs_info(p)).then(|| (p.to_owned(), data)))),
    ] {
        let path = dir.join(format!("{name}.crate"));
        std::fs::write(&path, bytes).expect("write the crate");
        let outcome = run_seal(&["verify".as_ref(), path.as_os_str(), "--repo".as_ref(), repo.as_os_str()]);
        assert_eq!(outcome.code, 2, "{}", outcome.text);
        let error: Vec<&str> = outcome.text.lines().filter(|l| l.starts_with("error")).collect();
        report.push_str(&format!(
            "== verify {name} (exit 2)\n{}\n",
            error.join("\n").replace(&dir.display().to_string(), "<dir>")
        ));
    }
    // The entry limit, lowered so that the honest crate passes it.
    let outcome = run_seal(&["inspect".as_ref(), honest_crate.as_os_str(), "--max-entries".as_ref(), "3".as_ref()]);
    assert_eq!(outcome.code, 2, "{}", outcome.text);
    let from_time = |l: &&str| l.starts_with("peak-kib") || l.starts_with("Command exited");
    let error = outcome.text.lines().filter(|l| !from_time(l)).collect::<Vec<_>>().join("\n");
    report.push_str(&format!(
        "== inspect --max-entries 3 (exit 2)\n{}\n",
        error.replace(&dir.display().to_string(), "<dir>")
    ));
    insta::assert_snapshot!(report);
}
