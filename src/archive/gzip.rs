//! ERA-DEFLATE: a gzip stream around a raw deflate that flate2 cannot be given, with the framing
//! flate2's `GzBuilder` writes for a file name at level 9 (no mtime, extra flags 2, operating
//! system "unknown"), the CRC-32 and the length. flate2 can have one backend per build; the others
//! cargo's eras used are driven here directly.

use std::io::{self, Write};

/// One step of a raw deflate stream (level 9, 32 KiB window, memory level 8, default strategy).
pub trait RawDeflate {
    /// Deflates from `input` into `output`, ending the stream when `finish`. Returns the bytes
    /// taken from `input`, the bytes written to `output`, and whether the stream has ended.
    fn step(&mut self, input: &[u8], output: &mut [u8], finish: bool) -> io::Result<(usize, usize, bool)>;
}

/// A gzip stream of `D`'s deflate into `W`.
pub struct GzEncoder<W: Write, D: RawDeflate> {
    deflate: D,
    out: W,
    buf: Vec<u8>,
    crc: crc32fast::Hasher,
    size: u32,
}

impl<W: Write, D: RawDeflate> GzEncoder<W, D> {
    pub fn new(mut out: W, file_name: &str, deflate: D) -> io::Result<Self> {
        let mut header = vec![0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 2, 0xff];
        header.extend_from_slice(file_name.as_bytes());
        header.push(0);
        out.write_all(&header)?;
        Ok(GzEncoder { deflate, out, buf: vec![0; 64 * 1024], crc: crc32fast::Hasher::new(), size: 0 })
    }

    /// Ends the deflate stream and writes the gzip trailer; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        loop {
            let (_, produced, ended) = self.deflate.step(&[], &mut self.buf, true)?;
            self.out.write_all(&self.buf[..produced])?;
            if ended {
                break;
            }
        }
        self.out.write_all(&self.crc.clone().finalize().to_le_bytes())?;
        self.out.write_all(&self.size.to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write, D: RawDeflate> Write for GzEncoder<W, D> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // zlib counts input in 32 bits: feed at most that much at a time.
        let data = &data[..data.len().min(u32::MAX as usize)];
        self.crc.update(data);
        self.size = self.size.wrapping_add(data.len() as u32);
        let mut input = data;
        // Until the input is taken and a buffer not filled up shows nothing more is held back.
        loop {
            let (taken, produced, _) = self.deflate.step(input, &mut self.buf, false)?;
            self.out.write_all(&self.buf[..produced])?;
            input = &input[taken..];
            if input.is_empty() && produced < self.buf.len() {
                return Ok(data.len());
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// zlib-rs 0.5 (cargo 1.88 to 1.95 deflated with zlib-rs 0.5.0 to 0.6.2, which write alike;
/// flate2 has a later zlib-rs for the releases after).
pub struct ZlibRs05(zlib_rs05::Deflate);

impl ZlibRs05 {
    pub fn new() -> Self {
        ZlibRs05(zlib_rs05::Deflate::new(9, false, 15))
    }
}

impl RawDeflate for ZlibRs05 {
    fn step(&mut self, input: &[u8], output: &mut [u8], finish: bool) -> io::Result<(usize, usize, bool)> {
        use zlib_rs05::{DeflateFlush, Status};
        let (before_in, before_out) = (self.0.total_in(), self.0.total_out());
        let flush = if finish { DeflateFlush::Finish } else { DeflateFlush::NoFlush };
        let status = self.0.compress(input, output, flush).map_err(|e| io::Error::other(e.as_str()))?;
        let taken = (self.0.total_in() - before_in) as usize;
        let produced = (self.0.total_out() - before_out) as usize;
        Ok((taken, produced, matches!(status, Status::StreamEnd)))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::{Read as _, Write as _};

    use super::{GzEncoder, RawDeflate, ZlibRs05};

    /// Each raw deflate inside the gzip framing: the data back, and flate2's header.
    pub(crate) fn round_trips_with_flate2s_header<D: RawDeflate>(deflate: D) {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let mut encoder = GzEncoder::new(Vec::new(), "x-1.0.0.crate", deflate).unwrap();
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

    #[test]
    fn era_deflate_zlib_rs_0_5_round_trips_and_has_flate2s_header() {
        round_trips_with_flate2s_header(ZlibRs05::new());
    }
}
