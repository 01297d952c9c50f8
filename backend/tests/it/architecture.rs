//! The house's shape, read from the source tree: no import circle between the files of
//! `domain`, `backend` and `app`, and between the contexts of `backend` and `app` (their
//! folders) only the arrows ARCHITECTURE.md's tables allow. An arrow is any path from one file to another of the same
//! crate — a `use crate::…`, `super::…` or child-module path, a call through one, or one
//! written inside a macro (`view!`) — outside the tests (`#[cfg(test)]`). The crate root
//! (`lib.rs`: module list and re-exports) is no room of its own. A circle fails the test,
//! named file by file with the import that closes each step.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use syn::visit::Visit;

/// A module by its path in the crate: `["pejabat", "rekam"]` for `pejabat/rekam.rs`.
type Module = Vec<String>;

fn show(m: &Module) -> String {
    m.join("::")
}

/// Every module file of a crate's `src` (not `lib.rs`, not the binaries in `bin/`), with its
/// source.
fn read_crate(src: &Path) -> BTreeMap<Module, String> {
    fn walk(dir: &Path, prefix: &Module, out: &mut BTreeMap<Module, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if prefix.is_empty() && name == "bin" {
                    continue;
                }
                let mut inner = prefix.clone();
                inner.push(name);
                walk(&path, &inner, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut module = prefix.clone();
                match name.as_str() {
                    "lib" | "main" if prefix.is_empty() => continue,
                    "mod" => {}
                    _ => module.push(name),
                }
                out.insert(module, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, &Vec::new(), &mut out);
    out
}

/// The paths a file writes, as segments (`crate::sesi::akhiri_milik`, `super::Target`,
/// `rekam::RekamDialog`), outside its tests.
#[derive(Default)]
struct Paths(Vec<Vec<String>>);

fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string().contains("test"))
    })
}

impl Paths {
    fn use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut path = prefix.clone();
                if n.ident != "self" {
                    path.push(n.ident.to_string());
                }
                self.0.push(path);
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                path.push(r.ident.to_string());
                self.0.push(path);
            }
            syn::UseTree::Glob(_) => self.0.push(prefix.clone()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.use_tree(t, prefix)),
        }
    }

    /// `crate :: a :: b` and `super :: a` sequences in a macro's tokens.
    fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            match &trees[i] {
                TokenTree::Group(g) => self.tokens(g.stream()),
                TokenTree::Ident(id) if id == "crate" || id == "super" => {
                    let mut path = vec![id.to_string()];
                    let mut j = i + 1;
                    loop {
                        match (trees.get(j), trees.get(j + 1), trees.get(j + 2)) {
                            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)), Some(TokenTree::Ident(next)))
                                if a.as_char() == ':' && b.as_char() == ':' =>
                            {
                                path.push(next.to_string());
                                j += 3;
                            }
                            _ => break,
                        }
                    }
                    self.0.push(path);
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Const(c) => &c.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !is_test(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.use_tree(&u.tree, &mut Vec::new());
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        self.0.push(p.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, p);
    }

    /// `pub(super)` and `pub(in crate::x)` say who may see an item, not what it uses.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone());
        syn::visit::visit_macro(self, m);
    }
}

/// The arrows of a crate: from a module to each module it names, with the first path that
/// names it.
fn arrows(files: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeMap<Module, String>> {
    let mut out = BTreeMap::new();
    for (module, source) in files {
        let file = syn::parse_file(source).unwrap_or_else(|e| panic!("{}: {e}", show(module)));
        let mut paths = Paths::default();
        paths.visit_file(&file);
        // the child modules this file declares, reachable by their bare name
        let children: BTreeSet<String> = file
            .items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Mod(m) if !is_test(&m.attrs) => Some(m.ident.to_string()),
                _ => None,
            })
            .collect();
        let mut to: BTreeMap<Module, String> = BTreeMap::new();
        for path in paths.0 {
            let Some(first) = path.first() else { continue };
            // the module this path starts from, and the rest of it
            let (mut base, rest): (Module, &[String]) = match first.as_str() {
                "crate" => (Vec::new(), &path[1..]),
                "self" => (module.clone(), &path[1..]),
                "super" => {
                    let supers = path.iter().take_while(|s| *s == "super").count();
                    let keep = module.len().saturating_sub(supers);
                    (module[..keep].to_vec(), &path[supers..])
                }
                name if children.contains(name) => (module.clone(), &path[..]),
                _ => continue,
            };
            // the longest prefix that is a file of the crate
            let mut target = None;
            if files.contains_key(&base) && !base.is_empty() {
                target = Some(base.clone());
            }
            for segment in rest {
                base.push(segment.clone());
                if files.contains_key(&base) {
                    target = Some(base.clone());
                } else {
                    break;
                }
            }
            if let Some(target) = target.filter(|t| t != module) {
                to.entry(target).or_insert_with(|| path.join("::"));
            }
        }
        out.insert(module.clone(), to);
    }
    out
}

/// Every circle: the strongly connected groups of more than one module (Tarjan), each shown as
/// one walk around it with the import behind each step.
fn circles(arrows: &BTreeMap<Module, BTreeMap<Module, String>>) -> Vec<String> {
    struct Tarjan<'a> {
        arrows: &'a BTreeMap<Module, BTreeMap<Module, String>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        groups: Vec<Vec<&'a Module>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a Module) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.arrows.get(v).into_iter().flat_map(|t| t.keys()) {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    group.push(w);
                    if w == v {
                        break;
                    }
                }
                self.groups.push(group);
            }
        }
    }
    let mut t = Tarjan {
        arrows,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for v in arrows.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    let mut out = Vec::new();
    for group in t.groups.into_iter().filter(|g| g.len() > 1) {
        let members: BTreeSet<&Module> = group.iter().copied().collect();
        // the shortest walk from the group's first module back to it (breadth first)
        let start = *members.iter().next().unwrap();
        let mut came_from: BTreeMap<&Module, &Module> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        'search: while let Some(v) = queue.pop_front() {
            for w in arrows[v].keys().filter(|w| members.contains(w)) {
                if w == start {
                    came_from.insert(start, v);
                    break 'search;
                }
                if !came_from.contains_key(w) {
                    came_from.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        let mut walk = vec![start];
        let mut at = came_from[start];
        while at != start {
            walk.push(at);
            at = came_from[at];
        }
        walk.reverse();
        walk.rotate_right(1);
        let mut text = format!("{} (a circle of {}: ", show(start), members.len());
        let names: Vec<String> = members.iter().map(|m| show(m)).collect();
        text.push_str(&names.join(", "));
        text.push(')');
        for pair in walk.iter().chain(std::iter::once(&start)).collect::<Vec<_>>().windows(2) {
            text.push_str(&format!("\n    {} → {} by `{}`", show(pair[0]), show(pair[1]), arrows[*pair[0]][*pair[1]]));
        }
        out.push(text);
    }
    out
}

/// The contexts of a crate and the contexts each may use: the rows of the table under
/// `## {krate}` in ARCHITECTURE.md (the first cell's name, the last cell's names).
fn allowed(architecture: &str, krate: &str) -> BTreeMap<String, BTreeSet<String>> {
    let names = |cell: &str| -> Vec<String> { cell.split('`').skip(1).step_by(2).map(str::to_owned).collect() };
    let heading = format!("## {krate}");
    architecture
        .lines()
        .skip_while(|l| l.trim() != heading)
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim().trim_matches('|').split('|').collect();
            let context = names(cells.first()?).into_iter().next()?;
            Some((context, names(cells.last()?).into_iter().collect()))
        })
        .collect()
}

/// Every arrow between two contexts (a module's first segment) that `allowed` does not list,
/// and every context the table does not know, with the file and the import.
fn foreign(
    arrows: &BTreeMap<Module, BTreeMap<Module, String>>,
    allowed: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (from, to) in arrows {
        let Some(here) = from.first() else { continue };
        let Some(may) = allowed.get(here) else {
            out.push(format!("{}: context `{here}` is not in ARCHITECTURE.md's table", show(from)));
            continue;
        };
        for (target, path) in to {
            let Some(there) = target.first().filter(|t| *t != here) else { continue };
            if !may.contains(there) {
                let list: Vec<&str> = may.iter().map(String::as_str).collect();
                out.push(format!(
                    "{} → {} by `{path}`: `{here}` may use only {}",
                    show(from),
                    show(target),
                    if list.is_empty() { "itself".to_owned() } else { list.join(", ") }
                ));
            }
        }
    }
    out
}

fn check(krate: &str) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(krate).join("src");
    circles(&arrows(&read_crate(&src))).into_iter().map(|c| format!("{krate}: {c}")).collect()
}

#[test]
fn the_contexts_of_backend_and_app_use_only_what_architecture_md_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut found = Vec::new();
    for krate in ["backend", "app"] {
        let table = allowed(&architecture, krate);
        assert!(table.len() > 5, "ARCHITECTURE.md has no table of {krate}'s contexts");
        let arrows = arrows(&read_crate(&root.join(krate).join("src")));
        found.extend(foreign(&arrows, &table).into_iter().map(|f| format!("{krate}: {f}")));
    }
    assert!(found.is_empty(), "arrows ARCHITECTURE.md does not allow:\n{}", found.join("\n"));
}

/// The table is read row by row, and an arrow up the table or out of a context it does not
/// know is named with its import; an arrow inside a context is its own business.
#[test]
fn the_context_check_reads_the_table_and_names_a_foreign_arrow() {
    let doc = "# A\n## backend\n| context | what | may use |\n|---|---|---|\n\
               | `low` | the bottom | — |\n| `high` | uses `low` | `low` |\n## app\n| `x` | | |\n";
    let table = allowed(doc, "backend");
    assert_eq!(table.len(), 2, "{table:?}");
    assert!(table["low"].is_empty() && table["high"].contains("low"));
    let tree: BTreeMap<Module, String> = [
        ("high", "pub mod a;"),
        ("high::a", "use crate::low::b::B; use crate::high::c;"),
        ("high::c", ""),
        ("low", "pub mod b;"),
        ("low::b", "pub struct B; fn f() { crate::high::a::g(); }"),
        ("stray", "use crate::low::b::B;"),
    ]
    .into_iter()
    .map(|(m, s)| (m.split("::").map(str::to_owned).collect(), s.to_owned()))
    .collect();
    let found = foreign(&arrows(&tree), &table);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("low::b → high::a by `crate::high::a::g`: `low` may use only itself"), "{}", found[0]);
    assert!(found[1].contains("stray: context `stray` is not in ARCHITECTURE.md's table"), "{}", found[1]);
}

#[test]
fn no_file_of_domain_backend_or_app_imports_in_a_circle() {
    let found: Vec<String> = ["domain", "backend", "app"].into_iter().flat_map(check).collect();
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

/// The check sees a circle through a `use`, a call path, `super` and a macro's tokens, and
/// none where the arrows go one way or only the tests look back.
#[test]
fn the_check_names_a_circle_and_its_imports() {
    let tree = |files: &[(&str, &str)]| -> BTreeMap<Module, String> {
        files
            .iter()
            .map(|(m, s)| (m.split("::").map(str::to_owned).filter(|s| !s.is_empty()).collect(), s.to_string()))
            .collect()
    };
    let one_way = tree(&[
        ("a", "use crate::b::B; pub fn f() { crate::c::g(); }"),
        ("b", "pub struct B; #[cfg(test)] mod tests { use crate::a::f; }"),
        ("c", "pub fn g() {}"),
    ]);
    assert!(circles(&arrows(&one_way)).is_empty());
    let round = tree(&[
        ("a", "use crate::b::B;"),
        ("b", "pub struct B; fn h() { view! { <crate::c::C/> } }"),
        ("c", "pub struct C; fn k() { crate::a::x(); }"),
    ]);
    let found = circles(&arrows(&round));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("a → b by `crate::b::B`"), "{}", found[0]);
    assert!(found[0].contains("b → c by `crate::c::C`"), "{}", found[0]);
    assert!(found[0].contains("c → a by `crate::a::x`"), "{}", found[0]);
    let visibility = tree(&[("p", "mod kid; fn f() { kid::k(); }"), ("p::kid", "pub(super) fn k() {}")]);
    assert!(circles(&arrows(&visibility)).is_empty(), "`pub(super)` is no arrow to the parent");
    let parent_child = tree(&[("p", "mod kid; pub struct P; fn f() { kid::k(); }"), ("p::kid", "use super::P;")]);
    let found = circles(&arrows(&parent_child));
    assert!(found.len() == 1 && found[0].contains("p::kid → p by `super::P`"), "{found:?}");
}
