//! The files the browser loads for every page — the WASM, its JS glue and the CSS under
//! `/pkg` — served as cheaply as they can be downloaded.
//!
//! - Brotli compressed ahead of time: `cargo leptos build --release --precompress` leaves a
//!   `.br` beside each file, at brotli's best quality (about a quarter smaller than the
//!   `CompressionLayer`'s on the fly). Its `.gz` files are left alone: cargo-leptos's gzip
//!   (635 KB) loses to the `CompressionLayer`'s (540 KB), which serves browsers without brotli
//!   and every file without a `.br`, as it does every other answer.
//! - Cached for a year: with `hash-files` cargo-leptos puts a hash of the contents into each
//!   name (the main files' hashes are also listed in a file beside the server binary, which
//!   is how the server knows the build hashed them); a name that changes with its contents
//!   never needs revalidating. Anything else under `/pkg` is revalidated.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use leptos::config::LeptosOptions;
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Where cargo-leptos wrote the hashes of this build: beside the server binary, which is
/// where Leptos' `HydrationScripts` and `HashedStylesheet` look for them too.
fn hash_file(options: &LeptosOptions) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(&*options.hash_file))
}

/// The options with hashed file names switched on when the build hashed them, so the pages
/// link the files that exist. `cargo leptos serve` says so through `LEPTOS_HASH_FILES`; a
/// server started directly (scripts/test.sh, scripts/demo.sh, production) finds the hash file.
pub fn with_hashed_names(mut options: LeptosOptions) -> LeptosOptions {
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        options.hash_files = hash_file(&options).is_some_and(|f| f.is_file());
    }
    options
}

/// Whether a `/pkg` file name carries a hash of its contents, as cargo-leptos writes them
/// with `hash-files`: `name.HASH.ext`, the hash 22 characters of URL-safe base64. That holds
/// for the main WASM, JS and CSS (listed in the hash file) and for the per-page WASM files
/// of `--split` (`chunk_8.HASH.wasm`, `split___…_view_….HASH.wasm`, listed nowhere).
fn carries_hash(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1]
            .iter()
            .any(|p| p.len() == 22 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// The `/pkg` routes: the brotli file when there is one, with caching headers.
pub fn routes<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    // names carry hashes only when the build hashed them (`with_hashed_names` found the file)
    let hashed = options.hash_files;
    let dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let files = ServeDir::new(dir).precompressed_br();
    Router::new().nest_service(&format!("/{}", options.site_pkg_dir), files).layer(middleware::from_fn(
        move |request: Request, next: Next| async move {
            let name = request.uri().path().rsplit('/').next().unwrap_or_default();
            let forever = hashed && carries_hash(name);
            let mut response = next.run(request).await;
            set_cache_headers(&mut response, forever);
            response
        },
    ))
}

fn set_cache_headers(response: &mut Response, forever: bool) {
    let status = response.status();
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
        return;
    }
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(if forever { IMMUTABLE } else { REVALIDATE }));
    // the same URL answers br, gzip or plain: caches on the way must keep them apart
    // (the CompressionLayer adds this only to what it compresses itself)
    if !h.contains_key(header::VARY) {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised() {
        for name in [
            "aktivasi-otp-sakti.2P6EgsFRwr0INaJ4u_G0LQ.wasm",
            "aktivasi-otp-sakti.xUk0I2ton_SLxryztbnP-w.js",
            "aktivasi-otp-sakti.cwPv-wE2bRjPH_qKpFb4Yw.css",
            "chunk_8.7OumKGuWwzMZxlQIDF6l5w.wasm",
            "split___cso_route_view_14622192028780037046.cphgE3YYQS-xparDhBntNg.wasm",
            "__wasm_split.-8YzuiSsUKugskSi_7FCyg.js",
        ] {
            assert!(carries_hash(name), "{name}");
        }
        for name in ["aktivasi-otp-sakti.wasm", "aktivasi-otp-sakti.js", "chunk_8.wasm", "a.short.css", "noext"] {
            assert!(!carries_hash(name), "{name}");
        }
    }

    #[test]
    fn only_successful_answers_are_cached() {
        let mut ok = Response::new(axum::body::Body::empty());
        set_cache_headers(&mut ok, true);
        assert_eq!(ok.headers()[header::CACHE_CONTROL], IMMUTABLE);
        assert_eq!(ok.headers()[header::VARY], "accept-encoding");

        let mut missing = Response::new(axum::body::Body::empty());
        *missing.status_mut() = StatusCode::NOT_FOUND;
        set_cache_headers(&mut missing, true);
        assert!(!missing.headers().contains_key(header::CACHE_CONTROL));
    }
}
