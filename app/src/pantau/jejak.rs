//! `/audit`: the audit trail of the Admin Lokal's satker or the CSO's KPPN, filtered by
//! date, actor, pejabat, action and outcome, a page at a time, with a CSV export.

use crate::akses::layout::logged_in;
use crate::sistem::error::AppError;
use domain::audit::{AuditQuery, AuditRow};
use domain::pejabat::Page;
use leptos::prelude::*;

#[server(endpoint = "audit_cari")]
pub async fn audit_cari(query: AuditQuery) -> Result<Page<AuditRow>, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::pantau::jejak::page(&state.pool, &caller, &query).await?)
}

#[component]
pub fn AuditPage() -> impl IntoView {
    logged_in(|me| {
        if domain::authz::role_may(me.role, domain::authz::Action::LihatAudit) {
            view! { <AuditView/> }.into_any()
        } else {
            view! { <p class="error" role="alert">"Jejak audit dapat dilihat oleh Admin Lokal dan CSO KPPN."</p> }
                .into_any()
        }
    })
}

#[component]
fn AuditView() -> impl IntoView {
    let form = RwSignal::new(AuditQuery::default());
    let applied = RwSignal::new(AuditQuery { page: 1, ..Default::default() });
    let rows = Resource::new(move || applied.get(), audit_cari);
    // the form reads the answer through `latest` (see there: never the resource itself
    // outside the <Transition>); a search is in flight from submit until the next answer
    let answer = crate::sistem::komponen::latest(rows);
    let searching = RwSignal::new(false);
    Effect::new(move |_| {
        answer.track();
        searching.set(false);
    });
    let busy = move || searching.get();
    let set = move |f: fn(&mut AuditQuery, String)| {
        move |ev: leptos::ev::Event| form.update(|q| f(q, event_target_value(&ev)))
    };
    let field_error = move |f: &'static str| {
        answer.with(|a| {
            a.as_ref()
                .and_then(|r| r.as_ref().err())
                .and_then(|e| e.fields())
                .and_then(|fe| fe.get(f).map(str::to_owned))
        })
    };
    let go = move |page: u32| {
        searching.set(true);
        applied.set(AuditQuery { page, ..form.get_untracked() });
    };
    let csv = move || format!("/api/audit.csv?{}", applied.with(AuditQuery::to_query_string));
    // the export asks for the password again first (a step-up), then downloads
    let unduh = Action::new(|(): &()| crate::akses::ulang::auth_segar());
    crate::akses::ulang::step_up_retry(
        move || unduh.input().get(),
        move || unduh.value().get(),
        move |()| {
            unduh.dispatch(());
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = unduh.value().get() {
            #[cfg(feature = "hydrate")]
            if let Some(w) = web_sys::window() {
                let _ = w.location().assign(&csv());
            }
        }
    });
    view! {
        <h1>"Jejak Audit"</h1>
        <form class="card filters" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); go(1); }>
            <div class="field"><label for="a-dari">"Dari tanggal"</label>
                <input id="a-dari" type="text" inputmode="numeric" maxlength="10" placeholder=crate::TANGGAL_HINT on:input=set(|q, v| q.dari = v)/>
                <p class="field-error">{move || field_error("dari")}</p></div>
            <div class="field"><label for="a-sampai">"Sampai tanggal"</label>
                <input id="a-sampai" type="text" inputmode="numeric" maxlength="10" placeholder=crate::TANGGAL_HINT on:input=set(|q, v| q.sampai = v)/>
                <p class="field-error">{move || field_error("sampai")}</p></div>
            <div class="field"><label for="a-aktor">"Pengguna"</label>
                <input id="a-aktor" type="search" maxlength="100" on:input=set(|q, v| q.aktor = v)/></div>
            <div class="field"><label for="a-pejabat">"Pejabat (nama/NIP)"</label>
                <input id="a-pejabat" type="search" maxlength="100" on:input=set(|q, v| q.pejabat = v)/></div>
            <div class="field"><label for="a-aksi">"Aksi"</label>
                // the trail's own vocabulary (domain::audit::Aksi), not free text
                <select id="a-aksi" on:change=set(|q, v| q.aksi = v)>
                    <option value="">"Semua aksi"</option>
                    {domain::audit::Aksi::ALL.into_iter().map(|a| view! { <option value=a.code()>{a.code()}</option> }).collect_view()}
                </select>
                <p class="field-error">{move || field_error("aksi")}</p></div>
            <div class="field"><label for="a-hasil">"Hasil"</label>
                <select id="a-hasil" on:change=set(|q, v| q.hasil = v)>
                    <option value="">"Semua"</option>
                    <option value="BERHASIL">"BERHASIL"</option>
                    <option value="DITOLAK">"DITOLAK"</option>
                    <option value="GAGAL">"GAGAL"</option>
                </select>
                <p class="field-error">{move || field_error("hasil")}</p></div>
            <div class="actions">
                <button type="submit" class="primary" disabled=busy aria-busy=move || busy().to_string()>
                    {move || if busy() { "Mencari…" } else { "Cari" }}</button>
                <a class="button" href=csv rel="external" download
                    on:click=move |ev: leptos::ev::MouseEvent| { ev.prevent_default(); unduh.dispatch(()); }>"Unduh CSV"</a>
            </div>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
            {move || rows.get().map(|r| match r {
                Err(AppError::Invalid(_)) => view! { <p class="error" role="alert">"Periksa kembali filter yang ditandai."</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(page) => {
                    let count = page.page_count();
                    let current = page.page;
                    view! {
                        <p class="muted">{if page.total as i64 > domain::audit::COUNT_CAP {
                            format!("lebih dari {} baris · halaman {}", domain::audit::COUNT_CAP, current)
                        } else {
                            format!("{} baris · halaman {} dari {}", page.total, current, count)
                        }}</p>
                        <div class="table-wrap">
                            <table class="audit" aria-label="Jejak Audit">
                                <thead><tr><th>"Waktu (WIB)"</th><th>"Pengguna"</th><th>"Aksi"</th><th>"Hasil"</th><th>"Pejabat"</th><th>"Keterangan"</th></tr></thead>
                                <tbody>{page.rows.into_iter().map(|r| { let class = format!("hasil-{}", r.hasil.to_lowercase()); view! {
                                    <tr class=class>
                                        <td class="mono">{domain::format::wib_ms(r.at_ms)}</td>
                                        <td>{r.aktor}<br/><span class="muted">{format!("{} {} {}", r.peran, r.unit, r.alamat)}</span></td>
                                        <td class="mono">{r.aksi}</td>
                                        <td>{r.hasil}</td>
                                        <td>{r.pejabat}</td>
                                        <td>{r.detail}</td>
                                    </tr>
                                }}).collect_view()}</tbody>
                            </table>
                        </div>
                        <nav class="pager" aria-label="Halaman jejak audit">
                            <button disabled=current <= 1 on:click=move |_| go(current - 1)>"‹ Sebelumnya"</button>
                            <button disabled=current >= count on:click=move |_| go(current + 1)>"Berikutnya ›"</button>
                        </nav>
                    }.into_any()
                }
            })}
        </Transition>
    }
}
