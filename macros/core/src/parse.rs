//! Tokens -> model. Each node is parsed on its own so that one malformed node does not hide the
//! mistakes in the others.

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, Token, Type, Visibility};

use crate::attr::parse_node_attrs;
use crate::ctxt::Ctxt;
use crate::model::{BrokenNode, File, NodeDef, NodeExpr, Param, Pipeline};

impl syn::parse::Parse for File {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut pipelines = Vec::new();
        while !input.is_empty() {
            pipelines.push(parse_pipeline(input)?);
        }
        if pipelines.is_empty() {
            return Err(input.error(
                "expected a pipeline: `pub struct Name(params) { node: Type = source(..); ... }`",
            ));
        }
        Ok(File { pipelines })
    }
}

fn parse_pipeline(input: ParseStream) -> syn::Result<Pipeline> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    input.parse::<Token![struct]>()?;
    let name: Ident = input.parse()?;
    let params = if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        Punctuated::<Param, Token![,]>::parse_terminated(&content)?
            .into_iter()
            .collect()
    } else {
        return Err(input.error(format!(
            "expected the parameters of `{name}` in parentheses, e.g. `struct {name}(path: PathBuf)` or `struct {name}()`"
        )));
    };
    let body;
    let brace = syn::braced!(body in input);
    let tokens: TokenStream = body.parse()?;
    let mut nodes = Vec::new();
    let mut parse_errors = Vec::new();
    let mut broken = Vec::new();
    for chunk in split_statements(tokens, &mut parse_errors) {
        match parse_node.parse2(chunk.clone()) {
            Ok(n) => nodes.push(n),
            Err(e) => {
                parse_errors.push(e);
                broken.extend(salvage.parse2(chunk).ok().flatten());
            }
        }
    }
    Ok(Pipeline {
        attrs,
        vis,
        name,
        params,
        nodes,
        parse_errors,
        broken,
        brace_span: brace.span.join(),
    })
}

impl syn::parse::Parse for Param {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty: Type = input.parse()?;
        let rdd_elem = rdd_element(&ty);
        Ok(Param { name, ty, rdd_elem })
    }
}

/// `T` when `ty` is `Rdd<T>` (with any path prefix).
fn rdd_element(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Rdd" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(t)) if args.args.len() == 1 => Some(t.clone()),
        _ => None,
    }
}

/// Splits the body at top-level `;`. A trailing node without `;` is an error.
fn split_statements(tokens: TokenStream, errors: &mut Vec<syn::Error>) -> Vec<TokenStream> {
    let mut out = Vec::new();
    let mut cur = TokenStream::new();
    let mut last = None;
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ';' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => {
                last = Some(tt.span());
                cur.extend([tt]);
            }
        }
    }
    if !cur.is_empty() {
        errors.push(syn::Error::new(
            last.unwrap_or_else(proc_macro2::Span::call_site),
            "expected `;` after this node",
        ));
        out.push(cur);
    }
    out
}

fn parse_node(input: ParseStream) -> syn::Result<NodeDef> {
    let attrs = input.call(Attribute::parse_outer)?;
    let name: Ident = input.parse()?;
    if input.peek(Token![=]) {
        return Err(syn::Error::new(
            name.span(),
            format!("node `{name}` has no element type: write `{name}: Type = ...`"),
        ));
    }
    input.parse::<Token![:]>()?;
    let ty: Type = input.parse()?;
    input.parse::<Token![=]>()?;
    let expr: Expr = input.parse()?;
    let mut cx = Ctxt::new();
    let (docs, attrs) = parse_node_attrs(attrs, &mut cx);
    let expr = node_expr(expr, &name, &mut cx);
    cx.check()?;
    Ok(NodeDef {
        docs,
        attrs,
        name,
        ty,
        expr: expr.expect("errors were reported"),
    })
}

/// The name and type of a node that did not parse, when they can be read.
fn salvage(input: ParseStream) -> syn::Result<Option<BrokenNode>> {
    input.call(Attribute::parse_outer)?;
    let Ok(name) = input.parse::<Ident>() else {
        input.parse::<TokenStream>()?;
        return Ok(None);
    };
    let ty = if input.parse::<Token![:]>().is_ok() {
        input.parse::<Type>().ok()
    } else {
        None
    };
    input.parse::<TokenStream>()?;
    Ok(Some(BrokenNode { name, ty }))
}

fn single_ident(e: &Expr) -> Option<Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => p.path.get_ident().cloned(),
        _ => None,
    }
}

fn node_expr(expr: Expr, node: &Ident, cx: &mut Ctxt) -> Option<NodeExpr> {
    match expr {
        Expr::MethodCall(mc) => {
            if let Some(t) = &mc.turbofish {
                cx.error_spanned_by(
                    t,
                    "operators take no type arguments: the node's declared type is enough",
                );
            }
            match single_ident(&mc.receiver) {
                Some(parent) => Some(NodeExpr::Op {
                    parent,
                    op: mc.method,
                    args: mc.args.into_iter().collect(),
                }),
                None => {
                    if let Expr::MethodCall(inner) = &*mc.receiver {
                        cx.error_spanned_by(
                            &mc.method,
                            format!(
                                "node `{node}` chains two operators (`{}` then `{}`); declare one node per operator",
                                inner.method, mc.method
                            ),
                        );
                    } else {
                        cx.error_spanned_by(
                            &mc.receiver,
                            "expected the name of a parent node before the operator",
                        );
                    }
                    None
                }
            }
        }
        Expr::Call(c) => match single_ident(&c.func) {
            Some(name) => Some(NodeExpr::Source {
                name,
                args: c.args.into_iter().collect(),
            }),
            None => {
                cx.error_spanned_by(
                    &c.func,
                    "expected a source: `parallelize`, `range`, `text_file`, `json_lines`, `csv_file` or `parquet_file`",
                );
                None
            }
        },
        other => {
            cx.error_spanned_by(
                &other,
                "expected a source call like `text_file(path)` or one operator on a parent like `lines.map(|l| ..)`",
            );
            None
        }
    }
}
