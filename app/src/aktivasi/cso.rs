//! The CSO console (`/cso`): the KPPN's satkers, their pejabat waiting for activation,
//! whether a code is pending and for how long, and a large input for the code.

use crate::akses::layout::logged_in;
use crate::aktivasi::otp::{Synced, ticking_clock};
use crate::sistem::error::AppError;
use crate::sistem::komponen::{Notice, NoticeBar};
use domain::jadwal::JadwalRow;
use domain::otp::countdown;
use domain::pejabat::{Console, ConsoleRow, JenisPerhatian, Perhatian};
use domain::upacara::{Butir, CeklisInput, InfoSesi, KuasaInput};
use domain::{Jabatan, Status, UserId};
use leptos::prelude::*;

/// A fallback to the live updates: how often the console asks for changes anyway.
const POLL_MS: u64 = 10_000;

#[server(endpoint = "cso_daftar")]
pub async fn cso_daftar(search: String) -> Result<Console, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let toleransi = state.otp_key.sesi_toleransi();
    Ok(backend::aktivasi::cso::console(&state.pool, &caller, &search, toleransi, state.clock.now()).await?)
}

/// The code a pejabat read out, entered by the CSO holding its session with the checklist of
/// the session's mode.
#[server(endpoint = "cso_aktivasi")]
pub async fn cso_aktivasi(
    pejabat_id: domain::PejabatId,
    code: String,
    // nothing ticked sends no field: the checklist's own check refuses it, in words
    #[server(default)] ceklis: CeklisInput,
) -> Result<Status, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let now = state.clock.now();
    let purpose = domain::otp::Purpose::Aktivasi;
    let (pool, key) = (&state.pool, &state.otp_key);
    let status =
        backend::aktivasi::otp::submit(pool, key, &caller, pejabat_id, purpose, &code, Some(&ceklis), now).await?;
    // the activation stands once committed; its evidence record follows, signed by the server
    if let Err(e) = backend::aktivasi::bukti::catat(pool, &state.kunci.tanda, pejabat_id, now).await {
        tracing::error!(pejabat_id = %pejabat_id, error = %e, "bukti aktivasi tidak tercatat");
    }
    Ok(status)
}

/// A walk-in session: the pejabat stands in front of the CSO, who opens a session held by it.
#[server(endpoint = "cso_sesi_langsung")]
pub async fn cso_sesi_langsung(pejabat_id: domain::PejabatId) -> Result<JadwalRow, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let toleransi = state.otp_key.sesi_toleransi();
    Ok(backend::jadwal::langsung(&state.pool, &caller, pejabat_id, toleransi, state.clock.now()).await?)
}

#[server(endpoint = "cso_perhatian")]
pub async fn cso_perhatian() -> Result<Vec<Perhatian>, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::cso::perhatian(&state.pool, &caller, state.clock.now()).await?)
}

/// Unlocks a reference's OTP steps after a step-up, with what the CSO checked (`alasan`).
#[server(endpoint = "cso_buka_kunci_otp")]
pub async fn cso_buka_kunci_otp(pejabat_id: domain::PejabatId, alasan: String) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::kunci_otp::buka_kunci(&state.pool, &caller, pejabat_id, &alasan).await?)
}

#[component]
pub fn CsoPage() -> impl IntoView {
    logged_in(|me| {
        if domain::authz::role_may(me.role, domain::authz::Action::KonsolCso) {
            view! { <Console me=me.user_id/> }.into_any()
        } else {
            view! { <p class="error" role="alert">"Konsol ini hanya untuk CSO KPPN."</p> }.into_any()
        }
    })
}

#[component]
fn Console(me: UserId) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let search = RwSignal::new(String::new());
    let console = Resource::new(move || (tick.get(), search.get()), |(_, search)| cso_daftar(search));
    let clock = ticking_clock();
    let selected = RwSignal::new(None::<(ConsoleRow, String)>);
    let notice = RwSignal::new(None::<Notice>);
    crate::sistem::live::refresh_on_change(tick);
    crate::sistem::live::every(std::time::Duration::from_millis(POLL_MS), move || tick.update(|t| *t += 1));
    // the selected pejabat's session follows fresh data (taken, opened, handed over); the
    // rest of the row stays, so a refresh does not wipe what the CSO ticked or typed
    Effect::new(move |_| {
        if let Some(Ok(c)) = console.get() {
            let current = selected.get_untracked();
            if let Some((row, label)) = current {
                let fresh = c.satkers.iter().flat_map(|s| &s.rows).find(|r| r.id == row.id);
                if let Some(fresh) = fresh.filter(|f| f.sesi != row.sesi) {
                    selected.set(Some((ConsoleRow { sesi: fresh.sesi.clone(), ..row }, label)));
                }
            }
        }
    });
    let list = move || {
        console.get().map(|r| match r {
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            Ok(c) if c.satkers.is_empty() && search.with_untracked(|s| s.trim().is_empty()) => {
                view! { <p class="empty">"Belum ada pejabat yang menunggu aktivasi."</p> }.into_any()
            }
            Ok(c) if c.satkers.is_empty() => {
                view! { <p class="empty">"Tidak ada pejabat menunggu yang cocok dengan pencarian."</p> }.into_any()
            }
            Ok(c) => {
                let more = (c.waiting > c.shown() as i64).then(|| view! {
                    <p class="muted" role="status">
                        {format!("Menampilkan {} dari {} pejabat yang menunggu (kode berlaku lebih dulu). ", c.shown(), c.waiting)}
                        "Cari kode atau nama satker, nama atau NIP pejabat untuk yang lain."
                    </p>
                });
                let cards = c.satkers
                .into_iter()
                .map(|s| {
                    let satker_label = format!("{} {}", s.kode, s.nama);
                    view! {
                        <section class="card satker" aria-label=format!("Satker {}", s.kode)>
                            <h2>{s.kode.clone()} " " <span class="muted">{s.nama.clone()}</span></h2>
                            <ul class="waiting">
                                {s.rows.into_iter().map(|row| {
                                    // synced when the answer is rendered: corrects this device's clock
                                    let pending = row.pending.map(Synced::new);
                                    let left = move || pending.map(|p| p.expires_in(clock.get())).unwrap_or(0);
                                    let id = row.id;
                                    let is_selected = move || selected.with(|s| s.as_ref().is_some_and(|(r, _)| r.id == id));
                                    let pick = {
                                        let row = row.clone();
                                        let label = satker_label.clone();
                                        move |_| selected.set(Some((row.clone(), label.clone())))
                                    };
                                    view! {
                                        <li class:selected=is_selected>
                                            <button class="pick" aria-pressed=move || is_selected().to_string() on:click=pick>
                                                <span class="nama">{row.nama.clone()}</span>
                                                <span class="muted">{format!("{} · {} · {}", row.jabatan.short(), row.nip, row.no_hp)}</span>
                                                <span class="code-state">{move || if left() > 0 {
                                                    format!("Kode menunggu · {}", countdown(left()))
                                                } else {
                                                    "Belum ada kode berlaku".to_string()
                                                }}</span>
                                                <span class="sesi-state">{keadaan_sesi(row.sesi.as_ref(), me)}</span>
                                                {row.kiriman.clone().filter(|_| pending.is_some()).map(|k| view! {
                                                    <span class="sms-state" class:error=k.status.gagal()
                                                        data-status=k.status.code()>
                                                        {format!("SMS {} · {} · {} WIB", k.status.label(), k.nomor, domain::format::wib_ms(k.waktu_kirim_ms))}
                                                    </span>
                                                })}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }
                })
                .collect_view();
                view! { {more} {cards} }.into_any()
            }
        })
    };

    view! {
        <h1>"Konsol Aktivasi OTP"</h1>
        <crate::berikut::LangkahBerikut tick/>
        <NoticeBar notice/>
        <PerluPerhatian tick notice/>
        <div class="console">
            <div class="console-list">
                <div class="field search">
                    <label for="cari-konsol">"Cari satker atau pejabat"</label>
                    <input id="cari-konsol" type="search" placeholder="Kode/nama satker, nama atau NIP"
                        prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                </div>
                <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>{list}</Transition>
            </div>
            <div class="console-panel">
                {move || match selected.get() {
                    None => view! { <p class="muted">"Pilih pejabat yang hadir untuk memasukkan kode aktivasi."</p> }.into_any(),
                    Some((row, satker)) => view! {
                        <ActivationPanel row satker me tick on_done=move |text: String| {
                            selected.set(None);
                            notice.set(Some(Notice::ok(text)));
                            tick.update(|t| *t += 1);
                        }/>
                    }.into_any(),
                }}
            </div>
        </div>
    }
}

/// A pejabat's session as its line on the console says it.
fn keadaan_sesi(sesi: Option<&InfoSesi>, me: UserId) -> String {
    match sesi {
        None => "Belum ada sesi".to_string(),
        Some(s) => {
            let nomor = s.nomor.map(|n| format!("Sesi No. {n} · ")).unwrap_or_default();
            match &s.pemegang {
                Some(p) if p.user_id == me => format!("{nomor}{} · dipegang Anda", s.waktu()),
                Some(p) => format!("{nomor}{} · dipegang {}", s.waktu(), p.nama),
                None => format!("Sesi {} · belum diambil", s.waktu()),
            }
        }
    }
}

#[component]
fn ActivationPanel(
    row: ConsoleRow,
    satker: String,
    me: UserId,
    tick: RwSignal<u32>,
    on_done: impl Fn(String) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let id = row.id;
    let summary = view! {
        <dl class="summary">
            <dt>"Satuan Kerja"</dt><dd>{satker}</dd>
            <dt>"Nama"</dt><dd>{row.nama.clone()}</dd>
            <dt>"NIP"</dt><dd class="mono">{row.nip.clone()}</dd>
            <dt>"Jabatan"</dt><dd>{row.jabatan.label()}</dd>
        </dl>
    };
    let body = match row.sesi.clone() {
        Some(sesi) if sesi.dipegang(me) => view! { <CodeEntry row sesi on_done/> }.into_any(),
        other => view! { <NoSession id sesi=other tick/> }.into_any(),
    };
    view! {
        <div class="card activation">
            <h2>"Aktivasi OTP"</h2>
            {summary}
            {body}
        </div>
    }
}

/// The pejabat has no session held by this CSO: why, and the walk-in session for a pejabat
/// standing at the desk.
#[component]
fn NoSession(id: domain::PejabatId, sesi: Option<InfoSesi>, tick: RwSignal<u32>) -> impl IntoView {
    let buka = Action::new(move |_: &()| cso_sesi_langsung(id));
    Effect::new(move |_| {
        if let Some(Ok(_)) = buka.value().get() {
            tick.update(|t| *t += 1);
        }
    });
    let error = move || buka.value().get().and_then(Result::err).map(|e| e.to_string());
    let why = match &sesi {
        None => "Pejabat ini belum memiliki sesi aktivasi.".to_string(),
        Some(s) => match &s.pemegang {
            Some(p) => format!(
                "Sesi No. {} ({}) dipegang {}. Hanya CSO pemegang sesi yang memasukkan kode aktivasinya.",
                s.nomor.unwrap_or_default(),
                s.waktu(),
                p.nama
            ),
            None => format!("Sesi {} belum diambil. Ambil sesi di Meja Berkas & Jadwal.", s.waktu()),
        },
    };
    view! {
        <p role="status">{why}</p>
        <p class="muted">"Bila pejabat hadir di hadapan Anda di KPPN, buka sesi langsung: sesi dipegang Anda dan dicatat dalam jejak audit."</p>
        <Show when=move || error().is_some()>
            <p class="error" role="alert">{error}</p>
        </Show>
        <div class="actions">
            <button type="button" disabled=move || buka.pending().get() aria-busy=move || buka.pending().get().to_string()
                on:click=move |_| { buka.dispatch(()); }>
                {move || if buka.pending().get() { "Membuka…" } else { "Buka sesi langsung" }}
            </button>
        </div>
    }
}

/// The mandate letter's fields: id, label, the server's field name, numeric, length, setter.
type KuasaField = (&'static str, &'static str, &'static str, bool, u32, fn(&mut KuasaInput, String));
const KUASA: [KuasaField; 4] = [
    ("kuasa-nomor", "Nomor surat kuasa", "kuasa_nomor", false, 100, |k, v| k.nomor_surat = v),
    ("kuasa-tanggal", "Tanggal surat kuasa", "kuasa_tanggal", true, 10, |k, v| k.tanggal_surat = v),
    ("kuasa-nama", "Nama penerima kuasa", "kuasa_nama", false, 100, |k, v| k.nama = v),
    ("kuasa-nip", "NIP penerima kuasa", "kuasa_nip", true, 18, |k, v| k.nip = v),
];

/// The session held by this CSO: its number (which the pejabat's screen shows too), the
/// checklist of its mode, the proxy's mandate for a KPA, and the code.
#[component]
fn CodeEntry(
    row: ConsoleRow,
    sesi: InfoSesi,
    on_done: impl Fn(String) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let dicentang = RwSignal::new(Vec::<Butir>::new());
    let diwakilkan = RwSignal::new(false);
    let kuasa = RwSignal::new(KuasaInput::default());
    let is_kpa = row.jabatan == Jabatan::Kpa;
    let id = row.id;
    let activate = ServerAction::<CsoAktivasi>::new();
    let nama = row.nama.clone();
    Effect::new(move |_| {
        if let Some(Ok(status)) = activate.value().get() {
            on_done(format!("OTP {nama} telah {}.", status.label()));
        }
    });
    let failure = move || activate.value().get().and_then(Result::err);
    let error = move || failure().filter(|e| e.fields().is_none()).map(|e| e.to_string());
    let field_error =
        move |f: &'static str| failure().and_then(|e| e.fields().and_then(|fe| fe.get(f).map(str::to_owned)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let ceklis = CeklisInput {
            dicentang: dicentang.get_untracked(),
            kuasa: diwakilkan.get_untracked().then(|| kuasa.get_untracked()),
        };
        activate.dispatch(CsoAktivasi { pejabat_id: id, code: code.get_untracked(), ceklis });
    };
    let set = move |f: fn(&mut KuasaInput, String)| {
        move |ev: leptos::ev::Event| kuasa.update(|k| f(k, event_target_value(&ev)))
    };
    let nomor = sesi.nomor.map(|n| n.to_string()).unwrap_or_default();
    view! {
        <form on:submit=submit>
            <p class="nomor-sesi">"Nomor sesi " <strong>{nomor.clone()}</strong></p>
            <p class="muted">{format!("{} · {}{}", sesi.waktu(), sesi.mode.label(), if sesi.langsung { " · sesi langsung" } else { "" })}</p>
            <p class="muted">"Sebutkan nomor sesi ini kepada pejabat: layar pejabat menampilkan nomor dan nama Anda yang sama."</p>
            <fieldset>
                <legend>"Ceklis pemeriksaan"</legend>
                {Butir::untuk(sesi.mode).iter().map(|&b| view! {
                    <label class="check"><input type="checkbox"
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            dicentang.update(|d| { d.retain(|x| *x != b); if on { d.push(b) } });
                        }/>" " {b.label()}</label>
                }).collect_view()}
                <p class="field-error">{move || field_error("ceklis")}</p>
            </fieldset>
            {if is_kpa {
                view! {
                    <label class="check"><input type="checkbox" on:change=move |ev| diwakilkan.set(event_target_checked(&ev))/>
                        " KPA diwakili penerima kuasa"</label>
                    <Show when=move || diwakilkan.get()>
                        <fieldset>
                            <legend>"Surat kuasa"</legend>
                            {KUASA.into_iter().map(|(id, label, field, numeric, max, put)| view! {
                                <div class="field">
                                    <label for=id>{label}</label>
                                    <input id=id type="text" maxlength=max inputmode=numeric.then_some("numeric")
                                        placeholder=(field == "kuasa_tanggal").then_some(crate::TANGGAL_HINT)
                                        on:input=set(put)/>
                                    <p class="field-error">{move || field_error(field)}</p>
                                </div>
                            }).collect_view()}
                        </fieldset>
                    </Show>
                }.into_any()
            } else {
                view! { <p class="muted">"Aktivasi PPK dan PPSPM tidak dapat diwakilkan."</p> }.into_any()
            }}
            <p class="field-error">{move || field_error("kuasa")}</p>
            <label for="kode-aktivasi">"Kode OTP yang dibacakan pejabat"</label>
            <input id="kode-aktivasi" class="otp-input big" inputmode="numeric" autocomplete="off" maxlength="7"
                prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
            <Show when=move || error().is_some()>
                <p class="error" role="alert">{error}</p>
            </Show>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || activate.pending().get() aria-busy=move || activate.pending().get().to_string()>
                    {move || if activate.pending().get() { "Memproses…" } else { "Aktifkan" }}
                </button>
            </div>
        </form>
    }
}

/// References the CSO should know about: OTP steps locked after too many wrong codes in a row
/// or by the pejabat's "Bukan saya" (with "Buka kunci": a reason, and the password again), and
/// `AKTIF` references their satker removed.
#[component]
fn PerluPerhatian(tick: RwSignal<u32>, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let data = Resource::new(move || tick.get(), |_| cso_perhatian());
    // the reasons typed, by reference: kept here, not in the list, which the live updates
    // draw again (a reason typed just before a refresh must still be the one sent)
    // (a list, not a map: a map's hashing would weigh on every first page's WASM)
    let alasan = RwSignal::new(Vec::<(domain::PejabatId, String)>::new());
    let typed_for =
        move |id: domain::PejabatId| alasan.with(|v| v.iter().find(|(p, _)| *p == id).map(|(_, t)| t.clone()));
    let buka = Action::new(|(id, alasan): &(domain::PejabatId, String)| cso_buka_kunci_otp(*id, alasan.clone()));
    crate::akses::ulang::step_up_retry(
        move || buka.input().get(),
        move || buka.value().get(),
        move |i| {
            buka.dispatch(i);
        },
    );
    Effect::new(move |_| match buka.value().get() {
        Some(Ok(())) => {
            notice.set(Some(Notice::ok("Kunci langkah OTP dibuka.".to_string())));
            tick.update(|t| *t += 1);
        }
        Some(Err(AppError::StepUp(_))) | None => {}
        Some(Err(e)) => {
            let text = e.fields().and_then(|f| f.get("alasan")).map_or_else(|| e.to_string(), str::to_owned);
            notice.set(Some(Notice { ok: false, text }));
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || data.get().and_then(Result::ok).filter(|l| !l.is_empty()).map(|list| view! {
                <section class="card attention" aria-labelledby="h-perhatian">
                    <h2 id="h-perhatian">"Perlu perhatian"</h2>
                    <ul>{list.into_iter().map(|p| {
                        let id = p.pejabat_id;
                        let sejak = domain::format::wib_ms(p.sejak_ms);
                        let who = format!("{} {} ({}) · {}", p.satker_kode, p.nama, p.jabatan.short(), p.no_hp);
                        let why = match p.jenis {
                            JenisPerhatian::OtpTerkunci => format!("Langkah OTP terkunci sejak {sejak} WIB setelah {} kode salah berturut-turut. Pastikan dengan pejabat, lalu buka kuncinya.", domain::otp::MAX_CONSECUTIVE_WRONG),
                            JenisPerhatian::Dilaporkan => format!("Pejabat melaporkan \"Bukan saya\" pada {sejak} WIB: kode yang tidak dimintanya atau penelepon yang tidak dipercaya. Langkah OTP-nya dikunci. Hubungi pejabat lewat kontak resmi sebelum membuka kunci."),
                            JenisPerhatian::AktifDihapus => format!("Referensi AKTIF dihapus Admin Lokal pada {sejak} WIB; pejabat telah diberi tahu lewat SMS."),
                        };
                        let locked = p.jenis != JenisPerhatian::AktifDihapus;
                        let field = format!("alasan-buka-{id}");
                        let typed = move || typed_for(id).unwrap_or_default();
                        view! {
                            <li>{who}<br/>
                                <span class="muted">{why}</span>
                                {locked.then(|| view! {
                                    <div class="inline-form">
                                        <label for=field.clone()>"Alasan membuka kunci"</label>
                                        <input id=field type="text" maxlength="500" prop:value=typed
                                            on:input=move |ev| alasan.update(|v| {
                                                v.retain(|(p, _)| *p != id);
                                                v.push((id, event_target_value(&ev)));
                                            })/>
                                        <button disabled=move || buka.pending().get() aria-busy=move || buka.pending().get().to_string()
                                            on:click=move |_| {
                                                buka.dispatch((id, untrack(|| typed_for(id)).unwrap_or_default()));
                                            }>"Buka kunci"</button>
                                    </div>
                                })}
                            </li>
                        }
                    }).collect_view()}</ul>
                </section>
            })}
        </Transition>
    }
}
