//! The implementation of rddflow's `pipeline!` macro, as a normal library so that it can be
//! tested and benchmarked outside a proc-macro context. The proc-macro crate `rddflow-macros`
//! only calls [`expand`].
//!
//! The phases: `parse` turns tokens into the macro's model, `graph` validates it (names,
//! duplicates, cycles, operators, attributes) into a checked pipeline, and `expand` generates
//! code from a checked pipeline only. Errors from every phase are collected and reported
//! together. The macro never panics: malformed input gives errors.

#![warn(missing_docs)]

mod attr;
mod captures;
mod ctxt;
mod expand;
mod graph;
mod model;
mod ops;
mod owned_key;
mod parse;
mod suggest;

use proc_macro2::TokenStream;

/// The whole macro: the tokens of a `pipeline!` invocation in, the generated items out.
///
/// An invalid pipeline gives `compile_error!` invocations (pointing at the user's tokens)
/// followed by a stand-in for the pipeline, so that code using it does not also report
/// errors of its own; the other pipelines of the invocation are expanded as usual.
pub fn expand(input: TokenStream) -> TokenStream {
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

/// Parses and validates a `pipeline!` invocation without generating code: the model when every
/// pipeline is valid, otherwise all the errors of all the pipelines combined into one.
pub fn parse_and_check(input: TokenStream) -> syn::Result<Model> {
    let file = syn::parse2::<model::File>(input)?;
    let mut errors: Option<syn::Error> = None;
    for p in &file.pipelines {
        if let Err(e) = graph::check(p) {
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(Model { file }),
    }
}

/// A parsed and validated `pipeline!` invocation (see [`parse_and_check`]).
pub struct Model {
    file: model::File,
}

impl Model {
    /// The names of the declared pipelines, in order.
    pub fn pipeline_names(&self) -> impl Iterator<Item = String> + '_ {
        self.file.pipelines.iter().map(|p| p.name.to_string())
    }

    /// The number of nodes declared in all the pipelines (parameters not counted).
    pub fn node_count(&self) -> usize {
        self.file.pipelines.iter().map(|p| p.nodes.len()).sum()
    }
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("pipelines", &self.pipeline_names().collect::<Vec<_>>())
            .field("nodes", &self.node_count())
            .finish()
    }
}

#[cfg(test)]
mod tests;
