//! What the context owns for memory-bounded execution: the memory limit, the scratch directory of
//! spill runs (made on first spill) and the count of bytes spilled. Below the context; the
//! spilling itself (`spill.rs`) sits above the task layer and reads these settings.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::error::{Error, Result};

/// A context's spill settings: the limit, the scratch directory (made on first spill), and a
/// counter of bytes written.
pub(crate) struct SpillConfig {
    limit: Option<u64>,
    base: Option<PathBuf>,
    dir: OnceLock<tempfile::TempDir>,
    spilled: AtomicU64,
    warned: AtomicBool,
}

impl SpillConfig {
    pub(crate) fn new(limit: Option<u64>, base: Option<PathBuf>) -> Self {
        SpillConfig {
            limit,
            base,
            dir: OnceLock::new(),
            spilled: AtomicU64::new(0),
            warned: AtomicBool::new(false),
        }
    }

    pub(crate) fn limit(&self) -> Option<u64> {
        self.limit
    }

    pub(crate) fn spilled_bytes(&self) -> u64 {
        self.spilled.load(Ordering::Relaxed)
    }

    /// Counts `bytes` more written to spill runs.
    pub(crate) fn add_spilled(&self, bytes: u64) {
        self.spilled.fetch_add(bytes, Ordering::Relaxed);
    }

    /// The scratch directory, created on first use.
    pub(crate) fn dir(&self) -> Result<&Path> {
        if let Some(d) = self.dir.get() {
            return Ok(d.path());
        }
        let base = self.base.clone().unwrap_or_else(std::env::temp_dir);
        let made = tempfile::Builder::new()
            .prefix("rddflow-spill-")
            .tempdir_in(&base)
            .map_err(|e| Error::io("create spill directory in", &base, e))?;
        // Two tasks may race here; the loser's directory is removed when `made` drops.
        Ok(self.dir.get_or_init(|| made).path())
    }

    /// Warns once that a shuffle cannot spill.
    pub(crate) fn warn_unspillable(&self, node: &str) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                node,
                "shuffle records are not serde-serializable: this shuffle stays in memory \
                 whatever the memory limit"
            );
        }
    }
}
