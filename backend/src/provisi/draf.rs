//! The operator's page: an uploaded file checked as a dry run and kept with its report
//! (`impor_draf`), then applied, exactly those bytes, once; a draft expires unapplied.

use crate::Caller;
use crate::error::{Error, Result};
use crate::provisi::impor::*;
use domain::DrafId;
use sqlx::PgPool;

#[derive(sqlx::FromRow)]
struct DrafRow {
    id: DrafId,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Daftar>")]
    daftar: Daftar,
    nama_file: String,
    deactivate_missing: bool,
    laporan: sqlx::types::Json<Laporan>,
    applied_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl DrafRow {
    fn draf(self) -> Draf {
        Draf {
            id: self.id,
            daftar: self.daftar,
            nama_file: self.nama_file,
            deactivate_missing: self.deactivate_missing,
            laporan: self.laporan.0,
            diterapkan_ms: self.applied_at.map(|t| t.timestamp_millis()),
        }
    }
}

const DRAF: &str = "SELECT id, daftar, nama_file, deactivate_missing, laporan, applied_at FROM impor_draf";

/// The operator uploads a file: it is checked as a dry run and kept with its report, to be
/// applied — exactly these bytes — after the operator has read the report.
#[tracing::instrument(skip_all, fields(daftar = daftar.code(), bytes = bytes.len()))]
pub async fn uji(
    pool: &PgPool,
    caller: &Caller,
    daftar: Daftar,
    nama_file: &str,
    bytes: &[u8],
    deactivate_missing: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Draf> {
    let actor = crate::akses::auth::authorize(pool, caller, domain::authz::Action::Impor).await?;
    let pilihan = Pilihan { dry_run: true, deactivate_missing };
    let laporan = impor(pool, caller, daftar, bytes, pilihan, now).await?;
    let nama_file: String = nama_file.chars().filter(|c| !c.is_control()).take(200).collect();
    let nama_file = if nama_file.trim().is_empty() { "berkas.csv".to_owned() } else { nama_file };
    let row: DrafRow = sqlx::query_as(&format!(
        "WITH d AS (INSERT INTO impor_draf (daftar, nama_file, isi, deactivate_missing, laporan, created_at, created_by)
                    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *)
         {} ",
        DRAF.replace("FROM impor_draf", "FROM d")
    ))
    .bind(daftar.code())
    .bind(&nama_file)
    .bind(bytes)
    .bind(deactivate_missing)
    .bind(sqlx::types::Json(&laporan))
    .bind(now)
    .bind(actor.user_id)
    .fetch_one(pool)
    .await?;
    Ok(row.draf())
}

/// A checked import, for the operator's page.
pub async fn draf(pool: &PgPool, caller: &Caller, id: DrafId) -> Result<Draf> {
    crate::akses::auth::authorize(pool, caller, domain::authz::Action::Impor).await?;
    let row: Option<DrafRow> = sqlx::query_as(&format!("{DRAF} WHERE id = $1")).bind(id).fetch_optional(pool).await?;
    row.map(DrafRow::draf).ok_or_else(|| Error::NotFound("Impor tidak ditemukan; unggah berkasnya lagi.".into()))
}

/// Applies a checked import: the same bytes, checked again in the applying transaction (the
/// database may have changed since the dry run), once.
#[tracing::instrument(skip_all, fields(id))]
pub async fn terapkan(pool: &PgPool, caller: &Caller, id: DrafId, now: chrono::DateTime<chrono::Utc>) -> Result<Draf> {
    crate::akses::auth::authorize(pool, caller, domain::authz::Action::Impor).await?;
    let mut tx = pool.begin().await?;
    #[derive(sqlx::FromRow)]
    struct Stored {
        #[sqlx(try_from = "crate::sistem::stored::Stored<Daftar>")]
        daftar: Daftar,
        isi: Vec<u8>,
        deactivate_missing: bool,
        applied_at: Option<chrono::DateTime<chrono::Utc>>,
    }
    let stored: Option<Stored> =
        sqlx::query_as("SELECT daftar, isi, deactivate_missing, applied_at FROM impor_draf WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(Stored { daftar, isi, deactivate_missing, applied_at }) = stored else {
        return Err(Error::NotFound("Impor tidak ditemukan; unggah berkasnya lagi.".into()));
    };
    if applied_at.is_some() {
        return Err(Error::Rule("Impor ini sudah disimpan.".into()));
    }
    // the lock on the draft is held while the import runs: a double click applies once
    let laporan = impor(pool, caller, daftar, &isi, Pilihan { dry_run: false, deactivate_missing }, now).await?;
    if laporan.diterapkan {
        sqlx::query("UPDATE impor_draf SET applied_at = $2, laporan = $3 WHERE id = $1")
            .bind(id)
            .bind(now)
            .bind(sqlx::types::Json(&laporan))
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("UPDATE impor_draf SET laporan = $2 WHERE id = $1")
            .bind(id)
            .bind(sqlx::types::Json(&laporan))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let row: DrafRow = sqlx::query_as(&format!("{DRAF} WHERE id = $1")).bind(id).fetch_one(pool).await?;
    Ok(row.draf())
}
