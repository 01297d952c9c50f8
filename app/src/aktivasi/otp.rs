//! The dialogs that wait for a code: "Verifikasi No. HP", "Request OTP" (activation) and
//! "Kirim Data", with live countdowns computed from the server's times.

use crate::akses::auth::Me;
use crate::sistem::error::AppError;
use crate::sistem::komponen::Modal;
use domain::Status;
use domain::otp::{BukaKode, KodeTerakhir, OtpTiming, Purpose, countdown};
use domain::pejabat::PejabatRow;
use domain::sms::{Kiriman, StatusKirim};
use domain::upacara::{InfoSesi, Tunggu};
use domain::workflow::Langkah;
use leptos::prelude::*;

#[server(endpoint = "otp_request")]
pub async fn otp_request(pejabat_id: domain::PejabatId, purpose: Purpose) -> Result<KodeTerakhir, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let now = state.clock.now();
    let pending =
        backend::aktivasi::otp::request(&state.pool, &state.otp_key, &caller, pejabat_id, purpose, now).await?;
    Ok(pending.view(now))
}

/// The dialog as it opens, or hears that the SMS moved on: the latest code the caller
/// requested here and its SMS, the session an aktivasi code is read in, and any wait a press
/// of "Request OTP" would meet now.
#[server(endpoint = "otp_latest")]
pub async fn otp_latest(pejabat_id: domain::PejabatId, purpose: Purpose) -> Result<BukaKode, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let now = state.clock.now();
    Ok(backend::aktivasi::otp::buka(&state.pool, &state.otp_key, &caller, pejabat_id, purpose, now).await?)
}

/// Checks a code typed by the pejabat itself (phone verification, Kirim Data).
/// Activation codes are entered by the CSO on its console (which sends the attendance);
/// here the server refuses them like any other step it does not allow.
#[server(endpoint = "otp_submit")]
pub async fn otp_submit(pejabat_id: domain::PejabatId, purpose: Purpose, code: String) -> Result<Status, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    let now = state.clock.now();
    Ok(backend::aktivasi::otp::submit(&state.pool, &state.otp_key, &caller, pejabat_id, purpose, &code, None, now)
        .await?)
}

/// "Bukan saya": the pejabat reports a code it did not ask for or a caller it does not trust.
#[server(endpoint = "otp_bukan_saya")]
pub async fn otp_bukan_saya(pejabat_id: domain::PejabatId) -> Result<(), AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::kunci_otp::bukan_saya(&state.pool, &caller, pejabat_id, state.clock.now()).await?)
}

/// The device's clock in epoch milliseconds (0 on the server, which never ticks).
pub fn device_now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        leptos::web_sys::js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// A clock signal that ticks four times a second in the browser.
pub fn ticking_clock() -> RwSignal<f64> {
    let now = RwSignal::new(device_now_ms());
    crate::sistem::live::every(std::time::Duration::from_millis(250), move || now.set(device_now_ms()));
    now
}

/// A code's timing plus the offset of the device clock from the server's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Synced {
    pub timing: OtpTiming,
    /// server time − device time, measured when the answer arrived.
    pub offset_ms: f64,
}

impl Synced {
    pub fn new(timing: OtpTiming) -> Self {
        Synced { timing, offset_ms: timing.server_now_ms as f64 - device_now_ms() }
    }

    /// The server's clock as estimated at device time `device_ms`.
    fn server_ms(&self, device_ms: f64) -> i64 {
        (device_ms + self.offset_ms) as i64
    }

    /// Seconds until the code expires at device time `device_ms` (at most its validity).
    pub fn expires_in(&self, device_ms: f64) -> i64 {
        self.timing.expires_in(self.server_ms(device_ms))
    }

    /// Seconds until a new code may be requested at device time `device_ms`.
    pub fn resend_in(&self, device_ms: f64) -> i64 {
        self.timing.resend_in(self.server_ms(device_ms))
    }
}

/// Which of the three dialogs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    VerifikasiHp,
    Aktivasi,
    KirimData,
}

impl Kind {
    fn purpose(self) -> Purpose {
        match self {
            Kind::VerifikasiHp => Purpose::VerifikasiHp,
            Kind::Aktivasi => Purpose::Aktivasi,
            Kind::KirimData => Purpose::KirimData,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::VerifikasiHp => "Verifikasi No. HP",
            Kind::Aktivasi => "Permintaan OTP",
            Kind::KirimData => "Kirim Data",
        }
    }

    /// The dialog of a step the table offers ([`domain::workflow::offers`]).
    pub fn of(step: Langkah) -> Kind {
        match step {
            Langkah::VerifikasiHp => Kind::VerifikasiHp,
            Langkah::Aktivasi => Kind::Aktivasi,
            Langkah::KirimData => Kind::KirimData,
        }
    }

    pub fn button(self) -> &'static str {
        match self {
            Kind::VerifikasiHp => "Verifikasi No. HP",
            Kind::Aktivasi => "Request OTP",
            Kind::KirimData => "Kirim Data",
        }
    }
}

/// What a dialog whose code nobody reads aloud says about it (issue 26, point 7): the purpose
/// is on screen, and the code is the pejabat's alone.
const SENDIRI: &str = "Kode ini hanya untuk Anda ketik sendiri di layar ini. Jangan bacakan atau berikan kepada siapa pun, termasuk petugas.";

#[component]
pub fn OtpDialog(
    kind: Kind,
    row: PejabatRow,
    me: Me,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
    on_done: impl Fn(String) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let purpose = kind.purpose();
    let id = row.id;
    let clock = ticking_clock();
    let synced = RwSignal::new(None::<Synced>);
    let kiriman = RwSignal::new(None::<Kiriman>);
    let sesi = RwSignal::new(None::<InfoSesi>);
    let code = RwSignal::new(String::new());
    let request = Action::new(move |_: &()| otp_request(id, purpose));
    let submit = Action::new(move |code: &String| otp_submit(id, purpose, code.clone()));

    // reopening the dialog shows the last request and, if still pending, its countdown; a
    // change announced for the satker (the SMS left, arrived, failed) reads it again
    let latest = Action::new(move |_: &()| otp_latest(id, purpose));
    latest.dispatch(());
    let changed = RwSignal::new(0u32);
    crate::sistem::live::refresh_on_change(changed);
    Effect::new(move |seen: Option<u32>| {
        let now = changed.get();
        if seen.is_some_and(|s| s != now)
            && kiriman.with_untracked(|k| k.as_ref().is_some_and(|k| !k.status.is_final()))
        {
            latest.dispatch(());
        }
        now
    });
    // the announcement may pass before the answer of the request it follows, or before this
    // page's stream is open: while the SMS waits in the queue, read it again every 2 seconds
    Effect::new(move |last: Option<f64>| {
        let now = clock.get();
        let last = last.unwrap_or(now);
        let queued = kiriman.with(|k| k.as_ref().is_some_and(|k| k.status == StatusKirim::Antre));
        if queued && now - last >= 2_000.0 && !latest.pending().get_untracked() {
            latest.dispatch(());
            return now;
        }
        if queued { last } else { now }
    });
    // what a press would meet now, with the device's time it was heard at (the button waits)
    let tunggu = RwSignal::new(None::<(Tunggu, f64)>);
    Effect::new(move |_| {
        let Some(Ok(buka)) = latest.value().get() else { return };
        tunggu.set(buka.tunggu.map(|t| (t, device_now_ms())));
        if synced.with_untracked(Option::is_none) && sesi.with_untracked(Option::is_none) {
            sesi.set(buka.sesi);
        }
        if let Some(kode) = buka.terakhir {
            if synced.with_untracked(Option::is_none) {
                synced.set(Some(Synced::new(kode.timing)));
            }
            // only the SMS of the code on screen
            if synced.with_untracked(|s| s.is_some_and(|s| s.timing.sent_at_ms == kode.timing.sent_at_ms)) {
                kiriman.set(kode.kiriman);
                sesi.set(kode.sesi);
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(kode)) = request.value().get() {
            synced.set(Some(Synced::new(kode.timing)));
            kiriman.set(kode.kiriman);
            sesi.set(kode.sesi);
            tunggu.set(None);
            code.set(String::new());
        }
    });
    let nama = row.nama.clone();
    let on_report = on_done.clone();
    Effect::new(move |_| {
        if let Some(Ok(status)) = submit.value().get() {
            on_done(format!("{nama}: status menjadi {}.", status.label()));
        }
    });

    let expires_left = move || synced.get().map(|s| s.expires_in(clock.get()));
    let resend_left = move || synced.get().map_or(0, |s| s.resend_in(clock.get()));
    // the code's SMS could not be delivered: no code to wait for, nothing to type
    let gagal = move || kiriman.with(|k| k.as_ref().is_some_and(|k| k.status.gagal()));
    let expired = move || expires_left() == Some(0) || gagal();
    // a wait that ends (the number's window, the session's start) holds the button until then
    let wait_left = move || {
        tunggu
            .with(|t| {
                t.as_ref()
                    .and_then(|(t, heard)| t.detik.map(|d| ((heard + d as f64 * 1000.0 - clock.get()) / 1000.0).ceil()))
            })
            .map_or(0, |s| s.max(0.0) as i64)
    };
    // shown until a press answers it (the refusal then says the same, once)
    let waiting = move || {
        let pressed = request.value().with(|v| matches!(v, Some(Err(_))));
        !pressed && (tunggu.with(|t| t.as_ref().is_some_and(|(t, _)| t.detik.is_none())) || wait_left() > 0)
    };
    let resend_blocked = move || request.pending().get() || resend_left() > 0 || wait_left() > 0;
    let can_type = move || expires_left().is_some_and(|s| s > 0) && !gagal();
    let error = move || {
        let req = request.value().get().and_then(Result::err);
        let sub = submit.value().get().and_then(Result::err);
        // the newest failure wins: a new request clears the old submit error
        sub.filter(|_| !request.pending().get()).or(req).map(|e| e.to_string())
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if can_type() {
            submit.dispatch(code.get_untracked());
        }
    };

    let header = match kind {
        Kind::Aktivasi => view! {
            <dl class="summary">
                <dt>"Satuan Kerja"</dt><dd><strong>{me.unit_kode.clone()}</strong><br/>{me.unit_nama.clone()}</dd>
                <dt>"NIP"</dt><dd class="mono"><strong>{row.nip.clone()}</strong></dd>
                <dt>"Nama"</dt><dd><strong>{row.nama.clone()}</strong></dd>
            </dl>
        }
        .into_any(),
        Kind::KirimData => view! {
            <p>"Kirim data pejabat berikut ke KPPN. Untuk itu masukkan kode OTP yang dikirim ke nomor HP KPA Anda."</p>
            <p class="muted">{SENDIRI}</p>
            <dl class="summary">
                <dt>"Nama"</dt><dd>{row.nama.clone()}</dd>
                <dt>"NIP"</dt><dd class="mono">{row.nip.clone()}</dd>
                <dt>"Jabatan"</dt><dd>{row.jabatan.label()}</dd>
            </dl>
        }
        .into_any(),
        Kind::VerifikasiHp => view! {
            <p>"Kode OTP dikirim ke nomor HP yang terdaftar untuk " <strong>{row.nama.clone()}</strong> ", untuk memverifikasi nomor tersebut."</p>
            <p class="muted">{SENDIRI}</p>
        }
        .into_any(),
    };

    view! {
        <Modal title=kind.title() on_close=on_close>
            {header}
            <p class="muted" aria-live="polite">
                "waktu request terakhir "
                <span class="mono">{move || synced.get().map_or("—".to_string(), |s| domain::format::wib_ms(s.timing.sent_at_ms))}</span>
            </p>
            <Show when=move || synced.with(Option::is_some)>
                <p class="countdown" class:expired=expired role="timer" aria-live="off">
                    {move || if gagal() {
                        "SMS kode tidak sampai; kode ini tidak dapat dipakai. Minta kode baru.".to_string()
                    } else if expired() {
                        "Kode kedaluwarsa. Minta kode baru.".to_string()
                    } else {
                        format!("Kode berlaku {}", countdown(expires_left().unwrap_or(0)))
                    }}
                </p>
                <StatusSms kiriman/>
                <Show when=move || kind == Kind::Aktivasi && !expired() && kiriman.with(|k| k.as_ref().is_some_and(|k| k.status.terkirim()))>
                    <p class="notice ok">"Kode OTP telah dikirim ke nomor HP Anda. Bacakan kode tersebut kepada CSO KPPN."</p>
                </Show>
                {move || sesi.get().filter(|_| kind == Kind::Aktivasi && !expired()).map(|s| view! { <SesiKode sesi=s/> })}
            </Show>
            // before any press: the session the code is read in, and any wait the press would meet
            <Show when=move || synced.with(Option::is_none)>
                {move || sesi.get().filter(|s| kind == Kind::Aktivasi && s.pemegang.is_some()).map(|s| view! { <SesiKode sesi=s/> })}
            </Show>
            <Show when=waiting>
                <p class="notice" role="status">{move || tunggu.with(|t| t.as_ref().map(|(t, _)| t.teks.clone()))}</p>
            </Show>
            <div class="actions start">
                <button type="button" class:primary=move || synced.with(Option::is_none)
                    disabled=resend_blocked aria-busy=move || request.pending().get().to_string()
                    on:click=move |_| { request.dispatch(()); }>
                    {move || if request.pending().get() {
                        "Mengirim…".to_string()
                    } else if resend_left() > 0 {
                        format!("Request OTP lagi dalam {}", countdown(resend_left()))
                    } else if wait_left() > 0 {
                        format!("Request OTP dalam {}", countdown(wait_left()))
                    } else {
                        "Request OTP".to_string()
                    }}
                </button>
            </div>
            <Show when=move || kind != Kind::Aktivasi>
                <form class="otp-form" on:submit=send>
                    <label for="otp-code">"OTP"</label>
                    <input id="otp-code" class="otp-input" inputmode="numeric" autocomplete="one-time-code"
                        maxlength="7" pattern="[0-9 ]*" disabled=move || !can_type()
                        prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                    <button type="submit" class="primary" disabled=move || !can_type() || submit.pending().get()
                        aria-busy=move || submit.pending().get().to_string()>
                        {move || if submit.pending().get() { "Memproses…" } else { "Proses" }}
                    </button>
                </form>
            </Show>
            <Show when=move || error().is_some()>
                <p class="error" role="alert">{error}</p>
            </Show>
            {(kind == Kind::Aktivasi).then(|| view! { <BukanSaya id on_done=on_report.clone()/> })}
        </Modal>
    }
}

/// "Bukan saya" in the aktivasi dialog: asked once more, then reported; the pending code is
/// void and the OTP steps locked until the CSO, having checked, unlocks them.
#[component]
fn BukanSaya(id: domain::PejabatId, on_done: impl Fn(String) + Clone + Send + Sync + 'static) -> impl IntoView {
    let asking = RwSignal::new(false);
    let lapor = Action::new(move |_: &()| otp_bukan_saya(id));
    Effect::new(move |_| {
        if let Some(Ok(())) = lapor.value().get() {
            on_done(
                "Laporan \"Bukan saya\" diterima. Kode yang menunggu dibatalkan dan langkah OTP Anda dikunci; CSO KPPN akan menghubungi Anda lewat kontak resmi."
                    .to_string(),
            );
        }
    });
    let error = move || lapor.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <div class="bukan-saya">
            <Show when=move || asking.get() fallback=move || view! {
                <p class="muted">"Tidak meminta kode ini, atau penelepon tidak Anda percayai?"</p>
                <button type="button" class="danger" on:click=move |_| asking.set(true)>"Bukan saya"</button>
            }>
                <p>"Laporkan? Kode yang menunggu dibatalkan, langkah OTP Anda dikunci sampai CSO KPPN memeriksanya, dan KPA serta Admin Lokal satker diberi tahu."</p>
                <div class="actions start">
                    <button type="button" on:click=move |_| asking.set(false)>"Batal"</button>
                    <button type="button" class="danger" disabled=move || lapor.pending().get()
                        aria-busy=move || lapor.pending().get().to_string()
                        on:click=move |_| { lapor.dispatch(()); }>"Ya, laporkan"</button>
                </div>
            </Show>
            <Show when=move || error().is_some()>
                <p class="error" role="alert">{error}</p>
            </Show>
        </div>
    }
}

/// Who will hear an aktivasi code (the mutual check): the session's number, which the CSO
/// says on the call and its screen shows too, the CSO's name, the KPPN, the time, the warning,
/// and the KPPN's published contacts for a pejabat in doubt.
#[component]
fn SesiKode(sesi: InfoSesi) -> impl IntoView {
    let nomor = sesi.nomor.map(|n| n.to_string()).unwrap_or_default();
    let cso = sesi.pemegang.as_ref().map(|p| p.nama.clone()).unwrap_or_default();
    let kontak: Vec<String> = [
        sesi.kppn_telepon.clone().map(|t| format!("telepon {t}")),
        sesi.kppn_email.clone().map(|e| format!("email {e}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    view! {
        <section class="sesi-kode" aria-label="Sesi aktivasi">
            <p class="nomor-sesi">"Nomor sesi " <strong>{nomor.clone()}</strong></p>
            <dl class="summary">
                <dt>"CSO"</dt><dd>{cso}</dd>
                <dt>"KPPN"</dt><dd>{sesi.kppn_nama.clone()}</dd>
                <dt>"Sesi"</dt><dd>{format!("{} · {}", sesi.waktu(), sesi.mode.label())}</dd>
            </dl>
            <p class="notice warn">{domain::upacara::PERINGATAN}</p>
            {(!kontak.is_empty()).then(|| view! {
                <p class="muted">{format!("Ragu? Hubungi {} di kontak resminya: {}.", sesi.kppn_nama, kontak.join(", "))}</p>
            })}
        </section>
    }
}

/// The SMS of the code on screen: the number it went to (masked), its delivery state in
/// plain words and the send time in WIB, as the SMS text itself says "Waktu kirim".
#[component]
pub fn StatusSms(kiriman: RwSignal<Option<Kiriman>>) -> impl IntoView {
    move || {
        kiriman.get().map(|k| {
            view! {
                <p class="sms-state" class:error=k.status.gagal() role="status" data-status=k.status.code()>
                    <span class="badge">{k.status.label()}</span>" "
                    {format!("SMS ke {} · waktu kirim {} WIB. ", k.nomor, domain::format::wib_ms(k.waktu_kirim_ms))}
                    {k.status.keterangan()}
                </p>
            }
        })
    }
}
