//! `graph()`: the static description of the pipeline, for DOT and Mermaid pictures.

use proc_macro2::TokenStream;
use quote::quote;

use crate::graph::{Checked, ParentRef, Resolved};
use crate::model::type_text;
use crate::ops::Shape;

fn doc_text(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn graph(c: &Checked) -> TokenStream {
    let p = c.p;
    let vis = &p.vis;
    let name = p.name.to_string();
    let inputs = p.params.iter().filter(|x| x.rdd_elem.is_some()).map(|x| {
        let n = x.name.to_string();
        let ty = type_text(x.rdd_elem.as_ref().expect("input"));
        quote! {
            ::rddflow::GraphNode {
                name: #n, ty: #ty, op: "input", kind: ::rddflow::NodeKind::Input,
                parents: &[], attrs: &[], doc: "",
            }
        }
    });
    let nodes = p.nodes.iter().enumerate().map(|(i, n)| {
        let nm = n.name.to_string();
        let ty = type_text(&n.ty);
        let op = n.expr.op_name().to_string();
        let kind = match &c.resolved[i] {
            Resolved::Source(_) => quote!(Source),
            Resolved::Op(s)
                if matches!(
                    s.shape,
                    Shape::Wide { .. } | Shape::Join { .. } | Shape::Join3
                ) =>
            {
                quote!(Wide)
            }
            Resolved::Op(_) => quote!(Narrow),
        };
        let parents = c.parents[i].iter().map(|r| match *r {
            ParentRef::Node(j) => p.nodes[j].name.to_string(),
            ParentRef::Input(k) => p.params[k].name.to_string(),
        });
        let attrs = &n.attrs.written;
        let doc = doc_text(&n.docs);
        quote! {
            ::rddflow::GraphNode {
                name: #nm, ty: #ty, op: #op, kind: ::rddflow::NodeKind::#kind,
                parents: &[#(#parents),*], attrs: &[#(#attrs),*], doc: #doc,
            }
        }
    });
    quote! {
        /// The pipeline's nodes and edges as declared, with `to_dot()` and `to_mermaid()`.
        #vis fn graph() -> ::rddflow::PipelineGraph {
            ::rddflow::PipelineGraph {
                name: #name,
                nodes: &[#(#inputs,)* #(#nodes,)*],
            }
        }
    }
}
