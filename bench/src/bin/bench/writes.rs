//! The checkpoint writer's own figures, summed from the task metrics of every job: bytes of
//! part files and the time spent writing and syncing them.

use std::sync::atomic::{AtomicU64, Ordering};

use rddflow::listener::{Event, Listener};

/// Sums `bytes_checkpointed` and `checkpoint_write_nanos` over the tasks that ended.
#[derive(Default)]
pub struct CheckpointWrites {
    bytes: AtomicU64,
    nanos: AtomicU64,
}

impl CheckpointWrites {
    /// Bytes and seconds since the last call, and resets both.
    pub fn take(&self) -> (u64, f64) {
        let b = self.bytes.swap(0, Ordering::Relaxed);
        let n = self.nanos.swap(0, Ordering::Relaxed);
        (b, n as f64 / 1e9)
    }
}

impl Listener for CheckpointWrites {
    fn on_event(&self, event: &Event) {
        if let Event::TaskEnd(t) = event {
            let m = &t.metrics;
            self.bytes
                .fetch_add(m.bytes_checkpointed, Ordering::Relaxed);
            self.nanos
                .fetch_add(m.checkpoint_write_nanos, Ordering::Relaxed);
        }
    }
}
