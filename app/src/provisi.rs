//! The operator's import page (`/impor`): upload a CSV of KPPN, satkers or users, read the
//! dry run's report, then store exactly the file that was checked.

use crate::sistem::error::AppError;
use domain::impor::{Daftar, Draf};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// A checked import.
#[server(endpoint = "impor_draf")]
pub async fn impor_draf(id: domain::DrafId) -> Result<Draf, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::provisi::draf::draf(&state.pool, &caller, id).await?)
}

/// Stores a checked import.
#[server(endpoint = "impor_terapkan")]
pub async fn impor_terapkan(id: domain::DrafId) -> Result<Draf, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::provisi::draf::terapkan(&state.pool, &caller, id, state.clock.now()).await?)
}

/// `POST /api/impor`: multipart with `daftar`, `nonaktifkan` and the file `berkas`; checks it
/// as a dry run and answers with a redirect to its report (`/impor?draf=…`), so a plain form
/// works. Body up to [`IMPOR_BODY_LIMIT`].
#[cfg(feature = "ssr")]
pub async fn unggah(
    axum::Extension(state): axum::Extension<crate::sistem::ssr::AppState>,
    session: tower_sessions::Session,
    axum::Extension(addr): axum::Extension<crate::sistem::ssr::ClientAddr>,
    mut form: axum::extract::Multipart,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};
    let back =
        |text: &str| Redirect::to(&format!("/impor?galat={}", domain::format::query_value(text))).into_response();
    let caller = match crate::sistem::ssr::caller_of(&state, &session, addr.text()).await {
        Ok(c) => c,
        Err(backend::Error::Unauthenticated) => return Redirect::to("/login").into_response(),
        Err(e) => return back(&AppError::from(e).to_string()),
    };
    // the operator only, before the file is read
    if let Err(e) = backend::akses::auth::authorize(&state.pool, &caller, domain::authz::Action::Impor).await {
        return back(&AppError::from(e).to_string());
    }
    let Ok(parts) = crate::sistem::http::parts(&mut form).await else {
        return back("Unggahan terputus atau lebih dari 32 MB; coba lagi.");
    };
    let (mut daftar, mut nonaktifkan, mut file) = (None, false, None);
    for part in parts {
        match part.name.as_str() {
            "daftar" => daftar = part.text().and_then(Daftar::from_code),
            "nonaktifkan" => nonaktifkan = !part.bytes.is_empty(),
            "berkas" => file = Some((part.file_name.unwrap_or_default(), part.bytes)),
            _ => {}
        }
    }
    let (Some(daftar), Some((nama, bytes))) = (daftar, file) else {
        return back("Pilih jenis daftar dan berkas CSV-nya.");
    };
    match backend::provisi::draf::uji(&state.pool, &caller, daftar, &nama, &bytes, nonaktifkan, state.clock.now()).await
    {
        Ok(draf) => Redirect::to(&format!("/impor?draf={}", draf.id)).into_response(),
        Err(e) => back(&AppError::from(e).to_string()),
    }
}

/// The largest body `POST /api/impor` reads.
#[cfg(feature = "ssr")]
pub const IMPOR_BODY_LIMIT: usize = 33 * 1024 * 1024;

/// `/impor`: the operator's import.
#[component]
pub fn ImporPage() -> impl IntoView {
    crate::akses::layout::logged_in(|_| view! { <Impor/> }.into_any())
}

#[component]
fn Impor() -> impl IntoView {
    let query = use_query_map();
    let draf_id = move || query.get().get("draf").and_then(|d| d.parse::<domain::DrafId>().ok());
    let galat = move || query.get().get("galat");
    let draf = Resource::new(draf_id, |id| async move {
        match id {
            Some(id) => impor_draf(id).await.map(Some),
            None => Ok(None),
        }
    });
    let simpan = ServerAction::<ImporTerapkan>::new();
    let tick = Signal::derive(move || simpan.version().get() as u32);
    view! {
        <crate::berikut::LangkahBerikut tick/>
        <section class="card" aria-labelledby="impor-title">
            <h1 id="impor-title">"Impor data KPPN, satker dan pengguna"</h1>
            <p class="muted">"Berkas CSV UTF-8 dengan pemisah koma; urutannya: KPPN, lalu satker, lalu pengguna. \
                Berkas diperiksa dahulu (uji coba); tidak ada yang disimpan sebelum Anda menekan Simpan. \
                Format kolom: lihat README."</p>
            {move || galat().map(|g| view! { <p class="notice error" role="alert">{g}</p> })}
            <form method="post" action="/api/impor" enctype="multipart/form-data" class="impor-form">
                <label for="daftar">"Daftar"</label>
                <select id="daftar" name="daftar" required>
                    {Daftar::ALL.into_iter().map(|d| view! {
                        <option value=d.code()>{format!("{} ({})", d.label(), d.columns().join(","))}</option>
                    }).collect_view()}
                </select>
                <label for="berkas">"Berkas CSV"</label>
                <input id="berkas" name="berkas" type="file" accept=".csv,text/csv" required/>
                <label class="check">
                    <input type="checkbox" name="nonaktifkan" value="1"/>
                    " Nonaktifkan pengguna unit-unit di berkas yang tidak lagi tercantum"
                </label>
                <button type="submit" class="primary">"Periksa (uji coba)"</button>
            </form>
        </section>
        <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
            {move || draf.get().map(|r| match r {
                Ok(None) => ().into_any(),
                Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(Some(d)) => {
                    let stored = simpan.value().get().and_then(|r| r.ok()).filter(|s| s.id == d.id);
                    let refused = simpan.value().get().and_then(|r| r.err()).map(|e| e.to_string());
                    let d = stored.unwrap_or(d);
                    view! { <Laporan draf=d simpan=simpan refused=refused/> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn Laporan(draf: Draf, simpan: ServerAction<ImporTerapkan>, refused: Option<String>) -> impl IntoView {
    let l = draf.laporan.clone();
    let id = draf.id;
    let can_apply = l.jumlah_salah == 0 && draf.diterapkan_ms.is_none();
    let class = if l.jumlah_salah > 0 { "notice error" } else { "notice ok" };
    let status = if draf.diterapkan_ms.is_some() {
        "Tersimpan."
    } else if l.jumlah_salah > 0 {
        "Ada baris yang salah: perbaiki berkas lalu unggah lagi. Tidak ada yang disimpan."
    } else {
        "Uji coba berhasil. Periksa angka di bawah, lalu simpan."
    };
    view! {
        <section class="card" aria-labelledby="laporan-title">
            <h2 id="laporan-title">{format!("Laporan impor {}: {}", draf.daftar.label(), draf.nama_file)}</h2>
            <p role="status" class=class>{status}</p>
            <p class="impor-angka">{l.to_string().lines().last().unwrap_or("").to_owned()}</p>
            {(l.jumlah_salah > 0).then(|| view! {
                <table class="tabel">
                    <caption>{format!("{} baris salah", l.jumlah_salah)}</caption>
                    <thead><tr><th scope="col">"Baris"</th><th scope="col">"Alasan"</th></tr></thead>
                    <tbody>
                        {l.salah.iter().map(|e| view! { <tr><td>{e.baris}</td><td>{e.alasan.clone()}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            })}
            {(l.jumlah_hilang > 0).then(|| view! {
                <p>{format!(
                    "{} pengguna di unit berkas ini tidak tercantum{}: {}",
                    l.jumlah_hilang,
                    if draf.deactivate_missing { " dan akan dinonaktifkan" } else { " (tetap aktif)" },
                    l.hilang.join(", ")
                )}</p>
            })}
            {refused.map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
            {can_apply.then(|| view! {
                <button class="primary" disabled=move || simpan.pending().get()
                    on:click=move |_| { simpan.dispatch(ImporTerapkan { id }); }>
                    {move || if simpan.pending().get() { "Menyimpan…" } else { "Simpan ke basis data" }}
                </button>
            })}
        </section>
    }
}
