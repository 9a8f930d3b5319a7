//! The `lineage()` text, pinned by snapshots: ids, node names, operators, partition counts,
//! partitioners, shuffle boundaries, and the `[checkpointed]` and `[cached]` states before and
//! after the job that materializes them. (Ids are per context, so they are stable here.)

use rddflow::prelude::*;

rddflow::pipeline! {
    struct Shapes() {
        nums: u64 = range(0..60, 3);
        evens: u64 = nums.filter(|x| x % 2 == 0);
        #[checkpoint]
        keyed: (u64, u64) = evens.map(|x| (x % 4, x));
        odds: u64 = nums.filter(|x| x % 2 == 1);
        #[cache]
        odd_keyed: (u64, u64) = odds.map(|x| (x % 4, x));
        both: (u64, u64) = keyed.union(odd_keyed);
        sums: (u64, u64) = both.reduce_by_key(|a, b| a + b, 2);
        big: (u64, u64) = sums.filter(|(_, s)| *s > 10);
    }
}

/// The lineage with the checkpoint directory (a fresh temporary path) replaced.
fn lineage(d: &impl Dataset, dir: &std::path::Path) -> String {
    d.lineage()
        .replace(&dir.display().to_string(), "$CHECKPOINT_DIR")
        .lines()
        .map(|l| {
            // The context's run directory under it is a random id.
            match l.find("$CHECKPOINT_DIR/") {
                Some(i) => format!(
                    "{}$CHECKPOINT_DIR/<run>/{}",
                    &l[..i],
                    l.rsplit('/').next().unwrap()
                ),
                None => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn lineage_before_and_after_the_first_job() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Context::builder()
        .threads(2)
        .checkpoint_dir(dir.path())
        .build()
        .unwrap();
    let p = Shapes::new(&ctx).unwrap();
    insta::assert_snapshot!("before_job", lineage(&p.big, dir.path()));
    p.big.collect().unwrap();
    assert!(p.keyed.is_checkpointed());
    insta::assert_snapshot!("after_job", lineage(&p.big, dir.path()));
}
