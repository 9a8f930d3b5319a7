//! Part files of reliable checkpoints: written through a temporary name and renamed on commit;
//! read back only after their length and checksum match the manifest.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::codec::ElemCodec;
use super::manifest::{PartInfo, part_path};
use crate::error::{Error, Result};
use crate::storage::{Sink, Slots, lock};
use crate::task::{Commit, TaskContext};

const FLUSH_AT: usize = 1 << 20;

/// Streams one partition into `.part-NNNNN.<unique>.tmp` while the job computes it.
pub(crate) struct FileSink<T> {
    codec: Arc<dyn ElemCodec<T>>,
    slots: Arc<Mutex<Slots<T>>>,
    part: usize,
    tmp: PathBuf,
    target: PathBuf,
    file: Option<std::fs::File>,
    buf: Vec<u8>,
    crc: crc32fast::Hasher,
    records: u64,
    bytes: u64,
    error: Option<Error>,
}

impl<T: 'static> FileSink<T> {
    pub(crate) fn open(
        dir: &Path,
        part: usize,
        codec: Arc<dyn ElemCodec<T>>,
        slots: Arc<Mutex<Slots<T>>>,
    ) -> Self {
        static UNIQUE: AtomicU64 = AtomicU64::new(0);
        let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".part-{part:05}.{}-{n}.tmp", std::process::id()));
        let (file, error) = match std::fs::File::create(&tmp) {
            Ok(f) => (Some(f), None),
            Err(e) => (None, Some(Error::io("create checkpoint file", &tmp, e))),
        };
        FileSink {
            codec,
            slots,
            part,
            target: part_path(dir, part),
            tmp,
            file,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            crc: crc32fast::Hasher::new(),
            records: 0,
            bytes: 0,
            error,
        }
    }

    fn flush_buf(&mut self) {
        if self.error.is_some() || self.buf.is_empty() {
            self.buf.clear();
            return;
        }
        if let Some(f) = self.file.as_mut() {
            match f.write_all(&self.buf) {
                Ok(()) => {
                    self.crc.update(&self.buf);
                    self.bytes += self.buf.len() as u64;
                }
                Err(e) => self.error = Some(Error::io("write checkpoint file", &self.tmp, e)),
            }
        }
        self.buf.clear();
    }
}

impl<T: Clone + Send + Sync + 'static> Sink<T> for FileSink<T> {
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
        self.flush_buf();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let bytes = self.bytes;
        cx.metrics(|m| m.bytes_checkpointed += bytes);
        if let Some(f) = self.file.take() {
            // Durable before it becomes visible: a crash leaves a temp file, never a short part.
            f.sync_data()
                .map_err(|e| Error::io("sync checkpoint file", &self.tmp, e))?;
        }
        let info = PartInfo {
            records: self.records,
            bytes: self.bytes,
            crc32: self.crc.clone().finalize(),
        };
        let tmp = TempFile(std::mem::take(&mut self.tmp));
        let target = self.target.clone();
        let slots = self.slots.clone();
        let part = self.part;
        Ok(Box::new(move || {
            // First committer wins: an identical part from another attempt may be there already.
            if !target.exists() {
                std::fs::rename(&tmp.0, &target)
                    .map_err(|e| Error::io("rename checkpoint file into place", &target, e))?;
            }
            drop(tmp);
            lock(&slots).record_file_part(part, info);
            Ok(())
        }))
    }
}

impl<T> Drop for FileSink<T> {
    fn drop(&mut self) {
        // Not finished (partial partition, failed task): leave nothing behind.
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

/// Reads partition `part` of a committed checkpoint, validating it against the manifest.
pub(crate) fn read_part<T>(
    dir: &Path,
    part: usize,
    info: &PartInfo,
    codec: &dyn ElemCodec<T>,
) -> Result<Vec<T>> {
    let path = part_path(dir, part);
    let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::corrupt(&path, "part file is missing"),
        _ => Error::io("read checkpoint file", &path, e),
    })?;
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
    codec
        .decode_all(&bytes, info.records)
        .map_err(|e| Error::corrupt(&path, e))
}
