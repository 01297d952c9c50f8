//! Activation sessions: the CSO KPPN publishes slots, or sets a session for one satker by
//! hand (a slot of capacity one, booked at once); a satker's Admin Lokal books a slot for
//! named pejabat, moves or cancels it up to an hour before; the CSO sees today's queue,
//! who has arrived, and records attendance and outcome. Reminders go out by SMS (and email)
//! the day before at 08:00 WIB and an hour before.

use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::audit::refuse;
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::audit::Aksi;
use domain::authz::Action;
use domain::jadwal::{self, Calon, JadwalInput, JadwalRow, Kehadiran, Mode, NewJadwal, Pengingat, SlotRow};
use domain::{Jabatan, JadwalId, PejabatId, SlotId, Status};
use sqlx::{PgConnection, PgPool};

#[derive(sqlx::FromRow)]
struct Row {
    id: JadwalId,
    slot_id: SlotId,
    satker_kode: String,
    satker_nama: String,
    mulai: DateTime<Utc>,
    durasi_menit: i32,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Mode>")]
    mode: Mode,
    tautan: Option<String>,
    catatan: String,
    jabatan: Vec<String>,
    nama: Vec<String>,
    tiba_at: Option<DateTime<Utc>>,
    kehadiran: Option<String>,
    hasil: Option<String>,
}

impl Row {
    fn into_row(self) -> Result<JadwalRow> {
        let pejabat = self
            .jabatan
            .into_iter()
            .zip(&self.nama)
            .map(|(j, n)| Ok(format!("{} {n}", Jabatan::try_from(j)?.short())))
            .collect::<Result<Vec<String>>>()?;
        Ok(JadwalRow {
            id: self.id,
            slot_id: self.slot_id,
            satker_kode: self.satker_kode,
            satker_nama: self.satker_nama,
            mulai_ms: self.mulai.timestamp_millis(),
            durasi_menit: self.durasi_menit,
            mode: self.mode,
            tautan: self.tautan,
            catatan: self.catatan,
            pejabat,
            tiba_ms: self.tiba_at.map(|t| t.timestamp_millis()),
            kehadiran: self.kehadiran.map(Kehadiran::try_from).transpose()?,
            hasil: self.hasil,
        })
    }
}

/// Bookings with their slot's time and place and the pejabat they name; cancelled ones are
/// left out (they stay in the table and the audit trail).
const SELECT: &str = "SELECT j.id, j.slot_id, j.satker_kode, s.nama AS satker_nama, sl.mulai, sl.durasi_menit,
        sl.mode, sl.tautan, sl.catatan, coalesce(pj.jabatan, '{}') AS jabatan, coalesce(pj.nama, '{}') AS nama,
        j.tiba_at, j.kehadiran, j.hasil
    FROM jadwal j JOIN slot sl ON sl.id = j.slot_id JOIN satker s ON s.kode = j.satker_kode
    CROSS JOIN LATERAL (SELECT array_agg(p.jabatan ORDER BY p.id) AS jabatan, array_agg(p.nama ORDER BY p.id) AS nama
                        FROM jadwal_pejabat jp JOIN pejabat p ON p.id = jp.pejabat_id WHERE jp.jadwal_id = j.id) pj
    WHERE j.dibatalkan_at IS NULL";

async fn one(conn: &mut PgConnection, id: JadwalId) -> Result<JadwalRow> {
    let row: Row = sqlx::query_as(&format!("{SELECT} AND j.id = $1")).bind(id).fetch_one(conn).await?;
    row.into_row()
}

#[derive(sqlx::FromRow)]
struct SlotDb {
    id: SlotId,
    mulai: DateTime<Utc>,
    durasi_menit: i32,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Mode>")]
    mode: Mode,
    catatan: String,
    kapasitas: i32,
    terisi: i64,
}

/// Slots with how many live bookings each has.
const SELECT_SLOT: &str = "SELECT sl.id, sl.mulai, sl.durasi_menit, sl.mode, sl.catatan, sl.kapasitas,
        (SELECT count(*) FROM jadwal j WHERE j.slot_id = sl.id AND j.dibatalkan_at IS NULL) AS terisi
    FROM slot sl";

impl SlotDb {
    fn into_row(self) -> SlotRow {
        SlotRow {
            id: self.id,
            mulai_ms: self.mulai.timestamp_millis(),
            durasi_menit: self.durasi_menit,
            mode: self.mode,
            catatan: self.catatan,
            kapasitas: self.kapasitas,
            terisi: i32::try_from(self.terisi).unwrap_or(i32::MAX),
        }
    }
}

/// The slots of `kppn` from `from` on; with `open`, only those with a place left (a satker
/// sees no other satker's session set by hand, nor its note).
async fn slots(conn: &mut PgConnection, kppn: &str, from: DateTime<Utc>, open: bool) -> Result<Vec<SlotRow>> {
    let rows: Vec<SlotDb> = sqlx::query_as(&format!(
        "SELECT * FROM ({SELECT_SLOT} WHERE sl.kppn_kode = $1 AND sl.mulai >= $2) s
         WHERE NOT $3 OR s.terisi < s.kapasitas ORDER BY s.mulai, s.id LIMIT 200"
    ))
    .bind(kppn)
    .bind(from)
    .bind(open)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(SlotDb::into_row).collect())
}

fn own_kppn(actor: &Actor) -> Result<&str> {
    actor.unit.kppn().ok_or_else(|| Error::Forbidden("CSO tidak terdaftar pada KPPN.".into()))
}

fn own_satker(actor: &Actor) -> Result<&str> {
    actor.unit.satker().ok_or_else(|| Error::Forbidden("Pengguna tidak terdaftar pada satker.".into()))
}

/// Where a session is, as texts name it: `di KPPN …` or `video conference <link>`.
fn tempat(mode: Mode, tautan: Option<&str>, kppn_nama: &str) -> String {
    match (mode, tautan) {
        (Mode::VideoConference, Some(link)) => format!("video conference {link}"),
        (Mode::VideoConference, None) => "video conference".to_string(),
        (Mode::Kppn, _) => format!("di {kppn_nama}"),
    }
}

fn wib(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    t.with_timezone(&chrono_tz::Asia::Jakarta).naive_local()
}

/// Checks the session form of the CSO of `kppn`; the start in UTC.
async fn checked(
    pool: &PgPool,
    caller: &Caller,
    action: Aksi,
    kppn: &str,
    input: &JadwalInput,
    now: DateTime<Utc>,
) -> Result<(NewJadwal, DateTime<Utc>)> {
    let new = match jadwal::check(input, wib(now)) {
        Ok(n) => n,
        Err(fields) => return Err(refuse(pool, caller, action, None, Error::Invalid(fields)).await),
    };
    if let Some(satker) = &new.satker_kode {
        let partner: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM satker WHERE kode = $1 AND kppn_kode = $2)")
                .bind(satker)
                .bind(kppn)
                .fetch_one(pool)
                .await?;
        if !partner {
            let e = Error::Forbidden("Satker ini bukan mitra KPPN Anda.".into());
            return Err(refuse(pool, caller, action, None, e).await);
        }
    }
    let mulai = chrono_tz::Asia::Jakarta
        .from_local_datetime(&new.mulai_wib)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Error::Rule("Waktu sesi tidak valid.".into()))?;
    Ok((new, mulai))
}

async fn insert_slot(
    conn: &mut PgConnection,
    kppn: &str,
    new: &NewJadwal,
    mulai: DateTime<Utc>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SlotId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO slot (kppn_kode, mulai, durasi_menit, kapasitas, mode, tautan, catatan, dibuat_at, dibuat_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(kppn)
    .bind(mulai)
    .bind(new.durasi_menit)
    .bind(new.kapasitas)
    .bind(new.mode.code())
    .bind(new.tautan.as_deref())
    .bind(&new.catatan)
    .bind(now)
    .bind(actor.user_id)
    .fetch_one(conn)
    .await?)
}

/// Books slot `slot` for `satker`.
async fn insert_jadwal(
    conn: &mut PgConnection,
    satker: &str,
    kppn: &str,
    slot: SlotId,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<JadwalId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO jadwal (satker_kode, kppn_kode, slot_id, dibuat_at, dibuat_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(satker)
    .bind(kppn)
    .bind(slot)
    .bind(now)
    .bind(actor.user_id)
    .fetch_one(conn)
    .await?)
}

/// The satker's Admin Lokal receive booking `id` with a calendar invitation: `isi` makes the
/// text from the WIB time and the place.
async fn invite(
    conn: &mut PgConnection,
    id: JadwalId,
    now: DateTime<Utc>,
    isi: impl FnOnce(&JadwalRow, &str, &str) -> domain::surel::Isi,
) -> Result<JadwalRow> {
    let row = one(&mut *conn, id).await?;
    let kppn_nama: String =
        sqlx::query_scalar("SELECT k.nama FROM kppn k JOIN slot sl ON sl.kppn_kode = k.kode WHERE sl.id = $1")
            .bind(row.slot_id)
            .fetch_one(&mut *conn)
            .await?;
    let mulai = DateTime::from_timestamp_millis(row.mulai_ms).unwrap_or(now);
    let tempat = tempat(row.mode, row.tautan.as_deref(), &kppn_nama);
    let waktu = jadwal::waktu(wib(mulai));
    let judul = format!("Sesi Aktivasi OTP SAKTI Satker {} ({kppn_nama})", row.satker_kode);
    let ics = crate::pesan::email::undangan(
        &format!("jadwal-{id}@aktivasi-otp-sakti"),
        &judul,
        mulai,
        i64::from(row.durasi_menit),
        &tempat,
        row.tautan.as_deref(),
        now,
    );
    crate::pesan::email::to_admin_lokal(&mut *conn, &row.satker_kode, &isi(&row, &waktu, &tempat), Some(&ics), now)
        .await?;
    Ok(row)
}

/// Sets a session for a satker of the CSO's KPPN by hand: a slot of capacity one, booked.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn buat(pool: &PgPool, caller: &Caller, input: &JadwalInput, now: DateTime<Utc>) -> Result<JadwalRow> {
    const ACTION: Aksi = Aksi::BuatJadwal;
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let (new, mulai) = checked(pool, caller, ACTION, kppn, input, now).await?;
    let Some(satker) = new.satker_kode.clone() else {
        let mut fields = domain::validate::FieldErrors::default();
        fields.add("satker_kode", "Pilih satker.");
        return Err(Error::Invalid(fields));
    };
    let mut attempt = Attempt::begin(pool, caller, ACTION).await?;
    let slot = insert_slot(attempt.tx(), kppn, &new, mulai, actor, now).await?;
    let id = insert_jadwal(attempt.tx(), &satker, kppn, slot, actor, now).await?;
    let catatan = new.catatan.clone();
    let row = invite(attempt.tx(), id, now, |r, waktu, tempat| {
        domain::surel::jadwal(&r.satker_kode, waktu, tempat, &catatan)
    })
    .await?;
    let detail = format!("satker {satker} {} {}", jadwal::waktu(new.mulai_wib), new.mode.label());
    attempt.done(detail, Some(&satker)).await?;
    Ok(row)
}

/// Publishes an open slot of the CSO's KPPN for its satkers to book.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn terbitkan(pool: &PgPool, caller: &Caller, input: &JadwalInput, now: DateTime<Utc>) -> Result<SlotRow> {
    const ACTION: Aksi = Aksi::BuatJadwal;
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let (new, mulai) = checked(pool, caller, ACTION, kppn, input, now).await?;
    if new.satker_kode.is_some() {
        return Err(Error::Rule("Slot terbuka tidak memilih satker.".into()));
    }
    let mut attempt = Attempt::begin(pool, caller, ACTION).await?;
    let id = insert_slot(attempt.tx(), kppn, &new, mulai, actor, now).await?;
    let detail = format!(
        "slot {id} {} {} menit, kapasitas {} satker, {}",
        jadwal::waktu(new.mulai_wib),
        new.durasi_menit,
        new.kapasitas,
        new.mode.label()
    );
    attempt.done(detail, None).await?;
    let row: SlotDb = sqlx::query_as(&format!("{SELECT_SLOT} WHERE sl.id = $1")).bind(id).fetch_one(pool).await?;
    Ok(row.into_row())
}

/// The satker's pejabat as booking sees them (KPA, PPK, PPSPM that are not removed).
/// Whether a reference is named in a session still to come (at `$2`), as a column of a query
/// over `pejabat`: the booking rules and the next step read it alike.
pub(crate) const TERJADWAL: &str = "EXISTS (SELECT 1 FROM jadwal_pejabat jp JOIN jadwal j ON j.id = jp.jadwal_id
        JOIN slot sl ON sl.id = j.slot_id
        WHERE jp.pejabat_id = pejabat.id AND j.dibatalkan_at IS NULL AND j.kehadiran IS NULL
          AND sl.mulai + make_interval(mins => sl.durasi_menit) > $2) AS terjadwal";

async fn calon(conn: &mut PgConnection, satker: &str, now: DateTime<Utc>) -> Result<Vec<Calon>> {
    let rows: Vec<(PejabatId, String, String, String, bool, bool)> = sqlx::query_as(&format!(
        "SELECT id, nama, jabatan, status, {}, {TERJADWAL}
         FROM pejabat
         WHERE satker_kode = $1 AND deleted_at IS NULL
           AND jabatan IN ('KUASA PENGGUNA ANGGARAN', 'PEJABAT PEMBUAT KOMITMEN', 'PEJABAT SPM')
         ORDER BY CASE jabatan WHEN 'KUASA PENGGUNA ANGGARAN' THEN 0 ELSE 1 END, id",
        crate::aktivasi::pejabat::berkas_diterima_column()
    ))
    .bind(satker)
    .bind(now)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, nama, jabatan, status, berkas_diterima, terjadwal)| {
            Ok(Calon {
                id,
                nama,
                jabatan: Jabatan::try_from(jabatan)?,
                status: Status::try_from(status)?,
                berkas_diterima,
                terjadwal,
            })
        })
        .collect()
}

/// What the satker's page shows: its bookings from a week ago on, the open slots of its
/// KPPN still to come, and its pejabat.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn satker(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<jadwal::JadwalSatker> {
    let actor = authorize(pool, caller, Action::LihatBerkas).await?;
    let satker = actor.unit.satker().unwrap_or("");
    let mut conn = pool.acquire().await?;
    let rows: Vec<Row> =
        sqlx::query_as(&format!("{SELECT} AND j.satker_kode = $1 AND sl.mulai >= $2 ORDER BY sl.mulai, j.id LIMIT 50"))
            .bind(satker)
            .bind(crate::wib_day_start(now) - Duration::days(7))
            .fetch_all(&mut *conn)
            .await?;
    let sesi = rows.into_iter().map(Row::into_row).collect::<Result<Vec<_>>>()?;
    let kppn: Option<String> = sqlx::query_scalar("SELECT kppn_kode FROM satker WHERE kode = $1")
        .bind(satker)
        .fetch_optional(&mut *conn)
        .await?;
    let slot = match &kppn {
        Some(k) => slots(&mut conn, k, now + Duration::seconds(1), true).await?,
        None => Vec::new(),
    };
    let calon = calon(&mut conn, satker, now).await?;
    Ok(jadwal::JadwalSatker { sesi, slot, calon, now_ms: now.timestamp_millis() })
}

/// Takes the lock on the caller's satker (every booking change of one satker in turn) and
/// returns its KPPN.
async fn lock_satker(conn: &mut PgConnection, satker: &str) -> Result<String> {
    sqlx::query_scalar("SELECT kppn_kode FROM satker WHERE kode = $1 FOR UPDATE")
        .bind(satker)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::Forbidden("Satker tidak terdaftar.".into()))
}

/// Locks slot `slot_id` of `kppn` and checks that it has a place at `now`.
async fn take_place(conn: &mut PgConnection, slot_id: SlotId, kppn: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let slot: Option<(DateTime<Utc>, i32)> =
        sqlx::query_as("SELECT mulai, kapasitas FROM slot WHERE id = $1 AND kppn_kode = $2 FOR UPDATE")
            .bind(slot_id)
            .bind(kppn)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((mulai, kapasitas)) = slot else {
        return Err(Error::NotFound("Slot tidak ditemukan pada KPPN satker Anda.".into()));
    };
    if mulai <= now {
        return Err(Error::Rule("Slot ini sudah dimulai; pilih slot lain.".into()));
    }
    // counted after the lock: a booking that won the place before is committed and seen
    let terisi: i64 = sqlx::query_scalar("SELECT count(*) FROM jadwal WHERE slot_id = $1 AND dibatalkan_at IS NULL")
        .bind(slot_id)
        .fetch_one(&mut *conn)
        .await?;
    if terisi >= i64::from(kapasitas) {
        return Err(Error::Rule("Slot ini sudah penuh; pilih slot lain.".into()));
    }
    Ok(mulai)
}

fn dipesan_isi(r: &JadwalRow, waktu: &str, tempat: &str) -> domain::surel::Isi {
    domain::surel::jadwal_dipesan(&r.satker_kode, waktu, tempat, &r.pejabat.join(", "))
}

/// Books slot `slot_id` for the caller's satker, naming `pejabat` (KPA first; PPK and PPSPM
/// once the KPA is AKTIF and has sent their data; each with its bundle accepted).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), slot_id))]
pub async fn pesan(
    pool: &PgPool,
    caller: &Caller,
    slot_id: SlotId,
    pejabat: &[PejabatId],
    now: DateTime<Utc>,
) -> Result<JadwalRow> {
    let actor = authorize(pool, caller, Action::PesanJadwal).await?;
    let satker = own_satker(actor)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::PesanJadwal).await?;
    let kppn = lock_satker(attempt.tx(), satker).await?;
    let semua = calon(attempt.tx(), satker, now).await?;
    let mut pilih = pejabat.to_vec();
    pilih.sort();
    pilih.dedup();
    if pilih.iter().any(|id| !semua.iter().any(|c| c.id == *id)) {
        let e = Error::NotFound("Pejabat tidak ditemukan pada satker Anda. Klik Refresh.".into());
        return Err(attempt.refuse(e).await);
    }
    if let Err(why) = jadwal::cek_pesan(&semua, &pilih) {
        return Err(attempt.refuse(Error::Rule(why)).await);
    }
    if let Err(e) = take_place(attempt.tx(), slot_id, &kppn, now).await {
        return Err(attempt.refuse(e).await);
    }
    let id = insert_jadwal(attempt.tx(), satker, &kppn, slot_id, actor, now).await?;
    sqlx::query("INSERT INTO jadwal_pejabat (jadwal_id, pejabat_id) SELECT $1, unnest($2::bigint[])")
        .bind(id)
        .bind(pilih.iter().map(|p| p.0).collect::<Vec<_>>())
        .execute(attempt.tx())
        .await?;
    let row = invite(attempt.tx(), id, now, dipesan_isi).await?;
    let detail =
        format!("slot {slot_id} {}: {}", jadwal::waktu(jadwal::wib_of_ms(row.mulai_ms)), row.pejabat.join(", "));
    attempt.done(detail, Some(satker)).await?;
    Ok(row)
}

/// Locks booking `id` of `satker` and checks it may still change at `now`; returns its slot.
async fn lock_own(conn: &mut PgConnection, id: JadwalId, satker: &str, now: DateTime<Utc>) -> Result<SlotId> {
    let row: Option<(SlotId, DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "SELECT j.slot_id, sl.mulai, j.kehadiran FROM jadwal j JOIN slot sl ON sl.id = j.slot_id
         WHERE j.id = $1 AND j.satker_kode = $2 AND j.dibatalkan_at IS NULL FOR UPDATE OF j",
    )
    .bind(id)
    .bind(satker)
    .fetch_optional(conn)
    .await?;
    let Some((slot, mulai, kehadiran)) = row else {
        return Err(Error::NotFound("Jadwal tidak ditemukan atau sudah dibatalkan. Klik Refresh.".into()));
    };
    if kehadiran.is_some() || now > mulai - jadwal::BATAS_UBAH {
        return Err(Error::Rule(
            "Jadwal hanya dapat dipindah atau dibatalkan paling lambat satu jam sebelum sesi dimulai.".into(),
        ));
    }
    Ok(slot)
}

/// Moves booking `id` of the caller's satker to slot `slot_id`, up to an hour before it.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), jadwal_id = %id))]
pub async fn pindah(
    pool: &PgPool,
    caller: &Caller,
    id: JadwalId,
    slot_id: SlotId,
    now: DateTime<Utc>,
) -> Result<JadwalRow> {
    let actor = authorize(pool, caller, Action::PesanJadwal).await?;
    let satker = own_satker(actor)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::PindahJadwal).await?;
    let kppn = lock_satker(attempt.tx(), satker).await?;
    let lama = match lock_own(attempt.tx(), id, satker, now).await {
        Ok(s) if s == slot_id => return Err(attempt.refuse(Error::Rule("Jadwal sudah pada slot ini.".into())).await),
        Ok(s) => s,
        Err(e) => return Err(attempt.refuse(e).await),
    };
    if let Err(e) = take_place(attempt.tx(), slot_id, &kppn, now).await {
        return Err(attempt.refuse(e).await);
    }
    // the reminders follow the new time
    sqlx::query("UPDATE jadwal SET slot_id = $2, ingat_hari_at = NULL, ingat_jam_at = NULL WHERE id = $1")
        .bind(id)
        .bind(slot_id)
        .execute(attempt.tx())
        .await?;
    let row = invite(attempt.tx(), id, now, dipesan_isi).await?;
    let detail =
        format!("jadwal {id}: slot {lama} → slot {slot_id} {}", jadwal::waktu(jadwal::wib_of_ms(row.mulai_ms)));
    attempt.done(detail, Some(satker)).await?;
    Ok(row)
}

/// Cancels booking `id` of the caller's satker, up to an hour before it.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), jadwal_id = %id))]
pub async fn batal(pool: &PgPool, caller: &Caller, id: JadwalId, now: DateTime<Utc>) -> Result<()> {
    let actor = authorize(pool, caller, Action::PesanJadwal).await?;
    let satker = own_satker(actor)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::BatalJadwal).await?;
    lock_satker(attempt.tx(), satker).await?;
    let slot = match lock_own(attempt.tx(), id, satker, now).await {
        Ok(s) => s,
        Err(e) => return Err(attempt.refuse(e).await),
    };
    sqlx::query("UPDATE jadwal SET dibatalkan_at = $2, dibatalkan_by = $3 WHERE id = $1")
        .bind(id)
        .bind(now)
        .bind(actor.user_id)
        .execute(attempt.tx())
        .await?;
    attempt.done(format!("jadwal {id} slot {slot}"), Some(satker)).await
}

/// The bookings of the CSO's KPPN from the start of today (WIB) on, soonest first (today's
/// are its queue).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn kppn(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<Vec<JadwalRow>> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let rows: Vec<Row> =
        sqlx::query_as(&format!("{SELECT} AND j.kppn_kode = $1 AND sl.mulai >= $2 ORDER BY sl.mulai, j.id LIMIT 200"))
            .bind(kppn)
            .bind(crate::wib_day_start(now))
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(Row::into_row).collect()
}

/// The slots of the CSO's KPPN from the start of today (WIB) on.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn slot_kppn(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<Vec<SlotRow>> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let mut conn = pool.acquire().await?;
    slots(&mut conn, kppn, crate::wib_day_start(now), false).await
}

/// Booking `id` of the CSO's KPPN, locked: its start, satker, attendance and arrival.
type Locked = (DateTime<Utc>, String, Option<String>, Option<DateTime<Utc>>);

async fn lock_kppn(conn: &mut PgConnection, id: JadwalId, kppn: &str) -> Result<Option<Locked>> {
    Ok(sqlx::query_as(
        "SELECT sl.mulai, j.satker_kode, j.kehadiran, j.tiba_at FROM jadwal j JOIN slot sl ON sl.id = j.slot_id
         WHERE j.id = $1 AND j.kppn_kode = $2 AND j.dibatalkan_at IS NULL FOR UPDATE OF j",
    )
    .bind(id)
    .bind(kppn)
    .fetch_optional(conn)
    .await?)
}

/// Records that the satker of booking `id` (today's queue) has arrived.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), jadwal_id = %id))]
pub async fn tiba(pool: &PgPool, caller: &Caller, id: JadwalId, now: DateTime<Utc>) -> Result<JadwalRow> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::TibaJadwal).await?;
    let Some((mulai, satker, kehadiran, tiba_at)) = lock_kppn(attempt.tx(), id, kppn).await? else {
        return Err(attempt.refuse(Error::NotFound("Jadwal tidak ditemukan.".into())).await);
    };
    let checked = if wib(mulai).date() != wib(now).date() {
        Err("Kedatangan dicatat pada hari sesi.")
    } else if kehadiran.is_some() || tiba_at.is_some() {
        Err("Kedatangan satker ini sudah dicatat.")
    } else {
        Ok(())
    };
    if let Err(m) = checked {
        return Err(attempt.refuse(Error::Rule(m.into())).await);
    }
    sqlx::query("UPDATE jadwal SET tiba_at = $2 WHERE id = $1").bind(id).bind(now).execute(attempt.tx()).await?;
    let row = one(attempt.tx(), id).await?;
    attempt.done(format!("jadwal {id} satker {satker} tiba"), Some(&satker)).await?;
    Ok(row)
}

/// Records who came to a session that has started, and what came of it. A no-show frees
/// its pejabat: the satker may book again.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), jadwal_id = %jadwal_id))]
pub async fn catat(
    pool: &PgPool,
    caller: &Caller,
    jadwal_id: JadwalId,
    kehadiran: Kehadiran,
    hasil: &str,
    now: DateTime<Utc>,
) -> Result<JadwalRow> {
    const ACTION: Aksi = Aksi::CatatJadwal;
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let mut attempt = Attempt::begin(pool, caller, ACTION).await?;
    let Some((mulai, satker, sudah, _)) = lock_kppn(attempt.tx(), jadwal_id, kppn).await? else {
        return Err(attempt.refuse(Error::NotFound("Jadwal tidak ditemukan.".into())).await);
    };
    let checked = if mulai > now {
        Err("Sesi belum dimulai; kehadiran dicatat setelah sesi berlangsung.".to_string())
    } else if sudah.is_some() {
        Err("Kehadiran sesi ini sudah dicatat.".to_string())
    } else {
        domain::validate::text(hasil, "Hasil sesi", 500)
    };
    let hasil = match checked {
        Ok(h) => h,
        Err(m) => return Err(attempt.refuse(Error::Rule(m)).await),
    };
    sqlx::query("UPDATE jadwal SET kehadiran = $2, hasil = $3, dicatat_at = $4, dicatat_by = $5 WHERE id = $1")
        .bind(jadwal_id)
        .bind(kehadiran.label())
        .bind(&hasil)
        .bind(now)
        .bind(actor.user_id)
        .execute(attempt.tx())
        .await?;
    let row = one(attempt.tx(), jadwal_id).await?;
    let detail = format!("jadwal {jadwal_id} satker {satker}: {} — {hasil}", kehadiran.label());
    attempt.done(detail, Some(&satker)).await?;
    Ok(row)
}

/// The satkers of the CSO's KPPN (code, name), for the session form.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn satker_mitra(pool: &PgPool, caller: &Caller) -> Result<Vec<(String, String)>> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    Ok(sqlx::query_as("SELECT kode, nama FROM satker WHERE kppn_kode = $1 ORDER BY kode LIMIT 5000")
        .bind(kppn)
        .fetch_all(pool)
        .await?)
}

/// A booking whose reminders may be due, which were sent, and where it takes place.
#[derive(sqlx::FromRow)]
struct Due {
    id: JadwalId,
    satker: String,
    mulai: DateTime<Utc>,
    dipesan: DateTime<Utc>,
    hari: bool,
    jam: bool,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Mode>")]
    mode: Mode,
    tautan: Option<String>,
    kppn_nama: String,
}

/// Queues the reminders due at `now` (SMS and email to each named pejabat; email to the Admin
/// Lokal for a session that names none) and returns how many bookings were reminded. Safe on
/// several instances at once: a booking being reminded is skipped by the others.
pub async fn ingatkan(pool: &PgPool, now: DateTime<Utc>) -> Result<usize> {
    let mut tx = pool.begin().await?;
    let due: Vec<Due> = sqlx::query_as(
        "SELECT j.id, j.satker_kode AS satker, sl.mulai, j.dibuat_at AS dipesan, j.ingat_hari_at IS NOT NULL AS hari,
                j.ingat_jam_at IS NOT NULL AS jam, sl.mode, sl.tautan, k.nama AS kppn_nama
         FROM jadwal j JOIN slot sl ON sl.id = j.slot_id JOIN kppn k ON k.kode = sl.kppn_kode
         WHERE j.dibatalkan_at IS NULL AND j.kehadiran IS NULL AND sl.mulai > $1 AND sl.mulai <= $1 + interval '2 days'
           AND (j.ingat_hari_at IS NULL OR j.ingat_jam_at IS NULL)
         ORDER BY sl.mulai LIMIT 500
         FOR UPDATE OF j SKIP LOCKED",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for Due { id, satker, mulai, dipesan, hari, jam, mode, tautan, kppn_nama } in due {
        let Some(which) = jadwal::pengingat(mulai, dipesan, now, hari, jam) else { continue };
        let column = match which {
            Pengingat::Hari => "ingat_hari_at",
            Pengingat::Jam => "ingat_jam_at",
        };
        sqlx::query(&format!("UPDATE jadwal SET {column} = $2 WHERE id = $1"))
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let tempat = tempat(mode, tautan.as_deref(), &kppn_nama);
        let waktu = jadwal::waktu(wib(mulai));
        let pejabat: Vec<(PejabatId, String, String, String)> = sqlx::query_as(
            "SELECT p.id, p.nama, p.jabatan, p.no_hp FROM jadwal_pejabat jp JOIN pejabat p ON p.id = jp.pejabat_id
             WHERE jp.jadwal_id = $1 AND p.deleted_at IS NULL ORDER BY p.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        if pejabat.is_empty() {
            let isi = domain::surel::pengingat_satker(&satker, &waktu, &tempat);
            crate::pesan::email::to_admin_lokal(&mut tx, &satker, &isi, None, now).await?;
        }
        for (pid, nama, jabatan, no_hp) in pejabat {
            let text = domain::sms::pengingat_sesi(&nama, Jabatan::try_from(jabatan)?, &satker, &waktu, &tempat);
            crate::pesan::sms::enqueue_to_pejabat(&mut tx, pid, &no_hp, &text, domain::surel::pengingat, now).await?;
        }
        metrics::counter!("sakti_jadwal_reminders_total", "kind" => column).increment(1);
        sent += 1;
    }
    tx.commit().await?;
    Ok(sent)
}

/// Runs [`ingatkan`] every `every` until `stop` resolves.
pub async fn run_worker(pool: PgPool, every: std::time::Duration, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        match ingatkan(&pool, crate::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("pengingat jadwal: {n} sesi"),
            Err(e) => tracing::warn!("pengingat jadwal: {e}"),
        }
        tokio::select! {
            biased;
            () = &mut stop => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}
