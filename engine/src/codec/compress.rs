//! Compression of part files (`checkpoint_compression(true)`): LZ4 frames from `lz4_flex`.
//!
//! LZ4 rather than zstd: a checkpoint is written by the tasks of the job that computes it, so
//! its cost is on the job's critical path. Compared on the postcard encoding of the bundled
//! corpus's word pairs, LZ4 compressed a little faster than zstd level 1 and decompressed 1.8x
//! faster, at a lower ratio (2.3 against 3.4); on numeric pairs that neither compresses much,
//! LZ4 was about 10x faster both ways. And `lz4_flex` is pure Rust, with no C library to build.
//! `examples/checkpoint_compression.rs` measures what it costs in a job. The manifest records
//! the compression, so a reader never guesses.

use std::io::{Read, Write};

/// How the bytes of part files are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Stored as encoded.
    None,
    /// LZ4 frame format.
    Lz4,
}

impl Compression {
    /// The name recorded in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Lz4 => "lz4",
        }
    }

    /// The compression a manifest names, if this build knows it.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Compression::None),
            "lz4" => Some(Compression::Lz4),
            _ => None,
        }
    }

    /// Decompresses a whole part file. Output grows with the data actually decoded (LZ4 frames
    /// carry bounded blocks), so a corrupt header cannot make it allocate more than the
    /// format's maximum ratio allows.
    pub(crate) fn decompress(self, bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, String> {
        match self {
            Compression::None => Ok(std::borrow::Cow::Borrowed(bytes)),
            Compression::Lz4 => {
                let mut out = Vec::new();
                lz4_flex::frame::FrameDecoder::new(bytes)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("cannot decompress (lz4): {e}"))?;
                Ok(std::borrow::Cow::Owned(out))
            }
        }
    }
}

/// A writer that counts and checksums the bytes that reach the file (after compression).
pub(crate) struct CrcWriter<W> {
    pub(crate) inner: W,
    pub(crate) crc: crc32fast::Hasher,
    pub(crate) bytes: u64,
    /// Test hook: fail like a full disk beyond this many bytes (see `faults`).
    pub(crate) limit: Option<u64>,
}

impl<W: Write> Write for CrcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(limit) = self.limit
            && self.bytes + buf.len() as u64 > limit
        {
            return Err(disk_full());
        }
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The compressing stage in front of a [`CrcWriter`].
pub(crate) enum Encoder<W: Write> {
    Plain(CrcWriter<W>),
    Lz4(Box<lz4_flex::frame::FrameEncoder<CrcWriter<W>>>),
}

impl<W: Write> Encoder<W> {
    pub(crate) fn new(c: Compression, w: CrcWriter<W>) -> Self {
        match c {
            Compression::None => Encoder::Plain(w),
            Compression::Lz4 => Encoder::Lz4(Box::new(lz4_flex::frame::FrameEncoder::new(w))),
        }
    }

    pub(crate) fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Encoder::Plain(w) => w.write_all(buf),
            Encoder::Lz4(w) => w.write_all(buf),
        }
    }

    /// Ends the stream (the LZ4 end mark) and returns the file writer.
    pub(crate) fn finish(self) -> std::io::Result<CrcWriter<W>> {
        match self {
            Encoder::Plain(w) => Ok(w),
            Encoder::Lz4(w) => w.finish().map_err(std::io::Error::other),
        }
    }
}

/// The error of a write past a simulated capacity (the checkpoint's fault injection).
pub(crate) fn disk_full() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::StorageFull,
        "no space left on device (simulated)",
    )
}
