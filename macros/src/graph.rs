//! Validation: name resolution (with "did you mean"), duplicates, operators and their arity,
//! parameters used as nodes, cycles; then a topological order. Expansion only ever sees a
//! [`Checked`] pipeline.

use std::collections::HashMap;

use syn::{Expr, Ident};

use crate::ctxt::Ctxt;
use crate::model::{NodeExpr, Pipeline};
use crate::ops::{self, Arg, OpSpec, SourceSpec};

/// Where a parent comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ParentRef {
    Node(usize),
    /// An `Rdd<T>` parameter.
    Input(usize),
}

pub(crate) enum Resolved {
    Source(&'static SourceSpec),
    Op(&'static OpSpec),
}

/// A pipeline known to be valid.
pub(crate) struct Checked<'a> {
    pub p: &'a Pipeline,
    /// Nodes in an order where parents come first.
    pub order: Vec<usize>,
    /// Per node: its parents in argument order (receiver first).
    pub parents: Vec<Vec<ParentRef>>,
    pub resolved: Vec<Resolved>,
}

pub(crate) fn check(p: &Pipeline) -> syn::Result<Checked<'_>> {
    let mut cx = Ctxt::new();
    for e in &p.parse_errors {
        cx.push(e.clone());
    }
    if p.nodes.is_empty() && p.parse_errors.is_empty() {
        cx.error_at(
            p.brace_span,
            format!(
                "pipeline `{}` has no nodes; declare at least one, e.g. `nums: u64 = range(0..10);`",
                p.name
            ),
        );
    }

    // Names: parameters and nodes share one namespace (both are fields of the pipeline).
    let mut names: HashMap<String, &Ident> = HashMap::new();
    for ident in p.params.iter().map(|x| &x.name).chain(p.nodes.iter().map(|n| &n.name)) {
        let key = ident.to_string();
        if let Some(first) = names.get(&key) {
            let mut e = syn::Error::new(ident.span(), format!("duplicate node `{ident}`"));
            e.combine(syn::Error::new(first.span(), format!("`{ident}` is first defined here")));
            cx.push(e);
        } else {
            names.insert(key, ident);
        }
    }
    let node_index: HashMap<String, usize> = p
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.to_string(), i))
        .collect();

    let mut parents = vec![Vec::new(); p.nodes.len()];
    let mut resolved = Vec::with_capacity(p.nodes.len());
    let mut ok_ops = true;
    for (i, n) in p.nodes.iter().enumerate() {
        let args = n.expr.args();
        match &n.expr {
            NodeExpr::Source { name, .. } => match ops::source(&name.to_string()) {
                Some(s) => {
                    check_arity(&mut cx, name, args, 1, 2, &format!("{}({}[, partitions])", s.name, s.arg));
                    resolved.push(Some(Resolved::Source(s)));
                }
                None => {
                    ok_ops = false;
                    resolved.push(None);
                    let hint = if ops::operator(&name.to_string()).is_some() {
                        format!("; `{name}` is an operator: write `parent.{name}(..)`")
                    } else {
                        did_you_mean(name, ops::SOURCES.iter().map(|s| s.name))
                    };
                    cx.error_spanned_by(
                        name,
                        format!(
                            "unknown source `{name}`; the sources are {}{hint}",
                            list(ops::SOURCES.iter().map(|s| s.name))
                        ),
                    );
                }
            },
            NodeExpr::Op { parent, op, .. } => {
                if let Some(r) = resolve(p, &node_index, parent, &mut cx) {
                    parents[i].push(r);
                }
                match ops::operator(&op.to_string()) {
                    Some(spec) => {
                        let required = spec.args.len();
                        let max = required + usize::from(spec.optional_partitions);
                        check_arity(&mut cx, op, args, required, max, &spec.signature());
                        for (a, kind) in args.iter().zip(spec.args) {
                            if let Arg::Node(_) = kind {
                                match single_ident(a) {
                                    Some(id) => {
                                        if let Some(r) = resolve(p, &node_index, &id, &mut cx) {
                                            parents[i].push(r);
                                        }
                                    }
                                    None => cx.error_spanned_by(
                                        a,
                                        format!("`{}` takes the name of another node of this pipeline", spec.name),
                                    ),
                                }
                            }
                        }
                        resolved.push(Some(Resolved::Op(spec)));
                    }
                    None => {
                        ok_ops = false;
                        resolved.push(None);
                        let hint = if ops::source(&op.to_string()).is_some() {
                            format!("; `{op}` is a source: write `{op}(..)` without a parent")
                        } else {
                            did_you_mean(op, ops::OPERATORS.iter().map(|o| o.name))
                        };
                        cx.error_spanned_by(
                            op,
                            format!(
                                "unknown operator `{op}`{hint}; the operators are {}",
                                list(ops::OPERATORS.iter().map(|o| o.name))
                            ),
                        );
                    }
                }
            }
        }
    }

    let order = topo_order(p, &parents, &mut cx);
    cx.check()?;
    debug_assert!(ok_ops);
    Ok(Checked {
        p,
        order: order.expect("no cycle when no error"),
        parents,
        resolved: resolved.into_iter().map(|r| r.expect("resolved")).collect(),
    })
}

fn single_ident(e: &Expr) -> Option<Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().cloned(),
        _ => None,
    }
}

fn check_arity(cx: &mut Ctxt, at: &Ident, args: &[Expr], min: usize, max: usize, sig: &str) {
    if args.len() < min || args.len() > max {
        let takes = if min == max {
            format!("{min} argument{}", if min == 1 { "" } else { "s" })
        } else {
            format!("{min} or {max} arguments")
        };
        cx.error_spanned_by(
            at,
            format!("`{at}` takes {takes} but {} given: `{sig}`", match args.len() {
                1 => "1 was".to_string(),
                n => format!("{n} were"),
            }),
        );
    }
}

fn resolve(p: &Pipeline, nodes: &HashMap<String, usize>, name: &Ident, cx: &mut Ctxt) -> Option<ParentRef> {
    let key = name.to_string();
    if let Some(&i) = nodes.get(&key) {
        return Some(ParentRef::Node(i));
    }
    if let Some((i, param)) = p.params.iter().enumerate().find(|(_, x)| x.name == key) {
        if param.rdd_elem.is_some() {
            return Some(ParentRef::Input(i));
        }
        let ty = &param.ty;
        cx.error_spanned_by(
            name,
            format!(
                "`{name}` is a value parameter, not a node; to use it as an input node declare it as `{name}: Rdd<{}>`",
                quote::quote!(#ty)
            ),
        );
        return None;
    }
    let candidates = p
        .nodes
        .iter()
        .map(|n| n.name.to_string())
        .chain(p.params.iter().filter(|x| x.rdd_elem.is_some()).map(|x| x.name.to_string()))
        .collect::<Vec<_>>();
    cx.error_spanned_by(
        name,
        format!(
            "unknown node `{name}`{}",
            did_you_mean(name, candidates.iter().map(String::as_str))
        ),
    );
    None
}

/// `; did you mean `x`?` for the closest name within a small edit distance.
fn did_you_mean<'a>(name: &Ident, candidates: impl Iterator<Item = &'a str>) -> String {
    let name = name.to_string();
    let limit = (name.len() / 3).max(2);
    candidates
        .map(|c| (strsim::levenshtein(&name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// Kahn's algorithm, declaration order among ready nodes; on a cycle, names it in order.
fn topo_order(p: &Pipeline, parents: &[Vec<ParentRef>], cx: &mut Ctxt) -> Option<Vec<usize>> {
    let n = p.nodes.len();
    let node_parents: Vec<Vec<usize>> = parents
        .iter()
        .map(|ps| {
            ps.iter()
                .filter_map(|r| match r {
                    ParentRef::Node(j) => Some(*j),
                    ParentRef::Input(_) => None,
                })
                .collect()
        })
        .collect();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    loop {
        let ready: Vec<usize> = (0..n)
            .filter(|&i| !done[i] && node_parents[i].iter().all(|&j| done[j]))
            .collect();
        if ready.is_empty() {
            break;
        }
        for i in ready {
            done[i] = true;
            order.push(i);
        }
    }
    if order.len() == n {
        return Some(order);
    }
    // Walk parent edges from a node left over until a node repeats: that is a cycle.
    let start = (0..n).find(|&i| !done[i]).expect("a node is left");
    let mut path = vec![start];
    let mut cur = start;
    loop {
        let next = *node_parents[cur]
            .iter()
            .find(|&&j| !done[j])
            .expect("a blocked node has a blocked parent");
        if let Some(pos) = path.iter().position(|&x| x == next) {
            // `path` follows parent edges; print the cycle in data-flow order.
            let mut cycle: Vec<usize> = path[pos..].to_vec();
            cycle.reverse();
            let names: Vec<String> = cycle
                .iter()
                .chain(std::iter::once(&cycle[0]))
                .map(|&i| p.nodes[i].name.to_string())
                .collect();
            let at = &p.nodes[cycle[0]].name;
            cx.error_spanned_by(
                at,
                format!(
                    "the pipeline graph has a cycle: {}; a node cannot depend on itself, directly or through other nodes",
                    names.join(" -> ")
                ),
            );
            return None;
        }
        path.push(next);
        cur = next;
    }
}
