//! Fault injection for tests: make checkpoint writes fail as if the disk were full, or act
//! while a commit is in flight. Hidden from the documentation; it costs one lookup when a
//! checkpoint file is opened or a manifest written.

use std::path::Path;
use std::sync::Mutex;

pub(crate) use crate::codec::compress::disk_full;

static FULL: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());

/// From now on, checkpoint files whose path starts with `prefix` (as a string, so a prefix
/// may name files: `dir/._manifest.json` for the manifest's temporary file) fail once more than
/// `after_bytes` bytes were written to one of them; `None` removes the fault. The longest
/// matching prefix applies.
#[doc(hidden)]
pub fn simulate_disk_full(prefix: &Path, after_bytes: Option<u64>) {
    let prefix = prefix.to_string_lossy().into_owned();
    let mut f = FULL.lock().unwrap_or_else(|p| p.into_inner());
    f.retain(|(d, _)| *d != prefix);
    if let Some(n) = after_bytes {
        f.push((prefix, n));
    }
}

/// The simulated capacity for a file at `path`, if a fault covers it.
pub(crate) fn limit_for(path: &Path) -> Option<u64> {
    let f = FULL.lock().unwrap_or_else(|p| p.into_inner());
    if f.is_empty() {
        return None;
    }
    let path = path.to_string_lossy();
    f.iter()
        .filter(|(d, _)| path.starts_with(d.as_str()))
        .max_by_key(|(d, _)| d.len())
        .map(|(_, n)| *n)
}

/// What [`on_manifest_write`] runs: called with the checkpoint's directory.
#[doc(hidden)]
pub type ManifestHook = std::sync::Arc<dyn Fn(&Path) + Send + Sync>;

static MANIFEST_HOOKS: Mutex<Vec<(String, ManifestHook)>> = Mutex::new(Vec::new());

/// From now on, each commit of a checkpoint whose directory starts with `prefix` calls `hook`
/// once its manifest's temporary file is synced, before it is renamed into place: a test acts
/// there while the commit is in flight. `None` removes it. The longest matching prefix applies.
#[doc(hidden)]
pub fn on_manifest_write(prefix: &Path, hook: Option<ManifestHook>) {
    let prefix = prefix.to_string_lossy().into_owned();
    let mut h = MANIFEST_HOOKS.lock().unwrap_or_else(|p| p.into_inner());
    h.retain(|(d, _)| *d != prefix);
    if let Some(hook) = hook {
        h.push((prefix, hook));
    }
}

/// Runs the hook that covers checkpoint directory `dir`, if any.
pub(crate) fn manifest_written(dir: &Path) {
    let hook = {
        let h = MANIFEST_HOOKS.lock().unwrap_or_else(|p| p.into_inner());
        if h.is_empty() {
            return;
        }
        let path = dir.to_string_lossy();
        h.iter()
            .filter(|(d, _)| path.starts_with(d.as_str()))
            .max_by_key(|(d, _)| d.len())
            .map(|(_, hook)| hook.clone())
    };
    // Called without the registry's lock: the hook may take its time.
    if let Some(hook) = hook {
        hook(dir);
    }
}
