//! Definition hashes for checkpoint fingerprints: per node, XXH3-128 of its definition's
//! tokens (pipeline, name, element type, expression), of its `#[checkpoint(version = N)]` when
//! it has one, and of its ancestors' definition hashes. The engine adds, at run time, the
//! parameters each node uses, its input files and its partition count and partitioner, so a
//! checkpoint is resumed only by the same computation (`Context::builder().resume(true)`).
//! Other attributes and doc comments are left out: they do not change what a node computes.
//! The version is the user's word for what the tokens cannot show (the body of a function a
//! closure calls changed); through the ancestor hashes it changes every descendant too.

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
        // Only when given, so a node without a version keeps the hash it always had.
        if let Some(v) = n.attrs.version {
            text.push_str(&format!("version {v}\n"));
        }
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

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    /// The definition hashes of the one pipeline in `input`, by node name.
    fn hashes(input: TokenStream) -> Vec<(String, u128)> {
        let file = syn::parse2::<crate::model::File>(input).expect("parses");
        let p = &file.pipelines[0];
        let c = crate::graph::check(p).expect("valid");
        let h = super::definition_hashes(&c);
        p.nodes
            .iter()
            .zip(h)
            .map(|(n, h)| (n.name.to_string(), h))
            .collect()
    }

    #[test]
    fn a_version_changes_the_node_and_its_descendants_only() {
        let plain = hashes(quote!(struct P() {
            a: u64 = range(0..9);
            #[checkpoint] b: u64 = a.map(|x| x + 1);
            c: u64 = b.filter(|x| *x > 2);
        }));
        let v1 = hashes(quote!(struct P() {
            a: u64 = range(0..9);
            #[checkpoint(version = 1)] b: u64 = a.map(|x| x + 1);
            c: u64 = b.filter(|x| *x > 2);
        }));
        let v2 = hashes(quote!(struct P() {
            a: u64 = range(0..9);
            #[checkpoint(version = 2)] b: u64 = a.map(|x| x + 1);
            c: u64 = b.filter(|x| *x > 2);
        }));
        assert_eq!(plain[0], v1[0], "the parent is unchanged");
        assert_eq!(v1[0], v2[0]);
        for i in 1..3 {
            assert_ne!(plain[i], v1[i], "{}", plain[i].0);
            assert_ne!(v1[i], v2[i], "{}", v1[i].0);
        }
        // Other attributes leave the hash alone.
        let cached = hashes(quote!(struct P() {
            a: u64 = range(0..9);
            #[checkpoint] #[cache] b: u64 = a.map(|x| x + 1);
            c: u64 = b.filter(|x| *x > 2);
        }));
        assert_eq!(plain, cached);
    }
}
