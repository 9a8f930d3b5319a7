//! `cartesian`: partition `i * m + j` pairs partition `i` of the parent with partition `j` of
//! `other` (`m` partitions); both dependencies are narrow, so there is no engine value.

use quote::quote;

use super::shape::{OpNode, Parts};

pub(crate) fn parts(op: &OpNode) -> Parts {
    let apply = op.op_fn("apply");
    let site = op.site();
    Parts {
        compute: quote! {
            #site
            #apply(__site, &__parents.0, &__parents.1)
        },
        build: quote! {
            let __partitions = ::rddflow::__private::ops::cartesian::partitions(
                ::rddflow::Dataset::num_partitions(&__parents.0),
                ::rddflow::Dataset::num_partitions(&__parents.1),
            );
            let __partitioner = ::core::option::Option::None;
        },
        ..Parts::default()
    }
}
