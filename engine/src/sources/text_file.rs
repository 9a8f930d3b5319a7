//! `text_file(path)`: lines of a file, a directory of files or a glob, split into byte ranges
//! on line boundaries (Hadoop's `LineRecordReader` rule: a line belongs to the split that holds
//! its first byte, so none is lost or read twice).

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Source, SourceNode};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::node::Node;
use crate::task::{Site, TaskContext};

/// Largest split, as Hadoop's local block size.
const MAX_SPLIT: u64 = 32 << 20;
/// A last piece up to 10% larger than a split is not split again (Hadoop's `SPLIT_SLOP`).
const SPLIT_SLOP: f64 = 1.1;

#[derive(Clone, Debug)]
struct Split {
    path: Arc<PathBuf>,
    start: u64,
    end: u64,
}

/// The source behind `text_file(path, min_partitions)`.
pub struct TextFileSource {
    splits: Vec<Split>,
}

impl TextFileSource {
    /// Lists the input files and splits them into at least `min_partitions` byte ranges
    /// (default `min(default_parallelism, 2)`, as Spark).
    pub fn new(
        ctx: &Context,
        path: impl AsRef<Path>,
        min_partitions: Option<usize>,
    ) -> Result<Self> {
        let min = min_partitions
            .unwrap_or_else(|| ctx.default_parallelism().min(2))
            .max(1);
        let files = list_inputs(path.as_ref())?;
        let mut sized = Vec::with_capacity(files.len());
        for f in files {
            let len = std::fs::metadata(&f)
                .map_err(|e| Error::io("read metadata of", &f, e))?
                .len();
            sized.push((Arc::new(f), len));
        }
        let total: u64 = sized.iter().map(|(_, l)| l).sum();
        let goal = (total / min as u64).max(1);
        let split_size = goal.clamp(1, MAX_SPLIT);
        let mut splits = Vec::new();
        for (path, len) in sized {
            let mut start = 0;
            while (len - start) as f64 / split_size as f64 > SPLIT_SLOP {
                splits.push(Split {
                    path: path.clone(),
                    start,
                    end: start + split_size,
                });
                start += split_size;
            }
            splits.push(Split {
                path,
                start,
                end: len,
            });
        }
        Ok(TextFileSource { splits })
    }
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
fn list_inputs(path: &Path) -> Result<Vec<PathBuf>> {
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

impl Source for TextFileSource {
    type Item = String;

    fn num_partitions(&self) -> usize {
        self.splits.len()
    }

    fn compute(&self, site: Site) -> impl Iterator<Item = String> + use<> {
        LineReader::open(self.splits[site.part].clone(), site.cx)
    }
}

/// Reads the lines whose first byte lies in a split.
struct LineReader {
    split: Split,
    reader: Option<BufReader<File>>,
    /// File offset of the next line's first byte.
    pos: u64,
    buf: Vec<u8>,
    cx: TaskContext,
}

impl LineReader {
    fn open(split: Split, cx: TaskContext) -> Self {
        let mut r = LineReader {
            pos: split.start,
            split,
            reader: None,
            buf: Vec::with_capacity(256),
            cx,
        };
        if r.split.start >= r.split.end && r.split.start > 0 {
            return r;
        }
        let path = r.split.path.clone();
        let opened = File::open(&*path).and_then(|f| {
            let mut reader = BufReader::with_capacity(1 << 18, f);
            if r.split.start > 0 {
                // The line that straddles the split start belongs to the previous split: skip
                // through the first newline at or after `start - 1`.
                reader.seek(SeekFrom::Start(r.split.start - 1))?;
                let mut skipped = Vec::new();
                let n = reader.read_until(b'\n', &mut skipped)?;
                r.pos = r.split.start - 1 + n as u64;
            }
            Ok(reader)
        });
        match opened {
            Ok(reader) => r.reader = Some(reader),
            Err(e) => r.cx.fail(Error::io("read", &*path, e)),
        }
        r
    }

    /// The next line's bytes (without its terminator) as a `String`, and its length with
    /// the terminator. A line wholly inside the reader's buffer is validated and copied from
    /// there, once; only a line that straddles the buffer's end, or a last line without a
    /// newline, goes through `read_until` into `self.buf` (one copy more).
    fn read_line(&mut self) -> std::io::Result<Option<(Result<String, usize>, usize)>> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(None);
        };
        let available = reader.fill_buf()?;
        if let Some(i) = memchr::memchr(b'\n', available) {
            let line = to_string(strip_cr(&available[..i]));
            reader.consume(i + 1);
            return Ok(Some((line, i + 1)));
        }
        self.buf.clear();
        let n = reader.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        let line = match self.buf.strip_suffix(b"\n") {
            Some(rest) => strip_cr(rest),
            None => &self.buf,
        };
        Ok(Some((to_string(line), n)))
    }
}

/// A line that ended with a newline, without the `\r` of a `\r\n`.
fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A line as a `String`, or the offset of its first invalid UTF-8 byte.
fn to_string(line: &[u8]) -> Result<String, usize> {
    std::str::from_utf8(line)
        .map(str::to_owned)
        .map_err(|e| e.valid_up_to())
}

impl Iterator for LineReader {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        // A line starting at `end` belongs to the next split (for the last split, `end` is the
        // file length, so this also stops at end of file).
        if self.pos >= self.split.end {
            return None;
        }
        let (line, n) = match self.read_line() {
            Ok(Some(l)) => l,
            Ok(None) => {
                self.reader = None;
                return None;
            }
            Err(e) => {
                self.cx.fail(Error::io("read", &*self.split.path, e));
                self.reader = None;
                return None;
            }
        };
        let line_start = self.pos;
        self.pos += n as u64;
        match line {
            Ok(s) => Some(s),
            Err(valid_up_to) => {
                self.cx.fail(Error::InvalidInput {
                    path: self.split.path.to_path_buf(),
                    offset: line_start + valid_up_to as u64,
                    reason: "invalid UTF-8 in a line of text".into(),
                });
                self.reader = None;
                None
            }
        }
    }
}

/// A hand-built `text_file` node.
pub fn text_file(
    ctx: &Context,
    label: &'static str,
    path: impl AsRef<Path>,
    min_partitions: Option<usize>,
) -> Result<Node<SourceNode<TextFileSource>>> {
    Ok(SourceNode::node(
        ctx,
        label,
        "text_file",
        TextFileSource::new(ctx, path, min_partitions)?,
    ))
}
