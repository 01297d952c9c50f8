//! The satker's activation sessions on `/berkas`: its bookings with time, place and link;
//! for the Admin Lokal, the open slots of its KPPN to book for named pejabat (KPA first;
//! PPK and PPSPM once the KPA is AKTIF and has sent their data), and Pindah / Batalkan up to
//! an hour before.

use crate::sistem::error::AppError;
use crate::sistem::komponen::Notice;
use domain::jadwal::{Calon, JadwalRow, JadwalSatker, SlotRow};
use domain::{JadwalId, PejabatId};
use leptos::prelude::*;

#[server(endpoint = "jadwal_daftar_satker")]
pub async fn jadwal_daftar_satker() -> Result<JadwalSatker, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::jadwal::satker(&state.pool, &caller, state.clock.now()).await?)
}

#[server(endpoint = "jadwal_pesan")]
pub async fn jadwal_pesan(slot_id: domain::SlotId, pejabat: Vec<PejabatId>) -> Result<JadwalRow, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::jadwal::pesan(&state.pool, &caller, slot_id, &pejabat, state.clock.now()).await?)
}

#[server(endpoint = "jadwal_pindah")]
pub async fn jadwal_pindah(jadwal_id: JadwalId, slot_id: domain::SlotId) -> Result<JadwalRow, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::jadwal::pindah(&state.pool, &caller, jadwal_id, slot_id, state.clock.now()).await?)
}

#[server(endpoint = "jadwal_batal")]
pub async fn jadwal_batal(jadwal_id: JadwalId) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::jadwal::batal(&state.pool, &caller, jadwal_id, state.clock.now()).await?)
}

/// `Selasa, 24 Nov 2026 09:30 WIB` of epoch milliseconds.
pub fn waktu_sesi(ms: i64) -> String {
    domain::jadwal::waktu(domain::jadwal::wib_of_ms(ms))
}

/// What a booking or slot change does, for one action.
#[derive(Clone)]
enum Ubah {
    Pesan(domain::SlotId, Vec<PejabatId>),
    Pindah(JadwalId, domain::SlotId),
    Batal(JadwalId),
}

/// The section: bookings, then (Admin Lokal) the booking form.
#[component]
pub fn JadwalSatkerView(is_admin: bool, tick: RwSignal<u32>, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let data = Resource::new(move || tick.get(), |_| jadwal_daftar_satker());
    let pilih = RwSignal::new(Vec::<PejabatId>::new());
    let pindah = RwSignal::new(None::<JadwalId>);
    let ubah = Action::new(|u: &Ubah| {
        let u = u.clone();
        async move {
            match u {
                Ubah::Pesan(slot, pejabat) => jadwal_pesan(slot, pejabat)
                    .await
                    .map(|j| format!("Sesi {} dipesan untuk {}.", waktu_sesi(j.mulai_ms), j.pejabat.join(", "))),
                Ubah::Pindah(id, slot) => {
                    jadwal_pindah(id, slot).await.map(|j| format!("Sesi dipindah ke {}.", waktu_sesi(j.mulai_ms)))
                }
                Ubah::Batal(id) => jadwal_batal(id).await.map(|()| "Sesi dibatalkan.".to_string()),
            }
        }
    });
    Effect::new(move |_| match ubah.value().get() {
        Some(Ok(text)) => {
            notice.set(Some(Notice::ok(text)));
            pilih.set(Vec::new());
            pindah.set(None);
            tick.update(|t| *t += 1);
        }
        Some(Err(e)) => notice.set(Some(Notice { ok: false, text: e.to_string() })),
        None => {}
    });
    let busy = move || ubah.pending().get();
    view! {
        <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(JadwalSatker { sesi, slot, calon, now_ms }) => view! {
                    {if sesi.is_empty() {
                        view! { <p class="empty">"Belum ada jadwal sesi aktivasi."</p> }.into_any()
                    } else {
                        view! { <ul class="sessions">{sesi.into_iter().map(|j| view! {
                            <Booking j now_ms is_admin pindah busy on_batal=move |id| { ubah.dispatch(Ubah::Batal(id)); }/>
                        }).collect_view()}</ul> }.into_any()
                    }}
                    {is_admin.then(|| view! {
                        <BookingForm slots=slot calon pilih pindah busy
                            on_pesan=move |s| { ubah.dispatch(Ubah::Pesan(s, pilih.get_untracked())); }
                            on_pindah=move |(id, s)| { ubah.dispatch(Ubah::Pindah(id, s)); }/>
                    })}
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Booking(
    j: JadwalRow,
    now_ms: i64,
    is_admin: bool,
    pindah: RwSignal<Option<JadwalId>>,
    busy: impl Fn() -> bool + Copy + Send + Sync + 'static,
    on_batal: impl Fn(JadwalId) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = j.id;
    let may_change = is_admin && j.dapat_diubah(now_ms);
    view! {
        <li class="card session" aria-label=format!("Sesi {}", waktu_sesi(j.mulai_ms))>
            <strong>{waktu_sesi(j.mulai_ms)}</strong>
            <span>{format!("{} · {} menit", j.mode.label(), j.durasi_menit)}</span>
            {j.tautan.clone().map(|t| { let text = t.clone(); view! { <a href=t rel="noopener noreferrer" target="_blank">{text}</a> } })}
            <Show when={let p = j.pejabat.clone(); move || !p.is_empty()}>
                <span>{format!("Pejabat: {}", j.pejabat.join(", "))}</span>
            </Show>
            <Show when={let c = j.catatan.clone(); move || !c.is_empty()}>
                <span class="muted">{j.catatan.clone()}</span>
            </Show>
            {j.kehadiran.map(|k| view! { <span class="badge">{format!("{} · {}", k.label(), j.hasil.clone().unwrap_or_default())}</span> })}
            <Show when=move || may_change>
                <div class="actions">
                    <button disabled=busy on:click=move |_| pindah.update(|p| *p = if *p == Some(id) { None } else { Some(id) })>
                        {move || if pindah.get() == Some(id) { "Batal pindah" } else { "Pindah" }}
                    </button>
                    <button disabled=busy on:click=move |_| on_batal(id)>"Batalkan"</button>
                </div>
            </Show>
        </li>
    }
}

#[component]
fn BookingForm(
    slots: Vec<SlotRow>,
    calon: Vec<Calon>,
    pilih: RwSignal<Vec<PejabatId>>,
    pindah: RwSignal<Option<JadwalId>>,
    busy: impl Fn() -> bool + Copy + Send + Sync + 'static,
    on_pesan: impl Fn(domain::SlotId) + Copy + Send + Sync + 'static,
    on_pindah: impl Fn((JadwalId, domain::SlotId)) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // who may be booked now, and why each other one (not yet AKTIF) may not
    let (mut siap, mut belum) = (Vec::new(), Vec::new());
    for c in &calon {
        match c.halangan(&calon) {
            None => siap.push((c.id, c.sebutan())),
            Some(why) if c.status != domain::Status::Aktif => belum.push(format!("{}: {why}", c.sebutan())),
            Some(_) => {}
        }
    }
    let toggle = move |id: PejabatId| {
        pilih.update(|p| {
            if let Some(i) = p.iter().position(|x| *x == id) {
                p.remove(i);
            } else {
                p.push(id);
            }
        })
    };
    view! {
        <div class="card booking">
            <h3>{move || if pindah.get().is_some() { "Pindahkan sesi ke slot lain" } else { "Pesan sesi aktivasi" }}</h3>
            <Show when=move || pindah.get().is_none()>
                <fieldset>
                    <legend>"Pejabat yang diaktivasi"</legend>
                    {if siap.is_empty() {
                        view! { <p class="muted">"Belum ada pejabat yang dapat dijadwalkan."</p> }.into_any()
                    } else {
                        siap.iter().map(|(id, sebutan)| {
                            let id = *id;
                            view! {
                                <label class="radio check">
                                    <input type="checkbox" prop:checked=move || pilih.with(|p| p.contains(&id)) on:change=move |_| toggle(id)/>
                                    {format!(" {sebutan}")}
                                </label>
                            }
                        }).collect_view().into_any()
                    }}
                    {belum.clone().into_iter().map(|line| view! { <p class="muted">{line}</p> }).collect_view()}
                </fieldset>
            </Show>
            {if slots.is_empty() {
                view! { <p class="empty">"CSO KPPN belum membuka slot sesi."</p> }.into_any()
            } else {
                view! { <ul class="sessions">{slots.into_iter().map(|s| {
                    let sisa = s.sisa();
                    let id = s.id;
                    view! {
                        <li class="slot">
                            <strong>{waktu_sesi(s.mulai_ms)}</strong>
                            <span>{format!("{} · {} menit · {}", s.mode.label(), s.durasi_menit,
                                if sisa == 0 { "penuh".to_string() } else { format!("{sisa} dari {} tempat tersisa", s.kapasitas) })}</span>
                            <Show when={let c = s.catatan.clone(); move || !c.is_empty()}>
                                <span class="muted">{s.catatan.clone()}</span>
                            </Show>
                            {move || match pindah.get() {
                                Some(j) => view! {
                                    <button disabled=move || busy() || sisa == 0 on:click=move |_| on_pindah((j, id))>"Pindahkan ke sini"</button>
                                }.into_any(),
                                None => view! {
                                    <button class="primary" disabled=move || busy() || sisa == 0 || pilih.with(Vec::is_empty)
                                        on:click=move |_| on_pesan(id)>"Pesan"</button>
                                }.into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}</ul> }.into_any()
            }}
        </div>
    }
}
