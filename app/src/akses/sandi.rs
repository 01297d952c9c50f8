//! Passwords: the set-password page a link opens (`/sandi?token=…`, no login) and
//! "Ganti kata sandi" (`/sandi/ganti`). The rules are `backend::akses::pengguna::check_password`.

use crate::sistem::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The username a link is for, or why the link does not work.
#[server(endpoint = "sandi_pemilik")]
pub async fn sandi_pemilik(token: String) -> Result<String, AppError> {
    let state = crate::sistem::ssr::state()?;
    Ok(backend::akses::pengguna::pemilik_tautan(&state.pool, &token, state.clock.now()).await?)
}

#[cfg(feature = "ssr")]
fn same(password: &str, ulang: &str) -> Result<(), AppError> {
    if password == ulang {
        return Ok(());
    }
    let mut fields = domain::validate::FieldErrors::default();
    fields.add("ulang", "Kata sandi ulangan tidak sama.");
    Err(AppError::Invalid(fields))
}

/// Sets the password through the link.
#[server(endpoint = "sandi_atur")]
pub async fn sandi_atur(token: String, password: String, ulang: String) -> Result<String, AppError> {
    same(&password, &ulang)?;
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::pengguna::atur_sandi(
        &state.pool,
        caller.addr().map(str::to_owned),
        &token,
        &password,
        state.clock.now(),
    )
    .await?)
}

/// Changes the logged-in user's password.
#[server(endpoint = "sandi_ganti")]
pub async fn sandi_ganti(lama: String, baru: String, ulang: String) -> Result<(), AppError> {
    same(&baru, &ulang)?;
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::akses::pengguna::ganti_sandi(&state.pool, &caller, &lama, &baru, state.clock.now()).await?)
}

const RULES: &str = "Minimal 12 karakter, boleh huruf, angka, spasi dan tanda apa saja. Kata sandi yang umum \
                     atau dibangun dari nama, username, kode satker atau kata SAKTI ditolak. Beberapa kata acak \
                     yang mudah Anda ingat adalah pilihan yang baik.";

/// A field's message from a refused submission.
fn field_error(result: Option<Result<impl Clone, AppError>>, field: &'static str) -> Option<String> {
    result.and_then(|r| r.err()).and_then(|e| e.fields().and_then(|f| f.0.get(field).cloned()))
}

/// One password input with its label and the message that refused it. A `new` password gets
/// the length limits and the browser's password manager offers to save it.
#[component]
fn PasswordField(name: &'static str, label: &'static str, new: bool, error: Signal<Option<String>>) -> impl IntoView {
    let (autocomplete, min) = if new { ("new-password", "12") } else { ("current-password", "1") };
    view! {
        <label for=name>{label}</label>
        <input id=name name=name type="password" autocomplete=autocomplete minlength=min maxlength="128" required
            aria-invalid=move || error.get().is_some().to_string()/>
        <Show when=move || error.get().is_some()>
            <p class="error" role="alert">{move || error.get()}</p>
        </Show>
    }
}

/// `/sandi?token=…`: the page a set-password link opens.
#[component]
pub fn SandiPage() -> impl IntoView {
    let token = move || use_query_map().get().get("token").unwrap_or_default();
    let pemilik = Resource::new(token, sandi_pemilik);
    let atur = ServerAction::<SandiAtur>::new();
    let error_of = move |field| field_error(atur.value().get(), field);
    let general =
        move || atur.value().get().and_then(|r| r.err()).filter(|e| e.fields().is_none()).map(|e| e.to_string());
    view! {
        <main class="login">
            <section class="card login-card" aria-labelledby="sandi-title">
                <h1 id="sandi-title">"Atur kata sandi"</h1>
                <Suspense fallback=|| view! { <p class="muted">"Memeriksa tautan…"</p> }>
                    {move || pemilik.get().map(|r| match r {
                        Err(e) => view! {
                            <p class="notice error" role="alert">{e.to_string()}</p>
                            <p><a href="/login">"Ke halaman masuk"</a></p>
                        }.into_any(),
                        Ok(_) if matches!(atur.value().get(), Some(Ok(_))) => view! {
                            <p role="status" class="notice ok">"Kata sandi tersimpan. Silakan masuk dengan kata sandi baru."</p>
                            <p><a class="button primary" href="/login">"Masuk"</a></p>
                        }.into_any(),
                        Ok(username) => view! {
                            <p class="muted">"Untuk user " <strong>{username.clone()}</strong> "."</p>
                            <p class="muted">{RULES}</p>
                            <ActionForm action=atur>
                                <input type="hidden" name="token" value=token()/>
                                <input type="text" name="username" value=username autocomplete="username" hidden/>
                                <PasswordField name="password" label="Kata sandi baru" new=true
                                    error=Signal::derive(move || error_of("password"))/>
                                <PasswordField name="ulang" label="Ulangi kata sandi" new=true
                                    error=Signal::derive(move || error_of("ulang"))/>
                                <Show when=move || general().is_some()>
                                    <p class="error" role="alert">{general}</p>
                                </Show>
                                <button type="submit" class="primary" disabled=move || atur.pending().get()>
                                    {move || if atur.pending().get() { "Menyimpan…" } else { "Simpan kata sandi" }}
                                </button>
                            </ActionForm>
                        }.into_any(),
                    })}
                </Suspense>
            </section>
        </main>
    }
}

/// `/sandi/ganti`: "Ganti kata sandi" for the logged-in user.
#[component]
pub fn GantiSandiPage() -> impl IntoView {
    crate::akses::layout::logged_in(|_| view! { <GantiSandi/> }.into_any())
}

#[component]
fn GantiSandi() -> impl IntoView {
    let ganti = ServerAction::<SandiGanti>::new();
    let error_of = move |field| field_error(ganti.value().get(), field);
    let general =
        move || ganti.value().get().and_then(|r| r.err()).filter(|e| e.fields().is_none()).map(|e| e.to_string());
    let done = move || matches!(ganti.value().get(), Some(Ok(())));
    view! {
        <section class="card" aria-labelledby="ganti-title">
            <h1 id="ganti-title">"Ganti kata sandi"</h1>
            <p class="muted">{RULES}</p>
            <Show when=done>
                <p role="status" class="notice ok">"Kata sandi diganti."</p>
            </Show>
            <ActionForm action=ganti>
                <PasswordField name="lama" label="Kata sandi sekarang" new=false
                    error=Signal::derive(move || error_of("lama"))/>
                <PasswordField name="baru" label="Kata sandi baru" new=true
                    error=Signal::derive(move || error_of("baru"))/>
                <PasswordField name="ulang" label="Ulangi kata sandi baru" new=true
                    error=Signal::derive(move || error_of("ulang"))/>
                <Show when=move || general().is_some()>
                    <p class="error" role="alert">{general}</p>
                </Show>
                <button type="submit" class="primary" disabled=move || ganti.pending().get()>"Ganti kata sandi"</button>
            </ActionForm>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn a_repeated_password_that_differs_is_refused_on_its_own_field() {
        assert_eq!(same("kuda baterai staples", "kuda baterai staples"), Ok(()));
        let refused = same("kuda baterai staples", "kuda baterai stapler").unwrap_err();
        assert_eq!(
            field_error(Some(Err::<(), _>(refused)), "ulang").as_deref(),
            Some("Kata sandi ulangan tidak sama.")
        );
    }

    #[test]
    fn a_field_shows_only_its_own_message() {
        let mut fields = domain::validate::FieldErrors::default();
        fields.add("baru", "Terlalu pendek.");
        let refused: Option<Result<(), AppError>> = Some(Err(AppError::Invalid(fields)));
        assert_eq!(field_error(refused.clone(), "baru").as_deref(), Some("Terlalu pendek."));
        assert_eq!(field_error(refused, "lama"), None);
        assert_eq!(field_error(Some(Err::<(), _>(AppError::Unavailable)), "baru"), None, "not a field's");
        assert_eq!(field_error(Some(Ok(())), "baru"), None);
        assert_eq!(field_error(None::<Result<(), AppError>>, "baru"), None);
    }
}
