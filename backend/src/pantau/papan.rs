//! The progress board (`/pantau`): each satker's stage in the viewer's scope — the CSO's
//! KPPN, a Kanwil's region, everything for Pusat — counted per region, KPPN or satker, the
//! satkers stuck too long, the pace against the deadline, and one satker's pejabat. Read-only.

use crate::akses::auth::authorize;
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::authz::Action;
use domain::pantau::{
    self, Baris, Fakta, Fase, GRAFIK_HARI, Hitungan, LAJU_HARI, Lingkup, MACET_MAKS, Macet, Papan, PejabatPantau,
};
use domain::{Jabatan, Status, Unit};
use sqlx::PgPool;
use std::collections::BTreeMap;

/// The board's settings (`SAKTI_PANTAU_MACET_HARI`, `SAKTI_PANTAU_TENGGAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setelan {
    /// Days in a stage after which a satker is listed as stuck.
    pub macet_hari: u32,
    /// The roll-out's deadline, if one is set.
    pub tenggat: Option<NaiveDate>,
}

impl Default for Setelan {
    fn default() -> Self {
        Setelan { macet_hari: pantau::DEFAULT_MACET_HARI, tenggat: None }
    }
}

/// Where a scope sits: its satker, KPPN and region codes as far as it goes down, and their
/// names (the trail above the board).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
struct Letak {
    kanwil: Option<String>,
    kppn: Option<String>,
    satker: Option<String>,
    nama_kanwil: Option<String>,
    nama_kppn: Option<String>,
    nama_satker: Option<String>,
}

/// The viewer's own scope.
fn rumah(actor: &Actor) -> Result<Lingkup> {
    match &actor.unit {
        Unit::Kppn(k) => Ok(Lingkup::Kppn(k.clone())),
        Unit::Kanwil(w) => Ok(Lingkup::Kanwil(w.clone())),
        Unit::Nasional => Ok(Lingkup::Nasional),
        Unit::Satker(_) => Err(Error::Forbidden("Papan pemantauan untuk KPPN, Kanwil dan Pusat.".into())),
    }
}

/// The codes above `lingkup`, read from the data; not found is an error.
async fn letak(pool: &PgPool, lingkup: &Lingkup) -> Result<Letak> {
    let (sql, kode) = match lingkup {
        Lingkup::Nasional => return Ok(Letak::default()),
        Lingkup::Kanwil(w) => (
            "SELECT kode AS kanwil, NULL::text AS kppn, NULL::text AS satker, nama AS nama_kanwil, NULL::text AS nama_kppn,
                    NULL::text AS nama_satker
             FROM kanwil WHERE kode = $1",
            w,
        ),
        Lingkup::Kppn(k) => (
            "SELECT k.kanwil_kode AS kanwil, k.kode AS kppn, NULL::text AS satker, w.nama AS nama_kanwil,
                    k.nama AS nama_kppn, NULL::text AS nama_satker
             FROM kppn k LEFT JOIN kanwil w ON w.kode = k.kanwil_kode WHERE k.kode = $1",
            k,
        ),
        Lingkup::Satker(s) => (
            "SELECT k.kanwil_kode AS kanwil, s.kppn_kode AS kppn, s.kode AS satker, w.nama AS nama_kanwil,
                    k.nama AS nama_kppn, s.nama AS nama_satker
             FROM satker s JOIN kppn k ON k.kode = s.kppn_kode LEFT JOIN kanwil w ON w.kode = k.kanwil_kode
             WHERE s.kode = $1",
            s,
        ),
    };
    sqlx::query_as(sql)
        .bind(kode)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| Error::NotFound("Unit tidak ditemukan.".into()))
}

/// Whether `letak` lies within the viewer's own scope.
fn di_dalam(rumah: &Lingkup, letak: &Letak) -> bool {
    match rumah {
        Lingkup::Nasional => true,
        Lingkup::Kanwil(w) => letak.kanwil.as_ref() == Some(w),
        Lingkup::Kppn(k) => letak.kppn.as_ref() == Some(k),
        Lingkup::Satker(s) => letak.satker.as_ref() == Some(s),
    }
}

/// One satker's facts as the query returns them.
#[derive(sqlx::FromRow)]
struct FaktaRow {
    kode: String,
    nama: String,
    kppn_kode: String,
    kanwil_kode: Option<String>,
    direkam: Option<DateTime<Utc>>,
    diajukan: Option<DateTime<Utc>>,
    diterima: Option<DateTime<Utc>>,
    kpa: Option<DateTime<Utc>>,
    ppk: Option<DateTime<Utc>>,
    ppspm: Option<DateTime<Utc>>,
}

/// Rows of a table with `satker_kode` and `kppn_kode` within `lingkup`, the scope's code being
/// parameter `$n`.
fn dalam(lingkup: &Lingkup, n: u8) -> String {
    match lingkup {
        Lingkup::Nasional => "true".into(),
        Lingkup::Kanwil(_) => format!("kppn_kode IN (SELECT kode FROM kppn WHERE kanwil_kode = ${n})"),
        Lingkup::Kppn(_) => format!("kppn_kode = ${n}"),
        Lingkup::Satker(_) => format!("satker_kode = ${n}"),
    }
}

/// The scope's code, bound as the filter's parameter (none for the whole country).
fn kode(lingkup: &Lingkup) -> Option<&str> {
    match lingkup {
        Lingkup::Nasional => None,
        Lingkup::Kanwil(k) | Lingkup::Kppn(k) | Lingkup::Satker(k) => Some(k),
    }
}

/// Each satker in the scope with when it first reached each step: `satker_progres`, kept by
/// triggers (migration 14), beside the satker. The filter is written for the scope (not
/// `$1 IS NULL OR …`), so each scope gets a plan of its own; `$1` is the scope's code. Public
/// for the `EXPLAIN` of `bench/pantau.sh`.
pub fn pernyataan(lingkup: &Lingkup) -> String {
    let satker = match lingkup {
        Lingkup::Nasional => "true",
        Lingkup::Kanwil(_) => "k.kanwil_kode = $1",
        Lingkup::Kppn(_) => "s.kppn_kode = $1",
        Lingkup::Satker(_) => "s.kode = $1",
    };
    format!(
        "SELECT s.kode, s.nama, s.kppn_kode, k.kanwil_kode, g.direkam, g.diajukan, g.diterima,
                g.kpa_aktif AS kpa, g.ppk_aktif AS ppk, g.ppspm_aktif AS ppspm
         FROM satker s JOIN kppn k ON k.kode = s.kppn_kode LEFT JOIN satker_progres g ON g.satker_kode = s.kode
         WHERE {satker}"
    )
}

/// The board for `diminta` (the viewer's own scope when none), within the viewer's scope.
#[tracing::instrument(skip_all, fields(diminta = ?diminta))]
pub async fn papan(
    pool: &PgPool,
    caller: &Caller,
    diminta: Option<Lingkup>,
    setelan: Setelan,
    now: DateTime<Utc>,
) -> Result<Papan> {
    let actor = authorize(pool, caller, Action::Pantau).await?;
    let rumah = rumah(actor)?;
    let lingkup = diminta.unwrap_or_else(|| rumah.clone());
    let letak = letak(pool, &lingkup).await?;
    if !di_dalam(&rumah, &letak) {
        return Err(Error::Forbidden("Unit itu di luar wilayah pemantauan Anda.".into()));
    }
    baca(pool, &rumah, &lingkup, &letak, setelan, now).await
}

/// The board of `lingkup` (already checked to be within `rumah`).
async fn baca(
    pool: &PgPool,
    rumah: &Lingkup,
    lingkup: &Lingkup,
    letak: &Letak,
    setelan: Setelan,
    now: DateTime<Utc>,
) -> Result<Papan> {
    let sql = pernyataan(lingkup);
    let mut query = sqlx::query_as::<_, FaktaRow>(&sql);
    if let Some(kode) = kode(lingkup) {
        query = query.bind(kode);
    }
    let rows = query.fetch_all(pool).await?;
    // the level below the scope: regions, KPPN or satkers
    let anak = |r: &FaktaRow| -> (Lingkup, String) {
        match lingkup {
            Lingkup::Nasional => match &r.kanwil_kode {
                Some(w) => (Lingkup::Kanwil(w.clone()), w.clone()),
                None => (Lingkup::Nasional, String::new()),
            },
            Lingkup::Kanwil(_) => (Lingkup::Kppn(r.kppn_kode.clone()), r.kppn_kode.clone()),
            Lingkup::Kppn(_) | Lingkup::Satker(_) => (Lingkup::Satker(r.kode.clone()), r.kode.clone()),
        }
    };
    let mut hitungan = Hitungan::default();
    let mut groups: BTreeMap<String, Baris> = nama_anak(pool, lingkup, letak).await?;
    let mut macet = Vec::new();
    let (mut selesai, mut terakhir) = (0u32, 0u32);
    let sejak_laju = now - Duration::days(LAJU_HARI);
    for r in &rows {
        let fakta = Fakta {
            direkam: r.direkam,
            diajukan: r.diajukan,
            diterima: r.diterima,
            kpa_aktif: r.kpa,
            ppk_aktif: r.ppk,
            ppspm_aktif: r.ppspm,
        };
        let (tahap, sejak) = fakta.tahap();
        hitungan.tambah(tahap);
        if tahap == Fase::Selesai {
            selesai += 1;
            if sejak.is_some_and(|s| s >= sejak_laju) {
                terakhir += 1;
            }
        }
        if let Some(hari) = pantau::macet(tahap, sejak, now, setelan.macet_hari) {
            macet.push(Macet {
                satker_kode: r.kode.clone(),
                satker_nama: r.nama.clone(),
                kppn_kode: r.kppn_kode.clone(),
                tahap,
                sejak: sejak.unwrap_or(now),
                hari,
            });
        }
        let (child, kode) = anak(r);
        let baris = groups.entry(kode.clone()).or_insert_with(|| Baris {
            lingkup: child,
            kode,
            nama: match lingkup {
                Lingkup::Nasional => "KPPN tanpa Kanwil".into(),
                Lingkup::Kanwil(_) => format!("KPPN {}", r.kppn_kode),
                _ => r.nama.clone(),
            },
            hitungan: Hitungan::default(),
            tahap: None,
        });
        baris.hitungan.tambah(tahap);
        if matches!(baris.lingkup, Lingkup::Satker(_)) {
            baris.nama.clone_from(&r.nama);
            baris.tahap = Some((tahap, sejak));
        }
    }
    macet.sort_by(|a, b| b.hari.cmp(&a.hari).then_with(|| a.satker_kode.cmp(&b.satker_kode)));
    let macet_total = u32::try_from(macet.len()).unwrap_or(u32::MAX);
    macet.truncate(MACET_MAKS);
    let hari_ini = pantau::tanggal_wib(now);
    let aktivasi_per_hari = aktivasi_per_hari(pool, lingkup, hari_ini).await?;
    let pejabat = match lingkup {
        Lingkup::Satker(s) => pejabat_satker(pool, s).await?,
        _ => vec![],
    };
    Ok(Papan {
        lingkup: lingkup.clone(),
        jejak: jejak(rumah, letak),
        proyeksi: pantau::proyeksi(hitungan.total(), selesai, terakhir, hari_ini, setelan.tenggat),
        hitungan,
        baris: groups.into_values().collect(),
        macet,
        macet_total,
        macet_hari: setelan.macet_hari,
        aktivasi_per_hari,
        pejabat,
    })
}

/// The rows of the level below `lingkup` that have a name of their own (regions and KPPN), so
/// that one without any satker is listed too, with zeros.
async fn nama_anak(pool: &PgPool, lingkup: &Lingkup, letak: &Letak) -> Result<BTreeMap<String, Baris>> {
    let named: Vec<(String, String)> = match lingkup {
        Lingkup::Nasional => sqlx::query_as("SELECT kode, nama FROM kanwil").fetch_all(pool).await?,
        Lingkup::Kanwil(_) => {
            sqlx::query_as("SELECT kode, nama FROM kppn WHERE kanwil_kode = $1")
                .bind(&letak.kanwil)
                .fetch_all(pool)
                .await?
        }
        Lingkup::Kppn(_) | Lingkup::Satker(_) => vec![],
    };
    Ok(named
        .into_iter()
        .map(|(kode, nama)| {
            let child = match lingkup {
                Lingkup::Nasional => Lingkup::Kanwil(kode.clone()),
                _ => Lingkup::Kppn(kode.clone()),
            };
            (kode.clone(), Baris { lingkup: child, kode, nama, hitungan: Hitungan::default(), tahap: None })
        })
        .collect())
}

/// Pejabat activated per WIB day in the scope, the last [`GRAFIK_HARI`] days.
async fn aktivasi_per_hari(pool: &PgPool, lingkup: &Lingkup, hari_ini: NaiveDate) -> Result<Vec<(NaiveDate, u32)>> {
    let from = hari_ini - Duration::days(GRAFIK_HARI - 1);
    let sql = format!(
        "SELECT (aktif_at AT TIME ZONE 'Asia/Jakarta')::date AS hari, count(*) FROM pejabat
         WHERE deleted_at IS NULL AND status = 'AKTIF' AND aktif_at >= ($1::date::timestamp AT TIME ZONE 'Asia/Jakarta')
           AND {}
         GROUP BY 1",
        dalam(lingkup, 2)
    );
    let mut query = sqlx::query_as::<_, (NaiveDate, i64)>(&sql).bind(from);
    if let Some(kode) = kode(lingkup) {
        query = query.bind(kode);
    }
    let days: Vec<(NaiveDate, u32)> =
        query.fetch_all(pool).await?.into_iter().map(|(d, n)| (d, u32::try_from(n).unwrap_or(u32::MAX))).collect();
    Ok(pantau::per_hari(&days, hari_ini, GRAFIK_HARI))
}

#[derive(sqlx::FromRow)]
struct PejabatRow {
    id: domain::PejabatId,
    bukti: bool,
    nama: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Status>")]
    status: Status,
    created_at: DateTime<Utc>,
    aktif_at: Option<DateTime<Utc>>,
}

/// One satker's live pejabat references, for the board's last level.
async fn pejabat_satker(pool: &PgPool, satker: &str) -> Result<Vec<PejabatPantau>> {
    let rows: Vec<PejabatRow> = sqlx::query_as(
        "SELECT id, EXISTS (SELECT 1 FROM bukti_aktivasi b WHERE b.pejabat_id = pejabat.id) AS bukti,
                nama, jabatan, status, created_at, aktif_at FROM pejabat
         WHERE satker_kode = $1 AND deleted_at IS NULL ORDER BY jabatan, nama",
    )
    .bind(satker)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PejabatPantau {
            id: r.id,
            bukti: r.bukti,
            nama: r.nama,
            jabatan: r.jabatan,
            status: r.status,
            direkam: r.created_at,
            aktif: r.aktif_at,
        })
        .collect())
}

/// The way from the viewer's own scope down to the one shown, each step with its name.
fn jejak(rumah: &Lingkup, letak: &Letak) -> Vec<(Lingkup, String)> {
    let mut steps = Vec::new();
    if *rumah == Lingkup::Nasional {
        steps.push((Lingkup::Nasional, "Nasional".to_owned()));
    }
    let below_home = |l: &Lingkup| match rumah {
        Lingkup::Nasional => true,
        Lingkup::Kanwil(_) => !matches!(l, Lingkup::Nasional),
        Lingkup::Kppn(_) => matches!(l, Lingkup::Kppn(_) | Lingkup::Satker(_)),
        Lingkup::Satker(_) => matches!(l, Lingkup::Satker(_)),
    };
    let levels = [
        (letak.kanwil.clone().map(Lingkup::Kanwil), letak.nama_kanwil.clone()),
        (letak.kppn.clone().map(Lingkup::Kppn), letak.nama_kppn.clone()),
        (letak.satker.clone().map(Lingkup::Satker), letak.nama_satker.clone()),
    ];
    for (l, nama) in levels {
        if let (Some(l), Some(nama)) = (l, nama)
            && below_home(&l)
        {
            steps.push((l, nama));
        }
    }
    steps
}
