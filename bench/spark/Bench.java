// The rddflow benchmark workloads on Spark's Java API, local mode. Reads the inputs that
// `cargo run --profile bench-release -p rddflow-bench --bin bench -- --write-data` generates,
// and prints one line per workload: `spark-java WORKLOAD MEDIAN_MS [TIMES]` plus a result
// summary to compare with rddflow's. Times start after the SparkContext is up (JVM and Spark
// start-up excluded); each workload runs once to warm up, then REPS timed runs.
//
// Usage: Bench DATA_DIR CHAIN_N PR_ITERS PR_EVERY PARTS REPS CHECKPOINT_DIR [WORKLOADS]

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

public final class Bench {
    static JavaSparkContext jsc;
    static String data;
    static int parts;
    static int reps;

    public static void main(String[] args) {
        data = args[0];
        long chainN = Long.parseLong(args[1]);
        int iters = Integer.parseInt(args[2]);
        int every = Integer.parseInt(args[3]);
        parts = Integer.parseInt(args[4]);
        reps = Integer.parseInt(args[5]);
        String checkpoints = args[6];
        List<String> only = args.length > 7 ? Arrays.asList(args[7].split(",")) : List.of();

        SparkConf conf = new SparkConf()
                .setMaster("local[2]")
                .setAppName("rddflow-bench")
                .set("spark.ui.enabled", "false")
                .set("spark.cleaner.referenceTracking.cleanCheckpoints", "true");
        jsc = new JavaSparkContext(conf);
        jsc.setLogLevel("ERROR");
        jsc.setCheckpointDir(checkpoints);

        if (only.isEmpty() || only.contains("narrow_chain")) {
            time("narrow_chain", () -> "sum " + Long.toUnsignedString(narrowChain(chainN)));
        }
        if (only.isEmpty() || only.contains("wordcount")) {
            time("wordcount", () -> summary(wordcount(false)));
        }
        if (only.isEmpty() || only.contains("wordcount_ckpt")) {
            time("wordcount_ckpt", () -> summary(wordcount(true)));
        }
        if (only.isEmpty() || only.contains("pagerank_ckpt")) {
            time("pagerank_ckpt", () -> {
                Map<Long, Double> r = pagerank(iters, every);
                return r.size() + " pages ranked, sum of ranks "
                        + r.values().stream().mapToDouble(Double::doubleValue).sum();
            });
        }
        if (only.isEmpty() || only.contains("join")) {
            JavaPairRDD<Long, Long> left = pairs("join_left.txt").cache();
            JavaPairRDD<Long, Long> right = pairs("join_right.txt").cache();
            left.count(); // inputs read and cached before timing: rddflow's come from memory
            right.count();
            time("join", () -> join(left, right));
        }
        jsc.stop();
    }

    /// One warm-up run, then `reps` timed runs; prints the median and every time.
    static void time(String name, Supplier<String> run) {
        String result = run.get();
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            result = run.get();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        StringBuilder all = new StringBuilder();
        for (double m : ms) {
            all.append(all.length() == 0 ? "" : ", ").append(String.format("%.1f", m));
        }
        System.out.printf("spark-java %s %.1f [%s] %s%n", name, ms[reps / 2], all, result);
    }

    static long narrowChain(long n) {
        return jsc.sc().range(0, n, 1, parts).toJavaRDD()
                .map(o -> (Long) o * 0x9E3779B97F4A7C15L)
                .map(x -> x ^ (x >>> 29))
                .filter(x -> (x & 15) != 0)
                .map(x -> x + 0x632BE59BD9B4E019L)
                .map(x -> x * 0xBF58476D1CE4E5B9L)
                .filter(x -> (x >>> 60) != 3)
                .map(x -> x ^ (x >>> 32))
                .map(x -> x + 12345)
                .filter(x -> (x & 3) != 1)
                .map(x -> x >>> 8)
                .fold(0L, Long::sum);
    }

    static Map<String, Long> wordcount(boolean checkpoint) {
        JavaPairRDD<String, Long> pairs = jsc.textFile(data + "/corpus.txt", parts)
                .flatMap(l -> Arrays.asList(l.split(" ")).iterator())
                .mapToPair(w -> new Tuple2<>(w, 1L));
        if (checkpoint) {
            pairs.checkpoint(); // written by a second job after the first, as Spark does
        }
        return pairs.reduceByKey(Long::sum, parts).collectAsMap();
    }

    static String summary(Map<String, Long> counts) {
        long total = 0;
        for (long c : counts.values()) {
            total += c;
        }
        return counts.size() + " distinct words, " + total + " words";
    }

    static JavaPairRDD<Long, Long> pairs(String file) {
        return jsc.textFile(data + "/" + file, parts).mapToPair(l -> {
            int sp = l.indexOf(' ');
            return new Tuple2<>(Long.parseLong(l.substring(0, sp)), Long.parseLong(l.substring(sp + 1)));
        });
    }

    /// `SparkPageRank`, with the links cached and checkpointed and the ranks cached and
    /// checkpointed every `every` iterations (then counted, which writes the checkpoint).
    static Map<Long, Double> pagerank(int iters, int every) {
        JavaPairRDD<Long, Iterable<Long>> links = pairs("edges.txt").groupByKey(parts).cache();
        links.checkpoint();
        JavaPairRDD<Long, Double> ranks = links.mapValues(v -> 1.0);
        for (int i = 1; i <= iters; i++) {
            JavaPairRDD<Long, Double> contribs = links.join(ranks).values().flatMapToPair(t -> {
                int n = 0;
                for (Long ignored : t._1()) {
                    n++;
                }
                List<Tuple2<Long, Double>> out = new ArrayList<>(n);
                for (Long d : t._1()) {
                    out.add(new Tuple2<>(d, t._2() / n));
                }
                return out.iterator();
            });
            ranks = contribs.reduceByKey(Double::sum, parts).mapValues(s -> 0.15 + 0.85 * s);
            if (i % every == 0) {
                ranks.cache();
                ranks.checkpoint();
                ranks.count();
            }
        }
        return ranks.collectAsMap();
    }

    static long hash(long k, long v, long w) {
        return Long.rotateLeft(k * 0x9E3779B97F4A7C15L, 17)
                ^ (v * 0xBF58476D1CE4E5B9L)
                ^ Long.rotateLeft(w * 0x94D049BB133111EBL, 31);
    }

    static String join(JavaPairRDD<Long, Long> left, JavaPairRDD<Long, Long> right) {
        Tuple2<Long, Long> s = left.join(right, parts)
                .aggregate(new Tuple2<>(0L, 0L),
                        (acc, t) -> new Tuple2<>(acc._1() + 1, acc._2() + hash(t._1(), t._2()._1(), t._2()._2())),
                        (a, b) -> new Tuple2<>(a._1() + b._1(), a._2() + b._2()));
        return s._1() + " matching pairs, checksum 0x" + Long.toHexString(s._2());
    }
}
