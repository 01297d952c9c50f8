//! `/meja`: the CSO KPPN's desk — the submissions of its KPPN newest first with each
//! bundle's checklist, in-browser viewing, accept or return with a reason; the sessions
//! (schedule, today's list, attendance and outcome); the form code check; and the
//! confirmation of number changes whose bundle was accepted.

use crate::akses::layout::logged_in;
use crate::sistem::error::AppError;
use crate::sistem::komponen::{Notice, NoticeBar};
use domain::berkas::{BerkasInfo, BerkasStatus, DeskItem, DeskPengajuan};
use domain::formulir::{Cek, Dokumen};
use domain::jadwal::{JadwalInput, JadwalRow, MejaJadwal, Mode, SatkerMitra};
use leptos::prelude::*;

#[server(endpoint = "meja_daftar")]
pub async fn meja_daftar() -> Result<Vec<DeskPengajuan>, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::dokumen::berkas::meja(&state.pool, &caller, 30).await?)
}

#[server(endpoint = "meja_putuskan")]
pub async fn meja_putuskan(
    berkas_id: domain::BerkasId,
    ceklis: Vec<bool>,
    terima: bool,
    alasan: String,
) -> Result<BerkasInfo, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let mut c = [false; 5];
    for (slot, v) in c.iter_mut().zip(ceklis) {
        *slot = v;
    }
    use domain::berkas::Keputusan;
    let keputusan = if terima { Keputusan::Terima } else { Keputusan::Kembalikan { alasan } };
    Ok(backend::dokumen::berkas::putuskan(&state.pool, &caller, berkas_id, c, &keputusan, state.clock.now()).await?)
}

/// The CSO's sessions page ([`MejaJadwal`]).
#[server(endpoint = "jadwal_daftar_kppn")]
pub async fn jadwal_daftar_kppn() -> Result<MejaJadwal, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let now = state.clock.now();
    let sesi = backend::jadwal::kppn(&state.pool, &caller, now).await?;
    let slot = backend::jadwal::slot_kppn(&state.pool, &caller, now).await?;
    let satker = backend::jadwal::satker_mitra(&state.pool, &caller)
        .await?
        .into_iter()
        .map(|(kode, nama)| SatkerMitra { kode, nama })
        .collect();
    Ok(MejaJadwal { sesi, slot, satker, now_ms: now.timestamp_millis() })
}

/// Sets a satker's session, or (without a satker) publishes an open slot; says which.
#[server(endpoint = "jadwal_buat")]
pub async fn jadwal_buat(input: JadwalInput) -> Result<String, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let now = state.clock.now();
    let waktu = crate::jadwal::waktu_sesi;
    Ok(if input.satker_kode.trim().is_empty() {
        let s = backend::jadwal::terbitkan(&state.pool, &caller, &input, now).await?;
        format!("Slot {} untuk {} satker terbit; satker mitra dapat memesannya.", waktu(s.mulai_ms), s.kapasitas)
    } else {
        let j = backend::jadwal::buat(&state.pool, &caller, &input, now).await?;
        format!("Jadwal {} {} tersimpan; satker dapat melihatnya.", j.satker_kode, waktu(j.mulai_ms))
    })
}

/// Today's queue: the satker of booking `jadwal_id` has arrived.
#[server(endpoint = "jadwal_tiba")]
pub async fn jadwal_tiba(jadwal_id: domain::JadwalId) -> Result<JadwalRow, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::jadwal::tiba(&state.pool, &caller, jadwal_id, state.clock.now()).await?)
}

/// The calling CSO takes session `jadwal_id` (or takes it over from another CSO): only it
/// enters the session's aktivasi codes.
#[server(endpoint = "jadwal_ambil")]
pub async fn jadwal_ambil(jadwal_id: domain::JadwalId) -> Result<JadwalRow, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::jadwal::ambil(&state.pool, &caller, jadwal_id, state.clock.now()).await?)
}

#[server(endpoint = "jadwal_catat")]
pub async fn jadwal_catat(jadwal_id: domain::JadwalId, hadir: bool, hasil: String) -> Result<JadwalRow, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    use domain::jadwal::Kehadiran;
    let k = if hadir { Kehadiran::Hadir } else { Kehadiran::TidakHadir };
    Ok(backend::jadwal::catat(&state.pool, &caller, jadwal_id, k, &hasil, state.clock.now()).await?)
}

#[server(endpoint = "formulir_cek")]
pub async fn formulir_cek(kode: String) -> Result<Cek, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::dokumen::formulir::cek(&state.pool, &caller, &kode).await?)
}

#[component]
pub fn MejaPage() -> impl IntoView {
    logged_in(|me| {
        if domain::authz::role_may(me.role, domain::authz::Action::MejaCso) {
            view! { <Meja me=me.user_id/> }.into_any()
        } else {
            view! { <p class="error" role="alert">"Meja berkas ini hanya untuk CSO KPPN."</p> }.into_any()
        }
    })
}

#[component]
fn Meja(me: domain::UserId) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<Notice>);
    crate::sistem::live::refresh_on_change(tick);
    let desk = Resource::new(move || tick.get(), |_| meja_daftar());
    let viewing = RwSignal::new(None::<(domain::BerkasId, String)>);
    let say = move |r: Result<String, AppError>| {
        match r {
            Ok(t) => notice.set(Some(Notice::ok(t))),
            Err(e) => notice.set(Some(Notice { ok: false, text: e.to_string() })),
        }
        tick.update(|t| *t += 1);
    };
    view! {
        <h1>"Meja Berkas & Jadwal"</h1>
        <NoticeBar notice/>
        <Sessions tick say me/>
        <FormCheck/>
        <crate::aktivasi::ubah_nomor::Confirmations tick say/>
        <section aria-labelledby="h-pengajuan">
            <h2 id="h-pengajuan">"Pengajuan Formulir Aktivasi OTP SAKTI Satker"</h2>
            <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
                {move || desk.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"Belum ada pengajuan dari satker."</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|g| view! {
                        <article class="card submission" aria-label=format!("Pengajuan satker {}", g.satker_kode)>
                            <h3>{format!("{} {}", g.satker_kode, g.satker_nama)}</h3>
                            <p class="muted">{format!("Diajukan {} oleh {}", domain::format::wib_ms(g.diajukan_ms), g.diajukan_oleh)}</p>
                            {g.items.into_iter().map(|item| view! { <DeskEntry item viewing say/> }).collect_view()}
                        </article>
                    }).collect_view().into_any(),
                })}
            </Transition>
        </section>
        {move || viewing.get().map(|(id, nama)| view! {
            <crate::sistem::komponen::Modal title="Berkas pejabat" on_close=move || viewing.set(None)>
                <p><a href=format!("/api/berkas/{id}") target="_blank">{format!("Buka {nama} di tab baru")}</a></p>
                <iframe class="pdf-view" src=format!("/api/berkas/{id}") title=format!("Berkas {nama}")></iframe>
            </crate::sistem::komponen::Modal>
        })}
    }
}

#[component]
fn DeskEntry(
    item: DeskItem,
    viewing: RwSignal<Option<(domain::BerkasId, String)>>,
    say: impl Fn(Result<String, AppError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let b = item.berkas.clone();
    let id = b.id;
    let ceklis: Vec<RwSignal<bool>> = b.ceklis.iter().map(|v| RwSignal::new(*v)).collect();
    let alasan = RwSignal::new(String::new());
    let open = b.status == BerkasStatus::Diajukan;
    let decide =
        Action::new(move |(terima, c, a): &(bool, Vec<bool>, String)| meja_putuskan(id, c.clone(), *terima, a.clone()));
    let nama = item.nama.clone();
    Effect::new(move |_| {
        if let Some(r) = decide.value().get() {
            say(r.map(|info| format!("Berkas {} {}.", nama, info.status.label())));
        }
    });
    let checks = ceklis.clone();
    let values = move || checks.iter().map(|s| s.get_untracked()).collect::<Vec<_>>();
    let values2 = values.clone();
    let file = b.nama_file.clone();
    view! {
        <div class="desk-item" role="group" aria-label=format!("Berkas {}", item.nama)>
            <p>
                <strong>{item.nama.clone()}</strong>
                {format!(" · {} · NIP {} · {}", item.jabatan.short(), item.nip, item.keperluan.label())}
                " " <span class=format!("badge status-{}", b.status.label().to_lowercase())>{b.status.label()}</span>
            </p>
            <p class="muted mono">{format!("{} · {} KB · SHA-256 {}…", b.nama_file, (b.ukuran + 1023) / 1024, &b.sha256[..16])}</p>
            <button on:click=move |_| viewing.set(Some((id, file.clone())))>"Lihat PDF"</button>
            <fieldset class="checklist" disabled=!open>
                <legend>"Daftar periksa"</legend>
                {Dokumen::ALL.iter().zip(ceklis.iter().copied()).map(|(d, s)| view! {
                    <label class="check"><input type="checkbox" prop:checked=move || s.get()
                        on:change=move |ev| s.set(event_target_checked(&ev))/>" " {d.label()}</label>
                }).collect_view()}
            </fieldset>
            {b.alasan.clone().map(|a| view! { <p class="returned">"Alasan pengembalian: " {a}</p> })}
            <Show when=move || open>
                <div class="decide">
                    <label for=format!("alasan-{id}")>"Alasan bila dikembalikan"</label>
                    <input id=format!("alasan-{id}") type="text" maxlength="500" prop:value=move || alasan.get()
                        on:input=move |ev| alasan.set(event_target_value(&ev))/>
                    <div class="actions">
                        <button class="primary" disabled=move || decide.pending().get() aria-busy=move || decide.pending().get().to_string()
                            on:click={let v = values.clone(); move |_| { decide.dispatch((true, v(), String::new())); }}>
                            {move || if decide.pending().get() { "Memproses…" } else { "Terima" }}</button>
                        <button class="danger" disabled=move || decide.pending().get() aria-busy=move || decide.pending().get().to_string()
                            on:click={let v = values2.clone(); move |_| { decide.dispatch((false, v(), alasan.get_untracked())); }}>"Kembalikan"</button>
                    </div>
                </div>
            </Show>
        </div>
    }
}

#[component]
fn Sessions(
    me: domain::UserId,
    tick: RwSignal<u32>,
    say: impl Fn(Result<String, AppError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let data = Resource::new(move || tick.get(), |_| jadwal_daftar_kppn());
    let input = RwSignal::new(JadwalInput {
        mode: Mode::Kppn.code().into(),
        kapasitas: "1".into(),
        durasi: domain::jadwal::DURASI_BAKU.to_string(),
        ..Default::default()
    });
    let buat = Action::new(|i: &JadwalInput| jadwal_buat(i.clone()));
    let catat =
        Action::new(|(id, hadir, hasil): &(domain::JadwalId, bool, String)| jadwal_catat(*id, *hadir, hasil.clone()));
    let field_error = move |f: &'static str| {
        buat.value().get().and_then(|r| r.err()).and_then(|e| e.fields().and_then(|fe| fe.get(f).map(str::to_owned)))
    };
    Effect::new(move |_| {
        if let Some(r) = buat.value().get() {
            if r.is_ok() {
                input.update(|i| {
                    i.tautan.clear();
                    i.catatan.clear();
                });
            }
            say(r);
        }
    });
    Effect::new(move |_| {
        if let Some(r) = catat.value().get() {
            say(r.map(|_| "Kehadiran dan hasil sesi tercatat.".to_string()));
        }
    });
    let tiba = Action::new(|id: &domain::JadwalId| jadwal_tiba(*id));
    Effect::new(move |_| {
        if let Some(r) = tiba.value().get() {
            say(r.map(|j| format!("Satker {} telah tiba.", j.satker_kode)));
        }
    });
    let ambil = Action::new(|id: &domain::JadwalId| jadwal_ambil(*id));
    Effect::new(move |_| {
        if let Some(r) = ambil.value().get() {
            say(r.map(|j| {
                let nomor = j.nomor_sesi.unwrap_or_default();
                format!(
                    "Sesi {} dipegang Anda dengan nomor sesi {nomor}. Sebutkan nomor ini kepada pejabat.",
                    j.satker_kode
                )
            }));
        }
    });
    let set = move |f: fn(&mut JadwalInput, String)| {
        move |ev: leptos::ev::Event| input.update(|i| f(i, event_target_value(&ev)))
    };
    view! {
        <section aria-labelledby="h-jadwal">
            <h2 id="h-jadwal">"Jadwal sesi aktivasi"</h2>
            <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(MejaJadwal { sesi: list, slot: slots, satker: satkers, now_ms }) => {
                        let today = domain::jadwal::wib_date_of_ms(now_ms);
                        let (hari_ini, nanti): (Vec<_>, Vec<_>) = list.into_iter().partition(|j| domain::jadwal::wib_date_of_ms(j.mulai_ms) == today);
                        view! {
                            <h3>"Antrean hari ini"</h3>
                            {if hari_ini.is_empty() { view! { <p class="empty">"Tidak ada sesi hari ini."</p> }.into_any() } else {
                                view! { <ol class="sessions queue">{hari_ini.into_iter().map(|j| view! { <SessionRow j catat tiba ambil me now_ms/> }).collect_view()}</ol> }.into_any()
                            }}
                            <h3>"Berikutnya"</h3>
                            {if nanti.is_empty() { view! { <p class="empty">"Belum ada sesi berikutnya."</p> }.into_any() } else {
                                view! { <ul class="sessions">{nanti.into_iter().map(|j| view! { <SessionRow j catat tiba ambil me now_ms/> }).collect_view()}</ul> }.into_any()
                            }}
                            <h3>"Slot terbuka"</h3>
                            {if slots.is_empty() { view! { <p class="empty">"Belum ada slot terbuka."</p> }.into_any() } else {
                                view! { <ul class="sessions">{slots.into_iter().map(|s| view! {
                                    <li class="slot">
                                        <strong>{crate::jadwal::waktu_sesi(s.mulai_ms)}</strong>
                                        <span>{format!("{} · {} menit · {} dari {} terisi", s.mode.label(), s.durasi_menit, s.terisi, s.kapasitas)}</span>
                                    </li>
                                }).collect_view()}</ul> }.into_any()
                            }}
                            <form class="card session-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); buat.dispatch(input.get_untracked()); }>
                                <h3>"Buka slot atau jadwalkan sesi"</h3>
                                <div class="field">
                                    <label for="j-satker">"Satker"</label>
                                    <select id="j-satker" on:change=set(|i, v| i.satker_kode = v)>
                                        <option value="">"— slot terbuka, dipesan satker —"</option>
                                        {satkers.into_iter().map(|SatkerMitra { kode: k, nama: n }| view! { <option value=k.clone()>{format!("{k} {n}")}</option> }).collect_view()}
                                    </select>
                                    <p class="field-error">{move || field_error("satker_kode")}</p>
                                </div>
                                <div class="field">
                                    <label for="j-tanggal">"Tanggal (WIB)"</label>
                                    <input id="j-tanggal" type="text" inputmode="numeric" maxlength="10" placeholder=crate::TANGGAL_HINT on:input=set(|i, v| i.tanggal = v)/>
                                    <p class="field-error">{move || field_error("tanggal")}</p>
                                </div>
                                <div class="field">
                                    <label for="j-jam">"Jam (WIB)"</label>
                                    <input id="j-jam" type="time" on:input=set(|i, v| i.jam = v)/>
                                    <p class="field-error">{move || field_error("jam")}</p>
                                </div>
                                <div class="field">
                                    <label for="j-durasi">"Durasi (menit)"</label>
                                    <input id="j-durasi" type="number" inputmode="numeric" min="10" max="480" prop:value=move || input.with(|i| i.durasi.clone()) on:input=set(|i, v| i.durasi = v)/>
                                    <p class="field-error">{move || field_error("durasi")}</p>
                                </div>
                                <div class="field">
                                    <label for="j-kapasitas">"Kapasitas (satker)"</label>
                                    <input id="j-kapasitas" type="number" inputmode="numeric" min="1" max="50" prop:value=move || input.with(|i| i.kapasitas.clone()) on:input=set(|i, v| i.kapasitas = v)/>
                                    <p class="field-error">{move || field_error("kapasitas")}</p>
                                </div>
                                <fieldset>
                                    <legend>"Tempat"</legend>
                                    <label class="radio"><input type="radio" name="j-mode" checked=true on:change=move |_| input.update(|i| i.mode = Mode::Kppn.code().into())/>" Di KPPN"</label>
                                    <label class="radio"><input type="radio" name="j-mode" on:change=move |_| input.update(|i| i.mode = Mode::VideoConference.code().into())/>" Video conference"</label>
                                </fieldset>
                                <div class="field">
                                    <label for="j-tautan">"Tautan video conference"</label>
                                    <input id="j-tautan" type="url" placeholder="https://" prop:value=move || input.with(|i| i.tautan.clone()) on:input=set(|i, v| i.tautan = v)/>
                                    <p class="field-error">{move || field_error("tautan")}</p>
                                </div>
                                <div class="field">
                                    <label for="j-catatan">"Catatan"</label>
                                    <input id="j-catatan" type="text" maxlength="500" prop:value=move || input.with(|i| i.catatan.clone()) on:input=set(|i, v| i.catatan = v)/>
                                </div>
                                <button type="submit" class="primary" disabled=move || buat.pending().get() aria-busy=move || buat.pending().get().to_string()>
                                    {move || if buat.pending().get() { "Menyimpan…" } else { "Simpan Jadwal" }}</button>
                            </form>
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}

type CatatAction = Action<(domain::JadwalId, bool, String), Result<JadwalRow, AppError>>;
type TibaAction = Action<domain::JadwalId, Result<JadwalRow, AppError>>;

#[component]
fn SessionRow(
    j: JadwalRow,
    catat: CatatAction,
    tiba: TibaAction,
    ambil: TibaAction,
    me: domain::UserId,
    now_ms: i64,
) -> impl IntoView {
    let hasil = RwSignal::new(String::new());
    let id = j.id;
    let started = j.mulai_ms <= now_ms;
    let today = domain::jadwal::wib_date_of_ms(j.mulai_ms) == domain::jadwal::wib_date_of_ms(now_ms);
    let may_arrive = today && j.tiba_ms.is_none() && j.kehadiran.is_none();
    // who holds it: only the holder enters its aktivasi codes (issue 26)
    let ended = now_ms > j.mulai_ms + i64::from(j.durasi_menit) * 60_000;
    let may_take = today && !ended && j.kehadiran != Some(domain::jadwal::Kehadiran::TidakHadir);
    let take = move |label: &'static str| {
        may_take.then(|| {
            view! {
                <button disabled=move || ambil.pending().get() aria-busy=move || ambil.pending().get().to_string()
                    on:click=move |_| { ambil.dispatch(id); }>{label}</button>
            }
        })
    };
    let pegang = match (&j.pemegang, j.nomor_sesi) {
        (Some(p), Some(n)) if p.user_id == me => {
            view! { <span class="badge">{format!("Dipegang Anda · No. {n}")}</span> }.into_any()
        }
        (Some(p), _) => {
            view! { <span class="badge">{format!("Dipegang {}", p.nama)}</span> {take("Ambil alih")} }.into_any()
        }
        (None, _) => view! { {take("Ambil sesi")} }.into_any(),
    };
    view! {
        <li class="card session" aria-label=format!("Sesi {} {}", j.satker_kode, crate::jadwal::waktu_sesi(j.mulai_ms))>
            <strong>{crate::jadwal::waktu_sesi(j.mulai_ms)}</strong>
            <span>{format!("{} {}", j.satker_kode, j.satker_nama)}</span>
            <span>{format!("{} · {} menit", j.mode.label(), j.durasi_menit)}</span>
            <Show when={let p = j.pejabat.clone(); move || !p.is_empty()}>
                <span>{format!("Pejabat: {}", j.pejabat.join(", "))}</span>
            </Show>
            {j.tiba_ms.map(|t| view! { <span class="badge">{format!("Tiba {}", domain::jadwal::wib_of_ms(t).format("%H:%M"))}</span> })}
            <Show when=move || may_arrive>
                <button disabled=move || tiba.pending().get() on:click=move |_| { tiba.dispatch(id); }>"Tiba"</button>
            </Show>
            {pegang}
            {j.tautan.clone().map(|t| { let text = t.clone(); view! { <a href=t rel="noopener noreferrer" target="_blank">{text}</a> } })}
            {match j.kehadiran {
                Some(k) => view! { <span class="badge">{format!("{} · {}", k.label(), j.hasil.clone().unwrap_or_default())}</span> }.into_any(),
                None if started => view! {
                    <div class="inline-form">
                        <label for=format!("hasil-{id}")>"Hasil sesi"</label>
                        <input id=format!("hasil-{id}") type="text" maxlength="500" prop:value=move || hasil.get() on:input=move |ev| hasil.set(event_target_value(&ev))/>
                        <button disabled=move || catat.pending().get() aria-busy=move || catat.pending().get().to_string() on:click=move |_| { catat.dispatch((id, true, hasil.get_untracked())); }>"Hadir"</button>
                        <button disabled=move || catat.pending().get() aria-busy=move || catat.pending().get().to_string() on:click=move |_| { catat.dispatch((id, false, hasil.get_untracked())); }>"Tidak hadir"</button>
                    </div>
                }.into_any(),
                None => view! { <span class="muted">"Kehadiran dicatat setelah sesi dimulai."</span> }.into_any(),
            }}
        </li>
    }
}

#[component]
fn FormCheck() -> impl IntoView {
    let kode = RwSignal::new(String::new());
    let cek = Action::new(|k: &String| formulir_cek(k.clone()));
    // the QR code on a printed form opens `/meja?kode=…`: look it up at once
    let query = leptos_router::hooks::use_query_map();
    Effect::new(move |_| {
        if let Some(k) = query.with_untracked(|q| q.get("kode")) {
            kode.set(k.clone());
            cek.dispatch(k);
        }
    });
    view! {
        <section aria-labelledby="h-cek" class="card">
            <h2 id="h-cek">"Cek Formulir"</h2>
            <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); cek.dispatch(kode.get_untracked()); }>
                <label for="kode-cek">"Kode verifikasi pada formulir"</label>
                <input id="kode-cek" type="text" autocomplete="off" placeholder="XXXX-XXXX" maxlength="12"
                    prop:value=move || kode.get() on:input=move |ev| kode.set(event_target_value(&ev))/>
                <button type="submit" disabled=move || cek.pending().get() aria-busy=move || cek.pending().get().to_string()>{move || if cek.pending().get() { "Memeriksa…" } else { "Cek" }}</button>
            </form>
            {move || cek.value().get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(c) => view! {
                    <p class=if c.sesuai() { "notice ok" } else { "notice error" } role="status">
                        {format!("{} · dicetak {} · {}", c.jenis.label(), domain::format::wib_ms(c.dicetak_ms), c.putusan())}
                    </p>
                    <table class="compare"><thead><tr><th>"Isian"</th><th>"Pada formulir"</th><th>"Data saat ini"</th></tr></thead>
                        <tbody>{c.baris.into_iter().map(|(l, a, b)| view! {
                            <tr class:beda={a != b}><td>{l}</td><td>{a.clone()}</td><td>{b.clone()}</td></tr>
                        }).collect_view()}</tbody></table>
                }.into_any(),
            })}
        </section>
    }
}
