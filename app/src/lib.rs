//! The web application: routes, pages and the server functions they call.
//!
//! Compiled twice: with `ssr` into the server (server functions run there), with
//! `hydrate` into the browser's WASM (server functions become HTTP calls).

pub mod audit;
pub mod auth;
pub mod berkas;
pub mod cso;
pub mod error;
#[cfg(feature = "ssr")]
pub mod files;
pub mod hp;
pub mod layout;
pub mod live;
pub mod meja;
pub mod otp;
pub mod pejabat;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="id">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="description" content="Aktivasi OTP SAKTI untuk pejabat KPA, PPK dan PPSPM"/>
                <AutoReload options=options.clone()/>
                // `/pkg/aktivasi-otp-sakti.<hash>.css` when cargo-leptos hashed the names
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Only the app's own files, its WASM, and inline scripts carrying this response's nonce.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use axum::http::{HeaderValue, header};
    let (Some(nonce), Some(res)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Aktivasi OTP SAKTI"/>
        <Router>
            <Routes fallback=|| view! { <main class="page"><h1>"Halaman tidak ditemukan"</h1><a href="/pejabat">"Kembali"</a></main> }>
                <Route path=StaticSegment("") view=|| view! { <Redirect path="/pejabat"/> }/>
                <Route path=StaticSegment("login") view=auth::LoginPage/>
                <Route path=StaticSegment("pejabat") view=pejabat::PejabatPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("cso") view=cso::CsoPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("berkas") view=berkas::BerkasPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("meja") view=meja::MejaPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("audit") view=audit::AuditPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("hp") view=hp::HpPage/>
            </Routes>
        </Router>
    }
}
