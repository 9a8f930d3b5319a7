//! The manifest of a reliable checkpoint: written last, atomically; without a valid one the
//! checkpoint does not exist for readers.
//!
//! On disk it is `{"crc32": C, "manifest": {...}}`, where `C` is the CRC-32 of the exact bytes
//! of the inner object: a changed byte anywhere is either invalid JSON or a checksum mismatch.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::compress::Compression;
use crate::error::{Error, Result};
use crate::partitioner::Partitioner;

/// File name of the manifest inside a checkpoint directory.
pub const MANIFEST: &str = "_manifest.json";
/// Current on-disk format version.
pub const FORMAT_VERSION: u32 = 2;

/// What a committed reliable checkpoint holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// On-disk format version.
    pub format: u32,
    /// The node, as `Pipeline.node`.
    pub node: String,
    /// `std::any::type_name` of the element type.
    pub element_type: String,
    /// Element codec.
    pub codec: String,
    /// Compression of the part files (`none` or `lz4`).
    pub compression: String,
    /// The node's fingerprint, for checkpoints that a later process may resume.
    pub fingerprint: Option<String>,
    /// Number of partitions (one `part-NNNNN` file each).
    pub partitions: usize,
    /// The partitioner of the checkpointed RDD, if it had one.
    pub partitioner: Option<Partitioner>,
    /// One entry per partition, in order.
    pub parts: Vec<PartInfo>,
}

/// What one committed part file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartInfo {
    /// Number of elements.
    pub records: u64,
    /// File length in bytes.
    pub bytes: u64,
    /// CRC-32 of the file's bytes.
    pub crc32: u32,
}

/// What a reader expects of a manifest: anything else is not this node's checkpoint.
#[derive(Clone, Debug)]
pub struct Expected<'a> {
    /// `Pipeline.node`.
    pub node: &'a str,
    /// `std::any::type_name` of the element type.
    pub element_type: &'a str,
    /// Element codec.
    pub codec: &'a str,
    /// The node's fingerprint.
    pub fingerprint: Option<String>,
    /// The node's partition count.
    pub partitions: usize,
    /// The node's partitioner.
    pub partitioner: Option<&'a Partitioner>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    crc32: u32,
    #[serde(borrow)]
    manifest: &'a RawValue,
}

/// `dir/part-NNNNN`, five digits or more as in Spark.
pub fn part_path(dir: &Path, part: usize) -> PathBuf {
    dir.join(format!("part-{part:05}"))
}

/// Makes the entries of `dir` (creations, renames) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("sync directory", dir, e))
}

/// A temporary name in `dir` that no other writer (thread or process) uses.
pub(crate) fn temp_name(dir: &Path, stem: &str) -> PathBuf {
    static UNIQUE: AtomicU64 = AtomicU64::new(0);
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{stem}.{}-{n}.tmp", std::process::id()))
}

/// Removes the temporary files that dead processes left in `dir` (killed while writing a
/// checkpoint that a later process now resumes or rewrites). A file is removed only when the
/// process id in its name is known not to run: on systems without `/proc` nothing is removed.
pub(crate) fn remove_stale_temp_files(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        // `.<stem>.<pid>-<n>.tmp`, as `temp_name` makes them.
        let pid = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".tmp"))
            .and_then(|n| n.rsplit_once('.'))
            .and_then(|(_, id)| id.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != me
            && !Path::new("/proc").join(pid.to_string()).exists()
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

impl Manifest {
    /// The compression named in the manifest (validated by [`Manifest::read`]).
    pub fn compression(&self) -> Compression {
        Compression::from_name(&self.compression).unwrap_or(Compression::None)
    }

    /// Commits the checkpoint of `dir`: makes the renamed part files durable, then writes the
    /// manifest under a temporary name, syncs it, renames it into place and syncs the directory.
    pub fn write(&self, dir: &Path) -> Result<()> {
        sync_dir(dir)?;
        let tmp = temp_name(dir, MANIFEST);
        let path = dir.join(MANIFEST);
        let inner = serde_json::to_string_pretty(self).expect("a manifest always serializes");
        let raw = RawValue::from_string(inner).expect("serde_json output is valid JSON");
        let env = Envelope {
            crc32: crc32fast::hash(raw.get().as_bytes()),
            manifest: &raw,
        };
        let json = serde_json::to_vec(&env).expect("an envelope always serializes");
        let result = (|| {
            let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io("create", &tmp, e))?;
            if super::faults::limit_for(&tmp).is_some_and(|l| json.len() as u64 > l) {
                return Err(Error::io("write", &tmp, super::faults::disk_full()));
            }
            f.write_all(&json)
                .and_then(|_| f.sync_all())
                .map_err(|e| Error::io("write", &tmp, e))?;
            super::faults::manifest_written(dir);
            std::fs::rename(&tmp, &path).map_err(|e| Error::io("rename into place", &path, e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result?;
        sync_dir(dir)
    }

    /// Reads and validates the manifest of `dir` (its checksum, format version, compression
    /// and part list); `Ok(None)` when there is none, that is when no checkpoint exists.
    pub fn read_if_exists(dir: &Path) -> Result<Option<Manifest>> {
        Self::bytes_if_exists(dir)?
            .map(|bytes| Self::parse(dir, &bytes))
            .transpose()
    }

    /// The bytes of `dir`'s manifest file, unchecked; `Ok(None)` when there is none.
    pub fn bytes_if_exists(dir: &Path) -> Result<Option<Vec<u8>>> {
        let path = dir.join(MANIFEST);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("read", &path, e)),
        }
    }

    /// Validates `bytes`, read from `dir`'s manifest file (as [`Manifest::read_if_exists`]).
    pub fn parse(dir: &Path, bytes: &[u8]) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
        let corrupt = |why: String| Error::corrupt(&path, why);
        let env: Envelope<'_> = serde_json::from_slice(bytes)
            .map_err(|e| corrupt(format!("unreadable manifest: {e}")))?;
        let crc = crc32fast::hash(env.manifest.get().as_bytes());
        if crc != env.crc32 {
            return Err(corrupt(format!(
                "manifest checksum {crc:08x}, recorded {:08x}",
                env.crc32
            )));
        }
        let m: Manifest = serde_json::from_str(env.manifest.get())
            .map_err(|e| corrupt(format!("unreadable manifest: {e}")))?;
        if m.format != FORMAT_VERSION {
            return Err(corrupt(format!(
                "format version {} (this build reads {FORMAT_VERSION})",
                m.format
            )));
        }
        if Compression::from_name(&m.compression).is_none() {
            return Err(corrupt(format!("unknown compression `{}`", m.compression)));
        }
        if m.parts.len() != m.partitions {
            return Err(corrupt(format!(
                "{} part entries for {} partitions",
                m.parts.len(),
                m.partitions
            )));
        }
        Ok(m)
    }

    /// Reads and validates the manifest of `dir`; a missing manifest is an I/O error.
    pub fn read(dir: &Path) -> Result<Manifest> {
        Self::read_if_exists(dir)?.ok_or_else(|| {
            let path = dir.join(MANIFEST);
            Error::io(
                "read",
                &path,
                std::io::Error::from(std::io::ErrorKind::NotFound),
            )
        })
    }

    /// Checks that this manifest (read from `dir`) describes what the reader expects, and that
    /// every part file exists with its recorded length. Checksums are verified when a part is
    /// read.
    pub fn check(&self, dir: &Path, want: &Expected<'_>) -> Result<()> {
        let path = dir.join(MANIFEST);
        let mismatch = |what: &str, found: &dyn std::fmt::Debug, expected: &dyn std::fmt::Debug| {
            Err(Error::corrupt(
                &path,
                format!("{what} is {found:?} but the reader expects {expected:?}"),
            ))
        };
        if self.node != want.node {
            return mismatch("node", &self.node, &want.node);
        }
        if self.element_type != want.element_type {
            return mismatch("element type", &self.element_type, &want.element_type);
        }
        if self.codec != want.codec {
            return mismatch("codec", &self.codec, &want.codec);
        }
        if self.fingerprint != want.fingerprint {
            return mismatch("fingerprint", &self.fingerprint, &want.fingerprint);
        }
        if self.partitions != want.partitions {
            return Err(Error::PartitionCountMismatch {
                node: want.node.to_string(),
                expected: want.partitions,
                found: self.partitions,
            });
        }
        if self.partitioner.as_ref() != want.partitioner {
            return mismatch("partitioner", &self.partitioner, &want.partitioner);
        }
        for (i, info) in self.parts.iter().enumerate() {
            let p = part_path(dir, i);
            match std::fs::metadata(&p) {
                Ok(m) if m.len() == info.bytes => {}
                Ok(m) => {
                    return Err(Error::corrupt(
                        &p,
                        format!("{} bytes, the manifest says {}", m.len(), info.bytes),
                    ));
                }
                Err(_) => return Err(Error::corrupt(&p, "part file is missing")),
            }
        }
        Ok(())
    }
}
