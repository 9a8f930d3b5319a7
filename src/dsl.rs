//! The reference of the [`pipeline!`](crate::pipeline) DSL: its grammar, what it generates, and
//! every source, operator, attribute and action, each with a runnable example.
//!
//! This module holds documentation only. Every example below is a doc test.
//!
//! **Contents:**
//! [Grammar](#grammar) ·
//! [Parameters](#parameters) ·
//! [What the macro generates](#what-the-macro-generates) ·
//! [Partition counts](#partition-counts)
//!
//! **Sources:**
//! [`parallelize`](#parallelize) ·
//! [`range`](#range) ·
//! [`text_file`](#text_file) ·
//! [`json_lines`](#json_lines) ·
//! [`csv_file`](#csv_file) ·
//! [`parquet_file`](#parquet_file)
//!
//! **Narrow operators** (partition `i` is computed from partition `i` of the parent, no
//! shuffle; a chain of them runs as one fused iterator per partition):
//! [`map`](#map) ·
//! [`filter`](#filter) ·
//! [`flat_map`](#flat_map) ·
//! [`filter_map`](#filter_map) ·
//! [`map_partitions`](#map_partitions) ·
//! [`map_values`](#map_values) ·
//! [`flat_map_values`](#flat_map_values) ·
//! [`key_by`](#key_by) ·
//! [`sample`](#sample) ·
//! [`inspect`](#inspect) ·
//! [`keys`](#keys) ·
//! [`values`](#values) ·
//! [`glom`](#glom) ·
//! [`map_partitions_with_index`](#map_partitions_with_index) ·
//! [`zip`](#zip) ·
//! [`zip_with_index`](#zip_with_index) ·
//! [`zip_with_unique_id`](#zip_with_unique_id) ·
//! [`sample_with_replacement`](#sample_with_replacement) ·
//! [`filter_by_range`](#filter_by_range) ·
//! [`coalesce`](#coalesce) ·
//! [`union`](#union)
//!
//! **Wide operators** (a shuffle):
//! [`reduce_by_key`](#reduce_by_key) ·
//! [`fold_by_key`](#fold_by_key) ·
//! [`aggregate_by_key`](#aggregate_by_key) ·
//! [`combine_by_key`](#combine_by_key) ·
//! [`group_by_key`](#group_by_key) ·
//! [`distinct`](#distinct) ·
//! [`partition_by`](#partition_by) ·
//! [`repartition`](#repartition) ·
//! [`sort_by_key`](#sort_by_key) ·
//! [`sort_by`](#sort_by) ·
//! [Memory limit and spilling](#memory-limit-and-spilling)
//!
//! **Two-input wide operators:**
//! [`cogroup`](#cogroup) ·
//! [`join`](#join) ·
//! [`left_outer_join`](#left_outer_join) ·
//! [`right_outer_join`](#right_outer_join) ·
//! [`full_outer_join`](#full_outer_join) ·
//! [`group_with`](#group_with) ·
//! [`subtract_by_key`](#subtract_by_key) ·
//! [`intersection`](#intersection) ·
//! [`subtract`](#subtract) ·
//! [`cartesian`](#cartesian) ·
//! [`repartition_and_sort_within_partitions`](#repartition_and_sort_within_partitions) ·
//! [User-defined partitioners](#user-defined-partitioners-and-the-default-partitioner-rule)
//!
//! **Attributes:**
//! [`#[checkpoint]`](#checkpoint) ·
//! [`#[checkpoint(version = N)]`](#checkpointversion--n) ·
//! [`#[checkpoint(local)]`](#checkpointlocal) ·
//! [`#[cache]` and `#[persist(memory)]`](#cache-and-persistmemory) ·
//! [`#[persist(disk)]` and `#[persist(memory_and_disk)]`](#persistdisk-and-persistmemory_and_disk)
//!
//! **After `new`:**
//! [Actions](#actions) ·
//! [More actions](#more-actions) ·
//! [`save_as_text_file`](#save_as_text_file) ·
//! [`save_as_json_lines`](#save_as_json_lines) ·
//! [`save_as_csv`](#save_as_csv) ·
//! [`save_as_parquet`](#save_as_parquet) ·
//! [Compressed output](#compressed-output) ·
//! [Checkpoint and cache methods](#checkpoint-and-cache-methods)
//!
//! # Grammar
//!
//! ```text
//! pipeline! { PIPELINE+ }
//!
//! PIPELINE := ATTRS VIS struct Name ( PARAM,* ) { NODE* }
//! PARAM    := name: Type                  a value parameter
//!           | name: Rdd<T>                an input node of elements T
//! NODE     := NODE_ATTRS name: ElemType = SOURCE ;
//!           | NODE_ATTRS name: ElemType = parent.operator(ARGS) ;
//! SOURCE   := parallelize(iterable[, partitions])
//!           | range(a..b[, partitions])
//!           | text_file(path[, min_partitions])
//!           | json_lines(path[, min_partitions])
//!           | csv_file(path[, min_partitions])
//!           | parquet_file(path[, min_partitions])   (cargo feature `parquet`)
//! NODE_ATTRS := ( /// doc | #[checkpoint] | #[checkpoint(version = N)] | #[checkpoint(local)] | #[cache]
//!              | #[persist(memory)] | #[persist(disk)] | #[persist(memory_and_disk)] )*
//! ```
//!
//! - One invocation may declare several pipelines.
//! - Every node declares its element type. Closure parameter types are inferred from the
//!   parent's element type, so closures need no annotations; a closure returning the wrong type
//!   is a compile error at the closure.
//! - A node is a source call or exactly one operator applied to a parent: `a.map(f).filter(g)`
//!   is an error; write one node per operator. Closures are pasted into each task as `move`
//!   closures; a path to a function works too (`nums.map(double)`).
//! - Nodes may be declared in any order; a parent may be declared after its child. The graph
//!   must be acyclic, and every parent must be a node or an `Rdd<T>` parameter of the same
//!   pipeline. Nodes and parameters share one namespace: a node cannot have the name of a
//!   parameter (`struct P(words: Vec<String>) { words: String = parallelize(words); }` is a
//!   "duplicate node" error).
//! - Doc comments on the pipeline and on nodes carry over to the generated struct and fields.
//! - An unknown operator is a compile error that leads a Spark user to the name: Spark's
//!   camelCase names are looked up as snake_case (`reduceByKey` -> `reduce_by_key`,
//!   `collectAsMap` -> `collect_map`), an action written as an operator (`nums.top(10)`) is
//!   said to be an action called on the node's handle, and `cache`/`checkpoint` to be node
//!   attributes; otherwise the closest spelling is suggested.
//!
//! ```
//! use rddflow::prelude::*;
//!
//! rddflow::pipeline! {
//!     /// Lengths of the even numbers' decimal forms.
//!     pub struct Lengths(n: u64) {
//!         /// Declared before its parent: the order of nodes does not matter.
//!         lengths: usize = texts.map(|s| s.len());
//!         texts: String = evens.map(|x| x.to_string());
//!         evens: u64 = nums.filter(|x| x % 2 == 0);
//!         nums: u64 = range(0..n, 2);
//!     }
//!
//!     /// A second pipeline in the same invocation.
//!     pub struct Empty() {
//!         nothing: u64 = range(0..0, 1);
//!     }
//! }
//!
//! let ctx = Context::new()?;
//! let p = Lengths::new(&ctx, 12)?;
//! assert_eq!(p.lengths.collect()?, vec![1, 1, 1, 1, 1, 2]);
//! assert_eq!(Empty::new(&ctx)?.nothing.count()?, 0);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # Parameters
//!
//! The parameters of `struct Name(...)` become the parameters of `Name::new(&ctx, ...)`.
//!
//! **Value parameters** are any type that is `Clone + Send + Sync + serde::Serialize +
//! 'static`, plus the [shared variables](#shared-variables) [`Accumulator<T>`](crate::Accumulator)
//! and [`Broadcast<T>`](crate::Broadcast), which need no `Serialize`. (An `Arc<T>` is
//! `Serialize` only with serde's `rc` feature; a large or unserializable value is better passed
//! as a `Broadcast`.) Source arguments and closures see them by name; each
//! task gets its own clone. Closures also see consts, statics and functions visible where the
//! macro is invoked, but **not local variables**: pass those as parameters. A task clones only
//! the parameters its closure names (including names captured by a format string, as in
//! `format!("{label}")`). A free `snake_case` name used as a value in a closure or argument
//! (an operand, a receiver, a range end, a whole argument) is reported at compile time, at the
//! name, with this advice; callees and callback arguments (`f(x)`, `xs.map(f)`) are left to
//! rustc, since they may name functions. Consts and statics are `UPPER_CASE`, as Rust's lints
//! expect.
//!
//! ```
//! use rddflow::prelude::*;
//!
//! const OFFSET: u64 = 100;
//!
//! fn shift(x: u64, by: u64) -> u64 {
//!     x + by + OFFSET
//! }
//!
//! rddflow::pipeline! {
//!     struct Shifted(n: u64, by: u64, label: String) {
//!         nums: u64 = range(0..n, 2);
//!         shifted: u64 = nums.map(|x| shift(x, by));
//!         labelled: String = shifted.map(|x| format!("{label}{x}"));
//!     }
//! }
//!
//! let ctx = Context::new()?;
//! let s = Shifted::new(&ctx, 3, 10, "#".to_string())?;
//! assert_eq!(s.labelled.collect()?, vec!["#110", "#111", "#112"]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! **Input parameters** have type [`Rdd<T>`](crate::Rdd): an RDD built elsewhere (by another
//! pipeline, typically, via `.rdd()`) that the nodes of this pipeline use as a parent. This is
//! how pipelines compose, for example one pipeline instance per iteration of an iterative
//! algorithm, each fed the previous instance's output. The input is also a field of the
//! pipeline struct.
//!
//! ```
//! use rddflow::prelude::*;
//!
//! rddflow::pipeline! {
//!     struct Source(n: u64) {
//!         nums: u64 = range(0..n, 2);
//!     }
//!
//!     /// One step: doubles its input.
//!     struct Double(prev: Rdd<u64>) {
//!         doubled: u64 = prev.map(|x| x * 2);
//!     }
//! }
//!
//! let ctx = Context::new()?;
//! let mut current: Rdd<u64> = Source::new(&ctx, 4)?.nums.rdd();
//! for _ in 0..3 {
//!     current = Double::new(&ctx, current)?.doubled.rdd();
//! }
//! assert_eq!(current.collect()?, vec![0, 8, 16, 24]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # Shared variables
//!
//! Spark's two kinds, passed to a pipeline as value parameters and used by name in closures.
//!
//! **[`Accumulator<T>`](crate::Accumulator)**: made by `ctx.accumulator(zero)` (or
//! `ctx.named_accumulator(name, zero)`); closures call `.add(v)`, the program reads `.value()`
//! after the action. `T` is an integer (wrapping), `f32`/`f64`, a `Vec<T>` (collects the added
//! items) or any type implementing [`AccumulatorValue`](crate::AccumulatorValue). Each
//! partition counts once per job that computes it:
//!
//! - the updates of a task attempt are kept apart and merged only when the attempt succeeds, so
//!   a panicking attempt that is retried, or a failed one, adds nothing of its own;
//! - a partition read from a cache or checkpoint adds nothing (its closures do not run), and a
//!   resumed checkpoint neither; an RDD neither cached nor checkpointed adds again for each
//!   action that computes it, as in Spark;
//! - code outside tasks (the merge of an action's partition results on the caller's thread, the
//!   program) adds to the value directly: it is not retried;
//! - each successful task's updates are in its listener metrics,
//!   [`TaskMetrics::accumulators`](crate::listener::TaskMetrics::accumulators);
//! - accumulators are outputs, left out of checkpoint fingerprints: a node using one resumes
//!   like any other.
//!
//! ```
//! use rddflow::prelude::*;
//! use rddflow::Accumulator;
//!
//! rddflow::pipeline! {
//!     struct Parse(lines: Vec<String>, bad: Accumulator<u64>) {
//!         raw: String = parallelize(lines, 2);
//!         nums: u64 = raw.filter_map(|l: String| {
//!             let n = l.parse().ok();
//!             if n.is_none() {
//!                 bad.add(1);
//!             }
//!             n
//!         });
//!     }
//! }
//!
//! let ctx = Context::new()?;
//! let bad = ctx.accumulator(0u64);
//! let lines = ["1", "x", "3", "", "5"].map(String::from).to_vec();
//! let p = Parse::new(&ctx, lines, bad.clone())?;
//! assert_eq!(p.nums.collect()?, vec![1, 3, 5]);
//! assert_eq!(bad.value(), 2);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! **[`Broadcast<T>`](crate::Broadcast)**: `Broadcast::new(value)`, a read-only value that every
//! task shares by reference (an `Arc` inside: cloning is cheap), read through `Deref` or
//! `.value()`. `T` needs only `Send + Sync`: a lookup table, a compiled regex, a model, a
//! struct holding a `Mutex`. Having no encoding, a broadcast is left out of checkpoint
//! fingerprints, so a node whose closures use one resumes only with a version: with
//! `resume(true)`, `new` refuses a `#[checkpoint]` node that uses a broadcast and has no
//! `#[checkpoint(version = N)]`, saying so; raise `N` whenever the broadcast value changes what
//! the node computes. The nodes after an unversioned node that uses one have no fingerprint
//! either: they are recomputed by every run, never resumed with a stale value.
//!
//! ```
//! use std::collections::HashMap;
//! use rddflow::prelude::*;
//! use rddflow::Broadcast;
//!
//! /// Not `Serialize`, and need not be.
//! struct Names(HashMap<u64, &'static str>);
//!
//! rddflow::pipeline! {
//!     struct Label(ids: Vec<u64>, names: Broadcast<Names>) {
//!         raw: u64 = parallelize(ids, 2);
//!         #[checkpoint(version = 1)]
//!         named: String = raw.map(|id| names.0.get(&id).unwrap_or(&"?").to_string());
//!     }
//! }
//!
//! let dir = std::env::temp_dir().join(format!("rddflow-doc-broadcast-{}", std::process::id()));
//! let ctx = Context::builder().checkpoint_dir(&dir).resume(true).build()?;
//! let names = Broadcast::new(Names(HashMap::from([(1, "one"), (2, "two")])));
//! let p = Label::new(&ctx, vec![1, 2, 3], names)?;
//! assert_eq!(p.named.collect()?, vec!["one", "two", "?"]);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # What the macro generates
//!
//! For `struct Name(...) { node: T = ...; ... }`, with the pipeline's visibility:
//!
//! - **A struct per node**, named `<Name><Node>` in UpperCamelCase (`Digits` + `digit_ones` =
//!   `DigitsDigitOnes`), implementing [`RddNode`](crate::RddNode) with `Item = T`. It holds
//!   typed references to its parents; narrow chains are compiled into one monomorphized
//!   iterator, with no boxing or dynamic dispatch between the nodes.
//! - **The pipeline struct** `Name`, with one pub field per `Rdd<T>` parameter (an
//!   [`Rdd<T>`](crate::Rdd)) and one pub field per node (a [`Node<NameNode>`](crate::Node)).
//!   Fields implement [`Dataset`](crate::Dataset) (in the prelude): call the
//!   [actions](#actions) and the [checkpoint and cache methods](#checkpoint-and-cache-methods)
//!   on them, or `.rdd()` for the type-erased, cheaply cloned [`Rdd<T>`](crate::Rdd).
//! - **`Name::new(&ctx, params...) -> rddflow::Result<Name>`**: builds the graph on a
//!   [`Context`](crate::Context). It runs nothing (sources are listed, `text_file` inputs are
//!   split, marks are set); jobs run when an action is called.
//! - **`Name::graph() -> PipelineGraph`**: a static description of the nodes (name, declared
//!   type, operator, kind, parents, attributes, doc), with
//!   [`to_dot()`](crate::PipelineGraph::to_dot) and
//!   [`to_mermaid()`](crate::PipelineGraph::to_mermaid).
//!
//! ```
//! use rddflow::prelude::*;
//! use rddflow::{NodeKind, RddNode};
//!
//! rddflow::pipeline! {
//!     pub struct Digits(n: u64) {
//!         nums: u64 = range(0..n, 2);
//!         /// `(last digit, 1)`.
//!         #[cache]
//!         digit_ones: (u64, u64) = nums.map(|x| (x % 10, 1));
//!         counts: (u64, u64) = digit_ones.reduce_by_key(|a, b| a + b);
//!     }
//! }
//!
//! // One struct per node, each an `RddNode` with the declared element type.
//! fn element_count<N: RddNode<Item = (u64, u64)>>(node: &Node<N>) -> Result<u64> {
//!     node.count()
//! }
//! let ctx = Context::new()?;
//! let d: Digits = Digits::new(&ctx, 25)?;
//! let ones: &Node<DigitsDigitOnes> = &d.digit_ones;
//! assert_eq!(element_count(ones)?, 25);
//! assert_eq!(element_count(&d.counts)?, 10);
//! let erased: Rdd<(u64, u64)> = d.counts.rdd();
//! assert_eq!(erased.count()?, 10);
//!
//! // The static graph.
//! let g = Digits::graph();
//! assert_eq!(g.name, "Digits");
//! let names: Vec<&str> = g.nodes.iter().map(|n| n.name).collect();
//! assert_eq!(names, ["nums", "digit_ones", "counts"]);
//! let counts = g.node("counts").unwrap();
//! assert_eq!((counts.op, counts.kind), ("reduce_by_key", NodeKind::Wide));
//! assert_eq!(counts.parents, ["digit_ones"]);
//! assert_eq!(g.node("digit_ones").unwrap().attrs, ["cache"]);
//! assert_eq!(g.node("digit_ones").unwrap().ty, "(u64, u64)");
//! assert_eq!(g.node("digit_ones").unwrap().doc.trim(), "`(last digit, 1)`.");
//! let edges: Vec<_> = g.edges().collect();
//! assert_eq!(edges, [("nums", "digit_ones", false), ("digit_ones", "counts", true)]);
//! assert!(g.to_dot().starts_with("digraph \"Digits\" {"));
//! assert!(g.to_mermaid().contains("digit_ones -. shuffle .-> counts"));
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # Partition counts
//!
//! A source takes an optional partition count (for `text_file`, a minimum). Without one,
//! `parallelize` and `range` use the context's
//! [`default_parallelism`](crate::ContextBuilder::default_parallelism) (by default the
//! thread count) and `text_file` uses `min(default_parallelism, 2)`.
//!
//! Narrow operators keep their parent's partition count (`union` adds both, `coalesce(n)`
//! lowers it). The wide operators other than `partition_by` and `repartition`, and the two-input
//! operators, take an optional last argument, the number of output partitions (for the keyed
//! ones, or a [`KeyPartitioner`](crate::KeyPartitioner)); without it, a keyed operator reuses
//! an input's partitioner when it is eligible ([Spark's rule](#user-defined-partitioners-and-the-default-partitioner-rule)),
//! and otherwise the output has `default_parallelism`
//! partitions when it was set explicitly on the builder, else as many as the largest parent.
//! `partition_by(n)` and `repartition(n)` require the count. Every partition count in a node is
//! evaluated once, in `new`, and may use the value parameters. A count of 0, in a source or an
//! operator, makes `new` fail with [`Error::InvalidArgument`](crate::Error::InvalidArgument)
//! naming the node, as Spark refuses it.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(n: usize) {
//!         nums: u64 = range(0..10, 2);
//!         spread: u64 = nums.repartition(n);
//!     }
//! }
//!
//! let ctx = Context::new()?;
//! let err = P::new(&ctx, 0).err().expect("refused");
//! assert!(err.to_string().contains("`P.spread`"));
//! assert_eq!(P::new(&ctx, 3)?.spread.num_partitions(), 3);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # Sources
//!
//! ## `parallelize`
//!
//! `parallelize(iterable[, partitions])`: the items of any `IntoIterator` (evaluated once in
//! `new`), split into contiguous slices, in order.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct Words(words: Vec<String>) {
//!         all: String = parallelize(words, 2);
//!         squares: u32 = parallelize((1..=4u32).map(|x| x * x));
//!     }
//! }
//!
//! let ctx = Context::new()?;
//! let w = Words::new(&ctx, vec!["a".into(), "b".into(), "c".into()])?;
//! assert_eq!(w.all.collect()?, vec!["a", "b", "c"]);
//! assert_eq!(w.all.num_partitions(), 2);
//! assert_eq!(w.squares.collect()?, vec![1, 4, 9, 16]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `range`
//!
//! `range(a..b[, partitions])`: the `u64`s from `a` (inclusive) to `b` (exclusive), split into
//! contiguous ranges. The element type must be `u64`.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct Nums(n: u64) {
//!         nums: u64 = range(10..n, 3);
//!     }
//! }
//!
//! let ctx = Context::new()?;
//! let p = Nums::new(&ctx, 15)?;
//! assert_eq!(p.nums.collect()?, vec![10, 11, 12, 13, 14]);
//! assert_eq!(p.nums.num_partitions(), 3);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `text_file`
//!
//! `text_file(path[, min_partitions])`: the lines of a file, of every file of a directory (names
//! starting with `.` or `_` are skipped), or of the files matching a glob, without their line
//! terminators (`\n` or `\r\n`). Files are split into byte ranges on line boundaries, at least
//! `min_partitions` of them; no line is lost or read twice. The element type must be `String`.
//! The inputs are listed in `new`; a missing path is an error there.
//!
//! Compressed inputs: `text_file`, [`json_lines`](#json_lines) and [`csv_file`](#csv_file)
//! decompress files ending in `.gz` (always) and `.zst` (cargo feature `zstd`, off by default:
//! it compiles C code), each compressed file one partition. A truncated or corrupt compressed
//! file is an error naming it, never fewer records (for `.zst`, corruption is caught by the
//! frame checksum, which the `zstd` tool writes by default). Byte offsets in errors from a
//! compressed file count decompressed bytes.
//!
//! ```
//! # use rddflow::prelude::*;
//! use std::path::PathBuf;
//!
//! rddflow::pipeline! {
//!     struct Lines(path: PathBuf) {
//!         lines: String = text_file(path, 2);
//!     }
//! }
//!
//! let dir = tempfile::tempdir().unwrap();
//! let file = dir.path().join("input.txt");
//! std::fs::write(&file, "first line\nsecond line\r\nthird\n").unwrap();
//!
//! let ctx = Context::new()?;
//! let p = Lines::new(&ctx, file)?;
//! assert_eq!(p.lines.collect()?, vec!["first line", "second line", "third"]);
//! assert!(p.lines.num_partitions() >= 2);
//!
//! // A directory: every visible file in it, in name order.
//! std::fs::write(dir.path().join("more.txt"), "fourth\n").unwrap();
//! std::fs::write(dir.path().join("_SUCCESS"), "").unwrap();
//! let all = Lines::new(&ctx, dir.path().to_path_buf())?;
//! assert_eq!(all.lines.count()?, 4);
//!
//! assert!(Lines::new(&ctx, dir.path().join("missing.txt")).is_err());
//!
//! // A `.gz` file: decompressed, one partition.
//! let gz = dir.path().join("more.txt.gz");
//! let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
//! std::io::Write::write_all(&mut enc, b"one\ntwo\n").unwrap();
//! std::fs::write(&gz, enc.finish().unwrap()).unwrap();
//! let packed = Lines::new(&ctx, gz)?;
//! assert_eq!(packed.lines.collect()?, vec!["one", "two"]);
//! assert_eq!(packed.lines.num_partitions(), 1);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `json_lines`
//!
//! `json_lines(path[, min_partitions])`: one JSON value per line, deserialized into the node's
//! element type (any `serde::Deserialize` type) by `serde_json`. Inputs are listed and split as
//! for [`text_file`](#text_file) (JSON escapes newlines inside strings, so a line is a whole
//! record); blank lines are skipped. A malformed line is
//! [`Error::InvalidInput`](crate::Error::InvalidInput) naming the file, the byte offset and,
//! in its reason, the line and, for a type mismatch, the field.
//!
//! ```
//! # use rddflow::prelude::*;
//! use std::path::PathBuf;
//!
//! #[derive(Clone, Debug, PartialEq, serde::Deserialize)]
//! struct Event {
//!     user: String,
//!     ms: u64,
//! }
//!
//! rddflow::pipeline! {
//!     struct Events(path: PathBuf) {
//!         events: Event = json_lines(path);
//!         slow: Event = events.filter(|e| e.ms > 100);
//!     }
//! }
//!
//! let dir = tempfile::tempdir().unwrap();
//! let file = dir.path().join("events.jsonl");
//! std::fs::write(&file, "{\"user\":\"a\",\"ms\":120}\n{\"ms\":5,\"user\":\"b\"}\n").unwrap();
//! let ctx = Context::new()?;
//! let slow = Events::new(&ctx, file.clone())?.slow.collect()?;
//! assert_eq!(slow, vec![Event { user: "a".into(), ms: 120 }]);
//!
//! std::fs::write(&file, "{\"user\":\"a\",\"ms\":\"slow\"}\n").unwrap();
//! let err = Events::new(&ctx, file)?.events.collect().unwrap_err().to_string();
//! assert!(err.contains("line 1") && err.contains("field `ms`"), "{err}");
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `csv_file`
//!
//! `csv_file(path[, min_partitions])`: CSV files with a header row (RFC 4180: fields quoted
//! with `"` may hold commas, quotes and newlines), each record deserialized into the node's
//! element type by the `csv` crate, the header names matched to the struct's field names in
//! any order (columns the type does not name are ignored). Inputs are listed as for
//! [`text_file`](#text_file); each file has its own header. Large files are split on record
//! boundaries, never inside a quoted field. A record with the wrong number of fields or a
//! field of the wrong type is [`Error::InvalidInput`](crate::Error::InvalidInput) naming the
//! file, the byte offset and, in its reason, the line and the field.
//!
//! ```
//! # use rddflow::prelude::*;
//! use std::path::PathBuf;
//!
//! #[derive(Clone, Debug, PartialEq, serde::Deserialize)]
//! struct Sale {
//!     item: String,
//!     price: f64,
//! }
//!
//! rddflow::pipeline! {
//!     struct Sales(path: PathBuf) {
//!         sales: Sale = csv_file(path, 2);
//!         prices: f64 = sales.map(|s| s.price);
//!     }
//! }
//!
//! let dir = tempfile::tempdir().unwrap();
//! let file = dir.path().join("sales.csv");
//! std::fs::write(&file, "price,item\n2.5,\"pen, blue\"\n4,\"two\nlines\"\n").unwrap();
//! let ctx = Context::new()?;
//! let p = Sales::new(&ctx, file)?;
//! assert_eq!(
//!     p.sales.collect()?,
//!     vec![
//!         Sale { item: "pen, blue".into(), price: 2.5 },
//!         Sale { item: "two\nlines".into(), price: 4.0 },
//!     ]
//! );
//! assert_eq!(p.prices.reduce(|a, b| a + b)?, Some(6.5));
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `parquet_file`
//!
//! `parquet_file(path[, min_partitions])` (cargo feature `parquet`, off by default: it builds
//! arrow-rs): Parquet files read by arrow-rs's reader and deserialized into the node's element
//! type by `serde_arrow`, columns matched to the struct's fields by name in any order. Only
//! the columns the type names are read (a projection: a wide file read into a narrow type
//! decodes only the narrow type's columns); a missing column is an error unless its field is
//! an `Option`. Inputs are listed as for [`text_file`](#text_file). A partition is a row group
//! or a run of consecutive row groups of one file (grouped up to the split size, so at least
//! `min_partitions` when the files have that many row groups). A file that is not Parquet or
//! is truncated is [`Error::InvalidInput`](crate::Error::InvalidInput) naming it, from `new`;
//! a corrupt page or a type mismatch is `InvalidInput` naming the file and, in its reason,
//! the row group and the field.
//!
//! ```
//! # #[cfg(feature = "parquet")] {
//! # use rddflow::prelude::*;
//! use std::path::PathBuf;
//!
//! #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
//! struct Sale {
//!     item: String,
//!     price: f64,
//!     note: Option<String>,
//! }
//!
//! /// Two of `Sale`'s three columns.
//! #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
//! struct Price {
//!     price: f64,
//!     item: String,
//! }
//!
//! rddflow::pipeline! {
//!     struct Write(items: Vec<Sale>) {
//!         sales: Sale = parallelize(items, 2);
//!     }
//!     struct Read(path: PathBuf) {
//!         prices: Price = parquet_file(path);
//!     }
//! }
//!
//! let tmp = tempfile::tempdir().unwrap();
//! let out = tmp.path().join("sales");
//! let ctx = Context::new()?;
//! let sales = vec![
//!     Sale { item: "pen, blue".into(), price: 2.5, note: None },
//!     Sale { item: "ink".into(), price: 4.0, note: Some("two\nlines".into()) },
//! ];
//! Write::new(&ctx, sales)?.sales.save_as_parquet(&out)?;
//! let prices = Read::new(&ctx, out)?.prices.collect()?;
//! assert_eq!(
//!     prices,
//!     vec![
//!         Price { price: 2.5, item: "pen, blue".into() },
//!         Price { price: 4.0, item: "ink".into() },
//!     ]
//! );
//! # }
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # Narrow operators
//!
//! Each keeps the order of elements within a partition, so [`collect`](crate::Dataset::collect)
//! returns them in a predictable order.
//!
//! ## `map`
//!
//! `parent.map(f)` with `f: FnMut(T) -> U`: one output element per input element.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..4, 2);
//!         squares: u64 = nums.map(|x| x * x);
//!         texts: String = nums.map(|x| format!("n{x}"));
//!         doubled: u64 = nums.map(double);
//!     }
//! }
//!
//! fn double(x: u64) -> u64 {
//!     2 * x
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.squares.collect()?, vec![0, 1, 4, 9]);
//! assert_eq!(p.texts.collect()?, vec!["n0", "n1", "n2", "n3"]);
//! assert_eq!(p.doubled.collect()?, vec![0, 2, 4, 6]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `filter`
//!
//! `parent.filter(f)` with `f: FnMut(&T) -> bool`: the elements for which `f` is true. Keeps the
//! parent's partitioner.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..10, 2);
//!         odd: u64 = nums.filter(|x| x % 2 == 1);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.odd.collect()?, vec![1, 3, 5, 7, 9]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `flat_map`
//!
//! `parent.flat_map(f)` with `f: FnMut(T) -> impl IntoIterator<Item = U>`: zero or more output
//! elements per input element. The returned iterator may not borrow from the element: return
//! owned items (collect into a `Vec` if needed).
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<String>) {
//!         lines: String = parallelize(data, 2);
//!         words: String = lines.flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
//!         repeated: usize = lines.flat_map(|l| vec![l.len(); 2]);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec!["a bc".into(), "".into(), "d".into()])?;
//! assert_eq!(p.words.collect()?, vec!["a", "bc", "d"]);
//! assert_eq!(p.repeated.collect()?, vec![4, 4, 0, 0, 1, 1]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `filter_map`
//!
//! `parent.filter_map(f)` with `f: FnMut(T) -> Option<U>`: the `Some` values.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<&'static str>) {
//!         texts: &'static str = parallelize(data, 2);
//!         numbers: i32 = texts.filter_map(|s| s.parse().ok());
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec!["1", "two", "3", "", "-4"])?;
//! assert_eq!(p.numbers.collect()?, vec![1, 3, -4]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `map_partitions`
//!
//! `parent.map_partitions(f)` with `f: FnOnce(impl Iterator<Item = T>) -> impl
//! IntoIterator<Item = U>`: a whole partition at once, called once per partition (per task
//! attempt). Use it for per-partition setup or per-partition summaries.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..10, 2);
//!         // One sum per partition: 0+1+2+3+4 and 5+6+7+8+9.
//!         sums: u64 = nums.map_partitions(|it| std::iter::once(it.sum::<u64>()));
//!         // The position of each element within its partition.
//!         positions: (usize, u64) = nums.map_partitions(|it| it.enumerate());
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.sums.collect()?, vec![10, 35]);
//! assert_eq!(p.positions.take(6)?, vec![(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (0, 5)]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `map_values`
//!
//! `parent.map_values(f)` on pairs `(K, V)`, with `f: FnMut(V) -> W`: `(k, v)` becomes
//! `(k, f(v))`. Keeps the parent's partitioner, so a join after it still reads it without a
//! shuffle when it was partitioned like the join's output.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<(char, u32)>) {
//!         pairs: (char, u32) = parallelize(data, 2);
//!         doubled: (char, u32) = pairs.map_values(|v| v * 2);
//!         texts: (char, String) = pairs.map_values(|v| v.to_string());
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![('a', 1), ('b', 2)])?;
//! assert_eq!(p.doubled.collect()?, vec![('a', 2), ('b', 4)]);
//! assert_eq!(p.texts.collect()?, vec![('a', "1".to_string()), ('b', "2".to_string())]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `flat_map_values`
//!
//! `parent.flat_map_values(f)` on pairs `(K, V)`, with `f: FnMut(V) -> impl IntoIterator<Item =
//! W>`: `(k, v)` becomes `(k, w)` for each `w` of `f(v)`. Keeps the parent's partitioner.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<(u32, String)>) {
//!         pairs: (u32, String) = parallelize(data, 1);
//!         chars: (u32, char) = pairs.flat_map_values(|s| s.chars().collect::<Vec<_>>());
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![(1, "ab".into()), (2, String::new()), (3, "c".into())])?;
//! assert_eq!(p.chars.collect()?, vec![(1, 'a'), (1, 'b'), (3, 'c')]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `key_by`
//!
//! `parent.key_by(f)` with `f: FnMut(&T) -> K`: each element `x` becomes `(f(&x), x)`; the
//! node's type is `(K, T)`.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<String>) {
//!         words: String = parallelize(data, 2);
//!         by_len: (usize, String) = words.key_by(|w| w.len());
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec!["to".into(), "be".into(), "or".into(), "not".into()])?;
//! assert_eq!(
//!     p.by_len.collect()?,
//!     vec![(2, "to".into()), (2, "be".into()), (2, "or".into()), (3, "not".to_string())],
//! );
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `sample`
//!
//! `parent.sample(fraction, seed)`: keeps each element with probability `fraction` (Bernoulli
//! sampling, without replacement; `fraction` is clamped to `0.0..=1.0`). The sample is the same
//! on every run, job and task attempt for the same `seed` and partitioning. Both arguments are
//! value expressions and may use parameters. Keeps the parent's partitioner.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(fraction: f64) {
//!         nums: u64 = range(0..1000, 4);
//!         some: u64 = nums.sample(fraction, 42);
//!         none: u64 = nums.sample(0.0, 7);
//!         all: u64 = nums.sample(1.0, 7);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, 0.1)?;
//! let some = p.some.collect()?;
//! assert_eq!(some, p.some.collect()?); // reproducible
//! assert!(some.windows(2).all(|w| w[0] < w[1])); // a subsequence, in order
//! assert!((50..150).contains(&some.len()));
//! assert_eq!(p.none.count()?, 0);
//! assert_eq!(p.all.count()?, 1000);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `inspect`
//!
//! `parent.inspect(f)` with `f: FnMut(&T)`: the elements unchanged; `f` sees each as it passes
//! (for logging or metrics). It runs whenever the partition is computed, so again in a later
//! job unless the node or a descendant is cached or checkpointed.
//!
//! ```
//! # use rddflow::prelude::*;
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! static SEEN: AtomicU64 = AtomicU64::new(0);
//!
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..5, 2);
//!         seen: u64 = nums.inspect(|_| {
//!             SEEN.fetch_add(1, Ordering::Relaxed);
//!         });
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.seen.collect()?, vec![0, 1, 2, 3, 4]);
//! assert_eq!(SEEN.load(Ordering::Relaxed), 5);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `keys`
//!
//! `parent.keys()` on pairs `(K, V)`: the keys `K`, one per pair (Spark's `keys`). The
//! elements are no longer pairs, so no partitioner is kept.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         pairs: (char, u32) = parallelize(vec![('a', 1), ('b', 2), ('a', 3)], 2);
//!         keys: char = pairs.keys();
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.keys.collect()?, vec!['a', 'b', 'a']);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `values`
//!
//! `parent.values()` on pairs `(K, V)`: the values `V`, one per pair (Spark's `values`), for
//! instance the matched pairs of a `join`.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         pairs: (char, u32) = parallelize(vec![('a', 1), ('b', 2), ('a', 3)], 2);
//!         values: u32 = pairs.values();
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.values.collect()?, vec![1, 2, 3]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `glom`
//!
//! `parent.glom()`: one element per partition, the `Vec<T>` of its elements in order (Spark's
//! `glom`; an empty partition gives an empty `Vec`). Shows how the elements are partitioned.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..7, 3);
//!         parts: Vec<u64> = nums.glom();
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.parts.collect()?, vec![vec![0, 1], vec![2, 3], vec![4, 5, 6]]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `map_partitions_with_index`
//!
//! `parent.map_partitions_with_index(f)` with `f: FnOnce(usize, Iterator<Item = T>) ->
//! impl IntoIterator<Item = U>`: as [`map_partitions`](#map_partitions), with the partition's
//! index first (Spark's `mapPartitionsWithIndex`).
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..6, 3);
//!         tagged: (usize, u64) = nums.map_partitions_with_index(|i, it| it.map(move |x| (i, x)));
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.tagged.collect()?, vec![(0, 0), (0, 1), (1, 2), (1, 3), (2, 4), (2, 5)]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `zip`
//!
//! `parent.zip(other)` -> `(T, U)`: element `k` of partition `i` of `parent` paired with
//! element `k` of partition `i` of `other` (Spark's `zip`; no shuffle). Both must have the same
//! number of partitions, else `new` fails with an error naming both nodes, and the same number
//! of elements in each partition, else the action fails with an error naming both nodes and
//! the partition: never silently truncated. A `map` of a node zips with the node.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..4, 2);
//!         squares: u64 = nums.map(|x| x * x);
//!         pairs: (u64, u64) = nums.zip(squares);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.pairs.collect()?, vec![(0, 0), (1, 1), (2, 4), (3, 9)]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `zip_with_index`
//!
//! `parent.zip_with_index()` -> `(T, u64)`: each element with its index, in Spark's order (by
//! partition, then position in the partition), as Spark's `zipWithIndex`. Partition `i`
//! numbers from the count of the partitions before it: the first job that computes the node
//! first runs a job of its own counting the parent's partitions (all but the last), once;
//! [`zip_with_unique_id`](#zip_with_unique_id) needs no such job.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..10, 3);
//!         odd: u64 = nums.filter(|x| x % 2 == 1);
//!         indexed: (u64, u64) = odd.zip_with_index();
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.indexed.collect()?, vec![(1, 0), (3, 1), (5, 2), (7, 3), (9, 4)]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `zip_with_unique_id`
//!
//! `parent.zip_with_unique_id()` -> `(T, u64)`: element `k` of partition `p` gets the id
//! `k * n + p`, `n` the number of partitions (Spark's `zipWithUniqueId`): unique, not
//! consecutive, and computed without a job.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..5, 2);
//!         ids: (u64, u64) = nums.zip_with_unique_id();
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! // Partitions [0, 1] and [2, 3, 4]: ids 0, 2 and 1, 3, 5.
//! assert_eq!(p.ids.collect()?, vec![(0, 0), (1, 2), (2, 1), (3, 3), (4, 5)]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `sample_with_replacement`
//!
//! `parent.sample_with_replacement(fraction, seed)`: each element repeated a
//! Poisson(`fraction`) number of times (Spark's `sample(true, fraction, seed)`), so the
//! expected size is `fraction` times the parent's; `fraction` may exceed 1. The same seed
//! gives the same sample. A negative or non-finite `fraction` fails the action with an error
//! naming the node. Repeats stay next to each other, in the parent's order.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..10_000, 4);
//!         drawn: u64 = nums.sample_with_replacement(2.0, 42);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! let n = p.drawn.count()?;
//! assert!((19_000..21_000).contains(&n));
//! assert_eq!(p.drawn.collect()?.len() as u64, n);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `filter_by_range`
//!
//! `parent.filter_by_range(lo, hi)` on pairs with an `Ord` key: the pairs whose key `k` has
//! `lo <= k <= hi` (Spark's `filterByRange`). On the output of a
//! [`sort_by_key`](#sort_by_key), whose partitions hold ranges of keys, only the partitions
//! whose range can hold keys in `lo..=hi` are read: the others are empty without computing
//! anything. On any other input it is a filter.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..1000, 4);
//!         pairs: (u64, u64) = nums.map(|x| ((x * 7) % 1000, x));
//!         sorted: (u64, u64) = pairs.sort_by_key(true, 8);
//!         some: (u64, u64) = sorted.filter_by_range(100, 104);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! let keys: Vec<u64> = p.some.collect()?.into_iter().map(|(k, _)| k).collect();
//! assert_eq!(keys, vec![100, 101, 102, 103, 104]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `coalesce`
//!
//! `parent.coalesce(n)`: at most `n` partitions (never more than the parent's; 0 is refused),
//! without a shuffle: each output partition concatenates a contiguous run of parent partitions,
//! so the order of elements is kept.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..10, 5);
//!         fewer: u64 = nums.coalesce(2);
//!         same: u64 = nums.coalesce(100);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.fewer.num_partitions(), 2);
//! assert_eq!(p.fewer.collect()?, (0..10).collect::<Vec<_>>());
//! assert_eq!(p.same.num_partitions(), 5);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `union`
//!
//! `parent.union(other)`: the partitions of `parent` followed by those of `other` (no shuffle,
//! duplicates kept). Both must have the node's element type. `other` may be any node or
//! `Rdd<T>` parameter, including `parent` itself.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         low: u64 = range(0..3, 2);
//!         high: u64 = range(10..12, 1);
//!         both: u64 = low.union(high);
//!         twice: u64 = high.union(high);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.both.collect()?, vec![0, 1, 2, 10, 11]);
//! assert_eq!(p.both.num_partitions(), 3);
//! assert_eq!(p.twice.collect()?, vec![10, 11, 10, 11]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! When both inputs have the same partitioner (both hash-partitioned into `n` partitions, say
//! by `partition_by(n)` or a keyed wide operator), the union keeps it, as Spark's
//! `PartitionerAwareUnion`: partition `i` is partition `i` of `parent` then partition `i` of
//! `other`, `partitioner()` reports it, and a join or `reduce_by_key` by that partitioner
//! after it needs no shuffle.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         a: (u64, u64) = parallelize(vec![(1, 10), (2, 20)]);
//!         b: (u64, u64) = parallelize(vec![(1, 11), (3, 30)]);
//!         a4: (u64, u64) = a.partition_by(4);
//!         b4: (u64, u64) = b.partition_by(4);
//!         both: (u64, u64) = a4.union(b4);
//!         sums: (u64, u64) = both.reduce_by_key(|x, y| x + y, 4);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! // `sums` reads `both` without a shuffle: its partitions are already by key.
//! assert_eq!(p.both.num_partitions(), 4);
//! assert_eq!(p.both.partitioner(), Some(rddflow::Partitioner::hash(4)));
//! let mut sums = p.sums.collect()?;
//! sums.sort();
//! assert_eq!(sums, vec![(1, 21), (2, 20), (3, 30)]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # Wide operators
//!
//! A wide operator shuffles its parent: every output partition may depend on every parent
//! partition. The keyed ones take pairs `(K, V)` with `K: Hash + Eq`, and their output is
//! hash-partitioned by key. The order of the output is not specified: the examples sort it, or
//! collect it into a map. `reduce_by_key`, `fold_by_key`, `aggregate_by_key` and
//! `combine_by_key` combine the values of a key on the map side before the shuffle. See
//! [Partition counts](#partition-counts) for the optional last argument.
//!
//! ## `reduce_by_key`
//!
//! `parent.reduce_by_key(f[, partitions])` with `f: FnMut(V, V) -> V` associative and
//! commutative: one `(k, v)` per key, its values combined with `f`.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<&'static str>) {
//!         words: &'static str = parallelize(data, 3);
//!         ones: (&'static str, u32) = words.map(|w| (w, 1));
//!         counts: (&'static str, u32) = ones.reduce_by_key(|a, b| a + b);
//!         counts_in_two: (&'static str, u32) = ones.reduce_by_key(|a, b| a + b, 2);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec!["a", "b", "a", "c", "a", "b"])?;
//! let mut counts = p.counts.collect()?;
//! counts.sort();
//! assert_eq!(counts, vec![("a", 3), ("b", 2), ("c", 1)]);
//! assert_eq!(p.counts.num_partitions(), 3); // the parent's count
//! assert_eq!(p.counts_in_two.num_partitions(), 2);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `fold_by_key`
//!
//! `parent.fold_by_key(zero, f[, partitions])` with `zero: V` and `f: FnMut(V, V) -> V`: like
//! `reduce_by_key`, with the values of a key folded from `zero`. `zero` is a value expression,
//! evaluated in each task and used once per key and map partition, so it should be neutral for
//! `f`.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<(char, Vec<u32>)>) {
//!         pairs: (char, Vec<u32>) = parallelize(data, 2);
//!         joined: (char, Vec<u32>) = pairs.fold_by_key(Vec::new(), |mut a, mut b| {
//!             a.append(&mut b);
//!             a
//!         });
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![('x', vec![1]), ('y', vec![2]), ('x', vec![3, 4])])?;
//! let mut joined = p.joined.collect()?;
//! joined.sort();
//! for (_, v) in &mut joined {
//!     v.sort();
//! }
//! assert_eq!(joined, vec![('x', vec![1, 3, 4]), ('y', vec![2])]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `aggregate_by_key`
//!
//! `parent.aggregate_by_key(zero, seq, comb[, partitions])` with `zero: U`, `seq: FnMut(U, V)
//! -> U` and `comb: FnMut(U, U) -> U`: one `(k, u)` per key, where the values of each map
//! partition are folded into a copy of `zero` with `seq` and the partial results merged with
//! `comb`. The result type `U` may differ from `V`.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<(&'static str, f64)>) {
//!         scores: (&'static str, f64) = parallelize(data, 2);
//!         // (sum, count) per key.
//!         stats: (&'static str, (f64, u32)) = scores.aggregate_by_key(
//!             (0.0, 0),
//!             |(s, n), v| (s + v, n + 1),
//!             |(s1, n1), (s2, n2)| (s1 + s2, n1 + n2),
//!         );
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![("a", 1.0), ("b", 4.0), ("a", 2.0), ("a", 3.0)])?;
//! let stats = p.stats.collect_map()?;
//! assert_eq!(stats["a"], (6.0, 3));
//! assert_eq!(stats["b"], (4.0, 1));
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `combine_by_key`
//!
//! `parent.combine_by_key(create, merge_value, merge_combiners[, partitions])` with `create:
//! FnMut(V) -> C`, `merge_value: FnMut(C, V) -> C` and `merge_combiners: FnMut(C, C) -> C`:
//! Spark's general per-key aggregation. `create` starts a combiner from a key's first value in
//! a map partition, `merge_value` adds the next ones, `merge_combiners` merges the combiners
//! of different map partitions.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<(u8, i32)>) {
//!         pairs: (u8, i32) = parallelize(data, 2);
//!         // (min, max) per key.
//!         ranges: (u8, (i32, i32)) = pairs.combine_by_key(
//!             |v| (v, v),
//!             |(lo, hi), v| (lo.min(v), hi.max(v)),
//!             |(lo1, hi1), (lo2, hi2)| (lo1.min(lo2), hi1.max(hi2)),
//!         );
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![(1, 5), (2, 0), (1, -3), (1, 9), (2, 2)])?;
//! let mut ranges = p.ranges.collect()?;
//! ranges.sort();
//! assert_eq!(ranges, vec![(1, (-3, 9)), (2, (0, 2))]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `group_by_key`
//!
//! `parent.group_by_key([partitions])`: one `(k, Vec<V>)` per key with all of its values. No
//! map-side combining: every value crosses the shuffle (prefer `reduce_by_key` and friends to
//! aggregate). The order of the values within a group is not specified.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<(char, u32)>) {
//!         pairs: (char, u32) = parallelize(data, 2);
//!         groups: (char, Vec<u32>) = pairs.group_by_key();
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![('a', 1), ('b', 2), ('a', 3), ('a', 2)])?;
//! let mut groups = p.groups.collect()?;
//! groups.sort();
//! for (_, values) in &mut groups {
//!     values.sort();
//! }
//! assert_eq!(groups, vec![('a', vec![1, 2, 3]), ('b', vec![2])]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `distinct`
//!
//! `parent.distinct([partitions])`: each distinct element once. Works on any element type that
//! is `Hash + Eq`, not only pairs; duplicates are dropped on the map side first.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<u32>) {
//!         items: u32 = parallelize(data, 3);
//!         unique: u32 = items.distinct();
//!         unique_in_one: u32 = items.distinct(1);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![3, 1, 3, 2, 1, 3])?;
//! let mut unique = p.unique.collect()?;
//! unique.sort();
//! assert_eq!(unique, vec![1, 2, 3]);
//! assert_eq!(p.unique_in_one.num_partitions(), 1);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `partition_by`
//!
//! `parent.partition_by(n)`: the same pairs, hash-partitioned by key into `n` partitions (the
//! count is required). `cogroup` and the joins with the same partition count read the result
//! without shuffling it again, so partitioning a large input once pays off when it is joined
//! or aggregated several times: the keyed one-input operators (`reduce_by_key`, `fold_by_key`,
//! `aggregate_by_key`, `combine_by_key`, `group_by_key`, `partition_by`) with the same
//! partition count also run without a shuffle stage, on each partition as it is. Operators
//! that keep keys in place (`filter`, `map_values`, `flat_map_values`, `sample`, `inspect`)
//! keep the partitioner; `map` and the others forget it.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..20, 4);
//!         pairs: (u64, u64) = nums.map(|x| (x % 5, x));
//!         by_key: (u64, u64) = pairs.partition_by(3);
//!         names: (u64, String) = parallelize(vec![(0, "zero".to_string()), (4, "four".to_string())]);
//!         // `by_key` is partitioned like the output: only `names` is shuffled.
//!         named: (u64, (u64, String)) = by_key.join(names, 3);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.by_key.num_partitions(), 3);
//! assert_eq!(p.by_key.partitioner(), Some(rddflow::Partitioner::hash(3)));
//! let mut pairs = p.by_key.collect()?;
//! pairs.sort();
//! assert_eq!(pairs.len(), 20);
//! assert_eq!(pairs[..2], [(0, 0), (0, 5)]);
//! let mut named = p.named.collect()?;
//! named.sort();
//! assert_eq!(named[0], (0, (0, "zero".to_string())));
//! assert_eq!(named.len(), 8);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! The lineage of `named` shows the one shuffle (`+-`), of `names`; `by_key` is read as it is:
//!
//! ```text
//! (3) P.named[6] join partitioned hash(3)
//!  |  P.by_key[4] partition_by partitioned hash(3)
//!  +-(4) P.pairs[3] map
//!     |  P.nums[1] range
//!  +-(2) P.names[2] parallelize
//! ```
//!
//! ## `repartition`
//!
//! `parent.repartition(n)`: the same elements (any type) spread over `n` partitions (the count
//! is required) by a shuffle, to rebalance or to raise the parallelism. The output has no key
//! partitioner.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..100, 1);
//!         spread: u64 = nums.repartition(4);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.spread.num_partitions(), 4);
//! assert_eq!(p.spread.partitioner(), None);
//! let mut all = p.spread.collect()?;
//! all.sort();
//! assert_eq!(all, (0..100).collect::<Vec<_>>());
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `sort_by_key`
//!
//! `parent.sort_by_key(ascending[, partitions])` with `ascending: bool` (a value expression)
//! and `K: Ord`: the pairs sorted by key, ascending or descending, *across* partitions:
//! partition 0 holds the smallest keys (the largest when descending), and collecting gives one
//! sorted sequence. The sort is stable: equal keys keep their input order. Before its shuffle
//! the operator runs a small sampling job over its input to choose the range bounds (as
//! Spark's `RangePartitioner` does); `new` still runs nothing. The output has no key
//! partitioner (its ranges are not a hash partitioner).
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<(u32, char)>) {
//!         pairs: (u32, char) = parallelize(data, 3);
//!         up: (u32, char) = pairs.sort_by_key(true);
//!         down: (u32, char) = pairs.sort_by_key(false, 2);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![(3, 'c'), (1, 'a'), (2, 'b'), (1, 'z'), (5, 'e')])?;
//! assert_eq!(p.up.collect()?, vec![(1, 'a'), (1, 'z'), (2, 'b'), (3, 'c'), (5, 'e')]);
//! assert_eq!(p.down.collect()?, vec![(5, 'e'), (3, 'c'), (2, 'b'), (1, 'a'), (1, 'z')]);
//! assert_eq!(p.down.num_partitions(), 2);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `sort_by`
//!
//! `parent.sort_by(key_fn, ascending[, partitions])` with `key_fn: Fn(&T) -> K`, `K: Ord`:
//! the elements (any type) sorted by `key_fn`, like `sort_by_key` (global, stable, sampled
//! range bounds).
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(data: Vec<String>) {
//!         words: String = parallelize(data, 2);
//!         by_len: String = words.sort_by(|w| w.len(), true);
//!         longest_first: String = words.sort_by(|w| w.len(), false, 1);
//!     }
//! }
//!
//! let words = ["ccc", "a", "dddd", "bb"].map(String::from).to_vec();
//! let p = P::new(&Context::new()?, words)?;
//! assert_eq!(p.by_len.collect()?, ["a", "bb", "ccc", "dddd"]);
//! assert_eq!(p.longest_first.collect()?, ["dddd", "ccc", "bb", "a"]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## Memory limit and spilling
//!
//! With `Context::builder().memory_limit(bytes)`, shuffles stay within a budget: each map task
//! may buffer `bytes / threads` (estimated: the record's in-memory size plus its serialized
//! size, which stands for the heap it owns); past that it writes its buffer as a sorted run to
//! a temporary file and starts over. Reduce tasks merge the runs of their partition (a k-way
//! merge), so `reduce_by_key` and friends, `group_by_key`, `cogroup`, the joins and the sorts
//! hold one key (or one record per run) at a time rather than the whole partition. Spill files are removed when
//! the shuffle is dropped or released, when a failing task unwinds, and with the context's
//! temporary directory. Records must be `serde::Serialize + DeserializeOwned` to spill (a
//! shuffle of other types stays in memory, with a warning); a single record larger than the
//! whole limit is [`Error::RecordTooLarge`](crate::Error::RecordTooLarge).
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..20_000, 4);
//!         pairs: (u64, u64) = nums.map(|x| (x % 5_000, x));
//!         sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b);
//!         sorted: (u64, u64) = sums.sort_by_key(false);
//!     }
//! }
//!
//! let scratch = tempfile::tempdir().unwrap();
//! let ctx = Context::builder()
//!     .threads(2)
//!     .memory_limit(16 * 1024)
//!     .spill_dir(scratch.path())
//!     .build()?;
//! let p = P::new(&ctx)?;
//! let top = p.sorted.take(2)?;
//! assert_eq!(top, vec![(4_999, 4_999 + 9_999 + 14_999 + 19_999), (4_998, 4_998 + 9_998 + 14_998 + 19_998)]);
//! assert!(ctx.spilled_bytes() > 0);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # Two-input wide operators
//!
//! `cogroup` and the joins bring their two inputs, the parent `(K, V)` and `other` `(K, W)`,
//! to one hash partitioner on `K` (by default with as many partitions as the larger input;
//! see [Partition counts](#partition-counts)). An input already partitioned that way (by
//! `partition_by(n)` with the same `n`, or by a keyed operator with `n` partitions) is read
//! without a shuffle. `other` may be the parent itself (a self-join).
//!
//! ## `cogroup`
//!
//! `parent.cogroup(other[, partitions])`: one `(k, (Vec<V>, Vec<W>))` per key present on
//! either side, with all of its values on each side (one of the two may be empty).
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(l: Vec<(u32, char)>, r: Vec<(u32, &'static str)>) {
//!         left: (u32, char) = parallelize(l, 2);
//!         right: (u32, &'static str) = parallelize(r, 2);
//!         both: (u32, (Vec<char>, Vec<&'static str>)) = left.cogroup(right);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![(1, 'a'), (2, 'b')], vec![(1, "x"), (3, "y")])?;
//! let mut both = p.both.collect()?;
//! both.sort();
//! assert_eq!(
//!     both,
//!     vec![(1, (vec!['a'], vec!["x"])), (2, (vec!['b'], vec![])), (3, (vec![], vec!["y"]))],
//! );
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `join`
//!
//! `parent.join(other[, partitions])`: the inner join, `(k, (v, w))` for every pair of a value
//! `v` of the parent and a value `w` of `other` with the same key.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(ps: Vec<(u32, &'static str)>, os: Vec<(u32, u32)>) {
//!         people: (u32, &'static str) = parallelize(ps, 2);
//!         orders: (u32, u32) = parallelize(os, 2);
//!         joined: (u32, (&'static str, u32)) = people.join(orders);
//!         joined_in_one: (u32, (&'static str, u32)) = people.join(orders, 1);
//!     }
//! }
//!
//! let p = P::new(
//!     &Context::new()?,
//!     vec![(1, "ann"), (2, "bob"), (3, "cy")],
//!     vec![(1, 10), (1, 11), (3, 30), (4, 40)],
//! )?;
//! let mut joined = p.joined.collect()?;
//! joined.sort();
//! assert_eq!(joined, vec![(1, ("ann", 10)), (1, ("ann", 11)), (3, ("cy", 30))]);
//! assert_eq!(p.joined_in_one.num_partitions(), 1);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `left_outer_join`
//!
//! `parent.left_outer_join(other[, partitions])`: `(k, (v, Some(w)))` for every matching pair,
//! and `(k, (v, None))` for each value `v` of the parent whose key is not in `other`.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(l: Vec<(u32, char)>, r: Vec<(u32, u8)>) {
//!         left: (u32, char) = parallelize(l, 2);
//!         right: (u32, u8) = parallelize(r, 1);
//!         joined: (u32, (char, Option<u8>)) = left.left_outer_join(right);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![(1, 'a'), (2, 'b')], vec![(1, 7), (3, 9)])?;
//! let mut joined = p.joined.collect()?;
//! joined.sort();
//! assert_eq!(joined, vec![(1, ('a', Some(7))), (2, ('b', None))]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `right_outer_join`
//!
//! `parent.right_outer_join(other[, partitions])`: `(k, (Some(v), w))` for every matching pair,
//! and `(k, (None, w))` for each value `w` of `other` whose key is not in the parent.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(l: Vec<(u32, char)>, r: Vec<(u32, u8)>) {
//!         left: (u32, char) = parallelize(l, 2);
//!         right: (u32, u8) = parallelize(r, 1);
//!         joined: (u32, (Option<char>, u8)) = left.right_outer_join(right);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![(1, 'a'), (2, 'b')], vec![(1, 7), (3, 9)])?;
//! let mut joined = p.joined.collect()?;
//! joined.sort();
//! assert_eq!(joined, vec![(1, (Some('a'), 7)), (3, (None, 9))]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `full_outer_join`
//!
//! `parent.full_outer_join(other[, partitions])`: every matching pair as `(k, (Some(v),
//! Some(w)))`, and the values without a match on the other side as `(k, (Some(v), None))` or
//! `(k, (None, Some(w)))`.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(l: Vec<(u32, char)>, r: Vec<(u32, u8)>) {
//!         left: (u32, char) = parallelize(l, 2);
//!         right: (u32, u8) = parallelize(r, 1);
//!         joined: (u32, (Option<char>, Option<u8>)) = left.full_outer_join(right);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?, vec![(1, 'a'), (2, 'b')], vec![(1, 7), (3, 9)])?;
//! let mut joined = p.joined.collect()?;
//! joined.sort();
//! assert_eq!(
//!     joined,
//!     vec![(1, (Some('a'), Some(7))), (2, (Some('b'), None)), (3, (None, Some(9)))],
//! );
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `group_with`
//!
//! `parent.group_with(b, c[, partitions])`: the three-way `cogroup` (Spark's `groupWith`),
//! one `(k, (Vec<V>, Vec<W>, Vec<X>))` per key present in any of the parent `(K, V)`, `b`
//! `(K, W)` and `c` `(K, X)`, with all of its values in each (a list may be empty).
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         a: (u32, char) = parallelize(vec![(1, 'a'), (2, 'b')], 2);
//!         b: (u32, u8) = parallelize(vec![(1, 7)], 1);
//!         c: (u32, bool) = parallelize(vec![(3, true)], 1);
//!         all: (u32, (Vec<char>, Vec<u8>, Vec<bool>)) = a.group_with(b, c);
//!     }
//! }
//!
//! let mut all = P::new(&Context::new()?)?.all.collect()?;
//! all.sort();
//! assert_eq!(
//!     all,
//!     vec![
//!         (1, (vec!['a'], vec![7], vec![])),
//!         (2, (vec!['b'], vec![], vec![])),
//!         (3, (vec![], vec![], vec![true])),
//!     ],
//! );
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `subtract_by_key`
//!
//! `parent.subtract_by_key(other[, partitions])`: the pairs of the parent whose key is not a
//! key of `other` (whatever `other`'s value type), each kept as often as it occurs. Without a
//! count the output takes the parent's partitioner, else a hash partitioner over the parent's
//! partition count, as in Spark.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         orders: (u32, u32) = parallelize(vec![(1, 10), (2, 20), (2, 21), (3, 30)], 2);
//!         blocked: (u32, ()) = parallelize(vec![(1, ()), (3, ())], 1);
//!         allowed: (u32, u32) = orders.subtract_by_key(blocked);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! let mut allowed = p.allowed.collect()?;
//! allowed.sort();
//! assert_eq!(allowed, vec![(2, 20), (2, 21)]);
//! assert_eq!(p.allowed.num_partitions(), 2);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `intersection`
//!
//! `parent.intersection(other[, partitions])`: the distinct elements found in both, for any
//! element type that is `Hash + Eq` (both inputs are shuffled by the whole element; the
//! output has no partitioner). `partitions` may also be a
//! [`KeyPartitioner`](crate::KeyPartitioner) of the element type, placing whole elements.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         a: u32 = parallelize(vec![1, 2, 2, 3, 4], 2);
//!         b: u32 = parallelize(vec![2, 4, 4, 6], 3);
//!         both: u32 = a.intersection(b);
//!     }
//! }
//!
//! let mut both = P::new(&Context::new()?)?.both.collect()?;
//! both.sort();
//! assert_eq!(both, vec![2, 4]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `subtract`
//!
//! `parent.subtract(other[, partitions])`: the elements of the parent that are not elements of
//! `other`, each kept as often as the parent has it (not made distinct). Without a count the
//! output has the parent's partition count, as in Spark; `partitions` may also be a
//! [`KeyPartitioner`](crate::KeyPartitioner) of the element type.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         a: u32 = parallelize(vec![1, 2, 2, 3, 4], 2);
//!         b: u32 = parallelize(vec![2, 4, 6], 3);
//!         rest: u32 = a.subtract(b);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! let mut rest = p.rest.collect()?;
//! rest.sort();
//! assert_eq!(rest, vec![1, 3]);
//! assert_eq!(p.rest.num_partitions(), 2);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `cartesian`
//!
//! `parent.cartesian(other)`: every pair `(x, y)` of an element of the parent and one of
//! `other`, without a shuffle. As Spark's, partition `i * m + j` (for `m` partitions of
//! `other`) pairs partition `i` of the parent with partition `j` of `other`, for each `x` every
//! `y`: `n * m` partitions in all.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         a: u32 = parallelize(vec![1, 2], 2);
//!         b: char = parallelize(vec!['x', 'y'], 1);
//!         pairs: (u32, char) = a.cartesian(b);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.pairs.collect()?, vec![(1, 'x'), (1, 'y'), (2, 'x'), (2, 'y')]);
//! assert_eq!(p.pairs.num_partitions(), 2);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `repartition_and_sort_within_partitions`
//!
//! `parent.repartition_and_sort_within_partitions(partitions)` on pairs with `K: Hash + Eq +
//! Ord`: shuffled by the partitioner (a count, hash-partitioned, or a
//! [`KeyPartitioner`](crate::KeyPartitioner)), each output partition sorted by key (stably).
//! Cheaper than a shuffle followed by a sort of each partition: with a memory limit, map
//! tasks spill runs already sorted and reduce tasks merge them. The output keeps the
//! partitioner.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         pairs: (u32, char) = parallelize(vec![(5, 'a'), (1, 'b'), (4, 'c'), (2, 'd'), (3, 'e')], 2);
//!         sorted: (u32, char) = pairs.repartition_and_sort_within_partitions(2);
//!         parts: Vec<(u32, char)> = sorted.glom();
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! for part in p.parts.collect()? {
//!     assert!(part.windows(2).all(|w| w[0].0 <= w[1].0));
//! }
//! assert_eq!(p.sorted.partitioner(), Some(rddflow::Partitioner::hash(2)));
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## User-defined partitioners and the default-partitioner rule
//!
//! Where a keyed wide operator takes a partition count (the optional last argument of the
//! keyed aggregations, `group_by_key`, `cogroup`, the joins, `group_with`, `subtract_by_key`,
//! and the argument of `partition_by` and `repartition_and_sort_within_partitions`), it also
//! takes a value implementing [`KeyPartitioner<K>`](crate::KeyPartitioner) for the input's
//! keys. `partitioner()` then returns [`Partitioner::User`](crate::Partitioner::User); two
//! are equal when their values are of the same type and compare equal with `PartialEq`, and an
//! operator whose input is partitioned by an equal one reads it without a shuffle. A key
//! placed outside `0..num_partitions()` fails the job with an error naming the node.
//!
//! Without a count or partitioner, a keyed operator follows Spark's default-partitioner rule
//! ([`default_partitioner`](crate::default_partitioner)): the partitioner of the input with
//! the most partitions among those that have one is reused when its count is within an order
//! of magnitude of the largest input's (or not below the default count), so the join of a
//! partitioned RDD with a plain one shuffles only the plain one. `distinct` on an input that
//! has a partitioner (and no other count asked for) removes duplicates in place and keeps it.
//!
//! ```
//! # use rddflow::prelude::*;
//! /// Keys below 100 to partition 0, the rest to partition 1.
//! #[derive(Clone, PartialEq, serde::Serialize)]
//! struct Small;
//!
//! impl rddflow::KeyPartitioner<u32> for Small {
//!     fn num_partitions(&self) -> usize {
//!         2
//!     }
//!     fn partition(&self, key: &u32) -> usize {
//!         usize::from(*key >= 100)
//!     }
//! }
//!
//! rddflow::pipeline! {
//!     struct P() {
//!         pairs: (u32, u32) = parallelize(vec![(1, 1), (150, 2), (1, 3)], 3);
//!         placed: (u32, u32) = pairs.partition_by(Small);
//!         others: (u32, char) = parallelize(vec![(1, 'a'), (150, 'b')], 3);
//!         /// Reuses `Small` (2 partitions, within 10x of 3): only `others` is shuffled.
//!         joined: (u32, (u32, char)) = placed.join(others);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.joined.partitioner(), p.placed.partitioner());
//! let mut joined = p.joined.collect()?;
//! joined.sort();
//! assert_eq!(joined, vec![(1, (1, 'a')), (1, (3, 'a')), (150, (2, 'b'))]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # Attributes
//!
//! A node takes at most one checkpoint attribute and at most one storage attribute, in any
//! order, with its doc comments. `Name::graph()` lists them as written.
//!
//! ## `#[checkpoint]`
//!
//! A reliable checkpoint, written to the context's
//! [`checkpoint_dir`](crate::ContextBuilder::checkpoint_dir) by the first job that computes the
//! node (as a side output of that job: nothing is computed twice). After that job, the node's
//! lineage is truncated: later jobs read the checkpoint files instead of recomputing its
//! ancestors. The element type must be `serde::Serialize + serde::de::DeserializeOwned`.
//! Without a checkpoint directory, `new` fails with
//! [`Error::CheckpointDirNotSet`](crate::Error::CheckpointDirNotSet). `#[checkpoint(reliable)]`
//! is the same.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(n: u64) {
//!         nums: u64 = range(0..n, 2);
//!         #[checkpoint]
//!         squares: u64 = nums.map(|x| x * x);
//!         odd: u64 = squares.filter(|x| x % 2 == 1);
//!     }
//! }
//!
//! let dir = tempfile::tempdir().unwrap();
//! let ctx = Context::builder().checkpoint_dir(dir.path()).build()?;
//! let p = P::new(&ctx, 6)?;
//! assert!(!p.squares.is_checkpointed());
//! assert_eq!(p.odd.collect()?, vec![1, 9, 25]); // this job also writes the checkpoint
//! assert!(p.squares.is_checkpointed());
//! assert!(p.squares.checkpoint_file().unwrap().starts_with(dir.path()));
//! assert!(!p.odd.lineage().contains("P.nums")); // lineage truncated
//! assert_eq!(p.odd.count()?, 3); // reads the checkpoint
//!
//! let no_dir = Context::new()?;
//! assert!(matches!(P::new(&no_dir, 6), Err(rddflow::Error::CheckpointDirNotSet { .. })));
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ### Resuming across runs
//!
//! With [`resume(true)`](crate::ContextBuilder::resume), a reliable checkpoint is keyed by the
//! node's fingerprint: its definition and its ancestors' (hashed by the macro), the value
//! parameters it uses (hence `serde::Serialize`), its input files' path, length and
//! modification time, each node's partition count and partitioner, and its
//! [`version`](#checkpointversion--n). A later run (another process, or here another context)
//! with the same fingerprint reads the committed checkpoint and never runs the lineage behind
//! it; a changed parameter or input, or another thread count or `default_parallelism` that
//! changes a partition count, gives another fingerprint and a recomputation, never an error.
//! The fingerprint cannot see the bodies of functions the closures call, the consts and
//! statics they read, or the environment: after such a change, raise the node's `version`.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P(n: u64) {
//!         nums: u64 = range(0..n, 2);
//!         #[checkpoint]
//!         squares: u64 = nums.map(|x| x * x);
//!     }
//! }
//!
//! let dir = tempfile::tempdir().unwrap();
//! let run = |n: u64| -> rddflow::Result<(Vec<u64>, bool)> {
//!     let ctx = Context::builder().checkpoint_dir(dir.path()).resume(true).build()?;
//!     let p = P::new(&ctx, n)?;
//!     Ok((p.squares.collect()?, p.squares.checkpoint_resumed()))
//! };
//! assert_eq!(run(4)?, (vec![0, 1, 4, 9], false)); // computed, checkpoint committed
//! assert_eq!(run(4)?, (vec![0, 1, 4, 9], true)); // read from that checkpoint
//! assert_eq!(run(5)?, (vec![0, 1, 4, 9, 16], false)); // another `n`: computed
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `#[checkpoint(version = N)]`
//!
//! A reliable checkpoint, as `#[checkpoint]`, with a user version `N` (an integer literal)
//! mixed into the node's resume fingerprint, and through it into its descendants'. The macro
//! hashes the tokens a node is written with; it cannot see the body of a function that a
//! closure calls. After changing one, raise the version: the next run with
//! [`resume(true)`](crate::ContextBuilder::resume) computes the node again instead of reading
//! the checkpoint of the old code. Without `resume`, the version changes nothing.
//! `#[checkpoint(reliable, version = N)]` is the same; `#[checkpoint(local, version = N)]` is
//! refused at compile time, since a local checkpoint is never resumed.
//!
//! ```
//! # use rddflow::prelude::*;
//! mod before {
//!     pub fn weight(x: u64) -> u64 {
//!         x * 2
//!     }
//!     rddflow::pipeline! {
//!         pub struct P(n: u64) {
//!             nums: u64 = range(0..n, 2);
//!             #[checkpoint(version = 1)]
//!             weighted: u64 = nums.map(|x| weight(x));
//!         }
//!     }
//! }
//!
//! // The same pipeline after `weight` changed: its node's tokens did not.
//! mod after {
//!     pub fn weight(x: u64) -> u64 {
//!         x * 3
//!     }
//!     rddflow::pipeline! {
//!         pub struct P(n: u64) {
//!             nums: u64 = range(0..n, 2);
//!             #[checkpoint(version = 2)]
//!             weighted: u64 = nums.map(|x| weight(x));
//!         }
//!     }
//! }
//!
//! let dir = tempfile::tempdir().unwrap();
//! let ctx = || Context::builder().checkpoint_dir(dir.path()).resume(true).build();
//! let p = before::P::new(&ctx()?, 3)?;
//! assert_eq!(p.weighted.collect()?, vec![0, 2, 4]); // computed, checkpoint committed
//! let q = after::P::new(&ctx()?, 3)?;
//! assert!(!q.weighted.checkpoint_resumed()); // version 2: not the old checkpoint
//! assert_eq!(q.weighted.collect()?, vec![0, 3, 6]);
//! let r = after::P::new(&ctx()?, 3)?;
//! assert!(r.weighted.checkpoint_resumed()); // version 2 again: read back
//! assert_eq!(r.weighted.collect()?, vec![0, 3, 6]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `#[checkpoint(local)]`
//!
//! A local checkpoint: the partitions are kept in the engine's memory by the first job that
//! computes the node, and its lineage is truncated. Needs no checkpoint directory and no serde
//! bounds, but does not survive the process.
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..6, 2);
//!         #[checkpoint(local)]
//!         squares: u64 = nums.map(|x| x * x);
//!         sum: u64 = squares.map_partitions(|it| std::iter::once(it.sum::<u64>()));
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.sum.collect()?, vec![5, 50]);
//! assert!(p.squares.is_checkpointed());
//! assert_eq!(p.squares.checkpoint_file(), None); // nothing on disk
//! assert!(!p.sum.lineage().contains("P.nums"));
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `#[cache]` and `#[persist(memory)]`
//!
//! The two are the same: the node's partitions are kept in memory once computed, and later jobs
//! read them instead of recomputing the node. Unlike a checkpoint, the lineage is kept.
//! `.unpersist()` drops the cached partitions. Under the context's
//! [`memory_limit`](crate::ContextBuilder::memory_limit), least recently used blocks of other
//! RDDs are evicted and recomputed when next needed.
//!
//! On a node that is also checkpointed, the job that writes the checkpoint does not also keep
//! the partitions in memory (so the node costs that job no more than the checkpoint alone);
//! the first later job that reads the checkpoint fills the cache, and the jobs after it read
//! the cache.
//!
//! ```
//! # use rddflow::prelude::*;
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! static CALLS: AtomicU64 = AtomicU64::new(0);
//!
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..4, 2);
//!         #[cache]
//!         squares: u64 = nums.map(|x| {
//!             CALLS.fetch_add(1, Ordering::Relaxed);
//!             x * x
//!         });
//!         #[persist(memory)]
//!         halves: u64 = squares.map(|x| x / 2);
//!     }
//! }
//!
//! let p = P::new(&Context::new()?)?;
//! assert_eq!(p.squares.collect()?, vec![0, 1, 4, 9]);
//! assert_eq!(p.halves.collect()?, vec![0, 0, 2, 4]); // reads `squares` from the cache
//! assert_eq!(CALLS.load(Ordering::Relaxed), 4);
//! assert_eq!(P::graph().node("halves").unwrap().attrs, ["persist(memory)"]);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `#[persist(disk)]` and `#[persist(memory_and_disk)]`
//!
//! `disk` writes each computed partition to a file (encoded with the checkpoint codec) and
//! later jobs read it back; `memory_and_disk` keeps partitions in memory and moves them to disk
//! when evicted under the memory limit, so they are never recomputed. Both need the element
//! type to be `Serialize + DeserializeOwned` (the compile error points at the type, as for
//! `#[checkpoint]`). The files are deleted by `.unpersist()` and when the pipeline is dropped.
//!
//! ```
//! # use rddflow::prelude::*;
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! static CALLS: AtomicU64 = AtomicU64::new(0);
//!
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..4, 2);
//!         #[persist(disk)]
//!         names: String = nums.map(|x| {
//!             CALLS.fetch_add(1, Ordering::Relaxed);
//!             format!("n{x}")
//!         });
//!         #[persist(memory_and_disk)]
//!         lens: usize = names.map(|n| n.len());
//!     }
//! }
//!
//! let p = P::new(&Context::builder().memory_limit(1 << 20).build()?)?;
//! assert_eq!(p.names.collect()?, ["n0", "n1", "n2", "n3"]);
//! assert_eq!(p.lens.collect()?, vec![2; 4]); // reads `names` from disk
//! assert_eq!(CALLS.load(Ordering::Relaxed), 4);
//! assert_eq!(p.names.storage_state().unwrap().on_disk, 2);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # Actions
//!
//! Actions are the methods of [`Dataset`](crate::Dataset) (in the prelude), callable on every
//! node field and on every [`Rdd<T>`](crate::Rdd). Each runs one job, split into stages at
//! shuffle boundaries, one task per partition, and returns a [`Result`](crate::Result): user
//! code that panics is retried (`task_max_failures` attempts in all, default 4) and then
//! reported as [`Error::TaskFailed`](crate::Error::TaskFailed), never as a panic.
//!
//! | action | result |
//! |---|---|
//! | [`collect()`](crate::Dataset::collect) | `Vec<T>`, in partition order |
//! | [`count()`](crate::Dataset::count) | `u64` |
//! | [`reduce(f)`](crate::Dataset::reduce) | `Option<T>`, `None` when empty |
//! | [`fold(zero, f)`](crate::Dataset::fold) | `T` |
//! | [`aggregate(zero, seq, comb)`](crate::Dataset::aggregate) | `U` |
//! | [`take(n)`](crate::Dataset::take) | the first `n` elements, scanning as few partitions as possible |
//! | [`first()`](crate::Dataset::first) | `Option<T>` |
//! | [`for_each(f)`](crate::Dataset::for_each) | `()`; `f` runs on every element, in parallel |
//! | [`count_by_key()`](crate::Dataset::count_by_key) | `HashMap<K, u64>` (pairs) |
//! | [`count_by_value()`](crate::Dataset::count_by_value) | `HashMap<T, u64>` |
//! | [`collect_map()`](crate::Dataset::collect_map) | `HashMap<K, V>` (pairs; a later value for a key wins) |
//! | [`save_as_text_file(dir)`](crate::Dataset::save_as_text_file) | `()`; see [below](#save_as_text_file) |
//! | [`save_as_json_lines(dir)`](crate::Dataset::save_as_json_lines) | `()`; see [below](#save_as_json_lines) |
//! | [`save_as_csv(dir)`](crate::Dataset::save_as_csv) | `()`; see [below](#save_as_csv) |
//! | [`save_as_parquet(dir)`](crate::Dataset::save_as_parquet) (feature `parquet`) | `()`; see [below](#save_as_parquet) |
//! | `save_as_text_file_with`, `save_as_json_lines_with`, `save_as_csv_with` `(dir, &SaveOptions)` | `()`; see [Compressed output](#compressed-output) |
//!
//! ```
//! # use rddflow::prelude::*;
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(1..6, 2);
//!         pairs: (bool, u64) = nums.map(|x| (x % 2 == 0, x));
//!         panics: u64 = nums.map(|x| if x == 3 { panic!("three") } else { x });
//!     }
//! }
//!
//! let ctx = Context::builder().task_max_failures(1).build()?;
//! let p = P::new(&ctx)?;
//! assert_eq!(p.nums.collect()?, vec![1, 2, 3, 4, 5]);
//! assert_eq!(p.nums.count()?, 5);
//! assert_eq!(p.nums.reduce(|a, b| a + b)?, Some(15));
//! assert_eq!(p.nums.fold(0, |a, b| a + b)?, 15);
//! assert_eq!(p.nums.aggregate(String::new(), |s, x| s + &x.to_string(), |a, b| a + &b)?, "12345");
//! assert_eq!(p.nums.take(2)?, vec![1, 2]);
//! assert_eq!(p.nums.first()?, Some(1));
//! let total = AtomicU64::new(0);
//! p.nums.for_each(|x| {
//!     total.fetch_add(x, Ordering::Relaxed);
//! })?;
//! assert_eq!(total.into_inner(), 15);
//! assert_eq!(p.pairs.count_by_key()?[&false], 3);
//! assert_eq!(p.pairs.count_by_value()?[&(true, 4)], 1);
//! assert_eq!(p.pairs.collect_map()?[&true], 4); // the last value for the key
//!
//! let err = p.panics.count().unwrap_err();
//! assert!(matches!(err, rddflow::Error::TaskFailed { .. }));
//! assert!(err.to_string().contains("three"));
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## More actions
//!
//! Spark's other actions (SPEC.md section 4), with the same guarantees: a panic in user code
//! (a closure, an element's `Ord` or `Hash`, a merge function on the caller's thread) is an
//! error naming the node, never a panic.
//!
//! | action | result |
//! |---|---|
//! | [`top(n)`](crate::Dataset::top) | the `n` largest, descending; a bounded heap per partition, O(partitions x n) elements held |
//! | [`take_ordered(n)`](crate::Dataset::take_ordered) | the `n` smallest, ascending; likewise bounded |
//! | [`max()`](crate::Dataset::max), [`min()`](crate::Dataset::min) | `Option<T>`, `None` when empty |
//! | [`sum()`](crate::Dataset::sum) | `T` (any `T: Sum`), zero when empty |
//! | [`mean()`](crate::Dataset::mean) | `f64`, NaN when empty (numbers: [`Numeric`](crate::Numeric)) |
//! | [`stats()`](crate::Dataset::stats) | [`StatCounter`](crate::StatCounter): count, sum, mean, population and sample variance and deviation, min, max; merged per partition, numerically stable |
//! | [`histogram(buckets)`](crate::Dataset::histogram) | `(bounds, counts)`: a bucket count (even buckets from min to max) or the bounds ([`Buckets`](crate::Buckets)); the last bucket closed |
//! | [`is_empty()`](crate::Dataset::is_empty) | `bool`; stops at the first partition with an element |
//! | [`lookup(&key)`](crate::Dataset::lookup) | `Vec<V>` (pairs); only the key's partition when the partitioner is known |
//! | [`for_each_partition(f)`](crate::Dataset::for_each_partition) | `()`; `f(&mut dyn Iterator)` once per partition, in parallel |
//! | [`tree_reduce(f, depth)`](crate::Dataset::tree_reduce) | as `reduce`, partition results combined in rounds of groups |
//! | [`tree_aggregate(zero, seq, comb, depth)`](crate::Dataset::tree_aggregate) | as `aggregate`, likewise |
//! | [`take_sample(with_replacement, n, seed)`](crate::Dataset::take_sample) | `Vec<T>`: `n` uniform draws in random order (all elements, shuffled, when fewer without replacement) |
//! | [`count_approx_distinct(relative_sd)`](crate::Dataset::count_approx_distinct) | `u64` by HyperLogLog++ (`relative_sd` >= 0.00412) |
//! | [`to_local_iterator()`](crate::Dataset::to_local_iterator) | an iterator of `Result<T>`, one partition computed at a time |
//! | [`random_split(&weights, seed)`](crate::Dataset::random_split) | `Vec<Rdd<T>>`, no job: one RDD per weight (normalized), each element in exactly one, the same split for the same seed |
//!
//! ```
//! # use rddflow::prelude::*;
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = parallelize(vec![5, 1, 9, 3, 7, 2, 8, 4, 6, 0], 3);
//!         pairs: (u64, u64) = nums.map(|x| (x % 3, x));
//!         sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b, 2);
//!     }
//! }
//!
//! let ctx = Context::builder().build()?;
//! let p = P::new(&ctx)?;
//! assert_eq!(p.nums.top(3)?, vec![9, 8, 7]);
//! assert_eq!(p.nums.take_ordered(3)?, vec![0, 1, 2]);
//! assert_eq!((p.nums.max()?, p.nums.min()?), (Some(9), Some(0)));
//! assert_eq!(p.nums.sum()?, 45);
//! assert_eq!(p.nums.mean()?, 4.5);
//! let s = p.nums.stats()?;
//! assert_eq!((s.count(), s.variance(), s.min(), s.max()), (10, 8.25, 0.0, 9.0));
//! assert_eq!(s.sample_variance(), 82.5 / 9.0);
//! // Buckets [0, 3), [3, 6), [6, 9]: the last one closed.
//! assert_eq!(p.nums.histogram(3)?, (vec![0.0, 3.0, 6.0, 9.0], vec![3, 3, 4]));
//! assert_eq!(p.nums.histogram(vec![0.0, 5.0, 100.0])?.1, vec![5, 5]);
//! assert!(!p.nums.is_empty()?);
//! assert_eq!(p.sums.lookup(&0)?, vec![18]); // 9 + 3 + 6 + 0, one partition read
//! let parts = AtomicU64::new(0);
//! p.nums.for_each_partition(|it| {
//!     parts.fetch_add(1, Ordering::Relaxed);
//!     it.for_each(drop);
//! })?;
//! assert_eq!(parts.into_inner(), 3);
//! assert_eq!(p.nums.tree_reduce(|a, b| a + b, 2)?, Some(45));
//! assert_eq!(p.nums.tree_aggregate(0, |a, x| a + x, |a, b| a + b, 2)?, 45);
//! let mut sample = p.nums.take_sample(false, 4, 42)?;
//! sample.sort();
//! sample.dedup();
//! assert_eq!(sample.len(), 4);
//! assert_eq!(p.nums.count_approx_distinct(0.05)?, 10);
//! let streamed: Vec<u64> = p.nums.to_local_iterator().collect::<Result<_>>()?;
//! assert_eq!(streamed, p.nums.collect()?);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `save_as_text_file`
//!
//! [`save_as_text_file(dir)`](crate::Dataset::save_as_text_file) writes one `part-NNNNN` file
//! per partition into `dir`, one `Display` line per element, and then an empty `_SUCCESS`
//! file. `text_file(dir)` reads it back.
//!
//! Every save commits like Hadoop's output committer: a task writes its part under
//! `dir/_temporary` and renames it there when it succeeds; when every task has succeeded the
//! parts are moved into `dir` and `_SUCCESS` is written last. A failed job (user code that
//! panics on every attempt, an I/O error) leaves no part and no `_SUCCESS`. `dir` may be
//! missing or empty; a non-empty `dir` is [`Error::OutputExists`](crate::Error::OutputExists)
//! and is left alone. Sources skip `_`-prefixed names, so reading `dir` never reads
//! `_SUCCESS`.
//!
//! ```
//! # use rddflow::prelude::*;
//! use std::path::PathBuf;
//!
//! rddflow::pipeline! {
//!     struct Write() {
//!         nums: u64 = range(0..5, 2);
//!     }
//!     struct Read(dir: PathBuf) {
//!         lines: String = text_file(dir);
//!     }
//! }
//!
//! let tmp = tempfile::tempdir().unwrap();
//! let out = tmp.path().join("out");
//! let ctx = Context::new()?;
//! Write::new(&ctx)?.nums.save_as_text_file(&out)?;
//! assert_eq!(std::fs::read_to_string(out.join("part-00000")).unwrap(), "0\n1\n");
//! assert_eq!(std::fs::read_to_string(out.join("part-00001")).unwrap(), "2\n3\n4\n");
//! assert!(out.join("_SUCCESS").exists());
//! assert_eq!(Read::new(&ctx, out.clone())?.lines.collect()?, vec!["0", "1", "2", "3", "4"]);
//! let again = Write::new(&ctx)?.nums.save_as_text_file(&out); // exists already
//! assert!(matches!(again, Err(rddflow::Error::OutputExists { .. })));
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `save_as_json_lines`
//!
//! [`save_as_json_lines(dir)`](crate::Dataset::save_as_json_lines) writes one
//! `part-NNNNN.jsonl` file per partition, one JSON value per line (`serde_json`; any
//! `Serialize` element), committed as above.
//!
//! ```
//! # use rddflow::prelude::*;
//! #[derive(Clone, serde::Serialize)]
//! struct Hit {
//!     page: String,
//!     n: u64,
//! }
//!
//! rddflow::pipeline! {
//!     struct Hits() {
//!         nums: u64 = range(0..3, 1);
//!         hits: Hit = nums.map(|n| Hit { page: format!("p\n{n}"), n });
//!     }
//! }
//!
//! let tmp = tempfile::tempdir().unwrap();
//! let out = tmp.path().join("hits");
//! Hits::new(&Context::new()?)?.hits.save_as_json_lines(&out)?;
//! assert_eq!(
//!     std::fs::read_to_string(out.join("part-00000.jsonl")).unwrap(),
//!     "{\"page\":\"p\\n0\",\"n\":0}\n{\"page\":\"p\\n1\",\"n\":1}\n{\"page\":\"p\\n2\",\"n\":2}\n"
//! );
//! assert!(out.join("_SUCCESS").exists());
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `save_as_csv`
//!
//! [`save_as_csv(dir)`](crate::Dataset::save_as_csv) writes one `part-NNNNN.csv` file per
//! partition: a header row of the element struct's field names, then one row per element (the
//! `csv` crate quotes fields that hold commas, quotes or newlines). The element must serialize
//! as a struct of scalar fields; an empty partition is an empty file. Committed as above.
//!
//! ```
//! # use rddflow::prelude::*;
//! #[derive(Clone, serde::Serialize)]
//! struct City {
//!     name: String,
//!     pop: u64,
//! }
//!
//! rddflow::pipeline! {
//!     struct Cities() {
//!         names: &'static str = parallelize(["Paris, France", "Quote \"Q\""], 1);
//!         cities: City = names.map(|n| City { name: n.to_string(), pop: n.len() as u64 });
//!     }
//! }
//!
//! let tmp = tempfile::tempdir().unwrap();
//! let out = tmp.path().join("cities");
//! Cities::new(&Context::new()?)?.cities.save_as_csv(&out)?;
//! assert_eq!(
//!     std::fs::read_to_string(out.join("part-00000.csv")).unwrap(),
//!     "name,pop\n\"Paris, France\",13\n\"Quote \"\"Q\"\"\",9\n"
//! );
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! ## `save_as_parquet`
//!
//! [`save_as_parquet(dir)`](crate::Dataset::save_as_parquet) (cargo feature `parquet`) writes
//! one `part-NNNNN.parquet` file per partition, committed as above. The Arrow schema is traced
//! from the element type by `serde_arrow` before the job starts (the element must be a struct,
//! `Serialize + Deserialize`): one column per field, `Option` fields nullable, nested structs
//! as groups, unit-only enums as strings. Pages are Snappy-compressed, Spark's default; Spark,
//! DuckDB, Polars and DataFusion read the parts, and [`parquet_file`](#parquet_file) reads them
//! back (example above).
//!
//! ## Compressed output
//!
//! The text saves take [`SaveOptions`](crate::SaveOptions) in a `_with` form:
//! [`save_as_text_file_with`](crate::Dataset::save_as_text_file_with),
//! [`save_as_json_lines_with`](crate::Dataset::save_as_json_lines_with) and
//! [`save_as_csv_with`](crate::Dataset::save_as_csv_with).
//! [`Compression::Gzip`](crate::Compression::Gzip) (always available) and
//! [`Compression::Zstd`](crate::Compression::Zstd) (cargo feature `zstd`) compress each part as
//! a whole and append the codec's extension (`part-00000.csv.gz`), so `text_file`, `csv_file`
//! and `json_lines` read the output back decompressed (one partition per file).
//!
//! ```
//! # use rddflow::prelude::*;
//! use rddflow::{Compression, SaveOptions};
//! use std::path::PathBuf;
//!
//! #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
//! struct Hit {
//!     page: String,
//!     n: u64,
//! }
//!
//! rddflow::pipeline! {
//!     struct Hits() {
//!         nums: u64 = range(0..100, 2);
//!         hits: Hit = nums.map(|n| Hit { page: format!("/p/{}", n % 7), n });
//!     }
//!     struct Back(path: PathBuf) {
//!         hits: Hit = csv_file(path);
//!     }
//! }
//!
//! let tmp = tempfile::tempdir().unwrap();
//! let out = tmp.path().join("hits");
//! let ctx = Context::new()?;
//! let gz = SaveOptions::new().compression(Compression::Gzip);
//! Hits::new(&ctx)?.hits.save_as_csv_with(&out, &gz)?;
//! assert!(out.join("part-00001.csv.gz").exists());
//! assert_eq!(Back::new(&ctx, out)?.hits.collect()?, Hits::new(&ctx)?.hits.collect()?);
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! # Checkpoint and cache methods
//!
//! The attributes have method forms, for marks decided at run time:
//! [`checkpoint()`](crate::Dataset::checkpoint) (reliable),
//! [`local_checkpoint()`](crate::Dataset::local_checkpoint),
//! [`cache()`](crate::Dataset::cache) and [`unpersist()`](crate::Dataset::unpersist). A mark
//! made after a job has run is honoured by the next job. The handles also report
//! [`is_checkpointed()`](crate::Dataset::is_checkpointed),
//! [`checkpoint_file()`](crate::Dataset::checkpoint_file),
//! [`lineage()`](crate::Dataset::lineage) (like Spark's `toDebugString`),
//! [`num_partitions()`](crate::Dataset::num_partitions),
//! [`partitioner()`](crate::Dataset::partitioner) and [`id()`](crate::Dataset::id).
//!
//! ```
//! # use rddflow::prelude::*;
//! rddflow::pipeline! {
//!     struct P() {
//!         nums: u64 = range(0..10, 2);
//!         pairs: (u64, u64) = nums.map(|x| (x % 3, x));
//!         sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b);
//!     }
//! }
//!
//! let dir = tempfile::tempdir().unwrap();
//! let ctx = Context::builder().checkpoint_dir(dir.path()).build()?;
//! let p = P::new(&ctx)?;
//! assert_eq!(p.sums.count()?, 3);
//! p.pairs.checkpoint()?; // marked after a job: the next job writes it
//! assert!(!p.pairs.is_checkpointed());
//! assert_eq!(p.sums.count()?, 3);
//! assert!(p.pairs.is_checkpointed());
//! let lineage = p.sums.lineage();
//! assert!(lineage.contains("P.sums") && lineage.contains("checkpoint (reliable)"));
//! assert_eq!(p.sums.partitioner(), Some(rddflow::Partitioner::hash(2)));
//! assert_ne!(p.sums.id(), p.pairs.id());
//! # Ok::<(), rddflow::Error>(())
//! ```
