//! What every server function needs on the server (`ssr`, as the Leptos examples name it):
//! the shared state and the caller.

use crate::error::AppError;
use axum::Extension;
use backend::Caller;
use backend::PgPool;
use backend::config::PublicUrl;
use leptos::prelude::*;
use std::net::IpAddr;
use tower_sessions::Session;

/// The session key holding the logged-in user's id.
pub const USER_KEY: &str = "uid";

/// Shared by every request; provided as Leptos context by the server.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub otp_key: backend::otp::OtpKey,
    /// True while SMS go to the built-in phone simulator (`/hp`).
    pub simulator: bool,
    /// Where users reach the app, for links in messages and printed forms; without it (the
    /// demo) the request's own `Host`.
    pub public_url: Option<PublicUrl>,
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

/// The caller behind `session`, for server functions and the file routes alike: the
/// session's user (loaded fresh, so a deactivated user is out at once) and the client
/// address for the audit trail. The session lives in PostgreSQL: failing to read it means
/// the database is away (503), never that nobody is logged in.
pub async fn caller_of(state: &AppState, session: &Session, addr: Option<String>) -> Result<Caller, backend::Error> {
    let user_id: Option<domain::UserId> =
        session.get(USER_KEY).await.map_err(|e| backend::Error::Unavailable(format!("sesi tidak terbaca: {e}")))?;
    let actor = match user_id {
        Some(id) => backend::auth::load_actor(&state.pool, id).await?,
        None => None,
    };
    Ok(Caller { actor, addr, command_line: false })
}

/// The caller of the current server function ([`caller_of`] with the request's session and
/// address).
pub async fn caller() -> Result<(AppState, Caller), AppError> {
    let state = state()?;
    let addr = leptos_axum::extract::<Extension<ClientAddr>>().await.ok().and_then(|Extension(a)| a.text());
    let session = session().await?;
    let caller = caller_of(&state, &session, addr).await?;
    Ok((state, caller))
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
