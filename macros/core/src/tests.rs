//! The macro without a compiler: a snapshot of one expansion, and the parse and validate phases
//! on malformed inputs (each must give errors, never panic).

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::File;

/// The expansion as formatted Rust source.
fn expand(input: TokenStream) -> String {
    let tokens = crate::expand(input);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as Rust items");
    prettyplease::unparse(&file)
}

/// A source, a narrow `map` marked `#[checkpoint]` and a wide `reduce_by_key`.
#[test]
fn expansion_snapshot() {
    let text = expand(quote! {
        /// Counts of the last digits of `0..n`.
        pub struct Digits(n: u64) {
            nums: u64 = range(0..n);
            /// `(last digit, 1)`.
            #[checkpoint]
            ones: (u64, u64) = nums.map(|x| (x % 10, 1));
            counts: (u64, u64) = ones.reduce_by_key(|a, b| a + b);
        }
    });

    // One struct per node, each an `RddNode` with its own `do_checkpoint`.
    for node in ["DigitsNums", "DigitsOnes", "DigitsCounts"] {
        assert!(
            text.contains(&format!("pub struct {node} {{")),
            "no struct {node}:\n{text}"
        );
        assert!(
            text.contains(&format!("impl ::rddflow::RddNode for {node} {{")),
            "no RddNode impl for {node}:\n{text}"
        );
    }
    assert_eq!(
        text.matches("impl ::rddflow::RddNode for").count(),
        3,
        "{text}"
    );
    assert_eq!(text.matches("fn do_checkpoint(").count(), 3, "{text}");
    // Spark's recursion: the source has no parents to recurse into; the others do.
    assert_eq!(
        text.matches("::rddflow::Dataset::do_checkpoint(&__p.0, __pass);")
            .count(),
        4,
        "{text}"
    );
    // The pipeline struct, its constructor and graph description.
    assert!(text.contains("pub struct Digits {"), "{text}");
    assert!(text.contains("pub fn new("), "{text}");
    assert!(
        text.contains("pub fn graph() -> ::rddflow::PipelineGraph"),
        "{text}"
    );
    // Only the marked node is marked, reliably.
    assert_eq!(
        text.matches("::rddflow::__private::mark_checkpoint::<")
            .count(),
        1,
        "{text}"
    );
    // The wide node holds the engine's one-shuffle protocol, gives it its map side, and
    // reads through it; the protocol itself (map tasks, dependencies, release) is not
    // generated.
    assert_eq!(
        text.matches("__exchange: ::rddflow::__private::OneShuffle<")
            .count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches("impl ::rddflow::__private::OneShuffleNode for DigitsCounts")
            .count(),
        1,
        "{text}"
    );
    assert_eq!(text.matches("fn exchange(").count(), 1, "{text}");
    // Every other protocol method (map tasks, dependencies, release) is the engine's.
    assert_eq!(text.matches("fn dependencies(").count(), 0, "{text}");
    assert!(
        text.contains("::rddflow::__private::ops::reduce_by_key::Op::<"),
        "{text}"
    );
    // `map_side` once, in the hook the engine calls for map tasks and co-partitioned reads.
    assert_eq!(text.matches("::map_side(").count(), 1, "{text}");
    assert_eq!(text.matches("::reduce_side(").count(), 1, "{text}");
    assert_eq!(
        text.matches("::rddflow::__private::OneShuffle::read(")
            .count(),
        1,
        "{text}"
    );

    insta::assert_snapshot!("expansion", text);
}

/// A two-input wide node: one engine value for both shuffles, built once in `new` (which
/// decides co-partitioning there), read in `compute`, given to the scheduler by `exchange`.
#[test]
fn join_expansion() {
    let text = expand(quote! {
        pub struct J(n: u64) {
            nums: u64 = range(0..n);
            a: (u64, u64) = nums.map(|x| (x, x));
            b: (u64, String) = nums.map(|x| (x, x.to_string()));
            j: (u64, (u64, String)) = a.join(b, 3);
        }
    });
    assert!(text.contains("pub struct JJ {"), "{text}");
    // The engine's two-shuffle protocol, typed by both parents, does the shuffles,
    // co-partitioning, map sides and release: none of it is generated.
    assert!(
        text.contains("__exchange: ::rddflow::__private::TwoShuffles<"),
        "{text}"
    );
    assert!(
        text.contains("::rddflow::__private::ops::join::Op::<"),
        "{text}"
    );
    assert_eq!(text.matches("::map_side(").count(), 0, "{text}");
    assert_eq!(text.matches("::reduce_side(").count(), 1, "{text}");
    assert_eq!(
        text.matches("::rddflow::__private::TwoShuffles::read(")
            .count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches("::rddflow::__private::TwoShuffles::new(")
            .count(),
        1,
        "{text}"
    );
    assert_eq!(text.matches("fn exchange(").count(), 1, "{text}");
    // Spark's recursion goes into both parents.
    assert!(
        text.contains("::rddflow::Dataset::do_checkpoint(&__p.1, __pass);"),
        "{text}"
    );
}

/// Runs parse and, when parsing succeeds, validation of every pipeline; returns the messages
/// of all errors (empty when the input is valid).
fn errors(input: TokenStream) -> Vec<String> {
    let file = match syn::parse2::<File>(input) {
        Ok(f) => f,
        Err(e) => return e.into_iter().map(|e| e.to_string()).collect(),
    };
    file.pipelines
        .iter()
        .filter_map(|p| crate::graph::check(p).err())
        .flat_map(|e| e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>())
        .collect()
}

/// Asserts that `input` is rejected with an error whose message contains `expected`, and that
/// the whole macro turns it into `compile_error!` rather than panicking.
#[track_caller]
fn assert_rejected(input: TokenStream, expected: &str) {
    let errs = errors(input.clone());
    assert!(!errs.is_empty(), "accepted: {input}");
    assert!(
        errs.iter().any(|e| e.contains(expected)),
        "no error containing {expected:?} for `{input}`; got {errs:#?}"
    );
    let out = crate::expand(input).to_string();
    assert!(out.contains("compile_error"), "no compile_error! in {out}");
}

#[test]
fn the_valid_pipeline_has_no_errors() {
    let errs = errors(quote! {
        pub struct P(n: u64, input: Rdd<(u64, u64)>) {
            nums: u64 = range(0..n);
            pairs: (u64, u64) = nums.map(|x| (x, x));
            both: (u64, u64) = pairs.union(input);
            sums: (u64, u64) = both.reduce_by_key(|a, b| a + b, 4);
        }
    });
    assert_eq!(errs, Vec::<String>::new());
}

#[test]
fn not_a_pipeline() {
    assert_rejected(quote!(), "expected a pipeline");
    assert_rejected(
        quote!(
            fn main() {}
        ),
        "expected `struct`",
    );
    assert_rejected(
        quote!(pub struct P { a: u64 = range(0..1); }),
        "expected the parameters of `P`",
    );
    assert_rejected(quote!(pub struct P(n) {}), "expected `:`");
    assert_rejected(
        quote!(
            pub struct P();
        ),
        "expected curly braces",
    );
}

#[test]
fn empty_pipeline() {
    assert_rejected(quote!(pub struct P(n: u64) {}), "has no nodes");
    assert_rejected(quote!(pub struct P(n: u64) { ; ; }), "has no nodes");
}

#[test]
fn malformed_nodes() {
    assert_rejected(
        quote!(struct P() { a = range(0..1); }),
        "node `a` has no element type",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1) }),
        "expected `;` after this node",
    );
    assert_rejected(quote!(struct P() { a: u64 = 5; }), "expected a source call");
    assert_rejected(quote!(struct P() { a: u64; }), "expected `=`");
    assert_rejected(quote!(struct P() { a: = range(0..1); }), "expected one of");
    assert_rejected(quote!(struct P() { 123; }), "expected identifier");
    assert_rejected(
        quote!(struct P() { a: u64 = (range)(0..1); }),
        "expected a source",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = a.map(|x| x).filter(|x| *x > 0); }),
        "chains two operators (`map` then `filter`)",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = a.map::<u64>(|x| x); }),
        "operators take no type arguments",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = (a).map(|x| x); }),
        "expected the name of a parent node",
    );
}

#[test]
fn names() {
    assert_rejected(
        quote!(struct P() { lines: u64 = range(0..1); b: u64 = lnes.map(|x| x); }),
        "unknown node `lnes` (did you mean `lines`?)",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); a: u64 = range(0..2); }),
        "duplicate node `a`",
    );
    assert_rejected(
        quote!(struct P(a: u64) { a: u64 = range(0..1); }),
        "duplicate node `a`",
    );
    assert_rejected(
        quote!(struct P(v: Vec<u64>) { a: u64 = v.map(|x| x); }),
        "`v` is a value parameter of type `Vec<u64>`, not a node",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = a.union(c); }),
        "unknown node `c`",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = a.union(a.map(|x| x)); }),
        "`union` takes the name of another node",
    );
}

#[test]
fn a_broken_node_is_not_reported_again_as_unknown() {
    let errs = errors(quote! {
        struct P() {
            a: u64 = range(0..1);
            #[cache(forever)]
            b: u64 = a.map(|x| x);
            c: u64 = b.map(|x| x);
        }
    });
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(
        errs[0].contains("`#[cache]` takes no arguments"),
        "{errs:#?}"
    );
}

#[test]
fn cycles() {
    assert_rejected(
        quote!(struct P() { a: u64 = c.map(|x| x); b: u64 = a.map(|x| x); c: u64 = b.map(|x| x); }),
        "cycle: a -> b -> c -> a",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = a.map(|x| x); }),
        "cycle: a -> a",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = a.union(b); }),
        "cycle: b -> b",
    );
}

#[test]
fn operators_and_sources() {
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = a.mapp(|x| x); }),
        "unknown operator `mapp` (did you mean `map`?); the operators are `map`, `filter`",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = a.range(0..1); }),
        "`range` is a source",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = rnge(0..1); }),
        "unknown source `rnge` (did you mean `range`?)",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = map(|x| x); }),
        "`map` is an operator",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = a.map(|x| x, 4); }),
        "`map` takes 1 argument but 2 were given",
    );
    assert_rejected(
        quote!(struct P() { a: (u64, u64) = range(0..1); b: (u64, u64) = a.reduce_by_key(); }),
        "`reduce_by_key` takes 1 or 2 arguments but 0 were given",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(); }),
        "`range` takes 1 or 2 arguments",
    );
    assert_rejected(
        quote!(struct P() { a: (u64, u64) = range(0..1); b: (u64, (u64, u64)) = a.join(); }),
        "`join` takes 1 or 2 arguments but 0 were given: `join(other, [partitions])`",
    );
    assert_rejected(
        quote!(struct P() { a: (u64, u64) = range(0..1); b: (u64, (u64, u64)) = a.cogroup(a, 2, 3); }),
        "`cogroup` takes 1 or 2 arguments but 3 were given",
    );
    assert_rejected(
        quote!(struct P() { a: (u64, u64) = range(0..1); b: (u64, (u64, u64)) = a.join(c); }),
        "unknown node `c`",
    );
    assert_rejected(
        quote!(struct P() { a: (u64, u64) = range(0..1); b: (u64, (u64, u64)) = a.left_outer_join(a.map(|x| x)); }),
        "`left_outer_join` takes the name of another node",
    );
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = a.sample(0.5); }),
        "`sample` takes 2 arguments but 1 was given",
    );
}

#[test]
fn element_types_the_operator_cannot_take() {
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: u64 = a.reduce_by_key(|x, y| x + y); }),
        "`reduce_by_key` takes key-value pairs `(K, V)`, but the elements of `a` are `u64`",
    );
    assert_rejected(
        quote!(struct P() { a: (u64, u64, u64) = range(0..1); b: u64 = a.group_by_key(); }),
        "the elements of `a` are `(u64, u64, u64)`",
    );
    assert_rejected(
        quote!(struct P(a: Rdd<String>) { b: String = a.map_values(|v| v); }),
        "`map_values` takes key-value pairs",
    );
    assert_rejected(
        quote!(struct P() { a: (f64, u64) = range(0..1); b: (f64, u64) = a.reduce_by_key(|x, y| x + y); }),
        "the key type `f64` of `a` is not `Hash + Eq`",
    );
    assert_rejected(
        quote!(struct P() { a: ((u32, f32), u64) = range(0..1); b: (u64, u64) = a.group_by_key(); }),
        "the key type `(u32, f32)` of `a` is not `Hash + Eq`",
    );
    // Both inputs of a join must be pairs with a shuffle key.
    assert_rejected(
        quote!(struct P() { a: u64 = range(0..1); b: (u64, u64) = range(0..1); c: (u64, (u64, u64)) = a.join(b); }),
        "`join` takes key-value pairs `(K, V)`, but the elements of `a` are `u64`",
    );
    assert_rejected(
        quote!(struct P() { a: (u64, u64) = range(0..1); b: String = range(0..1); c: (u64, (u64, u64)) = a.full_outer_join(b); }),
        "`full_outer_join` takes key-value pairs `(K, V)`, but the elements of `b` are `String`",
    );
    assert_rejected(
        quote!(struct P() { a: (u64, u64) = range(0..1); b: (f32, u64) = range(0..1); c: (u64, (u64, u64)) = a.cogroup(b); }),
        "the key type `f32` of `b` is not `Hash + Eq`",
    );
    // What syntax cannot decide is left to the compiler.
    let errs = errors(quote! {
        struct P() {
            a: Visit = range(0..1);
            b: Visit = a.reduce_by_key(|x, y| x);
            c: (Score, u64) = range(0..1);
            d: (Score, u64) = c.reduce_by_key(|x, y| x);
        }
    });
    assert_eq!(errs, Vec::<String>::new());
}

#[test]
fn attributes() {
    assert_rejected(
        quote!(struct P() { #[chekpoint] a: u64 = range(0..1); }),
        "unknown node attribute `chekpoint` (did you mean `checkpoint`?)",
    );
    assert_rejected(
        quote!(struct P() { #[checkpoint] #[checkpoint(local)] a: u64 = range(0..1); }),
        "conflicting checkpoint attributes",
    );
    assert_rejected(
        quote!(struct P() { #[checkpoint(remote)] a: u64 = range(0..1); }),
        "expected `#[checkpoint]` (reliable) or `#[checkpoint(local)]`",
    );
    assert_rejected(
        quote!(struct P() { #[checkpoint = "yes"] a: u64 = range(0..1); }),
        "expected `#[checkpoint]` or `#[checkpoint(local)]`",
    );
    assert_rejected(
        quote!(struct P() { #[cache] #[persist(memory)] a: u64 = range(0..1); }),
        "conflicting storage attributes",
    );
    assert_rejected(
        quote!(struct P() { #[persist(floppy)] a: u64 = range(0..1); }),
        "`#[persist(memory_and_disk)]`",
    );
    assert_rejected(
        quote!(struct P() { #[persist(disk)] #[cache] a: u64 = range(0..1); }),
        "conflicting storage attributes",
    );
    assert_rejected(
        quote!(struct P() { #[persist] a: u64 = range(0..1); }),
        "expected `#[persist(memory)]`, `#[persist(disk)]`",
    );
}

#[test]
fn several_mistakes_are_reported_together() {
    let errs = errors(quote! {
        struct P(path: PathBuf) {
            lines: String = text_file(path);
            #[cache(forever)]
            words: String = lnes.flat_map(|l| l.split(' '));
            lines: String = words.mapp(|w| w);
            ones = words.map(|w| (w, 1));
        }
    });
    let expected = [
        "`#[cache]` takes no arguments",
        "node `ones` has no element type",
        "duplicate node `lines`",
        "unknown operator `mapp`",
    ];
    for e in expected {
        assert!(errs.iter().any(|x| x.contains(e)), "no {e:?} in {errs:#?}");
    }
    // `lnes` sits in the broken node `words`, whose attribute error is reported instead.
    assert!(
        !errs.iter().any(|x| x.contains("unknown node")),
        "{errs:#?}"
    );
}

#[test]
fn one_invalid_pipeline_does_not_hide_another() {
    let out = crate::expand(quote! {
        struct Good(n: u64) { a: u64 = range(0..n); }
        struct Bad(n: u64) { a: u64 = b.map(|x| x); }
    });
    let text = out.to_string();
    assert_eq!(text.matches("compile_error").count(), 1, "{text}");
    assert!(
        text.contains("impl :: rddflow :: RddNode for GoodA"),
        "{text}"
    );
    // The stand-in for `Bad` keeps its struct and `new`.
    assert!(text.contains("struct Bad"), "{text}");
}

#[test]
fn local_variables_in_closures_and_arguments_are_explained() {
    // Operands, receivers, range ends, field bases, closure bodies and plain value arguments.
    for (input, name) in [
        (
            quote! { pub struct P() { w: String = text_file("a"); l: String = w.filter(|w| w.len() > threshold); } },
            "threshold",
        ),
        (
            quote! { pub struct P() { w: String = text_file("a"); l: String = w.filter(|w| !stop.contains(w)); } },
            "stop",
        ),
        (
            quote! { pub struct P() { n: u64 = range(0..limit); } },
            "limit",
        ),
        (
            quote! { pub struct P() { w: String = text_file(path); } },
            "path",
        ),
        (
            quote! { pub struct P() { n: u64 = range(0..9); m: u64 = n.map(|x| x + cfg.offset); } },
            "cfg",
        ),
        (
            quote! { pub struct P() { n: u64 = range(0..9); m: u64 = n.map(|_| seed); } },
            "seed",
        ),
    ] {
        assert_rejected(
            input,
            &format!("`{name}` is not visible in a pipeline's closures"),
        );
    }

    // A node named inside a closure gets its own explanation.
    assert_rejected(
        quote! { pub struct P() { n: u64 = range(0..9); m: u64 = n.map(|x| x + n); } },
        "`n` is a node of this pipeline, not a value",
    );
}

#[test]
fn names_that_may_be_items_or_are_bound_are_not_flagged() {
    let errs = errors(quote! {
        pub struct P(factor: u64, words: Rdd<String>) {
            nums: u64 = range(0..LIMIT);
            // Params, consts, callees, callbacks and paths.
            a: u64 = nums.map(|x| x * factor + OFFSET + helper(x) + util::twice(x));
            b: u64 = a.map(double);
            c: Vec<u64> = b.map(|x| vec![x].into_iter().map(halve).collect());
            // Names bound by closure parameters, `let`, `match`, `for` and nested closures.
            d: u64 = nums.map(|x| {
                let (y, z) = (x, 2);
                let mut t = 0;
                for i in 0..z { t += i; }
                match Some(y) { Some(v) => v + t, None => (|q: u64| q)(y) }
            });
            e: (String, usize) = words.map(|w| { let n = w.len(); (w, n) });
        }
    });
    assert_eq!(errs, Vec::<String>::new());
}

/// Storage attributes: memory storage is `cache()` (no bound on the type); disk storage calls
/// the bounded `persist` with the level, spanned at the declared type.
#[test]
fn storage_attributes_expand_to_their_level() {
    let text = crate::expand(quote! {
        struct P() {
            a: u64 = range(0..1);
            #[persist(disk)]
            b: u64 = a.map(|x| x);
            #[persist(memory_and_disk)]
            c: u64 = b.map(|x| x);
            #[persist(memory)]
            d: u64 = c.map(|x| x);
            #[cache]
            e: u64 = d.map(|x| x);
        }
    })
    .to_string()
    .replace(' ', "");
    assert!(!text.contains("compile_error"), "{text}");
    assert!(text.contains("::rddflow::__private::persist::<u64>(::rddflow::Dataset::core(&b),::rddflow::StorageLevel::Disk)?;"), "{text}");
    assert!(text.contains("::rddflow::__private::persist::<u64>(::rddflow::Dataset::core(&c),::rddflow::StorageLevel::MemoryAndDisk)?;"), "{text}");
    assert_eq!(
        text.matches("::rddflow::Dataset::cache(&").count(),
        2,
        "{text}"
    );
    assert!(text.contains("\"persist(disk)\""), "{text}");
    assert!(text.contains("\"persist(memory_and_disk)\""), "{text}");
}

/// A raw identifier names a node: its struct drops the `r#` (found by the no-panic test).
#[test]
fn raw_identifiers_name_nodes() {
    let text = expand(quote! { pub struct P() { r#type: u64 = range(0..3); } });
    assert!(text.contains("pub struct PType {"), "{text}");
}
