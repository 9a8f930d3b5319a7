//! A narrow node: partition `i` from partition `i` of its parent through `Op::apply`, fused
//! into its children's iterators (read through a box every `FUSE_LIMIT` chained nodes).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::shape::{OpNode, Parts};

pub(crate) fn parts(op: &OpNode, keeps_partitioner: bool, state: bool) -> Parts {
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
    let mut parts = Parts {
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
    };
    if keeps_partitioner {
        // Still range-partitioned by key if the parent is: `filter_by_range` may prune.
        parts.methods = quote! {
            fn key_range(&self) -> ::core::option::Option<::rddflow::__private::KeyRange> {
                let __p = self.__parents.get()?;
                ::rddflow::__private::NodeDyn::key_range(&*::rddflow::Dataset::erased(&__p.0))
            }
        };
    }
    if state {
        with_state(op, &mut parts, &input);
    }
    parts
}

/// The operator's `NarrowState`: a field made in `new`, prepared before each job (with the
/// parent) and handed to `apply` after the input.
fn with_state(op: &OpNode, parts: &mut Parts, input: &TokenStream) {
    let (lbl, clones, pasted, span) = (&op.lbl, &op.clones, &op.pasted, op.op_span);
    let op_ty = &op.op_ty;
    let apply = op.op_fn("apply");
    let state = quote_spanned!(span=> <#op_ty as ::rddflow::__private::ops::NarrowState>);
    parts.fields = quote_spanned! {span=>
        #[allow(clippy::type_complexity)]
        __state: #state::State,
    };
    parts.compute = quote_spanned! {op.span=>
        let __site = ::rddflow::__private::Site::new(__cx, #lbl, __part);
        let __input = #input;
        #clones
        #apply(__site, __input, &self.__state, #(#pasted),*)
    };
    parts.build.extend(quote_spanned! {span=>
        let __state = #state::state(__partitions);
    });
    parts.init = quote_spanned!(span=> __state,);
    parts.methods.extend(quote_spanned! {span=>
        fn prepare_job(&self, __parents: &Self::Parents) -> ::rddflow::Result<()> {
            #state::prepare(#lbl, &self.__state, &__parents.0)
        }
    });
}
