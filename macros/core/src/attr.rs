//! Node attributes: `#[checkpoint]`, `#[checkpoint(version = N)]`, `#[checkpoint(local)]`,
//! `#[cache]`, `#[persist(..)]`, parsed into typed settings; unknown and conflicting ones are
//! errors.

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
    /// `#[checkpoint(version = N)]`: a user version, mixed into the node's definition hash
    /// (so its resume fingerprint and its descendants') for changes the macro cannot see.
    pub version: Option<u64>,
    pub storage: Option<(Storage, Span)>,
    /// The attributes as written, for `graph()`.
    pub written: Vec<String>,
}

const KNOWN: &str = "`#[checkpoint]`, `#[checkpoint(version = N)]`, `#[checkpoint(local)]`, `#[cache]`, `#[persist(memory)]`, `#[persist(disk)]`, `#[persist(memory_and_disk)]`";

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
            let Some(parsed) = parse_checkpoint(&a, cx) else {
                continue;
            };
            if out.checkpoint.is_some() {
                cx.error_spanned_by(
                    &a,
                    "conflicting checkpoint attributes: a node has at most one `#[checkpoint]` or `#[checkpoint(local)]`",
                );
                continue;
            }
            out.checkpoint = Some((parsed.kind, a.pound_token.span));
            out.version = parsed.version;
            out.written.push(match (parsed.kind, parsed.version) {
                (Checkpoint::Reliable, None) => "checkpoint".into(),
                (Checkpoint::Reliable, Some(v)) => format!("checkpoint(version = {v})"),
                (Checkpoint::Local, _) => "checkpoint(local)".into(),
            });
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

/// What `#[checkpoint(..)]` asks for.
struct CheckpointAttr {
    kind: Checkpoint,
    version: Option<u64>,
}

/// What each malformed `#[checkpoint(..)]` is told to write instead.
const CHECKPOINT_FORMS: &str = "expected `#[checkpoint]` (reliable) or `#[checkpoint(local)]`, \
     or `#[checkpoint(version = N)]` with an integer `N` to invalidate resumable checkpoints";

/// Parses `#[checkpoint]`, `#[checkpoint(local)]`, `#[checkpoint(reliable)]` and
/// `#[checkpoint(version = N)]` (also `reliable, version = N`). `local` with `version` is
/// refused: a local checkpoint is never resumed, so its version would have no effect. Every
/// error is reported on `cx`, spanned at the offending tokens; `None` then.
fn parse_checkpoint(a: &Attribute, cx: &mut Ctxt) -> Option<CheckpointAttr> {
    let list = match &a.meta {
        syn::Meta::Path(_) => {
            return Some(CheckpointAttr {
                kind: Checkpoint::Reliable,
                version: None,
            });
        }
        syn::Meta::List(l) => l,
        syn::Meta::NameValue(_) => {
            cx.error_spanned_by(
                a,
                "expected `#[checkpoint]` or `#[checkpoint(local)]`, or `#[checkpoint(version = N)]`",
            );
            return None;
        }
    };
    let mut local = false;
    let mut version: Option<(u64, Span)> = None;
    let parsed = list.parse_nested_meta(|meta| {
        let key = &meta.path;
        if key.is_ident("local") || key.is_ident("reliable") {
            if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
                return Err(meta.error(format!(
                    "`{}` takes no value; {CHECKPOINT_FORMS}",
                    quote::ToTokens::to_token_stream(key)
                )));
            }
            if key.is_ident("local") {
                local = true;
            }
            Ok(())
        } else if key.is_ident("version") {
            if !meta.input.peek(syn::Token![=]) {
                return Err(meta.error(
                    "`version` needs a value: write `#[checkpoint(version = 2)]`, an integer \
                     to raise whenever a function that the node's closures call changes",
                ));
            }
            let value: syn::Expr = meta.value()?.parse()?;
            let n = match &value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(i),
                    ..
                }) => i.base10_parse::<u64>().ok(),
                _ => None,
            };
            let Some(n) = n else {
                return Err(syn::Error::new_spanned(
                    &value,
                    "`version` takes an integer literal (a `u64`): write `#[checkpoint(version = 2)]`",
                ));
            };
            if version.is_some() {
                return Err(meta.error("`version` is given twice; write it once"));
            }
            version = Some((n, syn::spanned::Spanned::span(key)));
            Ok(())
        } else {
            let name = quote::ToTokens::to_token_stream(key)
                .to_string()
                .replace(' ', "");
            Err(meta.error(format!(
                "unknown checkpoint option `{name}`: {CHECKPOINT_FORMS}"
            )))
        }
    });
    if let Err(e) = parsed {
        cx.push(e);
        return None;
    }
    match (local, version) {
        (true, Some((_, span))) => {
            cx.error_at(
                span,
                "a local checkpoint is never resumed, so `version` has no effect on it: write \
                 `#[checkpoint(local)]`, or `#[checkpoint(version = N)]` for a reliable one",
            );
            None
        }
        (true, None) => Some(CheckpointAttr {
            kind: Checkpoint::Local,
            version: None,
        }),
        (false, v) => Some(CheckpointAttr {
            kind: Checkpoint::Reliable,
            version: v.map(|(n, _)| n),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    /// The settings parsed from `attrs`, or the error messages.
    fn parse(attrs: Vec<Attribute>) -> Result<NodeAttrs, Vec<String>> {
        let mut cx = Ctxt::new();
        let (_, out) = parse_node_attrs(attrs, &mut cx);
        match cx.check() {
            Ok(()) => Ok(out),
            Err(e) => Err(e.into_iter().map(|e| e.to_string()).collect()),
        }
    }

    fn rejected(attr: Attribute, expected: &str) {
        let errs = parse(vec![attr]).err().expect("rejected");
        assert!(
            errs.iter().any(|e| e.contains(expected)),
            "no error containing {expected:?}: {errs:#?}"
        );
    }

    #[test]
    fn checkpoint_forms() {
        let a = parse(vec![parse_quote!(#[checkpoint(version = 3)])]).unwrap();
        assert_eq!(a.checkpoint.map(|c| c.0), Some(Checkpoint::Reliable));
        assert_eq!(a.version, Some(3));
        assert_eq!(a.written, ["checkpoint(version = 3)"]);
        let a = parse(vec![parse_quote!(#[checkpoint(reliable, version = 0)])]).unwrap();
        assert_eq!(a.version, Some(0));
        let a = parse(vec![parse_quote!(#[checkpoint(local)])]).unwrap();
        assert_eq!(a.checkpoint.map(|c| c.0), Some(Checkpoint::Local));
        assert_eq!(a.version, None);
        let a = parse(vec![parse_quote!(#[checkpoint])]).unwrap();
        assert_eq!(
            (a.checkpoint.map(|c| c.0), a.version),
            (Some(Checkpoint::Reliable), None)
        );

        rejected(
            parse_quote!(#[checkpoint(version = "x")]),
            "takes an integer literal",
        );
        rejected(
            parse_quote!(#[checkpoint(version = -1)]),
            "takes an integer literal",
        );
        rejected(
            parse_quote!(#[checkpoint(version)]),
            "`version` needs a value",
        );
        rejected(
            parse_quote!(#[checkpoint(version = 1, version = 2)]),
            "given twice",
        );
        rejected(
            parse_quote!(#[checkpoint(versoin = 1)]),
            "unknown checkpoint option `versoin`",
        );
        rejected(
            parse_quote!(#[checkpoint(local, version = 1)]),
            "never resumed",
        );
        rejected(
            parse_quote!(#[checkpoint(local = 1)]),
            "`local` takes no value",
        );
    }
}
