//! The frame around every page after login: the header, its menu, the session timer and the
//! step-up dialog above the page.

use crate::akses::auth::{LogoutButton, Me, SesiTimer, auth_whoami};
use crate::sistem::error::AppError;
use leptos::lazy;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// A page for logged-in users: asks who is logged in, then renders `page` for them inside
/// the [`Shell`]; sends anyone else to the login page.
///
/// The page is built once. Wrapped in a reactive closure (`move || Suspend::new(..)`), the
/// closure ran again whenever `me` resolved after it had subscribed — a race — and each run
/// built the page anew with new resources: on the server one GET /pejabat ran its queries one
/// to three times (12 GETs: 2.2 on average; issue 27). `me` never changes within a page.
pub fn logged_in(page: impl Fn(Me) -> AnyView + Clone + Send + Sync + 'static) -> impl IntoView {
    let me = Resource::new(|| (), |_| auth_whoami());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Memuat…"</p> }>
            {
                Suspend::new(async move {
                    match me.await {
                        Ok(me) => view! { <Shell me=me.clone()>{page(me)}</Shell> }.into_any(),
                        Err(e @ (AppError::Unauthenticated(_) | AppError::SessionEnded)) => {
                            let location = leptos_router::hooks::use_location();
                            let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
                            let to = crate::sistem::urls::login_url(Some(&here), e == AppError::SessionEnded);
                            view! {
                                <main class="page"><p>{e.to_string()} " " <a href=to.clone()>"Masuk"</a></p></main>
                                <Redirect path=to/>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <main class="page"><p class="error" role="alert">{e.to_string()}</p></main> }
                            .into_any(),
                    }
                })
            }
        </Suspense>
    }
}

/// The header (product, user, unit, Keluar) around a page's content.
#[component]
pub fn Shell(me: Me, children: Children) -> impl IntoView {
    let step_up = crate::akses::ulang::StepUp::provide();
    view! {
        <header class="topbar">
            <a class="brand" href=crate::akses::auth::home(me.role)>"Aktivasi OTP SAKTI"</a>
            <nav class="mainnav" aria-label="Menu">
                {menu(me.role)}
                <a href="/akun">"Akun"</a>
            </nav>
            <div class="who" title=format!("{} · {} · {} {}", me.nama, me.role.label(), me.unit_kode, me.unit_nama)>
                <span class="who-name">{me.nama.clone()}</span>
                <span class="who-role">{format!("{} · {} {}", me.role.label(), me.unit_kode, me.unit_nama)}</span>
            </div>
            <LogoutButton/>
        </header>
        <SesiTimer/>
        <main class="page">{children()}</main>
        // after the page, so it lies above a dialog the page has open; its code (password,
        // passkey, recovery code) loads the first time a step asks for it
        <Show when=move || step_up.is_open()>
            {move || Suspend::new(step_up_dialog(step_up))}
        </Show>
    }
}

#[lazy]
fn step_up_dialog(dialog: crate::akses::ulang::StepUp) -> AnyView {
    view! { <crate::akses::ulang::StepUpDialog dialog/> }.into_any()
}

/// The pages a role's menu lists, as `domain::authz` allows them.
fn menu(role: domain::Role) -> AnyView {
    use domain::authz::{Action, role_may};
    let pengguna = role_may(role, Action::TautanSandi).then(|| view! { <a href="/pengguna">"Pengguna"</a> });
    let pages = if role_may(role, Action::KonsolCso) {
        view! {
            <a href="/cso">"Konsol"</a><a href="/meja">"Meja Berkas & Jadwal"</a><a href="/pantau">"Pantau"</a>
            <a href="/audit">"Jejak Audit"</a>
        }
        .into_any()
    } else if role_may(role, Action::Pantau) {
        view! { <a href="/pantau">"Pantau"</a> }.into_any()
    } else if role_may(role, Action::Impor) {
        view! { <a href="/impor">"Impor Data"</a> }.into_any()
    } else {
        let audit = role_may(role, Action::LihatAudit).then(|| view! { <a href="/audit">"Jejak Audit"</a> });
        view! { <a href="/pejabat">"Tabel Pejabat"</a><a href="/berkas">"Berkas & Jadwal"</a>{audit} }.into_any()
    };
    view! { {pages}{pengguna} }.into_any()
}
