//! Cluster mode (SPEC section 8) on 3 processes of this very test binary, on loopback ports.
//!
//! The binary has its own `main` (`harness = false`): run without `RDDFLOW_TEST_ROLE` it is the
//! parent, which runs each scenario by starting 3 copies of itself (the role and the cluster's
//! variables in their environment), each under a hard timeout, killing only its own children.
//! Each copy joins the cluster with `cluster_from_env()`, runs the scenario and prints one
//! line per result; the parent compares every process's lines with the local engine's results
//! computed here, in the parent.
//!
//! Operators and actions are a table ([`cases`]): one line per operator, so an operator added
//! to rddflow is added here by one line.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rddflow::prelude::*;
use serde::{Deserialize, Serialize};

/// Processes of every cluster here.
const PROCS: usize = 3;
/// Rayon threads per process (partition p belongs to process (p mod 6) / 2).
const THREADS: usize = 2;
/// Hard limit of one scenario's processes.
const HARD_TIMEOUT: Duration = Duration::from_secs(60);

/// This process's index in its cluster (closures see statics, not locals).
static PROCESS: AtomicUsize = AtomicUsize::new(0);
/// Set once a task of this process panicked on purpose (the retry case).
static PANICKED: AtomicBool = AtomicBool::new(false);
/// Calls of the checkpointed node's closure in this process (the resume scenario).
static RANK_CALLS: AtomicUsize = AtomicUsize::new(0);
/// Bytes of padding per record of the `Moved` pipeline.
const PAD: usize = 200;
/// Records of the routing scenarios.
const MOVED: u64 = 6_000;

// ---------------------------------------------------------------- pipelines

/// A keyed record with a float, for the bitwise float case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Reading {
    station: u32,
    value: f64,
}

rddflow::pipeline! {
    /// Words of the text files under a directory.
    struct Words(path: PathBuf) {
        lines: String = text_file(path, 5);
        words: String = lines.flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
        ones: (String, u64) = words.map(|w| (w, 1));
        counts: (String, u64) = ones.reduce_by_key(|a, b| a + b, 4);
    }

    /// Numbers through every narrow and one-input wide operator.
    struct Ops(n: u64) {
        nums: u64 = range(0..n, 7);
        mapped: u64 = nums.map(|x| x * 3 + 1);
        filtered: u64 = nums.filter(|x| x % 3 != 0);
        flat: u64 = nums.flat_map(|x| vec![x; (x % 3) as usize]);
        filter_mapped: u64 = nums.filter_map(|x| (x % 4 == 1).then_some(x * 2));
        per_part: u64 = nums.map_partitions(|it| it.map(|x| x + 1).collect::<Vec<_>>().into_iter());
        pairs: (u64, u64) = nums.map(|x| (x % 13, x));
        mapped_values: (u64, u64) = pairs.map_values(|v| v * v);
        flat_values: (u64, u64) = pairs.flat_map_values(|v| vec![v, v + 1]);
        keyed: (u64, u64) = nums.key_by(|x| x % 5);
        sampled: u64 = nums.sample(0.3, 7);
        inspected: u64 = nums.inspect(|_| {});
        the_keys: u64 = pairs.keys();
        the_values: u64 = pairs.values();
        globbed: Vec<u64> = nums.glom();
        indexed: (usize, u64) = nums.map_partitions_with_index(|i, it| it.map(move |x| (i, x)));
        coalesced: u64 = nums.coalesce(3);
        unioned: u64 = mapped.union(filtered);
        reduced: (u64, u64) = pairs.reduce_by_key(|a, b| a + b, 5);
        folded: (u64, u64) = pairs.fold_by_key(0, |a, b| a + b);
        aggregated: (u64, (u64, u64)) = pairs.aggregate_by_key((0, 0), |(s, c), v| (s + v, c + 1), |(s1, c1), (s2, c2)| (s1 + s2, c1 + c2), 4);
        combined: (u64, Vec<u64>) = pairs.combine_by_key(|v| vec![v], |mut c, v| { c.push(v); c }, |mut a, mut b| { a.append(&mut b); a });
        grouped: (u64, Vec<u64>) = pairs.group_by_key(4);
        distinct: u64 = the_keys.distinct(3);
        partitioned: (u64, u64) = pairs.partition_by(4);
        repartitioned: u64 = nums.repartition(5);
        sorted: (u64, u64) = mapped_values.sort_by_key(false, 4);
        sorted_by: u64 = nums.sort_by(|x| x % 17, true, 3);
        // Co-partitioned with `partitioned`: read without a shuffle.
        reduced_again: (u64, u64) = partitioned.reduce_by_key(|a, b| a.max(b), 4);
    }

    /// The operators added beside the cluster back end (issue 14), each over inputs whose
    /// partitions live on different processes.
    struct More(n: u64) {
        nums: u64 = range(0..n, 7);
        others: u64 = range(n / 2..n + n / 2, 7);
        odd: u64 = nums.filter(|x| x % 2 == 1);
        pairs: (u64, u64) = nums.map(|x| (x % 13, x));
        more_pairs: (u64, u64) = others.map(|x| (x % 11, x));
        third: (u64, u64) = nums.map(|x| (x % 7, x * 2));
        zipped: (u64, u64) = nums.zip(others);
        with_index: (u64, u64) = odd.zip_with_index();
        with_unique_id: (u64, u64) = odd.zip_with_unique_id();
        resampled: u64 = nums.sample_with_replacement(0.7, 5);
        sorted: (u64, u64) = pairs.sort_by_key(true, 4);
        in_range: (u64, u64) = sorted.filter_by_range(3, 8);
        part_a: (u64, u64) = pairs.partition_by(4);
        part_b: (u64, u64) = more_pairs.partition_by(4);
        aware_union: (u64, u64) = part_a.union(part_b);
        grouped3: (u64, (Vec<u64>, Vec<u64>, Vec<u64>)) = pairs.group_with(more_pairs, third, 4);
        small: u64 = range(0..9, 3);
        small_other: u64 = range(20..25, 2);
        product: (u64, u64) = small.cartesian(small_other);
        common: u64 = nums.intersection(others);
        rest: u64 = nums.subtract(others);
        rest_by_key: (u64, u64) = pairs.subtract_by_key(more_pairs);
        sorted_within: (u64, u64) = pairs.repartition_and_sort_within_partitions(3);
        // Shuffle outputs read by tasks of other partition indices (so in other processes
        // than the buckets' owners): sent whole to every process first.
        shuffled: (u64, u64) = pairs.reduce_by_key(|a, b| a + b, 5);
        shuffled_coalesced: (u64, u64) = shuffled.coalesce(2);
        shuffled_unioned: (u64, u64) = more_pairs.union(shuffled);
        shuffled_product: (u64, (u64, u64)) = small.cartesian(shuffled);
        // Kept where each partition was computed (its owner), read there by later jobs.
        #[checkpoint(local)]
        local_ckpt: (u64, u64) = shuffled.map_values(|v| v + 1);
        local_ckpt_sums: (u64, u64) = local_ckpt.reduce_by_key(|a, b| a + b, 3);
    }

    /// Records that only move (no combining): what a shuffle sends is what it holds.
    struct Moved(n: u64) {
        nums: u64 = range(0..n, 6);
        padded: (u64, String) = nums.map(|x| (x, "x".repeat(PAD)));
        moved: (u64, String) = padded.partition_by(6);
        none: (u64, String) = moved.filter(|_| false);
    }

    /// A broadcast (no `Serialize`): every process builds its own, as SPMD code does.
    struct Shared(n: u64, names: rddflow::Broadcast<std::collections::HashMap<u64, String>>) {
        nums: u64 = range(0..n, 5);
        named: (u64, String) = nums.map(|x| (x, names.get(&(x % 4)).cloned().unwrap_or_default()));
    }

    /// An accumulator param: refused in cluster mode (each process would count only its own).
    struct Counted(n: u64, seen: rddflow::Accumulator<u64>) {
        nums: u64 = range(0..n, 5);
        odd: u64 = nums.filter(|x| { seen.add(1); x % 2 == 1 });
    }

    /// Every two-input operator.
    struct Joins(left: Vec<(u32, i64)>, right: Vec<(u32, String)>) {
        a: (u32, i64) = parallelize(left, 4);
        b: (u32, String) = parallelize(right, 3);
        cogrouped: (u32, (Vec<i64>, Vec<String>)) = a.cogroup(b, 5);
        joined: (u32, (i64, String)) = a.join(b, 5);
        left_outer: (u32, (i64, Option<String>)) = a.left_outer_join(b, 3);
        right_outer: (u32, (Option<i64>, String)) = a.right_outer_join(b);
        full_outer: (u32, (Option<i64>, Option<String>)) = a.full_outer_join(b, 4);
    }

    /// Floats summed per key: the order of additions decides the bits.
    struct Floats(v: Vec<Reading>) {
        readings: Reading = parallelize(v, 6);
        pairs: (u32, f64) = readings.map(|r| (r.station, r.value));
        sums: (u32, f64) = pairs.reduce_by_key(|a, b| a + b, 4);
        values: f64 = readings.map(|r| r.value);
    }

    /// A task of partition 2 panics once per process, on its first attempt.
    struct Flaky(n: u64) {
        nums: u64 = range(0..n, 6);
        checked: u64 = nums.map_partitions_with_index(|i, it| {
            if i == 2 && !PANICKED.swap(true, Ordering::SeqCst) {
                panic!("first attempt fails on purpose");
            }
            it
        });
        pairs: (u64, u64) = checked.map(|x| (x % 7, x));
        sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b);
    }

    /// The link lists of a small graph.
    struct Graph(edges: Vec<(u64, u64)>) {
        raw: (u64, u64) = parallelize(edges, 4);
        links: (u64, Vec<u64>) = raw.group_by_key(4);
    }

    /// One PageRank iteration over `links` and `ranks`.
    struct Step(links: Rdd<(u64, Vec<u64>)>, ranks: Rdd<(u64, f64)>) {
        joined: (u64, (Vec<u64>, f64)) = links.join(ranks, 4);
        contribs: (u64, f64) = joined.flat_map(|(_, (dst, r))| {
            let share = r / dst.len() as f64;
            dst.into_iter().map(|d| (d, share)).collect::<Vec<_>>()
        });
        summed: (u64, f64) = contribs.reduce_by_key(|a, b| a + b, 4);
        ranks_next: (u64, f64) = summed.map_values(|s| {
            RANK_CALLS.fetch_add(1, Ordering::SeqCst);
            0.15 + 0.85 * s
        });
    }

    /// A scenario whose processes disagree on a param.
    struct Scaled(factor: u64) {
        nums: u64 = range(0..100, 6);
        scaled: u64 = nums.map(|x| x * factor);
    }

    /// A job whose tasks always panic in one process: retries cannot save it.
    struct Cursed(victim: usize) {
        nums: u64 = range(0..60, 6);
        cursed: u64 = nums.map(|x| {
            if PROCESS.load(Ordering::SeqCst) == victim {
                panic!("this process's tasks always fail");
            }
            x
        });
        pairs: (u64, u64) = cursed.map(|x| (x % 5, x));
        sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b);
    }

    /// A job that a process of the cluster dies in.
    struct Doomed(victim: usize) {
        nums: u64 = range(0..60, 6);
        slow: u64 = nums.map(|x| {
            if PROCESS.load(Ordering::SeqCst) == victim {
                // Mid-job, once the peers finished the job before (a process that dies just
                // after a step can take that step down with it: timely fails at once).
                std::thread::sleep(std::time::Duration::from_millis(300));
                // SIGKILL: no unwinding, no clean shutdown of its connections.
                unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
            }
            x
        });
        pairs: (u64, u64) = slow.map(|x| (x % 5, x));
        sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b);
    }
}

// ---------------------------------------------------------------- the table

/// One operator or action: its name and what it returns, printed.
type Case = (&'static str, fn(&Context, &Path) -> rddflow::Result<String>);

fn ops(ctx: &Context) -> rddflow::Result<Ops> {
    Ops::new(ctx, 200)
}

fn more(ctx: &Context) -> rddflow::Result<More> {
    More::new(ctx, 200)
}

fn joins(ctx: &Context) -> rddflow::Result<Joins> {
    let left = (0..60i64).map(|i| ((i * 7 % 11) as u32, i)).collect();
    let right = (0..25u32).map(|i| (i * 3 % 13, format!("r{i}"))).collect();
    Joins::new(ctx, left, right)
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// Every operator and action that exists, one line each: the name, then a function that
/// builds a pipeline on the context and runs an action. Results are printed with `{:?}`; a
/// map is turned into a `BTreeMap` first (a `HashMap`'s order differs between processes).
fn cases() -> Vec<Case> {
    vec![
        // Sources.
        ("text_file", |c, d| {
            Ok(format!(
                "{:?}",
                Words::new(c, d.join("words"))?.lines.collect()?
            ))
        }),
        ("parallelize", |c, _| {
            Ok(format!("{:?}", joins(c)?.a.collect()?))
        }),
        ("range", |c, _| Ok(format!("{:?}", ops(c)?.nums.collect()?))),
        // Narrow operators.
        ("map", |c, _| Ok(format!("{:?}", ops(c)?.mapped.collect()?))),
        ("filter", |c, _| {
            Ok(format!("{:?}", ops(c)?.filtered.collect()?))
        }),
        ("flat_map", |c, _| {
            Ok(format!("{:?}", ops(c)?.flat.collect()?))
        }),
        ("filter_map", |c, _| {
            Ok(format!("{:?}", ops(c)?.filter_mapped.collect()?))
        }),
        ("map_partitions", |c, _| {
            Ok(format!("{:?}", ops(c)?.per_part.collect()?))
        }),
        ("map_values", |c, _| {
            Ok(format!("{:?}", ops(c)?.mapped_values.collect()?))
        }),
        ("flat_map_values", |c, _| {
            Ok(format!("{:?}", ops(c)?.flat_values.collect()?))
        }),
        ("key_by", |c, _| {
            Ok(format!("{:?}", ops(c)?.keyed.collect()?))
        }),
        ("sample", |c, _| {
            Ok(format!("{:?}", ops(c)?.sampled.collect()?))
        }),
        ("inspect", |c, _| {
            Ok(format!("{:?}", ops(c)?.inspected.collect()?))
        }),
        ("keys", |c, _| {
            Ok(format!("{:?}", ops(c)?.the_keys.collect()?))
        }),
        ("values", |c, _| {
            Ok(format!("{:?}", ops(c)?.the_values.collect()?))
        }),
        ("glom", |c, _| {
            Ok(format!("{:?}", ops(c)?.globbed.collect()?))
        }),
        ("map_partitions_with_index", |c, _| {
            Ok(format!("{:?}", ops(c)?.indexed.collect()?))
        }),
        ("coalesce", |c, _| {
            Ok(format!("{:?}", ops(c)?.coalesced.collect()?))
        }),
        ("union", |c, _| {
            Ok(format!("{:?}", ops(c)?.unioned.collect()?))
        }),
        // Wide operators (exact order: the shuffle merges in map-partition order).
        ("reduce_by_key", |c, _| {
            Ok(format!("{:?}", ops(c)?.reduced.collect()?))
        }),
        ("fold_by_key", |c, _| {
            Ok(format!("{:?}", ops(c)?.folded.collect()?))
        }),
        ("aggregate_by_key", |c, _| {
            Ok(format!("{:?}", ops(c)?.aggregated.collect()?))
        }),
        ("combine_by_key", |c, _| {
            Ok(format!("{:?}", ops(c)?.combined.collect()?))
        }),
        ("group_by_key", |c, _| {
            Ok(format!("{:?}", ops(c)?.grouped.collect()?))
        }),
        ("distinct", |c, _| {
            Ok(format!("{:?}", ops(c)?.distinct.collect()?))
        }),
        ("partition_by", |c, _| {
            Ok(format!("{:?}", ops(c)?.partitioned.collect()?))
        }),
        ("repartition", |c, _| {
            Ok(format!("{:?}", ops(c)?.repartitioned.collect()?))
        }),
        ("sort_by_key", |c, _| {
            Ok(format!("{:?}", ops(c)?.sorted.collect()?))
        }),
        ("sort_by", |c, _| {
            Ok(format!("{:?}", ops(c)?.sorted_by.collect()?))
        }),
        ("co_partitioned", |c, _| {
            Ok(format!("{:?}", ops(c)?.reduced_again.collect()?))
        }),
        ("join", |c, _| {
            Ok(format!("{:?}", joins(c)?.joined.collect()?))
        }),
        ("left_outer_join", |c, _| {
            Ok(format!("{:?}", joins(c)?.left_outer.collect()?))
        }),
        ("right_outer_join", |c, _| {
            Ok(format!("{:?}", joins(c)?.right_outer.collect()?))
        }),
        ("full_outer_join", |c, _| {
            Ok(format!("{:?}", joins(c)?.full_outer.collect()?))
        }),
        ("cogroup", |c, _| {
            Ok(format!("{:?}", joins(c)?.cogrouped.collect()?))
        }),
        // Operators of issue 14.
        ("zip", |c, _| {
            Ok(format!("{:?}", more(c)?.zipped.collect()?))
        }),
        ("zip_with_index", |c, _| {
            Ok(format!("{:?}", more(c)?.with_index.collect()?))
        }),
        ("zip_with_unique_id", |c, _| {
            Ok(format!("{:?}", more(c)?.with_unique_id.collect()?))
        }),
        ("sample_with_replacement", |c, _| {
            Ok(format!("{:?}", more(c)?.resampled.collect()?))
        }),
        ("filter_by_range", |c, _| {
            Ok(format!("{:?}", more(c)?.in_range.collect()?))
        }),
        ("union_keeping_partitioner", |c, _| {
            let m = more(c)?;
            Ok(format!(
                "{:?} {:?}",
                m.aware_union.partitioner(),
                m.aware_union.collect()?
            ))
        }),
        ("group_with", |c, _| {
            Ok(format!("{:?}", more(c)?.grouped3.collect()?))
        }),
        ("cartesian", |c, _| {
            Ok(format!("{:?}", more(c)?.product.collect()?))
        }),
        ("checkpoint(local)", |c, _| {
            let m = more(c)?;
            let first = m.local_ckpt.collect()?;
            let checkpointed = m.local_ckpt.is_checkpointed();
            Ok(format!(
                "{first:?} {checkpointed} {:?} {:?}",
                m.local_ckpt.collect()?,
                m.local_ckpt_sums.collect()?
            ))
        }),
        ("coalesce over a shuffle", |c, _| {
            Ok(format!("{:?}", more(c)?.shuffled_coalesced.collect()?))
        }),
        ("union over a shuffle", |c, _| {
            Ok(format!("{:?}", more(c)?.shuffled_unioned.collect()?))
        }),
        ("cartesian over a shuffle", |c, _| {
            // Two jobs: the second reads the outputs the first kept, spread once.
            let m = more(c)?;
            Ok(format!(
                "{:?} {:?}",
                m.shuffled.collect()?,
                m.shuffled_product.collect()?
            ))
        }),
        ("intersection", |c, _| {
            Ok(format!("{:?}", more(c)?.common.collect()?))
        }),
        ("subtract", |c, _| {
            Ok(format!("{:?}", more(c)?.rest.collect()?))
        }),
        ("subtract_by_key", |c, _| {
            Ok(format!("{:?}", more(c)?.rest_by_key.collect()?))
        }),
        ("repartition_and_sort_within_partitions", |c, _| {
            Ok(format!("{:?}", more(c)?.sorted_within.collect()?))
        }),
        ("random_split", |c, _| {
            let splits = more(c)?.nums.random_split(&[0.25, 0.75], 9);
            let parts = splits
                .iter()
                .map(|s| s.collect())
                .collect::<rddflow::Result<Vec<_>>>()?;
            Ok(format!("{parts:?}"))
        }),
        ("broadcast", |c, _| {
            let names = (0..4).map(|k| (k, format!("n{k}"))).collect();
            Ok(format!(
                "{:?}",
                Shared::new(c, 40, rddflow::Broadcast::new(names))?
                    .named
                    .collect()?
            ))
        }),
        // Actions.
        ("count", |c, _| Ok(format!("{:?}", ops(c)?.flat.count()?))),
        ("reduce", |c, _| {
            Ok(format!(
                "{:?}",
                ops(c)?
                    .mapped
                    .reduce(|a, b| a.wrapping_mul(31).wrapping_add(b))?
            ))
        }),
        ("fold", |c, _| {
            Ok(format!("{:?}", ops(c)?.mapped.fold(7, |a, b| a ^ b)?))
        }),
        ("aggregate", |c, _| {
            Ok(format!(
                "{:?}",
                ops(c)?.mapped.aggregate(
                    (0u64, 0u64),
                    |(s, n), x| (s + x, n + 1),
                    |a, b| (a.0 + b.0, a.1 + b.1)
                )?
            ))
        }),
        ("take", |c, _| {
            Ok(format!("{:?}", ops(c)?.filtered.take(45)?))
        }),
        ("first", |c, _| Ok(format!("{:?}", ops(c)?.sorted.first()?))),
        ("for_each", |c, _| {
            Ok(format!("{:?}", ops(c)?.mapped.for_each(|_| {})?))
        }),
        ("for_each_partition", |c, _| {
            Ok(format!(
                "{:?}",
                ops(c)?
                    .mapped
                    .for_each_partition(|it| { it.for_each(drop) })?
            ))
        }),
        ("count_by_key", |c, _| {
            Ok(format!(
                "{:?}",
                ops(c)?
                    .pairs
                    .count_by_key()?
                    .into_iter()
                    .collect::<BTreeMap<_, _>>()
            ))
        }),
        ("count_by_value", |c, _| {
            Ok(format!(
                "{:?}",
                ops(c)?
                    .the_keys
                    .count_by_value()?
                    .into_iter()
                    .collect::<BTreeMap<_, _>>()
            ))
        }),
        ("collect_map", |c, _| {
            Ok(format!(
                "{:?}",
                ops(c)?
                    .reduced
                    .collect_map()?
                    .into_iter()
                    .collect::<BTreeMap<_, _>>()
            ))
        }),
        ("top", |c, _| Ok(format!("{:?}", ops(c)?.mapped.top(5)?))),
        ("take_ordered", |c, _| {
            Ok(format!("{:?}", ops(c)?.flat.take_ordered(5)?))
        }),
        ("max", |c, _| Ok(format!("{:?}", ops(c)?.filtered.max()?))),
        ("min", |c, _| Ok(format!("{:?}", ops(c)?.filtered.min()?))),
        ("sum", |c, _| {
            Ok(format!(
                "{:?}",
                Floats::new(c, readings())?.values.sum()?.to_bits()
            ))
        }),
        ("mean", |c, _| {
            Ok(format!(
                "{:?}",
                Floats::new(c, readings())?.values.mean()?.to_bits()
            ))
        }),
        ("stats", |c, _| {
            Ok(format!("{:?}", Floats::new(c, readings())?.values.stats()?))
        }),
        ("histogram", |c, _| {
            Ok(format!(
                "{:?}",
                Floats::new(c, readings())?.values.histogram(4)?
            ))
        }),
        ("take_sample", |c, _| {
            Ok(format!("{:?}", ops(c)?.nums.take_sample(false, 10, 3)?))
        }),
        ("is_empty", |c, _| {
            Ok(format!("{:?}", ops(c)?.filter_mapped.is_empty()?))
        }),
        ("lookup", |c, _| {
            Ok(format!("{:?}", ops(c)?.reduced.lookup(&3)?))
        }),
        ("to_local_iterator", |c, _| {
            Ok(format!(
                "{:?}",
                ops(c)?
                    .grouped
                    .to_local_iterator()
                    .collect::<rddflow::Result<Vec<_>>>()?
            ))
        }),
        ("count_approx_distinct", |c, _| {
            Ok(format!("{:?}", ops(c)?.flat.count_approx_distinct(0.05)?))
        }),
        ("tree_reduce", |c, _| {
            Ok(format!(
                "{:?}",
                ops(c)?.mapped.tree_reduce(|a, b| a + b, 2)?
            ))
        }),
        ("tree_aggregate", |c, _| {
            Ok(format!(
                "{:?}",
                ops(c)?
                    .mapped
                    .tree_aggregate(0u64, |a, x| a + x, |a, b| a + b, 3)?
            ))
        }),
        ("save_as_text_file", |c, d| save_and_read(c, d)),
        // The scenarios of the acceptance list.
        ("wordcount", |c, d| {
            Ok(format!(
                "{:?}",
                sorted(Words::new(c, d.join("words"))?.counts.collect()?)
            ))
        }),
        ("float_reduce_by_key", |c, _| {
            let f = Floats::new(c, readings())?;
            let bits: Vec<(u32, u64)> = f
                .sums
                .collect()?
                .into_iter()
                .map(|(k, v)| (k, v.to_bits()))
                .collect();
            Ok(format!("{bits:?}"))
        }),
        ("task_retry", |c, _| {
            Ok(format!("{:?}", Flaky::new(c, 300)?.sums.collect()?))
        }),
        ("pagerank_checkpointed", |c, _| {
            Ok(format!("{:?}", pagerank(c, 10)?))
        }),
    ]
}

/// Readings whose sums depend on the order of additions (large and small magnitudes).
fn readings() -> Vec<Reading> {
    (0..400u32)
        .map(|i| Reading {
            station: i % 9,
            value: if i % 5 == 0 {
                1e16
            } else {
                0.1 * f64::from(i) + 1.0 / 3.0
            },
        })
        .collect()
}

/// `save_as_text_file` into a fresh directory, read back in part order.
fn save_and_read(c: &Context, d: &Path) -> rddflow::Result<String> {
    let dir = d.join(format!(
        "saved-{}",
        if c.process_count() > 1 {
            "cluster"
        } else {
            "local"
        }
    ));
    ops(c)?.mapped.save_as_text_file(&dir)?;
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| rddflow::Error::io("list", &dir, e))?
        .map(|e| e.expect("dir entry").path())
        .collect();
    names.sort();
    let mut out = Vec::new();
    for n in names {
        let name = n.file_name().unwrap().to_string_lossy().into_owned();
        out.push(format!(
            "{name}:{}",
            std::fs::read_to_string(&n).unwrap_or_default().len()
        ));
    }
    Ok(out.join(","))
}

/// The edges of a small graph.
fn edges() -> Vec<(u64, u64)> {
    let mut e = Vec::new();
    for s in 0..40u64 {
        for k in 1..=(s % 4 + 1) {
            e.push((s, (s * 7 + k * 13) % 40));
        }
    }
    e
}

/// `iterations` PageRank steps with the ranks checkpointed every 3 iterations; the final
/// ranks, as bits.
fn pagerank(ctx: &Context, iterations: usize) -> rddflow::Result<Vec<(u64, u64)>> {
    rddflow::pipeline! {
        struct Init(links: Rdd<(u64, Vec<u64>)>) {
            ranks: (u64, f64) = links.map_values(|_| 1.0);
        }
    }
    let g = Graph::new(ctx, edges())?;
    let mut ranks = Init::new(ctx, g.links.rdd())?.ranks.rdd();
    for i in 1..=iterations {
        let step = Step::new(ctx, g.links.rdd(), ranks)?;
        if i % 3 == 0 {
            step.ranks_next.checkpoint()?;
        }
        ranks = step.ranks_next.rdd();
        // A job per iteration writes the checkpoint as a side output.
        if i % 3 == 0 {
            ranks.count()?;
        }
    }
    Ok(ranks
        .collect()?
        .into_iter()
        .map(|(k, v)| (k, v.to_bits()))
        .collect())
}

// ---------------------------------------------------------------- children

rddflow::pipeline! {
    /// Every page's first rank.
    struct Seed(links: Rdd<(u64, Vec<u64>)>) {
        ranks: (u64, f64) = links.map_values(|_| 1.0);
    }
}

/// The first PageRank step over the graph.
fn first_step(ctx: &Context) -> rddflow::Result<Step> {
    let g = Graph::new(ctx, edges())?;
    let seed = Seed::new(ctx, g.links.rdd())?;
    Step::new(ctx, g.links.rdd(), seed.ranks.rdd())
}

/// Ranks as bits, for exact comparison.
fn bits(ranks: Vec<(u64, f64)>) -> Vec<(u64, u64)> {
    ranks.into_iter().map(|(k, v)| (k, v.to_bits())).collect()
}

/// The cluster context of a child, from the environment the parent set.
fn child_context(resume: bool, timeout: Duration) -> rddflow::Result<Context> {
    Context::builder()
        .threads(THREADS)
        .checkpoint_dir(data_dir().join("checkpoints"))
        .resume(resume)
        .cluster_timeout(timeout)
        .cluster_from_env()
        .build()
}

fn data_dir() -> PathBuf {
    PathBuf::from(std::env::var("RDDFLOW_TEST_DATA").expect("RDDFLOW_TEST_DATA"))
}

/// Prints `RESULT name value` (or `ERROR name message`).
fn report(name: &str, r: rddflow::Result<String>) {
    match r {
        Ok(v) => println!("RESULT {name} {v}"),
        Err(e) => println!("ERROR {name} {}", describe(&e)),
    }
}

/// An error as `cluster:PROCESS message` when it names a process, else its message.
fn describe(e: &rddflow::Error) -> String {
    match e {
        rddflow::Error::Cluster {
            process: Some(p), ..
        } => format!("cluster:{p} {e}"),
        rddflow::Error::Cluster { .. } => format!("cluster:? {e}"),
        _ => format!("other {e}"),
    }
}

fn child(role: &str) -> rddflow::Result<()> {
    let index: usize = std::env::var("RDDFLOW_PROCESS").map_or(0, |p| p.parse().unwrap());
    PROCESS.store(index, Ordering::SeqCst);
    let started = Instant::now();
    match role {
        "table" => {
            let ctx = child_context(false, Duration::from_secs(20))?;
            for (name, f) in cases() {
                report(name, f(&ctx, &data_dir()));
            }
        }
        "params" => {
            let ctx = child_context(false, Duration::from_secs(20))?;
            let s = Scaled::new(&ctx, if index == 1 { 3 } else { 2 })?;
            report("params", s.scaled.collect().map(|v| format!("{v:?}")));
        }
        "accumulator" => {
            let ctx = child_context(false, Duration::from_secs(20))?;
            let r = Counted::new(&ctx, 20, ctx.accumulator(0u64))
                .and_then(|p| p.odd.count())
                .map(|n| n.to_string());
            report("accumulator", r);
        }
        "missing" => {
            let r = child_context(false, Duration::from_secs(2)).map(|_| String::new());
            report("missing", r);
            println!("ELAPSED {}", started.elapsed().as_millis());
        }
        "kill" => {
            let ctx = child_context(false, Duration::from_secs(20))?;
            let r = Doomed::new(&ctx, 2)?
                .sums
                .collect()
                .map(|v| format!("{v:?}"));
            report("kill", r);
            println!("ELAPSED {}", started.elapsed().as_millis());
        }
        "ckpt_then_kill" | "resume" => {
            let resume = role == "resume";
            let ctx = child_context(true, Duration::from_secs(20))?;
            let step = first_step(&ctx)?;
            step.ranks_next.checkpoint()?;
            let first = step.ranks_next.count();
            report("first", first.map(|n| n.to_string()));
            if !resume {
                // The checkpoint is committed: now a process dies in the next job.
                let doomed = Doomed::new(&ctx, 2)?;
                report("after_kill", doomed.sums.count().map(|n| n.to_string()));
            }
            println!("RESULT ranks {:?}", bits(step.ranks_next.collect()?));
            println!("RESULT calls {}", RANK_CALLS.load(Ordering::SeqCst));
            println!("RESULT resumed {}", step.ranks_next.checkpoint_resumed());
        }
        "routed" => {
            let ctx = child_context(false, Duration::from_secs(20))?;
            let m = Moved::new(&ctx, MOVED)?;
            report("none", m.none.count().map(|n| n.to_string()));
            println!("RESULT sent {}", ctx.cluster_bytes_sent());
        }
        "received_spill" => {
            let spill = data_dir().join(format!("spill-{index}"));
            std::fs::create_dir_all(&spill).map_err(|e| rddflow::Error::io("create", &spill, e))?;
            let ctx = Context::builder()
                .threads(THREADS)
                .memory_limit(64 << 20)
                .spill_dir(&spill)
                .cluster_timeout(Duration::from_secs(20))
                .cluster_from_env()
                .build()?;
            let o = ops(&ctx)?;
            report("grouped", o.grouped.collect().map(|v| format!("{v:?}")));
            // Received buckets wait for their reduce tasks in files of the spill directory.
            let received = std::fs::read_dir(&spill)
                .map_err(|e| rddflow::Error::io("list", &spill, e))?
                .flatten()
                .filter(|d| d.path().is_dir())
                .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
                .filter(|f| f.file_name().to_string_lossy().starts_with("received-"))
                .count();
            println!("RESULT received_files {received}");
        }
        "own_dirs_first" | "own_dirs_resume" => {
            // Each process its own checkpoint directory: only process 0's gets the manifest.
            let ctx = Context::builder()
                .threads(THREADS)
                .checkpoint_dir(data_dir().join(format!("own-{index}")))
                .resume(true)
                .cluster_timeout(Duration::from_secs(20))
                .cluster_from_env()
                .build()?;
            let step = first_step(&ctx)?;
            step.ranks_next.checkpoint()?;
            report("count", step.ranks_next.count().map(|n| n.to_string()));
            println!("RESULT ranks {:?}", bits(step.ranks_next.collect()?));
            println!("RESULT calls {}", RANK_CALLS.load(Ordering::SeqCst));
            println!("RESULT resumed {}", step.ranks_next.checkpoint_resumed());
        }
        "cursed" => {
            let ctx = child_context(false, Duration::from_secs(20))?;
            let r = Cursed::new(&ctx, 1)?
                .sums
                .collect()
                .map(|v| format!("{v:?}"));
            report("cursed", r);
            println!("ELAPSED {}", started.elapsed().as_millis());
            // The cluster goes on after a failed job: the next one works in every process.
            report(
                "after",
                Scaled::new(&ctx, 2)?.scaled.count().map(|n| n.to_string()),
            );
        }
        "spawner" | "spawner_panic" => {
            // A plain program using `processes(3)`: every copy prints its pid.
            let ctx = Context::builder()
                .threads(THREADS)
                .processes(PROCS)
                .build()?;
            println!("PID {} {}", ctx.process_index(), std::process::id());
            let s = Scaled::new(&ctx, 2)?;
            let n = s.scaled.count()?;
            println!("COUNT {} {n}", ctx.process_index());
            if role == "spawner_panic" && ctx.process_index() == 0 {
                panic!("process 0 panics after its job");
            }
        }
        other => panic!("unknown role {other}"),
    }
    Ok(())
}

// ---------------------------------------------------------------- parent

/// `n` loopback addresses on ports free right now.
fn free_hosts(n: usize) -> Vec<String> {
    let ls: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    ls.iter()
        .map(|l| l.local_addr().unwrap().to_string())
        .collect()
}

/// What one child printed, and how it ended.
struct Output {
    lines: Vec<String>,
    success: bool,
}

impl Output {
    fn get(&self, kind: &str, name: &str) -> Option<&str> {
        let prefix = format!("{kind} {name} ");
        self.lines.iter().find_map(|l| l.strip_prefix(&prefix))
    }
}

/// Runs `role` in processes `which` of a cluster of `PROCS` (the others never start), each
/// under the hard timeout; kills only these children.
fn run_cluster(role: &str, which: &[usize], data: &Path) -> Vec<Output> {
    let hosts = free_hosts(PROCS).join(",");
    let exe = std::env::current_exe().unwrap();
    let mut children: Vec<Child> = which
        .iter()
        .map(|&i| {
            Command::new(&exe)
                .env("RDDFLOW_TEST_ROLE", role)
                .env("RDDFLOW_TEST_DATA", data)
                .env("RDDFLOW_HOSTS", &hosts)
                .env("RDDFLOW_PROCESS", i.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    collect(&mut children)
}

/// Waits for `children` (killing them past the hard timeout) and reads their output.
fn collect(children: &mut [Child]) -> Vec<Output> {
    let readers: Vec<_> = children
        .iter_mut()
        .map(|c| {
            let out = c.stdout.take().unwrap();
            std::thread::spawn(move || {
                BufReader::new(out)
                    .lines()
                    .map_while(Result::ok)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let deadline = Instant::now() + HARD_TIMEOUT;
    let mut status = vec![None; children.len()];
    while status.iter().any(Option::is_none) {
        for (i, c) in children.iter_mut().enumerate() {
            if status[i].is_none()
                && let Some(s) = c.try_wait().unwrap()
            {
                status[i] = Some(s.success());
            }
        }
        if Instant::now() > deadline {
            for (i, c) in children.iter_mut().enumerate() {
                if status[i].is_none() {
                    let _ = c.kill();
                    let _ = c.wait();
                    status[i] = Some(false);
                    eprintln!("child {i} killed after the hard timeout");
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    readers
        .into_iter()
        .zip(status)
        .map(|(r, s)| Output {
            lines: r.join().unwrap(),
            success: s.unwrap_or(false),
        })
        .collect()
}

/// The test data every process reads at the same path.
fn make_data() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let words = dir.path().join("words");
    std::fs::create_dir(&words).unwrap();
    for f in 0..3 {
        let text: String = (0..300)
            .map(|i| {
                format!(
                    "w{} x{} the {}\n",
                    (i * 7 + f) % 23,
                    i % 5,
                    if i % 2 == 0 { "a" } else { "b" }
                )
            })
            .collect();
        std::fs::write(words.join(format!("part{f}.txt")), text).unwrap();
    }
    dir
}

type Check = fn(&Path) -> Result<(), String>;

/// Every operator and action on 3 processes against the local engine.
fn table(data: &Path) -> Result<(), String> {
    let local = Context::builder()
        .threads(THREADS)
        .checkpoint_dir(data.join("checkpoints-local"))
        .build()
        .map_err(|e| e.to_string())?;
    let want: Vec<(&str, String)> = cases()
        .into_iter()
        .map(|(name, f)| {
            (
                name,
                f(&local, data).unwrap_or_else(|e| panic!("{name} locally: {e}")),
            )
        })
        .collect();
    let outs = run_cluster("table", &[0, 1, 2], data);
    let mut bad = Vec::new();
    for (p, o) in outs.iter().enumerate() {
        for (name, want) in &want {
            match o.get("RESULT", name) {
                Some(got) if got == want => {}
                Some(got) => bad.push(format!("process {p}: {name}: got {got}, want {want}")),
                None => bad.push(format!(
                    "process {p}: {name}: {}",
                    o.get("ERROR", name).unwrap_or("no result (process ended)")
                )),
            }
        }
        if !o.success {
            bad.push(format!("process {p} did not exit cleanly"));
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad.join("\n"))
    }
}

/// Each bucket of a shuffle goes only to the process that reads it: the three processes
/// together send less than the records' own bytes (each process keeps its own share; sending
/// every map output to every other process would send twice those bytes).
fn routed(data: &Path) -> Result<(), String> {
    let outs = run_cluster("routed", &[0, 1, 2], data);
    let mut total = 0u64;
    for (p, o) in outs.iter().enumerate() {
        if o.get("RESULT", "none") != Some("0") || !o.success {
            return Err(format!("process {p}: {:?}", o.lines));
        }
        total += o
            .get("RESULT", "sent")
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or(format!("process {p}: no byte count"))?;
    }
    // Every record encodes its padding and more.
    let records = MOVED * PAD as u64;
    if total >= records {
        return Err(format!(
            "{total} bytes sent for {records} bytes of records: buckets went to processes that \
             do not read them"
        ));
    }
    Ok(())
}

/// Under a memory limit, received buckets wait in spill files; results as the local engine's
/// under the same limit (records merged by key, ties in map order), in exact order.
fn received_spill(data: &Path) -> Result<(), String> {
    let local = Context::builder()
        .threads(THREADS)
        .memory_limit(64 << 20)
        .spill_dir(data)
        .build()
        .map_err(|e| e.to_string())?;
    let want = format!(
        "{:?}",
        ops(&local)
            .and_then(|o| o.grouped.collect())
            .map_err(|e| e.to_string())?
    );
    let outs = run_cluster("received_spill", &[0, 1, 2], data);
    for (p, o) in outs.iter().enumerate() {
        if o.get("RESULT", "grouped") != Some(want.as_str()) {
            return Err(format!("process {p}: {:?}, want {want}", o.lines));
        }
        let files: usize = o
            .get("RESULT", "received_files")
            .and_then(|v| v.parse().ok())
            .ok_or(format!("process {p}: no file count: {:?}", o.lines))?;
        // `grouped` has 4 partitions: processes 0 and 1 own them (2 threads each), 2 none.
        if (files == 0) != (p == 2) {
            return Err(format!(
                "process {p}: {files} files of received buckets (kept in memory?)"
            ));
        }
    }
    Ok(())
}

/// Processes with different params fail at the first job, naming a process.
fn mismatched_params(data: &Path) -> Result<(), String> {
    let outs = run_cluster("params", &[0, 1, 2], data);
    for (p, o) in outs.iter().enumerate() {
        match o.get("ERROR", "params") {
            Some(e) if e.starts_with("cluster:") => {}
            other => {
                return Err(format!(
                    "process {p}: expected Error::Cluster, got {other:?}"
                ));
            }
        }
    }
    Ok(())
}

/// An accumulator in cluster mode is refused at `new` in every process, never partial.
fn accumulator_refused(data: &Path) -> Result<(), String> {
    let outs = run_cluster("accumulator", &[0, 1, 2], data);
    for (p, o) in outs.iter().enumerate() {
        match o.get("ERROR", "accumulator") {
            Some(e) if e.starts_with("cluster:") && e.contains("accumulator") => {}
            other => {
                return Err(format!(
                    "process {p}: expected Error::Cluster about the accumulator, got {other:?}"
                ));
            }
        }
    }
    Ok(())
}

/// A peer that never starts: `Error::Cluster` naming it after the timeout.
fn missing_peer(data: &Path) -> Result<(), String> {
    let outs = run_cluster("missing", &[0, 1], data);
    for (p, o) in outs.iter().enumerate() {
        let e = o
            .get("ERROR", "missing")
            .ok_or(format!("process {p}: no error: {:?}", o.lines))?;
        if !e.starts_with("cluster:2 ") {
            return Err(format!(
                "process {p}: expected an error naming process 2, got {e}"
            ));
        }
        let elapsed: u64 = o
            .lines
            .iter()
            .find_map(|l| l.strip_prefix("ELAPSED "))
            .and_then(|s| s.parse().ok())
            .ok_or(format!("process {p}: no elapsed time"))?;
        // The timeout is 2 s: not before it, and not much after.
        if !(1_900..15_000).contains(&elapsed) {
            return Err(format!("process {p}: failed after {elapsed} ms"));
        }
    }
    Ok(())
}

/// Process 1's tasks panic on every attempt: it fails with its own error, the others with
/// `Error::Cluster` naming it, within 30 s; every process goes on to the next job.
fn panicking_tasks(data: &Path) -> Result<(), String> {
    let outs = run_cluster("cursed", &[0, 1, 2], data);
    for (p, o) in outs.iter().enumerate() {
        let e = o
            .get("ERROR", "cursed")
            .ok_or(format!("process {p}: no error: {:?}", o.lines))?;
        let named = if p == 1 {
            !e.starts_with("cluster:") && e.contains("always fail")
        } else {
            e.starts_with("cluster:1 ") && e.contains("always fail")
        };
        if !named {
            return Err(format!("process {p}: {e}"));
        }
        let elapsed: u64 = o
            .lines
            .iter()
            .find_map(|l| l.strip_prefix("ELAPSED "))
            .and_then(|s| s.parse().ok())
            .ok_or(format!("process {p}: no elapsed time"))?;
        if elapsed > 30_000 {
            return Err(format!("process {p}: took {elapsed} ms to fail"));
        }
        if o.get("RESULT", "after") != Some("100") || !o.success {
            return Err(format!("process {p}: the next job: {:?}", o.lines));
        }
    }
    Ok(())
}

/// Process 2 is SIGKILLed mid-job: the others fail naming it, within 30 s.
fn killed_peer(data: &Path) -> Result<(), String> {
    let outs = run_cluster("kill", &[0, 1, 2], data);
    for (p, o) in outs.iter().enumerate().take(2) {
        let e = o
            .get("ERROR", "kill")
            .ok_or(format!("process {p}: no error: {:?}", o.lines))?;
        if !e.starts_with("cluster:2 ") {
            return Err(format!(
                "process {p}: expected an error naming process 2, got {e}"
            ));
        }
        let elapsed: u64 = o
            .lines
            .iter()
            .find_map(|l| l.strip_prefix("ELAPSED "))
            .and_then(|s| s.parse().ok())
            .ok_or(format!("process {p}: no elapsed time"))?;
        if elapsed > 30_000 {
            return Err(format!("process {p}: took {elapsed} ms to notice"));
        }
    }
    if outs[2].success {
        return Err("process 2 was not killed".into());
    }
    Ok(())
}

/// A checkpoint committed, then a process killed; restarting all with `resume(true)` reads
/// the checkpoint: its node's closure runs 0 times, and the ranks are the same.
fn resume_after_kill(data: &Path) -> Result<(), String> {
    let first = run_cluster("ckpt_then_kill", &[0, 1, 2], data);
    for (p, o) in first.iter().enumerate().take(2) {
        if o.get("RESULT", "first").is_none() {
            return Err(format!("process {p}: the first job failed: {:?}", o.lines));
        }
        match o.get("ERROR", "after_kill") {
            Some(e) if e.starts_with("cluster:2 ") => {}
            other => return Err(format!("process {p}: expected the kill, got {other:?}")),
        }
    }
    let again = run_cluster("resume", &[0, 1, 2], data);
    let local = Context::builder()
        .threads(THREADS)
        .build()
        .map_err(|e| e.to_string())?;
    let ranks = first_step(&local).and_then(|s| s.ranks_next.collect());
    let want = format!("{:?}", bits(ranks.map_err(|e| e.to_string())?));
    let want = want.as_str();
    for (p, o) in again.iter().enumerate() {
        if o.get("RESULT", "calls") != Some("0") {
            return Err(format!(
                "process {p}: the checkpointed node ran: {:?}",
                o.lines
            ));
        }
        if o.get("RESULT", "resumed") != Some("true") {
            return Err(format!("process {p}: not resumed: {:?}", o.lines));
        }
        if o.get("RESULT", "ranks") != Some(want) {
            return Err(format!("process {p}: other ranks after resume"));
        }
    }
    Ok(())
}

/// Whether to resume is decided once, by process 0, and applied by all. A storage that hosts
/// see differently (a manifest not yet visible on some, as on an eventually consistent shared
/// file system) is made here with a directory per process: the parts are copied to all of
/// them, the manifest stays only in process 0's. Every process resumes anyway, instead of
/// some recomputing what others adopt.
fn resume_decided_once(data: &Path) -> Result<(), String> {
    let first = run_cluster("own_dirs_first", &[0, 1, 2], data);
    for (p, o) in first.iter().enumerate() {
        if o.get("RESULT", "resumed") != Some("false") || !o.success {
            return Err(format!("process {p}: the first run: {:?}", o.lines));
        }
        let manifests = walk(&data.join(format!("own-{p}")))
            .into_iter()
            .filter(|f| f.ends_with("_manifest.json"))
            .count();
        if manifests != usize::from(p == 0) {
            return Err(format!(
                "process {p}: {manifests} manifests in its directory"
            ));
        }
    }
    for p in 0..PROCS {
        let from = data.join(format!("own-{p}"));
        for file in walk(&from)
            .into_iter()
            .filter(|f| !f.ends_with("_manifest.json"))
        {
            let rel = file.strip_prefix(&from).unwrap();
            for q in (0..PROCS).filter(|&q| q != p) {
                let to = data.join(format!("own-{q}")).join(rel);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(&file, &to).unwrap();
            }
        }
    }
    let local = Context::builder()
        .threads(THREADS)
        .build()
        .map_err(|e| e.to_string())?;
    let ranks = first_step(&local).and_then(|s| s.ranks_next.collect());
    let want = format!("{:?}", bits(ranks.map_err(|e| e.to_string())?));
    let again = run_cluster("own_dirs_resume", &[0, 1, 2], data);
    for (p, o) in again.iter().enumerate() {
        if o.get("RESULT", "resumed") != Some("true")
            || o.get("RESULT", "calls") != Some("0")
            || o.get("RESULT", "ranks") != Some(want.as_str())
        {
            return Err(format!(
                "process {p}: did not resume process 0's checkpoint: {:?}",
                o.lines
            ));
        }
    }
    Ok(())
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// `processes(3)` from a plain program: runs, and leaves no process behind when it returns or
/// when process 0 panics.
fn spawned(data: &Path) -> Result<(), String> {
    for role in ["spawner", "spawner_panic"] {
        let exe = std::env::current_exe().unwrap();
        let mut child = Command::new(&exe)
            .env("RDDFLOW_TEST_ROLE", role)
            .env("RDDFLOW_TEST_DATA", data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = collect(std::slice::from_mut(&mut child)).pop().unwrap();
        let pids: Vec<u32> = out
            .lines
            .iter()
            .filter_map(|l| l.strip_prefix("PID "))
            .filter_map(|l| l.split(' ').nth(1)?.parse().ok())
            .collect();
        let counts = out.lines.iter().filter(|l| l.starts_with("COUNT ")).count();
        if pids.len() != PROCS || counts != PROCS {
            return Err(format!(
                "{role}: expected {PROCS} processes: {:?}",
                out.lines
            ));
        }
        if out.success == (role == "spawner_panic") {
            return Err(format!("{role}: unexpected exit status"));
        }
        // Gone (or a zombie waiting for a reaper): none still running.
        std::thread::sleep(Duration::from_millis(200));
        for pid in &pids[..] {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let running = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().next())
                .is_some_and(|state| state != "Z" && state != "X");
            if running {
                return Err(format!("{role}: process {pid} is still running"));
            }
        }
    }
    Ok(())
}

fn main() {
    if let Ok(role) = std::env::var("RDDFLOW_TEST_ROLE") {
        if let Err(e) = child(&role) {
            println!("ERROR main {}", describe(&e));
            std::process::exit(1);
        }
        return;
    }
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let checks: &[(&str, Check)] = &[
        ("operators_and_actions_on_3_processes", table),
        ("shuffle_buckets_go_only_to_their_readers", routed),
        (
            "received_buckets_spill_under_a_memory_limit",
            received_spill,
        ),
        ("mismatched_params_fail_at_the_first_job", mismatched_params),
        ("accumulators_are_refused_on_a_cluster", accumulator_refused),
        ("missing_peer_fails_after_the_timeout", missing_peer),
        (
            "tasks_failing_in_one_process_name_it_everywhere",
            panicking_tasks,
        ),
        ("killed_peer_is_named_within_30s", killed_peer),
        (
            "resume_after_a_kill_reads_the_checkpoints",
            resume_after_kill,
        ),
        ("resume_is_decided_once_by_process_0", resume_decided_once),
        ("processes_3_leaves_no_process_behind", spawned),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, check) in checks {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let data = make_data();
        let started = Instant::now();
        match check(data.path()) {
            Ok(()) => {
                passed += 1;
                println!(
                    "test {name} ... ok ({:.1} s)",
                    started.elapsed().as_secs_f64()
                );
            }
            Err(e) => {
                failed += 1;
                println!("test {name} ... FAILED\n{e}");
            }
        }
    }
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out",
        if failed == 0 { "ok" } else { "FAILED" }
    );
    if failed > 0 {
        std::process::exit(1);
    }
}
