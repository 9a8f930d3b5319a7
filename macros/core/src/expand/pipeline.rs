//! The pipeline struct, its parameters and `new`, which builds the graph without running it.

use proc_macro2::TokenStream;
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
    let param_asserts = value_params.iter().map(|x| {
        let ty = &x.ty;
        quote_spanned!(ty.span()=> ::rddflow::__private::assert_param::<#ty>();)
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
    let builds: TokenStream = c.order.iter().map(|&i| build_node(c, i)).collect();
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
                #(#param_asserts)*
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
fn build_node(c: &Checked, i: usize) -> TokenStream {
    let p = c.p;
    let n = &p.nodes[i];
    let var = &n.name;
    let s = node_struct(p, &n.name);
    let lbl = label(p, &n.name);
    let params_ts = quote!(__params);
    let parent_vars: Vec<_> = c.parents[i].iter().map(|&r| parent_var(c, r)).collect();
    let parents = quote!((#(::core::clone::Clone::clone(&#parent_vars),)*));
    let item = &n.ty;

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
            quote_spanned! {first.span()=>
                #clones
                let __source = <#ty>::new(__ctx, #first, #parts)?;
                let __partitions = ::rddflow::__private::sources::Source::num_partitions(&__source);
                ::rddflow::Node::new(#s {
                    __core: ::rddflow::NodeCore::new(__ctx, #lbl, #op, __partitions, ::core::option::Option::None),
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
                Shape::Wide { by_key } => {
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
            let shuffle_field = match spec.shape {
                Shape::Wide { .. } => quote_spanned! {op_span=>
                    __shuffle: ::rddflow::__private::shuffle::ShuffleSlot::new(
                        __ctx,
                        ::rddflow::Dataset::num_partitions(&__parents.0),
                        ::core::clone::Clone::clone(&__partitioner),
                    ),
                },
                // An input already partitioned like the output is read directly (no shuffle);
                // decided here, once: a node's partitioner never changes (a checkpoint keeps it).
                Shape::Join => quote_spanned! {op_span=>
                    __shuffle_left: ::rddflow::__private::shuffle::ShuffleSlot::new(
                        __ctx,
                        ::rddflow::Dataset::num_partitions(&__parents.0),
                        ::core::clone::Clone::clone(&__partitioner),
                    ),
                    __shuffle_right: ::rddflow::__private::shuffle::ShuffleSlot::new(
                        __ctx,
                        ::rddflow::Dataset::num_partitions(&__parents.1),
                        ::core::clone::Clone::clone(&__partitioner),
                    ),
                    __narrow: [
                        ::rddflow::__private::ops::cogroup::co_partitioned(&__parents.0, &__partitioner),
                        ::rddflow::__private::ops::cogroup::co_partitioned(&__parents.1, &__partitioner),
                    ],
                },
                _ => quote!(),
            };
            // Spanned at the node: errors in building it point at its declaration.
            quote_spanned! {var.span()=>
                #clones
                let __parents = #parents;
                #shuffle
                let __partitions: usize = #partitions;
                ::rddflow::Node::new(#s {
                    __core: ::rddflow::NodeCore::new(__ctx, #lbl, #op, __partitions, #partitioner),
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
