//! What a passkey ceremony needs on both sides of the login and the step-up: the server's
//! state between its two calls and the relying party's origin, a sign-in's options, and the
//! whole sign-in from a page.

use crate::sistem::error::AppError;
use leptos::prelude::*;

/// Where the browser reached the app: the passkeys' relying party.
#[cfg(feature = "ssr")]
pub(crate) async fn origin(state: &crate::sistem::ssr::AppState) -> Result<String, AppError> {
    let headers = leptos_axum::extract::<axum::http::HeaderMap>().await.map_err(|_| AppError::Internal)?;
    Ok(crate::sistem::http::base_url(state, &headers))
}

/// The session key of a passkey ceremony's state between its two halves.
#[cfg(feature = "ssr")]
const PASSKEY_KEY: &str = "passkey";

/// Keeps a ceremony's first half for its second; answers the browser's options.
#[cfg(feature = "ssr")]
pub(crate) async fn keep_ceremony(mulai: backend::akses::passkey::Mulai) -> Result<String, AppError> {
    let session = crate::sistem::ssr::session().await?;
    session.insert(PASSKEY_KEY, mulai.state).await?;
    Ok(mulai.options)
}

/// Takes the state kept by [`keep_ceremony`] (once); `missing` says what to start first.
#[cfg(feature = "ssr")]
pub(crate) async fn take_ceremony(missing: &str) -> Result<String, AppError> {
    let session = crate::sistem::ssr::session().await?;
    match session.remove::<String>(PASSKEY_KEY).await? {
        Some(state) => Ok(state),
        None => Err(backend::Error::Rule(missing.into()).into()),
    }
}

/// Starts a sign-in (or step-up) with a passkey: the options for `navigator.credentials.get`.
#[server(endpoint = "passkey_masuk_mulai")]
pub async fn passkey_masuk_mulai() -> Result<String, AppError> {
    let (state, _, actor, _) = crate::sistem::ssr::subjek(false).await?;
    keep_ceremony(backend::akses::passkey::masuk_mulai(&state.pool, &actor, &origin(&state).await?).await?).await
}

/// A whole passkey sign-in from the page: options, the browser's ceremony, the answer.
pub(crate) async fn passkey_masuk(finish: impl AsyncFnOnce(String) -> Result<(), AppError>) -> Result<(), AppError> {
    let options = passkey_masuk_mulai().await?;
    let credential = crate::akses::webauthn::get(&options).await.map_err(AppError::Refused)?;
    finish(credential).await
}
