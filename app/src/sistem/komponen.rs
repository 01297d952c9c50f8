//! The small pieces every page builds with: the modal dialog, the notice bar, and the latest
//! answer of a resource for the parts of a page outside its `<Transition>`.

use leptos::prelude::*;

/// The latest answer of `resource`, for the parts of a page outside its `<Transition>`.
/// Copied by an effect, which runs in the browser only: reading the resource itself from
/// two suspense boundaries during server-side rendering deadlocked the reactive graph's
/// locks and with them the whole server. `None` until the first answer after hydration.
pub fn latest<T>(resource: Resource<T>) -> RwSignal<Option<T>>
where
    T: Clone + Send + Sync + 'static,
{
    let copy = RwSignal::new(None);
    Effect::new(move |_| copy.set(resource.get()));
    copy
}

/// A short message after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

impl Notice {
    pub fn ok(text: impl Into<String>) -> Self {
        Notice { ok: true, text: text.into() }
    }
}

#[component]
pub fn NoticeBar(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    view! {
        <div class="notice-slot" role="status" aria-live="polite">
            {move || notice.get().map(|n| view! {
                <p class=if n.ok { "notice ok" } else { "notice error" }>
                    {n.text}
                    <button class="link" aria-label="Tutup pesan" on:click=move |_| notice.set(None)>"×"</button>
                </p>
            })}
        </div>
    }
}

/// A modal dialog: takes the focus when it opens; Escape (wherever the focus is) or the
/// close button calls `on_close`.
#[component]
pub fn Modal(
    title: &'static str,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
    children: Children,
) -> impl IntoView {
    let close_key = on_close.clone();
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            close_key();
        }
    });
    on_cleanup(move || escape.remove());
    let dialog = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title" tabindex="-1" node_ref=dialog>
                <div class="modal-head">
                    <h2 id="modal-title">{title}</h2>
                    <button class="link close" aria-label="Tutup" on:click=move |_| on_close()>"×"</button>
                </div>
                {children()}
            </div>
        </div>
    }
}
