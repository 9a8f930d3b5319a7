//! An operator that reads its parents' partitions itself (`union`, `zip`, `filter_by_range`):
//! `Op::layout` gives the node's partition count and partitioner in `new` (or an error naming
//! the node), and `compute` hands `Op::apply` the node's facts and the parents' handles, with
//! the closure and value arguments after them.

use quote::{quote, quote_spanned};

use super::shape::{OpNode, Parts};

pub(crate) fn parts(op: &OpNode) -> Parts {
    let (lbl, clones, pasted) = (&op.lbl, &op.clones, &op.pasted);
    let (apply, layout) = (op.op_fn("apply"), op.op_fn("layout"));
    let parents: Vec<_> = (0..op.c.parents[op.i].len())
        .map(|k| {
            let k = syn::Index::from(k);
            quote!(&__parents.#k)
        })
        .collect();
    Parts {
        compute: quote_spanned! {op.span=>
            let __site = ::rddflow::__private::Site::new(__cx, #lbl, __part);
            #clones
            #apply(__site, self.__core.info(), #(#parents,)* #(#pasted),*)
        },
        build: quote_spanned! {op.op_span=>
            let (__partitions, __partitioner) = #layout(#lbl, #(#parents),*)?;
        },
        ..Parts::default()
    }
}
