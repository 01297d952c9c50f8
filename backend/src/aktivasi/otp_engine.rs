//! The OTP engine: the server key, issuing a code (cool-down, daily cap, the keyed hash, the
//! SMS in the outbox) and checking a typed one (wrong tries, expiry, single use), all inside
//! the caller's transaction. The steps that use it are `otp` (seed steps 3–6) and
//! `ubah_nomor` (the number change); it knows neither.
//!
//! Codes are stored only as HMAC-SHA256 under a server key, bound to the pejabat and the
//! purpose. Every limit is the domain's; this module reads the facts, asks, and persists.

use crate::aktivasi::pejabat::Target;
use crate::error::Result;
use crate::{Actor, kirim::sms};
use chrono::{DateTime, Utc};
use domain::PejabatId;
use domain::otp::{self, CodeState, KodeTerakhir, NumberUse, OtpRefusal, OtpTiming, Purpose};
use domain::sms::{Kiriman, StatusKirim};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sqlx::PgConnection;

/// The server key the codes are hashed with (never logged), with the engine's settings: the
/// national ceiling of code SMS per hour, and how far around its session an aktivasi code may
/// be requested. Every instance on one database has the same of each.
#[derive(Clone)]
pub struct OtpKey {
    key: Vec<u8>,
    national_per_hour: i64,
    sesi_toleransi: chrono::Duration,
    /// The site's origin for the links in notices (the "Bukan saya" link of an aktivasi
    /// code's email); none: no such notice.
    tautan_dasar: Option<String>,
}

impl std::fmt::Debug for OtpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let menit = self.sesi_toleransi.num_minutes();
        write!(f, "OtpKey(***, {} SMS kode/jam, toleransi sesi {menit} menit)", self.national_per_hour)
    }
}

impl OtpKey {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        OtpKey {
            key: bytes.into(),
            national_per_hour: otp::DEFAULT_NATIONAL_PER_HOUR,
            sesi_toleransi: domain::upacara::DEFAULT_TOLERANSI,
            tautan_dasar: None,
        }
    }

    /// The same key with the site's origin for the links its notices carry.
    pub fn with_tautan_dasar(self, origin: impl Into<String>) -> Self {
        OtpKey { tautan_dasar: Some(origin.into()), ..self }
    }

    /// The site's origin for links in notices, when the server knows it.
    pub fn tautan_dasar(&self) -> Option<&str> {
        self.tautan_dasar.as_deref()
    }

    /// The same key with another national ceiling (`SAKTI_SMS_NATIONAL_PER_HOUR`).
    pub fn with_national_per_hour(self, national_per_hour: i64) -> Self {
        OtpKey { national_per_hour, ..self }
    }

    /// The same key with another grace around a session (`SAKTI_SESI_TOLERANSI`).
    pub fn with_sesi_toleransi(self, sesi_toleransi: chrono::Duration) -> Self {
        OtpKey { sesi_toleransi, ..self }
    }

    /// How long before its start and after its end a session's aktivasi code may be requested.
    pub fn sesi_toleransi(&self) -> chrono::Duration {
        self.sesi_toleransi
    }

    fn mac(&self, pejabat_id: PejabatId, purpose: Purpose, code: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(format!("{pejabat_id}:{}:{code}", purpose.code()).as_bytes());
        mac
    }

    fn hash(&self, pejabat_id: PejabatId, purpose: Purpose, code: &str) -> Vec<u8> {
        self.mac(pejabat_id, purpose, code).finalize().into_bytes().to_vec()
    }

    /// Constant-time comparison of a typed code with the stored hash.
    fn verify(&self, pejabat_id: PejabatId, purpose: Purpose, code: &str, stored: &[u8]) -> bool {
        self.mac(pejabat_id, purpose, code).verify_slice(stored).is_ok()
    }
}

/// A uniformly drawn 6-digit code from the operating system's CSPRNG
/// (`gen_range` rejects instead of taking a modulo, so there is no bias).
fn new_code() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// The timing of the pending code, for the dialog's countdowns, and the SMS that carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KodeTerkirim {
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub next_request_at: DateTime<Utc>,
    pub kiriman: Option<Kiriman>,
    /// An aktivasi code's session: who will hear it, when, under which number.
    pub sesi: Option<domain::upacara::InfoSesi>,
}

impl KodeTerkirim {
    pub fn from_sent(sent_at: DateTime<Utc>) -> Self {
        KodeTerkirim {
            sent_at,
            expires_at: otp::expires_at(sent_at),
            next_request_at: otp::next_request_at(sent_at),
            kiriman: None,
            sesi: None,
        }
    }

    /// The code and its SMS for the browser, stamped with the server's `now`.
    pub fn view(&self, now: DateTime<Utc>) -> KodeTerakhir {
        KodeTerakhir { timing: self.timing(now), kiriman: self.kiriman.clone(), sesi: self.sesi.clone() }
    }

    /// The timing for the browser, stamped with the server's `now`.
    pub fn timing(&self, now: DateTime<Utc>) -> OtpTiming {
        OtpTiming {
            sent_at_ms: self.sent_at.timestamp_millis(),
            expires_at_ms: self.expires_at.timestamp_millis(),
            next_request_at_ms: self.next_request_at.timestamp_millis(),
            server_now_ms: now.timestamp_millis(),
        }
    }
}

/// A code as stored: its hash and how far it has been used.
#[derive(sqlx::FromRow)]
struct StoredCode {
    id: i64,
    code_mac: Vec<u8>,
    expires_at: DateTime<Utc>,
    wrong_tries: i32,
    #[sqlx(try_from = "crate::sistem::stored::Stored<CodeState>")]
    state: CodeState,
    target_pejabat_id: Option<PejabatId>,
}

/// What the code SMS says besides the code.
pub(crate) enum Teks<'a> {
    /// The seed's code SMS.
    Kode,
    /// The KPA's approval of `target`'s number change to `nomor_baru`: names both.
    SetujuUbahNomor { target: &'a Target, nomor_baru: &'a str },
}

/// How many code SMS `phone` has had in the window and today, and the country this hour. The
/// ten-minute window counts the codes asked for outside a session (a session's codes have their own allowance, `upacara::KODE_PER_SESI`); the day
/// and the country count every code.
async fn budgets(tx: &mut PgConnection, phone: &str, now: DateTime<Utc>) -> Result<(NumberUse, i64)> {
    let window = now - chrono::Duration::seconds(otp::NUMBER_WINDOW_SECS);
    /// [`NumberUse`] as the query counts it.
    #[derive(sqlx::FromRow)]
    struct Terpakai {
        in_window: i64,
        oldest_in_window: Option<DateTime<Utc>>,
        today: i64,
    }
    let Terpakai { in_window, oldest_in_window, today } = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE o.created_at > $2 AND c.jadwal_id IS NULL) AS in_window,
                min(o.created_at) FILTER (WHERE o.created_at > $2 AND c.jadwal_id IS NULL) AS oldest_in_window,
                count(*) FILTER (WHERE o.created_at >= $3) AS today
         FROM sms_outbox o JOIN otp_code c ON c.id = o.otp_code_id
         WHERE o.phone = $1 AND o.created_at >= least($2, $3) AND o.created_at <= $4",
    )
    .bind(phone)
    .bind(window)
    .bind(crate::wib_day_start(now))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let national: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sms_outbox WHERE otp_code_id IS NOT NULL AND created_at > $1 AND created_at <= $2",
    )
    .bind(now - chrono::Duration::hours(1))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    Ok((NumberUse { in_window, oldest_in_window, today }, national))
}

/// May a code of `purpose` for `owner` go to `phone` now: the reference's lock, the cool-down
/// and daily cap, the number's budget and the national ceiling — what [`issue`] checks, and
/// what a dialog shows before the press. `Ok(Err)`: the refusal and, for a wait that ends,
/// when it does; `Ok(Ok)`: the number's use so far.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn boleh_kirim(
    tx: &mut PgConnection,
    key: &OtpKey,
    owner: &Target,
    purpose: Purpose,
    bound_target: Option<PejabatId>,
    dalam_sesi: bool,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<otp::NumberUse, (OtpRefusal, Option<DateTime<Utc>>)>> {
    if let Err(r) = otp::may_use(owner.otp_salah, owner.otp_dilaporkan) {
        return Ok(Err((r, None)));
    }
    let last: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT max(sent_at) FROM otp_code
         WHERE pejabat_id = $1 AND purpose = $2 AND target_pejabat_id IS NOT DISTINCT FROM $3",
    )
    .bind(owner.id)
    .bind(purpose.code())
    .bind(bound_target)
    .fetch_one(&mut *tx)
    .await?;
    let today: i64 = sqlx::query_scalar("SELECT count(*) FROM otp_code WHERE pejabat_id = $1 AND sent_at >= $2")
        .bind(owner.id)
        .bind(crate::wib_day_start(now))
        .fetch_one(&mut *tx)
        .await?;
    if let Err(r) = otp::may_request(last, today, now) {
        return Ok(Err((r, last.map(otp::next_request_at))));
    }
    let (used, national) = budgets(tx, phone, now).await?;
    Ok(match otp::may_send_to(used, national, key.national_per_hour, dalam_sesi, now) {
        Ok(()) => Ok(used),
        Err(r @ OtpRefusal::NumberBusy(_)) => {
            let frees = used.oldest_in_window.map(|t| t + chrono::Duration::seconds(otp::NUMBER_WINDOW_SECS));
            Err((r, frees))
        }
        Err(r) => Err((r, None)),
    })
}

/// Sends a new code of `purpose` for `owner` to `phone`: the reference's lock, the cool-down
/// and daily cap, the number's budget and the national ceiling, voiding the pending code,
/// storing only the keyed hash and queueing the SMS with its code's expiry, all in `tx`.
/// An aktivasi code asked for in session `sesi` (held by its CSO) is bound to it and kept to
/// the session's allowance instead of the number's ten-minute window. A refusal is
/// `Error::Otp` with nothing written.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn issue(
    tx: &mut PgConnection,
    key: &OtpKey,
    actor: &Actor,
    owner: &Target,
    purpose: Purpose,
    bound_target: Option<PejabatId>,
    sesi: Option<domain::JadwalId>,
    phone: &str,
    teks: Teks<'_>,
    now: DateTime<Utc>,
) -> Result<KodeTerkirim> {
    let result = async {
        let used = match boleh_kirim(tx, key, owner, purpose, bound_target, sesi.is_some(), phone, now).await? {
            Ok(used) => used,
            Err((refusal, _)) => {
                if refusal == OtpRefusal::NationalCeiling {
                    metrics::counter!("sakti_sms_national_ceiling_refused_total").increment(1);
                    tracing::error!(ceiling = key.national_per_hour, "batas nasional SMS kode per jam tercapai");
                }
                return Err(refusal.into());
            }
        };
        sqlx::query("UPDATE otp_code SET state = 'VOID', closed_at = $3 WHERE pejabat_id = $1 AND purpose = $2 AND state = 'PENDING'")
            .bind(owner.id)
            .bind(purpose.code())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let code = new_code();
        let mut pending = KodeTerkirim::from_sent(now);
        pending.next_request_at = otp::next_request_for_number(now, used, sesi.is_some());
        let code_id: i64 = sqlx::query_scalar(
            "INSERT INTO otp_code (pejabat_id, purpose, target_pejabat_id, code_mac, sent_at, expires_at, requested_by,
                                   jadwal_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(owner.id)
        .bind(purpose.code())
        .bind(bound_target)
        .bind(key.hash(owner.id, purpose, &code))
        .bind(pending.sent_at)
        .bind(pending.expires_at)
        .bind(actor.user_id)
        .bind(sesi)
        .fetch_one(&mut *tx)
        .await?;
        let sent = domain::format::wib_ms(now.timestamp_millis());
        let text = |code: &str| match &teks {
            Teks::Kode => domain::sms::kode(owner.jabatan, &owner.satker_kode, code, &sent),
            Teks::SetujuUbahNomor { target, nomor_baru } => domain::sms::kode_setuju_ubah_nomor(
                &owner.satker_kode,
                &target.nama,
                target.jabatan,
                &domain::format::masked_phone(nomor_baru),
                code,
                &sent,
            ),
        };
        sms::enqueue_code(&mut *tx, phone, &text(&code), &text("******"), code_id, pending.expires_at, now).await?;
        pending.kiriman = Some(Kiriman {
            nomor: domain::format::masked_phone(phone),
            status: StatusKirim::Antre,
            waktu_kirim_ms: now.timestamp_millis(),
        });
        Ok(pending)
    }
    .await;
    match &result {
        Ok(_) => metrics::counter!("sakti_otp_issued_total", "purpose" => purpose.code()).increment(1),
        Err(crate::Error::Otp(r)) => {
            metrics::counter!("sakti_otp_refused_total", "purpose" => purpose.code(), "reason" => r.reason())
                .increment(1);
        }
        Err(_) => {}
    }
    result
}

/// The result of checking a typed code.
pub(crate) enum HasilCek {
    /// Right: the code is marked used in `tx`, to commit with the change it allows.
    Right,
    /// Not checked (none pending, expired, used, malformed): nothing was written.
    Refused(OtpRefusal),
    /// Wrong: the try is counted in `tx`, which the caller commits with a GAGAL audit line.
    Wrong(OtpRefusal),
}

/// Checks `typed` against the latest code of `purpose` for `owner` (bound to
/// `bound_target` when the purpose is), counting a wrong try in `tx`: on the code, and on the
/// reference across codes — the wrong code that reaches the limit locks its OTP steps and
/// tells the pejabat by SMS; a right code clears the count.
pub(crate) async fn check(
    tx: &mut PgConnection,
    key: &OtpKey,
    owner: &Target,
    purpose: Purpose,
    bound_target: Option<PejabatId>,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<HasilCek> {
    let checked: HasilCek = async {
        let owner_id = owner.id;
        if let Err(r) = otp::may_use(owner.otp_salah, owner.otp_dilaporkan) {
            return Ok(HasilCek::Refused(r));
        }
        let code = match otp::normalize_code(typed) {
            Ok(c) => c,
            Err(r) => return Ok(HasilCek::Refused(r)),
        };
        let latest: Option<StoredCode> = sqlx::query_as(
            "SELECT id, code_mac, expires_at, wrong_tries, state, target_pejabat_id FROM otp_code
             WHERE pejabat_id = $1 AND purpose = $2 ORDER BY id DESC LIMIT 1 FOR UPDATE",
        )
        .bind(owner_id)
        .bind(purpose.code())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(StoredCode { id: code_id, code_mac: mac, expires_at, wrong_tries, state, target_pejabat_id: code_target }) =
            latest
        else {
            return Ok(HasilCek::Refused(OtpRefusal::NoPending));
        };
        let checked = otp::may_check(state, wrong_tries, expires_at, now)
            .and_then(|()| if code_target != bound_target { Err(OtpRefusal::NoPending) } else { Ok(()) });
        if let Err(refusal) = checked {
            return Ok(HasilCek::Refused(refusal));
        }
        if !key.verify(owner_id, purpose, &code, &mac) {
            let tries = wrong_tries + 1;
            let void = tries >= otp::MAX_WRONG_TRIES;
            sqlx::query(
                "UPDATE otp_code SET wrong_tries = $2,
                        state = CASE WHEN $3 THEN 'VOID' ELSE state END,
                        closed_at = CASE WHEN $3 THEN $4 ELSE closed_at END
                 WHERE id = $1",
            )
            .bind(code_id)
            .bind(tries)
            .bind(void)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let in_a_row: i32 = sqlx::query_scalar(
                "UPDATE pejabat SET otp_salah = otp_salah + 1,
                        otp_terkunci_at = CASE WHEN otp_salah + 1 >= $2 THEN $3 ELSE otp_terkunci_at END
                 WHERE id = $1 RETURNING otp_salah",
            )
            .bind(owner_id)
            .bind(otp::MAX_CONSECUTIVE_WRONG)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if otp::may_use(in_a_row, false).is_err() {
                sqlx::query(
                    "UPDATE otp_code SET state = 'VOID', closed_at = $2 WHERE pejabat_id = $1 AND state = 'PENDING'",
                )
                .bind(owner_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let text = domain::sms::otp_terkunci(&owner.nama, owner.jabatan, &owner.satker_kode, domain::otp::MAX_CONSECUTIVE_WRONG);
                sms::enqueue(&mut *tx, &owner.no_hp, &text, &text, now).await?;
                tracing::warn!(pejabat_id = %owner_id, "langkah OTP dikunci setelah {in_a_row} kode salah berturut-turut");
                metrics::counter!("sakti_otp_locks_total").increment(1);
            }
            return Ok(HasilCek::Wrong(otp::after_wrong(tries, in_a_row)));
        }
        sqlx::query("UPDATE otp_code SET state = 'USED', closed_at = $2 WHERE id = $1")
            .bind(code_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE pejabat SET otp_salah = 0 WHERE id = $1 AND otp_salah > 0")
            .bind(owner_id)
            .execute(&mut *tx)
            .await?;
        Ok::<_, crate::Error>(HasilCek::Right)
    }
    .await?;
    match &checked {
        HasilCek::Right => metrics::counter!("sakti_otp_verified_total", "purpose" => purpose.code()).increment(1),
        HasilCek::Refused(r) | HasilCek::Wrong(r) => {
            metrics::counter!("sakti_otp_refused_total", "purpose" => purpose.code(), "reason" => r.reason())
                .increment(1);
        }
    }
    Ok(checked)
}
