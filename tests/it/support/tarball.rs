//! Reading `.crate` files at the byte level, and explaining how two of them differ.
//!
//! The parser walks the raw 512-byte tar headers itself instead of going through `tar::Archive`,
//! because a parity failure is usually *in* the bytes a tar reader normalizes away: the NUL vs
//! `"0000000\0"` uid fields of generated entries, a checksum written in another layout, a
//! `././@LongLink` block, or padding.

use std::fmt::Write as _;
use std::io::Read as _;

use sha2::{Digest as _, Sha256};

/// The fields of a GNU tar header, as the library's reader names them.
pub use cargo_seal::archive::read::HEADER_FIELDS;

/// Fields that hold octal numbers; their decoded value is printed next to the raw bytes.
const NUMERIC_FIELDS: &[&str] = &["mode", "uid", "gid", "size", "mtime", "chksum", "devmajor", "devminor"];

const BLOCK: usize = 512;

/// Payloads up to this size that are valid UTF-8 on both sides are printed in full on mismatch
/// (enough for any `Cargo.toml`, `Cargo.lock` or `.cargo_vcs_info.json` in the fixtures).
const MAX_TEXT_DIFF: usize = 16 * 1024;

/// One archive member: a regular file, plus the `././@LongLink` block that names it, if any.
pub struct Entry<'a> {
    /// Offset of the entry's first block (the long-name header, if there is one).
    pub offset: usize,
    /// Full path: the long-name payload when present, else the `name` field.
    pub path: String,
    /// The `L` header block announcing the long name, and its payload (NULs trimmed).
    pub long_link: Option<(&'a [u8], &'a [u8])>,
    /// The entry's own 512-byte header.
    pub header: &'a [u8],
    /// Exactly `size` bytes of content.
    pub data: &'a [u8],
    /// Every byte of the entry, long-name blocks and zero padding included.
    pub raw: &'a [u8],
}

impl Entry<'_> {
    /// The mode bits recorded in the header.
    pub fn mode(&self) -> u64 {
        parse_octal(&self.header[100..108]).unwrap_or(u64::MAX)
    }
}

/// A parsed tar stream.
pub struct Tar<'a> {
    pub entries: Vec<Entry<'a>>,
    /// Everything after the last entry (cargo writes exactly two zero blocks).
    pub trailer: &'a [u8],
}

/// Decompresses the first gzip member and returns the tar bytes plus the number of bytes left
/// after that member (anything non-zero is trailing garbage).
pub fn gunzip(gz: &[u8]) -> Result<(Vec<u8>, usize), String> {
    let mut decoder = flate2::bufread::GzDecoder::new(gz);
    let mut tar = Vec::new();
    decoder.read_to_end(&mut tar).map_err(|e| format!("gzip decoding failed: {e}"))?;
    // The bufread decoder consumes exactly one member from the slice.
    let rest = decoder.into_inner().len();
    Ok((tar, rest))
}

/// Splits a tar stream into entries without interpreting anything beyond what is needed to
/// find entry boundaries.
pub fn parse(tar: &[u8]) -> Result<Tar<'_>, String> {
    let mut entries = Vec::new();
    let mut offset = 0;
    let mut pending_long: Option<(usize, &[u8], &[u8])> = None;
    while offset + BLOCK <= tar.len() {
        let header = &tar[offset..offset + BLOCK];
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let size =
            usize::try_from(parse_octal(&header[124..136]).map_err(|e| format!("entry at {offset}: size: {e}"))?)
                .map_err(|e| format!("entry at {offset}: size: {e}"))?;
        let data_start = offset + BLOCK;
        let data_end = data_start + size;
        let next = data_start + size.div_ceil(BLOCK) * BLOCK;
        if next > tar.len() {
            return Err(format!("entry at {offset} claims {size} bytes but the stream ends at {}", tar.len()));
        }
        let data = &tar[data_start..data_end];
        if header[156] == b'L' {
            let name = trim_nul(data);
            pending_long = Some((offset, header, name));
        } else {
            let (start, long_link, path) = match pending_long.take() {
                Some((start, long_header, name)) => {
                    (start, Some((long_header, name)), String::from_utf8_lossy(name).into_owned())
                }
                None => (offset, None, String::from_utf8_lossy(trim_nul(&header[..100])).into_owned()),
            };
            entries.push(Entry { offset: start, path, long_link, header, data, raw: &tar[start..next] });
        }
        offset = next;
    }
    if pending_long.is_some() {
        return Err("a ././@LongLink entry is not followed by the entry it names".to_owned());
    }
    Ok(Tar { entries, trailer: &tar[offset.min(tar.len())..] })
}

/// One line per archive entry (`path  mode  size  sha256`), preceded by a line identifying the
/// whole `.crate` file. This is what the insta snapshots record.
pub fn listing(file_name: &str, gz: &[u8]) -> String {
    let (tar, _) = gunzip(gz).expect("a .crate that matched cargo's must decompress");
    let parsed = parse(&tar).expect("a .crate that matched cargo's must parse");
    let mut out = format!("{file_name}  {} bytes  sha256 {}\n", gz.len(), sha256_hex(gz));
    for entry in &parsed.entries {
        let _ = writeln!(out, "{}  {:04o}  {}  {}", entry.path, entry.mode(), entry.data.len(), sha256_hex(entry.data));
    }
    out
}

/// The text of the archive member whose path is `<prefix>/<rel>`.
pub fn member_text(gz: &[u8], rel: &str) -> Option<String> {
    let (tar, _) = gunzip(gz).ok()?;
    let parsed = parse(&tar).ok()?;
    parsed
        .entries
        .iter()
        .find(|e| e.path.split_once('/').is_some_and(|(_, r)| r == rel))
        .map(|e| String::from_utf8_lossy(e.data).into_owned())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Explains why two `.crate` files differ, layer by layer: gzip, entry list, the first differing
/// entry's header fields and contents, and the end-of-archive blocks.
pub fn explain(expected: &[u8], actual: &[u8]) -> String {
    let mut out = String::new();
    let (exp_tar, exp_rest) = match gunzip(expected) {
        Ok(x) => x,
        Err(e) => return format!("cargo's .crate does not decompress ({e}); this is a harness bug"),
    };
    let (act_tar, act_rest) = match gunzip(actual) {
        Ok(x) => x,
        Err(e) => {
            let _ = writeln!(out, "cargo-seal's .crate is not valid gzip: {e}");
            describe_gzip(&mut out, "cargo", expected, exp_rest);
            describe_gzip(&mut out, "cargo-seal", actual, 0);
            return out;
        }
    };

    if exp_tar == act_tar {
        let _ = writeln!(
            out,
            "only the GZIP LAYER differs: the decompressed tar streams are identical ({} bytes)",
            exp_tar.len()
        );
        describe_gzip(&mut out, "cargo", expected, exp_rest);
        describe_gzip(&mut out, "cargo-seal", actual, act_rest);
        if let Some(at) = first_difference(expected, actual) {
            let _ = writeln!(out, "first differing byte of the .crate files: offset {at}");
        }
        return out;
    }
    if exp_rest != 0 || act_rest != 0 {
        let _ = writeln!(out, "note: bytes after the gzip member: cargo {exp_rest}, cargo-seal {act_rest}");
    }

    let exp = match parse(&exp_tar) {
        Ok(t) => t,
        Err(e) => return format!("{out}cargo's tar stream does not parse ({e}); harness bug"),
    };
    let act = match parse(&act_tar) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(out, "cargo-seal's tar stream does not parse: {e}");
            if let Some(at) = first_difference(&exp_tar, &act_tar) {
                let _ = writeln!(out, "first differing tar byte: offset {at}");
            }
            return out;
        }
    };

    let exp_paths: Vec<&str> = exp.entries.iter().map(|e| e.path.as_str()).collect();
    let act_paths: Vec<&str> = act.entries.iter().map(|e| e.path.as_str()).collect();
    if exp_paths != act_paths {
        explain_entry_lists(&mut out, &exp_paths, &act_paths);
        return out;
    }

    let differing: Vec<usize> = (0..exp.entries.len()).filter(|&i| exp.entries[i].raw != act.entries[i].raw).collect();
    if let Some(&first) = differing.first() {
        explain_entry(&mut out, first, &exp.entries[first], &act.entries[first]);
        if differing.len() > 1 {
            let others: Vec<&str> = differing[1..].iter().map(|&i| exp_paths[i]).collect();
            let _ = writeln!(out, "{} more differing entries: {}", others.len(), others.join(", "));
        }
    }
    if exp.trailer != act.trailer {
        let _ = writeln!(
            out,
            "END OF ARCHIVE differs: cargo has {} trailing bytes ({}), cargo-seal has {} ({})",
            exp.trailer.len(),
            zero_summary(exp.trailer),
            act.trailer.len(),
            zero_summary(act.trailer)
        );
    }
    if out.is_empty() {
        out.push_str("the tar streams differ but no entry or trailer difference was found\n");
    }
    out
}

fn explain_entry_lists(out: &mut String, exp: &[&str], act: &[&str]) {
    let missing: Vec<&str> = exp.iter().filter(|p| !act.contains(p)).copied().collect();
    let extra: Vec<&str> = act.iter().filter(|p| !exp.contains(p)).copied().collect();
    if missing.is_empty() && extra.is_empty() && exp.len() == act.len() {
        let _ = writeln!(out, "ENTRY ORDER differs (same entries, different order)");
    } else {
        let _ = writeln!(out, "ENTRY LISTS differ");
        for p in &missing {
            let _ = writeln!(out, "  only in cargo:      {p}");
        }
        for p in &extra {
            let _ = writeln!(out, "  only in cargo-seal: {p}");
        }
        if missing.is_empty() && extra.is_empty() {
            let _ = writeln!(out, "  (same names, different multiplicity)");
        }
    }
    let _ = writeln!(out, "--- cargo ({} entries) ---", exp.len());
    for (i, p) in exp.iter().enumerate() {
        let _ = writeln!(out, "{:>4}  {p}", i + 1);
    }
    let _ = writeln!(out, "--- cargo-seal ({} entries) ---", act.len());
    for (i, p) in act.iter().enumerate() {
        let _ = writeln!(out, "{:>4}  {p}", i + 1);
    }
}

fn explain_entry(out: &mut String, index: usize, exp: &Entry<'_>, act: &Entry<'_>) {
    let _ = writeln!(
        out,
        "first differing entry: #{} {} (tar offset: cargo {}, cargo-seal {})",
        index + 1,
        exp.path,
        exp.offset,
        act.offset
    );
    match (exp.long_link, act.long_link) {
        (Some((eh, ename)), Some((ah, aname))) => {
            diff_header(out, "././@LongLink header", eh, ah);
            if ename != aname {
                let _ = writeln!(out, "  ././@LongLink payload: cargo={} cargo-seal={}", show(ename), show(aname));
            }
        }
        (Some(_), None) => {
            let _ = writeln!(out, "  cargo writes a ././@LongLink entry for this path, cargo-seal does not");
        }
        (None, Some(_)) => {
            let _ = writeln!(out, "  cargo-seal writes a ././@LongLink entry for this path, cargo does not");
        }
        (None, None) => {}
    }
    diff_header(out, "header", exp.header, act.header);
    if exp.data != act.data {
        explain_data(out, exp.data, act.data);
    } else if exp.header == act.header && exp.long_link.map(|l| l.0) == act.long_link.map(|l| l.0) {
        let at = first_difference(exp.raw, act.raw).unwrap_or(0);
        let _ = writeln!(out, "  headers and contents match; the PADDING differs at entry byte {at}");
    }
}

fn diff_header(out: &mut String, label: &str, exp: &[u8], act: &[u8]) {
    for &(field, start, len) in HEADER_FIELDS {
        let (e, a) = (&exp[start..start + len], &act[start..start + len]);
        if e == a {
            continue;
        }
        let (es, as_) =
            if NUMERIC_FIELDS.contains(&field) { (show_numeric(e), show_numeric(a)) } else { (show(e), show(a)) };
        let _ = writeln!(out, "  {label} field `{field}` differs:\n    cargo:      {es}\n    cargo-seal: {as_}");
    }
}

fn explain_data(out: &mut String, exp: &[u8], act: &[u8]) {
    let _ = writeln!(
        out,
        "  CONTENTS differ: cargo {} bytes (sha256 {}), cargo-seal {} bytes (sha256 {})",
        exp.len(),
        sha256_hex(exp),
        act.len(),
        sha256_hex(act)
    );
    match (std::str::from_utf8(exp), std::str::from_utf8(act)) {
        (Ok(e), Ok(a)) if exp.len() <= MAX_TEXT_DIFF && act.len() <= MAX_TEXT_DIFF => {
            let line = e
                .lines()
                .zip(a.lines())
                .position(|(x, y)| x != y)
                .map_or_else(|| e.lines().count().min(a.lines().count()) + 1, |i| i + 1);
            let _ = writeln!(out, "  first differing line: {line}");
            let _ = writeln!(out, "~~~~~~~~ cargo ~~~~~~~~\n{e}\n~~~~~~~~ cargo-seal ~~~~~~~~\n{a}\n~~~~~~~~");
        }
        _ => {
            let at = first_difference(exp, act).unwrap_or(0);
            let _ = writeln!(
                out,
                "  first differing byte: {at}\n    cargo:      {}\n    cargo-seal: {}",
                hex_window(exp, at),
                hex_window(act, at)
            );
        }
    }
}

fn describe_gzip(out: &mut String, who: &str, gz: &[u8], trailing: usize) {
    let _ = write!(out, "  {who}: {} bytes", gz.len());
    if gz.len() >= 10 {
        let mtime = u32::from_le_bytes([gz[4], gz[5], gz[6], gz[7]]);
        let _ = write!(
            out,
            ", magic {:02x}{:02x}, CM {}, FLG {:#04x}, MTIME {mtime}, XFL {}, OS {}",
            gz[0], gz[1], gz[2], gz[3], gz[8], gz[9]
        );
        if gz[3] & 0x08 != 0 {
            let name_end = gz[10..].iter().position(|&b| b == 0).map_or(gz.len(), |p| 10 + p);
            let _ = write!(out, ", FNAME {}", show(&gz[10..name_end]));
        }
    }
    let end = gz.len().saturating_sub(trailing);
    if end >= 8 {
        let crc = u32::from_le_bytes([gz[end - 8], gz[end - 7], gz[end - 6], gz[end - 5]]);
        let isize = u32::from_le_bytes([gz[end - 4], gz[end - 3], gz[end - 2], gz[end - 1]]);
        let _ = write!(out, ", CRC32 {crc:08x}, ISIZE {isize}");
    }
    if trailing > 0 {
        let _ = write!(out, ", {trailing} TRAILING bytes after the gzip member");
    }
    out.push('\n');
}

fn parse_octal(field: &[u8]) -> Result<u64, String> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        return Err("base-256 numeric field".to_owned());
    }
    let digits = trim_nul(field);
    let digits: Vec<u8> = digits.iter().copied().filter(|b| *b != b' ').collect();
    if digits.is_empty() {
        return Ok(0);
    }
    let text = std::str::from_utf8(&digits).map_err(|_| format!("not octal: {}", show(field)))?;
    u64::from_str_radix(text, 8).map_err(|_| format!("not octal: {}", show(field)))
}

/// Everything up to the first NUL.
fn trim_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// Bytes as an escaped literal, with a run of trailing NULs summarized (`+ 92×NUL`).
fn show(bytes: &[u8]) -> String {
    let kept = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let mut s = String::from("b\"");
    for &b in &bytes[..kept] {
        s.extend(std::ascii::escape_default(b).map(char::from));
    }
    s.push('"');
    let nuls = bytes.len() - kept;
    if nuls > 0 {
        let _ = write!(s, " + {nuls}×NUL");
    }
    s
}

fn show_numeric(bytes: &[u8]) -> String {
    match parse_octal(bytes) {
        Ok(v) => format!("{} (= {v}, {v:#o})", show(bytes)),
        Err(e) => format!("{} ({e})", show(bytes)),
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x != y).or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
}

fn hex_window(bytes: &[u8], at: usize) -> String {
    let start = at.saturating_sub(8).min(bytes.len());
    let end = (at + 8).min(bytes.len());
    let hex: Vec<String> = bytes[start..end].iter().map(|b| format!("{b:02x}")).collect();
    format!("[{start}..{end}] {}", hex.join(" "))
}

fn zero_summary(bytes: &[u8]) -> &'static str {
    if bytes.iter().all(|&b| b == 0) { "all zero" } else { "NOT all zero" }
}

/// The mismatch report is what a developer reads when parity breaks, so it is tested on
/// hand-made archives (no cargo needed).
mod tests {
    use std::io::Write as _;

    use super::explain;

    /// (path, mode, uid, contents)
    type Spec<'a> = (&'a str, u32, u64, &'a [u8]);

    fn tar_of(entries: &[Spec<'_>]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for &(path, mode, uid, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(mode);
            header.set_uid(uid);
            header.set_mtime(1_153_704_088);
            header.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut header, path, data).expect("append to an in-memory tar");
        }
        builder.into_inner().expect("finish an in-memory tar")
    }

    fn gz(tar: &[u8], level: u32) -> Vec<u8> {
        let mut enc =
            flate2::GzBuilder::new().filename("x-0.1.0.crate").write(Vec::new(), flate2::Compression::new(level));
        enc.write_all(tar).expect("compress in memory");
        enc.finish().expect("finish gzip")
    }

    const BASE: &[Spec<'_>] = &[
        ("x-0.1.0/Cargo.toml", 0o644, 0, b"[package]\nname = \"x\"\n"),
        ("x-0.1.0/src/lib.rs", 0o644, 0, b"pub fn f() {}\n"),
    ];

    #[test]
    fn reports_gzip_only_difference() {
        let tar = tar_of(BASE);
        let report = explain(&gz(&tar, 9), &gz(&tar, 1));
        assert!(report.contains("only the GZIP LAYER differs"), "{report}");
        assert!(report.contains("XFL 2") && report.contains("XFL 4"), "{report}");
    }

    #[test]
    fn reports_trailing_garbage() {
        let good = gz(&tar_of(BASE), 9);
        let mut bad = good.clone();
        bad.extend_from_slice(b"garbage");
        let report = explain(&good, &bad);
        assert!(report.contains("7 TRAILING bytes"), "{report}");
    }

    #[test]
    fn reports_header_field() {
        let mut other = BASE.to_vec();
        other[1].2 = 1000;
        let report = explain(&gz(&tar_of(BASE), 9), &gz(&tar_of(&other), 9));
        assert!(report.contains("#2 x-0.1.0/src/lib.rs"), "{report}");
        assert!(report.contains("field `uid` differs"), "{report}");
        assert!(report.contains("field `chksum` differs"), "{report}");
        assert!(!report.contains("CONTENTS differ"), "{report}");
    }

    #[test]
    fn reports_text_contents() {
        let mut other = BASE.to_vec();
        other[0].3 = b"[package]\nname = \"y\"\n";
        let report = explain(&gz(&tar_of(BASE), 9), &gz(&tar_of(&other), 9));
        assert!(report.contains("CONTENTS differ"), "{report}");
        assert!(report.contains("first differing line: 2"), "{report}");
        assert!(report.contains("name = \"y\""), "{report}");
    }

    #[test]
    fn reports_order_and_lists() {
        let swapped = [BASE[1], BASE[0]];
        let report = explain(&gz(&tar_of(BASE), 9), &gz(&tar_of(&swapped), 9));
        assert!(report.contains("ENTRY ORDER differs"), "{report}");

        let extra = [BASE[0], BASE[1], ("x-0.1.0/extra.txt", 0o644, 0, b"x")];
        let report = explain(&gz(&tar_of(BASE), 9), &gz(&tar_of(&extra), 9));
        assert!(report.contains("only in cargo-seal: x-0.1.0/extra.txt"), "{report}");
    }

    #[test]
    fn reports_long_names() {
        let long = format!("x-0.1.0/{}", "d".repeat(120));
        let exp = [(long.as_str(), 0o644, 0, &b"a"[..])];
        let act = [(long.as_str(), 0o755, 0, &b"a"[..])];
        let report = explain(&gz(&tar_of(&exp), 9), &gz(&tar_of(&act), 9));
        assert!(report.contains(&long), "the full (long-link) path is reported: {report}");
        assert!(report.contains("field `mode` differs"), "{report}");
    }
}
