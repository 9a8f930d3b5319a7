//! `csv_file(path)`: CSV files with a header row, each record deserialized into the node's
//! element type by the `csv` crate, columns matched to fields by header name in any order.
//!
//! Splits never cut a record, quoted newlines included. `new` reads each header, then, for a
//! file that needs more than one split, finds where records end with a parallel `memchr` scan
//! that tracks the quote state (`csv_splits.rs`); a file whose quotes the scan cannot follow
//! as the `csv` crate does (a quote inside an unquoted field, text after a closing quote) is
//! cut by the crate's own parse instead. Split `k` starts after the first record end at or
//! after `k` split sizes past the header, and keeps the `csv::Position` (byte, line, record)
//! the crate would have there, so its reader seeks there and reports absolute line numbers. A
//! `.gz` or `.zst` file is one split, read from its start.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use csv::{Position, StringRecord};
use serde::de::DeserializeOwned;

use super::csv_splits::{self, Cuts, Scan};
use super::input_files::{Codec, Input, fingerprint_files, open_input, sized_inputs};
use super::{Source, SourceNode};
use crate::checkpoint::fingerprint::Fingerprinter;
use crate::context::Context;
use crate::data::Data;
use crate::error::{Error, Result};
use crate::node::Node;
use crate::task::{PanicScope, Site};

/// A CSV input file and its header.
struct CsvInput {
    path: PathBuf,
    headers: StringRecord,
    /// `.gz` or `.zst`: one split, read from the file's start past the header again.
    compressed: bool,
}

#[derive(Clone)]
struct CsvSplit {
    input: Arc<CsvInput>,
    /// Where the split's first record starts.
    start: Position,
    /// The split holds the records that start before this byte.
    end: u64,
}

/// The source behind `csv_file(path, min_partitions)`.
pub struct CsvFileSource<T> {
    splits: Vec<CsvSplit>,
    _item: PhantomData<fn() -> T>,
}

impl<T: Data + DeserializeOwned> CsvFileSource<T> {
    /// Lists the input files (a file, a directory or a glob, as `text_file`), reads each
    /// header and splits the files into at least `min_partitions` pieces on record boundaries.
    pub fn new(
        ctx: &Context,
        path: impl AsRef<Path>,
        min_partitions: Option<usize>,
    ) -> Result<Self> {
        let (sized, split_size) = sized_inputs(ctx, path.as_ref(), min_partitions)?;
        let mut splits = Vec::new();
        for (path, len) in sized {
            plan_file(ctx, &path, len, split_size, &mut splits)?;
        }
        Ok(CsvFileSource {
            splits,
            _item: PhantomData,
        })
    }
}

fn reader_builder() -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    // The header is read as a record of its own; record lengths are checked against it.
    b.has_headers(false).flexible(true).buffer_capacity(1 << 16);
    b
}

/// Reads `path`'s header and appends its splits.
fn plan_file(
    ctx: &Context,
    path: &Path,
    len: u64,
    split_size: u64,
    splits: &mut Vec<CsvSplit>,
) -> Result<()> {
    let file = open_input(path).map_err(|e| Error::io("read", path, e))?;
    let mut rdr = reader_builder().from_reader(file);
    let mut headers = StringRecord::new();
    rdr.read_record(&mut headers)
        .map_err(|e| csv_error(path, e, None))?;
    let input = Arc::new(CsvInput {
        path: path.to_path_buf(),
        headers,
        compressed: Codec::of(path) != Codec::Plain,
    });
    let first = rdr.position().clone();
    if input.compressed {
        splits.push(CsvSplit {
            input,
            start: first,
            end: u64::MAX,
        });
        return Ok(());
    }
    let mut cuts = Cuts::new(first.byte(), len, split_size);
    if cuts.wants_more() {
        let scanned = csv_splits::scan(ctx, path, &first, &mut cuts)
            .map_err(|e| Error::io("read", path, e))?;
        if let Scan::Quirky(at) = scanned {
            // The crate reads this quote unlike the model: its own parse cuts the file.
            tracing::debug!(path = %path.display(), at, "csv_file: quirky quote, exact split pass");
            cuts = Cuts::new(first.byte(), len, split_size);
            csv_splits::parse(&mut rdr, &mut cuts).map_err(|e| csv_error(path, e, None))?;
        }
    }
    let mut start = first;
    for cut in cuts.into_cuts() {
        splits.push(CsvSplit {
            input: input.clone(),
            start: std::mem::replace(&mut start, cut.clone()),
            end: cut.byte(),
        });
    }
    splits.push(CsvSplit {
        input,
        start,
        end: len,
    });
    Ok(())
}

impl<T: Data + DeserializeOwned> Source for CsvFileSource<T> {
    type Item = T;

    fn num_partitions(&self) -> usize {
        self.splits.len()
    }

    fn compute(&self, site: Site) -> impl Iterator<Item = T> + use<T> {
        CsvReader::open(self.splits[site.part].clone(), site)
    }

    fn fingerprint_input(&self, fp: &mut Fingerprinter) -> Result<()> {
        fingerprint_files(fp, self.splits.iter().map(|s| s.input.path.as_path()))
    }
}

struct CsvReader<T> {
    split: CsvSplit,
    rdr: Option<csv::Reader<Input>>,
    record: StringRecord,
    site: Site,
    _item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> CsvReader<T> {
    fn open(split: CsvSplit, site: Site) -> Self {
        let mut r = CsvReader {
            split,
            rdr: None,
            record: StringRecord::new(),
            site,
            _item: PhantomData,
        };
        let path = &r.split.input.path;
        let compressed = r.split.input.compressed;
        let opened = open_input(path)
            .map_err(|e| Error::io("read", path, e))
            .and_then(|f| {
                let mut rdr = reader_builder().from_reader(f);
                if compressed {
                    rdr.read_record(&mut r.record)
                } else {
                    rdr.seek(r.split.start.clone()).map(|()| true)
                }
                .map_err(|e| csv_error(path, e, None))?;
                Ok(rdr)
            });
        match opened {
            Ok(rdr) => r.rdr = Some(rdr),
            Err(e) => r.site.cx.fail(e),
        }
        r
    }

    fn fail(&mut self, error: Error) -> Option<T> {
        self.site.cx.fail(error);
        self.rdr = None;
        None
    }
}

impl<T: DeserializeOwned> Iterator for CsvReader<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self.read() {
            Ok(v) => v,
            Err(e) => self.fail(e),
        }
    }
}

impl<T: DeserializeOwned> CsvReader<T> {
    /// The next record of the split. The input is borrowed, not cloned, per record: the tasks
    /// of one file share its `Arc`, and its count would bounce between their cores.
    fn read(&mut self) -> Result<Option<T>> {
        let Some(rdr) = self.rdr.as_mut() else {
            return Ok(None);
        };
        if rdr.position().byte() >= self.split.end {
            return Ok(None);
        }
        let input = &*self.split.input;
        if !rdr
            .read_record(&mut self.record)
            .map_err(|e| csv_error(&input.path, e, None))?
        {
            return Ok(None);
        }
        if self.record.len() != input.headers.len() {
            let pos = self
                .record
                .position()
                .cloned()
                .unwrap_or_else(Position::new);
            let reason = format!(
                "line {}: the record has {} field(s), the header {}",
                pos.line(),
                self.record.len(),
                input.headers.len()
            );
            return Err(Error::InvalidInput {
                path: input.path.clone(),
                offset: pos.byte(),
                reason,
            });
        }
        let scope = PanicScope::enter(self.site.node);
        let parsed = self.record.deserialize::<T>(Some(&input.headers));
        scope.exit();
        parsed
            .map(Some)
            .map_err(|e| csv_error(&input.path, e, Some(&input.headers)))
    }
}

/// A `csv` error as an rddflow error: I/O as `Error::Io`, a malformed record or a type
/// mismatch as `Error::InvalidInput` with its line (and the field's header name).
fn csv_error(path: &Path, e: csv::Error, headers: Option<&StringRecord>) -> Error {
    let pos = e.position().cloned();
    let reason = match e.into_kind() {
        csv::ErrorKind::Io(e) => return Error::io("read", path, e),
        csv::ErrorKind::Utf8 { err, .. } => {
            let field = headers
                .and_then(|h| h.get(err.field()))
                .map_or_else(String::new, |f| format!(", field `{f}`"));
            format!("invalid UTF-8{field}")
        }
        csv::ErrorKind::Deserialize { err, .. } => {
            let field = err
                .field()
                .and_then(|i| headers.and_then(|h| h.get(i as usize)))
                .map_or_else(String::new, |f| format!("field `{f}`: "));
            format!("{field}{}", err.kind())
        }
        other => format!("{other:?}"),
    };
    let pos = pos.unwrap_or_else(Position::new);
    Error::InvalidInput {
        path: path.to_path_buf(),
        offset: pos.byte(),
        reason: format!("line {}: {reason}", pos.line()),
    }
}

/// A hand-built `csv_file` node.
pub fn csv_file<T: Data + DeserializeOwned>(
    ctx: &Context,
    label: &'static str,
    path: impl AsRef<Path>,
    min_partitions: Option<usize>,
) -> Result<Node<SourceNode<CsvFileSource<T>>>> {
    Ok(SourceNode::node(
        ctx,
        label,
        "csv_file",
        CsvFileSource::new(ctx, path, min_partitions)?,
    ))
}
