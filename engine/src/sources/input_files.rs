//! The files a file source reads, how they are opened (`.gz` and `.zst` decompressed by
//! extension) and how they are cut into splits: shared by `text_file`, `json_lines` and
//! `csv_file`. A compressed file cannot be read from the middle, so it is one split.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::checkpoint::fingerprint::Fingerprinter;
use crate::context::Context;
use crate::error::{Error, Result};

/// Largest split, as Hadoop's local block size.
pub(crate) const MAX_SPLIT: u64 = 32 << 20;
/// A last piece up to 10% larger than a split is not split again (Hadoop's `SPLIT_SLOP`).
pub(crate) const SPLIT_SLOP: f64 = 1.1;

/// An input file and its length.
pub(crate) type SizedFile = (Arc<PathBuf>, u64);

/// The input files behind `path` with their lengths, and the split size that cuts their total
/// into at least `min_partitions` pieces (default `min(default_parallelism, 2)`, as Spark).
pub(crate) fn sized_inputs(
    ctx: &Context,
    path: &Path,
    min_partitions: Option<usize>,
) -> Result<(Vec<SizedFile>, u64)> {
    let min = min_partitions
        .unwrap_or_else(|| ctx.default_parallelism().min(2))
        .max(1);
    let files = list_inputs(path)?;
    let mut sized = Vec::with_capacity(files.len());
    for f in files {
        if Codec::of(&f) == Codec::Zstd && !cfg!(feature = "zstd") {
            return Err(Error::io("read", &f, no_zstd()));
        }
        let len = std::fs::metadata(&f)
            .map_err(|e| Error::io("read metadata of", &f, e))?
            .len();
        sized.push((Arc::new(f), len));
    }
    let total: u64 = sized.iter().map(|(_, l)| l).sum();
    let goal = (total / min as u64).max(1);
    Ok((sized, goal.clamp(1, MAX_SPLIT)))
}

/// Byte ranges `(file, start, end)` of at most the split size (the last piece of a file up to
/// [`SPLIT_SLOP`] times it), for readers that find record boundaries themselves (lines). A
/// compressed file is one split `(file, 0, u64::MAX)`.
pub(crate) fn byte_splits(
    ctx: &Context,
    path: &Path,
    min_partitions: Option<usize>,
) -> Result<Vec<(Arc<PathBuf>, u64, u64)>> {
    let (sized, split_size) = sized_inputs(ctx, path, min_partitions)?;
    let mut splits = Vec::new();
    for (path, len) in sized {
        if Codec::of(&path) != Codec::Plain {
            splits.push((path, 0, u64::MAX));
            continue;
        }
        let mut start = 0;
        while (len - start) as f64 / split_size as f64 > SPLIT_SLOP {
            splits.push((path.clone(), start, start + split_size));
            start += split_size;
        }
        splits.push((path, start, len));
    }
    Ok(splits)
}

/// The 1-based line of byte `offset` of `path` (newlines before it, plus one), computed only
/// when an error is reported, so readers need not count lines.
pub(crate) fn line_of(path: &Path, offset: u64) -> u64 {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return 0;
    };
    let mut r = std::io::BufReader::new(file).take(offset);
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 1;
    while let Ok(n) = r.read(&mut buf) {
        if n == 0 {
            break;
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
    }
    lines
}

/// Hadoop's hidden-file rule: names starting with `.` or `_` (temporary files, `_SUCCESS`)
/// are not input when a directory or a glob is read.
fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy())
        .is_some_and(|n| n.starts_with('.') || n.starts_with('_'))
}

/// The files behind `path`: the file itself, or the visible files of a directory or of a
/// glob's matches, sorted.
pub(crate) fn list_inputs(path: &Path) -> Result<Vec<PathBuf>> {
    let text = path.to_string_lossy();
    if text.contains(['*', '?', '[']) && !path.exists() {
        let matches = glob::glob(&text).map_err(|e| {
            Error::io(
                "read input",
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
            )
        })?;
        let mut files = Vec::new();
        for m in matches {
            let p = m.map_err(|e| Error::io("read input", e.path().to_path_buf(), e.into()))?;
            if p.is_file() && !is_hidden(&p) {
                files.push(p);
            }
        }
        if files.is_empty() {
            return Err(Error::io(
                "read input",
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no file matches the pattern"),
            ));
        }
        files.sort();
        return Ok(files);
    }
    let meta = std::fs::metadata(path).map_err(|e| Error::io("read input", path, e))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| Error::io("list directory", path, e))? {
        let entry = entry.map_err(|e| Error::io("list directory", path, e))?;
        let p = entry.path();
        if p.is_file() && !is_hidden(&p) {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Adds each input file once to `fp` (path, length, modification time): a changed file
/// changes the fingerprint, so its checkpoints are not resumed. Splits of one file are
/// adjacent, so comparing with the previous split's file suffices.
pub(crate) fn fingerprint_files<'a>(
    fp: &mut Fingerprinter,
    files: impl IntoIterator<Item = &'a Path>,
) -> Result<()> {
    let mut last: Option<&Path> = None;
    for f in files {
        if last != Some(f) {
            fp.input_file(f)?;
            last = Some(f);
        }
    }
    Ok(())
}

/// How an input file is stored, chosen by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Codec {
    Plain,
    /// `.gz` (one or more gzip members, as `cat a.gz b.gz` makes).
    Gzip,
    /// `.zst` (cargo feature `zstd`).
    Zstd,
}

impl Codec {
    pub(crate) fn of(path: &Path) -> Codec {
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => Codec::Gzip,
            Some("zst") => Codec::Zstd,
            _ => Codec::Plain,
        }
    }
}

fn no_zstd() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "reading .zst files needs rddflow's cargo feature `zstd`",
    )
}

/// An open input file: plain (seekable) or decompressed as it is read. A truncated or corrupt
/// compressed file is a read error (the decoders check the stream's end and checksum), never
/// an early end of input.
pub(crate) enum Input {
    Plain(File),
    Gzip(Box<flate2::read::MultiGzDecoder<BufReader<File>>>),
    #[cfg(feature = "zstd")]
    Zstd(Box<zstd::stream::read::Decoder<'static, BufReader<File>>>),
}

/// Opens `path`, decompressing by extension.
pub(crate) fn open_input(path: &Path) -> std::io::Result<Input> {
    let file = File::open(path)?;
    Ok(match Codec::of(path) {
        Codec::Plain => Input::Plain(file),
        Codec::Gzip => Input::Gzip(Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(
            file,
        )))),
        #[cfg(feature = "zstd")]
        Codec::Zstd => Input::Zstd(Box::new(zstd::stream::read::Decoder::new(file)?)),
        #[cfg(not(feature = "zstd"))]
        Codec::Zstd => return Err(no_zstd()),
    })
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::Plain(f) => f.read(buf),
            Input::Gzip(d) => d.read(buf),
            #[cfg(feature = "zstd")]
            Input::Zstd(d) => d.read(buf),
        }
    }
}

/// Only plain files seek: compressed ones are single splits, read from their start.
impl Seek for Input {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            Input::Plain(f) => f.seek(pos),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "a compressed input cannot seek",
            )),
        }
    }
}
