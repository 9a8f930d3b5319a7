#!/usr/bin/env bash
# The benchmark workloads on Spark local mode (local[2]), through Spark's Java API and through
# pyspark, on the inputs the Rust harness generates; then the Rust harness itself, which prints
# Spark's medians beside rddflow's.
#
#   bench/spark/run.sh                      # the issue's sizes
#   SIZE=smoke REPS=3 bench/spark/run.sh    # a quick check
#   ONLY=pagerank_ckpt,wordcount bench/spark/run.sh
#   PYSPARK=0 bench/spark/run.sh            # Spark's Java API only
#
# Needs pyspark (`pip install pyspark`; its package ships Spark's jars and spark-submit) and a
# JDK 17 (javac, jar). Whatever is missing is skipped with a message. Spark's times exclude JVM
# and SparkContext start-up: each program times its workloads itself, after start-up, one
# warm-up run then REPS timed runs, median reported. PYTHON selects the interpreter.
set -euo pipefail
cd "$(dirname "$0")/../.."

SIZE=${SIZE:-full}
REPS=${REPS:-5}
PY_REPS=${PY_REPS:-3}
ONLY=${ONLY:-}
PYTHON=${PYTHON:-python3}
PYSPARK=${PYSPARK:-1}
THREADS=2 # local[2]
PARTS=$((2 * THREADS))
OUT=target/spark-bench
DATA=target/bench-data/$SIZE
RESULTS=$OUT/results-$SIZE.txt
mkdir -p "$OUT"

cargo build --profile bench-release -p rddflow-bench --bin bench
BENCH=$(cargo metadata --format-version 1 --no-deps | "$PYTHON" -c \
  'import json,sys; print(json.load(sys.stdin)["target_directory"])')/bench-release/bench
# The harness generates the inputs and says the sizes: `sizes: chain_n N pr_iters I pr_every E`.
read -r CHAIN_N PR_ITERS PR_EVERY < <("$BENCH" --size "$SIZE" --data "$DATA" --write-data |
  awk '/^sizes:/ { print $3, $5, $7 }')

: >"$RESULTS"
if ! SPARK_HOME=$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null); then
  echo "pyspark is not installed for $PYTHON (pip install pyspark): Spark skipped"
else
  export SPARK_HOME
  if command -v javac >/dev/null && command -v jar >/dev/null; then
    mkdir -p "$OUT/classes"
    javac -nowarn -cp "$SPARK_HOME/jars/*" -d "$OUT/classes" bench/spark/Bench.java
    jar cf "$OUT/bench.jar" -C "$OUT/classes" .
    echo "== Spark $("$PYTHON" -c 'import pyspark; print(pyspark.__version__)'), Java API, local[$THREADS]"
    "$SPARK_HOME/bin/spark-submit" --master "local[$THREADS]" --driver-memory 4g \
      --class Bench "$OUT/bench.jar" \
      "$PWD/$DATA" "$CHAIN_N" "$PR_ITERS" "$PR_EVERY" "$PARTS" "$REPS" "$PWD/$OUT/checkpoints-java" $ONLY \
      2> "$OUT/spark-java.log" | tee -a "$RESULTS"
  else
    echo "javac/jar not found (install a JDK 17): Spark's Java API skipped"
  fi
  if [ "$PYSPARK" = 1 ]; then
    echo "== pyspark, local[$THREADS]"
    PYSPARK_PYTHON="$PYTHON" "$PYTHON" bench/spark/bench.py \
      "$PWD/$DATA" "$CHAIN_N" "$PR_ITERS" "$PR_EVERY" "$PARTS" "$PY_REPS" "$PWD/$OUT/checkpoints-py" $ONLY \
      2> "$OUT/pyspark.log" | tee -a "$RESULTS"
  fi
  rm -rf "$OUT/checkpoints-java" "$OUT/checkpoints-py"
fi

echo "== rddflow"
ARGS=(--size "$SIZE" --data "$DATA" --reps "$REPS" --spark-results "$RESULTS")
[ -n "$ONLY" ] && ARGS+=(--only "$ONLY")
"$BENCH" "${ARGS[@]}"
