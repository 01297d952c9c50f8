//! The web application: routes, pages and the server functions they call.
//!
//! Compiled twice: with `ssr` into the server (server functions run there), with
//! `hydrate` into the browser's WASM (server functions become HTTP calls).

pub mod auth;
pub mod cso;
pub mod error;
pub mod hp;
pub mod layout;
pub mod live;
pub mod otp;
pub mod pejabat;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="id">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="description" content="Aktivasi OTP SAKTI untuk pejabat KPA, PPK dan PPSPM"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/aktivasi-otp-sakti.css"/>
        <Title text="Aktivasi OTP SAKTI"/>
        <Router>
            <Routes fallback=|| view! { <main class="page"><h1>"Halaman tidak ditemukan"</h1><a href="/pejabat">"Kembali"</a></main> }>
                <Route path=StaticSegment("") view=|| view! { <Redirect path="/pejabat"/> }/>
                <Route path=StaticSegment("login") view=auth::LoginPage/>
                <Route path=StaticSegment("pejabat") view=pejabat::PejabatPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("cso") view=cso::CsoPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("hp") view=hp::HpPage/>
            </Routes>
        </Router>
    }
}
