//! `/lapor/{token}`: "Bukan saya" from the link in an aktivasi code's email, without a login.
//! Plain server pages (a form, no WASM): the link is opened on whatever the pejabat reads
//! email on. Opening it changes nothing (mail scanners open links); the button reports.

use crate::sistem::ssr::{AppState, ClientAddr, html_escape};
use axum::Extension;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use backend::aktivasi::lapor::{self, Keadaan};

/// The page around one message, with an optional form that posts back to the page.
fn halaman(status: StatusCode, judul: &str, isi: &[String], tombol: Option<&str>) -> Response {
    let paragraf: String = isi.iter().map(|p| format!("<p>{}</p>", html_escape(p))).collect();
    let form = tombol.map_or_else(String::new, |t| {
        format!("<form method=\"post\"><button type=\"submit\">{}</button></form>", html_escape(t))
    });
    let html = format!(
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{judul} — Aktivasi OTP SAKTI</title></head>\
         <body><main><h1>{judul}</h1>{paragraf}{form}</main></body></html>",
        judul = html_escape(judul),
    );
    let headers = [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")];
    (status, headers, html).into_response()
}

fn tidak_berlaku() -> Response {
    halaman(
        StatusCode::NOT_FOUND,
        "Tautan tidak berlaku",
        &["Tautan laporan ini tidak dikenal atau sudah lewat waktunya. Bila Anda menerima kode yang tidak \
           Anda minta, hubungi CSO KPPN Anda lewat kontak resminya."
            .into()],
        None,
    )
}

/// `GET /lapor/{token}`: what the link reports on, and the button.
pub async fn lihat(Extension(state): Extension<AppState>, Path(token): Path<String>) -> Response {
    match lapor::lihat(&state.pool, &token, state.clock.now()).await {
        Ok(Keadaan::Berlaku { nama, jabatan, satker_kode, dikirim }) => halaman(
            StatusCode::OK,
            "Laporkan: bukan saya",
            &[
                format!(
                    "Kode aktivasi OTP SAKTI untuk {} {nama} (satker {satker_kode}) dikirim pada {} WIB.",
                    jabatan.short(),
                    domain::format::wib_ms(dikirim.timestamp_millis()),
                ),
                "Bila Anda tidak meminta kode itu, atau tidak mempercayai orang yang meminta Anda membacakannya, \
                 laporkan di sini. Kode yang belum dipakai dibatalkan, langkah OTP Anda dikunci sampai CSO KPPN \
                 menghubungi Anda, dan KPA serta Admin Lokal satker diberi tahu."
                    .into(),
                domain::upacara::PERINGATAN.into(),
            ],
            Some("Laporkan: bukan saya"),
        ),
        Ok(Keadaan::Terpakai) => halaman(
            StatusCode::OK,
            "Laporan sudah diterima",
            &["Laporan lewat tautan ini sudah diterima. CSO KPPN akan menghubungi Anda.".into()],
            None,
        ),
        Ok(Keadaan::TidakBerlaku) => tidak_berlaku(),
        Err(e) => halaman(crate::sistem::error::status_of(&e), "Belum dapat dibuka", &[gangguan(&e)], None),
    }
}

/// `POST /lapor/{token}`: the report.
pub async fn kirim(
    Extension(state): Extension<AppState>,
    Extension(addr): Extension<ClientAddr>,
    Path(token): Path<String>,
) -> Response {
    match lapor::lapor(&state.pool, addr.text(), &token, state.clock.now()).await {
        Ok(()) => halaman(
            StatusCode::OK,
            "Laporan diterima",
            &["Terima kasih. Kode yang belum dipakai dibatalkan dan langkah OTP Anda dikunci. CSO KPPN akan \
               menghubungi Anda; jangan bacakan kode apa pun kepada penelepon sebelum itu."
                .into()],
            None,
        ),
        Err(backend::Error::NotFound(_)) => tidak_berlaku(),
        Err(e @ backend::Error::Rule(_)) => {
            halaman(StatusCode::CONFLICT, "Laporan sudah diterima", &[e.to_string()], None)
        }
        Err(e) => halaman(crate::sistem::error::status_of(&e), "Laporan belum terkirim", &[gangguan(&e)], None),
    }
}

/// A failure's words for someone outside the app: the outage, or a plain retry.
fn gangguan(e: &backend::Error) -> String {
    match crate::sistem::error::status_of(e) {
        StatusCode::SERVICE_UNAVAILABLE => crate::sistem::error::AppError::Unavailable.to_string(),
        StatusCode::TOO_MANY_REQUESTS => e.to_string(),
        _ => "Terjadi kesalahan. Coba lagi sebentar lagi, atau hubungi CSO KPPN Anda.".into(),
    }
}
