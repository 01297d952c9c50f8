//! Reminders by SMS (and email) the day before at 08:00 WIB and an hour before, queued by a
//! worker that several instances may run at once.

use super::baris::{tempat, wib};
use crate::error::Result;
use chrono::{DateTime, Utc};
use domain::jadwal::{self, Mode, Pengingat};
use domain::{Jabatan, JadwalId, PejabatId};
use sqlx::PgPool;

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

/// A pejabat a booking names, to be reminded.
#[derive(sqlx::FromRow)]
struct Diingatkan {
    id: PejabatId,
    nama: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    no_hp: String,
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
        let pejabat: Vec<Diingatkan> = sqlx::query_as(
            "SELECT p.id, p.nama, p.jabatan, p.no_hp FROM jadwal_pejabat jp JOIN pejabat p ON p.id = jp.pejabat_id
             WHERE jp.jadwal_id = $1 AND p.deleted_at IS NULL ORDER BY p.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        if pejabat.is_empty() {
            let isi = domain::surel::pengingat_satker(&satker, &waktu, &tempat);
            crate::kirim::email::to_admin_lokal(&mut tx, &satker, &isi, None, now).await?;
        }
        for Diingatkan { id: pid, nama, jabatan, no_hp } in pejabat {
            let text = domain::sms::pengingat_sesi(&nama, jabatan, &satker, &waktu, &tempat);
            crate::kirim::sms::enqueue_to_pejabat(&mut tx, pid, &no_hp, &text, domain::surel::pengingat, now).await?;
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
