//! Shuffles under a memory limit: spilled results equal in-memory ones, every spill file is
//! removed (after success, after a failing job, on drop), and a record larger than the limit
//! is an error.

use std::collections::BTreeMap;
use std::path::Path;

use rddflow::prelude::*;

rddflow::pipeline! {
    struct Shuffles(items: Vec<(u32, String)>, parts: usize) {
        pairs: (u32, String) = parallelize(items, 4);
        lens: (u32, u64) = pairs.map(|(k, s)| (k, s.len() as u64));
        sums: (u32, u64) = lens.reduce_by_key(|a, b| a + b, parts);
        groups: (u32, Vec<String>) = pairs.group_by_key(parts);
        sorted: (u32, String) = pairs.sort_by_key(true, parts);
        by_text: (u32, String) = pairs.sort_by(|(_, s)| s.clone(), false, parts);
        words: String = pairs.map(|(_, s)| s);
        unique: String = words.distinct(parts);
        joined: (u32, (u64, String)) = sums.join(pairs, parts);
        spread: (u32, String) = pairs.repartition(parts);
    }
}

fn items() -> Vec<(u32, String)> {
    (0..3000u32)
        .map(|i| ((i * 7919) % 211, format!("w{}", (i * 31) % 997)))
        .collect()
}

/// Files (not directories) anywhere under `dir`.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

type Results = (
    BTreeMap<u32, u64>,
    BTreeMap<u32, Vec<String>>,
    Vec<(u32, String)>,
    Vec<(u32, String)>,
    Vec<String>,
    Vec<(u32, (u64, String))>,
    Vec<(u32, String)>,
);

fn run(ctx: &Context) -> rddflow::Result<Results> {
    let s = Shuffles::new(ctx, items(), 3)?;
    let sums = s.sums.collect()?.into_iter().collect();
    let groups = s
        .groups
        .collect()?
        .into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v)
        })
        .collect();
    let sorted = s.sorted.collect()?;
    let by_text = s.by_text.collect()?;
    let mut unique = s.unique.collect()?;
    unique.sort();
    let mut joined = s.joined.collect()?;
    joined.sort();
    let mut spread = s.spread.collect()?;
    spread.sort();
    Ok((sums, groups, sorted, by_text, unique, joined, spread))
}

#[test]
fn spilled_shuffles_equal_in_memory_ones_and_leave_no_file() -> rddflow::Result<()> {
    let base = tempfile::tempdir().expect("tempdir");
    let want = run(&Context::builder().threads(2).build()?)?;
    // Sorted output is globally sorted, stable for equal keys.
    let mut expect_sorted = items();
    expect_sorted.sort_by_key(|(k, _)| *k);
    assert_eq!(want.2, expect_sorted);
    let mut expect_text = items();
    expect_text.sort_by(|a, b| b.1.cmp(&a.1));
    assert_eq!(want.3, expect_text);

    let ctx = Context::builder()
        .threads(2)
        .memory_limit(4 * 1024)
        .spill_dir(base.path())
        .build()?;
    assert_eq!(ctx.memory_limit(), Some(4096));
    {
        let s = Shuffles::new(&ctx, items(), 3)?;
        assert_eq!(s.sorted.collect()?, expect_sorted);
        // Map outputs are kept for later jobs: their runs exist while the pipeline does.
        assert!(!files_under(base.path()).is_empty());
    }
    assert!(
        files_under(base.path()).is_empty(),
        "dropped shuffles remove their runs"
    );
    let got = run(&ctx)?;
    assert!(ctx.spilled_bytes() > 0, "a 4 KiB limit spills");
    assert_eq!(got, want);
    assert!(files_under(base.path()).is_empty());
    drop(ctx);
    assert_eq!(std::fs::read_dir(base.path()).expect("read").count(), 0);
    Ok(())
}

rddflow::pipeline! {
    struct Failing(n: u64) {
        nums: u64 = range(0..n, 4);
        pairs: (u64, u64) = nums.map(|i| {
            if i == n - 1 {
                panic!("boom at {i}");
            }
            (i % 1000, i)
        });
        sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b);
        groups: (u64, Vec<u64>) = pairs.group_by_key();
    }
}

#[test]
fn a_failing_job_leaves_no_spill_file() -> rddflow::Result<()> {
    let base = tempfile::tempdir().expect("tempdir");
    let ctx = Context::builder()
        .threads(2)
        .memory_limit(2048)
        .task_max_failures(2)
        .spill_dir(base.path())
        .build()?;
    let f = Failing::new(&ctx, 20_000)?;
    for err in [f.sums.count().unwrap_err(), f.groups.count().unwrap_err()] {
        match &err {
            Error::TaskFailed { message, .. } => assert!(message.contains("boom"), "{err}"),
            other => panic!("expected TaskFailed, got {other}"),
        }
    }
    // The other map tasks finished (and spilled) before the failing one gave up.
    assert!(ctx.spilled_bytes() > 0);
    drop(f);
    assert!(files_under(base.path()).is_empty());
    Ok(())
}

rddflow::pipeline! {
    struct Big(items: Vec<(u32, String)>) {
        pairs: (u32, String) = parallelize(items, 2);
        groups: (u32, Vec<String>) = pairs.group_by_key();
        lens: (u32, usize) = pairs.map_values(|s| s.len());
        sums: (u32, usize) = lens.reduce_by_key(|a, b| a + b);
    }
}

#[test]
fn a_record_larger_than_the_limit_is_an_error() -> rddflow::Result<()> {
    let base = tempfile::tempdir().expect("tempdir");
    let ctx = Context::builder()
        .threads(2)
        .memory_limit(512)
        .spill_dir(base.path())
        .build()?;
    let b = Big::new(&ctx, vec![(1, "x".repeat(10_000)), (2, "y".into())])?;
    let err = b.groups.collect().unwrap_err();
    match &err {
        Error::RecordTooLarge { node, bytes, limit } => {
            assert_eq!(node, "Big.groups");
            assert!(*bytes > 10_000, "{err}");
            assert_eq!(*limit, 512);
        }
        other => panic!("expected RecordTooLarge, got {other}"),
    }
    assert!(
        err.to_string().contains("larger than the memory limit"),
        "{err}"
    );
    // Small records under the same limit are fine.
    let sums: BTreeMap<u32, usize> = b.sums.collect()?.into_iter().collect();
    assert_eq!(sums, BTreeMap::from([(1, 10_000), (2, 1)]));
    drop(b);
    assert!(files_under(base.path()).is_empty());
    Ok(())
}
