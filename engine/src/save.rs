//! Saves: each partition written by a [`Format`] and committed like Hadoop's
//! `FileOutputCommitter` (algorithm 1).
//!
//! A task attempt writes `_temporary/part-NNNNN.attempt-A`; when the attempt succeeds it is
//! renamed to `_temporary/part-NNNNN` (task commit, so a retried attempt's half-written file is
//! never used). When every task has succeeded the committed parts are renamed into the output
//! directory, `_temporary` is removed and an empty `_SUCCESS` is written last (job commit). A
//! failed job removes `_temporary` and any part already moved: it leaves neither parts nor
//! `_SUCCESS`. Readers skip `_`-prefixed names, so `_temporary` is never read as data.
//!
//! Text parts may be compressed as a whole ([`SaveOptions`], `compression.rs`); Parquet parts
//! (`parquet.rs`, feature `parquet`) compress their own pages.

mod compression;
#[cfg(feature = "parquet")]
pub(crate) mod parquet;

use std::fmt::Display;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use compression::PartWriter;
pub use compression::{Compression, SaveOptions};

use serde::Serialize;

use crate::actions::Handle;
use crate::error::{Error, Result};
use crate::scheduler::{Coverage, agree, run_job_for_effect};
use crate::task::PanicScope;

/// How one partition is written: a file name suffix and the encoding of its elements.
pub(crate) trait Format<T>: Sync {
    /// Appended to `part-NNNNN`.
    const SUFFIX: &'static str;
    /// Writes `items` to `out`. Each element's user code (`Display`, `Serialize`) runs under
    /// `node`'s panic scope, so a panic in it names the node.
    fn write_part<W: Write + Send>(
        &self,
        node: &'static str,
        out: &mut W,
        items: impl Iterator<Item = T>,
    ) -> std::io::Result<()>;
}

/// `save_as_text_file`: one `Display` line per element.
pub(crate) struct Text;

impl<T: Display> Format<T> for Text {
    const SUFFIX: &'static str = "";
    fn write_part<W: Write + Send>(
        &self,
        node: &'static str,
        out: &mut W,
        items: impl Iterator<Item = T>,
    ) -> std::io::Result<()> {
        for x in items {
            let g = PanicScope::enter(node);
            writeln!(out, "{x}")?;
            g.exit();
        }
        Ok(())
    }
}

/// `save_as_json_lines`: one JSON value per line (`serde_json` escapes newlines in strings, so
/// a line is always a whole record).
pub(crate) struct JsonLines;

impl<T: Serialize> Format<T> for JsonLines {
    const SUFFIX: &'static str = ".jsonl";
    fn write_part<W: Write + Send>(
        &self,
        node: &'static str,
        out: &mut W,
        items: impl Iterator<Item = T>,
    ) -> std::io::Result<()> {
        for x in items {
            let g = PanicScope::enter(node);
            serde_json::to_writer(&mut *out, &x)?;
            g.exit();
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// `save_as_csv`: a header row from the struct's field names, then one row per element
/// (fields with commas, quotes or newlines quoted by the `csv` crate).
pub(crate) struct Csv;

impl<T: Serialize> Format<T> for Csv {
    const SUFFIX: &'static str = ".csv";
    fn write_part<W: Write + Send>(
        &self,
        node: &'static str,
        out: &mut W,
        items: impl Iterator<Item = T>,
    ) -> std::io::Result<()> {
        let mut w = csv::Writer::from_writer(&mut *out);
        for x in items {
            let g = PanicScope::enter(node);
            w.serialize(&x).map_err(std::io::Error::from)?;
            g.exit();
        }
        w.flush()
    }
}

/// Name of the staging directory inside the output directory.
const TEMPORARY: &str = "_temporary";

/// Writes every partition of `d` into `dir` as `fmt`, compressed as `options` say, and
/// commits the output.
pub(crate) fn save<D: Handle, F: Format<D::Item>>(
    d: &D,
    dir: &Path,
    fmt: F,
    options: &SaveOptions,
) -> Result<()> {
    let codec = options.get_compression();
    codec.check_available().map_err(Error::InvalidArgument)?;
    let ctx = d.core().context();
    let existed = dir.exists();
    // In a cluster every process checks before any creates the directory, and all agree.
    let checked = (|| {
        if existed {
            let mut entries =
                std::fs::read_dir(dir).map_err(|e| Error::io("list directory", dir, e))?;
            if entries.next().is_some() {
                return Err(Error::OutputExists {
                    path: dir.to_path_buf(),
                });
            }
        }
        Ok(())
    })();
    agree(ctx, "checking the output directory", checked)?;
    let staging = dir.join(TEMPORARY);
    let created =
        std::fs::create_dir_all(&staging).map_err(|e| Error::io("create directory", &staging, e));
    agree(ctx, "creating the output directory", created)?;
    let node = d.core().info().label;
    let parts: Vec<usize> = (0..d.num_partitions()).collect();
    let names: Vec<String> = parts
        .iter()
        .map(|p| format!("part-{p:05}{}{}", F::SUFFIX, codec.extension()))
        .collect();
    // Each part is written once (in a cluster, by the process that computed it).
    let written = run_job_for_effect(ctx, &d.erased(), &parts, Coverage::Full, &|cx, p| {
        let name = &names[p];
        let tmp = staging.join(format!(
            "{name}.attempt-{}-{}",
            ctx.process_index(),
            cx.attempt()
        ));
        let file = File::create(&tmp).map_err(|e| Error::io("create", &tmp, e))?;
        PartWriter::new(file, codec)
            .and_then(|mut w| {
                fmt.write_part(node, &mut w, d.iter_partition(cx, p))?;
                w.finish()
            })
            .map_err(|e| Error::io("write", &tmp, e))?;
        if cx.failed() {
            // The input failed (the task reports why): this attempt's file is incomplete.
            let _ = std::fs::remove_file(&tmp);
            return Ok(());
        }
        let done = staging.join(name);
        std::fs::rename(&tmp, &done).map_err(|e| Error::io("rename into place", &done, e))
    });
    // Every part is in place once the job ended in every process: one process commits.
    let committed = written.and_then(|()| {
        let outcome = match ctx.process_index() {
            0 => commit_job(dir, &staging, &names),
            _ => Ok(()),
        };
        agree(ctx, "committing the output", outcome)
    });
    if let Err(e) = committed {
        if ctx.process_index() == 0 {
            abort_job(dir, &staging, existed);
        }
        return Err(e);
    }
    Ok(())
}

/// Moves the committed parts into `dir`, removes the staging directory, then writes `_SUCCESS`.
fn commit_job(dir: &Path, staging: &Path, names: &[String]) -> Result<()> {
    for name in names {
        let to = dir.join(name);
        std::fs::rename(staging.join(name), &to)
            .map_err(|e| Error::io("rename into place", &to, e))?;
    }
    std::fs::remove_dir_all(staging).map_err(|e| Error::io("remove", staging, e))?;
    let success = dir.join("_SUCCESS");
    std::fs::write(&success, b"").map_err(|e| Error::io("create", &success, e))
}

/// Leaves `dir` as it was before the job: removed if the job created it, else empty (it was
/// empty, or the job would not have started).
fn abort_job(dir: &Path, staging: &Path, existed: bool) {
    if !existed {
        let _ = std::fs::remove_dir_all(dir);
        return;
    }
    let _ = std::fs::remove_dir_all(staging);
    if let Ok(entries) = std::fs::read_dir(dir) {
        let left: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        for p in left {
            let _ = std::fs::remove_file(&p);
        }
    }
}
