//! Login, logout, "who am I" and the session's clock: the server functions and the login
//! page. The second factor and the session list are `crate::akses::akun`.

use crate::sistem::error::AppError;
use domain::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The logged-in user as the interface shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Who holds a session is said by user id (`domain::jadwal::Pemegang`).
    pub user_id: domain::UserId,
    pub username: String,
    pub nama: String,
    pub role: Role,
    /// Satker code and name, or the KPPN for the CSO.
    pub unit_kode: String,
    pub unit_nama: String,
}

/// Checks the password. Without a second factor (a pejabat who enrolled none) the session
/// starts; otherwise the browser goes on to `/masuk/faktor` for it (or, for staff without
/// one, for its enrolment). `kembali` is where to go after login.
#[server(endpoint = "auth_login")]
pub async fn auth_login(username: String, password: String, kembali: Option<String>) -> Result<(), AppError> {
    use crate::sistem::ssr::{MasukTertunda, PENDING_KEY, caller, cookie, session};
    use backend::akses::masuk::Masuk;
    let (state, caller) = caller().await?;
    let device = cookie(state.device_cookie()).await;
    let now = state.clock.now();
    let masuk = backend::akses::masuk::login_at(
        &state.pool,
        caller.addr().map(str::to_owned),
        device.as_deref(),
        &username,
        &password,
        now,
    )
    .await?;
    let kembali = kembali.as_deref().and_then(domain::sesi::kembali).map(str::to_owned);
    let session = session().await?;
    let daftarkan = matches!(masuk, Masuk::Daftarkan(_));
    let masuk_sandi = match &masuk {
        Masuk::Faktor(_, sandi) => Some(*sandi),
        _ => None,
    };
    match masuk {
        Masuk::Selesai(actor) => {
            start(&state, &session, &actor, caller.addr().map(str::to_owned), device, kembali).await
        }
        Masuk::Faktor(actor, _) | Masuk::Daftarkan(actor) => {
            let sandi = masuk_sandi;
            session.cycle_id().await?;
            session.clear().await;
            let pending = MasukTertunda {
                user_id: actor.user_id,
                at_ms: now.timestamp_millis(),
                daftarkan,
                terdaftar: false,
                kembali,
                sandi,
            };
            session.insert(PENDING_KEY, pending).await?;
            leptos_axum::redirect("/masuk/faktor");
            Ok(())
        }
    }
}

/// Starts the session of a user who has just authenticated fully and sends the browser on:
/// a new session id (one seen before login is worth nothing after it), the session's row,
/// the known-device cookie.
#[cfg(feature = "ssr")]
pub(crate) async fn start(
    state: &crate::sistem::ssr::AppState,
    session: &tower_sessions::Session,
    actor: &backend::Actor,
    addr: Option<String>,
    device: Option<String>,
    kembali: Option<String>,
) -> Result<(), AppError> {
    use crate::sistem::ssr::{SESI_KEY, USER_KEY, header};
    use axum::http::{HeaderValue, header as h};
    let now = state.clock.now();
    let browser = header(h::USER_AGENT).await.map(|ua| domain::sesi::nama_browser(&ua));
    let sesi =
        backend::akses::sesi::mulai(&state.pool, actor.user_id, addr.as_deref(), browser.as_deref(), now).await?;
    let token = backend::akses::masuk::ingat_perangkat(&state.pool, actor.user_id, device.as_deref(), now).await?;
    session.cycle_id().await?;
    session.clear().await;
    session.insert(USER_KEY, actor.user_id).await?;
    session.insert(SESI_KEY, sesi).await?;
    let secure = if state.device_cookie().starts_with("__Host-") { "; Secure" } else { "" };
    // a year: the device is known until then (its own failure count, `domain::login`)
    let cookie =
        format!("{}={token}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict{secure}", state.device_cookie());
    if let (Some(res), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&cookie)) {
        res.append_header(h::SET_COOKIE, value);
    }
    leptos_axum::redirect(kembali.as_deref().unwrap_or(home(actor.role)));
    Ok(())
}

/// Where a role starts: the CSO at its console, Kanwil and Pusat at the progress board, the
/// operator at the import, everyone else at the Tabel Pejabat.
pub fn home(role: Role) -> &'static str {
    use domain::authz::{Action, role_may};
    if role_may(role, Action::KonsolCso) {
        "/cso"
    } else if role_may(role, Action::Pantau) {
        "/pantau"
    } else if role_may(role, Action::Impor) {
        "/impor"
    } else {
        "/pejabat"
    }
}

#[server(endpoint = "auth_logout")]
pub async fn auth_logout() -> Result<(), AppError> {
    use crate::sistem::ssr::{caller, session};
    let (state, caller) = caller().await?;
    backend::akses::masuk::logout(&state.pool, &caller).await?;
    session().await?.flush().await?;
    // the browser drops what it kept of the pages (the known-device cookie stays: it keeps
    // the user's own browser out of locks set by guessing elsewhere)
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.insert_header(
            axum::http::HeaderName::from_static("clear-site-data"),
            axum::http::HeaderValue::from_static("\"cache\", \"storage\""),
        );
    }
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in user. Without a session it answers `Unauthenticated` (or `SessionEnded`)
/// and, while a page is rendered on the server, redirects to the login page, which returns
/// to this page after login.
#[server(endpoint = "auth_whoami")]
pub async fn auth_whoami() -> Result<Me, AppError> {
    use crate::sistem::ssr::caller;
    let (state, caller) = caller().await?;
    let Some(actor) = caller.actor().cloned() else {
        let ended = use_context::<crate::sistem::error::Berakhir>();
        let parts = leptos_axum::extract::<axum::http::request::Parts>().await.ok();
        let api = parts.as_ref().is_none_or(|p| p.uri.path().starts_with("/api/"));
        if api {
            // called from the page: it goes to the login page itself
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(axum::http::StatusCode::UNAUTHORIZED);
            }
        } else {
            let path = parts.as_ref().and_then(crate::sistem::ssr::current_path);
            match ended {
                Some(_) => leptos_axum::redirect(&crate::sistem::urls::login_url(path.as_deref(), true)),
                None => leptos_axum::redirect(&crate::sistem::urls::login_url(path.as_deref(), false)),
            }
        }
        return Err(match ended {
            Some(_) => AppError::SessionEnded,
            None => AppError::Unauthenticated("Silakan masuk terlebih dahulu.".into()),
        });
    };
    let unit = backend::akses::auth::unit_of(&state.pool, &actor).await?;
    Ok(Me {
        user_id: actor.user_id,
        username: actor.username,
        nama: actor.nama,
        role: actor.role,
        unit_kode: unit.kode,
        unit_nama: unit.nama,
    })
}

/// The time left on the session, for the page's countdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SesiSisa {
    /// Seconds until the idle limit.
    pub idle_s: i64,
    /// Seconds until the absolute limit.
    pub absolute_s: i64,
}

/// The session's clock. `aktif`: the user did something on the page since the last call
/// (typed, clicked): that extends the idle limit. The page's own periodic check passes
/// `false` and extends nothing.
#[server(endpoint = "auth_sesi")]
pub async fn auth_sesi(aktif: bool) -> Result<SesiSisa, AppError> {
    let state = crate::sistem::ssr::state()?;
    let (loaded, _) = crate::sistem::ssr::request_loaded(&state, aktif).await?;
    match loaded.left {
        Some(left) => Ok(SesiSisa { idle_s: left.idle.num_seconds(), absolute_s: left.absolute.num_seconds() }),
        None => {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(axum::http::StatusCode::UNAUTHORIZED);
            }
            Err(if loaded.ended {
                AppError::SessionEnded
            } else {
                AppError::Unauthenticated("Silakan masuk terlebih dahulu.".into())
            })
        }
    }
}

/// The login page: SAKTI username and password. `?habis=1` says the session ended;
/// `?kembali=` is where to return after login.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let habis = move || query.read().get("habis").is_some();
    let kembali = move || query.read().get("kembali").unwrap_or_default();
    let login = ServerAction::<AuthLogin>::new();
    let error = move || login.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    view! {
        <main class="login">
            <section class="card login-card" aria-labelledby="login-title">
                <h1 id="login-title">"Aktivasi OTP SAKTI"</h1>
                <Show when=habis>
                    <p class="notice error" role="status">"Sesi Anda telah berakhir. Silakan masuk kembali."</p>
                </Show>
                <p class="muted">"Masuk dengan user SAKTI Anda."</p>
                <ActionForm action=login>
                    <input type="hidden" name="kembali" prop:value=kembali/>
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

/// The session's countdown: two minutes before the idle limit a bar counts down with
/// "Lanjutkan sesi"; typing or clicking on the page counts as activity (reported at most
/// every 30 seconds); when the session has ended the browser goes to the login page, which
/// returns here after login.
#[component]
pub fn SesiTimer() -> impl IntoView {
    let sisa = RwSignal::new(None::<(SesiSisa, f64)>);
    let now_ms = RwSignal::new(0.0_f64);
    let input = RwSignal::new(false);
    let last_report = RwSignal::new(0.0_f64);
    let report = move |aktif: bool| {
        leptos::task::spawn_local(async move {
            match auth_sesi(aktif).await {
                Ok(s) => sisa.set(Some((s, clock_ms()))),
                Err(AppError::SessionEnded | AppError::Unauthenticated(_)) => to_login(),
                // the server is away for a moment: the next tick asks again
                Err(_) => {}
            }
        });
    };
    #[cfg(feature = "hydrate")]
    {
        let keys = window_event_listener(leptos::ev::keydown, move |_| input.set(true));
        let clicks = window_event_listener(leptos::ev::pointerdown, move |_| input.set(true));
        on_cleanup(move || {
            keys.remove();
            clicks.remove();
        });
        Effect::new(move |_| {
            last_report.set(clock_ms());
            report(false);
        });
    }
    crate::sistem::live::every(std::time::Duration::from_secs(1), move || {
        let now = clock_ms();
        now_ms.set(now);
        let since = now - last_report.get_untracked();
        let left = left_s(sisa.get_untracked(), now);
        // activity is reported at most every 30 s, the session checked every minute, and at once
        // when the clock says it has run out
        let due = (input.get_untracked() && since >= 30_000.0) || since >= 60_000.0 || left.is_some_and(|l| l <= 0);
        if due {
            let aktif = input.get_untracked();
            input.set(false);
            last_report.set(now);
            report(aktif);
        }
    });
    let left = move || left_s(sisa.get(), now_ms.get());
    let warn = move || left().is_some_and(|l| l <= domain::sesi::WARNING.num_seconds());
    let idle_first = move || sisa.get().is_some_and(|(s, _)| s.idle_s <= s.absolute_s);
    let lanjut = move |_| {
        input.set(false);
        last_report.set(clock_ms());
        report(true);
    };
    view! {
        <Show when=warn>
            <div class="sesi-peringatan" role="alert">
                <span>
                    {move || {
                        let l = left().unwrap_or(0).max(0);
                        let t = format!("{}:{:02}", l / 60, l % 60);
                        if idle_first() {
                            format!("Sesi Anda akan berakhir dalam {t} karena tidak ada aktivitas.")
                        } else {
                            format!("Sesi Anda berakhir dalam {t} (batas lama sesi sejak masuk). Simpan pekerjaan Anda.")
                        }
                    }}
                </span>
                <Show when=idle_first>
                    <button class="primary" on:click=lanjut>"Lanjutkan sesi"</button>
                </Show>
            </div>
        </Show>
    }
}

/// Seconds left at `now` on what ends first, from the server's answer at `at`.
fn left_s(sisa: Option<(SesiSisa, f64)>, now: f64) -> Option<i64> {
    sisa.map(|(s, at)| s.idle_s.min(s.absolute_s) - ((now - at) / 1000.0) as i64)
}

fn clock_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// The session ended: to the login page, which says so and returns here after login.
fn to_login() {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let loc = w.location();
        let path = format!("{}{}", loc.pathname().unwrap_or_default(), loc.search().unwrap_or_default());
        let _ = loc.assign(&crate::sistem::urls::login_url(Some(&path), true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_starts_on_its_own_page() {
        assert_eq!(home(Role::Cso), "/cso");
        assert_eq!(home(Role::Kanwil), "/pantau");
        assert_eq!(home(Role::Pusat), "/pantau");
        assert_eq!(home(Role::Operator), "/impor");
        assert_eq!(home(Role::AdminLokal), "/pejabat");
    }

    #[test]
    fn the_countdown_follows_the_limit_that_ends_first_and_the_time_since_the_answer() {
        let sisa = SesiSisa { idle_s: 300, absolute_s: 7_200 };
        assert_eq!(left_s(Some((sisa, 1_000.0)), 1_000.0), Some(300));
        assert_eq!(left_s(Some((sisa, 1_000.0)), 61_000.0), Some(240), "a minute after the answer");
        let late = SesiSisa { idle_s: 900, absolute_s: 120 };
        assert_eq!(left_s(Some((late, 0.0)), 0.0), Some(120), "the absolute limit comes first");
        assert_eq!(left_s(None, 5.0), None, "no answer yet, no countdown");
    }
}
