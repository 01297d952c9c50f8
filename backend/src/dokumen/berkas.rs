//! Document bundles and submissions: the Admin Lokal uploads one signed, scanned PDF per
//! pejabat and sends the satker's drafts as one submission; the CSO KPPN checks each
//! bundle against the checklist and accepts it or returns it with a reason.
//!
//! Files are kept in PostgreSQL (`bytea`) with their SHA-256, so a bundle is stored in the
//! same transaction as its record and its audit line: a failed request leaves nothing.

use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::audit::{self, Entry, Outcome, refuse};
use crate::error::{Error, Result};
use crate::sistem::stored::Stored;
use crate::{Actor, Caller};
use chrono::{DateTime, Utc};
use domain::audit::Aksi;
use domain::authz::Action;
use domain::berkas::{
    self, BerkasInfo, BerkasRow, BerkasStatus, Ceklis, DeskItem, DeskPengajuan, Keperluan, Keputusan,
};
use domain::ubah_nomor::{Langkah, Tahap};
use domain::{BerkasId, Jabatan, PejabatId, PengajuanId, Role, Status, UbahNomorId};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// The columns of [`InfoRow`], from `berkas b`.
const INFO_COLUMNS: &str = "b.id, b.nama_file, b.ukuran, b.sha256, b.status, b.diunggah_at, b.alasan,
    b.cek_formulir, b.cek_sk_pejabat, b.cek_sk_user, b.cek_ktp, b.cek_spesimen";

#[derive(sqlx::FromRow)]
struct InfoRow {
    id: BerkasId,
    nama_file: String,
    ukuran: i32,
    sha256: Vec<u8>,
    #[sqlx(try_from = "crate::sistem::stored::Stored<BerkasStatus>")]
    status: BerkasStatus,
    diunggah_at: DateTime<Utc>,
    alasan: Option<String>,
    cek_formulir: bool,
    cek_sk_pejabat: bool,
    cek_sk_user: bool,
    cek_ktp: bool,
    cek_spesimen: bool,
}

impl InfoRow {
    fn info(self) -> BerkasInfo {
        BerkasInfo {
            id: self.id,
            nama_file: self.nama_file,
            ukuran: i64::from(self.ukuran),
            sha256: berkas::hex(&self.sha256),
            status: self.status,
            diunggah_ms: self.diunggah_at.timestamp_millis(),
            ceklis: [self.cek_formulir, self.cek_sk_pejabat, self.cek_sk_user, self.cek_ktp, self.cek_spesimen],
            alasan: self.alasan,
        }
    }
}

fn own_satker(actor: &Actor) -> Result<&str> {
    actor.unit.satker().ok_or_else(|| Error::Forbidden("Pengguna ini tidak terdaftar pada satker.".into()))
}

fn own_kppn(actor: &Actor) -> Result<&str> {
    actor.unit.kppn().ok_or_else(|| Error::Forbidden("CSO tidak terdaftar pada KPPN.".into()))
}

#[derive(sqlx::FromRow)]
struct PejabatBerkas {
    pejabat_id: PejabatId,
    nama: String,
    nip: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Status>")]
    status: Status,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Keperluan>")]
    keperluan: Keperluan,
    ubah_nomor_id: Option<UbahNomorId>,
    berkas_id: Option<BerkasId>,
}

/// The pejabat of a satker that need a bundle: references on their way to activation,
/// and open number changes at `PENGAJUAN BERKAS`, with the latest bundle of each.
const NEEDS_BUNDLE: &str = "
    WITH perlu AS (
        SELECT p.id AS pejabat_id, p.nama, p.nip, p.jabatan, p.status, 'AKTIVASI' AS keperluan, NULL::bigint AS ubah_nomor_id
        FROM pejabat p
        WHERE p.satker_kode = $1 AND p.deleted_at IS NULL AND p.status <> 'AKTIF'
          AND p.jabatan IN ('KUASA PENGGUNA ANGGARAN', 'PEJABAT PEMBUAT KOMITMEN', 'PEJABAT SPM')
        UNION ALL
        SELECT p.id, p.nama, p.nip, p.jabatan, p.status, 'UBAH_NOMOR', u.id
        FROM pejabat p JOIN ubah_nomor u ON u.pejabat_id = p.id AND u.tahap IN ('PENGAJUAN BERKAS', 'KONFIRMASI CSO')
        WHERE p.satker_kode = $1 AND p.deleted_at IS NULL
    )
    SELECT perlu.*, (SELECT b.id FROM berkas b
                     WHERE b.pejabat_id = perlu.pejabat_id AND b.keperluan = perlu.keperluan
                       AND b.ubah_nomor_id IS NOT DISTINCT FROM perlu.ubah_nomor_id AND b.status <> 'DIGANTI'
                     ORDER BY b.id DESC LIMIT 1) AS berkas_id
    FROM perlu ORDER BY nama, pejabat_id, keperluan";

async fn info(pool: &PgPool, id: BerkasId) -> Result<BerkasInfo> {
    let row: InfoRow = sqlx::query_as(&format!("SELECT {INFO_COLUMNS} FROM berkas b WHERE b.id = $1"))
        .bind(id)
        .fetch_one(pool)
        .await?;
    Ok(row.info())
}

/// The submission page of the caller's satker: who needs a bundle and where each stands.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn daftar(pool: &PgPool, caller: &Caller) -> Result<Vec<BerkasRow>> {
    let actor = authorize(pool, caller, Action::LihatBerkas).await?;
    let satker = own_satker(actor)?;
    let rows: Vec<PejabatBerkas> = sqlx::query_as(NEEDS_BUNDLE).bind(satker).fetch_all(pool).await?;
    // every bundle of the page in one query, not one per row
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.berkas_id.map(|id| id.0)).collect();
    let infos: Vec<InfoRow> = sqlx::query_as(&format!("SELECT {INFO_COLUMNS} FROM berkas b WHERE b.id = ANY($1)"))
        .bind(&ids)
        .fetch_all(pool)
        .await?;
    let mut infos: std::collections::HashMap<BerkasId, BerkasInfo> =
        infos.into_iter().map(|row| row.info()).map(|info| (info.id, info)).collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let berkas = r.berkas_id.and_then(|id| infos.remove(&id));
        out.push(BerkasRow {
            pejabat_id: r.pejabat_id,
            nama: r.nama,
            nip: r.nip,
            jabatan: r.jabatan,
            status_pejabat: r.status,
            keperluan: r.keperluan,
            berkas,
        });
    }
    Ok(out)
}

/// Stores an uploaded bundle as the draft of `pejabat_id` for `keperluan`. Anything but
/// a real PDF within the limit is refused before a byte is stored.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id, ?keperluan))]
pub async fn unggah(
    pool: &PgPool,
    caller: &Caller,
    pejabat_id: PejabatId,
    keperluan: Keperluan,
    nama_file: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<BerkasInfo> {
    let action = Action::UnggahBerkas;
    let actor = authorize(pool, caller, action).await?;
    let satker = own_satker(actor)?;
    let nama_file = match berkas::check_upload(nama_file, bytes) {
        Ok(n) => n,
        Err(m) => return Err(refuse(pool, caller, action, Some(pejabat_id), Error::Rule(m)).await),
    };
    let mut attempt = Attempt::begin(pool, caller, action).await?;
    attempt.about(pejabat_id);
    let needs: Vec<PejabatBerkas> = sqlx::query_as(NEEDS_BUNDLE).bind(satker).fetch_all(attempt.tx()).await?;
    let Some(need) = needs.into_iter().find(|n| n.pejabat_id == pejabat_id && n.keperluan == keperluan) else {
        let own: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pejabat WHERE id = $1 AND satker_kode = $2)")
            .bind(pejabat_id)
            .bind(satker)
            .fetch_one(attempt.tx())
            .await?;
        let e = match keperluan {
            _ if !own => Error::NotFound("Referensi pejabat tidak ditemukan.".into()),
            Keperluan::Aktivasi => {
                Error::Rule("Pejabat ini bukan pejabat satker Anda yang menunggu aktivasi OTP.".into())
            }
            Keperluan::UbahNomor => Error::Rule("Pejabat ini tidak sedang menunggu berkas perubahan nomor.".into()),
        };
        return Err(attempt.refuse(e).await);
    };
    // lock the live bundle, if any: a draft is replaced, a sent one stays
    let live: Option<(BerkasId, Stored<BerkasStatus>)> = sqlx::query_as(
        "SELECT id, status FROM berkas WHERE pejabat_id = $1 AND keperluan = $2
           AND ubah_nomor_id IS NOT DISTINCT FROM $3 AND status IN ('DRAF', 'DIAJUKAN', 'DITERIMA') FOR UPDATE",
    )
    .bind(pejabat_id)
    .bind(keperluan.code())
    .bind(need.ubah_nomor_id)
    .fetch_optional(attempt.tx())
    .await?;
    match live {
        Some((_, Stored(BerkasStatus::Diajukan | BerkasStatus::Diterima))) => {
            let e = Error::Rule("Berkas pejabat ini sudah diajukan ke KPPN; tunggu keputusan CSO.".into());
            return Err(attempt.refuse(e).await);
        }
        Some((live, _)) => {
            sqlx::query("UPDATE berkas SET status = 'DIGANTI' WHERE id = $1").bind(live).execute(attempt.tx()).await?;
        }
        None => {}
    }
    let sha = Sha256::digest(bytes).to_vec();
    let id: BerkasId = sqlx::query_scalar(
        "INSERT INTO berkas (pejabat_id, keperluan, ubah_nomor_id, nama_file, ukuran, sha256, isi, diunggah_at, diunggah_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(pejabat_id)
    .bind(keperluan.code())
    .bind(need.ubah_nomor_id)
    .bind(&nama_file)
    .bind(i32::try_from(bytes.len()).unwrap_or(i32::MAX))
    .bind(&sha)
    .bind(bytes)
    .bind(now)
    .bind(actor.user_id)
    .fetch_one(attempt.tx())
    .await?;
    let detail = format!("{} {} ({} bait, sha256 {})", keperluan.code(), nama_file, bytes.len(), berkas::hex(&sha));
    attempt.done(detail, None).await?;
    info(pool, id).await
}

/// Sends every draft of the caller's satker to the KPPN as one submission.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn ajukan(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<PengajuanId> {
    const ACTION: Aksi = Aksi::AjukanBerkas;
    let actor = authorize(pool, caller, Action::UnggahBerkas).await?;
    let satker = own_satker(actor)?;
    let mut attempt = Attempt::begin(pool, caller, ACTION).await?;
    let drafts: Vec<(BerkasId, PejabatId)> = sqlx::query_as(
        "SELECT b.id, b.pejabat_id FROM berkas b JOIN pejabat p ON p.id = b.pejabat_id
         WHERE p.satker_kode = $1 AND p.deleted_at IS NULL AND b.status = 'DRAF' FOR UPDATE OF b",
    )
    .bind(satker)
    .fetch_all(attempt.tx())
    .await?;
    if drafts.is_empty() {
        let e = Error::Rule("Belum ada berkas baru untuk diajukan. Unggah berkas pejabat terlebih dahulu.".into());
        return Err(attempt.refuse(e).await);
    }
    let id: PengajuanId = sqlx::query_scalar(
        "INSERT INTO pengajuan (satker_kode, kppn_kode, diajukan_at, diajukan_by)
         SELECT kode, kppn_kode, $2, $3 FROM satker WHERE kode = $1 RETURNING id",
    )
    .bind(satker)
    .bind(now)
    .bind(actor.user_id)
    .fetch_one(attempt.tx())
    .await?;
    let ids: Vec<i64> = drafts.iter().map(|d| d.0.0).collect();
    sqlx::query("UPDATE berkas SET status = 'DIAJUKAN', pengajuan_id = $2 WHERE id = ANY($1)")
        .bind(&ids)
        .bind(id)
        .execute(attempt.tx())
        .await?;
    // the KPPN's service mailbox hears of it, when it has one
    let mailbox: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT s.nama, k.email FROM satker s JOIN kppn k ON k.kode = s.kppn_kode WHERE s.kode = $1")
            .bind(satker)
            .fetch_optional(attempt.tx())
            .await?;
    if let Some((satker_nama, Some(to))) = mailbox {
        let isi = domain::surel::pengajuan_masuk(satker, &satker_nama, ids.len());
        crate::kirim::email::enqueue(attempt.tx(), &crate::kirim::email::Surat::notice(&to, isi, now), now).await?;
    }
    let detail = format!("Pengajuan Formulir Aktivasi OTP SAKTI Satker {satker}: {} berkas", ids.len());
    attempt.done(detail, Some(satker)).await?;
    Ok(id)
}

/// A bundle's file as stored.
#[derive(Debug)]
pub struct BerkasFile {
    pub nama_file: String,
    pub isi: Vec<u8>,
}

/// A stored bundle to read: the satker's Admin Lokal any of its own, the CSO those
/// submitted to its KPPN. Each opening is audited (the bundle holds a KTP).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), berkas_id = %berkas_id))]
pub async fn buka(pool: &PgPool, caller: &Caller, berkas_id: BerkasId) -> Result<BerkasFile> {
    let action = Action::BukaBerkas;
    let actor = authorize(pool, caller, action).await?;
    #[derive(sqlx::FromRow)]
    struct Stored {
        nama_file: String,
        isi: Vec<u8>,
        sha256: Vec<u8>,
        pejabat_id: PejabatId,
        #[sqlx(try_from = "crate::sistem::stored::Stored<BerkasStatus>")]
        status: BerkasStatus,
        satker_kode: String,
        kppn_kode: String,
    }
    let row: Option<Stored> = sqlx::query_as(
        "SELECT b.nama_file, b.isi, b.sha256, b.pejabat_id, b.status, p.satker_kode, s.kppn_kode
         FROM berkas b JOIN pejabat p ON p.id = b.pejabat_id JOIN satker s ON s.kode = p.satker_kode
         WHERE b.id = $1",
    )
    .bind(berkas_id)
    .fetch_optional(pool)
    .await?;
    let allowed = row.as_ref().is_some_and(|r| match actor.role {
        Role::Cso => {
            actor.unit.kppn() == Some(r.kppn_kode.as_str())
                && !matches!(r.status, BerkasStatus::Draf | BerkasStatus::Diganti)
        }
        _ => actor.unit.satker() == Some(r.satker_kode.as_str()),
    });
    let Some(Stored { nama_file, isi, sha256: sha, pejabat_id, .. }) = row.filter(|_| allowed) else {
        let e = Error::NotFound("Berkas tidak ditemukan.".into());
        return Err(refuse(pool, caller, action, None, e).await);
    };
    if Sha256::digest(&isi).as_slice() != sha.as_slice() {
        tracing::error!(%berkas_id, "checksum berkas tidak cocok");
        return Err(Error::NotFound("Berkas rusak (checksum tidak cocok). Minta satker mengunggah ulang.".into()));
    }
    let entry = Entry::new(caller, action, Outcome::Berhasil).pejabat(pejabat_id).detail(nama_file.clone());
    audit::record(pool, entry).await?;
    Ok(BerkasFile { nama_file, isi })
}

#[derive(sqlx::FromRow)]
struct DeskRow {
    pengajuan_id: PengajuanId,
    satker_kode: String,
    satker_nama: String,
    diajukan_at: DateTime<Utc>,
    diajukan_oleh: String,
    pejabat_id: PejabatId,
    nama: String,
    nip: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Keperluan>")]
    keperluan: Keperluan,
    /// The bundle itself, read in the same query (`INFO_COLUMNS`).
    #[sqlx(flatten)]
    berkas: InfoRow,
}

/// The CSO's desk: the latest submissions to its KPPN, newest first, with their bundles.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn meja(pool: &PgPool, caller: &Caller, limit: i64) -> Result<Vec<DeskPengajuan>> {
    let actor = authorize(pool, caller, Action::MejaCso).await?;
    let kppn = own_kppn(actor)?;
    let rows: Vec<DeskRow> = sqlx::query_as(&format!(
        "SELECT g.id AS pengajuan_id, g.satker_kode, s.nama AS satker_nama, g.diajukan_at, u.nama AS diajukan_oleh,
                p.id AS pejabat_id, p.nama, p.nip, p.jabatan, b.keperluan, {INFO_COLUMNS}
         FROM (SELECT * FROM pengajuan WHERE kppn_kode = $1 ORDER BY diajukan_at DESC, id DESC LIMIT $2) g
         JOIN satker s ON s.kode = g.satker_kode
         JOIN app_user u ON u.id = g.diajukan_by
         JOIN berkas b ON b.pengajuan_id = g.id
         JOIN pejabat p ON p.id = b.pejabat_id
         ORDER BY g.diajukan_at DESC, g.id DESC, p.nama, b.id"
    ))
    .bind(kppn)
    .bind(limit.clamp(1, 200))
    .fetch_all(pool)
    .await?;
    let mut out: Vec<DeskPengajuan> = Vec::new();
    for r in rows {
        let item = DeskItem {
            pejabat_id: r.pejabat_id,
            nama: r.nama,
            nip: r.nip,
            jabatan: r.jabatan,
            keperluan: r.keperluan,
            berkas: r.berkas.info(),
        };
        match out.last_mut() {
            Some(g) if g.id == r.pengajuan_id => g.items.push(item),
            _ => out.push(DeskPengajuan {
                id: r.pengajuan_id,
                satker_kode: r.satker_kode,
                satker_nama: r.satker_nama,
                diajukan_ms: r.diajukan_at.timestamp_millis(),
                diajukan_oleh: r.diajukan_oleh,
                items: vec![item],
            }),
        }
    }
    Ok(out)
}

/// The CSO's decision on a submitted bundle, with the checklist as ticked. Accepting a
/// number-change bundle moves the change on to the CSO's confirmation.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), berkas_id = %berkas_id))]
pub async fn putuskan(
    pool: &PgPool,
    caller: &Caller,
    berkas_id: BerkasId,
    ceklis: Ceklis,
    keputusan: &Keputusan,
    now: DateTime<Utc>,
) -> Result<BerkasInfo> {
    let action = match keputusan {
        Keputusan::Terima => Aksi::TerimaBerkas,
        Keputusan::Kembalikan { .. } => Aksi::KembalikanBerkas,
    };
    let actor = authorize(pool, caller, Action::MejaCso).await?;
    let kppn = own_kppn(actor)?;
    let mut attempt = Attempt::begin(pool, caller, action).await?;
    #[derive(sqlx::FromRow)]
    struct Sent {
        pejabat_id: PejabatId,
        #[sqlx(try_from = "Stored<BerkasStatus>")]
        status: BerkasStatus,
        satker_kode: String,
        ubah_nomor_id: Option<UbahNomorId>,
        #[sqlx(try_from = "Stored<Jabatan>")]
        jabatan: Jabatan,
        nama: String,
    }
    let row: Option<Sent> = sqlx::query_as(
        "SELECT b.pejabat_id, b.status, p.satker_kode, b.ubah_nomor_id, p.jabatan, p.nama
         FROM berkas b JOIN pejabat p ON p.id = b.pejabat_id JOIN satker s ON s.kode = p.satker_kode
         WHERE b.id = $1 AND s.kppn_kode = $2 AND b.status NOT IN ('DRAF', 'DIGANTI') FOR UPDATE OF b",
    )
    .bind(berkas_id)
    .bind(kppn)
    .fetch_optional(attempt.tx())
    .await?;
    let Some(Sent { pejabat_id, status, satker_kode: satker, ubah_nomor_id, jabatan, nama }) = row else {
        return Err(attempt.refuse(Error::NotFound("Berkas tidak ditemukan.".into())).await);
    };
    attempt.about(pejabat_id);
    let checked = if status != BerkasStatus::Diajukan {
        Err(format!("Berkas ini sudah diputus ({status})."))
    } else {
        berkas::check_keputusan(&ceklis, keputusan)
    };
    let alasan = match checked {
        Ok(alasan) => alasan,
        Err(m) => return Err(attempt.refuse(Error::Rule(m)).await),
    };
    let to = if alasan.is_some() { BerkasStatus::Dikembalikan } else { BerkasStatus::Diterima };
    sqlx::query(
        "UPDATE berkas SET status = $2, alasan = $3, diputus_at = $4, diputus_by = $5,
                cek_formulir = $6, cek_sk_pejabat = $7, cek_sk_user = $8, cek_ktp = $9, cek_spesimen = $10
         WHERE id = $1",
    )
    .bind(berkas_id)
    .bind(to.label())
    .bind(alasan.as_deref())
    .bind(now)
    .bind(actor.user_id)
    .bind(ceklis[0])
    .bind(ceklis[1])
    .bind(ceklis[2])
    .bind(ceklis[3])
    .bind(ceklis[4])
    .execute(attempt.tx())
    .await?;
    if let (BerkasStatus::Diterima, Some(ubah)) = (to, ubah_nomor_id) {
        crate::aktivasi::ubah_nomor::advance(
            attempt.tx(),
            ubah,
            jabatan,
            Langkah::BerkasDiterima,
            Tahap::PengajuanBerkas,
            now,
        )
        .await?;
    }
    let isi = domain::surel::berkas_diputus(&nama, jabatan, &satker, alasan.as_deref());
    crate::kirim::email::to_admin_lokal(attempt.tx(), &satker, &isi, None, now).await?;
    let mut detail = to.label().to_owned();
    if let Some(a) = &alasan {
        detail.push_str(": ");
        detail.push_str(a);
    }
    attempt.done(detail, Some(&satker)).await?;
    info(pool, berkas_id).await
}
