//! For an invalid pipeline: the struct and `new` the user expects, with no behaviour, so the
//! compiler reports the real mistakes and not "cannot find type" at every use.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Pipeline;

pub(crate) fn stand_in(p: &Pipeline) -> TokenStream {
    let vis = &p.vis;
    let name = &p.name;
    let fields = p.nodes.iter().map(|n| {
        let (f, t) = (&n.name, &n.ty);
        quote!(pub #f: ::rddflow::Rdd<#t>,)
    });
    let sig = p.params.iter().map(|x| {
        let (n, t) = (&x.name, &x.ty);
        quote!(#n: #t)
    });
    quote! {
        #vis struct #name { #(#fields)* }
        impl #name {
            #[allow(unused_variables, clippy::too_many_arguments)]
            #vis fn new(__ctx: &::rddflow::Context, #(#sig),*) -> ::rddflow::Result<Self> {
                ::core::unimplemented!("the pipeline has compile errors")
            }
            #vis fn graph() -> ::rddflow::PipelineGraph {
                ::core::unimplemented!("the pipeline has compile errors")
            }
        }
    }
}
