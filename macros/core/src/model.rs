//! The macro's own model of a `pipeline!` invocation, as parsed (not yet validated).

use proc_macro2::Span;
use syn::{Attribute, Expr, Ident, Type, Visibility};

use crate::attr::NodeAttrs;

/// One invocation: one or more pipelines.
pub(crate) struct File {
    pub pipelines: Vec<Pipeline>,
}

/// `ATTRS VIS struct NAME(PARAMS) { NODE* }`.
pub(crate) struct Pipeline {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub params: Vec<Param>,
    pub nodes: Vec<NodeDef>,
    /// Errors met while parsing nodes; reported with the validation errors.
    pub parse_errors: Vec<syn::Error>,
    /// Nodes that did not parse but whose name (and maybe type) could be read: references to
    /// them are not reported again as unknown, and the stand-in keeps their fields.
    pub broken: Vec<BrokenNode>,
    pub brace_span: Span,
}

/// A parameter: a value (cloned into tasks) or an `Rdd<T>` input node.
pub(crate) struct Param {
    pub name: Ident,
    pub ty: Type,
    /// `Some(T)` for `Rdd<T>`.
    pub rdd_elem: Option<Type>,
}

/// What could be read of a node that did not parse.
pub(crate) struct BrokenNode {
    pub name: Ident,
    pub ty: Option<Type>,
}

/// `ATTRS name: Type = EXPR;`.
pub(crate) struct NodeDef {
    pub docs: Vec<Attribute>,
    pub attrs: NodeAttrs,
    pub name: Ident,
    pub ty: Type,
    pub expr: NodeExpr,
}

/// A source call or `parent.operator(args)`.
pub(crate) enum NodeExpr {
    Source {
        name: Ident,
        args: Vec<Expr>,
    },
    Op {
        parent: Ident,
        op: Ident,
        args: Vec<Expr>,
    },
}

/// A type as text with the spaces `quote` inserts removed where people do not write them.
pub(crate) fn type_text(ty: &Type) -> String {
    let s = quote::quote!(#ty).to_string();
    s.replace(" < ", "<")
        .replace("< ", "<")
        .replace(" <", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace("& ", "&")
}

impl NodeExpr {
    pub fn op_name(&self) -> &Ident {
        match self {
            NodeExpr::Source { name, .. } => name,
            NodeExpr::Op { op, .. } => op,
        }
    }

    pub fn args(&self) -> &[Expr] {
        match self {
            NodeExpr::Source { args, .. } | NodeExpr::Op { args, .. } => args,
        }
    }
}
