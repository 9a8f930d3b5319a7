//! The macro never panics: arbitrary token streams built from the DSL's vocabulary, and random
//! mutations of valid pipelines, go through [`parse_and_check`] and [`expand`], which must
//! return a model or errors, and Rust items (with a `compile_error!` exactly when there are
//! errors). A panic anywhere fails the case, and proptest shrinks it to a small input.

use std::fmt;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::FileFailurePersistence;
use quote::quote;
use rddflow_macros_core::{expand, parse_and_check};

/// Cases per property; each runs the parser, the validator and the code generator.
const CASES: u32 = 2000;

/// One token tree, owned and printable, from which a `TokenStream` is built per case.
#[derive(Clone)]
enum Tok {
    Ident(String),
    Punct(char, Spacing),
    Lit(String),
    Group(Delimiter, Vec<Tok>),
}

/// Shows a token as its text.
impl fmt::Debug for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", build(std::slice::from_ref(self)))
    }
}

/// A token sequence whose `Debug` is its Rust text, so that a failure prints the input.
#[derive(Clone)]
struct Tokens(Vec<Tok>);

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "quote!{{ {} }}", build(&self.0))
    }
}

fn build(toks: &[Tok]) -> TokenStream {
    toks.iter()
        .map(|t| -> TokenTree {
            match t {
                Tok::Ident(s) => match s.strip_prefix("r#") {
                    Some(raw) => Ident::new_raw(raw, Span::call_site()).into(),
                    None => Ident::new(s, Span::call_site()).into(),
                },
                Tok::Punct(c, spacing) => Punct::new(*c, *spacing).into(),
                Tok::Lit(s) => s
                    .parse::<Literal>()
                    .expect("a literal of the vocabulary")
                    .into(),
                Tok::Group(d, inner) => Group::new(*d, build(inner)).into(),
            }
        })
        .collect()
}

fn from_stream(ts: TokenStream) -> Vec<Tok> {
    ts.into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) => Tok::Ident(i.to_string()),
            TokenTree::Punct(p) => Tok::Punct(p.as_char(), p.spacing()),
            TokenTree::Literal(l) => Tok::Lit(l.to_string()),
            TokenTree::Group(g) => Tok::Group(g.delimiter(), from_stream(g.stream())),
        })
        .collect()
}

const IDENTS: &[&str] = &[
    // Rust keywords and structure.
    "pub",
    "struct",
    "crate",
    "fn",
    "mod",
    "let",
    "move",
    "in",
    "as",
    "self",
    "Self",
    "super",
    "where",
    "impl",
    "dyn",
    "ref",
    "mut",
    "true",
    "false",
    "_",
    "r#type",
    "r#struct",
    // Names and types.
    "P",
    "Q",
    "WordCount",
    "n",
    "path",
    "x",
    "a",
    "b",
    "c",
    "lines",
    "words",
    "ones",
    "counts",
    "u64",
    "u32",
    "String",
    "Vec",
    "Rdd",
    "PathBuf",
    "Option",
    "f64",
    "f32",
    "str",
    "Visit",
    // Sources.
    "range",
    "parallelize",
    "text_file",
    // Operators.
    "map",
    "filter",
    "flat_map",
    "filter_map",
    "map_partitions",
    "map_values",
    "flat_map_values",
    "key_by",
    "sample",
    "coalesce",
    "union",
    "inspect",
    "reduce_by_key",
    "fold_by_key",
    "aggregate_by_key",
    "combine_by_key",
    "group_by_key",
    "distinct",
    "sort_by_key",
    "sort_by",
    "partition_by",
    "repartition",
    "join",
    "left_outer_join",
    "right_outer_join",
    "full_outer_join",
    "cogroup",
    "mapp",
    "rnge",
    // Attributes.
    "checkpoint",
    "local",
    "version",
    "cache",
    "persist",
    "memory",
    "disk",
    "memory_and_disk",
    "doc",
    "chekpoint",
    // Method calls in closures.
    "to_owned",
    "collect",
    "len",
    "split_whitespace",
];

const PUNCTS: &[char] = &[
    ':', '=', ';', ',', '.', '|', '#', '&', '<', '>', '!', '*', '+', '-', '/', '%', '?', '@', '^',
    '~', '$',
];

const LITERALS: &[&str] = &[
    "0",
    "1",
    "2",
    "4",
    "10",
    "0.5",
    "1u64",
    "2usize",
    "1e3",
    "255u8",
    "\"corpus.txt\"",
    "\"\"",
    "'c'",
    "b'x'",
    "b\"x\"",
    "r\"raw\"",
    "r#\"x\"#",
];

const DELIMITERS: &[Delimiter] = &[
    Delimiter::Parenthesis,
    Delimiter::Brace,
    Delimiter::Bracket,
    Delimiter::None,
];

/// Multi-character operators, as joint punctuation followed by an alone one.
const COMPOUND: &[&str] = &[
    "::", "..", "->", "=>", "..=", "&&", "||", ">=", "<=", "==", "+=",
];

fn leaf() -> impl Strategy<Value = Tok> {
    prop_oneof![
        5 => select(IDENTS).prop_map(|s| Tok::Ident(s.to_owned())),
        3 => (select(PUNCTS), any::<bool>()).prop_map(|(c, joint)| {
            Tok::Punct(c, if joint { Spacing::Joint } else { Spacing::Alone })
        }),
        1 => select(LITERALS).prop_map(|s| Tok::Lit(s.to_owned())),
    ]
}

fn tok() -> impl Strategy<Value = Tok> {
    leaf().prop_recursive(4, 96, 10, |inner| {
        (select(DELIMITERS), prop::collection::vec(inner, 0..10))
            .prop_map(|(d, toks)| Tok::Group(d, toks))
    })
}

/// A sequence of tokens and compound operators.
fn arbitrary_tokens() -> impl Strategy<Value = Tokens> {
    let item = prop_oneof![
        6 => tok().prop_map(|t| vec![t]),
        1 => select(COMPOUND).prop_map(|s| from_stream(s.parse().expect("an operator"))),
    ];
    prop::collection::vec(item, 0..48).prop_map(|v| Tokens(v.into_iter().flatten().collect()))
}

fn lex(text: &str) -> Vec<Tok> {
    from_stream(text.parse().expect("a fragment of the vocabulary"))
}

/// Fragments a pipeline is made of, for token streams framed like a pipeline.
const NODE_NAMES: &[&str] = &["a", "b", "c", "lines", "words", "n", "input"];
const TYPES: &[&str] = &[
    "u64",
    "String",
    "(u64, u64)",
    "(String, u64)",
    "(u64, (u64, String))",
    "Vec<u64>",
    "(f64, u64)",
    "Visit",
    "(u64, Vec<u64>)",
    "Rdd<u64>",
];
const CALLS: &[&str] = &[
    "range",
    "parallelize",
    "text_file",
    "map",
    "filter",
    "flat_map",
    "map_values",
    "key_by",
    "sample",
    "coalesce",
    "union",
    "reduce_by_key",
    "fold_by_key",
    "aggregate_by_key",
    "group_by_key",
    "distinct",
    "repartition",
    "join",
    "cogroup",
    "mapp",
];
const ARGS: &[&str] = &[
    "|x| x",
    "|x| (x, 1)",
    "|a, b| a + b",
    "|l| l.split(' ')",
    "0..n",
    "4",
    "0.5",
    "a",
    "b",
    "path",
    "vec![1, 2]",
    "|(k, v)| k",
];
const NODE_ATTRS: &[&str] = &[
    "#[checkpoint]",
    "#[checkpoint(local)]",
    "#[cache]",
    "#[persist(memory)]",
    "#[persist(disk)]",
    "/// Doc.",
    "#[chekpoint]",
    "#[cache(forever)]",
    "#[checkpoint = 1]",
    "#[checkpoint(version = 2)]",
    "#[checkpoint(local, version = 1)]",
    "#[checkpoint(version = \"x\")]",
    "#[checkpoint(version)]",
];
const PARAMS: &[&str] = &[
    "n: u64",
    "path: PathBuf",
    "input: Rdd<(u64, u64)>",
    "a: u64",
    "v: Vec<u64>",
    "f: fn(u64)",
];

/// A few random tokens, or a fragment of the vocabulary.
fn fragment(vocabulary: &'static [&'static str]) -> impl Strategy<Value = Vec<Tok>> {
    prop_oneof![
        8 => select(vocabulary).prop_map(lex),
        1 => prop::collection::vec(tok(), 0..4),
    ]
}

/// Comma-separated fragments.
fn list(vocabulary: &'static [&'static str], max: usize) -> impl Strategy<Value = Vec<Tok>> {
    prop::collection::vec(fragment(vocabulary), 0..max).prop_map(|parts| {
        let mut out = Vec::new();
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                out.push(Tok::Punct(',', Spacing::Alone));
            }
            out.extend(part);
        }
        out
    })
}

/// `ATTR* name: TYPE = EXPR;` with random pieces, or random tokens up to a `;`.
fn statement() -> impl Strategy<Value = Vec<Tok>> {
    let expr = prop_oneof![
        6 => (select(NODE_NAMES), select(CALLS), list(ARGS, 4)).prop_map(|(parent, op, args)| {
            let mut t = lex(&format!("{parent}.{op}"));
            t.push(Tok::Group(Delimiter::Parenthesis, args));
            t
        }),
        4 => (select(CALLS), list(ARGS, 3)).prop_map(|(source, args)| {
            let mut t = lex(source);
            t.push(Tok::Group(Delimiter::Parenthesis, args));
            t
        }),
        1 => prop::collection::vec(tok(), 0..6),
    ];
    let node = (
        prop::collection::vec(select(NODE_ATTRS).prop_map(lex), 0..2),
        select(NODE_NAMES),
        fragment(TYPES),
        expr,
    )
        .prop_map(|(attrs, name, ty, expr)| {
            let mut t: Vec<Tok> = attrs.into_iter().flatten().collect();
            t.extend(lex(&format!("{name}:")));
            t.extend(ty);
            t.push(Tok::Punct('=', Spacing::Alone));
            t.extend(expr);
            t.push(Tok::Punct(';', Spacing::Alone));
            t
        });
    prop_oneof![
        12 => node,
        1 => prop::collection::vec(tok(), 0..8),
    ]
}

/// `VIS struct NAME(PARAMS) { STATEMENT* }`: random content in the frame of a pipeline, so that
/// node parsing and validation see it, not only the parser of the pipeline's header.
fn framed_tokens() -> impl Strategy<Value = Tokens> {
    let pipeline = (
        select(&["", "pub", "pub(crate)", "/// Doc.\n pub"][..]),
        list(PARAMS, 4),
        prop::collection::vec(statement(), 0..6),
    )
        .prop_map(|(vis, params, statements)| {
            let mut t = lex(&format!("{vis} struct P"));
            t.push(Tok::Group(Delimiter::Parenthesis, params));
            t.push(Tok::Group(
                Delimiter::Brace,
                statements.into_iter().flatten().collect(),
            ));
            t
        });
    prop::collection::vec(pipeline, 1..3).prop_map(|ps| Tokens(ps.into_iter().flatten().collect()))
}

/// Valid invocations covering the grammar: params, `Rdd` inputs, doc comments, every kind of
/// attribute, sources, narrow, wide and two-input operators, several pipelines.
fn seeds() -> Vec<TokenStream> {
    vec![
        quote! {
            /// Word frequencies of a text corpus.
            pub struct WordCount(path: std::path::PathBuf, min_count: u64) {
                lines: String = text_file(path);
                words: String = lines.flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
                #[checkpoint]
                ones: (String, u64) = words.map(|w| (w, 1));
                counts: (String, u64) = ones.reduce_by_key(|a, b| a + b);
                frequent: (String, u64) = counts.filter(|(_, c)| *c >= min_count);
            }
        },
        quote! {
            pub(crate) struct Joins(n: u64, input: Rdd<(u64, u64)>) {
                nums: u64 = range(0..n, 4);
                a: (u64, u64) = nums.map(|x| (x % 7, x));
                b: (u64, String) = nums.map(|x| (x % 5, x.to_string()));
                #[checkpoint(local)]
                j: (u64, (u64, String)) = a.join(b, 3);
                lo: (u64, (u64, Option<String>)) = a.left_outer_join(b);
                ro: (u64, (Option<u64>, String)) = a.right_outer_join(b, 2);
                fo: (u64, (Option<u64>, Option<String>)) = a.full_outer_join(b);
                cg: (u64, (Vec<u64>, Vec<String>)) = a.cogroup(b);
                both: (u64, u64) = a.union(input);
                g: (u64, Vec<u64>) = both.group_by_key(2);
            }
        },
        quote! {
            struct Mixed(v: Vec<u64>, seed: u64) {
                #[cache]
                xs: u64 = parallelize(v.clone(), 2);
                evens: u64 = xs.filter(|x| *x % 2 == 0);
                #[persist(memory)]
                pairs: (u64, u64) = evens.key_by(|x| x % 3);
                sampled: (u64, u64) = pairs.sample(0.5, seed);
                folded: (u64, u64) = sampled.fold_by_key(0, |a, b| a + b);
                agg: (u64, (u64, u64)) = pairs.aggregate_by_key((0, 0), |(s, c), v| (s + v, c + 1), |(a, b), (c, d)| (a + c, b + d));
                sorted: (u64, u64) = folded.partition_by(3);
                comb: (u64, Vec<u64>) = pairs.combine_by_key(|v| vec![v], |mut c, v| { c.push(v); c }, |mut a, b| { a.extend(b); a });
                flat: (u64, u64) = comb.flat_map_values(|v| v);
                vals: (u64, u64) = sorted.map_values(|v| v * 2);
                parts: u64 = xs.map_partitions(|it| it.map(|x| x + 1));
                d: u64 = parts.distinct();
            }
            pub struct Second(n: u64) {
                r: u64 = range(0..n);
                s: u64 = r.repartition(3);
                c: u64 = s.coalesce(1);
                f: u64 = c.filter_map(|x| if x > 2 { Some(x * 2) } else { None });
                i: u64 = f.inspect(|x| println!("{x}"));
            }
        },
    ]
}

/// One mutation, at a position chosen among all the tokens of the tree (inside groups too).
#[derive(Clone, Debug)]
enum Mutation {
    Delete(Index),
    Duplicate(Index),
    /// Swaps the token with another of the same sequence.
    Swap(Index, Index),
    Insert(Index, Tok),
    Replace(Index, Tok),
    /// Replaces a group by its contents.
    Unwrap(Index),
    /// Puts the token and up to `n` following ones of its sequence in a new group.
    Wrap(Index, usize, Delimiter),
    Redelimit(Index, Delimiter),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let delim = || select(DELIMITERS);
    prop_oneof![
        3 => any::<Index>().prop_map(Mutation::Delete),
        2 => any::<Index>().prop_map(Mutation::Duplicate),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        3 => (any::<Index>(), tok()).prop_map(|(i, t)| Mutation::Insert(i, t)),
        2 => (any::<Index>(), leaf()).prop_map(|(i, t)| Mutation::Replace(i, t)),
        2 => any::<Index>().prop_map(Mutation::Unwrap),
        1 => (any::<Index>(), 0..4usize, delim()).prop_map(|(i, n, d)| Mutation::Wrap(i, n, d)),
        1 => (any::<Index>(), delim()).prop_map(|(i, d)| Mutation::Redelimit(i, d)),
    ]
}

/// The path (indices through groups) of every token of the tree, in preorder.
fn paths(toks: &[Tok], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    for (i, t) in toks.iter().enumerate() {
        prefix.push(i);
        out.push(prefix.clone());
        if let Tok::Group(_, inner) = t {
            paths(inner, prefix, out);
        }
        prefix.pop();
    }
}

/// The sequence holding the token at `path`, and the token's index in it.
fn locate<'a>(toks: &'a mut Vec<Tok>, path: &[usize]) -> (&'a mut Vec<Tok>, usize) {
    match path {
        [i] => (toks, *i),
        [i, rest @ ..] => match &mut toks[*i] {
            Tok::Group(_, inner) => locate(inner, rest),
            _ => unreachable!("paths only go through groups"),
        },
        [] => unreachable!("paths are not empty"),
    }
}

fn apply(toks: &mut Vec<Tok>, m: &Mutation) {
    let mut all = Vec::new();
    paths(toks, &mut Vec::new(), &mut all);
    let ix = match m {
        Mutation::Delete(ix)
        | Mutation::Duplicate(ix)
        | Mutation::Swap(ix, _)
        | Mutation::Insert(ix, _)
        | Mutation::Replace(ix, _)
        | Mutation::Unwrap(ix)
        | Mutation::Wrap(ix, _, _)
        | Mutation::Redelimit(ix, _) => ix,
    };
    if all.is_empty() {
        if let Mutation::Insert(_, t) = m {
            toks.push(t.clone());
        }
        return;
    }
    let (seq, i) = locate(toks, &all[ix.index(all.len())]);
    match m {
        Mutation::Delete(_) => {
            seq.remove(i);
        }
        Mutation::Duplicate(_) => {
            let t = seq[i].clone();
            seq.insert(i, t);
        }
        Mutation::Swap(_, other) => {
            let j = other.index(seq.len());
            seq.swap(i, j);
        }
        Mutation::Insert(_, t) => seq.insert(i, t.clone()),
        Mutation::Replace(_, t) => seq[i] = t.clone(),
        Mutation::Unwrap(_) => {
            if let Tok::Group(_, inner) = seq[i].clone() {
                seq.splice(i..=i, inner);
            }
        }
        Mutation::Wrap(_, n, d) => {
            let end = (i + 1 + n).min(seq.len());
            let inner: Vec<Tok> = seq.drain(i..end).collect();
            seq.insert(i, Tok::Group(*d, inner));
        }
        Mutation::Redelimit(_, d) => {
            if let Tok::Group(old, _) = &mut seq[i] {
                *old = *d;
            }
        }
    }
}

/// A valid pipeline with 1 to 6 mutations applied.
fn mutated_pipeline() -> impl Strategy<Value = Tokens> {
    let n = seeds().len();
    (0..n, prop::collection::vec(mutation(), 1..7)).prop_map(|(seed, muts)| {
        let mut toks = from_stream(seeds().swap_remove(seed));
        for m in &muts {
            apply(&mut toks, m);
        }
        Tokens(toks)
    })
}

/// The property: a model or errors from the checker; Rust items from the expansion, with a
/// `compile_error!` exactly when the checker gave errors.
fn never_panics(input: &Tokens) -> Result<(), TestCaseError> {
    let tokens = build(&input.0);
    let checked = parse_and_check(tokens.clone());
    let out = expand(tokens);
    let text = out.to_string();
    let items = syn::parse2::<syn::File>(out);
    prop_assert!(items.is_ok(), "the expansion is not Rust items: {text}");
    match checked {
        Ok(model) => {
            prop_assert!(model.node_count() > 0);
            prop_assert!(!text.contains("compile_error"), "{text}");
        }
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            prop_assert!(
                text.contains("compile_error"),
                "no compile_error! in {text}"
            );
        }
    }
    Ok(())
}

#[test]
fn the_seeds_are_valid() {
    for s in seeds() {
        let text = s.to_string();
        let model = parse_and_check(s).unwrap_or_else(|e| panic!("{e} in {text}"));
        assert!(model.node_count() >= 3, "{model:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES,
        // Integration tests have no `lib.rs` for the default location.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/no_panic.txt",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_token_streams(input in arbitrary_tokens()) {
        never_panics(&input)?;
    }

    #[test]
    fn arbitrary_tokens_framed_as_a_pipeline(input in framed_tokens()) {
        never_panics(&input)?;
    }

    #[test]
    fn mutated_pipelines(input in mutated_pipeline()) {
        never_panics(&input)?;
    }
}

/// The generators are worth their cases: framed streams mostly get past the pipeline header (the
/// expansion keeps a stand-in for the pipeline), and some mutated pipelines are still valid
/// (and go through the code generator).
#[test]
fn the_inputs_reach_validation_and_expansion() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let mut sample = |strategy: BoxedStrategy<Tokens>| {
        let (mut valid, mut past_header) = (0, 0);
        for _ in 0..500 {
            let tokens = build(&strategy.new_tree(&mut runner).unwrap().current().0);
            if parse_and_check(tokens.clone()).is_ok() {
                valid += 1;
            }
            let items = syn::parse2::<syn::File>(expand(tokens)).unwrap().items;
            if items.iter().any(|i| !matches!(i, syn::Item::Macro(_))) {
                past_header += 1;
            }
        }
        (valid, past_header)
    };
    let (_, past_header) = sample(framed_tokens().boxed());
    assert!(
        past_header > 250,
        "{past_header} of 500 framed streams past the header"
    );
    let (valid, past_header) = sample(mutated_pipeline().boxed());
    assert!(valid > 10, "{valid} of 500 mutated pipelines valid");
    assert!(
        past_header > 250,
        "{past_header} of 500 mutated pipelines past the header"
    );
}
