//! The engine's modules form layers: no top-level module (a file `x.rs` or a folder `x/` under
//! `src/`) refers to one that refers back to it, directly or through others. A failure lists
//! every cycle with its edges and one `file:line` per edge, the reference to move.

#[path = "module_layers/checker.rs"]
mod checker;

use std::path::Path;

use checker::{Graph, Source, graph};

/// Every `.rs` file under `dir`, with its path relative to `root`.
fn sources_under(root: &Path, dir: &Path, out: &mut Vec<Source>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("src/ is readable").path();
        if path.is_dir() {
            sources_under(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("under src/");
            out.push(Source {
                path: rel.to_string_lossy().replace('\\', "/"),
                text: std::fs::read_to_string(&path).expect("a source file is UTF-8"),
            });
        }
    }
}

#[test]
fn engine_modules_have_no_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    sources_under(&root, &root, &mut sources);
    assert!(
        sources.iter().any(|s| s.path == "lib.rs"),
        "the engine's sources were found"
    );
    let g = graph(&sources).unwrap();
    let cycles = g.cycles();
    let report: String = cycles.iter().map(ToString::to_string).collect();
    assert!(
        cycles.is_empty(),
        "engine modules that import each other (move what an edge uses below both ends):\n{report}"
    );
}

/// The graph of in-memory files `(path under src/, text)`.
fn graph_of(files: &[(&str, &str)]) -> Graph {
    let sources: Vec<Source> = files
        .iter()
        .map(|(path, text)| Source {
            path: path.to_string(),
            text: text.to_string(),
        })
        .collect();
    graph(&sources).unwrap()
}

/// The edges of a graph as `from -> to` strings.
fn edges(g: &Graph) -> Vec<String> {
    g.edges.keys().map(|(a, b)| format!("{a} -> {b}")).collect()
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).expect("needle in text")]
        .matches('\n')
        .count()
        + 1
}

#[test]
fn a_cycle_is_found_with_its_edges_and_lines() {
    let a = "use std::fmt;\n\npub fn f() -> crate::b::B {\n    crate::b::B\n}\n";
    let b = "pub struct B;\n\nfn g() {\n    let _ = crate::a::f();\n}\n";
    let c = "use crate::a::f;\n";
    let g = graph_of(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("a.rs", a),
        ("b.rs", b),
        ("c.rs", c),
    ]);
    let cycles = g.cycles();
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].modules, ["a", "b"]);
    let found: Vec<(String, String, String)> = cycles[0]
        .edges
        .iter()
        .map(|(x, y, s)| (x.clone(), y.clone(), s.to_string()))
        .collect();
    let expected = [
        ("a", "b", format!("a.rs:{}", line_of(a, "crate::b::B"))),
        ("b", "a", format!("b.rs:{}", line_of(b, "crate::a::f"))),
    ]
    .map(|(x, y, s)| (x.to_string(), y.to_string(), s));
    assert_eq!(found, expected);
    // `c` uses `a` but nothing comes back to it: an edge, not part of the cycle.
    assert!(edges(&g).contains(&"c -> a".to_string()));
    let printed = cycles[0].to_string();
    assert!(printed.contains("a -> b  (a.rs:3)"), "{printed}");
}

#[test]
fn a_dag_is_accepted() {
    let g = graph_of(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("a.rs", "use crate::b::B;\nuse crate::c::C;\n"),
        ("b.rs", "use crate::c::C;\npub struct B(C);\n"),
        ("c.rs", "pub struct C;\n"),
    ]);
    assert_eq!(edges(&g), ["a -> b", "a -> c", "b -> c"]);
    assert!(g.cycles().is_empty());
}

#[test]
fn use_trees_and_calls_are_counted() {
    let g = graph_of(&[
        ("a.rs", "use crate::{b, c::d};\n"),
        ("e.rs", "fn f() {\n    crate::x::f();\n}\n"),
        ("b.rs", ""),
        ("c.rs", ""),
        ("x.rs", ""),
    ]);
    assert_eq!(edges(&g), ["a -> b", "a -> c", "e -> x"]);
}

#[test]
fn super_inside_a_folder_module_stays_in_it() {
    let g = graph_of(&[
        ("x/mod.rs", "mod y;\npub struct Z;\n"),
        ("x/y.rs", "use super::Z;\nuse super::super::w::W;\n"),
        ("w.rs", "pub struct W;\n"),
    ]);
    // `super::Z` is `x::Z` (no edge); `super::super::w` climbs to the root (an edge).
    assert_eq!(edges(&g), ["x -> w"]);
}

#[test]
fn root_reexports_macros_and_test_code() {
    let g = graph_of(&[
        ("lib.rs", "mod error;\npub use error::Error;\n"),
        ("error.rs", "pub struct Error;\n"),
        ("a.rs", "fn f() -> crate::Error {\n    todo!()\n}\n"),
        ("b.rs", "fn f() -> Vec<u8> {\n    vec![crate::c::g()]\n}\n"),
        (
            "c.rs",
            "#[cfg(test)]\nmod tests {\n    use crate::d::D;\n}\n",
        ),
        ("d.rs", ""),
    ]);
    // `crate::Error` is `error`'s; a macro's tokens count; a test module does not.
    assert_eq!(edges(&g), ["a -> error", "b -> c"]);
}

#[test]
fn every_cycle_is_listed_apart() {
    let g = graph_of(&[
        ("a.rs", "use crate::b::B;\n"),
        ("b.rs", "use crate::c::C;\n"),
        ("c.rs", "use crate::a::A;\n"),
        ("d.rs", "use crate::e::E;\n"),
        ("e.rs", "use crate::d::D;\n"),
        ("f.rs", "use crate::a::A;\nuse crate::d::D;\n"),
    ]);
    let cycles: Vec<Vec<String>> = g.cycles().into_iter().map(|c| c.modules).collect();
    assert_eq!(cycles, [vec!["a", "b", "c"], vec!["d", "e"]]);
}
