//! `coalesce(n)`: fewer partitions, each reading a run of the parent's, without a shuffle.

use quote::quote;

use super::shape::{OpNode, Parts};

pub(crate) fn parts(op: &OpNode) -> Parts {
    let apply = op.op_fn("apply");
    let site = op.site();
    let clones = &op.partitions_clones;
    // The table gives coalesce a required count; without one (an arity error reported
    // elsewhere) the parent's count keeps the expansion well formed.
    let n = op
        .partitions
        .clone()
        .unwrap_or_else(|| quote!(::rddflow::Dataset::num_partitions(&__parents.0)));
    Parts {
        compute: quote! {
            #site
            #apply(__site, &__parents.0, self.__core.info().partitions)
        },
        build: quote! {
            #clones
            let __partitions = ::rddflow::__private::ops::coalesce::partitions(
                ::rddflow::Dataset::num_partitions(&__parents.0),
                #n,
            );
            let __partitioner = ::core::option::Option::None;
        },
        ..Parts::default()
    }
}
