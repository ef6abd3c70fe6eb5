//! ERA-DEFLATE: C zlib's raw deflate, as cargo 1.87 and earlier deflated `.crate` files (flate2's
//! `zlib` feature over libz-sys's bundled zlib). flate2 can have one backend per build and keeps
//! zlib-rs for the later eras, so zlib is called here directly. This is the crate's one
//! module with `unsafe`: the calls follow zlib's manual (`deflateInit2_`, `deflate`, `deflateEnd`).
#![allow(unsafe_code, reason = "the FFI calls into C zlib; nothing else in the crate needs unsafe")]

use std::alloc::Layout;
use std::ffi::{c_int, c_void};
use std::io;

use libz_sys as z;

use super::gzip::RawDeflate;

/// Level 9, a raw deflate stream with a 32 KiB window and zlib's default memory level and
/// strategy: flate2's `Compression::best()` inside a `GzBuilder`.
const LEVEL: c_int = 9;
const WINDOW_BITS: c_int = -15;
const MEM_LEVEL: c_int = 8;

/// C zlib's raw deflate, initialized, ended when dropped.
pub struct Zlib(Box<z::z_stream>);

impl Drop for Zlib {
    fn drop(&mut self) {
        // SAFETY: initialized by `Zlib::new`, ended only here.
        unsafe { z::deflateEnd(&mut *self.0) };
    }
}

impl Zlib {
    pub fn new() -> io::Result<Self> {
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
        // SAFETY: a z_stream with no input yet, our allocator, and the sizes zlib checks against
        // its own; zlib initializes every other field.
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
        Ok(Zlib(stream))
    }
}

impl RawDeflate for Zlib {
    fn step(&mut self, input: &[u8], output: &mut [u8], finish: bool) -> io::Result<(usize, usize, bool)> {
        let stream = &mut *self.0;
        // zlib only reads through `next_in`, whatever its pointer type says; the callers' buffers
        // are far below 4 GiB.
        stream.next_in = input.as_ptr().cast_mut();
        stream.avail_in = input.len() as u32;
        stream.next_out = output.as_mut_ptr();
        stream.avail_out = output.len() as u32;
        // SAFETY: the stream was initialized by `new`; `next_in` points at `avail_in` readable
        // bytes and `next_out` at `avail_out` writable ones, both alive for this call.
        let status = unsafe { z::deflate(stream, if finish { z::Z_FINISH } else { z::Z_NO_FLUSH }) };
        let taken = input.len() - stream.avail_in as usize;
        let produced = output.len() - stream.avail_out as usize;
        stream.next_in = std::ptr::null_mut();
        stream.avail_in = 0;
        match status {
            z::Z_OK | z::Z_BUF_ERROR => Ok((taken, produced, false)),
            z::Z_STREAM_END => Ok((taken, produced, true)),
            _ => Err(io::Error::other(format!("zlib failed to deflate (status {status})"))),
        }
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
    #[test]
    fn era_deflate_zlib_round_trips_and_has_flate2s_header() {
        crate::archive::gzip::tests::round_trips_with_flate2s_header(super::Zlib::new().unwrap());
    }
}
