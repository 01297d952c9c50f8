//! The routes that move files rather than data: the form PDF ("Unduh"), a stored bundle
//! for viewing in the browser, and the bundle upload (a plain multipart form, so it works
//! before the WASM has loaded and costs the WASM nothing).

use crate::sistem::http::{base_url, parts};
use crate::sistem::ssr::{AppState, ClientAddr};
use axum::Extension;
use axum::extract::{Multipart, Path};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use backend::Caller;
use domain::berkas::Keperluan;
use domain::formulir::Jenis;
use tower_sessions::Session;

/// The body limit of the upload route: the 10 MiB file plus the form's other fields.
pub const UPLOAD_BODY_LIMIT: usize = domain::berkas::MAX_BYTES + 64 * 1024;

async fn caller(state: &AppState, session: &Session, addr: ClientAddr) -> Result<Caller, backend::Error> {
    crate::sistem::ssr::caller_of(state, session, addr.text()).await
}

fn error_response(e: backend::Error) -> Response {
    let status = crate::sistem::error::status_of(&e);
    let text = match status {
        StatusCode::SERVICE_UNAVAILABLE => crate::sistem::error::AppError::Unavailable.to_string(),
        StatusCode::INTERNAL_SERVER_ERROR => crate::sistem::error::AppError::Internal.to_string(),
        _ => e.to_string(),
    };
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

fn pdf_response(nama_file: &str, pdf: Vec<u8>, inline: bool) -> Response {
    file_response(nama_file, "application/pdf", pdf, inline)
}

/// A file for the browser: a safe name, never cached, shown inline (and then only inside the
/// app's own frame) or downloaded.
fn file_response(nama_file: &str, content_type: &'static str, body: Vec<u8>, inline: bool) -> Response {
    let safe: String =
        nama_file.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let disposition = format!("{}; filename=\"{safe}\"", if inline { "inline" } else { "attachment" });
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if inline {
        // shown inside the CSO desk's frame, and only there
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'self'"),
        );
    }
    res
}

/// `GET /api/formulir/{pejabat_id}/{jenis}`: the form PDF, two copies.
pub async fn unduh_formulir(
    Extension(state): Extension<AppState>,
    session: Session,
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    Path((pejabat_id, jenis)): Path<(domain::PejabatId, String)>,
) -> Response {
    let Some(jenis) = Jenis::from_code(jenis.trim_end_matches(".pdf")) else {
        return error_response(backend::Error::NotFound("Jenis formulir tidak dikenal.".into()));
    };
    let result = async {
        let caller = caller(&state, &session, addr).await?;
        backend::dokumen::formulir::unduh(
            &state.pool,
            &caller,
            pejabat_id,
            jenis,
            &base_url(&state, &headers),
            state.clock.now(),
        )
        .await
    };
    match result.await {
        Ok(u) => pdf_response(&u.nama_file, u.pdf, false),
        Err(e) => error_response(e),
    }
}

/// `GET /api/bukti/{pejabat_id}`: the signed evidence record of an activation, as JSON to keep
/// (`server evidence verify FILE` checks it).
pub async fn unduh_bukti(
    Extension(state): Extension<AppState>,
    session: Session,
    Extension(addr): Extension<ClientAddr>,
    Path(pejabat_id): Path<domain::PejabatId>,
) -> Response {
    let result = async {
        let caller = caller(&state, &session, addr).await?;
        backend::aktivasi::bukti::unduh(&state.pool, &caller, pejabat_id).await
    };
    match result.await {
        Ok(bukti) => file_response(
            &format!("bukti-aktivasi-{pejabat_id}.json"),
            "application/json",
            bukti.berkas().into_bytes(),
            false,
        ),
        Err(e) => error_response(e),
    }
}

/// `GET /api/bukti/{pejabat_id}/pdf`: the evidence record as one printable page.
pub async fn unduh_bukti_pdf(
    Extension(state): Extension<AppState>,
    session: Session,
    Extension(addr): Extension<ClientAddr>,
    Path(pejabat_id): Path<domain::PejabatId>,
) -> Response {
    let result = async {
        let caller = caller(&state, &session, addr).await?;
        let bukti = backend::aktivasi::bukti::unduh(&state.pool, &caller, pejabat_id).await?;
        bukti.pdf().map_err(backend::Error::Kunci)
    };
    match result.await {
        Ok(pdf) => pdf_response(&format!("bukti-aktivasi-{pejabat_id}.pdf"), pdf, false),
        Err(e) => error_response(e),
    }
}

/// `GET /api/berkas/{id}`: a stored bundle, inline for the browser's PDF viewer.
pub async fn buka_berkas(
    Extension(state): Extension<AppState>,
    session: Session,
    Extension(addr): Extension<ClientAddr>,
    Path(id): Path<domain::BerkasId>,
) -> Response {
    let result = async {
        let caller = caller(&state, &session, addr).await?;
        backend::dokumen::berkas::buka(&state.pool, &caller, id).await
    };
    match result.await {
        Ok(file) => pdf_response(&file.nama_file, file.isi, true),
        Err(e) => error_response(e),
    }
}

fn back(teks: Result<String, String>) -> Response {
    let (key, text) = match teks {
        Ok(t) => ("pesan", t),
        Err(t) => ("galat", t),
    };
    Redirect::to(&format!("/berkas?{key}={}", domain::format::query_value(&text))).into_response()
}

/// How much of an over-long upload is read (and dropped) before the refusal is sent. A
/// browser reads no answer until it has sent its whole request: an answer sent earlier, with
/// the connection closed, shows as "connection reset" instead of the message.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
/// How long an over-long upload is read before the refusal is sent anyway.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(120);

/// Middleware of `POST /api/berkas`. First, before a byte of the body is read, the caller:
/// logged in and allowed to upload (an anonymous sender never makes the server read its
/// body; the caller goes on to the handler as an extension). Then a body over
/// [`UPLOAD_BODY_LIMIT`] is read to its end (up to [`DRAIN_LIMIT`], dropped as it comes) and
/// answered with 413 and the message, in a page the browser shows; nothing reaches the
/// handler, nothing is stored.
pub async fn limit_upload(mut req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use futures::StreamExt;
    let ext = req.extensions();
    let (Some(state), Some(session), Some(addr)) =
        (ext.get::<AppState>().cloned(), ext.get::<Session>().cloned(), ext.get::<ClientAddr>().copied())
    else {
        tracing::error!("rute unggah tanpa state, sesi atau alamat klien");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let caller = match caller(&state, &session, addr).await {
        Ok(c) => c,
        Err(e) => return error_response(e),
    };
    if let Err(e) = backend::akses::auth::authorize(&state.pool, &caller, domain::authz::Action::UnggahBerkas).await {
        return error_response(e);
    }
    req.extensions_mut().insert(caller);
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut kept: Vec<u8> = Vec::new();
    let mut read = 0usize;
    let over = declared.is_some_and(|n| n > UPLOAD_BODY_LIMIT as u64);
    let drained = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else { return false };
            read += chunk.len();
            if over || read > UPLOAD_BODY_LIMIT {
                kept = Vec::new();
                if read > DRAIN_LIMIT {
                    return true;
                }
            } else {
                kept.extend_from_slice(&chunk);
            }
        }
        true
    })
    .await;
    if over || read > UPLOAD_BODY_LIMIT {
        tracing::info!("unggahan {read} byte ditolak: melebihi batas {UPLOAD_BODY_LIMIT}");
        return too_large();
    }
    if !matches!(drained, Ok(true)) {
        return back(Err(TERPUTUS.into()));
    }
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(kept))).await
}

const TERPUTUS: &str = "Ukuran berkas melebihi 10 MB atau unggahan terputus. Coba lagi dengan berkas yang lebih kecil.";

/// 413 with the message, as a small page with the way back (the upload is a plain form post).
fn too_large() -> Response {
    let pesan = domain::berkas::TERLALU_BESAR;
    let back = format!("/berkas?galat={}", domain::format::query_value(pesan));
    let html = crate::sistem::ssr::message_page(
        "Berkas terlalu besar",
        "Berkas tidak diunggah",
        pesan,
        &back,
        "Kembali ke Berkas & Jadwal",
    );
    (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// `POST /api/berkas`: multipart with `pejabat_id`, `keperluan` and the file `berkas`.
/// Answers with a redirect back to `/berkas` carrying the outcome, so a plain form works.
/// The caller was authenticated and authorized by [`limit_upload`] before the body was read.
pub async fn unggah_berkas(
    Extension(state): Extension<AppState>,
    Extension(caller): Extension<Caller>,
    mut form: Multipart,
) -> Response {
    let Ok(parts) = parts(&mut form).await else {
        return back(Err(TERPUTUS.into()));
    };
    let (mut pejabat_id, mut keperluan, mut file) = (None, None, None);
    for part in parts {
        match part.name.as_str() {
            "pejabat_id" => pejabat_id = part.text().and_then(|s| s.parse::<domain::PejabatId>().ok()),
            "keperluan" => keperluan = part.text().and_then(Keperluan::from_code),
            "berkas" => file = Some((part.file_name.unwrap_or_default(), part.bytes)),
            _ => {}
        }
    }
    let (Some(pejabat_id), Some(keperluan), Some((nama, bytes))) = (pejabat_id, keperluan, file) else {
        return back(Err("Pilih berkas PDF yang akan diunggah.".into()));
    };
    match backend::dokumen::berkas::unggah(
        &state.pool,
        &caller,
        pejabat_id,
        keperluan,
        &nama,
        &bytes,
        state.clock.now(),
    )
    .await
    {
        Ok(info) => back(Ok(format!(
            "Berkas {} tersimpan (SHA-256 {}…). Klik Kirim Pengajuan bila semua berkas sudah lengkap.",
            info.nama_file,
            &info.sha256[..12]
        ))),
        Err(backend::Error::Unauthenticated) => Redirect::to("/login").into_response(),
        Err(e) if e.is_unavailable() => back(Err("Layanan sedang gangguan. Silakan coba beberapa saat lagi.".into())),
        Err(backend::Error::Forbidden(m)) | Err(backend::Error::Rule(m)) | Err(backend::Error::NotFound(m)) => {
            back(Err(m))
        }
        Err(e) => {
            tracing::error!("unggah berkas: {e}");
            back(Err("Terjadi kesalahan pada server; berkas tidak tersimpan. Silakan coba lagi.".into()))
        }
    }
}

/// `GET /api/audit.csv?dari=…`: the caller's audit trail with the page's filters, as CSV.
pub async fn audit_csv(
    Extension(state): Extension<AppState>,
    session: Session,
    Extension(addr): Extension<ClientAddr>,
    axum::extract::Query(q): axum::extract::Query<domain::audit::AuditQuery>,
) -> Response {
    let result = async {
        let caller = caller(&state, &session, addr).await?;
        backend::pantau::jejak::csv(&state.pool, &caller, &q).await
    };
    match result.await {
        Ok(csv) => csv_file(csv, "attachment; filename=\"jejak-audit.csv\""),
        Err(backend::Error::Invalid(f)) => {
            let text = f.0.values().cloned().collect::<Vec<_>>().join(" ");
            (StatusCode::UNPROCESSABLE_ENTITY, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
                .into_response()
        }
        Err(e) => error_response(e),
    }
}

/// A CSV download: not cached, saved under the name in `disposition`.
fn csv_file(csv: String, disposition: &'static str) -> Response {
    let mut res = (StatusCode::OK, csv).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(disposition));
    res
}

/// `GET /api/pantau.csv?kppn=…`: the progress board's table of the scope, as CSV.
pub async fn pantau_csv(
    Extension(state): Extension<AppState>,
    session: Session,
    Extension(addr): Extension<ClientAddr>,
    axum::extract::Query(q): axum::extract::Query<domain::pantau::PantauQuery>,
) -> Response {
    let result = async {
        let caller = caller(&state, &session, addr).await?;
        backend::pantau::papan(&state.pool, &caller, q.lingkup(), state.pantau, state.clock.now()).await
    };
    match result.await {
        Ok(papan) => csv_file(domain::pantau::csv(&papan), "attachment; filename=\"pantau-aktivasi.csv\""),
        Err(e) => error_response(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_is_named_safely_and_framed_only_when_shown_inline() {
        let download = pdf_response("Form \"KPA\"\r\nSet-Cookie: x.pdf", b"%PDF".to_vec(), false);
        let disposition = download.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(disposition, "attachment; filename=\"Form__KPA___Set-Cookie__x.pdf\"");
        assert_eq!(download.headers()[header::CACHE_CONTROL], "private, no-store");
        assert!(download.headers().get(header::CONTENT_SECURITY_POLICY).is_none());
        let shown = pdf_response("berkas.pdf", b"%PDF".to_vec(), true);
        assert!(shown.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline;"));
        assert_eq!(shown.headers()[header::CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'self'");
    }
}
