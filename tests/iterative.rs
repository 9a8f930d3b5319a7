//! Iterative jobs (SPEC.md section 5 item 6): one composed pipeline instance per iteration, as
//! in PageRank, with a checkpoint every 10 iterations. Lineage and stack stay bounded and the
//! result equals a plain-Rust computation of the same recurrence.

use rddflow::prelude::*;

const KEYS: u64 = 50;
const ITERATIONS: usize = 1000;
const EVERY: usize = 10;
/// With a checkpoint every 10 iterations, at most 10 uncheckpointed steps of 3 nodes each sit
/// above the last checkpoint, plus the checkpointed node and its checkpoint line.
const MAX_LINEAGE_LINES: usize = 40;

rddflow::pipeline! {
    /// The initial ranks.
    struct Init(n: u64) {
        ids: u64 = range(0..n, 4);
        ranks: (u64, f64) = ids.map(|k| (k, 1.0 + k as f64 / 10.0));
    }
}

rddflow::pipeline! {
    /// One step: each key sends half its value to itself and half to its successor.
    struct Step(prev: Rdd<(u64, f64)>, n: u64) {
        contribs: (u64, f64) = prev.flat_map(|(k, v)| vec![(k, v * 0.5), ((k + 1) % n, v * 0.5)]);
        summed: (u64, f64) = contribs.reduce_by_key(|a, b| a + b);
        next: (u64, f64) = summed.map_values(|v| 0.15 + 0.85 * v);
    }
}

/// The same recurrence in plain Rust.
fn reference(n: u64, iterations: usize) -> Vec<f64> {
    let mut v: Vec<f64> = (0..n).map(|k| 1.0 + k as f64 / 10.0).collect();
    for _ in 0..iterations {
        let n = n as usize;
        let mut w = vec![0.0; n];
        for k in 0..n {
            w[k] = 0.15 + 0.85 * (v[k] * 0.5 + v[(k + n - 1) % n] * 0.5);
        }
        v = w;
    }
    v
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Reliable,
    Local,
}

/// Runs the iterations; returns the final ranks sorted by key and the largest lineage seen.
fn run(ctx: &Context, kind: Kind) -> rddflow::Result<(Vec<(u64, f64)>, usize)> {
    let init = Init::new(ctx, KEYS)?;
    let mut current: Rdd<(u64, f64)> = init.ranks.rdd();
    let mut max_lines = 0;
    let mut checkpointed = Vec::new();
    for i in 1..=ITERATIONS {
        let step = Step::new(ctx, current, KEYS)?;
        if i % EVERY == 0 {
            match kind {
                Kind::Reliable => step.next.checkpoint()?,
                Kind::Local => step.next.local_checkpoint()?,
            }
            assert_eq!(step.next.count()?, KEYS, "iteration {i}");
            assert!(step.next.is_checkpointed(), "iteration {i} checkpointed");
            match kind {
                Kind::Reliable => assert!(step.next.checkpoint_file().is_some()),
                Kind::Local => assert!(step.next.checkpoint_file().is_none()),
            }
            checkpointed.push(i);
        }
        let lineage = step.next.lineage();
        let lines = lineage.lines().count();
        assert!(
            lines < MAX_LINEAGE_LINES,
            "iteration {i}: lineage of {lines} lines:\n{lineage}"
        );
        if i > EVERY {
            assert!(
                !lineage.contains("Init."),
                "iteration {i}: the initial pipeline is behind a checkpoint:\n{lineage}"
            );
        }
        max_lines = max_lines.max(lines);
        current = step.next.rdd();
    }
    assert_eq!(checkpointed.len(), ITERATIONS / EVERY);
    let mut out = current.collect()?;
    out.sort_by_key(|(k, _)| *k);
    Ok((out, max_lines))
}

fn check(result: &[(u64, f64)]) {
    let want = reference(KEYS, ITERATIONS);
    assert_eq!(result.len(), KEYS as usize);
    for (i, (k, v)) in result.iter().enumerate() {
        assert_eq!(*k, i as u64);
        assert!(
            (v - want[i]).abs() <= 1e-9 * want[i].abs().max(1.0),
            "key {k}: {v} != {}",
            want[i]
        );
    }
}

#[test]
fn iterative_reliable_checkpoints_bound_lineage() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Context::builder()
        .threads(4)
        .checkpoint_dir(dir.path())
        .build()?;
    let (result, max_lines) = run(&ctx, Kind::Reliable)?;
    check(&result);
    assert!(
        max_lines >= 3 * (EVERY - 1),
        "the lineage did grow between checkpoints: {max_lines}"
    );
    Ok(())
}

#[test]
fn iterative_local_checkpoints_bound_lineage() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(4).build()?;
    let (result, _) = run(&ctx, Kind::Local)?;
    check(&result);
    Ok(())
}

#[test]
fn iterative_on_a_small_stack() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let handle = std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(256 * 1024)
        .spawn(move || -> rddflow::Result<()> {
            let ctx = Context::builder()
                .threads(4)
                .checkpoint_dir(&path)
                .build()?;
            let (result, _) = run(&ctx, Kind::Reliable)?;
            check(&result);
            let ctx = Context::builder().threads(4).build()?;
            let (result, _) = run(&ctx, Kind::Local)?;
            check(&result);
            Ok(())
        })
        .unwrap();
    handle
        .join()
        .expect("no panic or stack overflow on a 256 KiB stack")
        .expect("iterations succeed");
}

#[test]
fn without_checkpoints_lineage_grows() -> rddflow::Result<()> {
    // The control: the bound above comes from the checkpoints, not from lineage() itself.
    let ctx = Context::builder().threads(2).build()?;
    let init = Init::new(&ctx, KEYS)?;
    let mut current = init.ranks.rdd();
    for _ in 0..30 {
        current = Step::new(&ctx, current, KEYS)?.next.rdd();
    }
    let lines = current.lineage().lines().count();
    assert!(lines >= 90, "30 steps of 3 nodes: {lines} lines");
    let mut out = current.collect()?;
    out.sort_by_key(|(k, _)| *k);
    let want = reference(KEYS, 30);
    for (k, v) in out {
        assert!((v - want[k as usize]).abs() <= 1e-9 * want[k as usize].max(1.0));
    }
    Ok(())
}
