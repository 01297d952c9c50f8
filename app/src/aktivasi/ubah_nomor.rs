//! Changing an `AKTIF` pejabat's OTP number (seed part C), as the people who do it see it:
//! the pejabat's request and the code to its new number, the KPA's approval (on `/berkas`),
//! and the CSO's confirmation once the change's bundle is accepted (on `/meja`). The rules
//! are `domain::ubah_nomor`, the use cases `backend::aktivasi::ubah_nomor`.

use crate::akses::auth::Me;
use crate::sistem::error::AppError;
use crate::sistem::komponen::Notice;
use domain::otp::OtpTiming;
use domain::ubah_nomor::{DaftarUbahNomor, NomorMilik, Tahap, UbahNomorRow};
use domain::{Jabatan, PejabatId, UbahNomorId};
use leptos::prelude::*;

/// The caller's own references it may change the number of, and the satker's open changes.
#[server(endpoint = "ubah_nomor_daftar")]
pub async fn ubah_nomor_daftar() -> Result<DaftarUbahNomor, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let milik = match caller.actor().map(|a| a.role) {
        Some(role) if domain::authz::role_may(role, domain::authz::Action::UbahNomor) => {
            backend::aktivasi::ubah_nomor::milik(&state.pool, &caller).await?
        }
        _ => Vec::new(),
    };
    Ok(DaftarUbahNomor { milik, berjalan: backend::aktivasi::ubah_nomor::satker(&state.pool, &caller).await? })
}

#[server(endpoint = "ubah_nomor_ajukan")]
pub async fn ubah_nomor_ajukan(pejabat_id: PejabatId, no_hp: String) -> Result<OtpTiming, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let now = state.clock.now();
    let p =
        backend::aktivasi::ubah_nomor::ajukan(&state.pool, &state.otp_key, &caller, pejabat_id, &no_hp, now).await?;
    Ok(p.timing(now))
}

#[server(endpoint = "ubah_nomor_verifikasi")]
pub async fn ubah_nomor_verifikasi(pejabat_id: PejabatId, code: String) -> Result<Tahap, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let now = state.clock.now();
    Ok(backend::aktivasi::ubah_nomor::verifikasi(&state.pool, &state.otp_key, &caller, pejabat_id, &code, now).await?)
}

#[server(endpoint = "ubah_nomor_minta_setuju")]
pub async fn ubah_nomor_minta_setuju(pejabat_id: PejabatId) -> Result<OtpTiming, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let now = state.clock.now();
    let p = backend::aktivasi::ubah_nomor::minta_setuju(&state.pool, &state.otp_key, &caller, pejabat_id, now).await?;
    Ok(p.timing(now))
}

#[server(endpoint = "ubah_nomor_setuju")]
pub async fn ubah_nomor_setuju(pejabat_id: PejabatId, code: String) -> Result<Tahap, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let now = state.clock.now();
    Ok(backend::aktivasi::ubah_nomor::setuju(&state.pool, &state.otp_key, &caller, pejabat_id, &code, now).await?)
}

#[server(endpoint = "ubah_nomor_batal")]
pub async fn ubah_nomor_batal(pejabat_id: PejabatId) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::ubah_nomor::batal(&state.pool, &caller, pejabat_id, state.clock.now()).await?)
}

#[server(endpoint = "ubah_nomor_konfirmasi_daftar")]
pub async fn ubah_nomor_konfirmasi_daftar() -> Result<Vec<UbahNomorRow>, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::ubah_nomor::menunggu_konfirmasi(&state.pool, &caller).await?)
}

/// The CSO confirms; `hp_lama_hilang` (the reason the old phone is lost) lets it confirm
/// before the waiting period.
#[server(endpoint = "ubah_nomor_konfirmasi")]
pub async fn ubah_nomor_konfirmasi(ubah_nomor_id: UbahNomorId, hp_lama_hilang: String) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let hilang = Some(hp_lama_hilang.as_str()).filter(|r| !r.trim().is_empty());
    Ok(backend::aktivasi::ubah_nomor::konfirmasi(
        &state.pool,
        &caller,
        ubah_nomor_id,
        state.nomor_wait,
        hilang,
        state.clock.now(),
    )
    .await?)
}

/// Changing the OTP number: the pejabat's own request and code, the KPA's approval.
#[component]
pub(crate) fn UbahNomor(me: Me, tick: RwSignal<u32>, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let data = Resource::new(move || tick.get(), |_| ubah_nomor_daftar());
    let is_kpa = domain::authz::role_may(me.role, domain::authz::Action::SetujuUbahNomor);
    let done = move |r: Result<String, AppError>| {
        match r {
            Ok(t) => notice.set(Some(Notice::ok(t))),
            Err(e) => notice.set(Some(Notice { ok: false, text: e.to_string() })),
        }
        tick.update(|t| *t += 1);
    };
    let ajukan = Action::new(|(id, hp): &(PejabatId, String)| ubah_nomor_ajukan(*id, hp.clone()));
    crate::akses::ulang::step_up_retry(
        move || ajukan.input().get(),
        move || ajukan.value().get(),
        move |i| {
            ajukan.dispatch(i);
        },
    );
    let verifikasi = Action::new(|(id, code): &(PejabatId, String)| ubah_nomor_verifikasi(*id, code.clone()));
    let minta = Action::new(|id: &PejabatId| ubah_nomor_minta_setuju(*id));
    let setuju = Action::new(|(id, code): &(PejabatId, String)| ubah_nomor_setuju(*id, code.clone()));
    let batal = Action::new(|id: &PejabatId| ubah_nomor_batal(*id));
    Effect::new(move |_| {
        if let Some(r) = ajukan.value().get() {
            done(r.map(|_| "Kode dikirim ke nomor baru. Masukkan kode tersebut untuk memverifikasi.".into()));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = verifikasi.value().get() {
            done(r.map(|t| format!("Nomor baru terverifikasi. Tahap berikutnya: {}.", t.label())));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = minta.value().get() {
            done(r.map(|_| "Kode persetujuan dikirim ke HP KPA.".into()));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = setuju.value().get() {
            done(r.map(|t| format!("Perubahan nomor disetujui. Tahap berikutnya: {}.", t.label())));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = batal.value().get() {
            done(r.map(|()| "Perubahan nomor dibatalkan.".into()));
        }
    });
    let busy =
        move || ajukan.pending().get() || verifikasi.pending().get() || minta.pending().get() || setuju.pending().get();
    view! {
        <section aria-labelledby="h-ubah">
            <h2 id="h-ubah">"Ubah Nomor OTP"</h2>
            <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(DaftarUbahNomor { milik, berjalan }) => {
                        let open_ids: Vec<PejabatId> = berjalan.iter().map(|u| u.pejabat_id).collect();
                        view! {
                            {milik.into_iter().filter(|m| !open_ids.contains(&m.pejabat_id)).map(|NomorMilik { pejabat_id: id, nama, jabatan }| {
                                let hp = RwSignal::new(String::new());
                                let field = format!("hp-baru-{id}");
                                view! {
                                    <form class="card inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        ajukan.dispatch((id, hp.get_untracked()));
                                    }>
                                        <label for=field.clone()>{format!("Nomor HP baru untuk {nama} ({})", jabatan.label())}</label>
                                        <input id=field type="tel" inputmode="tel" autocomplete="tel" placeholder="08xx xxxx xxxx"
                                            prop:value=move || hp.get() on:input=move |ev| hp.set(event_target_value(&ev))/>
                                        <button type="submit" class="primary" disabled=busy aria-busy=move || busy().to_string()>"Kirim Kode ke Nomor Baru"</button>
                                    </form>
                                }
                            }).collect_view()}
                            {if berjalan.is_empty() {
                                view! { <p class="empty">"Tidak ada perubahan nomor yang sedang berjalan."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="changes">{berjalan.into_iter().map(|u| {
                                        let code = RwSignal::new(String::new());
                                        let id = u.pejabat_id;
                                        let own_verify = u.tahap == Tahap::VerifikasiNomorBaru;
                                        let kpa_approve = is_kpa && u.tahap == Tahap::PersetujuanKpa && u.jabatan != Jabatan::Kpa;
                                        let field = format!("kode-ubah-{id}");
                                        view! {
                                            <li class="card change">
                                                <p><strong>{u.nama.clone()}</strong> {format!(" ({}) · {} → {} · ", u.jabatan.short(), u.no_hp_lama, u.no_hp_baru)}
                                                    <span class="badge">{u.tahap.label()}</span></p>
                                                <Show when=move || own_verify || kpa_approve>
                                                    <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                        ev.prevent_default();
                                                        if kpa_approve { setuju.dispatch((id, code.get_untracked())); } else { verifikasi.dispatch((id, code.get_untracked())); }
                                                    }>
                                                        <Show when=move || kpa_approve>
                                                            <button type="button" disabled=busy aria-busy=move || busy().to_string() on:click=move |_| { minta.dispatch(id); }>"Request OTP Persetujuan"</button>
                                                        </Show>
                                                        <label for=field.clone()>{if kpa_approve { "Kode OTP KPA" } else { "Kode dari nomor baru" }}</label>
                                                        <input id=field.clone() class="otp-input" inputmode="numeric" autocomplete="one-time-code" maxlength="7"
                                                            prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                                                        <button type="submit" class="primary" disabled=busy aria-busy=move || busy().to_string()>{if kpa_approve { "Setujui" } else { "Verifikasi" }}</button>
                                                    </form>
                                                </Show>
                                                <Show when=move || u.tahap == Tahap::PengajuanBerkas>
                                                    <p class="muted">"Admin Lokal mengunduh Form Ubah Nomor OTP, lalu mengunggah berkasnya yang telah ditandatangani di atas."</p>
                                                </Show>
                                                <button class="link" disabled=move || batal.pending().get() aria-busy=move || batal.pending().get().to_string() on:click=move |_| { batal.dispatch(id); }>"Batalkan perubahan"</button>
                                            </li>
                                        }
                                    }).collect_view()}</ul>
                                }.into_any()
                            }}
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub(crate) fn Confirmations(
    tick: RwSignal<u32>,
    say: impl Fn(Result<String, AppError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let data = Resource::new(move || tick.get(), |_| ubah_nomor_konfirmasi_daftar());
    let konfirmasi = Action::new(|(id, hilang): &(UbahNomorId, String)| ubah_nomor_konfirmasi(*id, hilang.clone()));
    crate::akses::ulang::step_up_retry(
        move || konfirmasi.input().get(),
        move || konfirmasi.value().get(),
        move |i| {
            konfirmasi.dispatch(i);
        },
    );
    Effect::new(move |_| {
        if let Some(r) = konfirmasi.value().get() {
            say(r.map(|()| "Nomor OTP baru berlaku; pemberitahuan dikirim ke nomor lama dan nomor baru.".to_string()));
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || data.get().and_then(Result::ok).filter(|l| !l.is_empty()).map(|list| view! {
                <section aria-labelledby="h-konfirmasi" class="card">
                    <h2 id="h-konfirmasi">"Konfirmasi Ubah Nomor OTP"</h2>
                    <p class="muted">"Nomor lama diberi tahu pada setiap tahap dan dapat membatalkan; konfirmasi baru dapat dilakukan setelah masa tunggu, kecuali HP lama hilang (catat alasannya)."</p>
                    <ul class="changes">{list.into_iter().map(|u| {
                        let hilang = RwSignal::new(String::new());
                        let field = format!("hilang-{}", u.id);
                        view! {
                        <li>{format!("{} {} ({}) · {} → {} · diajukan {} WIB ", u.satker_kode, u.nama, u.jabatan.short(), u.no_hp_lama, u.no_hp_baru, domain::format::wib_ms(u.diajukan_ms))}
                            <details>
                                <summary>"HP lama hilang?"</summary>
                                <label for=field.clone()>"Alasan HP lama hilang (dicatat di jejak audit)"</label>
                                <input id=field type="text" maxlength="300" prop:value=move || hilang.get()
                                    on:input=move |ev| hilang.set(event_target_value(&ev))/>
                            </details>
                            <button class="primary" disabled=move || konfirmasi.pending().get() aria-busy=move || konfirmasi.pending().get().to_string()
                                on:click=move |_| { konfirmasi.dispatch((u.id, hilang.get_untracked())); }>"Konfirmasi"</button></li>
                    }}).collect_view()}</ul>
                </section>
            })}
        </Transition>
    }
}
