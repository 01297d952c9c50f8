//! The second factor: its step at login (`/masuk/faktor`: a code from the authenticator app
//! or a recovery code; for staff without one, its enrolment first), the factors on the
//! account page, and the step-up dialog before the sensitive clicks.

use crate::sistem::error::AppError;
use crate::sistem::komponen::{Modal, Notice, NoticeBar};
use domain::FaktorId;
#[cfg(feature = "ssr")]
use domain::faktor::Jenis;
use domain::faktor::{Milik, TotpBaru};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A login between its password and its second factor, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tahap {
    pub username: String,
    /// Staff without a second factor: enrol one now.
    pub daftar: bool,
    /// Enrolled during this login: go on when the recovery codes are noted.
    pub terdaftar: bool,
    pub totp: bool,
    pub passkey: bool,
}

/// Who a second-factor call is for: the logged-in user (a change to its factors needs a
/// step-up), or a login whose password was right a moment ago.
#[cfg(feature = "ssr")]
async fn subjek(
    enrol: bool,
) -> Result<
    (crate::sistem::ssr::AppState, backend::Caller, backend::Actor, Option<crate::sistem::ssr::Pending>),
    AppError,
> {
    use crate::sistem::ssr::{PENDING_KEY, PENDING_MINUTES, Pending, caller, session};
    let (state, caller) = caller().await?;
    if let Some(actor) = caller.actor().cloned() {
        if enrol {
            backend::akses::auth::step_up(&caller)?;
        }
        return Ok((state, caller, actor, None));
    }
    let session = session().await?;
    let pending: Option<Pending> = session.get(PENDING_KEY).await?;
    let now = state.clock.now();
    let fresh = |p: &Pending| now.timestamp_millis() - p.at_ms <= PENDING_MINUTES * 60_000;
    let Some(pending) = pending.filter(fresh) else {
        return Err(backend::Error::Unauthenticated.into());
    };
    if enrol && !pending.daftar {
        return Err(backend::Error::Rule("Masukkan faktor kedua Anda lebih dulu.".into()).into());
    }
    let Some((actor, _)) = backend::akses::masuk::load_pending(&state.pool, pending.user_id).await? else {
        return Err(backend::Error::Unauthenticated.into());
    };
    let caller = backend::Caller::pending(actor.clone(), caller.addr().map(str::to_owned));
    Ok((state, caller, actor, Some(pending)))
}

#[server(endpoint = "masuk_status")]
pub async fn masuk_status() -> Result<Tahap, AppError> {
    let (state, _, actor, pending) = subjek(false).await?;
    let Some(pending) = pending else { return Err(backend::Error::Rule("Anda sudah masuk.".into()).into()) };
    let milik = backend::akses::faktor::milik(&state.pool, actor.user_id).await?;
    let has = |j: Jenis| milik.faktor.iter().any(|f| f.jenis == j);
    Ok(Tahap {
        username: actor.username,
        daftar: pending.daftar && !pending.terdaftar,
        terdaftar: pending.terdaftar,
        totp: has(Jenis::Totp),
        passkey: has(Jenis::Passkey),
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

/// The logged-in user's factors.
#[server(endpoint = "faktor_daftar")]
pub async fn faktor_daftar() -> Result<Milik, AppError> {
    let (state, _, actor, _) = subjek(false).await?;
    Ok(backend::akses::faktor::milik(&state.pool, actor.user_id).await?)
}

/// A new authenticator-app secret to scan; kept in the session until a code confirms it.
#[server(endpoint = "faktor_totp_baru")]
pub async fn faktor_totp_baru() -> Result<TotpBaru, AppError> {
    let (_, _, actor, _) = subjek(true).await?;
    let baru = backend::akses::faktor::totp_baru(&actor.username)?;
    let session = crate::sistem::ssr::session().await?;
    session.insert(TOTP_KEY, baru.secret.clone()).await?;
    Ok(baru)
}

#[cfg(feature = "ssr")]
const TOTP_KEY: &str = "totp_baru";

/// Confirms the authenticator app with its first code; returns the recovery codes when it
/// is the user's first factor (shown once).
#[server(endpoint = "faktor_totp_simpan")]
pub async fn faktor_totp_simpan(kode: String) -> Result<Vec<String>, AppError> {
    let (state, caller, _, pending) = subjek(true).await?;
    let session = crate::sistem::ssr::session().await?;
    let Some(secret) = session.get::<String>(TOTP_KEY).await? else {
        return Err(backend::Error::Rule("Pindai kode QR lebih dulu.".into()).into());
    };
    let codes = backend::akses::faktor::daftar_totp(
        &state.pool,
        &state.kunci.faktor,
        &caller,
        &secret,
        &kode,
        state.clock.now(),
    )
    .await?;
    let _ = session.remove::<String>(TOTP_KEY).await;
    enrolled(&session, pending).await?;
    Ok(codes)
}

/// A login that enrolled its first factor may go on.
#[cfg(feature = "ssr")]
async fn enrolled(
    session: &tower_sessions::Session,
    pending: Option<crate::sistem::ssr::Pending>,
) -> Result<(), AppError> {
    if let Some(mut p) = pending {
        p.terdaftar = true;
        session.insert(crate::sistem::ssr::PENDING_KEY, p).await?;
    }
    Ok(())
}

#[server(endpoint = "faktor_hapus")]
pub async fn faktor_hapus(id: FaktorId) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::faktor::hapus(&state.pool, &caller, id).await?)
}

#[server(endpoint = "faktor_pemulihan_baru")]
pub async fn faktor_pemulihan_baru() -> Result<Vec<String>, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::faktor::pemulihan_ulang(&state.pool, &caller).await?)
}

/// Removes the second factors of a user the caller manages (after a step-up).
#[server(endpoint = "pengguna_reset_faktor")]
pub async fn pengguna_reset_faktor(username: String) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::pengguna::reset_faktor(&state.pool, &caller, &username).await?)
}

/// Where the browser reached the app: the passkeys' relying party.
#[cfg(feature = "ssr")]
async fn origin(state: &crate::sistem::ssr::AppState) -> Result<String, AppError> {
    let headers = leptos_axum::extract::<axum::http::HeaderMap>().await.map_err(|_| AppError::Internal)?;
    Ok(crate::sistem::http::base_url(state, &headers))
}

/// The session key of a passkey ceremony's state between its two halves.
#[cfg(feature = "ssr")]
const PASSKEY_KEY: &str = "passkey";

/// Keeps a ceremony's first half for its second; answers the browser's options.
#[cfg(feature = "ssr")]
async fn keep_ceremony(mulai: backend::akses::passkey::Mulai) -> Result<String, AppError> {
    let session = crate::sistem::ssr::session().await?;
    session.insert(PASSKEY_KEY, mulai.state).await?;
    Ok(mulai.options)
}

/// Takes the state kept by [`keep_ceremony`] (once); `missing` says what to start first.
#[cfg(feature = "ssr")]
async fn take_ceremony(missing: &str) -> Result<String, AppError> {
    let session = crate::sistem::ssr::session().await?;
    match session.remove::<String>(PASSKEY_KEY).await? {
        Some(state) => Ok(state),
        None => Err(backend::Error::Rule(missing.into()).into()),
    }
}

/// Starts enrolling a passkey: the options for `navigator.credentials.create`.
#[server(endpoint = "passkey_daftar_mulai")]
pub async fn passkey_daftar_mulai() -> Result<String, AppError> {
    let (state, _, actor, _) = subjek(true).await?;
    keep_ceremony(backend::akses::passkey::daftar_mulai(&state.pool, &actor, &origin(&state).await?).await?).await
}

/// Finishes the enrolment with the browser's credential; the recovery codes when it is the
/// user's first factor.
#[server(endpoint = "passkey_daftar_selesai")]
pub async fn passkey_daftar_selesai(credential: String) -> Result<Vec<String>, AppError> {
    let (state, caller, _, pending) = subjek(true).await?;
    let ceremony = take_ceremony("Mulai pendaftaran passkey lebih dulu.").await?;
    let origin = origin(&state).await?;
    let jawaban = backend::akses::passkey::Jawaban { origin: &origin, state: &ceremony, credential: &credential };
    let codes = backend::akses::passkey::daftar_selesai(&state.pool, &caller, jawaban, state.clock.now()).await?;
    enrolled(&crate::sistem::ssr::session().await?, pending).await?;
    Ok(codes)
}

/// Starts a sign-in (or step-up) with a passkey: the options for `navigator.credentials.get`.
#[server(endpoint = "passkey_masuk_mulai")]
pub async fn passkey_masuk_mulai() -> Result<String, AppError> {
    let (state, _, actor, _) = subjek(false).await?;
    keep_ceremony(backend::akses::passkey::masuk_mulai(&state.pool, &actor, &origin(&state).await?).await?).await
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

/// The step-up dialog with a passkey: the password and the passkey's answer.
#[server(endpoint = "auth_ulang_passkey")]
pub async fn auth_ulang_passkey(password: String, credential: String) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    if caller.actor().is_none() {
        return Err(backend::Error::Unauthenticated.into());
    }
    let ceremony = take_ceremony("Mulai masuk dengan passkey lebih dulu.").await?;
    let origin = origin(&state).await?;
    let jawaban = backend::akses::passkey::Jawaban { origin: &origin, state: &ceremony, credential: &credential };
    Ok(backend::akses::ulang::autentikasi_ulang_passkey(&state.pool, &caller, &password, jawaban, state.clock.now())
        .await?)
}

/// A whole passkey sign-in from the page: options, the browser's ceremony, the answer.
async fn passkey_masuk(finish: impl AsyncFnOnce(String) -> Result<(), AppError>) -> Result<(), AppError> {
    let options = passkey_masuk_mulai().await?;
    let credential = crate::akses::webauthn::get(&options).await.map_err(AppError::Refused)?;
    finish(credential).await
}

/// A whole passkey enrolment from the page; the recovery codes of a first factor.
async fn passkey_daftar() -> Result<Vec<String>, AppError> {
    let options = passkey_daftar_mulai().await?;
    let credential = crate::akses::webauthn::create(&options).await.map_err(AppError::Refused)?;
    passkey_daftar_selesai(credential).await
}

/// The step-up dialog: the password again and, with a second factor, a code from it.
#[server(endpoint = "auth_ulang")]
pub async fn auth_ulang(password: String, kode: Option<String>, pemulihan: Option<String>) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let bukti = kode.filter(|k| !k.trim().is_empty()).map(|k| {
        if pemulihan.is_some() {
            backend::akses::faktor::Bukti::Pemulihan(k)
        } else {
            backend::akses::faktor::Bukti::Totp(k)
        }
    });
    Ok(backend::akses::ulang::autentikasi_ulang(
        &state.pool,
        &state.kunci.faktor,
        &caller,
        &password,
        bukti.as_ref(),
        state.clock.now(),
    )
    .await?)
}

/// Is the last authentication fresh enough for a sensitive step? (`StepUp` when not.)
#[server(endpoint = "auth_segar")]
pub async fn auth_segar() -> Result<(), AppError> {
    let (_, caller) = crate::sistem::ssr::caller().await?;
    if caller.actor().is_none() {
        return Err(backend::Error::Unauthenticated.into());
    }
    Ok(backend::akses::auth::step_up(&caller)?)
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
                        Ok(s) if s.daftar => view! {
                            <p>"Akun " <strong>{s.username.clone()}</strong> " wajib memakai faktor kedua. Daftarkan passkey perangkat ini (sidik jari, wajah atau PIN), atau aplikasi autentikator (Google Authenticator, Microsoft Authenticator, FreeOTP, dan sejenisnya) di ponsel Anda."</p>
                            <DaftarPasskey on_done=move || tick.update(|t| *t += 1)/>
                            <h2>"Aplikasi autentikator"</h2>
                            <DaftarTotp on_done=move || tick.update(|t| *t += 1)/>
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
fn KodeMasuk(status: Tahap) -> impl IntoView {
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

/// Enrols an authenticator app: the QR code (and the secret to type by hand), then its
/// first code; then the recovery codes, once.
#[component]
pub fn DaftarTotp(on_done: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let baru = Resource::new(|| (), |_| faktor_totp_baru());
    let simpan = ServerAction::<FaktorTotpSimpan>::new();
    let error = move || {
        simpan
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.fields().and_then(|f| f.0.get("kode").cloned()).unwrap_or_else(|| e.to_string()))
    };
    let codes = move || simpan.value().get().and_then(|r| r.ok());
    view! {
        <Show when=move || codes().is_none() fallback=move || {
            let on_done = on_done.clone();
            view! { <KodePemulihan codes=codes().unwrap_or_default() on_done/> }
        }>
            <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
                {move || baru.get().map(|r| match r {
                    Ok(b) => view! {
                        <ol class="langkah">
                            <li>"Pindai kode QR ini dengan aplikasi autentikator:"
                                <div class="qr" inner_html=b.qr_svg.clone()></div>
                                <p class="muted">"Tidak bisa memindai? Ketik kunci ini: " <code class="kunci">{b.secret.clone()}</code></p>
                            </li>
                            <li>"Ketik kode 6 angka yang tampil di aplikasi:"</li>
                        </ol>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <ActionForm action=simpan>
                <label for="kode-baru">"Kode dari aplikasi"</label>
                <input id="kode-baru" name="kode" type="text" inputmode="numeric" autocomplete="one-time-code" required/>
                <Show when=move || error().is_some()>
                    <p class="error" role="alert">{error}</p>
                </Show>
                <button type="submit" class="primary" disabled=move || simpan.pending().get()>"Daftarkan"</button>
            </ActionForm>
        </Show>
    }
}

/// Enrols a passkey of this device; then the recovery codes, once.
#[component]
pub fn DaftarPasskey(on_done: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let daftar = Action::new_local(|(): &()| passkey_daftar());
    let error = move || daftar.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    let codes = move || daftar.value().get().and_then(|r| r.ok());
    view! {
        <Show when=move || codes().is_none() fallback=move || {
            let on_done = on_done.clone();
            view! { <KodePemulihan codes=codes().unwrap_or_default() on_done/> }
        }>
            <button class="primary" on:click=move |_| { daftar.dispatch(()); } disabled=move || daftar.pending().get()>
                "Daftarkan passkey"
            </button>
            <Show when=move || error().is_some()>
                <p class="error" role="alert">{error}</p>
            </Show>
        </Show>
    }
}

/// The recovery codes, shown once.
#[component]
fn KodePemulihan(codes: Vec<String>, on_done: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let any = !codes.is_empty();
    view! {
        <Show when=move || any>
            <p><strong>"Kode pemulihan"</strong>" — masing-masing sekali pakai, bila ponsel Anda hilang. Catat atau cetak sekarang: kode ini tidak ditampilkan lagi."</p>
            <ul class="kode-pemulihan">
                {codes.iter().map(|c| view! { <li><code>{c.clone()}</code></li> }).collect_view()}
            </ul>
        </Show>
        <button class="primary" on:click=move |_| on_done()>"Sudah saya catat"</button>
    }
}

/// The factors on the account page: list, add an authenticator app, remove one, new
/// recovery codes.
#[component]
pub fn FaktorSaya() -> impl IntoView {
    let notice = RwSignal::new(None::<Notice>);
    let tick = RwSignal::new(0u32);
    let milik = Resource::new(move || tick.get(), |_| faktor_daftar());
    let adding = RwSignal::new(false);
    let adding_passkey = RwSignal::new(false);
    let codes = RwSignal::new(None::<Vec<String>>);
    let hapus = Action::new(move |id: &FaktorId| {
        let id = *id;
        async move { faktor_hapus(id).await }
    });
    let ulang = Action::new(move |(): &()| async move { faktor_pemulihan_baru().await });
    step_up_retry(
        move || hapus.input().get(),
        move || hapus.value().get(),
        move |id| {
            hapus.dispatch(id);
        },
    );
    step_up_retry(
        move || ulang.input().get(),
        move || ulang.value().get(),
        move |()| {
            ulang.dispatch(());
        },
    );
    Effect::new(move |_| match hapus.value().get() {
        Some(Ok(())) => {
            notice.set(Some(Notice::ok("Faktor dihapus.")));
            tick.update(|t| *t += 1);
        }
        Some(Err(AppError::StepUp(_))) | None => {}
        Some(Err(e)) => notice.set(Some(Notice { ok: false, text: e.to_string() })),
    });
    Effect::new(move |_| match ulang.value().get() {
        Some(Ok(c)) => {
            codes.set(Some(c));
            tick.update(|t| *t += 1);
        }
        Some(Err(AppError::StepUp(_))) | None => {}
        Some(Err(e)) => notice.set(Some(Notice { ok: false, text: e.to_string() })),
    });
    let start = Action::new(move |(): &()| async move { auth_segar().await });
    step_up_retry(
        move || start.input().get(),
        move || start.value().get(),
        move |()| {
            start.dispatch(());
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = start.value().get() {
            adding.set(true);
        }
    });
    let start_passkey = Action::new(move |(): &()| async move { auth_segar().await });
    step_up_retry(
        move || start_passkey.input().get(),
        move || start_passkey.value().get(),
        move |()| {
            start_passkey.dispatch(());
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = start_passkey.value().get() {
            adding_passkey.set(true);
        }
    });
    view! {
        <section class="card" aria-labelledby="faktor-saya-title">
            <h2 id="faktor-saya-title">"Faktor kedua"</h2>
            <NoticeBar notice/>
            <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
                {move || milik.get().map(|r| match r {
                    Ok(m) => view! {
                        <ul class="faktor">
                            {m.faktor.into_iter().map(|f| {
                                let id = f.id;
                                view! {
                                    <li>
                                        <span>{f.nama.clone()}</span>
                                        <span class="muted">{format!(" · didaftarkan {}", domain::format::wib_ms(f.dibuat_ms))}</span>
                                        <button on:click=move |_| { hapus.dispatch(id); }>"Hapus"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <p class="muted">{format!("Kode pemulihan tersisa: {}", m.sisa_pemulihan)}</p>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <Show when=move || codes.get().is_some()>
                <KodePemulihan codes=codes.get().unwrap_or_default() on_done=move || codes.set(None)/>
            </Show>
            <Show when=move || adding.get() || adding_passkey.get() fallback=move || view! {
                <button on:click=move |_| { start_passkey.dispatch(()); }>"Tambah passkey"</button>
                <button on:click=move |_| { start.dispatch(()); }>"Tambah aplikasi autentikator"</button>
                <button on:click=move |_| { ulang.dispatch(()); }>"Buat kode pemulihan baru"</button>
            }>
                <Show when=move || adding.get() fallback=move || view! {
                    <DaftarPasskey on_done=move || { adding_passkey.set(false); tick.update(|t| *t += 1); }/>
                }>
                    <DaftarTotp on_done=move || { adding.set(false); tick.update(|t| *t += 1); }/>
                </Show>
            </Show>
        </section>
    }
}

/// The step-up dialog's state, provided by the page frame: the step to repeat once the
/// user has confirmed.
#[derive(Clone, Copy)]
pub struct StepUp(RwSignal<Option<std::sync::Arc<dyn Fn() + Send + Sync>>>);

impl StepUp {
    pub fn provide() -> StepUp {
        let s = StepUp(RwSignal::new(None));
        provide_context(s);
        s
    }

    /// Whether a step waits for the user to confirm.
    pub fn is_open(&self) -> bool {
        self.0.with(Option::is_some)
    }

    /// Opens the dialog; `retry` runs after the user confirmed.
    pub fn ask(&self, retry: impl Fn() + Send + Sync + 'static) {
        self.0.set(Some(std::sync::Arc::new(retry)));
    }
}

/// When `value` (an action's answer) asks for a step-up, opens the dialog and afterwards
/// dispatches the same `input` again through `redo`.
pub fn step_up_retry<I, O>(
    input: impl Fn() -> Option<I> + Send + Sync + 'static,
    value: impl Fn() -> Option<Result<O, AppError>> + Send + Sync + 'static,
    redo: impl Fn(I) + Clone + Send + Sync + 'static,
) where
    I: Clone + Send + Sync + 'static,
    O: 'static,
{
    let Some(dialog) = use_context::<StepUp>() else { return };
    let last = StoredValue::new(None::<I>);
    Effect::new(move |_| {
        if let Some(i) = input() {
            last.set_value(Some(i));
        }
    });
    Effect::new(move |_| {
        if let Some(Err(AppError::StepUp(_))) = value()
            && let Some(i) = last.get_value()
        {
            let redo = redo.clone();
            dialog.ask(move || redo(i.clone()));
        }
    });
}

/// The dialog itself, in the page frame.
#[component]
pub fn StepUpDialog(dialog: StepUp) -> impl IntoView {
    let ulang = ServerAction::<AuthUlang>::new();
    let password = NodeRef::<leptos::html::Input>::new();
    let passkey = Action::new_local(move |(): &()| {
        let typed = password.get_untracked().map(|i| i.value()).unwrap_or_default();
        passkey_masuk(async move |c| auth_ulang_passkey(typed, c).await)
    });
    let passkey_error = move || passkey.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    Effect::new(move |_| {
        if let Some(Ok(())) = passkey.value().get()
            && let Some(retry) = dialog.0.get_untracked()
        {
            dialog.0.set(None);
            passkey.value().set(None);
            retry();
        }
    });
    let pemulihan = RwSignal::new(false);
    let error = move || match ulang.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = ulang.value().get()
            && let Some(retry) = dialog.0.get_untracked()
        {
            dialog.0.set(None);
            ulang.clear();
            retry();
        }
    });
    view! {
        <Show when=move || dialog.0.get().is_some()>
            <Modal title="Konfirmasi identitas" on_close=move || { dialog.0.set(None); ulang.clear(); }>
                <p>"Langkah ini perlu konfirmasi: masukkan lagi kata sandi Anda, dan kode dari aplikasi autentikator bila Anda memakainya."</p>
                <ActionForm action=ulang>
                    <label for="ulang-password">"Kata sandi"</label>
                    <input id="ulang-password" name="password" type="password" autocomplete="current-password" required node_ref=password/>
                    <label for="ulang-kode">{move || if pemulihan.get() { "Kode pemulihan" } else { "Kode aplikasi autentikator (bila ada)" }}</label>
                    <input id="ulang-kode" name="kode" type="text" autocomplete="one-time-code" autocapitalize="none"/>
                    <Show when=move || pemulihan.get()>
                        <input type="hidden" name="pemulihan" value="1"/>
                    </Show>
                    <Show when=move || error().is_some()>
                        <p class="error" role="alert">{error}</p>
                    </Show>
                    <button type="submit" class="primary" disabled=move || ulang.pending().get()>"Konfirmasi"</button>
                </ActionForm>
                <button class="link" on:click=move |_| pemulihan.update(|p| *p = !*p)>
                    {move || if pemulihan.get() { "Pakai kode aplikasi autentikator" } else { "Pakai kode pemulihan" }}
                </button>
                <button on:click=move |_| { passkey.dispatch(()); } disabled=move || passkey.pending().get()>
                    "Konfirmasi dengan passkey"
                </button>
                <Show when=move || passkey_error().is_some()>
                    <p class="error" role="alert">{passkey_error}</p>
                </Show>
            </Modal>
        </Show>
    }
}
