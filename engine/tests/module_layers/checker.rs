//! The module graph of a crate, read from its sources: which top-level module refers to which
//! other through `crate::` paths (or `super::` paths that climb to the crate root), and the
//! cycles of that graph.
//!
//! A top-level module is a file `x.rs` or a folder `x/` under `src/`; `lib.rs` is the root,
//! whose `use` items only tell which module a name re-exported at the root comes from (so
//! `crate::Error` counts as a reference to `error` when `lib.rs` has `pub use error::Error`).
//! References are found in `use` trees, in every path of items, types, expressions and
//! patterns, and in the token streams of macro calls (`crate::x::f` or `$crate::x::f` there).
//! Items under `#[cfg(test)]` are left out: a unit test may drive a lower module through the
//! layers above it without tying the layers of the library together.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Component, Path};

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// One source file: its path relative to `src/` (`a.rs`, `ops/mod.rs`) and its text.
pub struct Source {
    /// Path relative to `src/`, with `/` separators.
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// Where a reference was found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Site {
    /// Path relative to `src/`.
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// The top-level modules and, per edge `from -> to`, the first reference found (in file
/// order, then line order).
pub struct Graph {
    /// Every top-level module.
    pub modules: BTreeSet<String>,
    /// `(from, to)` to the first reference of `to` in `from`.
    pub edges: BTreeMap<(String, String), Site>,
}

/// A strongly connected component of more than one module, with its edges.
#[derive(Debug)]
pub struct Cycle {
    /// The modules, sorted.
    pub modules: Vec<String>,
    /// The edges between them, sorted, each with one reference.
    pub edges: Vec<(String, String, Site)>,
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "cycle of {} modules: {}",
            self.modules.len(),
            self.modules.join(", ")
        )?;
        for (from, to, site) in &self.edges {
            writeln!(f, "  {from} -> {to}  ({site})")?;
        }
        Ok(())
    }
}

/// The module path of a file relative to `src/`: `[]` for `lib.rs`, `[x]` for `x.rs` and
/// `x/mod.rs`, `[x, y]` for `x/y.rs`.
fn module_path(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = Path::new(file)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.strip_suffix(".rs").unwrap_or(&last);
    if !(stem == "mod" || (parts.is_empty() && stem == "lib")) {
        parts.push(stem.to_string());
    }
    parts
}

/// Builds the graph; an error names a file that does not parse.
pub fn graph(sources: &[Source]) -> Result<Graph, String> {
    let parsed = sources
        .iter()
        .map(|s| {
            syn::parse_file(&s.text)
                .map(|f| (s, module_path(&s.path), f))
                .map_err(|e| format!("{}: {e}", s.path))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let modules: BTreeSet<String> = parsed
        .iter()
        .filter_map(|(_, path, _)| path.first().cloned())
        .collect();
    // Names `lib.rs` imports or re-exports, with the top-level module each comes from.
    let mut reexports = BTreeMap::new();
    for (_, path, file) in parsed.iter().filter(|(_, p, _)| p.is_empty()) {
        let mut paths = Vec::new();
        for item in &file.items {
            if let syn::Item::Use(u) = item {
                use_paths(&u.tree, &mut Vec::new(), &mut paths);
            }
        }
        for (segments, _) in paths {
            let Some(name) = segments.last().filter(|_| segments.len() > 1) else {
                continue;
            };
            if let Some(abs) = resolve(path, &segments)
                .or_else(|| Some(segments.clone()).filter(|s| modules.contains(&s[0])))
                && modules.contains(&abs[0])
            {
                reexports.insert(name.clone(), abs[0].clone());
            }
        }
    }
    let mut edges = BTreeMap::new();
    let mut ordered: Vec<_> = parsed.iter().collect();
    ordered.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    for (source, path, file) in ordered {
        let Some(from) = path.first() else { continue };
        let mut refs = Refs {
            scope: path.clone(),
            found: Vec::new(),
        };
        refs.visit_file(file);
        for (target, span) in refs.found {
            let to = modules
                .get(&target[0])
                .or_else(|| reexports.get(&target[0]))
                .cloned();
            if let Some(to) = to.filter(|to| to != from) {
                let site = Site {
                    file: source.path.clone(),
                    line: span.start().line,
                };
                let slot = edges.entry((from.clone(), to)).or_insert(site.clone());
                if site < *slot {
                    *slot = site;
                }
            }
        }
    }
    Ok(Graph { modules, edges })
}

impl Graph {
    /// Every strongly connected component of more than one module: `a` and `b` are in one
    /// when each reaches the other.
    pub fn cycles(&self) -> Vec<Cycle> {
        let reach: BTreeMap<&str, BTreeSet<&str>> = self
            .modules
            .iter()
            .map(|m| (m.as_str(), self.reachable(m)))
            .collect();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut cycles = Vec::new();
        for m in &self.modules {
            if seen.contains(m) {
                continue;
            }
            let component: Vec<String> = self
                .modules
                .iter()
                .filter(|o| {
                    *o == m
                        || (reach[m.as_str()].contains(o.as_str())
                            && reach[o.as_str()].contains(m.as_str()))
                })
                .cloned()
                .collect();
            seen.extend(component.iter().cloned());
            if component.len() > 1 {
                let edges = self
                    .edges
                    .iter()
                    .filter(|((a, b), _)| component.contains(a) && component.contains(b))
                    .map(|((a, b), s)| (a.clone(), b.clone(), s.clone()))
                    .collect();
                cycles.push(Cycle {
                    modules: component,
                    edges,
                });
            }
        }
        cycles
    }

    /// The modules reachable from `start` by one edge or more.
    fn reachable(&self, start: &str) -> BTreeSet<&str> {
        let mut found = BTreeSet::new();
        let mut todo = vec![start];
        while let Some(m) = todo.pop() {
            for (a, b) in self.edges.keys() {
                if a == m && found.insert(b.as_str()) {
                    todo.push(b);
                }
            }
        }
        found
    }
}

/// The absolute module path (without `crate`) that `segments` names from module `scope`, if
/// it starts at the crate root (`crate`, `$crate`), at `self` or climbs with `super`.
fn resolve(scope: &[String], segments: &[String]) -> Option<Vec<String>> {
    let (first, rest) = segments.split_first()?;
    let abs = match first.as_str() {
        "crate" => rest.to_vec(),
        "self" => [scope, rest].concat(),
        "super" => {
            let ups = segments.iter().take_while(|s| *s == "super").count();
            let base = scope.get(..scope.len().checked_sub(ups)?)?;
            [base, &segments[ups..]].concat()
        }
        _ => return None,
    };
    Some(abs).filter(|a| !a.is_empty())
}

/// The paths a `use` tree imports, each as segments with the span of its last segment.
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Span)>) {
    let leaf = |prefix: &Vec<String>, ident: &syn::Ident| {
        let mut p = prefix.clone();
        if ident != "self" {
            p.push(ident.to_string());
        }
        (p, ident.span())
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => out.push(leaf(prefix, &n.ident)),
        syn::UseTree::Rename(r) => out.push(leaf(prefix, &r.ident)),
        syn::UseTree::Glob(g) => out.push((prefix.clone(), g.star_token.span)),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_paths(t, prefix, out);
            }
        }
    }
}

/// Whether an item's attributes include `#[cfg(test)]`.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
    })
}

/// Collects, for one file, the absolute paths it refers to.
struct Refs {
    /// The module being visited (inline `mod` blocks push their name).
    scope: Vec<String>,
    /// Absolute paths found, with the span of a segment.
    found: Vec<(Vec<String>, Span)>,
}

impl Refs {
    fn note(&mut self, segments: &[String], span: Span) {
        if let Some(abs) = resolve(&self.scope, segments) {
            self.found.push((abs, span));
        }
    }

    /// Paths in a macro's tokens: an ident `crate`, `self` or `super` (a `$` before `crate`
    /// is a separate token) followed by `:: ident` pairs.
    fn scan_tokens(&mut self, tokens: TokenStream) {
        let tts: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tts.len() {
            match &tts[i] {
                TokenTree::Group(g) => self.scan_tokens(g.stream()),
                TokenTree::Ident(id) if id == "crate" || id == "self" || id == "super" => {
                    let mut segments = vec![id.to_string()];
                    let mut j = i + 1;
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(next)),
                    ) = (tts.get(j), tts.get(j + 1), tts.get(j + 2))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        segments.push(next.to_string());
                        j += 3;
                    }
                    if segments.len() > 1 {
                        self.note(&segments, id.span());
                        i = j;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Refs {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Type(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            _ => &[],
        };
        if !is_test_only(attrs) {
            visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.scope.push(m.ident.to_string());
        visit::visit_item_mod(self, m);
        self.scope.pop();
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        for (segments, span) in paths {
            self.note(&segments, span);
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(first) = p.segments.first() {
            self.note(&segments, first.ident.span());
        }
        visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.scan_tokens(m.tokens.clone());
        visit::visit_macro(self, m);
    }
}
