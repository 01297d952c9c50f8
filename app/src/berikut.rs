//! "Langkah berikutnya": the one thing the signed-in user should do next, at the top of its
//! home page (`domain::berikut` decides, `backend::berikut` gathers the facts). It follows the
//! page's own refresh (`tick`): a change made here or elsewhere moves it on.

use crate::sistem::error::AppError;
use domain::berikut::Berikut;
use leptos::prelude::*;

#[server(endpoint = "berikut")]
pub async fn berikut_saya() -> Result<Option<Berikut>, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::berikut::untuk(&state.pool, &caller, state.pantau, state.clock.now()).await?)
}

/// The next step as a banner: what, why, and the link to do it (none for a wait, nor for a
/// step on this very page: its buttons are below).
#[component]
pub fn LangkahBerikut(#[prop(into)] tick: Signal<u32>) -> impl IntoView {
    let data = Resource::new(move || tick.get(), |_| berikut_saya());
    let here = leptos_router::hooks::use_location().pathname;
    view! {
        <Transition fallback=|| ()>
            {move || data.get().and_then(Result::ok).flatten().map(|b| {
                view! {
                    <section class="berikut" class:selesai=b.selesai aria-labelledby="berikut-judul">
                        <p class="berikut-label">"Langkah berikutnya"</p>
                        <h2 id="berikut-judul">{b.judul}</h2>
                        <p>{b.alasan}</p>
                        {b.tautan.filter(|(href, _)| *href != here.get()).map(|(href, label)| {
                            view! { <a class="button primary" href=href>{label}</a> }
                        })}
                    </section>
                }
            })}
        </Transition>
    }
}
