//! The step-up dialog before the sensitive clicks: the password again and, when the user has
//! one, a code or a passkey; the click is repeated after it.

use crate::akses::passkey::passkey_masuk;
#[cfg(feature = "ssr")]
use crate::akses::passkey::{origin, take_ceremony};
use crate::sistem::error::AppError;
use crate::sistem::komponen::Modal;
use leptos::prelude::*;

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
