//! A node with one shuffle from its parent (`Shape::Wide`): the struct holds the engine's
//! `OneShuffle` and implements `OneShuffleNode` with the operator's map side (and, for a sort,
//! the sampling before its map stage); `compute` reads through the engine and runs the
//! operator's reduce side. The engine decides co-partitioning, runs map tasks and releases.

use quote::{quote, quote_spanned};

use super::shape::{OpNode, Parts, exchange_method};

pub(crate) fn parts(op: &OpNode, by_key: bool, sampled: bool) -> Parts {
    let (name, lbl, clones, pasted, span) = (&op.name, &op.lbl, &op.clones, &op.pasted, op.op_span);
    let (op_ty, in_ty, item) = (&op.op_ty, op.in_ty, op.item);
    let private = quote_spanned!(span=> ::rddflow::__private);
    let record = quote_spanned!(span=> <#op_ty as #private::ops::WideOp>::Record);
    let parent = op.parent_handle(0);
    let (map_side, reduce_side) = (op.op_fn("map_side"), op.op_fn("reduce_side"));
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
    let kind = syn::Ident::new(
        match (by_key, sampled) {
            (_, true) => "Sampled",
            (true, false) => "Keyed",
            (false, false) => "Unkeyed",
        },
        span,
    );
    let codec = op.codec(record.clone(), &[in_ty, item]);
    let (parts_clones, partitions) = (&op.partitions_clones, op.partitions_opt());
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
        impls: quote_spanned! {span=>
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
        },
        build: quote_spanned! {span=>
            #parts_clones
            let __exchange = #private::OneShuffle::new(
                __ctx,
                &__parents.0,
                #partitions,
                #private::ShuffleKind::#kind,
                #codec,
            );
            let __partitions = __exchange.partitions();
            let __partitioner = __exchange.partitioner();
        },
        fingerprint: quote!(),
        init: quote_spanned!(span=> __exchange,),
    }
}
