//! Administrasi → Umum → Jabatan → Pejabat: the Tabel Pejabat and its actions.

mod hapus;
mod rekam;
mod table;

use crate::auth::{Me, whoami};
use crate::error::AppError;
use crate::layout::{Notice, Shell};
use domain::Role;
use domain::pejabat::{DEFAULT_PER_PAGE, Page, PejabatRow, TableQuery};
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[server(endpoint = "list_pejabat")]
pub async fn list_pejabat(query: TableQuery) -> Result<Page<PejabatRow>, AppError> {
    let (state, caller) = crate::server::caller().await?;
    Ok(backend::pejabat::list(&state.pool, &caller, &query).await?)
}

/// The page: asks who is logged in, then shows the table (or sends to the login page).
#[component]
pub fn PejabatPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(me) => view! { <Shell me=me.clone()><PejabatView me/></Shell> }.into_any(),
                    Err(AppError::BelumMasuk(_)) => view! {
                        <main class="page"><p>"Silakan " <a href="/login">"masuk"</a> " terlebih dahulu."</p></main>
                        <Redirect path="/login"/>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PejabatView(me: Me) -> impl IntoView {
    let is_admin = me.role == Role::AdminLokal;
    let page = RwSignal::new(1u32);
    let per_page = RwSignal::new(Some(DEFAULT_PER_PAGE));
    let filter = RwSignal::new(String::new());
    let refresh = RwSignal::new(0u32);
    let selected = RwSignal::new(None::<PejabatRow>);
    let notice = RwSignal::new(None::<Notice>);
    let show_rekam = RwSignal::new(false);
    let show_hapus = RwSignal::new(false);

    let rows = Resource::new(
        move || {
            (
                TableQuery {
                    page: page.get(),
                    per_page: per_page.get(),
                    filter: filter.get(),
                },
                refresh.get(),
            )
        },
        |(query, _)| list_pejabat(query),
    );
    let reload = move || {
        selected.set(None);
        refresh.update(|n| *n += 1);
    };

    view! {
        <nav class="breadcrumb" aria-label="Lokasi">
            <ol>
                <li>"Administrasi"</li>
                <li>"Umum"</li>
                <li>"Jabatan"</li>
                <li aria-current="page">"Pejabat"</li>
            </ol>
        </nav>
        <h1>"Tabel Pejabat"</h1>
        <crate::layout::NoticeBar notice/>
        <div class="toolbar" role="toolbar" aria-label="Aksi pejabat">
            <Show when=move || is_admin>
                <button class="primary" on:click=move |_| show_rekam.set(true)>"+ Rekam"</button>
                <button class="danger" disabled=move || selected.with(Option::is_none)
                    on:click=move |_| show_hapus.set(true)>"Hapus"</button>
            </Show>
            <button on:click=move |_| { notice.set(None); reload() }>"Refresh"</button>
        </div>
        <table::Filter filter page/>
        <table::PejabatTable rows selected/>
        <table::Pager rows page per_page/>
        <Show when=move || show_rekam.get()>
            <rekam::RekamDialog
                on_close=move || show_rekam.set(false)
                on_saved=move |nama: String| {
                    show_rekam.set(false);
                    notice.set(Some(Notice::ok(format!("Referensi pejabat {nama} tersimpan dengan status BARU."))));
                    reload();
                }
            />
        </Show>
        <Show when=move || show_hapus.get() && selected.with(Option::is_some)>
            <hapus::HapusDialog
                row=selected.get_untracked().expect("shown only with a selection")
                on_close=move || show_hapus.set(false)
                on_done=move |nama: String| {
                    show_hapus.set(false);
                    notice.set(Some(Notice::ok(format!("Referensi pejabat {nama} telah dihapus."))));
                    reload();
                }
            />
        </Show>
    }
}
