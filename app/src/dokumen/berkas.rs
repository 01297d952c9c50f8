//! `/berkas`: the satker's side of seed step 2 and part C — each pejabat's bundle and
//! where it stands (with the CSO's reason when returned), the upload (Admin Lokal), the
//! submission to the KPPN, the sessions the CSO scheduled, and the change of OTP number.

use crate::akses::auth::Me;
use crate::akses::layout::logged_in;
use crate::sistem::error::AppError;
use crate::sistem::komponen::{Notice, NoticeBar};
use domain::berkas::{BerkasRow, BerkasStatus};
use domain::formulir::Dokumen;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "berkas_daftar")]
pub async fn berkas_daftar() -> Result<Vec<BerkasRow>, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::dokumen::berkas::daftar(&state.pool, &caller).await?)
}

#[server(endpoint = "berkas_ajukan")]
pub async fn berkas_ajukan() -> Result<domain::PengajuanId, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::dokumen::berkas::ajukan(&state.pool, &caller, state.clock.now()).await?)
}

#[component]
pub fn BerkasPage() -> impl IntoView {
    logged_in(|me| {
        if !domain::authz::role_may(me.role, domain::authz::Action::LihatBerkas) {
            view! { <p>"CSO KPPN bekerja di " <a href="/meja">"Meja Berkas & Jadwal"</a> "."</p> }.into_any()
        } else {
            view! { <BerkasView me/> }.into_any()
        }
    })
}

#[component]
fn BerkasView(me: Me) -> impl IntoView {
    let is_admin = domain::authz::role_may(me.role, domain::authz::Action::UnggahBerkas);
    let tick = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<Notice>);
    let query = use_query_map();
    Effect::new(move |_| {
        query.with(|q| {
            if let Some(p) = q.get("pesan") {
                notice.set(Some(Notice::ok(p)));
            } else if let Some(g) = q.get("galat") {
                notice.set(Some(Notice { ok: false, text: g }));
            }
        })
    });
    crate::sistem::live::refresh_on_change(tick);
    let rows = Resource::new(move || tick.get(), |_| berkas_daftar());
    let ajukan = Action::new(|_: &()| berkas_ajukan());
    Effect::new(move |_| match ajukan.value().get() {
        Some(Ok(_)) => {
            notice.set(Some(Notice::ok("Pengajuan Formulir Aktivasi OTP SAKTI Satker terkirim ke KPPN.")));
            tick.update(|t| *t += 1);
        }
        Some(Err(e)) => notice.set(Some(Notice { ok: false, text: e.to_string() })),
        None => {}
    });
    view! {
        <h1>"Berkas & Jadwal Aktivasi"</h1>
        <NoticeBar notice/>
        <section aria-labelledby="h-jadwal">
            <h2 id="h-jadwal">"Jadwal sesi aktivasi"</h2>
            <crate::jadwal::JadwalSatkerView is_admin tick notice/>
        </section>
        <section aria-labelledby="h-berkas">
            <h2 id="h-berkas">"Berkas pejabat"</h2>
            <p class="muted">"Satu PDF hasil pindaian per pejabat: formulir yang telah ditandatangani beserta "
                {domain::formulir::lampiran().collect::<Vec<_>>().join("; ")} ". Paling besar 10 MB."</p>
            <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
                {move || rows.get().map(|r| {
                    // the submission sends the drafts: without one the button is not shown as
                    // ready (decided here, with the list, so the page and its hydration agree)
                    let ada_draf = r.as_ref().is_ok_and(|list| {
                        list.iter().any(|r| r.berkas.as_ref().is_some_and(|b| b.status == BerkasStatus::Draf))
                    });
                    let daftar = match r {
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">"Tidak ada pejabat yang memerlukan berkas."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="bundles">{list.into_iter().map(|row| view! { <BundleCard row is_admin notice/> }).collect_view()}</div>
                        }.into_any(),
                    };
                    let actions = is_admin.then(|| view! {
                        <div class="actions">
                            <button class="primary" disabled=move || ajukan.pending().get() || !ada_draf
                                aria-describedby=(!ada_draf).then_some("alasan-ajukan")
                                aria-busy=move || ajukan.pending().get().to_string() on:click=move |_| { ajukan.dispatch(()); }>
                                {move || if ajukan.pending().get() { "Mengirim…" } else { "Kirim Pengajuan ke KPPN" }}
                            </button>
                            {(!ada_draf).then(|| view! {
                                <p id="alasan-ajukan" class="muted">"Belum ada berkas baru untuk diajukan: unggah berkas pejabat lebih dulu."</p>
                            })}
                        </div>
                    });
                    view! { {daftar} {actions} }
                })}
            </Transition>
        </section>
        <crate::aktivasi::ubah_nomor::UbahNomor me tick notice/>
    }
}

#[component]
fn BundleCard(row: BerkasRow, is_admin: bool, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let uploading = RwSignal::new(false);
    // a file over 10 MB is refused here, before minutes of sending it (the server refuses
    // it too, for a browser without the WASM)
    let too_big = RwSignal::new(false);
    let status = row.berkas.as_ref().map(|b| b.status);
    let may_upload = is_admin && !matches!(status, Some(BerkasStatus::Diajukan | BerkasStatus::Diterima));
    let label = format!("{} ({})", row.nama, row.jabatan.short());
    let input_id = format!("berkas-{}-{}", row.pejabat_id, row.keperluan.code());
    view! {
        <article class="card bundle" aria-label=format!("Berkas {}", row.nama)>
            <h3>{label.clone()} " " <span class="muted">{row.keperluan.label()}</span></h3>
            {match row.berkas.clone() {
                None => view! { <p class="muted">"Belum ada berkas."</p> }.into_any(),
                Some(b) => view! {
                    <p>
                        <span class=format!("badge status-{}", b.status.label().to_lowercase())>{b.status.label()}</span>
                        " " <a href=format!("/api/berkas/{}", b.id) target="_blank">{b.nama_file.clone()}</a>
                        <span class="muted mono">{format!(" · {} KB · SHA-256 {}…", (b.ukuran + 1023) / 1024, &b.sha256[..12])}</span>
                    </p>
                    {b.alasan.clone().map(|a| view! {
                        <div class="returned" role="note">
                            <strong>"Dikembalikan CSO: "</strong>{a}
                            <ul class="checklist">{Dokumen::ALL.iter().zip(b.ceklis).map(|(d, ok)| view! {
                                <li class=if ok { "ok" } else { "missing" }>{if ok { "✓ " } else { "✗ " }}{d.label()}</li>
                            }).collect_view()}</ul>
                        </div>
                    })}
                }.into_any(),
            }}
            <Show when=move || may_upload>
                <form method="post" action="/api/berkas" enctype="multipart/form-data" class="upload"
                    on:submit=move |ev| if too_big.get_untracked() {
                        ev.prevent_default()
                    } else {
                        // what an earlier attempt said no longer stands beside this one
                        notice.set(None);
                        uploading.set(true)
                    }>
                    <input type="hidden" name="pejabat_id" value=row.pejabat_id.to_string()/>
                    <input type="hidden" name="keperluan" value=row.keperluan.code()/>
                    <label for=input_id.clone()>{format!("PDF bundel {label}")}</label>
                    <input id=input_id.clone() type="file" name="berkas" accept="application/pdf,.pdf" required
                        aria-invalid=move || too_big.get().to_string()
                        on:change=move |ev| too_big.set(picked_size(&ev).is_some_and(|n| !domain::berkas::size_ok(n)))/>
                    <Show when=move || too_big.get()>
                        <p class="field-error" role="alert">{domain::berkas::TERLALU_BESAR}</p>
                    </Show>
                    <button type="submit" disabled=move || uploading.get() || too_big.get() aria-busy=move || uploading.get().to_string()>
                        {move || if uploading.get() { "Mengunggah…" } else { "Unggah" }}
                    </button>
                </form>
            </Show>
        </article>
    }
}

/// The size in bytes of the file chosen in the file input that fired `ev`.
fn picked_size(ev: &leptos::ev::Event) -> Option<u64> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
        Some(input.files()?.get(0)?.size() as u64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}
