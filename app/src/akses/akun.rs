//! "Akun": the user's own sessions ("Sesi saya": list, end one, end all others) and second
//! factors.

use crate::sistem::error::AppError;
use crate::sistem::komponen::{Notice, NoticeBar};
use domain::SesiId;
use domain::sesi::SesiInfo;
use leptos::prelude::*;

/// The caller's own sessions, newest first.
#[server(endpoint = "sesi_daftar")]
pub async fn sesi_daftar() -> Result<Vec<SesiInfo>, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::sesi::daftar(&state.pool, &caller, &state.limits, state.clock.now()).await?)
}

/// Ends one of the caller's other sessions.
#[server(endpoint = "sesi_akhiri")]
pub async fn sesi_akhiri(id: SesiId) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::sesi::akhiri(&state.pool, &caller, id).await?)
}

/// Ends all the caller's sessions but this one.
#[server(endpoint = "sesi_akhiri_lain")]
pub async fn sesi_akhiri_lain() -> Result<u64, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::sesi::akhiri_lain(&state.pool, &caller).await?)
}

/// `/akun`.
#[component]
pub fn AkunPage() -> impl IntoView {
    crate::akses::layout::logged_in(|_| {
        view! {
            <SesiSaya/>
            <crate::akses::faktor::FaktorSaya/>
            <section class="card"><h2>"Kata sandi"</h2><a class="button" href="/sandi/ganti">"Ganti kata sandi"</a></section>
        }
        .into_any()
    })
}

#[component]
fn SesiSaya() -> impl IntoView {
    let notice = RwSignal::new(None::<Notice>);
    let tick = RwSignal::new(0u32);
    let sesi = Resource::new(move || tick.get(), |_| sesi_daftar());
    let akhiri = Action::new(move |id: &SesiId| {
        let id = *id;
        async move {
            let r = sesi_akhiri(id).await;
            notice.set(Some(match r {
                Ok(()) => Notice::ok("Sesi itu telah diakhiri."),
                Err(e) => Notice { ok: false, text: e.to_string() },
            }));
            tick.update(|t| *t += 1);
        }
    });
    let lain = Action::new(move |(): &()| async move {
        let r = sesi_akhiri_lain().await;
        notice.set(Some(match r {
            Ok(n) => Notice::ok(format!("{n} sesi lain telah diakhiri.")),
            Err(e) => Notice { ok: false, text: e.to_string() },
        }));
        tick.update(|t| *t += 1);
    });
    view! {
        <section class="card" aria-labelledby="sesi-title">
            <h1 id="sesi-title">"Sesi saya"</h1>
            <p class="muted">"Tempat Anda sedang masuk. Akhiri sesi yang tidak Anda kenali, lalu ganti kata sandi."</p>
            <NoticeBar notice/>
            <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
                {move || sesi.get().map(|r| match r {
                    Ok(rows) => view! {
                        <div class="table-wrap">
                            <table class="sesi">
                                <caption class="sr-only">"Sesi yang sedang berjalan"</caption>
                                <thead><tr><th scope="col">"Perangkat"</th><th scope="col">"Alamat"</th><th scope="col">"Masuk (WIB)"</th><th scope="col">"Terakhir aktif (WIB)"</th><th scope="col"></th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|s| {
                                        let id = s.id;
                                        view! {
                                            <tr>
                                                <td>{s.browser.clone().unwrap_or_else(|| "Peramban".into())}</td>
                                                <td>{s.addr.clone().unwrap_or_default()}</td>
                                                <td>{domain::format::wib_ms(s.dibuat_ms)}</td>
                                                <td>{domain::format::wib_ms(s.terakhir_ms)}</td>
                                                <td>{if s.ini {
                                                    view! { <strong>"Sesi ini"</strong> }.into_any()
                                                } else {
                                                    view! { <button on:click=move |_| { akhiri.dispatch(id); }>"Akhiri"</button> }.into_any()
                                                }}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <button on:click=move |_| { lain.dispatch(()); } disabled=move || lain.pending().get()>"Akhiri semua sesi lain"</button>
        </section>
    }
}
