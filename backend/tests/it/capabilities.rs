//! Checks that hold by construction, read from the source tree: every public use case
//! authorizes its caller, and only the server's command-line module makes a command-line
//! caller. A new use case that forgets its gate fails here, not in a review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// The calls that gate a use case: the caller's role may attempt the action
/// (`auth::authorize`), the caller acts on its own account (`auth::sendiri`), or the
/// workflow's rule of who may take an OTP step on a reference (`otp::resolve`).
const GATES: &[(&str, &str)] = &[("auth", "authorize"), ("auth", "sendiri"), ("otp", "resolve")];

/// The public functions taking a caller that are the authentication itself, not a use case
/// of an authenticated caller: each counts its tries per account (`hitung`).
const SIGN_IN: &[(&str, &str)] = &[
    // the step-up dialog: the caller's password (and second factor) again
    ("ulang", "autentikasi_ulang"),
    ("ulang", "autentikasi_ulang_passkey"),
    // ends the caller's own session, whoever it is (nothing to end for nobody)
    ("masuk", "logout"),
    // the second factor at sign-in, for a caller past its password
    ("faktor", "periksa"),
    ("passkey", "masuk_selesai"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn takes_caller(sig: &syn::Signature) -> bool {
    sig.inputs.iter().any(|input| match input {
        syn::FnArg::Typed(t) => match &*t.ty {
            syn::Type::Reference(r) => {
                matches!(&*r.elem, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Caller"))
            }
            _ => false,
        },
        syn::FnArg::Receiver(_) => false,
    })
}

/// A function's name qualified by its module: `authorize` called in `auth` and
/// `crate::auth::authorize` both name `auth::authorize`.
type Name = (String, String);

struct Calls<'m> {
    module: &'m str,
    /// The file's `use` items: a name brought in, and the module it comes from.
    imported: &'m BTreeMap<String, String>,
    found: Vec<Name>,
}

/// The names a `use` item brings in from modules of this crate, with their modules.
fn imports(tree: &syn::UseTree, path: &mut Vec<String>, out: &mut BTreeMap<String, String>) {
    match tree {
        syn::UseTree::Path(p) => {
            path.push(p.ident.to_string());
            imports(&p.tree, path, out);
            path.pop();
        }
        syn::UseTree::Name(n) if path.first().is_some_and(|c| c == "crate") && path.len() > 1 => {
            out.insert(n.ident.to_string(), path.last().unwrap().clone());
        }
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| imports(t, path, out)),
        _ => {}
    }
}

impl<'ast> Visit<'ast> for Calls<'_> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let names: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
            let module = match names.as_slice() {
                [f] => Some(self.imported.get(f).cloned().unwrap_or_else(|| self.module.to_owned())),
                [.., m, _] if m != "crate" && m != "super" && m != "Self" => Some(m.clone()),
                _ => None,
            };
            if let (Some(module), Some(f)) = (module, names.last()) {
                self.found.push((module, f.clone()));
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
}

type Function = (Name, bool, Vec<Name>);

/// The free functions of module `module` (its source): each one's name, whether it is a
/// public use case (public, taking a `&Caller`) and the functions its body calls.
fn parse(module: &str, source: &str) -> Vec<Function> {
    let ast = syn::parse_file(source).unwrap();
    let mut imported = BTreeMap::new();
    for item in &ast.items {
        if let syn::Item::Use(u) = item {
            imports(&u.tree, &mut Vec::new(), &mut imported);
        }
    }
    let mut found = Vec::new();
    for item in ast.items {
        if let syn::Item::Fn(f) = item {
            let public =
                matches!(f.vis, syn::Visibility::Public(_)) && f.sig.asyncness.is_some() && takes_caller(&f.sig);
            let mut calls = Calls { module, imported: &imported, found: Vec::new() };
            calls.visit_block(&f.block);
            found.push(((module.to_owned(), f.sig.ident.to_string()), public, calls.found));
        }
    }
    found
}

/// Every free function of `backend/src`.
fn functions() -> Vec<Function> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let module = file.file_stem().unwrap().to_string_lossy().into_owned();
        found.extend(parse(&module, &std::fs::read_to_string(&file).unwrap()));
    }
    found.sort();
    found
}

fn name((m, f): &(&str, &str)) -> Name {
    ((*m).to_owned(), (*f).to_owned())
}

/// The gates, the sign-in steps, and every function that calls one of them (to a fixed point).
fn gated_of(functions: &[Function]) -> BTreeSet<Name> {
    let mut gated: BTreeSet<Name> = GATES.iter().chain(SIGN_IN).map(name).collect();
    loop {
        let before = gated.len();
        for (name, _, calls) in functions {
            if calls.iter().any(|c| gated.contains(c)) {
                gated.insert(name.clone());
            }
        }
        if gated.len() == before {
            return gated;
        }
    }
}

#[test]
fn every_public_use_case_authorizes_its_caller() {
    let functions = functions();
    let gated = gated_of(&functions);
    let cases: Vec<&Name> = functions.iter().filter(|(_, public, _)| *public).map(|(n, _, _)| n).collect();
    assert!(cases.len() > 40, "the scan finds the use cases: {}", cases.len());
    let ungated: Vec<String> =
        cases.into_iter().filter(|n| !gated.contains(*n)).map(|(m, f)| format!("{m}::{f}")).collect();
    assert!(ungated.is_empty(), "public use cases that never reach a gate: {ungated:#?}");
    let all: BTreeSet<&Name> = functions.iter().map(|(n, _, _)| n).collect();
    for gate in GATES.iter().chain(SIGN_IN).map(name) {
        assert!(all.contains(&gate), "{gate:?} is still a function of the backend");
    }
}

/// The check above finds an ungated use case: a public function taking a caller whose body
/// reaches no gate is reported (the check is not vacuous).
#[test]
fn the_gate_check_reports_an_ungated_use_case() {
    let source = "use crate::auth::authorize;\n\
        pub async fn gated(pool: &PgPool, caller: &Caller) { helper(pool, caller).await; }\n\
        async fn helper(pool: &PgPool, caller: &Caller) { authorize(pool, caller, Action::X).await; }\n\
        pub async fn open(pool: &PgPool, caller: &crate::Caller) { sqlx::query(\"DELETE\"); }";
    let found = parse("contoh", source);
    let public: Vec<&str> = found.iter().filter(|(_, p, _)| *p).map(|((_, f), _, _)| f.as_str()).collect();
    assert_eq!(public, ["gated", "open"]);
    let gated = gated_of(&found);
    assert!(gated.contains(&("contoh".to_owned(), "gated".to_owned())));
    assert!(!gated.contains(&("contoh".to_owned(), "open".to_owned())));
}

/// The command-line caller (no user, trusted like the database owner) is made only by the
/// server's command-line module: no web handler, page or background task can make one. The
/// tests make their own.
#[test]
fn only_the_server_command_line_makes_a_command_line_caller() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for crate_dir in ["app", "backend", "cetak", "domain", "frontend", "server", "bench"] {
        rust_files(&root.join(crate_dir), &mut files);
    }
    let makers: Vec<String> = files
        .iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == "tests" || c.as_os_str() == "target"))
        .filter(|f| std::fs::read_to_string(f).unwrap().contains("Caller::command_line("))
        .map(|f| f.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert!(files.len() > 50, "the scan reads the tree: {} files", files.len());
    assert_eq!(makers, ["server/src/commands/mod.rs"], "only the command-line module makes a command-line caller");
}
