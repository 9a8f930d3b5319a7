//! What each node shape generates, and the context its generator reads. A node is the user's
//! code (element types, closures, parents) plus at most one engine value (`__exchange`) that
//! runs the execution protocol: each shape's generator (`source.rs`, `narrow.rs`, `reads_parents.rs`,
//! `coalesce.rs`, `one_shuffle.rs`, `two_shuffles.rs`) fills in a [`Parts`], which `node.rs`
//! (the struct and its `RddNode` impl) and `pipeline.rs` (`new`) put around the common code.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{clone_params, label, node_struct, parent_elem, parent_handle, task_arg};
use crate::graph::{Checked, Resolved};
use crate::ops::{Arg, OpSpec, Shape};

/// A node's shape-specific code.
#[derive(Default)]
pub(crate) struct Parts {
    /// Fields of the node struct beyond the common ones.
    pub fields: TokenStream,
    /// The body of `compute` (`__parents`, `__cx`, `__part` in scope).
    pub compute: TokenStream,
    /// Items of the `RddNode` impl beyond the common ones.
    pub methods: TokenStream,
    /// Items after the node's `RddNode` impl.
    pub impls: TokenStream,
    /// Statements of `new` after `let __parents`: they define `__partitions: usize` and
    /// `__partitioner: Option<Partitioner>`, and what `init` moves into the node.
    pub build: TokenStream,
    /// Statements of `new` adding to the fingerprint `__f` (a source's input files).
    pub fingerprint: TokenStream,
    /// Initializers of `fields`.
    pub init: TokenStream,
}

/// Node `i`'s parts, from the generator of its shape.
pub(crate) fn parts(c: &Checked, i: usize) -> Parts {
    match &c.resolved[i] {
        Resolved::Source(s) => super::source::parts(c, i, s),
        Resolved::Op(spec) => {
            let op = OpNode::new(c, i, spec);
            match spec.shape {
                Shape::Narrow {
                    keeps_partitioner,
                    state,
                } => super::narrow::parts(&op, keeps_partitioner, state),
                Shape::ReadsParents => super::reads_parents::parts(&op),
                Shape::Coalesce => super::coalesce::parts(&op),
                Shape::Wide {
                    by_key,
                    sampled,
                    elements,
                } => {
                    // `sort_by_key` reports its ranges; `sort_by`'s elements are not keyed
                    // by its sort key.
                    let ranges = sampled && spec.input == crate::ops::Input::Pairs;
                    super::one_shuffle::parts(&op, by_key, sampled, elements, ranges)
                }
                Shape::Join {
                    by_element,
                    first_default,
                } => super::two_shuffles::parts(&op, by_element, first_default),
                Shape::Join3 => super::three_shuffles::parts(&op),
                Shape::Cartesian => super::cartesian::parts(&op),
            }
        }
    }
}

/// What every operator's generator reads: the node, its operator and its arguments.
pub(crate) struct OpNode<'a> {
    pub c: &'a Checked<'a>,
    pub i: usize,
    pub name: syn::Ident,
    pub lbl: String,
    pub item: &'a syn::Type,
    /// The parent's element type.
    pub in_ty: &'a syn::Type,
    /// The operator the user wrote.
    pub op_span: Span,
    /// The operator's first closure or value argument (else the operator): where type errors
    /// in the user's closures are reported.
    pub span: Span,
    /// `ops::NAME::Op::<In, Out>`, spanned at the operator: unmet bounds on the element types
    /// (not a pair, key not `Hash + Eq`) are reported at the operator the user wrote.
    pub op_ty: TokenStream,
    /// The closure and value arguments, as pasted into a task (closures made `move`).
    pub pasted: Vec<TokenStream>,
    /// The clones of the value parameters those arguments use, from `self.__params`.
    pub clones: TokenStream,
    /// The same clones in `new`, from `__params`.
    pub new_clones: TokenStream,
    /// The partition count the user gave, as a `usize` expression evaluated in `new`.
    pub partitions: Option<TokenStream>,
    /// The clones of the value parameters the partition count uses, from `__params`.
    pub partitions_clones: TokenStream,
}

impl<'a> OpNode<'a> {
    fn new(c: &'a Checked<'a>, i: usize, spec: &OpSpec) -> Self {
        let p = c.p;
        let n = &p.nodes[i];
        let args: Vec<&syn::Expr> = n.expr.args().iter().collect();
        let kinds = spec
            .args
            .iter()
            .copied()
            .chain(std::iter::repeat(Arg::Partitions));
        let task_args: Vec<&syn::Expr> = args
            .iter()
            .zip(kinds.clone())
            .filter(|(_, k)| matches!(k, Arg::Closure(_) | Arg::Value(_)))
            .map(|(a, _)| *a)
            .collect();
        let parts_arg = args
            .iter()
            .zip(kinds)
            .find(|(_, k)| *k == Arg::Partitions)
            .map(|(a, _)| *a);
        let op_span = n.expr.op_name().span();
        let in_ty = parent_elem(c, c.parents[i][0]);
        let item = &n.ty;
        let op = syn::Ident::new(spec.name, op_span);
        OpNode {
            c,
            i,
            name: node_struct(p, &n.name),
            lbl: label(p, &n.name),
            item,
            in_ty,
            op_span,
            span: task_args.first().map_or(op_span, |a| a.span()),
            op_ty: quote_spanned!(op_span=> ::rddflow::__private::ops::#op::Op::<#in_ty, #item>),
            pasted: task_args.iter().map(|a| task_arg(a)).collect(),
            clones: clone_params(p, &quote!(self.__params), &task_args),
            new_clones: clone_params(p, &quote!(__params), &task_args),
            // Checked in `new`: a count of 0 is an error naming the node, as Spark refuses it.
            // A keyed shuffle also takes a `KeyPartitioner` of the input's keys (a count is one).
            partitions: parts_arg.map(|a| {
                let (lbl, name) = (label(p, &n.name), spec.name);
                if spec.partitions_by_element() {
                    quote_spanned!(a.span()=> ::rddflow::__private::ops::partitioner_arg::<
                        #in_ty, _>(#lbl, #name, #a)?)
                } else if spec.takes_partitioner() {
                    quote_spanned!(a.span()=> ::rddflow::__private::ops::partitioner_arg::<
                        <#in_ty as ::rddflow::Pair>::Key, _>(#lbl, #name, #a)?)
                } else {
                    quote_spanned!(a.span()=> ::rddflow::__private::ops::partition_count(#lbl, #name, #a)?)
                }
            }),
            partitions_clones: parts_arg
                .map(|a| clone_params(p, &quote!(__params), &[a]))
                .unwrap_or_default(),
        }
    }

    /// `Op::<In, Out>::f`, spanned at the operator.
    pub fn op_fn(&self, f: &str) -> TokenStream {
        let op_ty = &self.op_ty;
        let f = syn::Ident::new(f, self.op_span);
        quote_spanned!(self.op_span=> #op_ty::#f)
    }

    /// The handle type of parent `k`.
    pub fn parent_handle(&self, k: usize) -> TokenStream {
        parent_handle(self.c, self.c.parents[self.i][k])
    }

    /// The element type of parent `k`.
    pub fn parent_elem(&self, k: usize) -> &'a syn::Type {
        parent_elem(self.c, self.c.parents[self.i][k])
    }

    /// The partition count or partitioner the user gave, as a `Partitioning`.
    pub fn partitions_opt(&self) -> TokenStream {
        match &self.partitions {
            Some(n) => quote!(::rddflow::__private::Partitioning::from(#n)),
            None => quote!(::rddflow::__private::Partitioning::Default),
        }
    }

    /// The spill codec of a shuffle's records `rec`, picked at compile time: `None` when they
    /// are not serde-serializable (that shuffle then stays in memory). Types that borrow
    /// (`&'static str`) are never `DeserializeOwned`, and probing them would be a hard lifetime
    /// error rather than a fallback: they do not spill. The probe is autoref specialization, so
    /// it is made here, at the concrete type, and handed to the engine.
    pub fn codec(&self, rec: TokenStream, tys: &[&syn::Type]) -> TokenStream {
        let borrows = tys.iter().any(|t| {
            let s = quote!(#t).to_string();
            s.contains('&') || s.contains('\'')
        });
        if borrows {
            return quote!(::core::option::Option::None);
        }
        quote_spanned! {self.op_span=> {
            #[allow(unused_imports)]
            use ::rddflow::__private::spill::{NotSpillable as _, Spillable as _};
            (&::rddflow::__private::spill::Probe::<#rec>::new()).codec()
        }}
    }

    /// `let __site = Site::new(..)` for partition `__part` of this node.
    pub fn site(&self) -> TokenStream {
        let lbl = &self.lbl;
        quote!(let __site = ::rddflow::__private::Site::new(__cx, #lbl, __part);)
    }
}

/// The `exchange` method of a node holding its engine value in `__exchange`.
pub(crate) fn exchange_method(span: Span) -> TokenStream {
    quote_spanned! {span=>
        fn exchange(&self) -> ::core::option::Option<&dyn ::rddflow::__private::Exchange<Self>> {
            ::core::option::Option::Some(&self.__exchange)
        }
    }
}
