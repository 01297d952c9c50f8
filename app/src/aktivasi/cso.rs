//! The CSO console (`/cso`): the KPPN's satkers, their pejabat waiting for activation,
//! whether a code is pending and for how long, and a large input for the code.

use crate::akses::layout::logged_in;
use crate::aktivasi::otp::{Synced, ticking_clock};
use crate::sistem::error::AppError;
use crate::sistem::komponen::{Notice, NoticeBar};
use domain::otp::countdown;
use domain::pejabat::{Console, ConsoleRow, JenisPerhatian, Perhatian};
use domain::{Jabatan, Status};
use leptos::prelude::*;

/// A fallback to the live updates: how often the console asks for changes anyway.
const POLL_MS: u64 = 10_000;

#[server(endpoint = "cso_daftar")]
pub async fn cso_daftar(search: String) -> Result<Console, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::cso::console(&state.pool, &caller, &search, state.clock.now()).await?)
}

#[server(endpoint = "cso_aktivasi")]
pub async fn cso_aktivasi(
    pejabat_id: domain::PejabatId,
    code: String,
    video_conference: bool,
    kuasa: String,
) -> Result<Status, AppError> {
    use backend::aktivasi::otp::Attendance;
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let kuasa = Some(kuasa).filter(|k| !k.trim().is_empty());
    let attendance = Attendance { video_conference, kuasa };
    let now = state.clock.now();
    let purpose = domain::otp::Purpose::Aktivasi;
    Ok(backend::aktivasi::otp::submit(
        &state.pool,
        &state.otp_key,
        &caller,
        pejabat_id,
        purpose,
        &code,
        Some(&attendance),
        now,
    )
    .await?)
}

#[server(endpoint = "cso_perhatian")]
pub async fn cso_perhatian() -> Result<Vec<Perhatian>, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::cso::perhatian(&state.pool, &caller, state.clock.now()).await?)
}

#[server(endpoint = "cso_buka_kunci_otp")]
pub async fn cso_buka_kunci_otp(pejabat_id: domain::PejabatId) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::otp::buka_kunci(&state.pool, &caller, pejabat_id).await?)
}

#[component]
pub fn CsoPage() -> impl IntoView {
    logged_in(|me| {
        if domain::authz::role_may(me.role, domain::authz::Action::KonsolCso) {
            view! { <Console/> }.into_any()
        } else {
            view! { <p class="error" role="alert">"Konsol ini hanya untuk CSO KPPN."</p> }.into_any()
        }
    })
}

#[component]
fn Console() -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let search = RwSignal::new(String::new());
    let console = Resource::new(move || (tick.get(), search.get()), |(_, search)| cso_daftar(search));
    let clock = ticking_clock();
    let selected = RwSignal::new(None::<(ConsoleRow, String)>);
    let notice = RwSignal::new(None::<Notice>);
    crate::sistem::live::refresh_on_change(tick);
    crate::sistem::live::every(std::time::Duration::from_millis(POLL_MS), move || tick.update(|t| *t += 1));
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
                        <ActivationPanel row satker on_done=move |text: String| {
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

#[component]
fn ActivationPanel(
    row: ConsoleRow,
    satker: String,
    on_done: impl Fn(String) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let video = RwSignal::new(false);
    let kuasa = RwSignal::new(String::new());
    let is_kpa = row.jabatan == Jabatan::Kpa;
    let id = row.id;
    let activate = ServerAction::<CsoAktivasi>::new();
    let nama = row.nama.clone();
    Effect::new(move |_| {
        if let Some(Ok(status)) = activate.value().get() {
            on_done(format!("OTP {nama} telah {}.", status.label()));
        }
    });
    let error = move || activate.value().get().and_then(Result::err).map(|e| e.to_string());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        activate.dispatch(CsoAktivasi {
            pejabat_id: id,
            code: code.get_untracked(),
            video_conference: video.get_untracked(),
            kuasa: kuasa.get_untracked(),
        });
    };
    view! {
        <form class="card activation" on:submit=submit>
            <h2>"Aktivasi OTP"</h2>
            <dl class="summary">
                <dt>"Satuan Kerja"</dt><dd>{satker}</dd>
                <dt>"Nama"</dt><dd>{row.nama.clone()}</dd>
                <dt>"NIP"</dt><dd class="mono">{row.nip.clone()}</dd>
                <dt>"Jabatan"</dt><dd>{row.jabatan.label()}</dd>
            </dl>
            <fieldset>
                <legend>"Kehadiran"</legend>
                <label class="radio"><input type="radio" name="mode" checked=move || !video.get()
                    on:change=move |_| video.set(false)/>" Di lokasi KPPN"</label>
                <label class="radio"><input type="radio" name="mode" checked=move || video.get()
                    on:change=move |_| video.set(true)/>" Video conference"</label>
            </fieldset>
            {if is_kpa {
                view! {
                    <div class="field">
                        <label for="kuasa">"Nama penerima kuasa (kosongkan bila KPA hadir sendiri)"</label>
                        <input id="kuasa" type="text" prop:value=move || kuasa.get()
                            on:input=move |ev| kuasa.set(event_target_value(&ev))/>
                    </div>
                }.into_any()
            } else {
                view! { <p class="muted">"Aktivasi PPK dan PPSPM tidak dapat diwakilkan."</p> }.into_any()
            }}
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

/// References the CSO should know about: OTP steps locked after too many wrong codes (with
/// "Buka kunci"), and `AKTIF` references their satker removed.
#[component]
fn PerluPerhatian(tick: RwSignal<u32>, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let data = Resource::new(move || tick.get(), |_| cso_perhatian());
    let buka = Action::new(|id: &domain::PejabatId| cso_buka_kunci_otp(*id));
    Effect::new(move |_| match buka.value().get() {
        Some(Ok(())) => {
            notice.set(Some(Notice::ok("Kunci langkah OTP dibuka.".to_string())));
            tick.update(|t| *t += 1);
        }
        Some(Err(e)) => notice.set(Some(Notice { ok: false, text: e.to_string() })),
        None => {}
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
                        match p.jenis {
                            JenisPerhatian::OtpTerkunci => view! {
                                <li>{who}<br/>
                                    <span class="muted">{format!("Langkah OTP terkunci sejak {sejak} WIB setelah {} kode salah berturut-turut. Pastikan dengan pejabat, lalu buka kuncinya.", domain::otp::MAX_CONSECUTIVE_WRONG)}</span>" "
                                    <button disabled=move || buka.pending().get() aria-busy=move || buka.pending().get().to_string()
                                        on:click=move |_| { buka.dispatch(id); }>"Buka kunci"</button>
                                </li>
                            }.into_any(),
                            JenisPerhatian::AktifDihapus => view! {
                                <li>{who}<br/>
                                    <span class="muted">{format!("Referensi AKTIF dihapus Admin Lokal pada {sejak} WIB; pejabat telah diberi tahu lewat SMS.")}</span>
                                </li>
                            }.into_any(),
                        }
                    }).collect_view()}</ul>
                </section>
            })}
        </Transition>
    }
}
