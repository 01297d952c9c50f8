//! `/pengguna`: what the Admin Lokal, the CSO and the operator do for the users they manage:
//! a set-password link (an invitation, or a reset), ending their sessions, lifting a lock,
//! resetting their second factor.

use crate::sistem::error::AppError;
use crate::sistem::komponen::{Notice, NoticeBar};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A set-password link as the page reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TautanBaru {
    pub username: String,
    /// A reset: the user had a password, which no longer works.
    pub reset: bool,
    pub berlaku_ms: i64,
    /// The link, when it is the issuer's to pass on (the user has no email it could go to).
    pub url: Option<String>,
    /// The masked address it was emailed to otherwise.
    pub email: Option<String>,
}

/// Issues a set-password link: an invitation for a user without a password, a reset (the
/// current password stops working) for anyone else. After a recent authentication only.
#[server(endpoint = "pengguna_tautan")]
pub async fn pengguna_tautan(username: String) -> Result<TautanBaru, AppError> {
    use backend::akses::pengguna::{Jalan, Kirim, Tujuan};
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let headers = leptos_axum::extract::<axum::http::HeaderMap>().await.unwrap_or_default();
    let base = crate::sistem::http::base_url(&state, &headers);
    let kirim = Kirim { base: &base, surel: state.email };
    let tautan = backend::akses::pengguna::tautan(&state.pool, &caller, &username, kirim, state.clock.now()).await?;
    Ok(TautanBaru {
        url: tautan.url(&base),
        reset: tautan.tujuan == Tujuan::Reset,
        berlaku_ms: tautan.expires_at.timestamp_millis(),
        email: match tautan.jalan {
            Jalan::Surel { ke } => Some(ke),
            Jalan::Tampil { .. } => None,
        },
        username: tautan.username,
    })
}

/// Ends every session of a user the caller manages.
#[server(endpoint = "pengguna_akhiri_sesi")]
pub async fn pengguna_akhiri_sesi(username: String) -> Result<u64, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::pengguna::akhiri_sesi(&state.pool, &caller, &username).await?)
}

/// Lifts the lock of a user the caller manages.
#[server(endpoint = "pengguna_buka_kunci")]
pub async fn pengguna_buka_kunci(username: String) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::pengguna::buka_kunci(&state.pool, &caller, &username, state.clock.now()).await?)
}

/// Removes the second factors of a user the caller manages (after a step-up).
#[server(endpoint = "pengguna_reset_faktor")]
pub async fn pengguna_reset_faktor(username: String) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::pengguna::reset_faktor(&state.pool, &caller, &username, state.clock.now()).await?)
}

/// `/pengguna`: set-password links for the users one manages.
#[component]
pub fn PenggunaPage() -> impl IntoView {
    crate::akses::layout::logged_in(|_| view! { <Pengguna/><KelolaPengguna/> }.into_any())
}

#[component]
fn Pengguna() -> impl IntoView {
    let tautan = ServerAction::<PenggunaTautan>::new();
    // a link is a way into the account: it asks for the password again first
    crate::akses::ulang::step_up_retry(
        move || tautan.input().get(),
        move || tautan.value().get(),
        move |i| {
            tautan.dispatch(i);
        },
    );
    view! {
        <section class="card" aria-labelledby="pengguna-title">
            <h1 id="pengguna-title">"Tautan kata sandi"</h1>
            <p class="muted">"Tautan sekali pakai, berlaku 72 jam, untuk pengguna yang Anda kelola: Admin Lokal untuk \
                pengguna satkernya, CSO untuk Admin Lokal satker mitra KPPN-nya. Pengguna yang sudah punya kata \
                sandi mendapat reset: kata sandinya langsung tidak berlaku. Tautan dikirim ke email terdaftar \
                pengguna; hanya bila tidak ada, tautan ditampilkan di sini untuk Anda berikan kepada pengguna itu \
                sendiri."</p>
            <ActionForm action=tautan>
                <label for="username">"Username"</label>
                <input id="username" name="username" type="text" autocapitalize="none" spellcheck="false" required/>
                <button type="submit" class="primary" disabled=move || tautan.pending().get()>"Buat tautan"</button>
            </ActionForm>
            {move || tautan.value().get().map(|r| match r {
                Ok(t) => {
                    let jenis = if t.reset { "Reset kata sandi" } else { "Undangan" };
                    let sampai = domain::format::wib_ms(t.berlaku_ms);
                    view! {
                        <div class="notice ok" role="status">
                            {match (t.url, t.email) {
                                (Some(url), _) => view! {
                                    <p>{format!("{jenis}: tautan untuk {} (berlaku sampai {sampai}). Tidak ada email terdaftar; berikan hanya kepada pengguna itu:", t.username)}</p>
                                    <p><code class="tautan">{url}</code></p>
                                }.into_any(),
                                (None, ke) => view! {
                                    <p>{format!("{jenis}: tautan untuk {} dikirim ke email terdaftar {} (berlaku sampai {sampai}).", t.username, ke.unwrap_or_default())}</p>
                                }.into_any(),
                            }}
                        </div>
                    }.into_any()
                }
                Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}

/// The session and lock actions on a user the caller manages, on the "Pengguna" page.
#[component]
pub fn KelolaPengguna() -> impl IntoView {
    let notice = RwSignal::new(None::<Notice>);
    let akhiri = ServerAction::<PenggunaAkhiriSesi>::new();
    let buka = ServerAction::<PenggunaBukaKunci>::new();
    let reset = ServerAction::<PenggunaResetFaktor>::new();
    crate::akses::ulang::step_up_retry(
        move || reset.input().get(),
        move || reset.value().get(),
        move |i| {
            reset.dispatch(i);
        },
    );
    Effect::new(move |_| match reset.value().get() {
        Some(Ok(())) => {
            notice.set(Some(Notice::ok("Faktor kedua pengguna itu direset; ia mendaftar lagi saat masuk berikutnya.")))
        }
        Some(Err(AppError::StepUp(_))) | None => {}
        Some(Err(e)) => notice.set(Some(Notice { ok: false, text: e.to_string() })),
    });
    Effect::new(move |_| {
        if let Some(r) = akhiri.value().get() {
            notice.set(Some(match r {
                Ok(n) => Notice::ok(format!("{n} sesi pengguna itu telah diakhiri.")),
                Err(e) => Notice { ok: false, text: e.to_string() },
            }));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = buka.value().get() {
            notice.set(Some(match r {
                Ok(()) => Notice::ok("Kunci akun telah dibuka; hitungan gagal masuk mulai dari nol."),
                Err(e) => Notice { ok: false, text: e.to_string() },
            }));
        }
    });
    view! {
        <section class="card" aria-labelledby="kelola-title">
            <h2 id="kelola-title">"Sesi, kunci dan faktor kedua"</h2>
            <p class="muted">"Akhiri semua sesi pengguna (misalnya perangkatnya hilang), buka kunci akun setelah terlalu banyak gagal masuk, atau reset faktor keduanya bila ponselnya hilang."</p>
            <NoticeBar notice/>
            <ActionForm action=akhiri>
                <label for="akhiri-username">"Akhiri sesi milik (username)"</label>
                <input id="akhiri-username" name="username" type="text" autocapitalize="none" spellcheck="false" required/>
                <button type="submit" disabled=move || akhiri.pending().get()>"Akhiri semua sesi"</button>
            </ActionForm>
            <ActionForm action=buka>
                <label for="buka-username">"Buka kunci akun (username)"</label>
                <input id="buka-username" name="username" type="text" autocapitalize="none" spellcheck="false" required/>
                <button type="submit" disabled=move || buka.pending().get()>"Buka kunci"</button>
            </ActionForm>
            <ActionForm action=reset>
                <label for="reset-username">"Reset faktor kedua milik (username)"</label>
                <input id="reset-username" name="username" type="text" autocapitalize="none" spellcheck="false" required/>
                <button type="submit" disabled=move || reset.pending().get()>"Reset faktor kedua"</button>
            </ActionForm>
        </section>
    }
}
