//! Code generation from a checked pipeline: one struct per node (`node.rs`) with its shape's
//! parts (`shape.rs`, then one generator per shape: `source.rs`, `narrow.rs`,
//! `reads_parents.rs`, `cartesian.rs`, `coalesce.rs`, `one_shuffle.rs`, `two_shuffles.rs`,
//! `three_shuffles.rs`), the pipeline struct with `new`
//! (`pipeline.rs`), `graph()` (`describe.rs`), and stand-ins for an invalid pipeline
//! (`stand_in.rs`).

mod cartesian;
mod coalesce;
mod describe;
mod fingerprint;
mod narrow;
mod node;
mod one_shuffle;
mod pipeline;
mod reads_parents;
mod shape;
mod source;
mod stand_in;
mod three_shuffles;
mod two_shuffles;

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{Expr, Type};

use crate::graph::{Checked, ParentRef};
use crate::model::Pipeline;

pub(crate) use pipeline::pipeline;
pub(crate) use stand_in::stand_in;

/// A chain of narrow nodes is fused into one iterator type per partition, nested one level per
/// node. rustc's default recursion limit stops at about 32 levels, so every `FUSE_LIMIT`
/// chained nodes the input is read through one boxed iterator: one dynamic call per element
/// per `FUSE_LIMIT` nodes, and pipelines of any length compile without `#![recursion_limit]`.
pub(crate) const FUSE_LIMIT: usize = 16;

/// Per node: whether its input is read through a box, so the fused chain starts again.
pub(crate) fn boxed_inputs(c: &Checked) -> Vec<bool> {
    use crate::graph::Resolved;
    use crate::ops::Shape;
    let n = c.p.nodes.len();
    let mut depth = vec![0usize; n];
    let mut boxed = vec![false; n];
    let parent_depth = |r: &ParentRef, depth: &[usize]| match r {
        ParentRef::Node(j) => depth[*j],
        // An `Rdd<T>` input is already a boxed iterator.
        ParentRef::Input(_) => 0,
    };
    for &i in &c.order {
        let inherited = c.parents[i]
            .iter()
            .map(|r| parent_depth(r, &depth))
            .max()
            .unwrap_or(0);
        depth[i] = match &c.resolved[i] {
            Resolved::Source(_) => 1,
            Resolved::Op(spec) => match spec.shape {
                Shape::Narrow { .. } if inherited >= FUSE_LIMIT => {
                    boxed[i] = true;
                    1
                }
                Shape::Narrow { .. } | Shape::ReadsParents | Shape::Coalesce | Shape::Cartesian => {
                    inherited + 1
                }
                // The reduce side starts a new iterator; the map side adds one level to the
                // parent's, which stays far below the compiler's limit.
                Shape::Wide { .. } | Shape::Join { .. } | Shape::Join3 => 1,
            },
        };
    }
    boxed
}

/// `WordCount` + `ones` -> `WordCountOnes`.
pub(crate) fn node_struct(p: &Pipeline, node: &Ident) -> Ident {
    // `r#type` -> `Type`: the raw prefix is not part of the name.
    let camel: String = syn::ext::IdentExt::unraw(node)
        .to_string()
        .split('_')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    // Spanned at the node, so errors about the node's struct point at its declaration.
    format_ident!("{}{}", p.name, camel, span = node.span())
}

/// `__fp_name`: the local holding value parameter `name`'s hash in `new`.
fn param_hash_var(name: &Ident) -> Ident {
    format_ident!("__fp_{}", name)
}

fn params_struct(p: &Pipeline) -> Ident {
    format_ident!("__{}Params", p.name)
}

/// `Pipeline.node`, the label used in errors, lineage and panic reports.
fn label(p: &Pipeline, node: &Ident) -> String {
    format!("{}.{}", p.name, node)
}

/// The handle type of a parent.
fn parent_handle(c: &Checked, r: ParentRef) -> TokenStream {
    match r {
        ParentRef::Node(j) => {
            let s = node_struct(c.p, &c.p.nodes[j].name);
            quote!(::rddflow::Node<#s>)
        }
        ParentRef::Input(k) => {
            let t = c.p.params[k].rdd_elem.as_ref().expect("input param");
            quote!(::rddflow::Rdd<#t>)
        }
    }
}

/// The element type of a parent.
fn parent_elem<'a>(c: &'a Checked, r: ParentRef) -> &'a Type {
    match r {
        ParentRef::Node(j) => &c.p.nodes[j].ty,
        ParentRef::Input(k) => c.p.params[k].rdd_elem.as_ref().expect("input param"),
    }
}

/// The local variable in `new` holding a parent.
fn parent_var(c: &Checked, r: ParentRef) -> Ident {
    match r {
        ParentRef::Node(j) => c.p.nodes[j].name.clone(),
        ParentRef::Input(k) => c.p.params[k].name.clone(),
    }
}

/// Value parameters mentioned in `tokens` (so a task clones only those it uses).
fn used_params(p: &Pipeline, tokens: TokenStream) -> Vec<&Ident> {
    fn walk(ts: TokenStream, seen: &mut Vec<String>) {
        for tt in ts {
            match tt {
                TokenTree::Ident(i) => seen.push(i.to_string()),
                TokenTree::Group(g) => walk(g.stream(), seen),
                // `format!("{name}")` captures `name` from inside a string literal.
                TokenTree::Literal(l) => seen.extend(format_captures(&l.to_string())),
                TokenTree::Punct(_) => {}
            }
        }
    }
    let mut seen = Vec::new();
    walk(tokens, &mut seen);
    p.params
        .iter()
        .filter(|x| x.rdd_elem.is_none() && seen.iter().any(|s| x.name == s))
        .map(|x| &x.name)
        .collect()
}

/// The names a format string captures: `x` in `"{x}"` or `"{x:>5}"` (not in `"{{x}}"`), and
/// `w` in a width or precision argument `"{:w$}"`.
fn format_captures(literal: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    for c in literal.chars() {
        if c.is_alphanumeric() || c == '_' {
            run.push(c);
        } else {
            if c == '$' && !run.is_empty() {
                out.push(run.clone());
            }
            run.clear();
        }
    }
    let mut chars = literal.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            continue;
        }
        let name: String =
            std::iter::from_fn(|| chars.next_if(|c| c.is_alphanumeric() || *c == '_')).collect();
        if !name.is_empty() && matches!(chars.peek(), Some('}' | ':')) {
            out.push(name);
        }
    }
    out
}

/// `let name = Clone::clone(&<params>.name);` for each used value parameter.
fn clone_params(p: &Pipeline, from: &TokenStream, args: &[&Expr]) -> TokenStream {
    let all: TokenStream = args.iter().map(|a| quote!(#a)).collect();
    let used = used_params(p, all);
    quote! {
        #(
            #[allow(unused_variables)]
            let #used = ::core::clone::Clone::clone(&#from.#used);
        )*
    }
}

/// A closure argument becomes `move`: it then owns the parameter clones of its task.
fn task_arg(e: &Expr) -> TokenStream {
    match e {
        Expr::Closure(c) if c.capture.is_none() => {
            let mut c = c.clone();
            c.capture = Some(syn::Token![move](c.or1_token.span));
            quote!(#c)
        }
        other => quote!(#other),
    }
}
