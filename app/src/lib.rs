//! The web application: routes, pages and the server functions they call.
//!
//! Compiled twice: with `ssr` into the server (server functions run there), with
//! `hydrate` into the browser's WASM (server functions become HTTP calls).

pub mod akses;
pub mod aktivasi;
pub mod berikut;
pub mod dokumen;
pub mod jadwal;
pub mod kirim;
pub mod pantau;
pub mod provisi;
pub mod sistem;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, StaticSegment, lazy_route};

/// The placeholder of every date field: day, month, year, as dates are written in Indonesia
/// (`domain::validate::date` reads them).
pub const TANGGAL_HINT: &str = "hh/bb/tttt";

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
                // the icon inline: no request, no 404
                <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%23004a8f'/%3E%3C/svg%3E"/>
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

/// A page whose code the browser downloads only when it shows that page: with
/// `cargo leptos build --split` (the release build) its WASM is a file of its own. The pages
/// where visits start — the login and the Tabel Pejabat — are in the main file; the others
/// are lazy, so a first visit downloads less (issue 6's 300 KB budget, checked by
/// end2end/tests/budget.spec.ts). Without `--split` a lazy page is an ordinary route. The
/// page component creates its own resources, so `data` is empty.
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    };
}

lazy_page!(CsoRoute, aktivasi::cso::CsoPage);
lazy_page!(BerkasRoute, dokumen::berkas::BerkasPage);
lazy_page!(MejaRoute, dokumen::meja::MejaPage);
lazy_page!(AuditRoute, pantau::jejak::AuditPage);
lazy_page!(HpRoute, kirim::HpPage);
lazy_page!(SandiRoute, akses::sandi::SandiPage);
lazy_page!(ImporRoute, provisi::ImporPage);
lazy_page!(PenggunaRoute, akses::pengguna::PenggunaPage);
lazy_page!(GantiSandiRoute, akses::sandi::GantiSandiPage);
lazy_page!(AkunRoute, akses::akun::AkunPage);
lazy_page!(MasukFaktorRoute, akses::masuk::MasukFaktorPage);
lazy_page!(PantauRoute, pantau::PantauPage);

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Aktivasi OTP SAKTI"/>
        <Router>
            <Routes fallback=|| view! { <main class="page"><h1>"Halaman tidak ditemukan"</h1><a href="/pejabat">"Kembali"</a></main> }>
                <Route path=StaticSegment("") view=|| view! { <Redirect path="/pejabat"/> }/>
                <Route path=StaticSegment("login") view=akses::auth::LoginPage/>
                <Route path=StaticSegment("pejabat") view=aktivasi::pejabat::PejabatPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("cso") view={Lazy::<CsoRoute>::new()} ssr=SsrMode::Async/>
                <Route path=StaticSegment("berkas") view={Lazy::<BerkasRoute>::new()} ssr=SsrMode::Async/>
                <Route path=StaticSegment("meja") view={Lazy::<MejaRoute>::new()} ssr=SsrMode::Async/>
                <Route path=StaticSegment("audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                <Route path=StaticSegment("pantau") view={Lazy::<PantauRoute>::new()} ssr=SsrMode::Async/>
                <Route path=StaticSegment("hp") view={Lazy::<HpRoute>::new()}/>
                <Route path=StaticSegment("sandi") view={Lazy::<SandiRoute>::new()}/>
                <Route path=StaticSegment("impor") view={Lazy::<ImporRoute>::new()} ssr=SsrMode::Async/>
                <Route path=StaticSegment("pengguna") view={Lazy::<PenggunaRoute>::new()}/>
                <Route path=(StaticSegment("sandi"), StaticSegment("ganti")) view={Lazy::<GantiSandiRoute>::new()}/>
                <Route path=StaticSegment("akun") view={Lazy::<AkunRoute>::new()}/>
                <Route path=(StaticSegment("masuk"), StaticSegment("faktor")) view={Lazy::<MasukFaktorRoute>::new()}/>
            </Routes>
        </Router>
    }
}
