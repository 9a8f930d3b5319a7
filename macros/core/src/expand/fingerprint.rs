//! Definition hashes for checkpoint fingerprints: per node, XXH3-128 of its definition's
//! tokens (pipeline, name, element type, expression) and of its ancestors' definition hashes.
//! The engine adds, at run time, the parameters each node uses and its input files, so a
//! checkpoint is resumed only by the same computation (`Context::builder().resume(true)`).
//! Attributes and doc comments are left out: they do not change what a node computes.

use quote::quote;

use crate::graph::{Checked, ParentRef};
use crate::model::{NodeExpr, type_text};

/// The definition hash of every node, indexed like `c.p.nodes`.
pub(crate) fn definition_hashes(c: &Checked) -> Vec<u128> {
    let p = c.p;
    let mut hashes = vec![0u128; p.nodes.len()];
    for &i in &c.order {
        let n = &p.nodes[i];
        let expr = match &n.expr {
            NodeExpr::Source { name, args } => quote!(#name(#(#args),*)),
            NodeExpr::Op { parent, op, args } => quote!(#parent.#op(#(#args),*)),
        };
        let mut text = format!(
            "rddflow-node-v1\n{}.{}: {} = {}\n",
            p.name,
            n.name,
            type_text(&n.ty),
            expr
        );
        for r in &c.parents[i] {
            match *r {
                ParentRef::Node(j) => text.push_str(&format!("parent {:032x}\n", hashes[j])),
                ParentRef::Input(k) => {
                    let x = &p.params[k];
                    let t = x.rdd_elem.as_ref().map(type_text).unwrap_or_default();
                    text.push_str(&format!("input {}: Rdd<{t}>\n", x.name));
                }
            }
        }
        hashes[i] = xxhash_rust::xxh3::xxh3_128(text.as_bytes());
    }
    hashes
}
