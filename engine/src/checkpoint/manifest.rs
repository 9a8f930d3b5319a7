//! The manifest of a reliable checkpoint: written last, atomically; without a valid one the
//! checkpoint does not exist for readers.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::partitioner::Partitioner;

/// File name of the manifest inside a checkpoint directory.
pub const MANIFEST: &str = "_manifest.json";
/// Current on-disk format version.
pub const FORMAT_VERSION: u32 = 1;

/// What a committed reliable checkpoint holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// On-disk format version.
    pub format: u32,
    /// The node, as `Pipeline.node`.
    pub node: String,
    /// `std::any::type_name` of the element type.
    pub element_type: String,
    /// Element codec.
    pub codec: String,
    /// Number of partitions (one `part-NNNNN` file each).
    pub partitions: usize,
    /// The partitioner of the checkpointed RDD, if it had one.
    pub partitioner: Option<Partitioner>,
    /// One entry per partition, in order.
    pub parts: Vec<PartInfo>,
}

/// What one committed part file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    /// Number of elements.
    pub records: u64,
    /// File length in bytes.
    pub bytes: u64,
    /// CRC-32 of the file's bytes.
    pub crc32: u32,
}

/// `dir/part-NNNNN`, five digits or more as in Spark.
pub fn part_path(dir: &Path, part: usize) -> PathBuf {
    dir.join(format!("part-{part:05}"))
}

impl Manifest {
    /// Writes the manifest under a temporary name, syncs it and renames it into place.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let tmp = dir.join(format!(".{MANIFEST}.tmp"));
        let path = dir.join(MANIFEST);
        let json = serde_json::to_vec_pretty(self).expect("a manifest always serializes");
        let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io("create", &tmp, e))?;
        f.write_all(&json)
            .and_then(|_| f.sync_all())
            .map_err(|e| Error::io("write", &tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io("rename into place", &path, e))
    }

    /// Reads and validates the manifest of `dir`.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
        let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
        let m: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| Error::corrupt(&path, format!("unreadable manifest: {e}")))?;
        if m.format != FORMAT_VERSION {
            return Err(Error::corrupt(
                &path,
                format!(
                    "format version {} (this build reads {FORMAT_VERSION})",
                    m.format
                ),
            ));
        }
        if m.parts.len() != m.partitions {
            return Err(Error::corrupt(
                &path,
                format!(
                    "{} part entries for {} partitions",
                    m.parts.len(),
                    m.partitions
                ),
            ));
        }
        Ok(m)
    }
}
