//! A narrow node: partition `i` from partition `i` of its parent through `Op::apply`, fused
//! into its children's iterators (read through a box every `FUSE_LIMIT` chained nodes).

use quote::{quote, quote_spanned};

use super::shape::{OpNode, Parts};

pub(crate) fn parts(op: &OpNode, keeps_partitioner: bool) -> Parts {
    let (lbl, clones, pasted) = (&op.lbl, &op.clones, &op.pasted);
    let apply = op.op_fn("apply");
    let parent = quote!(::rddflow::Dataset::iter_parent(&__parents.0, __cx, __part));
    let input = if super::boxed_inputs(op.c)[op.i] {
        quote!(::rddflow::__private::boxed(#parent))
    } else {
        parent
    };
    let partitioner = if keeps_partitioner {
        quote!(::rddflow::Dataset::partitioner(&__parents.0))
    } else {
        quote!(::core::option::Option::None)
    };
    Parts {
        compute: quote_spanned! {op.span=>
            let __site = ::rddflow::__private::Site::new(__cx, #lbl, __part);
            let __input = #input;
            #clones
            #apply(__site, __input, #(#pasted),*)
        },
        build: quote! {
            let __partitions = ::rddflow::Dataset::num_partitions(&__parents.0);
            let __partitioner = #partitioner;
        },
        ..Parts::default()
    }
}
