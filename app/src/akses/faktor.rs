//! Second factors: enrolling an authenticator app or a passkey (with the recovery codes of a
//! first factor), and the factors on the account page.

#[cfg(feature = "ssr")]
use crate::akses::passkey::{keep_ceremony, origin, take_ceremony};
use crate::akses::ulang::{auth_segar, step_up_retry};
use crate::sistem::error::AppError;
use crate::sistem::komponen::{Notice, NoticeBar};
use domain::FaktorId;
use domain::faktor::{Milik, TotpBaru};
use leptos::prelude::*;

/// The logged-in user's factors.
#[server(endpoint = "faktor_daftar")]
pub async fn faktor_daftar() -> Result<Milik, AppError> {
    let (state, _, actor, _) = crate::sistem::ssr::subjek(false).await?;
    Ok(backend::akses::faktor::milik(&state.pool, actor.user_id).await?)
}

/// A new authenticator-app secret to scan; kept in the session until a code confirms it.
#[server(endpoint = "faktor_totp_baru")]
pub async fn faktor_totp_baru() -> Result<TotpBaru, AppError> {
    let (_, _, actor, _) = crate::sistem::ssr::subjek(true).await?;
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
    let (state, caller, _, pending) = crate::sistem::ssr::subjek(true).await?;
    let session = crate::sistem::ssr::session().await?;
    let Some(secret) = session.get::<String>(TOTP_KEY).await? else {
        return Err(backend::Error::Rule("Pindai kode QR lebih dulu.".into()).into());
    };
    let codes = backend::akses::faktor::daftarkan_totp(
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
    pending: Option<crate::sistem::ssr::MasukTertunda>,
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

/// Starts enrolling a passkey: the options for `navigator.credentials.create`.
#[server(endpoint = "passkey_daftarkan_mulai")]
pub async fn passkey_daftarkan_mulai() -> Result<String, AppError> {
    let (state, _, actor, _) = crate::sistem::ssr::subjek(true).await?;
    keep_ceremony(backend::akses::passkey::daftarkan_mulai(&state.pool, &actor, &origin(&state).await?).await?).await
}

/// Finishes the enrolment with the browser's credential; the recovery codes when it is the
/// user's first factor.
#[server(endpoint = "passkey_daftarkan_selesai")]
pub async fn passkey_daftarkan_selesai(credential: String) -> Result<Vec<String>, AppError> {
    let (state, caller, _, pending) = crate::sistem::ssr::subjek(true).await?;
    let ceremony = take_ceremony("Mulai pendaftaran passkey lebih dulu.").await?;
    let origin = origin(&state).await?;
    let jawaban = backend::akses::passkey::Jawaban { origin: &origin, state: &ceremony, credential: &credential };
    let codes = backend::akses::passkey::daftarkan_selesai(&state.pool, &caller, jawaban, state.clock.now()).await?;
    enrolled(&crate::sistem::ssr::session().await?, pending).await?;
    Ok(codes)
}

/// A whole passkey enrolment from the page; the recovery codes of a first factor.
async fn passkey_daftarkan() -> Result<Vec<String>, AppError> {
    let options = passkey_daftarkan_mulai().await?;
    let credential = crate::akses::webauthn::create(&options).await.map_err(AppError::Refused)?;
    passkey_daftarkan_selesai(credential).await
}

/// Enrols an authenticator app: the QR code (and the secret to type by hand), then its
/// first code; then the recovery codes, once.
#[component]
pub fn DaftarkanTotp(on_done: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
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
pub fn DaftarkanPasskey(on_done: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let daftar = Action::new_local(|(): &()| passkey_daftarkan());
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
                    <DaftarkanPasskey on_done=move || { adding_passkey.set(false); tick.update(|t| *t += 1); }/>
                }>
                    <DaftarkanTotp on_done=move || { adding.set(false); tick.update(|t| *t += 1); }/>
                </Show>
            </Show>
        </section>
    }
}
