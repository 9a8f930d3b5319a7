//! Validation: name resolution (with "did you mean"), duplicates, operators and their arity,
//! parameters used as nodes, cycles; then a topological order. Expansion only ever sees a
//! [`Checked`] pipeline.

use std::collections::HashMap;

use syn::{Expr, Ident};

use crate::captures;
use crate::ctxt::Ctxt;
use crate::model::{NodeExpr, Pipeline};
use crate::ops::{self, Arg, Input, OpSpec, SourceSpec};

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
    let declared = p
        .params
        .iter()
        .map(|x| &x.name)
        .chain(p.nodes.iter().map(|n| &n.name));
    for ident in declared.chain(p.broken.iter().map(|b| &b.name)) {
        let key = ident.to_string();
        if let Some(first) = names.get(&key) {
            let mut e = syn::Error::new(ident.span(), format!("duplicate node `{ident}`"));
            e.combine(syn::Error::new(
                first.span(),
                format!("`{ident}` is first defined here"),
            ));
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
                    check_arity(
                        &mut cx,
                        name,
                        args,
                        1,
                        2,
                        &format!("{}({}[, partitions])", s.name, s.arg),
                    );
                    for a in args {
                        captures::check_arg(p, a, false, &mut cx);
                    }
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
                            "unknown source `{name}`{hint}; the sources are {}",
                            list(ops::SOURCES.iter().map(|s| s.name))
                        ),
                    );
                }
            },
            NodeExpr::Op { parent, op, .. } => {
                let receiver = resolve(p, &node_index, parent, &mut cx);
                if let Some(r) = receiver {
                    parents[i].push(r);
                }
                match ops::operator(&op.to_string()) {
                    Some(spec) => {
                        if let Some(r) = receiver {
                            check_input(p, r, parent, op, spec.input, op, &mut cx);
                        }
                        let required = spec.args.len();
                        let max = required + usize::from(spec.optional_partitions);
                        check_arity(&mut cx, op, args, required, max, &spec.signature());
                        for (a, kind) in args.iter().zip(spec.args) {
                            if let Arg::Node(_) = kind {
                                match single_ident(a) {
                                    Some(id) => {
                                        if let Some(r) = resolve(p, &node_index, &id, &mut cx) {
                                            // A join's other input must be pairs too; the
                                            // error points at its name.
                                            check_input(p, r, &id, op, spec.input, &id, &mut cx);
                                            parents[i].push(r);
                                        }
                                    }
                                    None => cx.error_spanned_by(
                                        a,
                                        format!(
                                            "`{}` takes the name of another node of this pipeline",
                                            spec.name
                                        ),
                                    ),
                                }
                            }
                        }
                        for (k, a) in args.iter().enumerate() {
                            if let Some(Arg::Closure(_)) = spec.args.get(k) {
                                crate::owned_key::check(spec.name, a, &mut cx);
                            }
                            match spec.args.get(k) {
                                Some(Arg::Node(_)) => {}
                                kind => captures::check_arg(
                                    p,
                                    a,
                                    matches!(kind, Some(Arg::Closure(_))),
                                    &mut cx,
                                ),
                            }
                        }
                        resolved.push(Some(Resolved::Op(spec)));
                    }
                    None => {
                        ok_ops = false;
                        resolved.push(None);
                        let hint =
                            crate::suggest::operator_hint(&op.to_string(), &parent.to_string());
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
            format!(
                "`{at}` takes {takes} but {} given: `{sig}`",
                match args.len() {
                    1 => "1 was".to_string(),
                    n => format!("{n} were"),
                }
            ),
        );
    }
}

/// Rejects a parent whose declared element type is, by its syntax alone, certainly not what the
/// operator takes (`u64` for `reduce_by_key`, an `f64` key). Anything else, such as a type
/// alias or a user's struct, is left to the compiler, which reports it at the operator. The
/// error points at `at`: the operator for its receiver, the node's name for another input.
fn check_input(
    p: &Pipeline,
    r: ParentRef,
    parent: &Ident,
    op: &Ident,
    input: Input,
    at: &Ident,
    cx: &mut Ctxt,
) {
    if input == Input::Any {
        return;
    }
    let ty = match r {
        ParentRef::Node(j) => &p.nodes[j].ty,
        ParentRef::Input(k) => p.params[k].rdd_elem.as_ref().expect("input param"),
    };
    let shown = crate::model::type_text(ty);
    if syntax::not_a_pair(ty) {
        cx.error_spanned_by(
            at,
            format!(
                "`{op}` takes key-value pairs `(K, V)`, but the elements of `{parent}` are `{shown}`; \
                 map them to pairs first, e.g. `pairs: (K, V) = {parent}.map(|x| (key, value));`, or use `key_by`"
            ),
        );
    } else if input == Input::KeyedPairs
        && let Some(key) = syntax::pair_key(ty)
        && syntax::not_hash_eq(key)
    {
        cx.error_spanned_by(
            at,
            format!(
                "`{op}` groups by key, but the key type `{}` of `{parent}` is not `Hash + Eq`; \
                 use a key type that is, e.g. an integer (a float's bits with `f64::to_bits`, or a \
                 fixed-point value) or a type that derives `Hash, PartialEq, Eq`",
                crate::model::type_text(key)
            ),
        );
    }
}

/// What an element type's syntax alone says about it.
mod syntax {
    use syn::{GenericArgument, Path, PathArguments, Type};

    /// The last segment's name of a path that certainly names a standard type: a single
    /// segment (`u64`, `String`, `Vec<T>`) or a path under `std`, `core` or `alloc`.
    fn std_name(path: &Path) -> Option<String> {
        let first = path.segments.first()?.ident.to_string();
        if path.segments.len() == 1 || matches!(first.as_str(), "std" | "core" | "alloc") {
            Some(path.segments.last()?.ident.to_string())
        } else {
            None
        }
    }

    const NOT_PAIRS: &[&str] = &[
        "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
        "i64", "i128", "isize", "f32", "f64", "String", "Vec", "VecDeque", "Option", "Box", "Arc",
        "Rc", "HashMap", "HashSet", "BTreeMap", "BTreeSet", "PathBuf",
    ];

    /// Certainly not `(K, V)`.
    pub(super) fn not_a_pair(ty: &Type) -> bool {
        match ty {
            Type::Paren(t) => not_a_pair(&t.elem),
            Type::Group(t) => not_a_pair(&t.elem),
            Type::Tuple(t) => t.elems.len() != 2,
            Type::Array(_)
            | Type::Slice(_)
            | Type::Reference(_)
            | Type::Ptr(_)
            | Type::BareFn(_) => true,
            Type::Never(_) | Type::TraitObject(_) => true,
            Type::Path(t) if t.qself.is_none() => {
                std_name(&t.path).is_some_and(|n| NOT_PAIRS.contains(&n.as_str()))
            }
            _ => false,
        }
    }

    /// `K` of a type written `(K, V)`.
    pub(super) fn pair_key(ty: &Type) -> Option<&Type> {
        match ty {
            Type::Paren(t) => pair_key(&t.elem),
            Type::Group(t) => pair_key(&t.elem),
            Type::Tuple(t) if t.elems.len() == 2 => t.elems.first(),
            _ => None,
        }
    }

    /// Certainly not `Hash + Eq`: floats, hash maps and sets, and the standard containers and
    /// tuples of them.
    pub(super) fn not_hash_eq(ty: &Type) -> bool {
        match ty {
            Type::Paren(t) => not_hash_eq(&t.elem),
            Type::Group(t) => not_hash_eq(&t.elem),
            Type::Tuple(t) => t.elems.iter().any(not_hash_eq),
            Type::Array(t) => not_hash_eq(&t.elem),
            Type::Slice(t) => not_hash_eq(&t.elem),
            Type::Reference(t) => not_hash_eq(&t.elem),
            Type::Path(t) if t.qself.is_none() => {
                let Some(name) = std_name(&t.path) else {
                    return false;
                };
                match name.as_str() {
                    "f32" | "f64" | "HashMap" | "HashSet" => true,
                    "Vec" | "VecDeque" | "Option" | "Box" | "Arc" | "Rc" | "BTreeSet" => {
                        let last = t.path.segments.last().expect("a path has a segment");
                        match &last.arguments {
                            PathArguments::AngleBracketed(a) => a
                                .args
                                .iter()
                                .any(|g| matches!(g, GenericArgument::Type(t) if not_hash_eq(t))),
                            _ => false,
                        }
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

fn resolve(
    p: &Pipeline,
    nodes: &HashMap<String, usize>,
    name: &Ident,
    cx: &mut Ctxt,
) -> Option<ParentRef> {
    let key = name.to_string();
    if let Some(&i) = nodes.get(&key) {
        return Some(ParentRef::Node(i));
    }
    if let Some((i, param)) = p.params.iter().enumerate().find(|(_, x)| x.name == key) {
        if param.rdd_elem.is_some() {
            return Some(ParentRef::Input(i));
        }
        cx.error_spanned_by(
            name,
            format!(
                "`{name}` is a value parameter of type `{}`, not a node; to use it as a parent, \
                 declare it as an input node `{name}: Rdd<ElementType>`, or read it with a source \
                 node, e.g. `items: ElementType = parallelize({name});`",
                crate::model::type_text(&param.ty)
            ),
        );
        return None;
    }
    if p.broken.iter().any(|b| b.name == key) {
        // Declared, but its definition has an error of its own, reported already.
        return None;
    }
    let candidates = p
        .nodes
        .iter()
        .map(|n| n.name.to_string())
        .chain(
            p.params
                .iter()
                .filter(|x| x.rdd_elem.is_some())
                .map(|x| x.name.to_string()),
        )
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

/// ` (did you mean `x`?)` for the closest name within a small edit distance.
fn did_you_mean<'a>(name: &Ident, candidates: impl Iterator<Item = &'a str>) -> String {
    crate::suggest::closest(&name.to_string(), candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
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
            // `path` follows parent edges; print the cycle in data-flow order, starting at
            // the node declared first.
            let mut cycle: Vec<usize> = path[pos..].to_vec();
            cycle.reverse();
            let first = (0..cycle.len())
                .min_by_key(|&k| cycle[k])
                .expect("a cycle has nodes");
            cycle.rotate_left(first);
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
