//! What the server's own routes and server functions share about HTTP: where the app is
//! reached, and a multipart form read whole.

use crate::sistem::ssr::AppState;
use axum::extract::Multipart;
use axum::http::{HeaderMap, header};

/// Where the app is reached, for links in what it hands out (the QR code on a printed form,
/// a set-password link): the configured public URL, or (the demo) the request's own host.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.origin().to_owned();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

/// One field of a multipart form, read whole.
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub bytes: axum::body::Bytes,
}

impl Part {
    /// The field as trimmed text, when it is UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok().map(str::trim)
    }
}

/// Every field of a multipart form; `Err` when the upload broke off or passed the route's
/// body limit.
pub async fn parts(form: &mut Multipart) -> Result<Vec<Part>, axum::extract::multipart::MultipartError> {
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await? {
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        parts.push(Part { name, file_name, bytes: field.bytes().await? });
    }
    Ok(parts)
}
