//! The number changes as lists: a satker's open ones, the CSO's to confirm, and the
//! references a pejabat may change.

use crate::Caller;
use crate::akses::auth::authorize;
use crate::error::Result;
use chrono::{DateTime, Utc};
use domain::authz::Action;
use domain::ubah_nomor::{NomorMilik, Tahap, UbahNomorRow};
use domain::{Jabatan, PejabatId, UbahNomorId};
use sqlx::PgPool;

#[derive(sqlx::FromRow)]
struct Row {
    id: UbahNomorId,
    pejabat_id: PejabatId,
    nama: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    satker_kode: String,
    no_hp_lama: String,
    no_hp_baru: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Tahap>")]
    tahap: Tahap,
    diajukan_at: DateTime<Utc>,
}

impl Row {
    fn into_row(self) -> UbahNomorRow {
        UbahNomorRow {
            id: self.id,
            pejabat_id: self.pejabat_id,
            nama: self.nama,
            jabatan: self.jabatan,
            satker_kode: self.satker_kode,
            no_hp_lama: domain::format::masked_phone(&self.no_hp_lama),
            no_hp_baru: domain::format::masked_phone(&self.no_hp_baru),
            tahap: self.tahap,
            diajukan_ms: self.diajukan_at.timestamp_millis(),
        }
    }
}

const SELECT: &str = "SELECT u.id, u.pejabat_id, p.nama, p.jabatan, p.satker_kode, u.no_hp_lama, u.no_hp_baru,
        u.tahap, u.diajukan_at
    FROM ubah_nomor u JOIN pejabat p ON p.id = u.pejabat_id";

/// The open number changes of the caller's satker.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn satker(pool: &PgPool, caller: &Caller) -> Result<Vec<UbahNomorRow>> {
    let actor = authorize(pool, caller, Action::LihatBerkas).await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE p.satker_kode = $1 AND u.tahap NOT IN ('SELESAI', 'BATAL') ORDER BY u.diajukan_at"
    ))
    .bind(actor.unit.satker().unwrap_or(""))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Row::into_row).collect())
}

/// The changes waiting for the CSO's confirmation in its KPPN.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn menunggu_konfirmasi(pool: &PgPool, caller: &Caller) -> Result<Vec<UbahNomorRow>> {
    let actor = authorize(pool, caller, Action::MejaCso).await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} JOIN satker s ON s.kode = p.satker_kode
         WHERE s.kppn_kode = $1 AND u.tahap = 'KONFIRMASI CSO' ORDER BY u.diajukan_at LIMIT 200"
    ))
    .bind(actor.unit.kppn().unwrap_or(""))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Row::into_row).collect())
}

/// The caller's own `AKTIF` OTP references without an open change (what it may change).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn milik(pool: &PgPool, caller: &Caller) -> Result<Vec<NomorMilik>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        pejabat_id: PejabatId,
        nama: String,
        #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
        jabatan: Jabatan,
    }
    let actor = authorize(pool, caller, Action::UbahNomor).await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.id AS pejabat_id, p.nama, p.jabatan FROM pejabat p
         WHERE p.user_id = $1 AND p.deleted_at IS NULL AND p.status = 'AKTIF'
           AND p.jabatan IN ('KUASA PENGGUNA ANGGARAN', 'PEJABAT PEMBUAT KOMITMEN', 'PEJABAT SPM')
         ORDER BY p.nama",
    )
    .bind(actor.user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| NomorMilik { pejabat_id: r.pejabat_id, nama: r.nama, jabatan: r.jabatan }).collect())
}
