//! One struct per node, implementing `RddNode`: compute (fused into its children's iterators),
//! the shuffle halves of wide operators, dependencies, and Spark's `doCheckpoint` recursion.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{
    clone_params, label, node_struct, params_struct, parent_elem, parent_handle, task_arg,
};
use crate::graph::{Checked, Resolved};
use crate::model::NodeDef;
use crate::ops::{Arg, Shape};

pub(crate) fn node(c: &Checked, i: usize) -> TokenStream {
    let p = c.p;
    let n: &NodeDef = &p.nodes[i];
    let vis = &p.vis;
    let name = node_struct(p, &n.name);
    let params = params_struct(p);
    let item = &n.ty;
    let lbl = label(p, &n.name);
    let handles: Vec<TokenStream> = c.parents[i].iter().map(|&r| parent_handle(c, r)).collect();
    let parents_ty = quote!((#(#handles,)*));
    let docs = &n.docs;
    let default_doc = if docs.is_empty() {
        let d = format!(" Node `{}` of pipeline `{}`.", n.name, p.name);
        quote!(#[doc = #d])
    } else {
        quote!()
    };

    let mut fields = TokenStream::new();
    let mut methods = TokenStream::new();
    let compute_body;
    let params_ts = quote!(self.__params);
    let args: Vec<&syn::Expr> = n.expr.args().iter().collect();

    match &c.resolved[i] {
        Resolved::Source(s) => {
            let ty = source_type(s, item);
            fields.extend(quote!(__source: #ty,));
            compute_body = quote! {
                ::rddflow::__private::sources::read(
                    &self.__source,
                    ::rddflow::Site::new(__cx, #lbl, __part),
                )
            };
        }
        Resolved::Op(spec) => {
            let op = syn::Ident::new(spec.name, n.expr.op_name().span());
            let in_ty = parent_elem(c, c.parents[i][0]);
            let task_args: Vec<&syn::Expr> = args
                .iter()
                .zip(spec.args)
                .filter(|(_, k)| matches!(k, Arg::Closure(_) | Arg::Value(_)))
                .map(|(a, _)| *a)
                .collect();
            let clones = clone_params(p, &params_ts, &task_args);
            let pasted: Vec<TokenStream> = task_args.iter().map(|a| task_arg(a)).collect();
            // Spanned at the operator's first argument (the closure), so type errors in it
            // are reported there rather than at the macro call.
            let op_span = n.expr.op_name().span();
            let span = task_args.first().map_or(op_span, |a| a.span());
            // The operator's type, spanned at the operator: unmet bounds on the element types
            // (not a pair, key not `Hash + Eq`) are reported at the operator the user wrote.
            let op_ty =
                quote_spanned!(op_span=> ::rddflow::__private::ops::#op::Op::<#in_ty, #item>);
            let op_fn = |f: &str| {
                let f = syn::Ident::new(f, op_span);
                quote_spanned!(op_span=> #op_ty::#f)
            };
            let (apply, map_side, reduce_side) =
                (op_fn("apply"), op_fn("map_side"), op_fn("reduce_side"));
            match spec.shape {
                Shape::Narrow { .. } => {
                    let input = if super::boxed_inputs(c)[i] {
                        quote!(::rddflow::__private::boxed(
                            ::rddflow::Dataset::iter_parent(&__parents.0, __cx, __part)
                        ))
                    } else {
                        quote!(::rddflow::Dataset::iter_parent(&__parents.0, __cx, __part))
                    };
                    compute_body = quote_spanned! {span=>
                        let __site = ::rddflow::Site::new(__cx, #lbl, __part);
                        let __input = #input;
                        #clones
                        #apply(__site, __input, #(#pasted),*)
                    };
                }
                Shape::Union => {
                    compute_body = quote! {
                        #apply(::rddflow::Site::new(__cx, #lbl, __part), &__parents.0, &__parents.1)
                    };
                }
                Shape::Coalesce => {
                    compute_body = quote! {
                        #apply(
                            ::rddflow::Site::new(__cx, #lbl, __part),
                            &__parents.0,
                            self.__core.info().partitions,
                        )
                    };
                }
                Shape::Wide { by_key, sampled } => {
                    let record = quote_spanned!(op_span=> <#op_ty as ::rddflow::__private::ops::WideOp>::Record);
                    fields.extend(quote_spanned!(op_span=>
                        #[allow(clippy::type_complexity)]
                        __shuffle: ::std::sync::Arc<::rddflow::__private::shuffle::ShuffleSlot<#record>>,
                    ));
                    // A keyed shuffle whose input is already partitioned by its partitioner
                    // (`__narrow`, decided in `new`) runs both halves here on the parent's
                    // partition: no shuffle stage.
                    let (read, dependency) = if by_key {
                        fields.extend(quote!(__narrow: bool,));
                        (
                            quote_spanned! {op_span=>
                                if self.__narrow {
                                    let __input = ::rddflow::Dataset::iter_parent(&__parents.0, __cx, __part);
                                    let __writer = self.__shuffle.writer(&__site);
                                    #clones
                                    let __output = #map_side(::core::clone::Clone::clone(&__site), __input, __writer, #(#pasted),*);
                                    self.__shuffle.read_local(&__site, __output)
                                } else {
                                    self.__shuffle.read(&__site)
                                }
                            },
                            quote! {
                                if self.__narrow {
                                    return ::std::vec![::rddflow::Dependency::Narrow(::rddflow::Dataset::erased(&__parents.0))];
                                }
                            },
                        )
                    } else {
                        (quote!(self.__shuffle.read(&__site)), quote!())
                    };
                    compute_body = quote_spanned! {op_span=>
                        let __site = ::rddflow::Site::new(__cx, #lbl, __part);
                        let __read = #read;
                        #clones
                        #reduce_side(__site, __read, #(#pasted),*)
                    };
                    // A sort keeps its range bounds, sampled before its map stage.
                    let bounds = if sampled {
                        fields.extend(quote!(__range: ::rddflow::__private::range::Bounds,));
                        let prepare = op_fn("prepare");
                        methods.extend(quote_spanned! {op_span=>
                            fn prepare_map_stage(&self, __parents: &Self::Parents, _dep: usize) -> ::rddflow::Result<()> {
                                #clones
                                #prepare(
                                    #lbl,
                                    &__parents.0,
                                    self.__shuffle.partitioner().num_partitions(),
                                    &self.__range,
                                    #(#pasted),*
                                )
                            }
                        });
                        quote!(&self.__range,)
                    } else {
                        quote!()
                    };
                    methods.extend(quote_spanned! {op_span=>
                        fn dependencies(&self, __parents: &Self::Parents) -> ::std::vec::Vec<::rddflow::Dependency> {
                            #dependency
                            ::std::vec![::rddflow::Dependency::Shuffle(::rddflow::ShuffleDep {
                                parent: ::rddflow::Dataset::erased(&__parents.0),
                                owner: self.__core.erased(),
                                index: 0,
                                status: self.__shuffle.clone(),
                            })]
                        }

                        fn run_map_task(
                            &self,
                            __parents: &Self::Parents,
                            __cx: &::rddflow::TaskContext,
                            _dep: usize,
                            __part: usize,
                        ) -> ::rddflow::Result<()> {
                            let __site = ::rddflow::Site::new(__cx, #lbl, __part);
                            let __input = ::rddflow::Dataset::iter_partition(&__parents.0, __cx, __part);
                            let __writer = self.__shuffle.writer(&__site);
                            #clones
                            let __output = #map_side(__site, __input, __writer, #bounds #(#pasted),*);
                            self.__shuffle.put(__cx, __part, __output);
                            ::core::result::Result::Ok(())
                        }

                        fn release_shuffles(&self) {
                            self.__shuffle.clear();
                        }
                    });
                }
                Shape::Join => {
                    // Shuffle 0 is the parent (left), shuffle 1 is `other` (right); an input
                    // co-partitioned with the output (`__narrow`, decided in `new`) has no
                    // shuffle stage: its partitions are read directly.
                    let right_ty = parent_elem(c, c.parents[i][1]);
                    let cogroup = quote_spanned!(op_span=> ::rddflow::__private::ops::cogroup);
                    // Every two-input operator buckets its inputs the same way: `cogroup`'s map
                    // side; the operators differ only in how they flatten the groups.
                    let map_side =
                        quote_spanned!(op_span=> #cogroup::Op::<#in_ty, #item>::map_side);
                    fields.extend(quote_spanned!(op_span=>
                        #[allow(clippy::type_complexity)]
                        __shuffle_left: ::std::sync::Arc<::rddflow::__private::shuffle::ShuffleSlot<#in_ty>>,
                        #[allow(clippy::type_complexity)]
                        __shuffle_right: ::std::sync::Arc<::rddflow::__private::shuffle::ShuffleSlot<#right_ty>>,
                        __narrow: [bool; 2],
                    ));
                    compute_body = quote_spanned! {op_span=>
                        let __site = ::rddflow::Site::new(__cx, #lbl, __part);
                        let __left = #cogroup::read(&__site, &__parents.0, &self.__shuffle_left, self.__narrow[0]);
                        let __right = #cogroup::read(&__site, &__parents.1, &self.__shuffle_right, self.__narrow[1]);
                        #reduce_side(__site, __left, __right)
                    };
                    methods.extend(quote_spanned! {op_span=>
                        fn dependencies(&self, __parents: &Self::Parents) -> ::std::vec::Vec<::rddflow::Dependency> {
                            ::std::vec![
                                #cogroup::dependency(&__parents.0, self.__core.erased(), 0, &self.__shuffle_left, self.__narrow[0]),
                                #cogroup::dependency(&__parents.1, self.__core.erased(), 1, &self.__shuffle_right, self.__narrow[1]),
                            ]
                        }

                        fn run_map_task(
                            &self,
                            __parents: &Self::Parents,
                            __cx: &::rddflow::TaskContext,
                            __dep: usize,
                            __part: usize,
                        ) -> ::rddflow::Result<()> {
                            let __site = ::rddflow::Site::new(__cx, #lbl, __part);
                            match __dep {
                                0 => {
                                    let __input = ::rddflow::Dataset::iter_partition(&__parents.0, __cx, __part);
                                    let __writer = self.__shuffle_left.writer(&__site);
                                    let __output = #map_side(__site, __input, __writer);
                                    self.__shuffle_left.put(__cx, __part, __output);
                                }
                                1 => {
                                    let __input = ::rddflow::Dataset::iter_partition(&__parents.1, __cx, __part);
                                    let __writer = self.__shuffle_right.writer(&__site);
                                    let __output = #map_side(__site, __input, __writer);
                                    self.__shuffle_right.put(__cx, __part, __output);
                                }
                                _ => {
                                    return ::core::result::Result::Err(::rddflow::Error::InvalidArgument(
                                        ::std::format!("node `{}` has no shuffle {}", #lbl, __dep),
                                    ));
                                }
                            }
                            ::core::result::Result::Ok(())
                        }

                        fn release_shuffles(&self) {
                            self.__shuffle_left.clear();
                            self.__shuffle_right.clear();
                        }
                    });
                }
            }
        }
    }

    let recurse: Vec<TokenStream> = (0..c.parents[i].len())
        .map(|k| {
            let k = syn::Index::from(k);
            quote!(::rddflow::Dataset::do_checkpoint(&__p.#k, __pass);)
        })
        .collect();
    let (marked, unmarked) = if recurse.is_empty() {
        (quote!(), quote!())
    } else {
        (
            quote! {
                if __pass.all_marked_ancestors() {
                    if let ::core::option::Option::Some(__p) = self.__parents.get() {
                        #(#recurse)*
                    }
                }
            },
            quote! {
                if let ::core::option::Option::Some(__p) = self.__parents.get() {
                    #(#recurse)*
                }
            },
        )
    };

    // Spanned at the node, so that errors about its struct and impl (e.g. an element type
    // that an operator cannot take) point at its declaration, not at the macro call.
    quote_spanned! {n.name.span()=>
        #(#docs)*
        #default_doc
        // Parent tuples of user types are long by nature; not the user's concern.
        #[allow(clippy::type_complexity)]
        #vis struct #name {
            __core: ::rddflow::NodeCore<#item>,
            __parents: ::rddflow::ParentSlot<#parents_ty>,
            #[allow(dead_code)]
            __params: ::std::sync::Arc<#params>,
            #fields
        }

        #[allow(clippy::type_complexity)]
        impl ::rddflow::RddNode for #name {
            type Item = #item;
            type Parents = #parents_ty;

            fn core(&self) -> &::rddflow::NodeCore<#item> {
                &self.__core
            }

            fn parents(&self) -> &::rddflow::ParentSlot<Self::Parents> {
                &self.__parents
            }

            #[allow(unused_variables, clippy::let_and_return)]
            fn compute(
                &self,
                __parents: &Self::Parents,
                __cx: &::rddflow::TaskContext,
                __part: usize,
            ) -> impl ::core::iter::Iterator<Item = #item> + use<> {
                #compute_body
            }

            #methods

            /// Spark's `RDD.doCheckpoint`: entered once per pass; a marked node selects itself,
            /// after its marked ancestors when the pass asks for them; an unmarked node recurses
            /// into its parents.
            fn do_checkpoint(&self, __pass: &mut ::rddflow::CheckpointPass) {
                if !__pass.enter(self.__core.info().id) {
                    return;
                }
                match self.__core.checkpoint_status() {
                    ::rddflow::CheckpointStatus::Checkpointed { .. } => {}
                    ::rddflow::CheckpointStatus::Marked(_) => {
                        #marked
                        __pass.select(self.__core.erased());
                    }
                    ::rddflow::CheckpointStatus::Unmarked => {
                        #unmarked
                    }
                }
            }
        }
    }
}

pub(crate) fn source_type(s: &crate::ops::SourceSpec, item: &syn::Type) -> TokenStream {
    let path: syn::Path = syn::parse_str(s.ty).expect("table paths parse");
    if s.generic {
        quote!(::rddflow::__private::sources::#path<#item>)
    } else {
        quote!(::rddflow::__private::sources::#path)
    }
}
