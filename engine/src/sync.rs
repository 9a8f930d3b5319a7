//! Locking helpers shared by the whole engine.

use std::sync::{Mutex, MutexGuard};

/// Locks ignoring poison: state is only mutated by short, non-panicking sections.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
