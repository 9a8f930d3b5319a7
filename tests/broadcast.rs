//! Broadcasts passed as params: a value with no `Serialize` (here a struct holding a `Mutex`)
//! shared by reference by every task, and left out of the checkpoint fingerprint, so that a
//! resumable `#[checkpoint]` node using one needs a `version`.

use std::collections::HashMap;
use std::sync::Mutex;

use rddflow::Broadcast;
use rddflow::prelude::*;

/// Not `serde::Serialize`, not `Clone`: a lookup table with a lock counting its lookups.
struct Lookup {
    names: HashMap<u64, String>,
    lookups: Mutex<u64>,
}

impl Lookup {
    fn name(&self, k: u64) -> String {
        *self.lookups.lock().unwrap() += 1;
        self.names.get(&k).cloned().unwrap_or_else(|| "?".into())
    }
}

fn table() -> Broadcast<Lookup> {
    Broadcast::new(Lookup {
        names: (0..5).map(|k| (k, format!("name-{k}"))).collect(),
        lookups: Mutex::new(0),
    })
}

rddflow::pipeline! {
    struct Named(n: u64, table: Broadcast<Lookup>) {
        nums: u64 = range(0..n, 4);
        named: (u64, String) = nums.map(|x| (x, table.name(x % 7)));
    }
}

#[test]
fn a_value_without_serialize_is_usable_in_closures() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let table = table();
    let p = Named::new(&ctx, 30, table.clone())?;
    let want: Vec<(u64, String)> = (0..30)
        .map(|x| {
            let k = x % 7;
            let name = if k < 5 {
                format!("name-{k}")
            } else {
                "?".into()
            };
            (x, name)
        })
        .collect();
    assert_eq!(p.named.collect()?, want);
    // Every task locked the one shared value: its count is every lookup of every task.
    assert_eq!(*table.lookups.lock().unwrap(), 30);
    assert_eq!(*table.value().lookups.lock().unwrap(), 30);
    Ok(())
}

rddflow::pipeline! {
    struct Unversioned(n: u64, factor: Broadcast<u64>) {
        nums: u64 = range(0..n, 2);
        #[checkpoint]
        scaled: u64 = nums.map(|x| x * *factor);
    }
}

rddflow::pipeline! {
    struct Versioned(n: u64, factor: Broadcast<u64>) {
        nums: u64 = range(0..n, 2);
        #[checkpoint(version = 1)]
        scaled: u64 = nums.map(|x| x * *factor);
        after: u64 = scaled.map(|x| x + 1);
    }
}

fn resuming(dir: &std::path::Path) -> rddflow::Result<Context> {
    Context::builder()
        .threads(2)
        .checkpoint_dir(dir)
        .resume(true)
        .build()
}

#[test]
fn a_resumable_checkpoint_using_a_broadcast_needs_a_version() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let err = Unversioned::new(&resuming(dir.path())?, 10, Broadcast::new(3))
        .err()
        .expect("refused at new");
    let msg = err.to_string();
    for part in [
        "Unversioned.scaled",
        "broadcast param `factor`",
        "#[checkpoint(version = 1)]",
    ] {
        assert!(msg.contains(part), "{part:?} missing from: {msg}");
    }
    // Without resume the fingerprint is not used: the same pipeline builds and runs.
    let plain = Context::builder()
        .threads(2)
        .checkpoint_dir(dir.path())
        .build()?;
    let p = Unversioned::new(&plain, 10, Broadcast::new(3))?;
    assert_eq!(
        p.scaled.collect()?,
        (0..10).map(|x| x * 3).collect::<Vec<u64>>()
    );
    assert!(p.scaled.is_checkpointed());
    Ok(())
}

#[test]
fn a_version_stands_for_the_broadcast_value() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let first = Versioned::new(&resuming(dir.path())?, 10, Broadcast::new(3))?;
    assert!(!first.scaled.checkpoint_resumed());
    assert_eq!(
        first.after.collect()?,
        (0..10).map(|x| x * 3 + 1).collect::<Vec<u64>>()
    );
    // Another process, another broadcast value, the same version: the user said the value
    // does not change the result, so the checkpoint (computed with 3) is resumed.
    let second = Versioned::new(&resuming(dir.path())?, 10, Broadcast::new(5))?;
    assert!(second.scaled.checkpoint_resumed());
    assert_eq!(
        second.after.collect()?,
        (0..10).map(|x| x * 3 + 1).collect::<Vec<u64>>()
    );
    Ok(())
}

rddflow::pipeline! {
    /// A broadcast used by an unmarked node: its descendants have no fingerprint, so they are
    /// computed by each run, never resumed with a stale value.
    struct Upstream(n: u64, factor: Broadcast<u64>) {
        nums: u64 = range(0..n, 2);
        scaled: u64 = nums.map(|x| x * *factor);
        #[checkpoint]
        after: u64 = scaled.map(|x| x + 1);
    }
}

#[test]
fn nodes_after_an_unversioned_broadcast_are_never_resumed_stale() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    for factor in [3, 5] {
        let p = Upstream::new(&resuming(dir.path())?, 10, Broadcast::new(factor))?;
        assert_eq!(p.scaled.fingerprint(), None);
        assert_eq!(p.after.fingerprint(), None);
        assert!(!p.after.checkpoint_resumed());
        assert_eq!(
            p.after.collect()?,
            (0..10).map(|x| x * factor + 1).collect::<Vec<u64>>()
        );
    }
    Ok(())
}

#[test]
fn clones_share_one_value() {
    let a = Broadcast::new(vec![1, 2, 3]);
    let b = a.clone();
    assert!(std::ptr::eq(a.value(), b.value()));
    assert_eq!(b.iter().sum::<i32>(), 6, "Deref reaches the value");
    let from_arc = Broadcast::from_arc(std::sync::Arc::<str>::from("shared"));
    assert_eq!(&*from_arc, "shared");
}
