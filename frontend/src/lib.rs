//! The browser entry point: hydrates the page the server rendered.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // No panic hook (console_error_panic_hook): with `panic = "abort"` a panic stops the page
    // either way, and the hook's message formatting was 1,249 bytes brotli of every first page
    // (issue 27: the page built once put /login 46 bytes over its budget). A panic shows in
    // the console as `unreachable`; errors are diagnosed from the server's logs.
    // asynchronous hydration: a page whose WASM is a file of its own (app::lazy_page, with
    // `--split`) is hydrated once that file has loaded
    // (hydrate_from_async sets wasm-bindgen's executor up for the app's own futures)
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body().expect("a page has a body");
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        // lets tests (and people with slow phones) know the page now reacts to input
        let _ = body.set_attribute("data-hydrated", "");
    });
}

/// Room in the read-only data for `cargo leptos build --split`. Its splitter (wasm-split)
/// lays each output module's share of the data out aligned to 8 bytes and, when the shares
/// and their padding come out longer than the input's data, puts *all* the data into the main
/// file (83 KB more to download on the first page, 24 KB brotli). With ~135 modules the
/// padding reaches 940 bytes at most; these bytes, which no module uses, are the slack that
/// keeps it from ever coming out longer. Nothing downloads them: unused data is not emitted.
#[used]
static SPLIT_SLACK: [u8; 2048] = [0x5a; 2048];
