//! Pipeline pictures: `graph().to_dot()` and `.to_mermaid()` tell shuffle edges, checkpointed
//! and cached nodes apart, and the DOT files behind the README's pictures are what the
//! examples print now.

use std::process::Command;

rddflow::pipeline! {
    struct Kinds() {
        nums: u64 = range(0..10);
        #[checkpoint]
        pairs: (u64, u64) = nums.map(|x| (x % 2, x));
        #[persist(memory_and_disk)]
        sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b);
        #[cache]
        big: (u64, u64) = sums.filter(|(_, s)| *s > 3);
    }
}

#[test]
fn dot_marks_shuffle_edges_checkpoints_and_caches() {
    let dot = Kinds::graph().to_dot();
    let line = |name: &str| {
        dot.lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{name}\" [")))
            .unwrap_or_else(|| panic!("no node {name} in\n{dot}"))
            .to_string()
    };
    assert!(
        dot.contains("  \"pairs\" -> \"sums\" [style=dashed, label=\"shuffle\"];"),
        "{dot}"
    );
    assert!(dot.contains("  \"nums\" -> \"pairs\";"), "{dot}");
    assert!(dot.contains("  \"sums\" -> \"big\";"), "{dot}");
    assert!(dot.starts_with("digraph \"Kinds\" {"), "{dot}");
    assert!(
        line("pairs").contains("peripheries=2"),
        "checkpointed: doubled border"
    );
    assert!(!line("nums").contains("peripheries"));
    for cached in ["sums", "big"] {
        assert!(line(cached).contains("filled"), "cached: filled");
    }
    assert!(!line("pairs").contains("filled"));
    assert!(line("sums").contains("#[persist(memory_and_disk)]"));
}

#[test]
fn mermaid_marks_shuffle_edges_checkpoints_and_caches() {
    let m = Kinds::graph().to_mermaid();
    assert!(m.contains("  pairs -. shuffle .-> sums"), "{m}");
    assert!(m.contains("  nums --> pairs"), "{m}");
    assert!(
        m.contains("  pairs[[\""),
        "checkpointed: subroutine shape\n{m}"
    );
    assert!(m.contains("  nums[\""), "{m}");
    assert!(m.contains("  style sums fill:"), "{m}");
    assert!(m.contains("  style big fill:"), "{m}");
    assert!(!m.contains("style pairs"), "{m}");
}

/// What `cargo run --example NAME -- ARGS` prints.
fn example_output(name: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", name, "--"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn committed_dot_files_are_what_the_examples_print() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    for (file, example, args) in [
        ("wordcount.dot", "wordcount", &["--dot"][..]),
        ("pagerank-graph.dot", "pagerank", &["--dot", "graph"][..]),
        ("pagerank-step.dot", "pagerank", &["--dot", "step"][..]),
    ] {
        let committed = std::fs::read_to_string(docs.join(file)).unwrap();
        assert_eq!(
            committed,
            example_output(example, args),
            "docs/{file} is stale: regenerate it and its SVG with the commands in the README"
        );
        let svg = docs.join(file.replace(".dot", ".svg"));
        assert!(svg.is_file(), "{} is committed", svg.display());
    }
}
