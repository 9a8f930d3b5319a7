//! One struct per node, implementing `RddNode`: the parts every node has (core, parents,
//! `compute`'s signature, Spark's `doCheckpoint` recursion) around its shape's parts
//! (`shape.rs`).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::shape::Parts;
use super::{node_struct, params_struct, parent_handle};
use crate::graph::Checked;
use crate::model::NodeDef;

pub(crate) fn node(c: &Checked, i: usize, parts: &Parts) -> TokenStream {
    let p = c.p;
    let n: &NodeDef = &p.nodes[i];
    let vis = &p.vis;
    let name = node_struct(p, &n.name);
    let params = params_struct(p);
    let item = &n.ty;
    let handles: Vec<TokenStream> = c.parents[i].iter().map(|&r| parent_handle(c, r)).collect();
    let parents_ty = quote!((#(#handles,)*));
    let docs = &n.docs;
    let default_doc = if docs.is_empty() {
        let d = format!(" Node `{}` of pipeline `{}`.", n.name, p.name);
        quote!(#[doc = #d])
    } else {
        quote!()
    };
    let Parts {
        fields,
        compute,
        methods,
        impls,
        ..
    } = parts;
    let do_checkpoint = do_checkpoint(c, i);

    // Spanned at the node, so that errors about its struct and impl (e.g. an element type
    // that an operator cannot take) point at its declaration, not at the macro call.
    quote_spanned! {n.name.span()=>
        #(#docs)*
        #default_doc
        // Parent tuples of user types are long by nature; not the user's concern.
        #[allow(clippy::type_complexity)]
        #vis struct #name {
            __core: ::rddflow::__private::NodeCore<#item>,
            __parents: ::rddflow::__private::ParentSlot<#parents_ty>,
            #[allow(dead_code)]
            __params: ::std::sync::Arc<#params>,
            #fields
        }

        #[allow(clippy::type_complexity)]
        impl ::rddflow::RddNode for #name {
            type Item = #item;
            type Parents = #parents_ty;

            fn core(&self) -> &::rddflow::__private::NodeCore<#item> {
                &self.__core
            }

            fn parents(&self) -> &::rddflow::__private::ParentSlot<Self::Parents> {
                &self.__parents
            }

            #[allow(unused_variables, clippy::let_and_return)]
            fn compute(
                &self,
                __parents: &Self::Parents,
                __cx: &::rddflow::__private::TaskContext,
                __part: usize,
            ) -> impl ::core::iter::Iterator<Item = #item> + use<> {
                #compute
            }

            #methods

            #do_checkpoint
        }

        #impls
    }
}

/// Spark's `RDD.doCheckpoint` for node `i`, generated so that the recursion into its parents
/// is statically typed.
fn do_checkpoint(c: &Checked, i: usize) -> TokenStream {
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

    // Spanned at the node, like the rest of its impl.
    quote_spanned! {c.p.nodes[i].name.span()=>
        /// Spark's `RDD.doCheckpoint`: entered once per pass; a marked node selects itself,
        /// after its marked ancestors when the pass asks for them; an unmarked node recurses
        /// into its parents.
        fn do_checkpoint(&self, __pass: &mut ::rddflow::__private::CheckpointPass) {
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
