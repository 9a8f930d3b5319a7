//! `save_as_parquet`: each partition one Parquet file, its Arrow schema traced from the element
//! type by `serde_arrow` (field names, types, `Option` as nullable), pages Snappy-compressed
//! (Spark's default codec).

use std::io::Write;
use std::marker::PhantomData;
use std::sync::Arc;

use arrow_schema::{FieldRef, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_arrow::ArrayBuilder;
use serde_arrow::schema::{SchemaLike, TracingOptions};

use super::Format;
use crate::error::{Error, Result};
use crate::task::PanicScope;

/// Rows converted to Arrow per batch: bounds the memory of a part being written (the writer
/// buffers a row group's encoded pages anyway).
const BATCH_ROWS: usize = 1 << 14;

/// The Parquet format of one element type, its schema traced once before the job.
pub(crate) struct Parquet<T> {
    fields: Vec<FieldRef>,
    schema: SchemaRef,
    _item: PhantomData<fn(T)>,
}

impl<T: Serialize + DeserializeOwned> Parquet<T> {
    /// Traces `T`'s schema; a type Arrow cannot hold as a table (not a struct, or a field
    /// `serde_arrow` cannot trace) is `Error::InvalidArgument` naming the type.
    pub(crate) fn new() -> Result<Self> {
        let fields = Vec::<FieldRef>::from_type::<T>(element_tracing()).map_err(|e| {
            Error::InvalidArgument(format!(
                "save_as_parquet: the element type `{}` has no Parquet schema (it must be a \
                 struct of fields Arrow can hold): {e}",
                std::any::type_name::<T>()
            ))
        })?;
        let schema = Arc::new(Schema::new(fields.clone()));
        Ok(Parquet {
            fields,
            schema,
            _item: PhantomData,
        })
    }
}

/// How element types are traced, on write and for the read's projection alike.
pub(crate) fn element_tracing() -> TracingOptions {
    // Unit-only enums as strings (as JSON lines writes them), not as unions that few readers
    // understand.
    TracingOptions::default().enums_without_data_as_strings(true)
}

fn other(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl<T: Serialize + DeserializeOwned> Format<T> for Parquet<T> {
    const SUFFIX: &'static str = ".parquet";

    fn write_part<W: Write + Send>(
        &self,
        node: &'static str,
        out: &mut W,
        items: impl Iterator<Item = T>,
    ) -> std::io::Result<()> {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer =
            ArrowWriter::try_new(out, self.schema.clone(), Some(props)).map_err(other)?;
        let mut builder = ArrayBuilder::from_arrow(&self.fields).map_err(other)?;
        let mut rows = 0;
        for x in items {
            let g = PanicScope::enter(node);
            let pushed = builder.push(&x);
            g.exit();
            pushed.map_err(other)?;
            rows += 1;
            if rows == BATCH_ROWS {
                write_batch(&mut builder, &mut writer)?;
                rows = 0;
            }
        }
        if rows > 0 {
            write_batch(&mut builder, &mut writer)?;
        }
        // Writes the footer; an empty partition is a valid file with the schema and no rows.
        writer.close().map_err(other)?;
        Ok(())
    }
}

/// Hands the rows pushed into `builder` to `writer` as one batch (and empties the builder).
fn write_batch<W: Write + Send>(
    builder: &mut ArrayBuilder,
    writer: &mut ArrowWriter<W>,
) -> std::io::Result<()> {
    let batch = builder.to_record_batch().map_err(other)?;
    writer.write(&batch).map_err(other)
}
