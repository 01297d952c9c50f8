//! Administrasi → Umum → Jabatan → Pejabat: the Tabel Pejabat and its actions.

mod hapus;
mod rekam;
mod table;

use crate::akses::auth::Me;
use crate::akses::layout::logged_in;
use crate::aktivasi::otp::{Kind, OtpDialog};
use crate::sistem::error::AppError;
use crate::sistem::komponen::Notice;
use domain::pejabat::{DEFAULT_PER_PAGE, PejabatRow, TabelPejabat, TableQuery};
use leptos::lazy;
use leptos::prelude::*;

/// A fallback to the live updates: how often the table asks for changes anyway.
const POLL_MS: u64 = 15_000;

#[server(endpoint = "pejabat_daftar")]
pub async fn pejabat_daftar(query: TableQuery) -> Result<TabelPejabat, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let halaman = backend::aktivasi::pejabat::daftar(&state.pool, &caller, &query).await?;
    let milik_saya = backend::aktivasi::pejabat::milik_saya(&state.pool, &caller).await?;
    Ok(TabelPejabat { halaman, milik_saya })
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
            // an AKTIF reference's signed evidence record (`server evidence verify` checks it)
            {move || selected.get().filter(|r| r.bukti).map(|r| view! {
                <a class="button" href=format!("/api/bukti/{}", r.id) download rel="external">"Bukti aktivasi"</a>
                <a class="button" href=format!("/api/bukti/{}/pdf", r.id) download rel="external">"Bukti (PDF)"</a>
            })}
        </div>
    }
}

// The dialogs open on a click, so their code loads then: with `cargo leptos build --split`
// each is a file of its own, downloaded the first time it opens (issue 6's budget for the
// first page). Their props are concrete types, as `#[lazy]` requires.

#[lazy]
fn rekam_dialog(on_close: Callback<()>, on_saved: Callback<String>) -> AnyView {
    view! { <rekam::RekamDialog on_close=move || on_close.run(()) on_saved=move |nama| on_saved.run(nama)/> }.into_any()
}

#[lazy]
fn otp_dialog(kind: Kind, row: PejabatRow, me: Me, on_close: Callback<()>, on_done: Callback<String>) -> AnyView {
    view! { <OtpDialog kind row me on_close=move || on_close.run(()) on_done=move |text| on_done.run(text)/> }
        .into_any()
}

#[lazy]
fn hapus_dialog(row: PejabatRow, on_close: Callback<()>, on_done: Callback<String>) -> AnyView {
    view! { <hapus::HapusDialog row on_close=move || on_close.run(()) on_done=move |nama| on_done.run(nama)/> }
        .into_any()
}

/// The page: the table for satker users; the CSO is pointed to its console.
#[component]
pub fn PejabatPage() -> impl IntoView {
    logged_in(|me| {
        if !domain::authz::role_may(me.role, domain::authz::Action::LihatPejabat) {
            view! { <p>"CSO KPPN bekerja di " <a href="/cso">"Konsol Aktivasi OTP"</a> "."</p> }.into_any()
        } else {
            view! { <PejabatView me/> }.into_any()
        }
    })
}

#[component]
fn PejabatView(me: Me) -> impl IntoView {
    let is_admin = domain::authz::role_may(me.role, domain::authz::Action::RekamPejabat);
    let page = RwSignal::new(1u32);
    let per_page = RwSignal::new(Some(DEFAULT_PER_PAGE));
    let filter = RwSignal::new(String::new());
    let refresh = RwSignal::new(0u32);
    let selected = RwSignal::new(None::<PejabatRow>);
    let notice = RwSignal::new(None::<Notice>);
    let show_rekam = RwSignal::new(false);
    // the reference the Hapus dialog asks about, held apart from the selection: a refresh that
    // drops the row (its own deletion, announced on the event stream) must not close the dialog
    // before it reports what it did
    let hapus_row = RwSignal::new(None::<PejabatRow>);

    let otp_kind = RwSignal::new(None::<Kind>);
    let tick = RwSignal::new(0u32);

    let rows = Resource::new(
        move || {
            (TableQuery { page: page.get(), per_page: per_page.get(), filter: filter.get() }, refresh.get(), tick.get())
        },
        |(query, _, _)| pejabat_daftar(query),
    );
    // status changes made elsewhere (the CSO, the KPA) show up without a reload
    crate::sistem::live::refresh_on_change(tick);
    crate::sistem::live::every(std::time::Duration::from_millis(POLL_MS), move || tick.update(|t| *t += 1));
    // The selection follows fresh data. With nothing selected, a pejabat's own reference is
    // selected at once (the one with a step to take first), so on a phone its step's button
    // shows without looking for its card.
    let viewer = RwSignal::new(domain::workflow::Viewer { role: me.role, kpa_aktif: false });
    Effect::new(move |_| {
        if let Some(Ok(tabel)) = rows.get() {
            let v = tabel.viewer(me.role);
            viewer.set(v);
            let current = selected.get_untracked();
            let fresh = match &current {
                Some(s) => tabel.halaman.rows.iter().chain(&tabel.milik_saya).find(|r| r.id == s.id).cloned(),
                None => {
                    let with_step =
                        tabel.milik_saya.iter().find(|r| !domain::workflow::offers(v, r.facts()).is_empty());
                    with_step.or(tabel.milik_saya.first()).cloned()
                }
            };
            if fresh != current {
                selected.set(fresh);
            }
        }
    });
    let offers =
        move || selected.get().map(|row| domain::workflow::offers(viewer.get(), row.facts())).unwrap_or_default();
    let reload = move || {
        selected.set(None);
        refresh.update(|n| *n += 1);
    };

    let on_rekam_close = Callback::new(move |()| show_rekam.set(false));
    let on_rekam_saved = Callback::new(move |nama: String| {
        show_rekam.set(false);
        notice.set(Some(Notice::ok(format!("Referensi pejabat {nama} tersimpan dengan status BARU."))));
        reload();
    });
    let on_otp_close = Callback::new(move |()| otp_kind.set(None));
    let on_otp_done = Callback::new(move |text: String| {
        otp_kind.set(None);
        notice.set(Some(Notice::ok(text)));
        refresh.update(|n| *n += 1);
    });
    let on_hapus_close = Callback::new(move |()| hapus_row.set(None));
    let on_hapus_done = Callback::new(move |nama: String| {
        hapus_row.set(None);
        notice.set(Some(Notice::ok(format!("Referensi pejabat {nama} telah dihapus."))));
        reload();
    });

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
        <crate::berikut::LangkahBerikut tick=Signal::derive(move || tick.get().wrapping_add(refresh.get()))/>
        <crate::sistem::komponen::NoticeBar notice/>
        <div class="toolbar" role="toolbar" aria-label="Aksi pejabat">
            <Show when=move || is_admin>
                <button class="primary" on:click=move |_| show_rekam.set(true)>"+ Rekam"</button>
                <button class="danger" disabled=move || selected.with(Option::is_none)
                    on:click=move |_| hapus_row.set(selected.get_untracked())>"Hapus"</button>
            </Show>
            {move || offers().into_iter().map(|o| {
                let k = Kind::of(o.step);
                view! {
                    <button class="primary" disabled=o.blocked.is_some()
                        aria-describedby=o.blocked.map(|_| "alasan-langkah")
                        on:click=move |_| otp_kind.set(Some(k))>{k.button()}</button>
                }
            }).collect_view()}
            <button on:click=move |_| { notice.set(None); reload() }>"Refresh"</button>
        </div>
        {move || {
            let reasons: Vec<&str> = offers().into_iter().filter_map(|o| o.blocked).collect();
            (!reasons.is_empty()).then(|| view! {
                <p id="alasan-langkah" class="step-reason">{reasons.join(" ")}</p>
            })
        }}
        <Show when=move || is_admin>
            <Unduh selected/>
        </Show>
        <table::Filter filter page/>
        <table::PejabatTable rows selected/>
        <table::Pager rows page per_page/>
        <Show when=move || show_rekam.get()>
            {move || Suspend::new(rekam_dialog(on_rekam_close, on_rekam_saved))}
        </Show>
        {move || match (otp_kind.get(), selected.get_untracked()) {
            (Some(kind), Some(row)) => Some(Suspend::new(otp_dialog(kind, row, me.clone(), on_otp_close, on_otp_done))),
            _ => None,
        }}
        {move || hapus_row.get().map(|row| Suspend::new(hapus_dialog(row, on_hapus_close, on_hapus_done)))}
    }
}
