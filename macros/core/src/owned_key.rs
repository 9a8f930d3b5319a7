//! Key closures must return owned keys. A key outlives the element it was computed from (a
//! sort samples keys for its range bounds and compares them after the shuffle; `key_by` keeps
//! it beside the element), so the engine asks for `Fn(&T) -> K` with `K: 'static`. A closure
//! returning `&w.name` then fails with rustc's "lifetime may not live long enough", which names
//! no fix; this pass names it, for the returns it can see in the tokens: `&expr` and the
//! borrowing conversions (`as_str()`, `as_ref()`, ...), as the body or its last expression.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::Expr;

use crate::ctxt::Ctxt;

/// The operators whose closure argument computes a key.
const KEY_OPERATORS: &[&str] = &["sort_by", "key_by"];

/// Methods that borrow from their receiver.
const BORROWING: &[(&str, &str)] = &[
    ("as_str", "to_string()"),
    ("as_ref", "to_owned()"),
    ("as_slice", "to_vec()"),
    ("as_path", "to_path_buf()"),
    ("as_bytes", "to_vec()"),
    ("borrow", "clone()"),
];

/// Reports a key closure of operator `op` (its argument `arg`) that returns a borrow.
pub(crate) fn check(op: &str, arg: &Expr, cx: &mut Ctxt) {
    if !KEY_OPERATORS.contains(&op) {
        return;
    }
    let Expr::Closure(c) = arg else { return };
    let Some((at, fix)) = borrowed_return(&c.body) else {
        return;
    };
    cx.error_spanned_by(
        at,
        format!(
            "the key closure of `{op}` returns a reference, but a key must be owned: it \
             outlives the element it was computed from (kept beside it, sampled, compared after \
             the shuffle)\n\
             help: return an owned key, e.g. {fix}"
        ),
    );
}

/// The returned borrow's tokens and how to own it.
fn borrowed_return(body: &Expr) -> Option<(TokenStream, String)> {
    match body {
        Expr::Reference(r) => {
            let fix = match place(&r.expr) {
                Some(p) => format!("`{p}.clone()` instead of `&{p}`"),
                None => "`x.field.clone()` instead of `&x.field`".to_string(),
            };
            Some((
                r.to_token_stream(),
                format!("{fix} (or a tuple of owned fields)"),
            ))
        }
        Expr::MethodCall(m) if m.args.is_empty() => {
            let name = m.method.to_string();
            BORROWING
                .iter()
                .find(|(b, _)| *b == name)
                .map(|(b, owned)| {
                    (
                        m.method.to_token_stream(),
                        format!("`.{owned}` instead of `.{b}()`"),
                    )
                })
        }
        Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => borrowed_return(e),
            _ => None,
        },
        Expr::Paren(p) => borrowed_return(&p.expr),
        _ => None,
    }
}

/// `w.text` for a place written as a variable and fields, as the user wrote it.
fn place(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(ToString::to_string),
        Expr::Field(f) => {
            let member = match &f.member {
                syn::Member::Named(i) => i.to_string(),
                syn::Member::Unnamed(i) => i.index.to_string(),
            };
            Some(format!("{}.{member}", place(&f.base)?))
        }
        _ => None,
    }
}
