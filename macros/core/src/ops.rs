//! The operator and source tables. Each operator is one record: its shape (how its code is
//! generated and how many partitions it has), its arguments and whether a partition count may
//! follow them. Validation and expansion read the same table; the engine has one module per
//! operator under `ops/` with the same name.

/// How an operator's node is generated: each shape has its generator under `expand/` and, for
/// the shuffles, its engine value under the engine's `protocol/`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Partition `i` from partition `i` of the parent through `ops::NAME::Op::apply`
    /// (`expand/narrow.rs`). `state`: the node holds the operator's `NarrowState`, prepared
    /// before each job and handed to `apply` (`zip_with_index`'s partition offsets).
    Narrow {
        keeps_partitioner: bool,
        state: bool,
    },
    /// The operator reads its parents' partitions itself (`expand/reads_parents.rs`):
    /// `Op::layout` gives the partition count and partitioner in `new` (or an error, such as
    /// `zip`'s differing counts), `Op::apply` gets the parents' handles (`union`, `zip`,
    /// `filter_by_range`, which skips partitions without reading them).
    ReadsParents,
    /// Fewer partitions, no shuffle (`expand/coalesce.rs`).
    Coalesce,
    /// One shuffle (`expand/one_shuffle.rs`, the engine's `OneShuffle`): the node gives the
    /// engine its `map_side`, and `compute` runs `reduce_side`. `by_key`: the output is
    /// hash-partitioned by key (the keyed shuffles; not `repartition`, `distinct`), and an
    /// input already partitioned by that partitioner is not shuffled: the engine runs the map
    /// side in the reduce task on the parent's partition (a narrow dependency). `sampled`:
    /// range-partitioned from a sample of the input (the sorts): the node gives the engine a
    /// `prepare` that samples the bounds before the map stage, and `map_side` takes them after
    /// the writer. `elements`: by the whole element (`distinct`), processed in place when the
    /// input has a partitioner (the engine's `ShuffleKind::Elements`).
    Wide {
        by_key: bool,
        sampled: bool,
        elements: bool,
    },
    /// Two inputs (the parent and `other`) brought to one partitioner, `cogroup`, the joins and
    /// the set operations (`expand/two_shuffles.rs`, the engine's `TwoShuffles`): the engine
    /// buckets each shuffled input, `compute` runs `reduce_side` over both. An input already
    /// partitioned by the output's partitioner is read directly (narrow), the other shuffled.
    /// `by_element`: placed by the whole element, not a pair's key (`intersection`,
    /// `subtract`). `first_default`: without a count, the parent's partitioning, not the
    /// default-partitioner rule (Spark's `subtract`, `subtract_by_key`).
    Join {
        by_element: bool,
        first_default: bool,
    },
    /// Three inputs (the parent, `b`, `c`) brought to one partitioner by key, `group_with`
    /// (`expand/three_shuffles.rs`, the engine's `ThreeShuffles`).
    Join3,
    /// Partition `i * m + j` pairs partition `i` of the parent with partition `j` of `other`
    /// (`m` partitions), narrow on both (`expand/cartesian.rs`).
    Cartesian,
}

/// What an argument is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arg {
    /// A closure or function, pasted into each task (`move` added).
    Closure(&'static str),
    /// A value expression evaluated in each task.
    Value(&'static str),
    /// Another node of the pipeline.
    Node(&'static str),
    /// A partition count, evaluated once in `new`.
    Partitions,
}

/// What the parent's elements must be.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    Any,
    /// Key-value pairs `(K, V)`.
    Pairs,
    /// Key-value pairs whose key is a shuffle key (`Hash + Eq`).
    KeyedPairs,
}

pub(crate) struct OpSpec {
    pub name: &'static str,
    pub shape: Shape,
    pub args: &'static [Arg],
    /// A partition count may follow the arguments.
    pub optional_partitions: bool,
    pub input: Input,
}

use Arg::*;
use Input::*;
use Shape::*;

const fn narrow(name: &'static str, keeps: bool, args: &'static [Arg]) -> OpSpec {
    OpSpec {
        name,
        shape: Narrow {
            keeps_partitioner: keeps,
            state: false,
        },
        args,
        optional_partitions: false,
        input: Any,
    }
}

/// A narrow operator on key-value pairs.
const fn narrow_pairs(name: &'static str, keeps: bool, args: &'static [Arg]) -> OpSpec {
    OpSpec {
        input: Pairs,
        ..narrow(name, keeps, args)
    }
}

/// A narrow operator whose node holds state prepared before each job.
const fn narrow_state(name: &'static str, keeps: bool) -> OpSpec {
    OpSpec {
        shape: Narrow {
            keeps_partitioner: keeps,
            state: true,
        },
        ..narrow(name, keeps, &[])
    }
}

/// An operator that reads its parents' partitions itself.
const fn reads_parents(name: &'static str, args: &'static [Arg], input: Input) -> OpSpec {
    OpSpec {
        name,
        shape: ReadsParents,
        args,
        optional_partitions: false,
        input,
    }
}

const fn wide(name: &'static str, args: &'static [Arg]) -> OpSpec {
    OpSpec {
        name,
        shape: Wide {
            by_key: true,
            sampled: false,
            elements: false,
        },
        args,
        optional_partitions: true,
        input: KeyedPairs,
    }
}

/// A two-input wide operator: `other` is the right input, a partition count may follow.
const fn join(name: &'static str) -> OpSpec {
    OpSpec {
        name,
        shape: Join {
            by_element: false,
            first_default: false,
        },
        args: &[Node("other")],
        optional_partitions: true,
        input: KeyedPairs,
    }
}

pub(crate) const OPERATORS: &[OpSpec] = &[
    narrow("map", false, &[Closure("f")]),
    narrow("filter", true, &[Closure("f")]),
    narrow("flat_map", false, &[Closure("f")]),
    narrow("filter_map", false, &[Closure("f")]),
    narrow("map_partitions", false, &[Closure("f")]),
    narrow_pairs("map_values", true, &[Closure("f")]),
    narrow_pairs("flat_map_values", true, &[Closure("f")]),
    narrow("key_by", false, &[Closure("f")]),
    narrow("sample", true, &[Value("fraction"), Value("seed")]),
    narrow("inspect", true, &[Closure("f")]),
    narrow_pairs("keys", false, &[]),
    narrow_pairs("values", false, &[]),
    narrow("glom", false, &[]),
    narrow("map_partitions_with_index", false, &[Closure("f")]),
    reads_parents("zip", &[Node("other")], Any),
    narrow_state("zip_with_index", false),
    narrow_state("zip_with_unique_id", false),
    narrow(
        "sample_with_replacement",
        true,
        &[Value("fraction"), Value("seed")],
    ),
    reads_parents("filter_by_range", &[Value("lo"), Value("hi")], Pairs),
    OpSpec {
        name: "coalesce",
        shape: Coalesce,
        args: &[Partitions],
        optional_partitions: false,
        input: Any,
    },
    reads_parents("union", &[Node("other")], Any),
    wide("reduce_by_key", &[Closure("f")]),
    wide("fold_by_key", &[Value("zero"), Closure("f")]),
    wide(
        "aggregate_by_key",
        &[Value("zero"), Closure("seq"), Closure("comb")],
    ),
    wide(
        "combine_by_key",
        &[
            Closure("create"),
            Closure("merge_value"),
            Closure("merge_combiners"),
        ],
    ),
    wide("group_by_key", &[]),
    // Hashed by the whole element, not by a key: in place (keeping the partitioner) when the
    // input has one, else shuffled without one.
    OpSpec {
        shape: Wide {
            by_key: false,
            sampled: false,
            elements: true,
        },
        input: Any,
        ..wide("distinct", &[])
    },
    OpSpec {
        optional_partitions: false,
        ..wide("partition_by", &[Partitions])
    },
    OpSpec {
        shape: Wide {
            by_key: false,
            sampled: false,
            elements: false,
        },
        optional_partitions: false,
        input: Any,
        ..wide("repartition", &[Partitions])
    },
    OpSpec {
        shape: Wide {
            by_key: false,
            sampled: true,
            elements: false,
        },
        input: Pairs,
        ..wide("sort_by_key", &[Value("ascending")])
    },
    OpSpec {
        shape: Wide {
            by_key: false,
            sampled: true,
            elements: false,
        },
        input: Any,
        ..wide("sort_by", &[Closure("f"), Value("ascending")])
    },
    join("join"),
    join("left_outer_join"),
    join("right_outer_join"),
    join("full_outer_join"),
    join("cogroup"),
    // Issue 14: the remaining wide operators.
    OpSpec {
        name: "group_with",
        shape: Join3,
        args: &[Node("b"), Node("c")],
        ..join("group_with")
    },
    OpSpec {
        name: "cartesian",
        shape: Cartesian,
        optional_partitions: false,
        input: Any,
        ..join("cartesian")
    },
    OpSpec {
        shape: Join {
            by_element: true,
            first_default: false,
        },
        input: Any,
        ..join("intersection")
    },
    OpSpec {
        shape: Join {
            by_element: true,
            first_default: true,
        },
        input: Any,
        ..join("subtract")
    },
    OpSpec {
        shape: Join {
            by_element: false,
            first_default: true,
        },
        ..join("subtract_by_key")
    },
    OpSpec {
        optional_partitions: false,
        ..wide("repartition_and_sort_within_partitions", &[Partitions])
    },
];

pub(crate) struct SourceSpec {
    pub name: &'static str,
    /// Engine type, relative to `::rddflow::__private::sources`.
    pub ty: &'static str,
    /// Whether the type takes the element type as a parameter.
    pub generic: bool,
    pub arg: &'static str,
}

pub(crate) const SOURCES: &[SourceSpec] = &[
    SourceSpec {
        name: "parallelize",
        ty: "parallelize::ParallelizeSource",
        generic: true,
        arg: "iterable",
    },
    SourceSpec {
        name: "range",
        ty: "range::RangeSource",
        generic: false,
        arg: "a..b",
    },
    SourceSpec {
        name: "text_file",
        ty: "text_file::TextFileSource",
        generic: true,
        arg: "path",
    },
    SourceSpec {
        name: "json_lines",
        ty: "json_lines::JsonLinesSource",
        generic: true,
        arg: "path",
    },
    SourceSpec {
        name: "csv_file",
        ty: "csv_file::CsvFileSource",
        generic: true,
        arg: "path",
    },
    SourceSpec {
        name: "parquet_file",
        ty: "parquet_file::ParquetFileSource",
        generic: true,
        arg: "path",
    },
];

pub(crate) fn operator(name: &str) -> Option<&'static OpSpec> {
    OPERATORS.iter().find(|o| o.name == name)
}

pub(crate) fn source(name: &str) -> Option<&'static SourceSpec> {
    SOURCES.iter().find(|s| s.name == name)
}

impl OpSpec {
    /// Whether the partition argument may be a `KeyPartitioner` (of the input's keys for the
    /// keyed shuffles, of the whole element for `intersection` and `subtract`, as Spark's
    /// overloads taking a `Partitioner`), not only a count.
    pub fn takes_partitioner(&self) -> bool {
        self.partitions_by_element()
            || self.input == KeyedPairs
                && matches!(
                    self.shape,
                    Wide { by_key: true, .. }
                        | Join {
                            by_element: false,
                            ..
                        }
                        | Join3
                )
    }

    /// Whether the partitioner places whole elements (`intersection`, `subtract`), not keys.
    pub fn partitions_by_element(&self) -> bool {
        matches!(
            self.shape,
            Join {
                by_element: true,
                ..
            }
        )
    }

    /// `reduce_by_key(f[, partitions])`, for messages.
    pub fn signature(&self) -> String {
        let mut args: Vec<String> = self
            .args
            .iter()
            .map(|a| match a {
                Closure(n) | Value(n) | Node(n) => n.to_string(),
                Partitions => "partitions".into(),
            })
            .collect();
        if self.optional_partitions {
            args.push("[partitions]".into());
        }
        format!("{}({})", self.name, args.join(", "))
    }
}

/// The actions of `Dataset` (SPEC.md section 4): called on a node's handle, never written as a
/// node's operator; `unknown operator` says so when one is.
pub(crate) const ACTIONS: &[&str] = &[
    "collect",
    "count",
    "reduce",
    "fold",
    "aggregate",
    "take",
    "first",
    "for_each",
    "count_by_key",
    "count_by_value",
    "collect_map",
    "save_as_text_file",
    "save_as_csv",
    "save_as_json_lines",
    "save_as_parquet",
    "top",
    "take_ordered",
    "max",
    "min",
    "sum",
    "mean",
    "stats",
    "histogram",
    "take_sample",
    "is_empty",
    "lookup",
    "to_local_iterator",
    "count_approx_distinct",
    "tree_reduce",
    "tree_aggregate",
    "for_each_partition",
];

/// `Dataset` methods that a pipeline writes as node attributes, with the attribute.
pub(crate) const ATTRIBUTE_METHODS: &[(&str, &str)] = &[
    ("cache", "#[cache]"),
    ("persist", "#[persist(memory)]"),
    ("checkpoint", "#[checkpoint]"),
    ("local_checkpoint", "#[checkpoint(local)]"),
];
