//! What every server function needs on the server (`ssr`, as the Leptos examples name it):
//! the shared state and the caller.

use crate::sistem::error::AppError;
use axum::Extension;
use backend::Caller;
use backend::PgPool;
use backend::config::PublicUrl;
use leptos::prelude::*;
use std::net::IpAddr;
use tower_sessions::Session;

/// The session key holding the logged-in user's id.
pub const USER_KEY: &str = "uid";
/// The session key holding the id of the session's row (`sesi`): who, since when, last seen.
pub const SESI_KEY: &str = "sid";
/// The session key of a login half done: the password was right, the second factor (or its
/// enrolment) comes next.
pub const PENDING_KEY: &str = "masuk";

/// The session key left in a session that ended (until the next login): the login page says
/// "Sesi Anda telah berakhir" whatever the next request is.
const ENDED_KEY: &str = "habis";

/// A login between the password and the second factor (or its enrolment, for staff
/// without one). Good for [`PENDING_MINUTES`].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MasukTertunda {
    pub user_id: domain::UserId,
    pub at_ms: i64,
    /// Staff without a second factor: enrol one first.
    pub daftarkan: bool,
    /// … and it did, during this login.
    pub terdaftar: bool,
    /// Where to go after login.
    pub kembali: Option<String>,
    /// Whether the password was right, for the second step (`None`: staff enrolling its
    /// first factor, whose password was right).
    pub sandi: Option<backend::akses::masuk::Sandi>,
}

/// How long a login may wait between its password and its second factor.
pub const PENDING_MINUTES: i64 = 10;

/// Shared by every request; provided as Leptos context by the server.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub otp_key: backend::aktivasi::otp::OtpKey,
    /// The keys the process holds and the database never sees (`backend::sistem::kunci`).
    pub kunci: backend::sistem::kunci::Kunci,
    /// True while SMS go to the built-in phone simulator (`/hp`).
    pub simulator: bool,
    /// Where users reach the app, for links in messages and printed forms; without it (the
    /// demo) the request's own `Host`.
    pub public_url: Option<PublicUrl>,
    /// How long sessions live (`SAKTI_SESSION_*`).
    pub limits: domain::sesi::Limits,
    /// The time sessions are checked against; tests move it.
    pub clock: backend::Clock,
    /// How long the CSO waits before confirming a number change (`SAKTI_NOMOR_WAIT`).
    pub nomor_wait: chrono::Duration,
    /// The progress board's stuck limit and deadline (`SAKTI_PANTAU_*`).
    pub pantau: backend::pantau::Setelan,
    /// The server sends email (`SAKTI_SMTP_URL`): a set-password link goes to the user's
    /// address instead of being shown to whoever issued it.
    pub email: bool,
}

impl AppState {
    /// The known-device cookie's name: `__Host-` behind TLS, like the session's.
    pub fn device_cookie(&self) -> &'static str {
        if self.public_url.as_ref().is_some_and(PublicUrl::is_https) {
            "__Host-sakti_perangkat"
        } else {
            "sakti_perangkat"
        }
    }
}

/// The client's address as the edge worked it out (`server::security::client_addr`: the
/// peer, or the client a trusted proxy names). `None` when the request has no peer (tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// As the audit trail stores it.
    pub fn text(self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or(AppError::Internal)
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!("no session layer: {e}");
        AppError::Internal
    })
}

/// A request's session as [`load`] found it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub caller: Caller,
    /// The request came with a session that has ended (idle, absolute limit, ended by
    /// someone): the login page says so.
    pub ended: bool,
    /// The time left on a live session.
    pub left: Option<domain::sesi::Left>,
}

/// The caller behind `session`: the session's user (loaded fresh, so a deactivated user is
/// out at once), its limits checked and, when `active` (the user's own doing, not a
/// background check), its "last seen" moved. The session lives in PostgreSQL: failing to
/// read it means the database is away (503), never that nobody is logged in.
pub async fn load(
    state: &AppState,
    session: &Session,
    addr: Option<String>,
    active: bool,
) -> Result<Loaded, backend::Error> {
    let unreadable =
        |e: tower_sessions::session::Error| backend::error::session_store_away(format!("sesi tidak terbaca: {e}"));
    let user_id: Option<domain::UserId> = session.get(USER_KEY).await.map_err(unreadable)?;
    let sesi: Option<domain::SesiId> = session.get(SESI_KEY).await.map_err(unreadable)?;
    let now = state.clock.now();
    let Some(user_id) = user_id else {
        let mut loaded = Loaded { caller: Caller::anonymous(addr, now), ended: false, left: None };
        loaded.ended = session.get::<bool>(ENDED_KEY).await.map_err(unreadable)?.unwrap_or(false);
        return Ok(loaded);
    };
    let status = match sesi {
        Some(id) => {
            backend::akses::sesi::muat(&state.pool, id, user_id, addr.clone(), &state.limits, now, active).await?
        }
        None => backend::akses::sesi::Keadaan::Ended,
    };
    let mut loaded = Loaded { caller: Caller::anonymous(addr, now), ended: false, left: None };
    match status {
        backend::akses::sesi::Keadaan::Live(live) => {
            loaded.caller = live.caller;
            loaded.left = Some(live.left);
        }
        backend::akses::sesi::Keadaan::Ended => {
            // the cookie stays, saying only that it ended, until the next login
            session.clear().await;
            session.insert(ENDED_KEY, true).await.map_err(unreadable)?;
            loaded.ended = true;
        }
    }
    Ok(loaded)
}

/// The user a request turned out to be made by, for its log line (`server::ops::track` puts one
/// in each request's extensions; [`caller`] fills it in).
#[derive(Debug, Clone, Default)]
pub struct RequestUser(pub std::sync::Arc<std::sync::atomic::AtomicI64>);

impl RequestUser {
    pub fn get(&self) -> Option<i64> {
        Some(self.0.load(std::sync::atomic::Ordering::Relaxed)).filter(|id| *id != 0)
    }
}

/// The caller of a page being rendered, loaded once for the request: a page's resources each
/// call their server function in-process, and each would read the session and the user row
/// again (four times for the Tabel Pejabat, as the bench's statement capture showed).
/// `server::ops::track` puts an empty one in each request's extensions. Calls from a page
/// (`/api/…`, one server function each) never use it: one that signs in or steps up must
/// see its own change.
#[derive(Debug, Clone, Default)]
pub struct RequestCaller(pub std::sync::Arc<tokio::sync::OnceCell<Loaded>>);

/// [`load`] for a request that is not the user's own activity (file routes, streams).
pub async fn caller_of(state: &AppState, session: &Session, addr: Option<String>) -> Result<Caller, backend::Error> {
    Ok(load(state, session, addr, false).await?.caller)
}

/// The path the user was on: the page being rendered, or (for a call from the page) the
/// page that called, as its `Referer` says.
pub fn current_path(parts: &axum::http::request::Parts) -> Option<String> {
    let path = if parts.uri.path().starts_with("/api/") {
        let referer = parts.headers.get(axum::http::header::REFERER)?.to_str().ok()?;
        let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
        let start = after_scheme.find('/')?;
        after_scheme[start..].to_owned()
    } else {
        parts.uri.path_and_query().map(|p| p.as_str().to_owned())?
    };
    domain::sesi::kembali(&path).map(str::to_owned)
}

/// The caller of the current server function ([`load`] with the request's session and
/// address). A page being rendered is the user's activity; a call from a page is not (the
/// page reports activity itself: `auth_sesi`).
pub async fn caller() -> Result<(AppState, Caller), AppError> {
    let state = state()?;
    let (loaded, parts) = request_loaded(&state, false).await?;
    if let (Some(actor), Some(user)) =
        (loaded.caller.actor(), parts.as_ref().and_then(|p| p.extensions.get::<RequestUser>()))
    {
        user.0.store(actor.user_id.0, std::sync::atomic::Ordering::Relaxed);
    }
    if loaded.ended {
        let path = parts.as_ref().and_then(current_path).unwrap_or_default();
        provide_context(crate::sistem::error::Berakhir(path));
    }
    Ok((state, loaded.caller))
}

/// The request's session as [`load`] finds it, with the request's parts. A page being rendered
/// is the user's activity and loads it once ([`RequestCaller`]); a call from a page loads it
/// itself, as activity only when `aktif` (the page says the user did something).
pub async fn request_loaded(
    state: &AppState,
    aktif: bool,
) -> Result<(Loaded, Option<axum::http::request::Parts>), AppError> {
    let addr = leptos_axum::extract::<Extension<ClientAddr>>().await.ok().and_then(|Extension(a)| a.text());
    let parts = leptos_axum::extract::<axum::http::request::Parts>().await.ok();
    let page = parts.as_ref().is_some_and(|p| !p.uri.path().starts_with("/api/"));
    let session = session().await?;
    let once = parts.as_ref().and_then(|p| p.extensions.get::<RequestCaller>()).filter(|_| page);
    let loaded = match once {
        Some(once) => once.0.get_or_try_init(|| load(state, &session, addr, true)).await?.clone(),
        None => load(state, &session, addr, page || aktif).await?,
    };
    Ok((loaded, parts))
}

/// A request header as text.
pub async fn header(name: axum::http::HeaderName) -> Option<String> {
    let parts = leptos_axum::extract::<axum::http::request::Parts>().await.ok()?;
    parts.headers.get(name)?.to_str().ok().map(str::to_owned)
}

/// The value of cookie `name` of the request.
pub async fn cookie(name: &str) -> Option<String> {
    cookie_value(&header(axum::http::header::COOKIE).await?, name).map(str::to_owned)
}

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`): the exact name, the first
/// one sent.
pub fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header.split(';').filter_map(|c| c.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// A small page without the app around it, for answers given before the app runs (a refused
/// upload, the outage gate): a title, the message as an alert and one link. Every text is
/// escaped, the link included.
pub fn message_page(title: &str, heading: &str, message: &str, href: &str, link: &str) -> String {
    let e = html_escape;
    format!(
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head><body><main><h1>{}</h1><p role=\"alert\">{}</p>\
         <p><a href=\"{}\">{}</a></p></main></body></html>",
        e(title),
        e(heading),
        e(message),
        e(href),
        e(link)
    )
}

/// `text` safe in HTML text and in a double-quoted attribute.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Who a second-factor call is for: the logged-in user (a change to its factors needs a
/// step-up), or a login whose password was right a moment ago.
pub async fn subjek(
    enrol: bool,
) -> Result<(AppState, backend::Caller, backend::Actor, Option<MasukTertunda>), AppError> {
    let (state, caller) = caller().await?;
    if let Some(actor) = caller.actor().cloned() {
        if enrol {
            backend::akses::auth::step_up(&caller)?;
        }
        return Ok((state, caller, actor, None));
    }
    let session = session().await?;
    let pending: Option<MasukTertunda> = session.get(PENDING_KEY).await?;
    let now = state.clock.now();
    let fresh = |p: &MasukTertunda| now.timestamp_millis() - p.at_ms <= PENDING_MINUTES * 60_000;
    let Some(pending) = pending.filter(fresh) else {
        return Err(backend::Error::Unauthenticated.into());
    };
    if enrol && !pending.daftarkan {
        return Err(backend::Error::Rule("Masukkan faktor kedua Anda lebih dulu.".into()).into());
    }
    let Some((actor, _)) = backend::akses::masuk::load_pending(&state.pool, pending.user_id).await? else {
        return Err(backend::Error::Unauthenticated.into());
    };
    let caller = backend::Caller::pending(actor.clone(), caller.addr().map(str::to_owned));
    Ok((state, caller, actor, Some(pending)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escape_leaves_no_markup_and_no_way_out_of_an_attribute() {
        assert_eq!(
            html_escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(html_escape("Pejabat Pembuat Komitmen — 5"), "Pejabat Pembuat Komitmen — 5");
    }

    #[test]
    fn a_message_page_escapes_every_text_it_is_given() {
        let page = message_page("<t>", "<h>", "<m>", "\"><script>", "<l>");
        assert!(!page.contains("<script>") && !page.contains("<t>") && !page.contains("<m>"), "{page}");
        assert!(page.contains("<p role=\"alert\">&lt;m&gt;</p>"), "{page}");
        assert!(page.contains("href=\"&quot;&gt;&lt;script&gt;\""), "{page}");
    }

    #[test]
    fn a_cookie_is_found_by_its_exact_name() {
        let header = "sakti_perangkat_x=no; sakti_perangkat=abc=1; other=2";
        assert_eq!(cookie_value(header, "sakti_perangkat"), Some("abc=1"), "the value may hold '='");
        assert_eq!(cookie_value(header, "other"), Some("2"));
        assert_eq!(cookie_value(header, "perangkat"), None, "no suffix match");
        assert_eq!(cookie_value("", "other"), None);
    }

    fn parts(uri: &str, referer: Option<&str>) -> axum::http::request::Parts {
        let mut request = axum::http::Request::builder().uri(uri);
        if let Some(r) = referer {
            request = request.header(axum::http::header::REFERER, r);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_current_path_is_the_page_or_the_page_that_called() {
        assert_eq!(current_path(&parts("/berkas?tab=2", None)).as_deref(), Some("/berkas?tab=2"));
        let call = parts("/api/pejabat_daftar", Some("https://sakti.example/pejabat?halaman=3"));
        assert_eq!(current_path(&call).as_deref(), Some("/pejabat?halaman=3"));
        assert_eq!(current_path(&parts("/api/pejabat_daftar", None)), None, "a call without a page");
        assert_eq!(
            current_path(&parts("/api/x", Some("https://sakti.example/login?kembali=/x"))),
            None,
            "never back to login"
        );
    }
}
