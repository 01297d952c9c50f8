//! The phone simulator (`/hp`): what each number received from the built-in SMS gateway.
//! Demos and the browser tests read their codes here.

use crate::sistem::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pesan {
    pub id: i64,
    pub body: String,
    pub received_ms: i64,
}

#[server(endpoint = "hp_nomor")]
pub async fn hp_nomor() -> Result<Vec<String>, AppError> {
    let state = crate::sistem::ssr::state()?;
    if !state.simulator {
        return Err(AppError::NotFound("Simulator HP tidak aktif.".into()));
    }
    Ok(backend::kirim::sms::phones(&state.pool).await?)
}

#[server(endpoint = "hp_pesan")]
pub async fn hp_pesan(phone: String) -> Result<Vec<Pesan>, AppError> {
    let state = crate::sistem::ssr::state()?;
    if !state.simulator {
        return Err(AppError::NotFound("Simulator HP tidak aktif.".into()));
    }
    let phone = domain::validate::phone(&phone).map_err(AppError::Refused)?;
    let inbox = backend::kirim::sms::inbox(&state.pool, &phone, 50).await?;
    Ok(inbox
        .into_iter()
        .map(|m| Pesan { id: m.id, body: m.body, received_ms: m.received_at.timestamp_millis() })
        .collect())
}

/// The simulator's switch for `phone`: `Some(gagal)` sets it, `None` reads it. While on,
/// the simulator refuses the number's messages like a gateway that is down (the dialog then
/// shows "gagal").
#[server(endpoint = "hp_gateway_gagal")]
pub async fn hp_gateway_gagal(phone: String, gagal: Option<bool>) -> Result<bool, AppError> {
    let state = crate::sistem::ssr::state()?;
    if !state.simulator {
        return Err(AppError::NotFound("Simulator HP tidak aktif.".into()));
    }
    let phone = domain::validate::phone(&phone).map_err(AppError::Refused)?;
    if let Some(gagal) = gagal {
        backend::kirim::sms::simulator_gagal(&state.pool, &phone, gagal).await?;
    }
    Ok(backend::kirim::sms::simulator_gagal_aktif(&state.pool, &phone).await?)
}

/// The demo's authenticator app: the current code of each demo staff account (their secrets
/// are fixed by the demo seed, `backend::provisi::demo::totp_secret`).
#[server(endpoint = "hp_autentikator")]
pub async fn hp_autentikator() -> Result<Vec<(String, String)>, AppError> {
    let state = crate::sistem::ssr::state()?;
    if !state.simulator {
        return Err(AppError::NotFound("Simulator HP tidak aktif.".into()));
    }
    let now = state.clock.now();
    backend::provisi::demo::staff()
        .map(|u| {
            Ok((u.to_owned(), backend::akses::faktor::kode_totp(&backend::provisi::demo::totp_secret(u), u, now)?))
        })
        .collect::<Result<_, backend::Error>>()
        .map_err(AppError::from)
}

#[component]
pub fn HpPage() -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let phone = RwSignal::new(String::new());
    let numbers = Resource::new(move || tick.get(), |_| hp_nomor());
    // each answer says whose messages it holds: the inbox names the number it shows
    let messages = Resource::new(
        move || (phone.get(), tick.get()),
        |(phone, _)| async move {
            let list = if phone.is_empty() { vec![] } else { hp_pesan(phone.clone()).await? };
            Ok::<_, AppError>((phone, list))
        },
    );
    let shown = move || messages.get().and_then(Result::ok).map(|(phone, _)| phone);
    let codes = Resource::new(move || tick.get() / 5, |_| hp_autentikator());
    let switch = Action::new(|(phone, gagal): &(String, Option<bool>)| hp_gateway_gagal(phone.clone(), *gagal));
    Effect::new(move |_| {
        let phone = phone.get();
        if !phone.is_empty() {
            switch.dispatch((phone, None));
        }
    });
    let down = move || matches!(switch.value().get(), Some(Ok(true)));
    crate::sistem::live::every(std::time::Duration::from_millis(1000), move || tick.update(|t| *t += 1));
    view! {
        <main class="page hp">
            <h1>"Simulator HP"</h1>
            <p class="muted">"SMS dari gateway bawaan. Pilih nomor untuk membaca pesannya (terbaru di atas)."</p>
            <div class="field">
                <label for="hp-nomor">"Nomor HP"</label>
                <input id="hp-nomor" type="tel" prop:value=move || phone.get()
                    on:change=move |ev| phone.set(event_target_value(&ev))/>
            </div>
            // a list of buttons: each number is announced as a button (in a list), not as a
            // list item that happens to be clickable
            <ul class="numbers" aria-label="Nomor yang menerima SMS">
                <Transition fallback=|| ()>
                    {move || numbers.get().map(|r| match r {
                        Ok(list) => list.into_iter().map(|n| {
                            let label = n.clone();
                            let chosen = n.clone();
                            let pressed = move || phone.with(|p| *p == n);
                            view! {
                                <li><button type="button" aria-pressed=move || pressed().to_string()
                                    on:click=move |_| phone.set(chosen.clone())>{label}</button></li>
                            }
                        }).collect_view().into_any(),
                        Err(e) => view! { <li class="error">{e.to_string()}</li> }.into_any(),
                    })}
                </Transition>
            </ul>
            <ol class="inbox" aria-label="Pesan masuk" aria-live="polite" data-nomor=shown>
                <Transition fallback=|| ()>
                    {move || messages.get().map(|r| match r {
                        Ok((_, list)) => list.into_iter().map(|m| view! {
                            <li class="sms">
                                <p class="sms-body">{m.body}</p>
                                <p class="muted mono">{domain::format::wib_ms(m.received_ms)} " WIB"</p>
                            </li>
                        }).collect_view().into_any(),
                        Err(e) => view! { <li class="error">{e.to_string()}</li> }.into_any(),
                    })}
                </Transition>
            </ol>
            <Show when=move || !phone.with(String::is_empty)>
                <label class="check"><input type="checkbox" prop:checked=down disabled=move || switch.pending().get()
                    on:change=move |ev| { switch.dispatch((phone.get_untracked(), Some(event_target_checked(&ev)))); }/>
                    " Gateway gagal untuk nomor ini (latihan): SMS ke nomor ini ditolak seperti oleh gateway yang mati"</label>
            </Show>
            <section aria-labelledby="autentikator-title">
                <h2 id="autentikator-title">"Aplikasi autentikator (demo)"</h2>
                <p class="muted">"Kode faktor kedua akun staf demo, berganti tiap 30 detik."</p>
                <dl class="autentikator">
                    <Transition fallback=|| ()>
                        {move || codes.get().and_then(Result::ok).map(|list| list.into_iter().map(|(u, k)| view! {
                            <dt>{u.clone()}</dt><dd class="mono" data-username=u>{k}</dd>
                        }).collect_view())}
                    </Transition>
                </dl>
            </section>
        </main>
    }
}
