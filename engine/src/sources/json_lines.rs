//! `json_lines(path)`: one JSON value per line (`serde_json`), deserialized into the node's
//! element type. JSON escapes newlines inside strings, so every line is a whole record and the
//! file splits on line boundaries with `text_file`'s rule (a line belongs to the split that
//! holds its first byte). Blank lines are skipped. A `.gz` or `.zst` file is decompressed and
//! read whole, as one split.

use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::input_files::{Input, byte_splits, fingerprint_files, line_of, open_input};
use super::{Source, SourceNode};
use crate::checkpoint::fingerprint::Fingerprinter;
use crate::context::Context;
use crate::data::Data;
use crate::error::{Error, Result};
use crate::node::Node;
use crate::task::{PanicScope, Site};

/// The source behind `json_lines(path, min_partitions)`.
pub struct JsonLinesSource<T> {
    splits: Vec<(Arc<PathBuf>, u64, u64)>,
    _item: PhantomData<fn() -> T>,
}

impl<T: Data + DeserializeOwned> JsonLinesSource<T> {
    /// Lists the input files (a file, a directory or a glob, as `text_file`) and splits them
    /// into at least `min_partitions` byte ranges.
    pub fn new(
        ctx: &Context,
        path: impl AsRef<Path>,
        min_partitions: Option<usize>,
    ) -> Result<Self> {
        Ok(JsonLinesSource {
            splits: byte_splits(ctx, path.as_ref(), min_partitions)?,
            _item: PhantomData,
        })
    }
}

impl<T: Data + DeserializeOwned> Source for JsonLinesSource<T> {
    type Item = T;

    fn num_partitions(&self) -> usize {
        self.splits.len()
    }

    fn compute(&self, site: Site) -> impl Iterator<Item = T> + use<T> {
        let (path, start, end) = self.splits[site.part].clone();
        JsonLinesReader::open(path, start, end, site)
    }

    fn fingerprint_input(&self, fp: &mut Fingerprinter) -> Result<()> {
        fingerprint_files(fp, self.splits.iter().map(|(p, _, _)| p.as_path()))
    }
}

struct JsonLinesReader<T> {
    path: Arc<PathBuf>,
    file: Option<BufReader<Input>>,
    /// File offset of the next line's first byte.
    pos: u64,
    end: u64,
    line: Vec<u8>,
    site: Site,
    _item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> JsonLinesReader<T> {
    fn open(path: Arc<PathBuf>, start: u64, end: u64, site: Site) -> Self {
        let mut r = JsonLinesReader {
            path,
            file: None,
            pos: start,
            end,
            line: Vec::new(),
            site,
            _item: PhantomData,
        };
        if start >= end {
            return r;
        }
        let opened = open_input(&r.path).and_then(|f| {
            let mut f = BufReader::with_capacity(1 << 16, f);
            if start > 0 {
                // The line straddling the split start belongs to the previous split: skip
                // through the first newline at or after `start - 1`.
                f.seek(SeekFrom::Start(start - 1))?;
                r.pos = start - 1 + f.read_until(b'\n', &mut r.line)? as u64;
            }
            Ok(f)
        });
        match opened {
            Ok(f) => r.file = Some(f),
            Err(e) => r.site.cx.fail(Error::io("read", &*r.path, e)),
        }
        r
    }

    fn fail(&mut self, error: Error) -> Option<T> {
        self.site.cx.fail(error);
        self.file = None;
        None
    }
}

impl<T: DeserializeOwned> Iterator for JsonLinesReader<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            // A line starting at `end` belongs to the next split.
            if self.pos >= self.end {
                return None;
            }
            let file = self.file.as_mut()?;
            self.line.clear();
            let at = self.pos;
            let n = match file.read_until(b'\n', &mut self.line) {
                Ok(0) => return None,
                Ok(n) => n,
                Err(e) => {
                    let e = Error::io("read", &*self.path, e);
                    return self.fail(e);
                }
            };
            self.pos += n as u64;
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let scope = PanicScope::enter(self.site.node);
            let parsed = parse::<T>(&self.line);
            scope.exit();
            return match parsed {
                Ok(v) => Some(v),
                Err(reason) => {
                    let e = Error::InvalidInput {
                        path: self.path.to_path_buf(),
                        offset: at,
                        reason: format!("line {}: {reason}", line_of(&self.path, at)),
                    };
                    self.fail(e)
                }
            };
        }
    }
}

/// One JSON value, with nothing but whitespace after it; a type mismatch names the field by
/// its path (`serde_path_to_error`).
fn parse<T: DeserializeOwned>(line: &[u8]) -> std::result::Result<T, String> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let msg = json_message(e.into_inner());
        if field == "." {
            msg
        } else {
            format!("field `{field}`: {msg}")
        }
    })?;
    de.end().map_err(json_message)?;
    Ok(value)
}

/// `serde_json`'s message with its column, without its "line 1" (each record is one line).
fn json_message(e: serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((msg, _)) => format!("{msg} (column {})", e.column()),
        None => text,
    }
}

/// A hand-built `json_lines` node.
pub fn json_lines<T: Data + DeserializeOwned>(
    ctx: &Context,
    label: &'static str,
    path: impl AsRef<Path>,
    min_partitions: Option<usize>,
) -> Result<Node<SourceNode<JsonLinesSource<T>>>> {
    Ok(SourceNode::node(
        ctx,
        label,
        "json_lines",
        JsonLinesSource::new(ctx, path, min_partitions)?,
    ))
}
