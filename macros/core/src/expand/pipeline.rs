//! The pipeline struct, its parameters and `new`, which builds the graph without running it.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{clone_params, label, node_struct, params_struct, parent_var};
use crate::attr::{Checkpoint, Storage};
use crate::graph::{Checked, Resolved};
use crate::ops::{Arg, Shape};

pub(crate) fn pipeline(c: &Checked) -> TokenStream {
    let p = c.p;
    let vis = &p.vis;
    let name = &p.name;
    let attrs = &p.attrs;
    let params = params_struct(p);
    let nodes: TokenStream = (0..p.nodes.len())
        .map(|i| super::node::node(c, i))
        .collect();

    let value_params: Vec<_> = p.params.iter().filter(|x| x.rdd_elem.is_none()).collect();
    let vp_names: Vec<_> = value_params.iter().map(|x| &x.name).collect();
    let vp_types: Vec<_> = value_params.iter().map(|x| &x.ty).collect();
    // Each value parameter is hashed once for the fingerprints of the nodes that use it; the
    // call requires `Param` (so `serde::Serialize`), and is spanned at the parameter's type.
    let param_hashes = value_params.iter().map(|x| {
        let (ty, n) = (&x.ty, &x.name);
        let var = super::param_hash_var(n);
        let name = n.to_string();
        quote_spanned!(ty.span()=> let #var: u128 = ::rddflow::__private::param_hash::<#ty>(__ctx, #name, &#n)?;)
    });
    let sig_params = p.params.iter().map(|x| {
        let (n, t) = (&x.name, &x.ty);
        quote!(#n: #t)
    });

    let input_fields = p.params.iter().filter_map(|x| {
        let t = x.rdd_elem.as_ref()?;
        let n = &x.name;
        let d = format!(" Input node `{n}`.");
        Some(quote!(#[doc = #d] pub #n: ::rddflow::Rdd<#t>,))
    });
    let input_names: Vec<_> = p
        .params
        .iter()
        .filter(|x| x.rdd_elem.is_some())
        .map(|x| &x.name)
        .collect();
    let node_fields = p.nodes.iter().map(|n| {
        let s = node_struct(p, &n.name);
        let field = &n.name;
        let docs = &n.docs;
        let d = format!(" Node `{field}`.");
        let doc = if docs.is_empty() {
            quote!(#[doc = #d])
        } else {
            quote!(#(#docs)*)
        };
        quote!(#doc pub #field: ::rddflow::Node<#s>,)
    });
    let node_names: Vec<_> = p.nodes.iter().map(|n| &n.name).collect();
    let defs = super::fingerprint::definition_hashes(c);
    let builds: TokenStream = c.order.iter().map(|&i| build_node(c, i, defs[i])).collect();
    let describe = super::describe::graph(c);
    let default_doc = if attrs.iter().any(|a| a.path().is_ident("doc")) {
        quote!()
    } else {
        let d = format!(" Pipeline `{name}`.");
        quote!(#[doc = #d])
    };

    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, clippy::type_complexity)]
        struct #params {
            #(#vp_names: #vp_types,)*
        }

        #nodes

        #(#attrs)*
        #default_doc
        #[allow(clippy::type_complexity)]
        #vis struct #name {
            #(#input_fields)*
            #(#node_fields)*
        }

        #[allow(clippy::type_complexity)]
        impl #name {
            /// Builds the pipeline's graph on `ctx`. Runs nothing: jobs run when an action is
            /// called on a node.
            #[allow(clippy::too_many_arguments, clippy::redundant_clone)]
            #vis fn new(__ctx: &::rddflow::Context, #(#sig_params),*) -> ::rddflow::Result<Self> {
                #(#param_hashes)*
                let __params = ::std::sync::Arc::new(#params { #(#vp_names,)* });
                #builds
                ::core::result::Result::Ok(#name {
                    #(#input_names,)*
                    #(#node_names,)*
                })
            }

            #describe
        }
    }
}

/// The statements of `new` that build node `i` (its parents are built already).
fn build_node(c: &Checked, i: usize, definition: u128) -> TokenStream {
    let p = c.p;
    let n = &p.nodes[i];
    let var = &n.name;
    let s = node_struct(p, &n.name);
    let lbl = label(p, &n.name);
    let params_ts = quote!(__params);
    let parent_vars: Vec<_> = c.parents[i].iter().map(|&r| parent_var(c, r)).collect();
    let parents = quote!((#(::core::clone::Clone::clone(&#parent_vars),)*));
    let item = &n.ty;
    // The node's fingerprint: its definition, its parents' fingerprints, the value parameters
    // its own arguments use (ancestors' come through their fingerprints), its input files.
    let used_hashes: Vec<Ident> =
        super::used_params(p, n.expr.args().iter().map(|a| quote!(#a)).collect())
            .into_iter()
            .map(super::param_hash_var)
            .collect();
    let used_names: Vec<String> =
        super::used_params(p, n.expr.args().iter().map(|a| quote!(#a)).collect())
            .into_iter()
            .map(|x| x.to_string())
            .collect();
    let definition = proc_macro2::Literal::u128_suffixed(definition);
    let fingerprint = |source: TokenStream| {
        quote! {
            let mut __f = ::rddflow::__private::Fingerprinter::new(#definition);
            #( __f.parent(::rddflow::Dataset::fingerprint(&#parent_vars)); )*
            #( __f.hashed_param(#used_names, #used_hashes); )*
            #source
            let __fp = __f.finish();
        }
    };

    let body = match &c.resolved[i] {
        Resolved::Source(src) => {
            let ty = super::node::source_type(src, item);
            let args = n.expr.args();
            let first = &args[0];
            let parts = match args.get(1) {
                Some(e) => quote!(::core::option::Option::Some(#e)),
                None => quote!(::core::option::Option::None),
            };
            let clones = clone_params(p, &params_ts, &args.iter().collect::<Vec<_>>());
            let op = src.name;
            let fp = fingerprint(quote!(
                ::rddflow::__private::sources::Source::fingerprint_input(&__source, &mut __f)?;
            ));
            quote_spanned! {first.span()=>
                #clones
                let __source = <#ty>::new(__ctx, #first, #parts)?;
                let __partitions = ::rddflow::__private::sources::Source::num_partitions(&__source);
                #fp
                ::rddflow::Node::new(#s {
                    __core: ::rddflow::NodeCore::new(__ctx, #lbl, #op, __partitions, ::core::option::Option::None)
                        .with_fingerprint(__fp),
                    __parents: ::rddflow::ParentSlot::new(()),
                    __params: ::core::clone::Clone::clone(&__params),
                    __source,
                })
            }
        }
        Resolved::Op(spec) => {
            let op = spec.name;
            let args = n.expr.args();
            let parts_arg = args
                .iter()
                .zip(
                    spec.args
                        .iter()
                        .copied()
                        .chain(std::iter::repeat(Arg::Partitions)),
                )
                .find(|(_, k)| *k == Arg::Partitions)
                .map(|(a, _)| a);
            let clones = match parts_arg {
                Some(a) => clone_params(p, &params_ts, &[a]),
                None => quote!(),
            };
            let parts_expr =
                parts_arg.map(|a| quote_spanned!(a.span()=> { let __n: usize = #a; __n }));
            let (partitions, partitioner, shuffle) = match spec.shape {
                Shape::Narrow { keeps_partitioner } => {
                    let pt = if keeps_partitioner {
                        quote!(::rddflow::Dataset::partitioner(&__parents.0))
                    } else {
                        quote!(::core::option::Option::None)
                    };
                    (
                        quote!(::rddflow::Dataset::num_partitions(&__parents.0)),
                        pt,
                        quote!(),
                    )
                }
                Shape::Union => (
                    quote!(
                        ::rddflow::Dataset::num_partitions(&__parents.0)
                            + ::rddflow::Dataset::num_partitions(&__parents.1)
                    ),
                    quote!(::core::option::Option::None),
                    quote!(),
                ),
                Shape::Coalesce => {
                    let n = parts_expr.clone().expect("coalesce has a partition count");
                    (
                        quote!(::rddflow::__private::ops::coalesce::partitions(::rddflow::Dataset::num_partitions(&__parents.0), #n)),
                        quote!(::core::option::Option::None),
                        quote!(),
                    )
                }
                Shape::Wide { by_key, .. } => {
                    let n = parts_expr.clone().unwrap_or_else(|| {
                        quote!(
                            __ctx.shuffle_partitions(&[::rddflow::Dataset::num_partitions(
                                &__parents.0
                            )])
                        )
                    });
                    let partitioner = if by_key {
                        quote!(::core::option::Option::Some(::core::clone::Clone::clone(
                            &__partitioner
                        )))
                    } else {
                        quote!(::core::option::Option::None)
                    };
                    (
                        quote!(__partitioner.num_partitions()),
                        partitioner,
                        quote! {
                            let __partitioner = ::rddflow::Partitioner::hash(#n);
                        },
                    )
                }
                Shape::Join => {
                    let n = parts_expr.clone().unwrap_or_else(|| {
                        quote!(__ctx.shuffle_partitions(&[
                            ::rddflow::Dataset::num_partitions(&__parents.0),
                            ::rddflow::Dataset::num_partitions(&__parents.1),
                        ]))
                    });
                    (
                        quote!(__partitioner.num_partitions()),
                        quote!(::core::option::Option::Some(::core::clone::Clone::clone(
                            &__partitioner
                        ))),
                        quote! {
                            let __partitioner = ::rddflow::Partitioner::hash(#n);
                        },
                    )
                }
            };
            let op_span = n.expr.op_name().span();
            // The spill codec of each shuffle's records, picked at compile time: `None` when
            // they are not serde-serializable (that shuffle then stays in memory).
            // Types that borrow (`&'static str`) are never `DeserializeOwned`, and probing
            // them would be a hard lifetime error rather than a fallback: they do not spill.
            let borrows = |tys: &[&syn::Type]| {
                tys.iter().any(|t| {
                    let s = quote!(#t).to_string();
                    s.contains('&') || s.contains('\'')
                })
            };
            let codec = |rec: TokenStream, tys: &[&syn::Type]| {
                if borrows(tys) {
                    return quote!(::core::option::Option::None);
                }
                quote_spanned! {op_span=> {
                    #[allow(unused_imports)]
                    use ::rddflow::__private::spill::{NotSpillable as _, Spillable as _};
                    (&::rddflow::__private::spill::Probe::<#rec>::new()).codec()
                }}
            };
            let in_ty = super::parent_elem(c, c.parents[i][0]);
            let opname = syn::Ident::new(spec.name, op_span);
            let shuffle_field = match spec.shape {
                Shape::Wide { by_key, sampled } => {
                    let codec = codec(
                        quote_spanned!(op_span=>
                            <::rddflow::__private::ops::#opname::Op<#in_ty, #item> as ::rddflow::__private::ops::WideOp>::Record
                        ),
                        &[in_ty, item],
                    );
                    let range = if sampled {
                        quote!(__range: ::rddflow::__private::range::Bounds::new(),)
                    } else {
                        quote!()
                    };
                    let narrow = if by_key {
                        quote!(__narrow: ::rddflow::__private::ops::cogroup::co_partitioned(&__parents.0, &__partitioner),)
                    } else {
                        quote!()
                    };
                    quote_spanned! {op_span=>
                        __shuffle: ::rddflow::__private::shuffle::ShuffleSlot::new(
                            __ctx,
                            ::rddflow::Dataset::num_partitions(&__parents.0),
                            ::core::clone::Clone::clone(&__partitioner),
                            #codec,
                        ),
                        #range
                        #narrow
                    }
                }
                // An input already partitioned like the output is read directly (no shuffle);
                // decided here, once: a node's partitioner never changes (a checkpoint keeps it).
                Shape::Join => {
                    let right_ty = super::parent_elem(c, c.parents[i][1]);
                    let (lc, rc) = (
                        codec(quote!(#in_ty), &[in_ty]),
                        codec(quote!(#right_ty), &[right_ty]),
                    );
                    quote_spanned! {op_span=>
                        __shuffle_left: ::rddflow::__private::shuffle::ShuffleSlot::new(
                            __ctx,
                            ::rddflow::Dataset::num_partitions(&__parents.0),
                            ::core::clone::Clone::clone(&__partitioner),
                            #lc,
                        ),
                        __shuffle_right: ::rddflow::__private::shuffle::ShuffleSlot::new(
                            __ctx,
                            ::rddflow::Dataset::num_partitions(&__parents.1),
                            ::core::clone::Clone::clone(&__partitioner),
                            #rc,
                        ),
                        __narrow: [
                            ::rddflow::__private::ops::cogroup::co_partitioned(&__parents.0, &__partitioner),
                            ::rddflow::__private::ops::cogroup::co_partitioned(&__parents.1, &__partitioner),
                        ],
                    }
                }
                _ => quote!(),
            };
            let fp = fingerprint(quote!());
            // Spanned at the node: errors in building it point at its declaration.
            quote_spanned! {var.span()=>
                #clones
                let __parents = #parents;
                #shuffle
                let __partitions: usize = #partitions;
                #fp
                ::rddflow::Node::new(#s {
                    __core: ::rddflow::NodeCore::new(__ctx, #lbl, #op, __partitions, #partitioner)
                        .with_fingerprint(__fp),
                    #shuffle_field
                    __parents: ::rddflow::ParentSlot::new(__parents),
                    __params: ::core::clone::Clone::clone(&__params),
                })
            }
        }
    };

    let mark = match n.attrs.checkpoint {
        Some((Checkpoint::Reliable, _)) => {
            quote_spanned!(item.span()=> ::rddflow::__private::mark_checkpoint::<#item>(::rddflow::Dataset::core(&#var))?;)
        }
        Some((Checkpoint::Local, _)) => quote!(::rddflow::Dataset::local_checkpoint(&#var)?;),
        None => quote!(),
    };
    // Memory storage needs nothing of the element type; disk storage encodes it, so its
    // bound is checked at the declared type, like `#[checkpoint]`'s.
    let cache = n.attrs.storage.map(|(level, _)| match level {
        Storage::Memory => quote!(::rddflow::Dataset::cache(&#var);),
        _ => {
            let v = syn::Ident::new(level.variant(), item.span());
            quote_spanned!(item.span()=> ::rddflow::__private::persist::<#item>(::rddflow::Dataset::core(&#var), ::rddflow::StorageLevel::#v)?;)
        }
    });
    quote! {
        let #var = { #body };
        #mark
        #cache
    }
}
