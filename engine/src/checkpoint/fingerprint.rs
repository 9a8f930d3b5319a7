//! Fingerprints: what a resumable checkpoint is keyed by, so that a later process finds the
//! checkpoint of the same computation and nothing else.
//!
//! A node's fingerprint hashes, with XXH3-128 (a stable, specified hash: the same bytes give the
//! same value on every platform and release, unlike `std`'s `DefaultHasher`):
//! - the hash of its definition that `pipeline!` computes from its tokens and its ancestors'
//!   (pipeline name, node name, element type, operator and arguments, and the user's
//!   `#[checkpoint(version = N)]` when given);
//! - the fingerprints of its parents (an `Rdd<T>` parameter contributes the fingerprint of the
//!   RDD it is), in order;
//! - the postcard encoding of each value parameter its own tokens use; an `Accumulator` is left
//!   out (an output: what the node computes does not depend on it), and of a `Broadcast`, which
//!   has no encoding, only the name goes in, so the node needs a `#[checkpoint(version = N)]`
//!   to have a fingerprint at all ([`Fingerprinter::resumable`] says so);
//! - for `text_file` sources, each input file's path, length and modification time;
//! - its partition count and partitioner ([`Fingerprint::with_layout`]), so another thread
//!   count or `default_parallelism` is another checkpoint, computed anew.
//!
//! What it cannot see: the bodies of functions that closures call, consts and statics they
//! read, the environment (variables, the clock, other files than the inputs), and the
//! versions of crates. After such a change, raise the node's `#[checkpoint(version = N)]`
//! (its descendants follow), or delete the checkpoint directory.

use std::fmt;
use std::path::Path;

use serde::Serialize;
use xxhash_rust::xxh3::Xxh3;

use crate::context::Context;
use crate::data::{ArcParam, Param, ParamPrint};
use crate::error::{Error, Result};
use crate::partitioner::Partitioner;

/// A stable 128-bit fingerprint of a node's computation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub u128);

impl Fingerprint {
    /// This fingerprint with a node's layout mixed in: its partition count and partitioner.
    /// What a checkpoint holds is one file per partition, placed by the partitioner, so a
    /// node laid out differently (another thread count or `default_parallelism`, another
    /// partition argument) is another checkpoint: it is recomputed, never a mismatch. The
    /// engine applies it where a node's core is built
    /// ([`crate::NodeCore::with_fingerprint`]), so descendants, which hash their parents'
    /// fingerprints, change too.
    pub fn with_layout(self, partitions: usize, partitioner: Option<&Partitioner>) -> Self {
        let mut f = Fingerprinter::new(self.0);
        f.piece(b'C', &(partitions as u64).to_le_bytes());
        if let Some(p) = partitioner {
            // The Display form as a fallback only: postcard encodes every enum this crate
            // serializes.
            let bytes = postcard::to_allocvec(p).unwrap_or_else(|_| p.to_string().into_bytes());
            f.piece(b'R', &bytes);
        }
        Fingerprint(f.hash.digest128())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// Hashes, with XXH3-128, the text of a definition; what `pipeline!` does at compile time.
pub fn definition_hash(text: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
}

/// Hashes a pipeline's value parameter (its postcard encoding). `pipeline!` calls it once per
/// parameter in `new`; the `Param` bound is what makes a parameter that is not
/// `serde::Serialize` a compile error at the parameter's type.
///
/// Only a context that resumes (`resume(true)`) or runs on a cluster (which compares the
/// processes' job fingerprints) uses fingerprints, so without either nothing is serialized: a large parameter costs nothing to hash when no checkpoint is ever resumed, and
/// the result (0) is never seen, since such a context keeps no fingerprint
/// ([`crate::node::NodeCore::with_fingerprint`]).
pub fn param_hash<P: Param>(ctx: &Context, name: &str, value: &P) -> Result<ParamHash> {
    hash_print(ctx, name, || value.__print())
}

/// [`param_hash`] for a parameter written `Arc<T>`: the same, behind a bound whose message
/// names serde's `rc` feature (without which `Arc` is not `serde::Serialize`) and `Broadcast`.
pub fn arc_param_hash<P: ArcParam>(ctx: &Context, name: &str, value: &P) -> Result<ParamHash> {
    hash_print(ctx, name, || value.__arc_print())
}

fn hash_print(ctx: &Context, name: &str, print: impl FnOnce() -> ParamPrint) -> Result<ParamHash> {
    // Cluster mode compares the job fingerprints of its processes: params count there too.
    if !ctx.resume() && ctx.process_count() == 1 {
        return Ok(ParamHash::Value(0));
    }
    let refused = |why: String| {
        Error::InvalidArgument(format!(
            "parameter `{name}` cannot be serialized for the checkpoint fingerprint: {why}"
        ))
    };
    // A user `Serialize` runs here, in `new`: its panic is an error like its failure.
    let print = crate::panic::catch(print)
        .map_err(|report| refused(format!("its `Serialize` panicked: {}", report.message)))?;
    Ok(match print {
        ParamPrint::Encoded(bytes) => {
            ParamHash::Value(xxhash_rust::xxh3::xxh3_128(&bytes.map_err(refused)?))
        }
        ParamPrint::Opaque => ParamHash::Opaque,
        // An accumulator's updates are merged where its tasks ran; cluster mode does not yet
        // ship them between processes, so each process would read only its own share: refused
        // rather than silently partial.
        ParamPrint::Output if ctx.process_count() > 1 => {
            return Err(Error::Cluster {
                process: None,
                host: None,
                message: format!(
                    "parameter `{name}`: accumulators work in local mode only for now (each \
                     process would count only its own partitions); count with an action \
                     instead, e.g. `filter(..).count()`"
                ),
            });
        }
        ParamPrint::Output => ParamHash::Output,
    })
}

/// What a value parameter contributes to the fingerprints of the nodes that use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamHash {
    /// The hash of its encoding.
    Value(u128),
    /// Nothing the fingerprint can see (a `Broadcast`): only a versioned node has one.
    Opaque,
    /// Nothing: not an input of the computation (an `Accumulator`).
    Output,
}

impl From<u128> for ParamHash {
    fn from(hash: u128) -> Self {
        ParamHash::Value(hash)
    }
}

fn value_hash<P: Serialize + ?Sized>(name: &str, value: &P) -> Result<u128> {
    let refused = |why: String| {
        Error::InvalidArgument(format!(
            "parameter `{name}` cannot be serialized for the checkpoint fingerprint: {why}"
        ))
    };
    // A user `Serialize` runs here, in `new`: its panic is an error like its failure.
    let bytes = crate::panic::catch(|| postcard::to_allocvec(value))
        .map_err(|report| refused(format!("its `Serialize` panicked: {}", report.message)))?
        .map_err(|e| refused(e.to_string()))?;
    Ok(xxhash_rust::xxh3::xxh3_128(&bytes))
}

/// Builds the fingerprint of one node, piece by piece. Every piece is tagged and
/// length-prefixed, so different sequences of pieces never hash the same bytes.
pub struct Fingerprinter {
    hash: Xxh3,
    /// Set when a parent has no fingerprint: then neither has this node.
    unknown: bool,
    /// The first broadcast param the node uses: without a version it has no fingerprint.
    opaque: Option<String>,
    /// Whether the node has a `#[checkpoint(version = N)]`.
    versioned: bool,
}

impl Fingerprinter {
    /// Starts from the node's definition hash (emitted by `pipeline!`).
    pub fn new(definition: u128) -> Self {
        let mut f = Fingerprinter {
            hash: Xxh3::new(),
            unknown: false,
            opaque: None,
            versioned: false,
        };
        f.piece(b'D', &definition.to_le_bytes());
        f
    }

    fn piece(&mut self, tag: u8, bytes: &[u8]) {
        self.hash.update(&[tag]);
        self.hash.update(&(bytes.len() as u64).to_le_bytes());
        self.hash.update(bytes);
    }

    /// Adds a parent's fingerprint; `None` (a hand-built node) makes this one unknown too.
    pub fn parent(&mut self, parent: Option<Fingerprint>) -> &mut Self {
        match parent {
            Some(p) => self.piece(b'P', &p.0.to_le_bytes()),
            None => self.unknown = true,
        }
        self
    }

    /// Adds a value parameter, by name, as the hash of its postcard encoding.
    pub fn param<P: Serialize + ?Sized>(&mut self, name: &str, value: &P) -> Result<&mut Self> {
        let h = value_hash(name, value)?;
        Ok(self.hashed_param(name, h))
    }

    /// Adds a value parameter whose hash [`param_hash`] computed (once per pipeline instance).
    pub fn hashed_param(&mut self, name: &str, hash: impl Into<ParamHash>) -> &mut Self {
        match hash.into() {
            ParamHash::Value(hash) => {
                self.piece(b'N', name.as_bytes());
                self.piece(b'V', &hash.to_le_bytes());
            }
            ParamHash::Opaque => {
                self.piece(b'B', name.as_bytes());
                self.opaque.get_or_insert_with(|| name.to_string());
            }
            ParamHash::Output => {}
        }
        self
    }

    /// Records that the node has a `#[checkpoint(version = N)]` (its definition hash holds
    /// `N`): the user's word for what the fingerprint cannot see, such as a broadcast's value.
    pub fn versioned(&mut self) -> &mut Self {
        self.versioned = true;
        self
    }

    /// With `resume(true)`, refuses a node marked `#[checkpoint]` (`node`, as `Pipeline.node`)
    /// that would never resume because a broadcast param it uses has no version to stand for
    /// its value. Called for marked nodes only.
    pub fn resumable(&self, ctx: &Context, node: &str) -> Result<()> {
        match &self.opaque {
            Some(param) if !self.versioned && ctx.resume() => Err(Error::InvalidArgument(format!(
                "node `{node}` is marked `#[checkpoint]` and the context resumes, but its \
                     closures use broadcast param `{param}`, whose value the checkpoint's \
                     fingerprint cannot see; write `#[checkpoint(version = 1)]` on `{node}` and \
                     raise the version whenever the broadcast value changes"
            ))),
            _ => Ok(()),
        }
    }

    /// Adds an input file's identity: path, length and modification time.
    pub fn input_file(&mut self, path: &Path) -> Result<&mut Self> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io("read metadata of", path, e))?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.piece(b'F', abs.to_string_lossy().as_bytes());
        self.piece(b'L', &meta.len().to_le_bytes());
        self.piece(b'M', &mtime.to_le_bytes());
        Ok(self)
    }

    /// The fingerprint, unless a parent had none or the node uses a broadcast and has no
    /// version.
    pub fn finish(&self) -> Option<Fingerprint> {
        let opaque = self.opaque.is_some() && !self.versioned;
        (!self.unknown && !opaque).then(|| Fingerprint(self.hash.digest128()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_not_ambiguous_and_hash_is_stable() {
        let mut a = Fingerprinter::new(1);
        a.param("x", "ab").unwrap().param("y", "c").unwrap();
        let mut b = Fingerprinter::new(1);
        b.param("x", "a").unwrap().param("y", "bc").unwrap();
        assert_ne!(a.finish(), b.finish());
        // XXH3-128 is specified: this value must never change between releases.
        assert_eq!(
            format!("{:032x}", definition_hash("rddflow")),
            "95bd31032340961420576a2548740b08"
        );
        let mut c = Fingerprinter::new(1);
        c.parent(None);
        assert_eq!(c.finish(), None);
    }

    #[test]
    fn a_broadcast_needs_a_version_and_an_accumulator_is_left_out() {
        let plain = Fingerprinter::new(1).finish();
        let mut acc = Fingerprinter::new(1);
        acc.hashed_param("calls", ParamHash::Output);
        assert_eq!(acc.finish(), plain, "an accumulator changes nothing");

        let mut bc = Fingerprinter::new(1);
        bc.hashed_param("table", ParamHash::Opaque);
        assert_eq!(bc.finish(), None, "no version: no fingerprint");
        bc.versioned();
        let versioned = bc.finish();
        assert!(versioned.is_some());
        assert_ne!(versioned, plain, "the broadcast's name is part of it");

        let ctx = Context::builder().threads(1).resume(true).build().unwrap();
        let mut unversioned = Fingerprinter::new(1);
        unversioned.hashed_param("table", ParamHash::Opaque);
        let err = unversioned.resumable(&ctx, "P.n").unwrap_err();
        assert!(
            err.to_string().contains("#[checkpoint(version = 1)]"),
            "{err}"
        );
        assert!(bc.resumable(&ctx, "P.n").is_ok(), "versioned");
        let quiet = Context::builder().threads(1).build().unwrap();
        assert!(unversioned.resumable(&quiet, "P.n").is_ok(), "not resuming");
    }

    #[test]
    fn the_layout_changes_the_fingerprint() {
        let f = Fingerprint(7);
        let hash4 = Partitioner::hash(4);
        let all = [
            f.with_layout(2, None),
            f.with_layout(3, None),
            f.with_layout(4, None),
            f.with_layout(4, Some(&hash4)),
            Fingerprint(8).with_layout(4, Some(&hash4)),
        ];
        for (i, a) in all.iter().enumerate() {
            assert_ne!(*a, f);
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(f.with_layout(4, Some(&hash4)), all[3], "stable");
    }
}
