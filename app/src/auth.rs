//! Login, logout and "who am I": the server functions and the login page.

use crate::error::AppError;
use domain::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The logged-in user as the interface shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    pub nama: String,
    pub role: Role,
    /// Satker code and name, or the KPPN for the CSO.
    pub unit_kode: String,
    pub unit_nama: String,
}

#[server(endpoint = "auth_login")]
pub async fn auth_login(username: String, password: String) -> Result<(), AppError> {
    use crate::ssr::{USER_KEY, caller, session};
    let (state, caller) = caller().await?;
    let actor = backend::auth::login(&state.pool, caller.addr, &username, &password).await?;
    let session = session().await?;
    // a new id on login: a session id seen before login is worth nothing after it
    session.cycle_id().await.map_err(|_| AppError::Internal)?;
    session.insert(USER_KEY, actor.user_id).await.map_err(|_| AppError::Internal)?;
    leptos_axum::redirect(home(actor.role));
    Ok(())
}

/// Where a role starts: the CSO at its console, the operator at the import, everyone else
/// at the Tabel Pejabat.
pub fn home(role: Role) -> &'static str {
    use domain::authz::{Action, role_may};
    if role_may(role, Action::KonsolCso) {
        "/cso"
    } else if role_may(role, Action::Impor) {
        "/impor"
    } else {
        "/pejabat"
    }
}

#[server(endpoint = "auth_logout")]
pub async fn auth_logout() -> Result<(), AppError> {
    use crate::ssr::{caller, session};
    let (state, caller) = caller().await?;
    backend::auth::logout(&state.pool, &caller).await?;
    session().await?.flush().await.map_err(|_| AppError::Internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in user. Without a session it answers `Unauthenticated` and redirects the
/// page (or the browser, when called from it) to the login page.
#[server(endpoint = "auth_whoami")]
pub async fn auth_whoami() -> Result<Me, AppError> {
    use crate::ssr::caller;
    let (state, caller) = caller().await?;
    let Some(actor) = caller.actor else {
        // called over HTTP (not while rendering a page on the server): answer 401
        let parts = leptos_axum::extract::<axum::http::request::Parts>().await.ok();
        if parts.is_some_and(|p| p.uri.path().starts_with("/api/"))
            && let Some(res) = use_context::<leptos_axum::ResponseOptions>()
        {
            res.set_status(axum::http::StatusCode::UNAUTHORIZED);
        }
        leptos_axum::redirect("/login");
        return Err(AppError::Unauthenticated("Silakan masuk terlebih dahulu.".into()));
    };
    let unit = backend::auth::unit_of(&state.pool, &actor).await?;
    Ok(Me { username: actor.username, nama: actor.nama, role: actor.role, unit_kode: unit.kode, unit_nama: unit.nama })
}

/// The login page: SAKTI username and password.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<AuthLogin>::new();
    let error = move || login.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    view! {
        <main class="login">
            <section class="card login-card" aria-labelledby="login-title">
                <h1 id="login-title">"Aktivasi OTP SAKTI"</h1>
                <p class="muted">"Masuk dengan user SAKTI Anda."</p>
                <ActionForm action=login>
                    <label for="username">"Username"</label>
                    <input id="username" name="username" type="text" autocomplete="username"
                        autocapitalize="none" spellcheck="false" required/>
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                    <Show when=move || error().is_some()>
                        <p class="error" role="alert">{error}</p>
                    </Show>
                    <button type="submit" class="primary" disabled=move || login.pending().get() aria-busy=move || login.pending().get().to_string()>
                        {move || if login.pending().get() { "Memproses…" } else { "Masuk" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}

/// The "Keluar" button.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let logout = ServerAction::<AuthLogout>::new();
    view! {
        <ActionForm action=logout attr:class="logout">
            <button type="submit" disabled=move || logout.pending().get() aria-busy=move || logout.pending().get().to_string()>"Keluar"</button>
        </ActionForm>
    }
}
