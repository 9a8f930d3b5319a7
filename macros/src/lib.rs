//! The `pipeline!` procedural macro of rddflow. This file only wires the phases:
//! [`parse`] turns tokens into the [`model`], [`graph`] validates it (names, duplicates,
//! cycles, operators, attributes) into a checked pipeline, and [`expand`] generates code from a
//! checked pipeline only. Errors from every phase are collected and reported together.

extern crate proc_macro;

mod attr;
mod ctxt;
mod expand;
mod graph;
mod model;
mod ops;
mod parse;

use proc_macro2::TokenStream;

/// Declares one or more typed RDD pipelines; documented, with examples, where the `rddflow`
/// crate re-exports it.
#[proc_macro]
pub fn pipeline(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    pipeline_impl(input.into()).into()
}

/// The whole macro on `proc_macro2` tokens, so it can be tested without a compiler.
pub(crate) fn pipeline_impl(input: TokenStream) -> TokenStream {
    let file = match syn::parse2::<model::File>(input) {
        Ok(f) => f,
        Err(e) => return e.to_compile_error(),
    };
    let mut out = TokenStream::new();
    for p in &file.pipelines {
        out.extend(match graph::check(p) {
            Ok(checked) => expand::pipeline(&checked),
            Err(e) => {
                let mut ts = e.to_compile_error();
                ts.extend(expand::stand_in(p));
                ts
            }
        });
    }
    out
}

#[cfg(test)]
mod tests;
