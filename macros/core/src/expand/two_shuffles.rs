//! A node with two shuffles, one per input (`Shape::Join`: `cogroup`, the joins and the set
//! operations): the struct holds the engine's `TwoShuffles`, which buckets both inputs by key
//! or by element (no user code on the map side) and reads a co-partitioned input directly;
//! `compute` runs the operator's reduce side over both inputs.

use quote::{quote, quote_spanned};

use super::shape::{OpNode, Parts, exchange_method};

pub(crate) fn parts(op: &OpNode, by_element: bool, first_default: bool) -> Parts {
    let (lbl, span) = (&op.lbl, op.op_span);
    let private = quote_spanned!(span=> ::rddflow::__private);
    let (left, right) = (op.parent_handle(0), op.parent_handle(1));
    let (left_ty, right_ty) = (op.parent_elem(0), op.parent_elem(1));
    let reduce_side = op.op_fn("reduce_side");
    let lc = op.codec(quote!(#left_ty), &[left_ty]);
    let rc = op.codec(quote!(#right_ty), &[right_ty]);
    let (parts_clones, mut partitions) = (&op.partitions_clones, op.partitions_opt());
    let by = syn::Ident::new(if by_element { "ByElement" } else { "ByKey" }, span);
    if first_default {
        partitions =
            quote_spanned!(span=> #private::first_input(&__parents.0, !#by_element, #partitions));
    }
    Parts {
        fields: quote_spanned! {span=>
            #[allow(clippy::type_complexity)]
            __exchange: #private::TwoShuffles<#left, #right, #private::#by>,
        },
        compute: quote_spanned! {span=>
            let __site = #private::Site::new(__cx, #lbl, __part);
            let (__left, __right) = #private::TwoShuffles::read(&self.__exchange, __parents, &__site);
            #reduce_side(__site, __left, __right)
        },
        methods: exchange_method(span),
        build: quote_spanned! {span=>
            #parts_clones
            let __exchange: #private::TwoShuffles<#left, #right, #private::#by> =
                #private::TwoShuffles::new(__ctx, &__parents, #partitions, #lc, #rc);
            let __partitions = __exchange.partitions();
            let __partitioner = __exchange.partitioner();
        },
        init: quote_spanned!(span=> __exchange,),
        ..Parts::default()
    }
}
