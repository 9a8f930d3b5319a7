//! `lineage()`: the dependency tree as text, in the manner of Spark's `toDebugString`.
//!
//! ```text
//! (2) WordCount.frequent[5] filter
//!  |  WordCount.counts[4] reduce_by_key
//!  +-(2) WordCount.ones[3] map [checkpointed]
//!     |  checkpoint (reliable) at /tmp/ckpt/…/rdd-3
//! ```
//! Each line is a node: `Pipeline.node[id] operator` and its state in brackets. `(n)` gives the
//! partition count at the top and below each shuffle boundary; `+-` starts a new stage (a
//! shuffle dependency), ` | ` continues the same stage.

use std::fmt::Write;
use std::sync::Arc;

use crate::checkpoint::{CheckpointKind, CheckpointStatus};
use crate::node::{Dependency, NodeDyn};

/// Renders the lineage of `root`.
pub fn render(root: &Arc<dyn NodeDyn>) -> String {
    let mut out = String::new();
    // (node, stage depth, first line of its stage); iterative so a long lineage cannot overflow.
    let mut stack: Vec<(Arc<dyn NodeDyn>, usize, bool)> = vec![(root.clone(), 0, true)];
    while let Some((node, depth, head)) = stack.pop() {
        let info = node.info();
        let pad = "   ".repeat(depth.saturating_sub(1));
        match (head, depth) {
            (true, 0) => {
                let _ = write!(out, "({}) ", info.partitions);
            }
            (true, _) => {
                let _ = write!(out, "{pad} +-({}) ", info.partitions);
            }
            (false, _) => {
                let _ = write!(out, "{} |  ", "   ".repeat(depth));
            }
        }
        let _ = write!(out, "{}[{}] {}", info.label, info.id, info.op);
        if let Some(p) = &info.partitioner {
            let _ = write!(out, " partitioned {p}");
        }
        match node.checkpoint_status() {
            CheckpointStatus::Unmarked => {}
            CheckpointStatus::Marked(k) => {
                let _ = write!(out, " [marked for {} checkpoint]", k.name());
            }
            CheckpointStatus::Checkpointed { .. } if node.checkpoint_resumed() => {
                out.push_str(" [checkpointed, resumed]")
            }
            CheckpointStatus::Checkpointed { .. } => out.push_str(" [checkpointed]"),
        }
        if let Some(st) = node.storage_state() {
            let _ = write!(
                out,
                " [cached] {} {}/{}",
                st.level.name(),
                st.in_memory + st.on_disk,
                info.partitions
            );
            if st.on_disk > 0 {
                let _ = write!(out, " ({} on disk)", st.on_disk);
            }
        }
        out.push('\n');
        // Pushed in reverse so that the first dependency is printed first.
        for d in node.dependencies().into_iter().rev() {
            match d {
                Dependency::Narrow(p) => stack.push((p, depth, false)),
                Dependency::Shuffle(s) => stack.push((s.parent, depth + 1, true)),
                Dependency::Checkpoint(st) => {
                    let (k, dir) = match st {
                        CheckpointStatus::Checkpointed { kind: k, dir } => (k, dir),
                        _ => (CheckpointKind::Local, None),
                    };
                    let _ = write!(out, "{} |  checkpoint ({})", "   ".repeat(depth), k.name());
                    if let Some(d) = dir {
                        let _ = write!(out, " at {}", d.display());
                    }
                    out.push('\n');
                }
            }
        }
    }
    out
}
