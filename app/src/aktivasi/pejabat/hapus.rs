//! "Hapus": confirm, then remove the reference from the table (the record is kept).

use crate::sistem::error::AppError;
use crate::sistem::komponen::Modal;
use domain::pejabat::PejabatRow;
use leptos::prelude::*;

#[server(endpoint = "pejabat_hapus")]
pub async fn pejabat_hapus(id: domain::PejabatId) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::pejabat::hapus(&state.pool, &caller, id, state.clock.now()).await?)
}

#[component]
pub fn HapusDialog(
    row: PejabatRow,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
    on_done: impl Fn(String) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let hapus = Action::new(|id: &domain::PejabatId| pejabat_hapus(*id));
    // Hapus of an AKTIF reference asks for the password again first
    crate::akses::ulang::step_up_retry(
        move || hapus.input().get(),
        move || hapus.value().get(),
        move |i| {
            hapus.dispatch(i);
        },
    );
    let nama = row.nama.clone();
    Effect::new(move |_| {
        if let Some(Ok(())) = hapus.value().get() {
            on_done(nama.clone());
        }
    });
    let error = move || hapus.value().get().and_then(Result::err).map(|e| e.to_string());
    let id = row.id;
    let cancel = on_close.clone();
    view! {
        <Modal title="Hapus Referensi Pejabat" on_close>
            <p>"Hapus referensi pejabat berikut dari Tabel Pejabat?"</p>
            <dl class="summary">
                <dt>"Nama"</dt><dd>{row.nama.clone()}</dd>
                <dt>"NIP"</dt><dd class="mono">{row.nip.clone()}</dd>
                <dt>"Jabatan"</dt><dd>{row.jabatan.label()}</dd>
                <dt>"Status"</dt><dd>{row.status.label()}</dd>
            </dl>
            <p class="muted">"Data tidak hilang: penghapusan dicatat dalam jejak audit."</p>
            <Show when=move || error().is_some()>
                <p class="error" role="alert">{error}</p>
            </Show>
            <div class="actions">
                <button type="button" on:click=move |_| cancel()>"Batal"</button>
                <button type="button" class="danger" disabled=move || hapus.pending().get() aria-busy=move || hapus.pending().get().to_string()
                    on:click=move |_| { hapus.dispatch(id); }>
                    {move || if hapus.pending().get() { "Menghapus…" } else { "Ya, Hapus" }}
                </button>
            </div>
        </Modal>
    }
}
