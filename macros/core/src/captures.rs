//! Names a node's arguments use that nothing in the generated code can see.
//!
//! Closures and argument values are pasted into generated `impl`s, outside the function that
//! invokes `pipeline!`, so they see the pipeline's params and the items of the enclosing module
//! (consts, statics, functions), never a local variable. Left alone, rustc reports such a name
//! as "can't capture dynamic environment in a fn item" with advice to write a closure, which is
//! what the user already wrote. This pass names the rule and the fix instead.
//!
//! A macro cannot resolve names, so the pass flags only what cannot be an item by Rust's naming
//! rules and idioms: a free `snake_case` name used as a value. Consts and statics are
//! `UPPER_CASE` (rustc lints otherwise), and a function named as a value is almost always a
//! callee or a callback argument, which are not flagged.

use std::collections::HashSet;

use syn::visit::{self, Visit};
use syn::{Expr, Ident};

use crate::ctxt::Ctxt;
use crate::model::Pipeline;

/// Reports every free local-looking name in `arg`, an argument of a node. `callback` is true
/// when the argument is a function slot, where a bare path names a function.
pub(crate) fn check_arg(p: &Pipeline, arg: &Expr, callback: bool, cx: &mut Ctxt) {
    if callback && bare_ident(arg).is_some() {
        return;
    }
    let mut binders = Binders::default();
    binders.visit_expr(arg);
    let mut free = Free {
        bound: binders.0,
        found: Vec::new(),
    };
    free.visit_expr(arg);

    let mut reported = HashSet::new();
    for ident in free.found {
        let name = ident.to_string();
        if !reported.insert(name.clone()) || p.params.iter().any(|x| x.name == name) {
            continue;
        }
        let msg = if p.nodes.iter().any(|n| n.name == name) {
            format!(
                "`{name}` is a node of this pipeline, not a value: a closure cannot read another \
                 node's elements; combine the two nodes with `join`, `cogroup` or `union` instead"
            )
        } else {
            format!(
                "`{name}` is not visible in a pipeline's closures and arguments: they see the \
                 pipeline's params and the consts, statics and functions of the enclosing module, \
                 not local variables\n\
                 help: declare it as a param, `struct {pipe}({name}: Type, ..)`, and pass its \
                 value to `{pipe}::new`; a const or static is named in UPPER_CASE",
                pipe = p.name
            )
        };
        cx.error_spanned_by(&ident, msg);
    }
}

/// `x` when `e` is a path of one plain identifier.
fn bare_ident(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => p.path.get_ident(),
        _ => None,
    }
}

fn local_looking(ident: &Ident) -> bool {
    let s = ident.to_string();
    let s = s.strip_prefix("r#").unwrap_or(&s);
    s != "self" && s.chars().next().is_some_and(|c| c.is_lowercase())
}

/// Every name bound anywhere in an expression: patterns (closure parameters, `let`, `match`,
/// `for`, `if let`) and nested items. Over-approximate on purpose: a name bound in one scope
/// and used free in another is not flagged, which errs on the side of rustc's own message.
#[derive(Default)]
struct Binders(HashSet<String>);

impl Visit<'_> for Binders {
    fn visit_pat_ident(&mut self, p: &syn::PatIdent) {
        self.0.insert(p.ident.to_string());
        visit::visit_pat_ident(self, p);
    }
    fn visit_item(&mut self, item: &syn::Item) {
        let ident = match item {
            syn::Item::Const(i) => Some(&i.ident),
            syn::Item::Fn(i) => Some(&i.sig.ident),
            syn::Item::Static(i) => Some(&i.ident),
            _ => None,
        };
        self.0.extend(ident.map(Ident::to_string));
        visit::visit_item(self, item);
    }
}

/// Free local-looking names used as values, skipping callees and call arguments (where a
/// function item is idiomatic: `f(x)`, `xs.map(f)`).
struct Free {
    bound: HashSet<String>,
    found: Vec<Ident>,
}

impl Free {
    fn visit_args<'a>(&mut self, args: impl IntoIterator<Item = &'a Expr>) {
        for a in args {
            if bare_ident(a).is_none() {
                self.visit_expr(a);
            }
        }
    }
}

impl Visit<'_> for Free {
    fn visit_expr_call(&mut self, c: &syn::ExprCall) {
        if bare_ident(&c.func).is_none() {
            self.visit_expr(&c.func);
        }
        self.visit_args(&c.args);
    }
    fn visit_expr_method_call(&mut self, m: &syn::ExprMethodCall) {
        self.visit_expr(&m.receiver);
        self.visit_args(&m.args);
    }
    fn visit_expr_path(&mut self, e: &syn::ExprPath) {
        if e.qself.is_none()
            && let Some(ident) = e.path.get_ident()
            && local_looking(ident)
            && !self.bound.contains(&ident.to_string())
        {
            self.found.push(ident.clone());
        }
    }
    // Items nested in a closure body are checked by rustc with their own scopes.
    fn visit_item(&mut self, _: &syn::Item) {}
}
