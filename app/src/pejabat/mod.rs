//! Administrasi → Umum → Jabatan → Pejabat: the Tabel Pejabat and its actions.

mod hapus;
mod rekam;
mod table;

use crate::auth::Me;
use crate::error::AppError;
use crate::layout::{Notice, logged_in};
use crate::otp::{Kind, OtpDialog};
use domain::Role;
use domain::pejabat::{DEFAULT_PER_PAGE, Page, PejabatRow, TableQuery};
use leptos::prelude::*;

/// A fallback to the live updates: how often the table asks for changes anyway.
const POLL_MS: u64 = 15_000;

#[server(endpoint = "list_pejabat")]
pub async fn list_pejabat(query: TableQuery) -> Result<Page<PejabatRow>, AppError> {
    let (state, caller) = crate::server::caller().await?;
    Ok(backend::pejabat::list(&state.pool, &caller, &query).await?)
}

/// "Unduh": the chosen form of the selected pejabat as a PDF (two copies).
#[component]
fn Unduh(selected: RwSignal<Option<PejabatRow>>) -> impl IntoView {
    use domain::formulir::Jenis;
    let jenis = RwSignal::new(Jenis::AktivasiOtp);
    let href = move || selected.get().map(|r| format!("/api/formulir/{}/{}.pdf", r.id, jenis.get().code()));
    view! {
        <div class="toolbar unduh" role="group" aria-label="Unduh formulir">
            <label for="jenis-formulir">"Formulir"</label>
            <select id="jenis-formulir" on:change=move |ev| {
                if let Some(j) = Jenis::from_code(&event_target_value(&ev)) { jenis.set(j) }
            }>
                {Jenis::ALL.into_iter().map(|j| view! {
                    <option value=j.code() selected=j == Jenis::AktivasiOtp>{j.label()}</option>
                }).collect_view()}
            </select>
            {move || match href() {
                Some(h) => view! { <a class="button" href=h download rel="external">"Unduh"</a> }.into_any(),
                None => view! { <button disabled=true title="Pilih pejabat pada tabel">"Unduh"</button> }.into_any(),
            }}
        </div>
    }
}

/// The page: the table for satker users; the CSO is pointed to its console.
#[component]
pub fn PejabatPage() -> impl IntoView {
    logged_in(|me| {
        if me.role == Role::Cso {
            view! { <p>"CSO KPPN bekerja di " <a href="/cso">"Konsol Aktivasi OTP"</a> "."</p> }.into_any()
        } else {
            view! { <PejabatView me/> }.into_any()
        }
    })
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

    let otp_kind = RwSignal::new(None::<Kind>);
    let tick = RwSignal::new(0u32);

    let rows = Resource::new(
        move || {
            (TableQuery { page: page.get(), per_page: per_page.get(), filter: filter.get() }, refresh.get(), tick.get())
        },
        |(query, _, _)| list_pejabat(query),
    );
    // status changes made elsewhere (the CSO, the KPA) show up without a reload
    crate::live::refresh_on_change(tick);
    crate::live::every(std::time::Duration::from_millis(POLL_MS), move || tick.update(|t| *t += 1));
    Effect::new(move |_| {
        if let Some(Ok(page)) = rows.get() {
            let current = selected.get_untracked().map(|s| s.id);
            if let Some(id) = current {
                let fresh = page.rows.iter().find(|r| r.id == id).cloned();
                if fresh != selected.get_untracked() {
                    selected.set(fresh);
                }
            }
        }
    });
    let me_for_kinds = me.clone();
    let kinds = move || selected.get().map(|row| Kind::available(&me_for_kinds, &row)).unwrap_or_default();
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
            {move || kinds().into_iter().map(|k| view! {
                <button class="primary" on:click=move |_| otp_kind.set(Some(k))>{k.button()}</button>
            }).collect_view()}
            <button on:click=move |_| { notice.set(None); reload() }>"Refresh"</button>
        </div>
        <Show when=move || is_admin>
            <Unduh selected/>
        </Show>
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
        {move || match (otp_kind.get(), selected.get_untracked()) {
            (Some(kind), Some(row)) => Some(view! {
                <OtpDialog kind row me=me.clone()
                    on_close=move || otp_kind.set(None)
                    on_done=move |text: String| {
                        otp_kind.set(None);
                        notice.set(Some(Notice::ok(text)));
                        refresh.update(|n| *n += 1);
                    }
                />
            }),
            _ => None,
        }}
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
