//! The table itself, its filter and its pager.

use crate::sistem::error::AppError;
use domain::pejabat::{DEFAULT_PER_PAGE, PejabatRow, TabelPejabat};
use leptos::prelude::*;

type Rows = Resource<Result<TabelPejabat, AppError>>;

/// "Tulis kriteria": filters as the user types, after a short pause.
#[component]
pub fn Filter(filter: RwSignal<String>, page: RwSignal<u32>) -> impl IntoView {
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let apply = move |text: String| {
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                page.set(1);
                filter.set(text);
            },
            std::time::Duration::from_millis(250),
        )
        .ok();
        pending.set_value(handle);
    };
    view! {
        <div class="filter">
            <label for="filter" class="visually-hidden">"Cari pejabat"</label>
            <input id="filter" type="search" placeholder="Tulis kriteria" autocomplete="off"
                on:input=move |ev| apply(event_target_value(&ev))/>
        </div>
    }
}

/// Nama, NIP, Tgl Lahir, Jabatan, Status; a row is selected by click, Enter or Space.
#[component]
pub fn PejabatTable(rows: Rows, selected: RwSignal<Option<PejabatRow>>) -> impl IntoView {
    let body = move || {
        rows.get().map(|result| match result {
            Err(e) => view! { <tr><td colspan="5" class="error" role="alert">{e.to_string()}</td></tr> }.into_any(),
            Ok(tabel) if tabel.halaman.rows.is_empty() => {
                view! { <tr><td colspan="5" class="empty">"Tidak ada data pejabat."</td></tr> }.into_any()
            }
            Ok(tabel) => tabel
                .halaman
                .rows
                .into_iter()
                .map(|row| {
                    let id = row.id;
                    let is_selected = move || selected.with(|s| s.as_ref().is_some_and(|s| s.id == id));
                    let choose = {
                        let row = row.clone();
                        move || selected.set(Some(row.clone()))
                    };
                    let choose_key = choose.clone();
                    view! {
                        <tr class:selected=is_selected aria-selected=move || is_selected().to_string() tabindex="0"
                            on:click=move |_| choose()
                            on:keydown=move |ev| {
                                if ev.key() == "Enter" || ev.key() == " " {
                                    ev.prevent_default();
                                    choose_key();
                                }
                            }>
                            <td data-label="Nama">{row.nama.clone()}{row.milik_saya.then_some(" (Anda)")}</td>
                            <td data-label="NIP" class="mono">{row.nip.clone()}</td>
                            <td data-label="Tgl Lahir">{domain::format::tanggal(row.tanggal_lahir)}</td>
                            <td data-label="Jabatan">{row.jabatan.label()}</td>
                            <td data-label="Status"><span class=format!("status status-{}", row.status.label().to_lowercase().replace(' ', "-"))>{row.status.label()}</span></td>
                        </tr>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };
    let answer = crate::sistem::komponen::latest(rows);
    view! {
        <div class="table-wrap">
            <table class="pejabat" aria-label="Tabel Pejabat" aria-busy=move || answer.with(Option::is_none).to_string()>
                <thead>
                    <tr><th scope="col">"Nama"</th><th scope="col">"NIP"</th><th scope="col">"Tgl Lahir"</th>
                        <th scope="col">"Jabatan"</th><th scope="col">"Status"</th></tr>
                </thead>
                <tbody>
                    <Transition fallback=|| view! { <tr><td colspan="5" class="loading">"Memuat…"</td></tr> }>
                        {body}
                    </Transition>
                </tbody>
            </table>
        </div>
    }
}

/// Page numbers and the rows-per-page choice (10 or "Semua").
#[component]
pub fn Pager(rows: Rows, page: RwSignal<u32>, per_page: RwSignal<Option<u32>>) -> impl IntoView {
    let answer = crate::sistem::komponen::latest(rows);
    let info = move || {
        answer.with(|a| a.as_ref().and_then(|r| r.as_ref().ok()).map(|t| (t.halaman.total, t.halaman.page_count())))
    };
    let count = move || info().map_or(1, |(_, c)| c);
    // named, because a `>` inside `view!` attributes would end the tag
    let at_first = move || page.get() <= 1;
    let at_last = move || page.get() >= count();
    view! {
        <div class="pager">
            <span class="total" aria-live="polite">{move || info().map(|(t, _)| format!("{t} pejabat"))}</span>
            <button aria-label="Halaman sebelumnya" disabled=at_first
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>"‹"</button>
            <span class="page-no">{move || format!("Halaman {} dari {}", page.get(), count())}</span>
            <button aria-label="Halaman berikutnya" disabled=at_last
                on:click=move |_| page.update(|p| *p += 1)>"›"</button>
            <label for="per-page" class="visually-hidden">"Baris per halaman"</label>
            <select id="per-page" on:change=move |ev| {
                page.set(1);
                per_page.set(event_target_value(&ev).parse().ok());
            }>
                <option value=DEFAULT_PER_PAGE.to_string() selected>{DEFAULT_PER_PAGE}</option>
                <option value="semua">"Semua"</option>
            </select>
        </div>
    }
}
