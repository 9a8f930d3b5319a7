//! Output compression of the text saves: [`SaveOptions`] and the writer that compresses a part
//! file as it is written. Part names get the codec's extension (`part-00000.csv.gz`), the one
//! the file sources decompress by, so a compressed output reads back transparently.

use std::fs::File;
use std::io::{self, BufWriter, Write};

/// How a save writes its part files: passed to the `_with` saves
/// ([`save_as_csv_with`](crate::Dataset::save_as_csv_with) and the others).
///
/// Built from [`SaveOptions::new`] (the defaults: uncompressed) and setters, so options added
/// later leave existing calls unchanged.
///
/// ```
/// use rddflow_engine::{Compression, SaveOptions};
///
/// let gz = SaveOptions::new().compression(Compression::Gzip);
/// assert_eq!(gz.get_compression(), Compression::Gzip);
/// assert_eq!(SaveOptions::default().get_compression(), Compression::None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaveOptions {
    compression: Compression,
}

impl SaveOptions {
    /// The defaults: uncompressed parts.
    pub fn new() -> Self {
        SaveOptions::default()
    }

    /// Compresses every part file with `codec` (its extension is appended to the part names).
    pub fn compression(mut self, codec: Compression) -> Self {
        self.compression = codec;
        self
    }

    /// The compression set by [`compression`](SaveOptions::compression).
    pub fn get_compression(&self) -> Compression {
        self.compression
    }
}

/// A whole-file codec for the text saves, chosen in [`SaveOptions`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// Plain files.
    #[default]
    None,
    /// gzip (`.gz`, flate2's pure-Rust backend), readable by `gzip -d` and Spark.
    Gzip,
    /// Zstandard (`.zst`); needs the cargo feature `zstd`, else the save is
    /// `Error::InvalidArgument` before any file is written.
    Zstd,
}

impl Compression {
    /// The extension appended to part names: the one the file sources decompress by.
    pub fn extension(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip => ".gz",
            Compression::Zstd => ".zst",
        }
    }

    /// `Err` with the reason when this build cannot write the codec.
    pub(crate) fn check_available(self) -> Result<(), String> {
        if self == Compression::Zstd && !cfg!(feature = "zstd") {
            return Err("Zstandard output needs rddflow's cargo feature `zstd`".into());
        }
        Ok(())
    }
}

/// A part file being written, compressed as chosen. `finish` must be called: it writes the
/// codec's trailer, without which the file is truncated.
pub(crate) enum PartWriter {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::write::Encoder<'static, BufWriter<File>>),
}

impl PartWriter {
    pub(crate) fn new(file: File, codec: Compression) -> io::Result<Self> {
        let out = BufWriter::with_capacity(1 << 16, file);
        Ok(match codec {
            Compression::None => PartWriter::Plain(out),
            Compression::Gzip => PartWriter::Gzip(flate2::write::GzEncoder::new(
                out,
                flate2::Compression::default(),
            )),
            #[cfg(feature = "zstd")]
            Compression::Zstd => PartWriter::Zstd(zstd::stream::write::Encoder::new(out, 3)?),
            #[cfg(not(feature = "zstd"))]
            Compression::Zstd => {
                return Err(io::Error::other(
                    Compression::Zstd.check_available().unwrap_err(),
                ));
            }
        })
    }

    /// Writes the codec's trailer and flushes the file.
    pub(crate) fn finish(self) -> io::Result<()> {
        let mut out = match self {
            PartWriter::Plain(w) => w,
            PartWriter::Gzip(w) => w.finish()?,
            #[cfg(feature = "zstd")]
            PartWriter::Zstd(w) => w.finish()?,
        };
        out.flush()
    }
}

impl Write for PartWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            PartWriter::Plain(w) => w.write(buf),
            PartWriter::Gzip(w) => w.write(buf),
            #[cfg(feature = "zstd")]
            PartWriter::Zstd(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            PartWriter::Plain(w) => w.write_all(buf),
            PartWriter::Gzip(w) => w.write_all(buf),
            #[cfg(feature = "zstd")]
            PartWriter::Zstd(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            PartWriter::Plain(w) => w.flush(),
            PartWriter::Gzip(w) => w.flush(),
            #[cfg(feature = "zstd")]
            PartWriter::Zstd(w) => w.flush(),
        }
    }
}
