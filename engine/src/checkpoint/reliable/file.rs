//! Part files of reliable checkpoints: written through a temporary name and renamed on commit;
//! read back only after their length and checksum match the manifest.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::parts::Parts;
use super::writer::PartWriter;
use crate::checkpoint::faults;
use crate::checkpoint::manifest::{PartInfo, part_path, temp_name};
use crate::codec::ElemCodec;
use crate::codec::compress::{Compression, CrcWriter, Encoder};
use crate::error::{Error, Result};
use crate::part_io::Sink;
use crate::task::{Commit, TaskContext};

const FLUSH_AT: usize = 1 << 20;

/// Streams one partition into `.part-NNNNN.<pid>-<n>.tmp` while the job computes it.
pub(crate) struct FileSink<T> {
    codec: Arc<dyn ElemCodec<T>>,
    /// Where the finished part is recorded.
    parts: Arc<Parts>,
    part: usize,
    tmp: PathBuf,
    target: PathBuf,
    /// `None` when the file could not be created (the error is in `error`).
    out: Option<PartWriter>,
    buf: Vec<u8>,
    records: u64,
    error: Option<Error>,
}

impl<T: 'static> FileSink<T> {
    pub(crate) fn open(
        dir: &Path,
        part: usize,
        codec: Arc<dyn ElemCodec<T>>,
        compression: Compression,
        parts: Arc<Parts>,
    ) -> Self {
        let tmp = temp_name(dir, &format!("part-{part:05}"));
        let (out, error) = match std::fs::File::create(&tmp) {
            Ok(f) => {
                let w = CrcWriter {
                    inner: f,
                    crc: crc32fast::Hasher::new(),
                    bytes: 0,
                    limit: faults::limit_for(&tmp),
                };
                (Some(PartWriter::new(Encoder::new(compression, w))), None)
            }
            Err(e) => (None, Some(Error::io("create checkpoint file", &tmp, e))),
        };
        FileSink {
            codec,
            parts,
            part,
            target: part_path(dir, part),
            tmp,
            out,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            records: 0,
            error,
        }
    }

    /// Hands the full buffer to the writer, which returns an empty one.
    fn flush_buf(&mut self) {
        if let Some(out) = self.out.as_mut()
            && let Err((action, e)) = out.write(&mut self.buf)
        {
            self.error = Some(Error::io(action, &self.tmp, e));
        }
        self.buf.clear();
    }
}

impl<T: Send + Sync + 'static> Sink<T> for FileSink<T> {
    fn push(&mut self, item: &T) {
        if self.error.is_some() {
            return;
        }
        match self.codec.encode(item, &mut self.buf) {
            Ok(()) => self.records += 1,
            Err(e) => self.error = Some(Error::corrupt(&self.tmp, e)),
        }
        if self.buf.len() >= FLUSH_AT {
            self.flush_buf();
        }
    }

    fn finish(mut self: Box<Self>, cx: &TaskContext) -> Result<Commit> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let out = self
            .out
            .take()
            .ok_or_else(|| Error::Internal("checkpoint file finished twice".into()))?;
        // Written, ended and synced: durable before it becomes visible.
        let (w, took) = out
            .finish(&self.buf)
            .map_err(|(action, e)| Error::io(action, &self.tmp, e))?;
        cx.metrics(|m| {
            m.bytes_checkpointed += w.bytes;
            m.checkpoint_write_nanos += took.as_nanos() as u64;
        });
        let info = PartInfo {
            records: self.records,
            bytes: w.bytes,
            crc32: w.crc.finalize(),
        };
        let tmp = TempFile(std::mem::take(&mut self.tmp));
        let target = self.target.clone();
        let parts = self.parts.clone();
        let part = self.part;
        Ok(Box::new(move || parts.place(part, info, &tmp.0, &target)))
    }
}

impl<T> Drop for FileSink<T> {
    fn drop(&mut self) {
        // Not finished (partial partition, failed task): leave nothing behind. The writer
        // goes first: its thread, if any, is told to stop and joined, closing the file.
        drop(self.out.take());
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A temporary file removed when dropped (after a rename it no longer exists, which is fine):
/// a commit that never runs, because its task failed, leaves nothing behind.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Reads partition `part` of a checkpoint, validating it against its manifest entry: length,
/// CRC-32 (of the bytes on disk), decompression, then exactly `records` elements and nothing
/// after them. Allocation is bounded by the file's size, never by a count read from it.
pub(crate) fn read_part<T>(
    dir: &Path,
    part: usize,
    info: &PartInfo,
    codec: &dyn ElemCodec<T>,
    compression: Compression,
) -> Result<Vec<T>> {
    let path = part_path(dir, part);
    let len = match std::fs::metadata(&path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::corrupt(&path, "part file is missing"));
        }
        Err(e) => return Err(Error::io("read checkpoint file", &path, e)),
    };
    if len != info.bytes {
        return Err(Error::corrupt(
            &path,
            format!("{len} bytes, the manifest says {}", info.bytes),
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| Error::io("read checkpoint file", &path, e))?;
    if bytes.len() as u64 != info.bytes {
        return Err(Error::corrupt(
            &path,
            format!("{} bytes, the manifest says {}", bytes.len(), info.bytes),
        ));
    }
    let crc = crc32fast::hash(&bytes);
    if crc != info.crc32 {
        return Err(Error::corrupt(
            &path,
            format!("checksum {crc:08x}, the manifest says {:08x}", info.crc32),
        ));
    }
    let plain = compression
        .decompress(&bytes)
        .map_err(|e| Error::corrupt(&path, e))?;
    codec
        .decode_all(&plain, info.records)
        .map_err(|e| Error::corrupt(&path, e))
}
