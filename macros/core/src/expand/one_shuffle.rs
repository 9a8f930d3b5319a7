//! A node with one shuffle from its parent (`Shape::Wide`): the struct holds the engine's
//! `OneShuffle` and implements `OneShuffleNode` with the operator's map side (and, for a sort,
//! the sampling before its map stage); `compute` reads through the engine and runs the
//! operator's reduce side. The engine decides co-partitioning, runs map tasks and releases.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::shape::{OpNode, Parts, exchange_method};

pub(crate) fn parts(
    op: &OpNode,
    by_key: bool,
    sampled: bool,
    elements: bool,
    ranges: bool,
) -> Parts {
    let (lbl, clones, pasted, span) = (&op.lbl, &op.clones, &op.pasted, op.op_span);
    let private = quote_spanned!(span=> ::rddflow::__private);
    let record = record(op);
    let reduce_side = op.op_fn("reduce_side");
    let kind = syn::Ident::new(
        match (by_key, sampled, elements) {
            (_, true, _) => "Sampled",
            (true, false, _) => "Keyed",
            (false, false, true) => "Elements",
            (false, false, false) => "Unkeyed",
        },
        span,
    );
    let codec = op.codec(record.clone(), &[op.in_ty, op.item]);
    let (parts_clones, partitions) = (&op.partitions_clones, op.partitions_opt());
    // A sort by key reports its ranges as its partitioner (Spark's `sortByKey` output keeps
    // its `RangePartitioner`), sharing the bounds its engine value samples.
    let report = if ranges {
        let (new_clones, range_partitioner) = (&op.new_clones, op.op_fn("range_partitioner"));
        quote_spanned! {span=>
            let __exchange = {
                #new_clones
                let __p = #range_partitioner(
                    #lbl, &__parents.0, __exchange.partitions(), __exchange.bounds(), #(#pasted),*
                );
                __exchange.reporting(__p)
            };
        }
    } else {
        quote!()
    };
    Parts {
        fields: quote_spanned! {span=>
            #[allow(clippy::type_complexity)]
            __exchange: #private::OneShuffle<#record>,
        },
        compute: quote_spanned! {span=>
            let __site = #private::Site::new(__cx, #lbl, __part);
            let __read = #private::OneShuffle::read(&self.__exchange, self, &__parents.0, &__site);
            #clones
            #reduce_side(__site, __read, #(#pasted),*)
        },
        methods: exchange_method(span),
        impls: hooks(op, sampled),
        build: quote_spanned! {span=>
            #parts_clones
            let __exchange = #private::OneShuffle::new(
                __ctx,
                &__parents.0,
                #partitions,
                #private::ShuffleKind::#kind,
                #codec,
            );
            #report
            let __partitions = __exchange.partitions();
            let __partitioner = __exchange.partitioner();
        },
        fingerprint: quote!(),
        init: quote_spanned!(span=> __exchange,),
    }
}

/// What crosses the shuffle: the operator's `WideOp::Record`, spanned at the operator.
fn record(op: &OpNode) -> TokenStream {
    let op_ty = &op.op_ty;
    quote_spanned!(op.op_span=> <#op_ty as ::rddflow::__private::ops::WideOp>::Record)
}

/// The node's `OneShuffleNode` impl: the operator's map side with the user's arguments, and a
/// sort's sampling before its map stage.
fn hooks(op: &OpNode, sampled: bool) -> TokenStream {
    let (name, lbl, clones, pasted, span) = (&op.name, &op.lbl, &op.clones, &op.pasted, op.op_span);
    let private = quote_spanned!(span=> ::rddflow::__private);
    let (record, parent, in_ty) = (record(op), op.parent_handle(0), op.in_ty);
    let map_side = op.op_fn("map_side");
    // A sort's map side reads the range bounds the engine sampled through `prepare`.
    let (bounds_param, bounds_arg, prepare) = if sampled {
        let prepare = op.op_fn("prepare");
        (
            quote!(__bounds),
            quote!(__bounds,),
            quote_spanned! {span=>
                fn prepare(&self, __parent: &Self::Parent, __partitions: usize, __bounds: &#private::Bounds) -> ::rddflow::Result<()> {
                    #clones
                    #prepare(#lbl, __parent, __partitions, __bounds, #(#pasted),*)
                }
            },
        )
    } else {
        (quote!(_bounds), quote!(), quote!())
    };
    quote_spanned! {span=>
        #[allow(clippy::type_complexity)]
        impl #private::OneShuffleNode for #name {
            type Parent = #parent;
            type Record = #record;

            fn map_side(
                &self,
                __site: #private::Site,
                __input: impl ::core::iter::Iterator<Item = #in_ty>,
                __writer: #private::MapWriter<Self::Record>,
                #bounds_param: &#private::Bounds,
            ) -> #private::MapOutput<Self::Record> {
                #clones
                #map_side(__site, __input, __writer, #bounds_arg #(#pasted),*)
            }

            #prepare
        }
    }
}
