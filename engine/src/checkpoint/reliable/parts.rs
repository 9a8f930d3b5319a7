//! The parts of a pending reliable checkpoint recorded so far, shared by the policy and the
//! sinks that record them.

use std::path::Path;
use std::sync::Mutex;

use crate::checkpoint::manifest::PartInfo;
use crate::error::{Error, Result};
use crate::sync::lock;

/// One slot per partition: the record of the file in place, if any.
pub(crate) struct Parts {
    /// Held while a part file is renamed into place and recorded, and while the commit seals
    /// the table: so a record always describes the file in place, even when two jobs computed
    /// the same partition, and no part file changes under a manifest being written. Never
    /// taken by the state machine, so the rename does not hold up readers of the node's state.
    placing: Mutex<()>,
    table: Mutex<Table>,
}

struct Table {
    recorded: Vec<Option<PartInfo>>,
    /// A manifest listing these parts is being written or was written: parts stay as they are.
    sealed: bool,
}

impl Parts {
    pub(crate) fn new(partitions: usize) -> Self {
        Parts {
            placing: Mutex::new(()),
            table: Mutex::new(Table {
                recorded: vec![None; partitions],
                sealed: false,
            }),
        }
    }

    /// The record of part `part`, if there is one.
    pub(crate) fn get(&self, part: usize) -> Option<PartInfo> {
        lock(&self.table).recorded[part]
    }

    /// Partitions without a record.
    pub(crate) fn missing(&self) -> Vec<usize> {
        let t = lock(&self.table);
        (0..t.recorded.len())
            .filter(|&i| t.recorded[i].is_none())
            .collect()
    }

    /// Forgets part `part` if its record is still `info` (a part that could not be read back;
    /// a newer record describes another file).
    pub(crate) fn forget(&self, part: usize, info: &PartInfo) {
        let mut t = lock(&self.table);
        if t.recorded[part].as_ref() == Some(info) {
            t.recorded[part] = None;
        }
    }

    /// Renames the finished file `tmp` to `target` and records it as part `part`. Once the
    /// table is sealed this does nothing: the part in place is the one the manifest lists, and
    /// the caller removes `tmp`. Renaming replaces a part left by a process that died before
    /// its manifest: without a manifest, that file was never part of a checkpoint.
    pub(crate) fn place(
        &self,
        part: usize,
        info: PartInfo,
        tmp: &Path,
        target: &Path,
    ) -> Result<()> {
        let _placing = lock(&self.placing);
        if lock(&self.table).sealed {
            return Ok(());
        }
        std::fs::rename(tmp, target)
            .map_err(|e| Error::io("rename checkpoint file into place", target, e))?;
        lock(&self.table).recorded[part] = Some(info);
        Ok(())
    }

    /// Every record there is, with its partition.
    pub(crate) fn records(&self) -> Vec<(usize, PartInfo)> {
        let t = lock(&self.table);
        (0..t.recorded.len())
            .filter_map(|i| t.recorded[i].map(|r| (i, r)))
            .collect()
    }

    /// Records part `part` as written by another process of a cluster (its file is in place in
    /// the shared directory); a record already there stays.
    pub(crate) fn adopt(&self, part: usize, info: PartInfo) {
        let mut t = lock(&self.table);
        if !t.sealed && part < t.recorded.len() && t.recorded[part].is_none() {
            t.recorded[part] = Some(info);
        }
    }

    /// Every record, in order, sealing the table until [`Parts::unseal`]; `None` (and nothing
    /// sealed) while some part is missing.
    pub(crate) fn seal(&self) -> Option<Vec<PartInfo>> {
        let _placing = lock(&self.placing);
        let mut t = lock(&self.table);
        let all: Option<Vec<PartInfo>> = t.recorded.iter().copied().collect();
        t.sealed = all.is_some();
        all
    }

    /// Lets parts be placed again, after a commit that failed.
    pub(crate) fn unseal(&self) {
        lock(&self.table).sealed = false;
    }
}
