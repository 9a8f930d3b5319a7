//! A node with three shuffles, one per input (`Shape::Join3`: `group_with`): the struct holds
//! the engine's `ThreeShuffles`, which buckets the inputs by key and reads a co-partitioned
//! input directly; `compute` runs the operator's reduce side over the three.

use quote::{quote, quote_spanned};

use super::shape::{OpNode, Parts, exchange_method};

pub(crate) fn parts(op: &OpNode) -> Parts {
    let (lbl, span) = (&op.lbl, op.op_span);
    let private = quote_spanned!(span=> ::rddflow::__private);
    let (a, b, c) = (
        op.parent_handle(0),
        op.parent_handle(1),
        op.parent_handle(2),
    );
    let (at, bt, ct) = (op.parent_elem(0), op.parent_elem(1), op.parent_elem(2));
    let reduce_side = op.op_fn("reduce_side");
    let codecs = [at, bt, ct].map(|t| op.codec(quote!(#t), &[t]));
    let [ac, bc, cc] = &codecs;
    let (parts_clones, partitions) = (&op.partitions_clones, op.partitions_opt());
    Parts {
        fields: quote_spanned! {span=>
            #[allow(clippy::type_complexity)]
            __exchange: #private::ThreeShuffles<#a, #b, #c>,
        },
        compute: quote_spanned! {span=>
            let __site = #private::Site::new(__cx, #lbl, __part);
            let (__a, __b, __c) = #private::ThreeShuffles::read(&self.__exchange, __parents, &__site);
            #reduce_side(__site, __a, __b, __c)
        },
        methods: exchange_method(span),
        build: quote_spanned! {span=>
            #parts_clones
            let __exchange: #private::ThreeShuffles<#a, #b, #c> =
                #private::ThreeShuffles::new(__ctx, &__parents, #partitions, (#ac, #bc, #cc));
            let __partitions = __exchange.partitions();
            let __partitioner = __exchange.partitioner();
        },
        init: quote_spanned!(span=> __exchange,),
        ..Parts::default()
    }
}
