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

/// Where `#[cache]` / `#[persist(..)]` keep a node's partitions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Storage {
    Memory,
    Disk,
    MemoryAndDisk,
}

impl Storage {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Storage::Memory => "memory",
            Storage::Disk => "disk",
            Storage::MemoryAndDisk => "memory_and_disk",
        }
    }

    /// The engine's `StorageLevel` variant.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Storage::Memory => "Memory",
            Storage::Disk => "Disk",
            Storage::MemoryAndDisk => "MemoryAndDisk",
        }
    }
}

#[derive(Default)]
pub(crate) struct NodeAttrs {
    pub checkpoint: Option<(Checkpoint, Span)>,
    pub storage: Option<(Storage, Span)>,
    /// The attributes as written, for `graph()`.
    pub written: Vec<String>,
}

const KNOWN: &str = "`#[checkpoint]`, `#[checkpoint(local)]`, `#[cache]`, `#[persist(memory)]`, `#[persist(disk)]`, `#[persist(memory_and_disk)]`";

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
            let level = if path.is_ident("cache") {
                matches!(a.meta, syn::Meta::Path(_)).then_some(Storage::Memory)
            } else {
                match &a.meta {
                    syn::Meta::List(l) => match syn::parse2::<syn::Ident>(l.tokens.clone()) {
                        Ok(i) if i == "memory" => Some(Storage::Memory),
                        Ok(i) if i == "disk" => Some(Storage::Disk),
                        Ok(i) if i == "memory_and_disk" => Some(Storage::MemoryAndDisk),
                        _ => None,
                    },
                    _ => None,
                }
            };
            match level {
                None => {
                    let msg = if path.is_ident("cache") {
                        "`#[cache]` takes no arguments; write `#[cache]` (the same as `#[persist(memory)]`)"
                    } else {
                        "expected `#[persist(memory)]`, `#[persist(disk)]` or `#[persist(memory_and_disk)]` (`#[cache]` is `#[persist(memory)]`)"
                    };
                    cx.error_spanned_by(&a, msg);
                }
                Some(_) if out.storage.is_some() => {
                    cx.error_spanned_by(
                        &a,
                        "conflicting storage attributes: use one of `#[cache]` or `#[persist(..)]`",
                    );
                }
                Some(level) => {
                    out.storage = Some((level, a.pound_token.span));
                    out.written.push(if path.is_ident("cache") {
                        "cache".into()
                    } else {
                        format!("persist({})", level.name())
                    });
                }
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
