//! Fault injection for tests: make writes under a directory fail as if the disk were full.
//! Hidden from the documentation; it costs one lookup when a checkpoint file is opened.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

static FULL: Mutex<Vec<(PathBuf, u64)>> = Mutex::new(Vec::new());

/// From now on, checkpoint files under `dir` fail once more than `after_bytes` bytes were
/// written to one of them; `None` removes the fault.
#[doc(hidden)]
pub fn simulate_disk_full(dir: &Path, after_bytes: Option<u64>) {
    let mut f = FULL.lock().unwrap_or_else(|p| p.into_inner());
    f.retain(|(d, _)| d != dir);
    if let Some(n) = after_bytes {
        f.push((dir.to_path_buf(), n));
    }
}

/// The simulated capacity for a file at `path`, if a fault covers it.
pub(crate) fn limit_for(path: &Path) -> Option<u64> {
    let f = FULL.lock().unwrap_or_else(|p| p.into_inner());
    f.iter()
        .find(|(d, _)| path.starts_with(d))
        .map(|(_, n)| *n)
}

pub(crate) fn disk_full() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::StorageFull,
        "no space left on device (simulated)",
    )
}
