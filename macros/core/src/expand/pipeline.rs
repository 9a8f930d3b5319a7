//! The pipeline struct, its parameters and `new`, which builds the graph without running it.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::shape::{self, Parts};
use super::{label, node_struct, params_struct, parent_var};
use crate::attr::{Checkpoint, Storage};
use crate::graph::{Checked, Resolved};

pub(crate) fn pipeline(c: &Checked) -> TokenStream {
    let p = c.p;
    let vis = &p.vis;
    let name = &p.name;
    let attrs = &p.attrs;
    let params = params_struct(p);
    let parts: Vec<Parts> = (0..p.nodes.len()).map(|i| shape::parts(c, i)).collect();
    let nodes: TokenStream = (0..p.nodes.len())
        .map(|i| super::node::node(c, i, &parts[i]))
        .collect();

    let value_params: Vec<_> = p.params.iter().filter(|x| x.rdd_elem.is_none()).collect();
    let vp_names: Vec<_> = value_params.iter().map(|x| &x.name).collect();
    let vp_types: Vec<_> = value_params.iter().map(|x| &x.ty).collect();
    let param_hashes = param_hashes(c);
    let sig_params = p.params.iter().map(|x| {
        let (n, t) = (&x.name, &x.ty);
        quote!(#n: #t)
    });

    let fields = fields(c);
    let input_names: Vec<_> = p
        .params
        .iter()
        .filter(|x| x.rdd_elem.is_some())
        .map(|x| &x.name)
        .collect();
    let node_names: Vec<_> = p.nodes.iter().map(|n| &n.name).collect();
    let defs = super::fingerprint::definition_hashes(c);
    let builds: TokenStream = c
        .order
        .iter()
        .map(|&i| build_node(c, i, defs[i], &parts[i]))
        .collect();
    let describe = super::describe::graph(c);
    let default_doc = if attrs.iter().any(|a| a.path().is_ident("doc")) {
        quote!()
    } else {
        let d = format!(" Pipeline `{name}`.");
        quote!(#[doc = #d])
    };

    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, clippy::type_complexity)]
        struct #params {
            #(#vp_names: #vp_types,)*
        }

        #nodes

        #(#attrs)*
        #default_doc
        #[allow(clippy::type_complexity)]
        #vis struct #name {
            #fields
        }

        #[allow(clippy::type_complexity)]
        impl #name {
            /// Builds the pipeline's graph on `ctx`. Runs nothing: jobs run when an action is
            /// called on a node.
            #[allow(clippy::too_many_arguments, clippy::redundant_clone)]
            #vis fn new(__ctx: &::rddflow::Context, #(#sig_params),*) -> ::rddflow::Result<Self> {
                #(#param_hashes)*
                let __params = ::std::sync::Arc::new(#params { #(#vp_names,)* });
                #builds
                ::core::result::Result::Ok(#name {
                    #(#input_names,)*
                    #(#node_names,)*
                })
            }

            #describe
        }
    }
}

/// `let __fp_name = param_hash(..)?;` per value parameter: each is hashed once for the
/// fingerprints of the nodes that use it; the call requires `Param` (so `serde::Serialize`,
/// unless the parameter is a `Broadcast` or an `Accumulator`), and is spanned at the
/// parameter's type. An `Arc<T>` parameter goes through `arc_param_hash`, whose unmet bound
/// names serde's `rc` feature and `Broadcast`, the two ways to pass one.
fn param_hashes(c: &Checked) -> Vec<TokenStream> {
    c.p.params
        .iter()
        .filter(|x| x.rdd_elem.is_none())
        .map(|x| {
            let (ty, n) = (&x.ty, &x.name);
            let var = super::param_hash_var(n);
            let name = n.to_string();
            let hash = if is_arc(ty) {
                quote_spanned!(ty.span()=> arc_param_hash)
            } else {
                quote_spanned!(ty.span()=> param_hash)
            };
            quote_spanned!(ty.span()=> let #var: ::rddflow::__private::ParamHash = ::rddflow::__private::#hash::<#ty>(__ctx, #name, &#n)?;)
        })
        .collect()
}

/// Whether `ty` is written `Arc<..>` (any path ending so): a macro cannot resolve types, and
/// the spelling is what the message is about.
fn is_arc(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Arc"))
}

/// The pipeline struct's fields: its `Rdd<T>` inputs, then one handle per node.
fn fields(c: &Checked) -> TokenStream {
    let p = c.p;
    let input_fields = p.params.iter().filter_map(|x| {
        let t = x.rdd_elem.as_ref()?;
        let n = &x.name;
        let d = format!(" Input node `{n}`.");
        Some(quote!(#[doc = #d] pub #n: ::rddflow::Rdd<#t>,))
    });
    let node_fields = p.nodes.iter().map(|n| {
        let s = node_struct(p, &n.name);
        let field = &n.name;
        let docs = &n.docs;
        let d = format!(" Node `{field}`.");
        let doc = if docs.is_empty() {
            quote!(#[doc = #d])
        } else {
            quote!(#(#docs)*)
        };
        quote!(#doc pub #field: ::rddflow::Node<#s>,)
    });
    quote! {
        #(#input_fields)*
        #(#node_fields)*
    }
}

/// The statements of `new` that build node `i` (its parents are built already).
fn build_node(c: &Checked, i: usize, definition: u128, parts: &Parts) -> TokenStream {
    let p = c.p;
    let n = &p.nodes[i];
    let var = &n.name;
    let s = node_struct(p, &n.name);
    let lbl = label(p, &n.name);
    let parent_vars: Vec<_> = c.parents[i].iter().map(|&r| parent_var(c, r)).collect();
    let parents = quote!((#(::core::clone::Clone::clone(&#parent_vars),)*));
    let item = &n.ty;
    // The node's fingerprint: its definition, its parents' fingerprints, the value parameters
    // its own arguments use (ancestors' come through their fingerprints), its input files.
    let used_hashes: Vec<Ident> =
        super::used_params(p, n.expr.args().iter().map(|a| quote!(#a)).collect())
            .into_iter()
            .map(super::param_hash_var)
            .collect();
    let used_names: Vec<String> =
        super::used_params(p, n.expr.args().iter().map(|a| quote!(#a)).collect())
            .into_iter()
            .map(|x| x.to_string())
            .collect();
    let definition = proc_macro2::Literal::u128_suffixed(definition);
    let Parts {
        build,
        fingerprint,
        init,
        ..
    } = parts;
    let op = match &c.resolved[i] {
        Resolved::Source(src) => src.name,
        Resolved::Op(spec) => spec.name,
    };
    // The element codec (cluster mode sends partitions between processes), picked at
    // compile time like a shuffle's spill codec: `None` for types that are not serde types
    // or that borrow (probing those would be a hard lifetime error, not a fallback).
    let codec = {
        let s = quote!(#item).to_string();
        if s.contains('&') || s.contains('\'') {
            quote!(::core::option::Option::None)
        } else {
            quote! {{
                #[allow(unused_imports)]
                use ::rddflow::__private::spill::{NotSpillable as _, Spillable as _};
                (&::rddflow::__private::spill::Probe::<#item>::new()).codec()
            }}
        }
    };
    // A broadcast's value is invisible to the fingerprint: a version stands for it.
    let versioned = n.attrs.version.map(|_| quote!(__f.versioned();));
    let marked = matches!(n.attrs.checkpoint, Some((Checkpoint::Reliable, _)));
    let resumable = marked.then(|| quote!(__f.resumable(__ctx, #lbl)?;));
    // Spanned at the node: errors in building it point at its declaration.
    let body = quote_spanned! {var.span()=>
        let __parents = #parents;
        #build
        let mut __f = ::rddflow::__private::Fingerprinter::new(#definition);
        #( __f.parent(::rddflow::Dataset::fingerprint(&#parent_vars)); )*
        #( __f.hashed_param(#used_names, #used_hashes); )*
        #versioned
        #fingerprint
        #resumable
        let __fp = __f.finish();
        ::rddflow::Node::new(#s {
            __core: ::rddflow::__private::NodeCore::new(__ctx, #lbl, #op, __partitions, __partitioner)
                .with_fingerprint(__fp)
                .with_codec(#codec),
            __parents: ::rddflow::__private::ParentSlot::new(__parents),
            __params: ::core::clone::Clone::clone(&__params),
            #init
        })
    };

    let mark = match n.attrs.checkpoint {
        Some((Checkpoint::Reliable, _)) => {
            quote_spanned!(item.span()=> ::rddflow::__private::mark_checkpoint::<#item>(::rddflow::Dataset::core(&#var))?;)
        }
        Some((Checkpoint::Local, _)) => quote!(::rddflow::Dataset::local_checkpoint(&#var)?;),
        None => quote!(),
    };
    // Memory storage needs nothing of the element type; disk storage encodes it, so its
    // bound is checked at the declared type, like `#[checkpoint]`'s.
    let cache = n.attrs.storage.map(|(level, _)| match level {
        Storage::Memory => quote!(::rddflow::Dataset::cache(&#var);),
        _ => {
            let v = syn::Ident::new(level.variant(), item.span());
            quote_spanned!(item.span()=> ::rddflow::__private::persist::<#item>(::rddflow::Dataset::core(&#var), ::rddflow::StorageLevel::#v)?;)
        }
    });
    quote! {
        let #var = { #body };
        #mark
        #cache
    }
}
