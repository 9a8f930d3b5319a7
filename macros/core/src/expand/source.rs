//! A source node: partitions read by the engine's source (`range`, `parallelize`,
//! `text_file`), whose input files enter the node's fingerprint.

use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::shape::Parts;
use crate::graph::Checked;
use crate::ops::SourceSpec;

pub(crate) fn parts(c: &Checked, i: usize, s: &SourceSpec) -> Parts {
    let p = c.p;
    let n = &p.nodes[i];
    let ty = source_type(s, &n.ty);
    let lbl = super::label(p, &n.name);
    let args = n.expr.args();
    let first = &args[0];
    let parts = match args.get(1) {
        Some(e) => quote!(::core::option::Option::Some(#e)),
        None => quote!(::core::option::Option::None),
    };
    let clones = super::clone_params(p, &quote!(__params), &args.iter().collect::<Vec<_>>());
    Parts {
        fields: quote!(__source: #ty,),
        // Spanned at the element type: a type the source cannot read (`text_file` into a
        // `u64`) is reported there.
        compute: quote_spanned! {n.ty.span()=>
            ::rddflow::__private::sources::read(
                &self.__source,
                ::rddflow::__private::Site::new(__cx, #lbl, __part),
            )
        },
        // Spanned at the source's first argument: errors in it point there.
        build: quote_spanned! {first.span()=>
            #clones
            let __source = <#ty>::new(__ctx, #first, #parts)?;
            let __partitions = ::rddflow::__private::sources::Source::num_partitions(&__source);
            let __partitioner = ::core::option::Option::None;
        },
        fingerprint: quote!(
            ::rddflow::__private::sources::Source::fingerprint_input(&__source, &mut __f)?;
        ),
        init: quote!(__source,),
        ..Parts::default()
    }
}

/// The engine's type of source `s` with elements `item`.
pub(crate) fn source_type(s: &SourceSpec, item: &syn::Type) -> proc_macro2::TokenStream {
    let path: syn::Path = syn::parse_str(s.ty).expect("table paths parse");
    if s.generic {
        quote!(::rddflow::__private::sources::#path<#item>)
    } else {
        quote!(::rddflow::__private::sources::#path)
    }
}
