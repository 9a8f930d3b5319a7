//! Node attributes: `#[checkpoint]`, `#[checkpoint(local)]`, `#[cache]`, `#[persist(..)]`,
//! parsed into typed settings; unknown and conflicting ones are errors.

use proc_macro2::Span;
use syn::Attribute;

use crate::ctxt::Ctxt;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Checkpoint {
    Reliable,
    Local,
}

#[derive(Default)]
pub(crate) struct NodeAttrs {
    pub checkpoint: Option<(Checkpoint, Span)>,
    pub cache: Option<Span>,
    /// The attributes as written, for `graph()`.
    pub written: Vec<String>,
}

const KNOWN: &str = "`#[checkpoint]`, `#[checkpoint(local)]`, `#[cache]`, `#[persist(memory)]`";

/// Splits doc comments from node attributes and parses the latter.
pub(crate) fn parse_node_attrs(
    attrs: Vec<Attribute>,
    cx: &mut Ctxt,
) -> (Vec<Attribute>, NodeAttrs) {
    let mut docs = Vec::new();
    let mut out = NodeAttrs::default();
    for a in attrs {
        let path = a.path();
        if path.is_ident("doc") {
            docs.push(a);
        } else if path.is_ident("checkpoint") {
            let kind = match &a.meta {
                syn::Meta::Path(_) => Some(Checkpoint::Reliable),
                syn::Meta::List(l) => match syn::parse2::<syn::Ident>(l.tokens.clone()) {
                    Ok(i) if i == "local" => Some(Checkpoint::Local),
                    Ok(i) if i == "reliable" => Some(Checkpoint::Reliable),
                    _ => {
                        cx.error_spanned_by(
                            &l.tokens,
                            "expected `#[checkpoint]` (reliable) or `#[checkpoint(local)]`",
                        );
                        None
                    }
                },
                syn::Meta::NameValue(_) => {
                    cx.error_spanned_by(&a, "expected `#[checkpoint]` or `#[checkpoint(local)]`");
                    None
                }
            };
            if let Some(k) = kind {
                if out.checkpoint.is_some() {
                    cx.error_spanned_by(
                        &a,
                        "conflicting checkpoint attributes: a node has at most one `#[checkpoint]` or `#[checkpoint(local)]`",
                    );
                } else {
                    out.checkpoint = Some((k, a.pound_token.span));
                    out.written.push(match k {
                        Checkpoint::Reliable => "checkpoint".into(),
                        Checkpoint::Local => "checkpoint(local)".into(),
                    });
                }
            }
        } else if path.is_ident("cache") || path.is_ident("persist") {
            let ok = if path.is_ident("cache") {
                matches!(a.meta, syn::Meta::Path(_))
            } else {
                match &a.meta {
                    syn::Meta::List(l) => match syn::parse2::<syn::Ident>(l.tokens.clone()) {
                        Ok(i) if i == "memory" => true,
                        Ok(i) if i == "disk" || i == "memory_and_disk" => {
                            cx.error_spanned_by(
                                &l.tokens,
                                "`#[persist(disk)]` and `#[persist(memory_and_disk)]` are not supported yet; use `#[persist(memory)]` or `#[checkpoint]`",
                            );
                            continue;
                        }
                        _ => false,
                    },
                    _ => false,
                }
            };
            if !ok {
                let msg = if path.is_ident("cache") {
                    "`#[cache]` takes no arguments; write `#[cache]` (the same as `#[persist(memory)]`)"
                } else {
                    "expected `#[persist(memory)]`, or `#[cache]` which is the same"
                };
                cx.error_spanned_by(&a, msg);
            } else if out.cache.is_some() {
                cx.error_spanned_by(
                    &a,
                    "conflicting storage attributes: use one of `#[cache]` or `#[persist(..)]`",
                );
            } else {
                out.cache = Some(a.pound_token.span);
                out.written.push(if path.is_ident("cache") {
                    "cache".into()
                } else {
                    "persist(memory)".into()
                });
            }
        } else {
            let name = quote::ToTokens::to_token_stream(path)
                .to_string()
                .replace(' ', "");
            let hint = ["checkpoint", "cache", "persist"]
                .into_iter()
                .find(|k| strsim::levenshtein(&name, k) <= 2)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            cx.error_spanned_by(
                &a,
                format!("unknown node attribute `{name}`{hint}; expected one of {KNOWN}, or a doc comment"),
            );
        }
    }
    (docs, out)
}
