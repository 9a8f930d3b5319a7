//! Which committed checkpoint a resuming context adopts. Locally, what this process reads in
//! the checkpoint's directory. In a cluster the decision is taken once: process 0 reads the
//! manifest and sends its bytes (or that there is none, or why it could not read it) to every
//! process, and every process adopts exactly that, so no process resumes what another
//! recomputes (a directory seen differently on two hosts, a manifest committed in between).

use std::path::Path;
#[cfg(feature = "cluster")]
use std::sync::Arc;

use super::super::manifest::{Manifest, remove_stale_temp_files};
use crate::error::Result;

/// Who decides: this process alone, or process 0 of its cluster.
#[derive(Clone, Default)]
pub(super) struct Decider {
    #[cfg(feature = "cluster")]
    session: Option<Arc<crate::net::Session>>,
}

impl Decider {
    /// The decider of `ctx`'s checkpoints.
    pub(super) fn of(ctx: &crate::context::Context) -> Self {
        #[cfg(not(feature = "cluster"))]
        let _ = ctx;
        Decider {
            #[cfg(feature = "cluster")]
            session: ctx.cluster().cloned(),
        }
    }

    /// The manifest committed in `dir` for node `label`, as the decider read it (`Ok(None)`:
    /// none); stale temporary files of a crashed writer are removed first, by the decider
    /// only.
    pub(super) fn manifest(&self, label: &str, dir: &Path) -> Result<Option<Manifest>> {
        #[cfg(feature = "cluster")]
        if let Some(s) = &self.session {
            return decided_by_process_0(s, label, dir);
        }
        let _ = label;
        remove_stale_temp_files(dir);
        Manifest::read_if_exists(dir)
    }
}

/// What process 0 sends: 0 (no manifest), 1 and the manifest's bytes, or 2 and why it could
/// not read them.
#[cfg(feature = "cluster")]
fn decided_by_process_0(
    s: &crate::net::Session,
    label: &str,
    dir: &Path,
) -> Result<Option<Manifest>> {
    use crate::error::Error;
    let mine = if s.index() == 0 {
        remove_stale_temp_files(dir);
        match Manifest::bytes_if_exists(dir) {
            Ok(None) => Ok(vec![0]),
            Ok(Some(bytes)) => Ok([&[1u8][..], &bytes].concat()),
            Err(e) => Err(e),
        }
    } else {
        Ok(Vec::new())
    };
    let payload = match &mine {
        Ok(p) => p.clone(),
        Err(e) => [&[2u8][..], e.to_string().as_bytes()].concat(),
    };
    // The directory's own name (node and fingerprint), the same in every process even when
    // their checkpoint directories differ.
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    let tag = xxhash_rust::xxh3::xxh3_64(format!("resume {label} {name}").as_bytes());
    let all = s.all_gather(tag, payload)?;
    // Process 0 reports its own error as it is.
    mine?;
    let from_0 = all.into_iter().next().unwrap_or_default();
    match from_0.split_first() {
        Some((0, _)) => Ok(None),
        Some((1, bytes)) => Manifest::parse(dir, bytes).map(Some),
        Some((2, why)) => Err(s.error(
            0,
            format!(
                "reading the checkpoint manifest of `{label}` failed there: {}",
                String::from_utf8_lossy(why)
            ),
        )),
        _ => Err(Error::Internal(
            "process 0 sent no decision on resuming a checkpoint".into(),
        )),
    }
}
