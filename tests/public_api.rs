//! The facade's front page lists only what a program calls: each public item of `src/lib.rs`
//! is read from the source and compared with the list below, and the list is compiled against
//! the crate (so an item that is listed but gone fails to build). What only generated code
//! needs lives under the hidden `rddflow::__private`.

use std::collections::BTreeSet;

// Every name below must exist at the top of the crate.
#[allow(unused_imports)]
use rddflow::{Accumulator, AccumulatorValue, Broadcast};
#[allow(unused_imports)]
use rddflow::{AsciiWhitespace, Pieces, Separator, Text, Whitespace};
#[allow(unused_imports)]
use rddflow::{
    CheckpointKind, CheckpointStatus, Checkpointable, Context, ContextBuilder, Data, Dataset,
    DiskStorable, Error, GraphNode, Key, Node, NodeInfo, NodeKind, Pair, PairMap, Param,
    Partitioner, PipelineGraph, Rdd, RddNode, Result, StorageLevel, StorageState, dsl, listener,
    pipeline, prelude,
};

/// The user-facing items of the crate root.
const USER_FACING: &[&str] = &[
    "Accumulator",
    "AccumulatorValue",
    "AsciiWhitespace",
    "Broadcast",
    "Buckets",
    "CheckpointKind",
    "CheckpointStatus",
    "Checkpointable",
    "Compression",
    "Context",
    "ContextBuilder",
    "Data",
    "Dataset",
    "DiskStorable",
    "Error",
    "GraphNode",
    "Key",
    "KeyPartitioner",
    "LocalIterator",
    "Node",
    "NodeInfo",
    "NodeKind",
    "Numeric",
    "Pair",
    "PairMap",
    "Param",
    "Pieces",
    "Partitioner",
    "PipelineGraph",
    "RangePartitioner",
    "Rdd",
    "RddNode",
    "Result",
    "SaveOptions",
    "Separator",
    "StatCounter",
    "StorageLevel",
    "StorageState",
    "Text",
    "UserPartitioner",
    "Whitespace",
    "default_partitioner",
    "dsl",
    "listener",
    "pipeline",
    "prelude",
];

/// The names a `pub use` / `pub mod` statement makes public: the last segment of each path
/// (or its `as` name); `*` for a glob.
fn names(statement: &str) -> Vec<String> {
    let body = statement
        .trim_start_matches("pub use")
        .trim_start_matches("pub mod")
        .trim()
        .trim_end_matches(';')
        .trim_end_matches('{')
        .trim();
    let list = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) => &body[a + 1..b],
        _ => body,
    };
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let s = s.rsplit(" as ").next().unwrap_or(s);
            s.rsplit("::").next().unwrap_or(s).trim().to_string()
        })
        .collect()
}

/// The public items of the crate root of `src`, each with whether it is `#[doc(hidden)]`.
fn root_items(src: &str) -> Vec<(String, bool)> {
    let mut items = Vec::new();
    let mut hidden = false;
    let mut depth = 0usize;
    let mut statement: Option<String> = None;
    for line in src.lines() {
        let t = line.trim();
        if let Some(s) = statement.as_mut() {
            s.push(' ');
            s.push_str(t);
            if t.ends_with(';') {
                let s = statement.take().unwrap_or_default();
                items.extend(names(&s).into_iter().map(|n| (n, hidden)));
                hidden = false;
            }
            continue;
        }
        if depth == 0 && !line.starts_with(' ') {
            if t == "#[doc(hidden)]" {
                hidden = true;
            } else if t.starts_with("pub use") || t.starts_with("pub mod") {
                if t.ends_with(';') || (t.starts_with("pub mod") && t.ends_with('{')) {
                    items.extend(names(t).into_iter().map(|n| (n, hidden)));
                    hidden = false;
                } else {
                    // A `use` list over several lines: its braces are not blocks.
                    statement = Some(t.to_string());
                    continue;
                }
            } else if t.starts_with("pub ") {
                items.push((t.to_string(), hidden));
                hidden = false;
            } else if !t.starts_with("#[") && !t.starts_with("//") && !t.is_empty() {
                hidden = false;
            }
        }
        depth += line.matches('{').count();
        depth = depth.saturating_sub(line.matches('}').count());
    }
    items
}

#[test]
fn the_crate_root_lists_only_user_facing_items() {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs"))
        .expect("the facade's source");
    let items = root_items(&src);
    let visible: BTreeSet<String> = items
        .iter()
        .filter(|(_, hidden)| !hidden)
        .map(|(n, _)| n.clone())
        .collect();
    let hidden: BTreeSet<String> = items
        .iter()
        .filter(|(_, hidden)| *hidden)
        .map(|(n, _)| n.clone())
        .collect();
    let expected: BTreeSet<String> = USER_FACING.iter().map(|s| s.to_string()).collect();
    assert!(
        !visible.contains("*"),
        "a glob re-export is back: {visible:?}"
    );
    assert_eq!(
        visible, expected,
        "the crate root's public items changed: a new user-facing item belongs in USER_FACING, \
         anything else under `__private`"
    );
    assert_eq!(
        hidden,
        BTreeSet::from(["__private".to_string()]),
        "only `__private` is hidden"
    );
}

#[test]
fn the_reader_sees_globs_lists_and_hidden_items() {
    let src = "\
pub use a::*;
pub use b::{C, D as E,
    f::G};
#[doc(hidden)]
pub use h::__private;
pub mod dsl;
mod inner {
    pub use x::Y;
}
";
    let got = root_items(src);
    let want: Vec<(String, bool)> = [
        ("*", false),
        ("C", false),
        ("E", false),
        ("G", false),
        ("__private", true),
        ("dsl", false),
    ]
    .iter()
    .map(|(n, h)| (n.to_string(), *h))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn the_listener_module_has_the_observability_types() {
    // What a listener implementation names: events, metrics, summaries.
    fn _names(
        _: &dyn listener::Listener,
        _: &listener::Event,
        _: &listener::TaskMetrics,
        _: &listener::JobSummary,
        _: &listener::JobReport,
        _: listener::StageKind,
    ) {
    }
    let summary = std::sync::Arc::new(listener::JobSummary::default());
    let ctx = Context::builder()
        .threads(1)
        .listener(summary.clone())
        .build()
        .expect("context");
    rddflow::pipeline! {
        struct Api(n: u64) {
            nums: u64 = range(0..n, 2);
        }
    }
    let api = Api::new(&ctx, 10).expect("graph");
    assert_eq!(api.nums.count().expect("count"), 10);
    assert_eq!(summary.jobs().len(), 1);
}
