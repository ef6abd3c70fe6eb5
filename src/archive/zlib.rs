//! ERA-DEFLATE: a gzip stream deflated by C zlib, as cargo 1.87 and earlier wrote `.crate` files
//! (flate2's `zlib` feature over libz-sys's bundled zlib). flate2 can have one backend per build
//! and keeps zlib-rs for the later eras, so zlib is called here directly. This is the crate's one
//! module with `unsafe`: the calls follow zlib's manual (`deflateInit2_`, `deflate`, `deflateEnd`).
#![allow(unsafe_code, reason = "the FFI calls into C zlib; nothing else in the crate needs unsafe")]

use std::alloc::Layout;
use std::ffi::{c_int, c_void};
use std::io::{self, Write};

use libz_sys as z;

/// Level 9, a raw deflate stream with a 32 KiB window and zlib's default memory level and
/// strategy: flate2's `Compression::best()` inside a `GzBuilder`.
const LEVEL: c_int = 9;
const WINDOW_BITS: c_int = -15;
const MEM_LEVEL: c_int = 8;

/// A gzip stream around C zlib's raw deflate, with the header flate2's `GzBuilder` writes for a
/// file name at level 9 (no mtime, extra flags 2, operating system "unknown").
pub struct GzEncoder<W: Write> {
    stream: Stream,
    out: W,
    buf: Vec<u8>,
    crc: crc32fast::Hasher,
    size: u32,
}

/// An initialized deflate stream, ended when dropped.
struct Stream(Box<z::z_stream>);

impl Drop for Stream {
    fn drop(&mut self) {
        // SAFETY: initialized by `GzEncoder::new`, ended only here.
        unsafe { z::deflateEnd(&mut *self.0) };
    }
}

impl<W: Write> GzEncoder<W> {
    pub fn new(mut out: W, file_name: &str) -> io::Result<Self> {
        let mut header = vec![0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 2, 0xff];
        header.extend_from_slice(file_name.as_bytes());
        header.push(0);
        out.write_all(&header)?;
        // SAFETY: a z_stream with no input yet, our allocator, and the sizes zlib checks against
        // its own; zlib initializes every other field.
        let mut stream = Box::new(z::z_stream {
            next_in: std::ptr::null_mut(),
            avail_in: 0,
            total_in: 0,
            next_out: std::ptr::null_mut(),
            avail_out: 0,
            total_out: 0,
            msg: std::ptr::null_mut(),
            state: std::ptr::null_mut(),
            zalloc,
            zfree,
            opaque: std::ptr::null_mut(),
            data_type: 0,
            adler: 0,
            reserved: 0,
        });
        let status = unsafe {
            z::deflateInit2_(
                &mut *stream,
                LEVEL,
                z::Z_DEFLATED,
                WINDOW_BITS,
                MEM_LEVEL,
                z::Z_DEFAULT_STRATEGY,
                z::zlibVersion(),
                std::mem::size_of::<z::z_stream>() as c_int,
            )
        };
        if status != z::Z_OK {
            return Err(io::Error::other(format!("zlib could not start deflating (status {status})")));
        }
        let stream = Stream(stream);
        Ok(GzEncoder { stream, out, buf: vec![0; 64 * 1024], crc: crc32fast::Hasher::new(), size: 0 })
    }

    /// Runs deflate over the pending input with `flush`, writing what it produces, until the
    /// input is used up (and, for `Z_FINISH`, the stream ends).
    fn deflate(&mut self, flush: c_int) -> io::Result<()> {
        let stream = &mut *self.stream.0;
        loop {
            stream.next_out = self.buf.as_mut_ptr();
            stream.avail_out = self.buf.len() as u32;
            // SAFETY: the stream was initialized by `new`; `next_in` points at `avail_in` readable
            // bytes (set by `write`) and `next_out` at `avail_out` writable ones.
            let status = unsafe { z::deflate(stream, flush) };
            let produced = self.buf.len() - stream.avail_out as usize;
            self.out.write_all(&self.buf[..produced])?;
            match status {
                z::Z_STREAM_END => return Ok(()),
                z::Z_OK | z::Z_BUF_ERROR if produced > 0 || status == z::Z_OK => {
                    // A full buffer may hold back more; otherwise only finishing goes on.
                    if flush != z::Z_FINISH && stream.avail_in == 0 && stream.avail_out != 0 {
                        return Ok(());
                    }
                }
                z::Z_BUF_ERROR if flush != z::Z_FINISH => return Ok(()),
                _ => return Err(io::Error::other(format!("zlib failed to deflate (status {status})"))),
            }
        }
    }

    /// Ends the deflate stream and writes the gzip trailer; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.deflate(z::Z_FINISH)?;
        self.out.write_all(&self.crc.clone().finalize().to_le_bytes())?;
        self.out.write_all(&self.size.to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for GzEncoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // zlib counts input in 32 bits: feed at most that much at a time.
        let data = &data[..data.len().min(u32::MAX as usize)];
        self.crc.update(data);
        self.size = self.size.wrapping_add(data.len() as u32);
        // zlib only reads through `next_in`, whatever its pointer type says.
        self.stream.0.next_in = data.as_ptr().cast_mut();
        self.stream.0.avail_in = data.len() as u32;
        let deflated = self.deflate(z::Z_NO_FLUSH);
        self.stream.0.next_in = std::ptr::null_mut();
        self.stream.0.avail_in = 0;
        deflated.map(|()| data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// zlib's allocator: Rust's, with the allocation's size kept in front of it for `zfree`.
const HEADER: usize = 16;

unsafe extern "C" fn zalloc(_opaque: *mut c_void, items: z::uInt, size: z::uInt) -> *mut c_void {
    let bytes = (items as usize).checked_mul(size as usize).and_then(|n| n.checked_add(HEADER));
    let Some(layout) = bytes.and_then(|bytes| Layout::from_size_align(bytes, HEADER).ok()) else {
        return std::ptr::null_mut();
    };
    // SAFETY: the layout has a non-zero size; the size is written in the header before the
    // pointer past it is handed out.
    unsafe {
        let start = std::alloc::alloc(layout);
        if start.is_null() {
            return start.cast();
        }
        start.cast::<usize>().write(layout.size());
        start.add(HEADER).cast()
    }
}

unsafe extern "C" fn zfree(_opaque: *mut c_void, address: *mut c_void) {
    if address.is_null() {
        return;
    }
    // SAFETY: `address` came from `zalloc`, which put the allocation's size `HEADER` bytes before.
    unsafe {
        let start = address.cast::<u8>().sub(HEADER);
        let size = start.cast::<usize>().read();
        std::alloc::dealloc(start, Layout::from_size_align_unchecked(size, HEADER));
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};

    #[test]
    fn era_deflate_zlib_round_trips_and_has_flate2s_header() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let mut encoder = super::GzEncoder::new(Vec::new(), "x-1.0.0.crate").unwrap();
        for chunk in data.chunks(3000) {
            encoder.write_all(chunk).unwrap();
        }
        let gz = encoder.finish().unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        let flate2_header = {
            let mut e =
                flate2::GzBuilder::new().filename("x-1.0.0.crate").write(Vec::new(), flate2::Compression::best());
            e.write_all(b"").unwrap();
            e.finish().unwrap()
        };
        let header_len = 10 + "x-1.0.0.crate".len() + 1;
        assert_eq!(gz[..header_len], flate2_header[..header_len]);
    }
}
