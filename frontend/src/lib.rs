//! The browser entry point: hydrates the page the server rendered.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
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
