"""The rddflow benchmark workloads on pyspark, local mode.

Reads the inputs that
`cargo run --profile bench-release -p rddflow-bench --bin bench -- --write-data` generates and
prints one line per workload: `pyspark WORKLOAD MEDIAN_MS [TIMES] RESULT`. Times start after
the SparkContext is up (JVM and Spark start-up excluded); each workload runs once to warm up,
then REPS timed runs.

Usage: bench.py DATA_DIR CHAIN_N PR_ITERS PR_EVERY PARTS REPS CHECKPOINT_DIR [WORKLOADS]
"""

import sys
import time

from pyspark import SparkConf, SparkContext

M = (1 << 64) - 1  # the Rust side computes on u64 with wrapping arithmetic


def timed(name, reps, run):
    result = run()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    listed = ", ".join(f"{t:.1f}" for t in times)
    print(f"pyspark {name} {times[reps // 2]:.1f} [{listed}] {result}", flush=True)


def narrow_chain(sc, n, parts):
    return (
        sc.range(0, n, numSlices=parts)
        .map(lambda x: (x * 0x9E3779B97F4A7C15) & M)
        .map(lambda x: x ^ (x >> 29))
        .filter(lambda x: x & 15 != 0)
        .map(lambda x: (x + 0x632BE59BD9B4E019) & M)
        .map(lambda x: (x * 0xBF58476D1CE4E5B9) & M)
        .filter(lambda x: x >> 60 != 3)
        .map(lambda x: x ^ (x >> 32))
        .map(lambda x: (x + 12345) & M)
        .filter(lambda x: x & 3 != 1)
        .map(lambda x: x >> 8)
        .fold(0, lambda a, b: (a + b) & M)
    )


def wordcount(sc, data, parts, checkpoint):
    pairs = sc.textFile(f"{data}/corpus.txt", parts).flatMap(lambda l: l.split(" ")).map(
        lambda w: (w, 1)
    )
    if checkpoint:
        pairs.checkpoint()  # written by a second job after the first, as Spark does
    counts = pairs.reduceByKey(lambda a, b: a + b, parts).collectAsMap()
    return f"{len(counts)} distinct words, {sum(counts.values())} words"


def parse_pair(line):
    a, b = line.split(" ")
    return int(a), int(b)


def pagerank(sc, data, parts, iters, every):
    links = sc.textFile(f"{data}/edges.txt", parts).map(parse_pair).groupByKey(parts).cache()
    links.checkpoint()
    ranks = links.mapValues(lambda _: 1.0)

    def contributions(t):
        dsts, rank = t
        dsts = list(dsts)
        share = rank / len(dsts)
        return [(d, share) for d in dsts]

    for i in range(1, iters + 1):
        contribs = links.join(ranks, parts).values().flatMap(contributions)
        ranks = contribs.reduceByKey(lambda a, b: a + b, parts).mapValues(lambda s: 0.15 + 0.85 * s)
        if i % every == 0:
            ranks.cache()
            ranks.checkpoint()
            ranks.count()
    r = ranks.collectAsMap()
    return f"{len(r)} pages ranked, sum of ranks {sum(r.values())}"


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def join_hash(k, v, w):
    return (
        rotl((k * 0x9E3779B97F4A7C15) & M, 17)
        ^ ((v * 0xBF58476D1CE4E5B9) & M)
        ^ rotl((w * 0x94D049BB133111EB) & M, 31)
    )


def join(left, right, parts):
    count, checksum = left.join(right, parts).aggregate(
        (0, 0),
        lambda acc, t: (acc[0] + 1, (acc[1] + join_hash(t[0], t[1][0], t[1][1])) & M),
        lambda a, b: (a[0] + b[0], (a[1] + b[1]) & M),
    )
    return f"{count} matching pairs, checksum {checksum:#x}"


def main():
    data, chain_n, iters, every, parts, reps, checkpoints = sys.argv[1:8]
    chain_n, iters, every, parts, reps = map(int, (chain_n, iters, every, parts, reps))
    only = sys.argv[8].split(",") if len(sys.argv) > 8 else []
    conf = (
        SparkConf()
        .setMaster("local[2]")
        .setAppName("rddflow-bench-py")
        .set("spark.ui.enabled", "false")
        .set("spark.cleaner.referenceTracking.cleanCheckpoints", "true")
    )
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    sc.setCheckpointDir(checkpoints)

    def want(w):
        return not only or w in only

    if want("narrow_chain"):
        timed("narrow_chain", reps, lambda: f"sum {narrow_chain(sc, chain_n, parts)}")
    if want("wordcount"):
        timed("wordcount", reps, lambda: wordcount(sc, data, parts, False))
    if want("wordcount_ckpt"):
        timed("wordcount_ckpt", reps, lambda: wordcount(sc, data, parts, True))
    if want("pagerank_ckpt"):
        timed("pagerank_ckpt", reps, lambda: pagerank(sc, data, parts, iters, every))
    if want("join"):
        left = sc.textFile(f"{data}/join_left.txt", parts).map(parse_pair).cache()
        right = sc.textFile(f"{data}/join_right.txt", parts).map(parse_pair).cache()
        left.count()  # inputs read and cached before timing: rddflow's come from memory
        right.count()
        timed("join", reps, lambda: join(left, right, parts))
    sc.stop()


if __name__ == "__main__":
    main()
