//! The files the browser loads for every page — the WASM, its JS glue and the CSS under
//! `/pkg` — served as cheaply as they can be downloaded.
//!
//! - Brotli compressed ahead of time: `cargo leptos build --release --precompress` leaves a
//!   `.br` beside each file, at brotli's best quality (the WASM: 377 KB, against 489 KB from
//!   the `CompressionLayer` on the fly). Its `.gz` files are left alone: cargo-leptos's gzip
//!   (635 KB) loses to the `CompressionLayer`'s (540 KB), which serves browsers without brotli
//!   and every file without a `.br`, as it does every other answer.
//! - Cached for a year: with `hash-files` cargo-leptos puts a hash of the contents into each
//!   name and lists the hashes in a file beside the server binary; a name that changes with
//!   its contents never needs revalidating. Anything else under `/pkg` is revalidated.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use leptos::config::LeptosOptions;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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

/// The file names in `/pkg` that carry a hash of their contents (`name.HASH.ext`), read from
/// lines like `wasm: HASH` of the hash file.
fn hashed_names(output_name: &str, hashes: &str) -> HashSet<String> {
    hashes
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(ext, _)| matches!(ext.trim(), "js" | "wasm" | "css"))
        .map(|(ext, hash)| format!("{output_name}.{}.{}", hash.trim(), ext.trim()))
        .collect()
}

/// The `/pkg` routes: the brotli file when there is one, with caching headers.
pub fn routes<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let immutable = match hash_file(options).filter(|_| options.hash_files) {
        Some(file) => match std::fs::read_to_string(&file) {
            Ok(hashes) => hashed_names(&options.output_name, &hashes),
            Err(e) => {
                tracing::warn!("file hash {} tidak terbaca: {e}", file.display());
                HashSet::new()
            }
        },
        None => HashSet::new(),
    };
    let immutable = Arc::new(immutable);
    let dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let files = ServeDir::new(dir).precompressed_br();
    Router::new().nest_service(&format!("/{}", options.site_pkg_dir), files).layer(middleware::from_fn(
        move |request: Request, next: Next| {
            let immutable = immutable.clone();
            async move {
                let name = request.uri().path().rsplit('/').next().unwrap_or_default();
                let forever = immutable.contains(name);
                let mut response = next.run(request).await;
                set_cache_headers(&mut response, forever);
                response
            }
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
    fn hashed_names_come_from_the_hash_file() {
        let names = hashed_names("app", "js: AbC_1\nwasm: dEf-2\ncss: GhI3\nmanifest: x\n\n");
        let mut names: Vec<_> = names.into_iter().collect();
        names.sort();
        assert_eq!(names, ["app.AbC_1.js", "app.GhI3.css", "app.dEf-2.wasm"]);
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
