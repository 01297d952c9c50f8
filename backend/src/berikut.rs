//! The facts behind the next step at the top of each home page (`domain::berikut` chooses
//! and words it): the satker's references with their bundles, prints and bookings, the next
//! session; for the CSO its desk and today's queue; for Kanwil and Pusat their board; for the
//! operator the lists and the users still without a password.

use crate::akses::auth::authorize;
use crate::error::Result;
use crate::{Actor, Caller};
use chrono::{DateTime, Duration, Utc};
use domain::authz::Action;
use domain::berikut::{self, Berikut, Persiapan, Referensi, Sesi};
use domain::berkas::BerkasStatus;
use domain::jadwal::Mode;
use domain::{Jabatan, PejabatId, Role, Status};
use sqlx::PgPool;

/// The caller's next step (none for a caller half signed in); Kanwil and Pusat read it off
/// their board, with its settings.
pub async fn untuk(
    pool: &PgPool,
    caller: &Caller,
    pantau: crate::pantau::Setelan,
    now: DateTime<Utc>,
) -> Result<Option<Berikut>> {
    let Some(role) = caller.actor().map(|a| a.role) else {
        authorize(pool, caller, Action::LihatPejabat).await?;
        return Ok(None);
    };
    match role {
        Role::AdminLokal => {
            let actor = authorize(pool, caller, Action::LihatBerkas).await?;
            let satker = actor.unit.satker().unwrap_or_default();
            let refs = referensi(pool, satker, now).await?;
            let sesi = sesi_berikut(pool, satker, None, now).await?;
            Ok(Some(berikut::admin_lokal(&refs, sesi.as_ref())))
        }
        Role::Kpa | Role::Ppk | Role::Ppspm => {
            let actor = authorize(pool, caller, Action::LihatPejabat).await?;
            let satker = actor.unit.satker().unwrap_or_default();
            let refs = referensi(pool, satker, now).await?;
            let milik: Vec<Referensi> = refs.iter().filter(|r| milik(actor, r)).cloned().collect();
            let ids: Vec<PejabatId> = milik.iter().map(|r| r.id).collect();
            let sesi = sesi_berikut(pool, satker, Some(&ids), now).await?;
            Ok(Some(berikut::pejabat(role, &milik, &refs, sesi.as_ref())))
        }
        Role::Cso => {
            let actor = authorize(pool, caller, Action::KonsolCso).await?;
            cso(pool, actor, now).await.map(Some)
        }
        Role::Kanwil | Role::Pusat => {
            let papan = crate::pantau::papan(pool, caller, None, pantau, now).await?;
            Ok(Some(berikut::pemantau(&papan)))
        }
        Role::Operator => {
            authorize(pool, caller, Action::Impor).await?;
            persiapan(pool, now).await.map(|p| Some(berikut::operator(p)))
        }
    }
}

/// What the operator has provisioned: the lists, and the users imported without a password
/// by whether a set-password link of theirs is still valid.
async fn persiapan(pool: &PgPool, now: DateTime<Utc>) -> Result<Persiapan> {
    /// The counts, as the query gives them.
    #[derive(sqlx::FromRow)]
    struct Hitungan {
        kppn: i64,
        satker: i64,
        pengguna: i64,
        belum_diundang: i64,
        menunggu_sandi: i64,
    }
    let h: Hitungan = sqlx::query_as(
        "WITH u AS (
           SELECT password_hash IS NULL AS tanpa_sandi,
                  EXISTS (SELECT 1 FROM password_link l WHERE l.user_id = app_user.id AND l.used_at IS NULL
                                                          AND l.expires_at > $1) AS diundang
           FROM app_user WHERE active AND role <> 'OPERATOR')
         SELECT (SELECT count(*) FROM kppn) AS kppn, (SELECT count(*) FROM satker) AS satker,
                (SELECT count(*) FROM u) AS pengguna,
                (SELECT count(*) FROM u WHERE tanpa_sandi AND NOT diundang) AS belum_diundang,
                (SELECT count(*) FROM u WHERE tanpa_sandi AND diundang) AS menunggu_sandi",
    )
    .bind(now)
    .fetch_one(pool)
    .await?;
    let n = |x: i64| u32::try_from(x).unwrap_or(u32::MAX);
    Ok(Persiapan {
        kppn: n(h.kppn),
        satker: n(h.satker),
        pengguna: n(h.pengguna),
        belum_diundang: n(h.belum_diundang),
        menunggu_sandi: n(h.menunggu_sandi),
    })
}

/// Whose reference it is: the row's user (the references list its user's id).
fn milik(actor: &Actor, r: &Referensi) -> bool {
    r.user_id == Some(actor.user_id)
}

#[derive(sqlx::FromRow)]
struct RefRow {
    id: PejabatId,
    user_id: domain::UserId,
    nama: String,
    jabatan: String,
    status: String,
    berkas_diterima: bool,
    berkas: Option<String>,
    dicetak: bool,
    terjadwal: bool,
}

/// The KPA, PPK and PPSPM of `satker` with their bundles, prints and bookings.
async fn referensi(pool: &PgPool, satker: &str, now: DateTime<Utc>) -> Result<Vec<Referensi>> {
    let rows: Vec<RefRow> = sqlx::query_as(&format!(
        "SELECT id, user_id, nama, jabatan, status, {}, {},
                (SELECT b.status FROM berkas b WHERE b.pejabat_id = pejabat.id AND b.keperluan = 'AKTIVASI'
                   AND b.status <> 'DIGANTI' ORDER BY b.id DESC LIMIT 1) AS berkas,
                EXISTS (SELECT 1 FROM formulir_cetak f WHERE f.pejabat_id = pejabat.id) AS dicetak
         FROM pejabat
         WHERE satker_kode = $1 AND deleted_at IS NULL
           AND jabatan IN ('KUASA PENGGUNA ANGGARAN', 'PEJABAT PEMBUAT KOMITMEN', 'PEJABAT SPM')
         ORDER BY CASE jabatan WHEN 'KUASA PENGGUNA ANGGARAN' THEN 0 ELSE 1 END, id",
        crate::aktivasi::pejabat::berkas_diterima_column(),
        crate::jadwal::TERJADWAL
    ))
    .bind(satker)
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let berkas = match (r.berkas_diterima, r.berkas) {
                (true, _) => Some(BerkasStatus::Diterima),
                (false, Some(s)) => Some(BerkasStatus::try_from(s)?),
                (false, None) => None,
            };
            Ok(Referensi {
                id: r.id,
                user_id: Some(r.user_id),
                nama: r.nama,
                jabatan: Jabatan::try_from(r.jabatan)?,
                status: Status::try_from(r.status)?,
                berkas,
                dicetak: r.dicetak,
                terjadwal: r.terjadwal,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct SesiRow {
    mulai: DateTime<Utc>,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Mode>")]
    mode: Mode,
    tautan: Option<String>,
    kppn_nama: String,
    satker_kode: String,
}

impl SesiRow {
    fn sesi(&self) -> Sesi {
        let wib = self.mulai.with_timezone(&chrono_tz::Asia::Jakarta).naive_local();
        let tempat = match (self.mode, &self.tautan) {
            (Mode::VideoConference, Some(link)) => format!("lewat video conference {link}"),
            (Mode::VideoConference, None) => "lewat video conference".to_owned(),
            (Mode::Kppn, _) => format!("di {}", self.kppn_nama),
        };
        Sesi { waktu: domain::jadwal::waktu(wib), tempat }
    }
}

const SESI: &str = "SELECT sl.mulai, sl.mode, sl.tautan, k.nama AS kppn_nama, j.satker_kode
    FROM jadwal j JOIN slot sl ON sl.id = j.slot_id JOIN kppn k ON k.kode = j.kppn_kode
    WHERE j.dibatalkan_at IS NULL AND j.kehadiran IS NULL
      AND sl.mulai + make_interval(mins => sl.durasi_menit) > $2";

/// The satker's next session still to come; with `pejabat`, one that names one of them.
async fn sesi_berikut(
    pool: &PgPool,
    satker: &str,
    pejabat: Option<&[PejabatId]>,
    now: DateTime<Utc>,
) -> Result<Option<Sesi>> {
    let ids: Option<Vec<i64>> = pejabat.map(|p| p.iter().map(|id| id.0).collect());
    let row: Option<SesiRow> = sqlx::query_as(&format!(
        "{SESI} AND j.satker_kode = $1
           AND ($3::bigint[] IS NULL OR EXISTS (SELECT 1 FROM jadwal_pejabat jp
                                                WHERE jp.jadwal_id = j.id AND jp.pejabat_id = ANY ($3)))
         ORDER BY sl.mulai LIMIT 1"
    ))
    .bind(satker)
    .bind(now)
    .bind(ids)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| r.sesi()))
}

/// The CSO's desk (bundles waiting), today's next session and who can be activated now.
async fn cso(pool: &PgPool, actor: &Actor, now: DateTime<Utc>) -> Result<Berikut> {
    let kppn = actor.unit.kppn().unwrap_or_default();
    let menunggu: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM berkas b JOIN pejabat p ON p.id = b.pejabat_id
         WHERE p.kppn_kode = $1 AND p.deleted_at IS NULL AND b.status = 'DIAJUKAN'",
    )
    .bind(kppn)
    .fetch_one(pool)
    .await?;
    let hari_ini: Option<SesiRow> =
        sqlx::query_as(&format!("{SESI} AND j.kppn_kode = $1 AND sl.mulai < $3 ORDER BY sl.mulai LIMIT 1"))
            .bind(kppn)
            .bind(now)
            .bind(crate::wib_day_start(now) + Duration::days(1))
            .fetch_optional(pool)
            .await?;
    // counted by the database over the console's partial index: reading every waiting
    // reference of a KPPN into the server took 30–45 ms at 25,000 (bench/perf.sh's /cso)
    let siap: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM pejabat WHERE pejabat.kppn_kode = $1 AND {} AND {}",
        crate::aktivasi::cso::MENUNGGU_AKTIVASI,
        crate::aktivasi::pejabat::berkas_diterima_predicate()
    ))
    .bind(kppn)
    .fetch_one(pool)
    .await?;
    let siap = u32::try_from(siap).unwrap_or(u32::MAX);
    let sesi = hari_ini.as_ref().map(|r| (r.sesi(), r.satker_kode.clone()));
    Ok(berikut::cso(
        u32::try_from(menunggu).unwrap_or(u32::MAX),
        siap,
        sesi.as_ref().map(|(s, satker)| (s, satker.as_str())),
    ))
}
