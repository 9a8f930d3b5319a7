//! For an invalid pipeline: the struct and `new` the user expects, with no behaviour, so the
//! compiler reports the real mistakes and not "cannot find type" at every use.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Pipeline;

pub(crate) fn stand_in(p: &Pipeline) -> TokenStream {
    let vis = &p.vis;
    let name = &p.name;
    // One field per name (a duplicate is reported already): the input nodes, the nodes, and
    // the nodes whose definitions have errors but whose type could be read.
    let mut seen = std::collections::HashSet::new();
    let inputs = p.params.iter().map(|x| (&x.name, x.rdd_elem.as_ref()));
    let nodes = p.nodes.iter().map(|n| (&n.name, Some(&n.ty)));
    let broken = p.broken.iter().map(|b| (&b.name, b.ty.as_ref()));
    let fields: Vec<TokenStream> = inputs
        .chain(nodes)
        .chain(broken)
        .filter(|(f, _)| seen.insert(f.to_string()))
        .filter_map(|(f, t)| t.map(|t| quote!(pub #f: ::rddflow::Rdd<#t>,)))
        .collect();
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
