//! `parquet_file(path)`: Parquet files read with arrow-rs's reader and deserialized into the
//! node's element type by `serde_arrow` (feature `parquet`).
//!
//! Only the columns the type has are read: the type's fields are traced by `serde_arrow` (as
//! `save_as_parquet` traces them) and the file's top-level columns of those names form the
//! projection, so a wide file read into a narrow type decodes only the narrow type's pages.
//! Partitions follow row groups, the unit a Parquet reader can start at: consecutive row groups
//! of a file are grouped until their compressed size reaches the split size (as `text_file`
//! sizes its splits), so a file of large row groups gives one partition per row group.

use std::fs::File;
use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::FieldRef;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use serde::de::DeserializeOwned;
use serde_arrow::schema::{SchemaLike, TracingOptions};

use super::input_files::{fingerprint_files, sized_inputs};
use super::{Source, SourceNode};
use crate::checkpoint::fingerprint::Fingerprinter;
use crate::context::Context;
use crate::data::Data;
use crate::error::{Error, Result};
use crate::node::Node;
use crate::task::{PanicScope, Site};

/// Rows decoded per Arrow batch.
const BATCH_ROWS: usize = 8192;

/// A Parquet input file: its footer, read once when the source is created, and the columns
/// the element type reads.
struct ParquetInput {
    path: PathBuf,
    meta: ArrowReaderMetadata,
    projection: ProjectionMask,
}

#[derive(Clone)]
struct ParquetSplit {
    input: Arc<ParquetInput>,
    row_groups: Range<usize>,
}

/// The source behind `parquet_file(path, min_partitions)`.
pub struct ParquetFileSource<T> {
    splits: Vec<ParquetSplit>,
    _item: PhantomData<fn() -> T>,
}

impl<T: Data + DeserializeOwned> ParquetFileSource<T> {
    /// Lists the input files (a file, a directory or a glob, as `text_file`), reads each
    /// footer and groups row groups into partitions (at least `min_partitions` when there are
    /// that many row groups). A file that is not Parquet, or is truncated, is
    /// `Error::InvalidInput` naming it.
    pub fn new(
        ctx: &Context,
        path: impl AsRef<Path>,
        min_partitions: Option<usize>,
    ) -> Result<Self> {
        // Without a traceable type (a map, say) every column is read and the deserializer
        // picks its fields.
        let wanted: Option<Vec<String>> =
            Vec::<FieldRef>::from_type::<T>(TracingOptions::default().allow_null_fields(true))
                .ok()
                .map(|fields| fields.iter().map(|f| f.name().clone()).collect());
        let (sized, split_size) = sized_inputs(ctx, path.as_ref(), min_partitions)?;
        let mut splits = Vec::new();
        for (path, _) in sized {
            let input = Arc::new(open_footer(&path, wanted.as_deref())?);
            let groups = input.meta.metadata().row_groups();
            let mut start = 0;
            let mut size = 0u64;
            for (i, rg) in groups.iter().enumerate() {
                size += rg.compressed_size().max(0) as u64;
                if size >= split_size || i + 1 == groups.len() {
                    splits.push(ParquetSplit {
                        input: input.clone(),
                        row_groups: start..i + 1,
                    });
                    start = i + 1;
                    size = 0;
                }
            }
        }
        Ok(ParquetFileSource {
            splits,
            _item: PhantomData,
        })
    }
}

/// Reads `path`'s footer and projects its top-level columns onto `wanted` (all when `None`).
fn open_footer(path: &Path, wanted: Option<&[String]>) -> Result<ParquetInput> {
    let file = File::open(path).map_err(|e| Error::io("read", path, e))?;
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default()).map_err(|e| {
        Error::InvalidInput {
            path: path.to_path_buf(),
            offset: 0,
            reason: format!("not a readable Parquet file: {e}"),
        }
    })?;
    let projection = match wanted {
        None => ProjectionMask::all(),
        Some(names) => {
            let roots = meta
                .schema()
                .fields()
                .iter()
                .enumerate()
                .filter(|(_, f)| names.iter().any(|n| n == f.name()))
                .map(|(i, _)| i);
            ProjectionMask::roots(meta.parquet_schema(), roots)
        }
    };
    Ok(ParquetInput {
        path: path.to_path_buf(),
        meta,
        projection,
    })
}

impl<T: Data + DeserializeOwned> Source for ParquetFileSource<T> {
    type Item = T;

    fn num_partitions(&self) -> usize {
        self.splits.len()
    }

    fn compute(&self, site: Site) -> impl Iterator<Item = T> + use<T> {
        let split = self.splits[site.part].clone();
        ParquetReader {
            next_group: split.row_groups.start,
            split,
            reader: None,
            rows: Vec::new().into_iter(),
            site,
            done: false,
        }
    }

    fn fingerprint_input(&self, fp: &mut Fingerprinter) -> Result<()> {
        fingerprint_files(fp, self.splits.iter().map(|s| s.input.path.as_path()))
    }
}

/// Reads a split's row groups one at a time, so an error names its row group.
struct ParquetReader<T> {
    split: ParquetSplit,
    /// The row group after the one `reader` reads.
    next_group: usize,
    reader: Option<ParquetRecordBatchReader>,
    rows: std::vec::IntoIter<T>,
    site: Site,
    done: bool,
}

impl<T: DeserializeOwned> ParquetReader<T> {
    /// `Error::InvalidInput` at row group `group` of the split's file.
    fn error(&self, group: usize, what: impl std::fmt::Display) -> Error {
        let input = &self.split.input;
        let offset = input
            .meta
            .metadata()
            .row_group(group)
            .columns()
            .first()
            .map_or(0, |c| c.byte_range().0);
        Error::InvalidInput {
            path: input.path.clone(),
            offset,
            // `serde_arrow` prefixes its messages with "Error: ", which says nothing here.
            reason: format!(
                "row group {group}: {}",
                what.to_string().trim_start_matches("Error: ")
            ),
        }
    }

    fn open(&self, group: usize) -> Result<ParquetRecordBatchReader> {
        let input = &self.split.input;
        let file = File::open(&input.path).map_err(|e| Error::io("read", &input.path, e))?;
        ParquetRecordBatchReaderBuilder::new_with_metadata(file, input.meta.clone())
            .with_projection(input.projection.clone())
            .with_row_groups(vec![group])
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| self.error(group, e))
    }

    fn fail(&mut self, error: Error) -> Option<T> {
        self.site.cx.fail(error);
        self.done = true;
        self.reader = None;
        None
    }
}

impl<T: DeserializeOwned> Iterator for ParquetReader<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            if let Some(x) = self.rows.next() {
                return Some(x);
            }
            if self.done {
                return None;
            }
            // The row group `reader` reads (when there is one).
            let group = self.next_group.saturating_sub(1);
            let Some(reader) = self.reader.as_mut() else {
                if self.next_group == self.split.row_groups.end {
                    self.done = true;
                    return None;
                }
                let group = self.next_group;
                match self.open(group) {
                    Ok(r) => self.reader = Some(r),
                    Err(e) => return self.fail(e),
                }
                self.next_group += 1;
                continue;
            };
            match reader.next() {
                None => self.reader = None,
                Some(Err(e)) => return self.fail(self.error(group, e)),
                Some(Ok(batch)) => {
                    // User `Deserialize` impls run here: a panic names the node.
                    let scope = PanicScope::enter(self.site.node);
                    let parsed = serde_arrow::from_record_batch::<Vec<T>>(&batch);
                    scope.exit();
                    match parsed {
                        Ok(rows) => self.rows = rows.into_iter(),
                        Err(e) => return self.fail(self.error(group, e)),
                    }
                }
            }
        }
    }
}

/// A hand-built `parquet_file` node.
pub fn parquet_file<T: Data + DeserializeOwned>(
    ctx: &Context,
    label: &'static str,
    path: impl AsRef<Path>,
    min_partitions: Option<usize>,
) -> Result<Node<SourceNode<ParquetFileSource<T>>>> {
    Ok(SourceNode::node(
        ctx,
        label,
        "parquet_file",
        ParquetFileSource::new(ctx, path, min_partitions)?,
    ))
}
