//! The second step of a login (`/masuk/faktor`): a code from the authenticator app, a recovery
//! code or a passkey; for staff without a factor, its enrolment first.

use crate::akses::faktor::{DaftarkanPasskey, DaftarkanTotp};
use crate::akses::passkey::passkey_masuk;
#[cfg(feature = "ssr")]
use crate::akses::passkey::{origin, take_ceremony};
use crate::sistem::error::AppError;
#[cfg(feature = "ssr")]
use crate::sistem::ssr::subjek;
#[cfg(feature = "ssr")]
use domain::faktor::Metode;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A login between its password and its second factor, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LangkahMasuk {
    pub username: String,
    /// Staff without a second factor: enrol one now.
    pub daftarkan: bool,
    /// Enrolled during this login: go on when the recovery codes are noted.
    pub terdaftar: bool,
    pub totp: bool,
    pub passkey: bool,
}

#[server(endpoint = "masuk_status")]
pub async fn masuk_status() -> Result<LangkahMasuk, AppError> {
    let (state, _, actor, pending) = subjek(false).await?;
    let Some(pending) = pending else { return Err(backend::Error::Rule("Anda sudah masuk.".into()).into()) };
    let milik = backend::akses::faktor::milik(&state.pool, actor.user_id).await?;
    let has = |j: Metode| milik.faktor.iter().any(|f| f.jenis == j);
    Ok(LangkahMasuk {
        username: actor.username,
        daftarkan: pending.daftarkan && !pending.terdaftar,
        terdaftar: pending.terdaftar,
        totp: has(Metode::Totp),
        passkey: has(Metode::Passkey),
    })
}

/// The second factor at login: a code from the authenticator app, or a recovery code.
#[server(endpoint = "masuk_kode")]
pub async fn masuk_kode(kode: String, pemulihan: Option<String>) -> Result<(), AppError> {
    let (state, caller, actor, pending) = subjek(false).await?;
    let Some(pending) = pending else { return Err(backend::Error::Rule("Anda sudah masuk.".into()).into()) };
    let Some(sandi) = pending.sandi else {
        return Err(backend::Error::Rule("Daftarkan faktor kedua lebih dulu.".into()).into());
    };
    let bukti = if pemulihan.is_some() {
        backend::akses::faktor::Bukti::Pemulihan(kode)
    } else {
        backend::akses::faktor::Bukti::Totp(kode)
    };
    backend::akses::faktor::periksa(
        &state.pool,
        &state.kunci.faktor,
        &caller,
        &actor,
        sandi,
        &bukti,
        state.clock.now(),
    )
    .await?;
    finish(&state, &actor, caller.addr().map(str::to_owned), pending.kembali).await
}

/// After enrolling at login (and noting the recovery codes): in.
#[server(endpoint = "masuk_lanjut")]
pub async fn masuk_lanjut() -> Result<(), AppError> {
    let (state, caller, actor, pending) = subjek(false).await?;
    match pending {
        Some(p) if p.terdaftar => finish(&state, &actor, caller.addr().map(str::to_owned), p.kembali).await,
        _ => Err(backend::Error::Rule("Daftarkan faktor kedua lebih dulu.".into()).into()),
    }
}

#[cfg(feature = "ssr")]
async fn finish(
    state: &crate::sistem::ssr::AppState,
    actor: &backend::Actor,
    addr: Option<String>,
    kembali: Option<String>,
) -> Result<(), AppError> {
    let device = crate::sistem::ssr::cookie(state.device_cookie()).await;
    backend::akses::masuk::berhasil(&state.pool, actor.user_id, device.as_deref()).await?;
    crate::akses::auth::start(state, &crate::sistem::ssr::session().await?, actor, addr, device, kembali).await
}

/// The second factor at login: a passkey's answer.
#[server(endpoint = "passkey_masuk_selesai")]
pub async fn passkey_masuk_selesai(credential: String) -> Result<(), AppError> {
    let (state, caller, actor, pending) = subjek(false).await?;
    let Some(pending) = pending else { return Err(backend::Error::Rule("Anda sudah masuk.".into()).into()) };
    let Some(sandi) = pending.sandi else {
        return Err(backend::Error::Rule("Daftarkan faktor kedua lebih dulu.".into()).into());
    };
    let ceremony = take_ceremony("Mulai masuk dengan passkey lebih dulu.").await?;
    let origin = origin(&state).await?;
    let jawaban = backend::akses::passkey::Jawaban { origin: &origin, state: &ceremony, credential: &credential };
    backend::akses::passkey::masuk_selesai(&state.pool, &caller, &actor, sandi, jawaban, state.clock.now()).await?;
    finish(&state, &actor, caller.addr().map(str::to_owned), pending.kembali).await
}

/// `/masuk/faktor`: the second step of a login.
#[component]
pub fn MasukFaktorPage() -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let status = Resource::new(move || tick.get(), |_| masuk_status());
    view! {
        <main class="login">
            <section class="card login-card" aria-labelledby="faktor-title">
                <h1 id="faktor-title">"Faktor kedua"</h1>
                <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
                    {move || status.get().map(|r| match r {
                        Ok(s) if s.terdaftar => view! { <Lanjut/> }.into_any(),
                        Ok(s) if s.daftarkan => view! {
                            <p>"Akun " <strong>{s.username.clone()}</strong> " wajib memakai faktor kedua. Daftarkan passkey perangkat ini (sidik jari, wajah atau PIN), atau aplikasi autentikator (Google Authenticator, Microsoft Authenticator, FreeOTP, dan sejenisnya) di ponsel Anda."</p>
                            <DaftarkanPasskey on_done=move || tick.update(|t| *t += 1)/>
                            <h2>"Aplikasi autentikator"</h2>
                            <DaftarkanTotp on_done=move || tick.update(|t| *t += 1)/>
                        }.into_any(),
                        Ok(s) => view! { <KodeMasuk status=s/> }.into_any(),
                        Err(e) => view! {
                            <p class="error" role="alert">{e.to_string()}</p>
                            <a href="/login">"Kembali ke halaman masuk"</a>
                        }.into_any(),
                    })}
                </Transition>
            </section>
        </main>
    }
}

#[component]
fn KodeMasuk(status: LangkahMasuk) -> impl IntoView {
    let masuk = ServerAction::<MasukKode>::new();
    let passkey = Action::new_local(|(): &()| passkey_masuk(async |c| passkey_masuk_selesai(c).await));
    let passkey_error = move || passkey.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    let pemulihan = RwSignal::new(!status.totp);
    let error = move || masuk.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    let has_passkey = status.passkey;
    view! {
        <Show when=move || has_passkey>
            <button class="primary" on:click=move |_| { passkey.dispatch(()); } disabled=move || passkey.pending().get()>
                "Masuk dengan passkey"
            </button>
            <Show when=move || passkey_error().is_some()>
                <p class="error" role="alert">{passkey_error}</p>
            </Show>
            <p class="muted">"atau"</p>
        </Show>
        <ActionForm action=masuk>
            <Show when=move || pemulihan.get()>
                <input type="hidden" name="pemulihan" value="1"/>
            </Show>
            <label for="kode">{move || if pemulihan.get() { "Kode pemulihan" } else { "Kode dari aplikasi autentikator" }}</label>
            <input id="kode" name="kode" type="text" autocomplete="one-time-code" required
                inputmode=move || if pemulihan.get() { "text" } else { "numeric" } autocapitalize="none" spellcheck="false"/>
            <Show when=move || error().is_some()>
                <p class="error" role="alert">{error}</p>
            </Show>
            <button type="submit" class="primary" disabled=move || masuk.pending().get()>"Masuk"</button>
        </ActionForm>
        <Show when=move || status.totp>
            <button class="link" on:click=move |_| pemulihan.update(|p| *p = !*p)>
                {move || if pemulihan.get() { "Pakai kode dari aplikasi autentikator" } else { "Pakai kode pemulihan" }}
            </button>
        </Show>
    }
}

#[component]
fn Lanjut() -> impl IntoView {
    let lanjut = ServerAction::<MasukLanjut>::new();
    view! {
        <p class="notice ok" role="status">"Faktor kedua terdaftar."</p>
        <ActionForm action=lanjut>
            <button type="submit" class="primary">"Lanjut"</button>
        </ActionForm>
    }
}
