//! Checkpoints of the audit trail, kept outside the database: the chain's head (its place,
//! line id and hash) and the number of lines up to it, signed with an Ed25519 key the database
//! never holds (`kunci`). The server writes one at a set interval when the head moved, and one
//! at shutdown: appended to a file the operator ships elsewhere, logged as one JSON line, and
//! emailed to an auditor when one is set. With them, `server audit verify --checkpoint FILE`
//! tells a removed tail, a chain rewritten by the owner role and a forged checkpoint from a
//! trail that is whole; the lines' MACs tell an inserted line (`audit::verify`).

use crate::error::Result;
use crate::sistem::kunci::KunciTanda;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The chain's head as the database shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Kepala {
    pub seq: i64,
    pub id: i64,
    pub hash: Vec<u8>,
    /// Lines up to and including the head.
    pub jumlah: i64,
}

/// The newest line of the chain and the count of lines up to it, after linking every line
/// committed so far (`audit::sambung`); `None` for an empty trail. Only committed lines are
/// linked, so every line before the head has committed: the count is exact.
pub async fn kepala(pool: &PgPool) -> Result<Option<Kepala>> {
    super::rantai::sambung(pool).await?;
    Ok(sqlx::query_as(
        "SELECT h.seq, h.id, h.hash, (SELECT count(*) FROM audit_log WHERE seq <= h.seq) AS jumlah
         FROM (SELECT seq, id, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1) h",
    )
    .fetch_optional(pool)
    .await?)
}

/// One signed checkpoint, as one JSON line of the checkpoint file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Titik {
    pub seq: i64,
    pub id: i64,
    /// The head line's hash, hex.
    pub hash: String,
    pub jumlah: i64,
    pub at: DateTime<Utc>,
    /// The signing key's public half, hex.
    pub kunci: String,
    /// Ed25519 over [`Titik::teks`], hex.
    pub tanda: String,
}

impl Titik {
    /// The signed checkpoint of `kepala` at `at`.
    pub fn baru(kepala: &Kepala, at: DateTime<Utc>, kunci: &KunciTanda) -> Titik {
        let mut titik = Titik {
            seq: kepala.seq,
            id: kepala.id,
            hash: hex::encode(&kepala.hash),
            jumlah: kepala.jumlah,
            at,
            kunci: kunci.publik(),
            tanda: String::new(),
        };
        titik.tanda = kunci.tanda(titik.teks().as_bytes());
        titik
    }

    /// What the signature covers: every field but itself, in a fixed form.
    pub fn teks(&self) -> String {
        format!(
            "sakti-audit-titik-v1|{}|{}|{}|{}|{}",
            self.seq,
            self.id,
            self.hash,
            self.jumlah,
            self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        )
    }

    /// Signed by the holder of `publik`?
    pub fn sah(&self, publik: &str) -> bool {
        self.kunci == publik && crate::sistem::kunci::tanda_sah(publik, self.teks().as_bytes(), &self.tanda)
    }
}

/// Appends `titik` to `file` (created with its directory, mode 0600) and syncs it to disk.
pub fn tulis(file: &Path, titik: &Titik) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut out = std::fs::OpenOptions::new().append(true).create(true).mode(0o600).open(file)?;
    let line = serde_json::to_string(titik).map_err(std::io::Error::other)?;
    writeln!(out, "{line}")?;
    out.sync_all()
}

/// The checkpoints of `file`, oldest first; a line that is not one is an error naming it.
pub fn baca(file: &Path) -> std::result::Result<Vec<Titik>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{} baris {}: {e}", file.display(), i + 1)))
        .collect()
}

/// Where checkpoints go: the file, and the auditor's address when one is set.
#[derive(Debug, Clone)]
pub struct Tujuan {
    pub file: PathBuf,
    pub surel: Option<String>,
}

impl Tujuan {
    /// `SAKTI_AUDIT_CHECKPOINT_FILE` (default `data_dir/audit-checkpoint.jsonl`) and
    /// `SAKTI_AUDIT_EMAIL` (none by default).
    pub fn dari_lingkungan(data_dir: &Path) -> Tujuan {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Tujuan {
            file: var("SAKTI_AUDIT_CHECKPOINT_FILE")
                .map_or_else(|| data_dir.join("audit-checkpoint.jsonl"), PathBuf::from),
            surel: var("SAKTI_AUDIT_EMAIL"),
        }
    }
}

/// How often the server checkpoints a moved head: `SAKTI_AUDIT_CHECKPOINT_MINUTES`
/// (default 5, at least 1).
pub fn selang() -> std::time::Duration {
    let minutes = std::env::var("SAKTI_AUDIT_CHECKPOINT_MINUTES").ok().and_then(|m| m.trim().parse::<u64>().ok());
    std::time::Duration::from_secs(60 * minutes.unwrap_or(5).max(1))
}

/// Writes the checkpoint of the current head: the file, the log (one JSON line), the
/// auditor's email. Returns it, or `None` for an empty trail or a head `sebelumnya` already
/// holds (unless `selalu`: at shutdown).
pub async fn catat(
    pool: &PgPool,
    kunci: &KunciTanda,
    tujuan: &Tujuan,
    sebelumnya: Option<&Titik>,
    selalu: bool,
    now: DateTime<Utc>,
) -> Result<Option<Titik>> {
    let Some(kepala) = kepala(pool).await? else { return Ok(None) };
    if !selalu && sebelumnya.is_some_and(|t| t.seq == kepala.seq) {
        return Ok(None);
    }
    let titik = Titik::baru(&kepala, now, kunci);
    let json = serde_json::to_string(&titik).unwrap_or_default();
    tulis(&tujuan.file, &titik).map_err(|e| crate::Error::Kunci(format!("titik periksa tidak tertulis: {e}")))?;
    tracing::info!(target: "audit_titik", titik = %json, "titik periksa jejak audit");
    if let Some(to) = &tujuan.surel {
        let isi = domain::surel::Isi {
            subjek: format!("Titik periksa jejak audit SAKTI: baris {} (id {})", titik.jumlah, titik.id),
            badan: format!(
                "Titik periksa jejak audit Aktivasi OTP SAKTI, ditandatangani server.\n\
                 Simpan baris berikut; `server audit verify --checkpoint FILE` memeriksanya.\n\n{json}\n"
            ),
        };
        crate::kirim::email::enqueue(pool, &crate::kirim::email::Surat::notice(to, isi, now), now).await?;
    }
    Ok(Some(titik))
}

/// Writes a checkpoint every `every` when the head moved, and one at `stop`.
pub async fn run_worker(
    pool: PgPool,
    kunci: Arc<KunciTanda>,
    tujuan: Tujuan,
    every: std::time::Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    let mut last: Option<Titik> = baca(&tujuan.file).ok().and_then(|mut t| t.pop());
    loop {
        let stopping = tokio::select! {
            biased;
            () = &mut stop => true,
            () = tokio::time::sleep(every) => false,
        };
        match catat(&pool, &kunci, &tujuan, last.as_ref(), stopping, crate::now()).await {
            Ok(Some(titik)) => last = Some(titik),
            Ok(None) => {}
            Err(e) => tracing::warn!("titik periksa jejak audit gagal: {e}"),
        }
        if stopping {
            break;
        }
    }
}

/// Checks the trail against `titik` (signed with `publik`): the first problem, worded for the
/// operator, or `None` when every checkpoint holds.
pub async fn periksa(pool: &PgPool, titik: &[Titik], publik: &str) -> Result<Option<String>> {
    let head = kepala(pool).await?;
    for (n, t) in titik.iter().enumerate() {
        let label = format!("titik periksa #{} ({} UTC)", n + 1, t.at.format("%Y-%m-%d %H:%M:%S"));
        if !t.sah(publik) {
            return Ok(Some(format!("{label} PALSU: tanda tangannya tidak sah untuk kunci publik server")));
        }
        if head.as_ref().is_none_or(|h| h.seq < t.seq) {
            let ujung = head.as_ref().map_or("jejak kosong".to_owned(), |h| format!("berakhir di baris id {}", h.id));
            return Ok(Some(format!(
                "EKOR DIHAPUS: {label} mencatat baris id {} sebagai ke-{}, basis data {ujung}",
                t.id, t.jumlah
            )));
        }
        /// The line at the checkpoint's place in the chain, and the lines up to it.
        #[derive(sqlx::FromRow)]
        struct Baris {
            id: i64,
            hash: Vec<u8>,
            jumlah: i64,
        }
        let line: Option<Baris> = sqlx::query_as(
            "SELECT id, hash, (SELECT count(*) FROM audit_log WHERE seq <= $1) AS jumlah FROM audit_log WHERE seq = $1",
        )
        .bind(t.seq)
        .fetch_optional(pool)
        .await?;
        match line {
            None => {
                return Ok(Some(format!("DIHAPUS: baris id {} yang dicatat {label} tidak ada lagi", t.id)));
            }
            Some(Baris { id, hash, .. }) if id != t.id || hex::encode(&hash) != t.hash => {
                return Ok(Some(format!(
                    "RANTAI DITULIS ULANG: baris id {id} tidak sama dengan yang dicatat {label} \
                     (baris sebelumnya diubah, dihapus atau disisipkan lalu rantainya dihitung ulang)"
                )));
            }
            Some(Baris { jumlah, .. }) if jumlah != t.jumlah => {
                let apa = if jumlah < t.jumlah { "dihapus" } else { "disisipkan" };
                return Ok(Some(format!(
                    "BARIS {}: {label} mencatat {} baris sampai id {}, basis data kini {jumlah}",
                    apa.to_uppercase(),
                    t.jumlah,
                    t.id
                )));
            }
            Some(_) => {}
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titik(seq: i64) -> (Titik, KunciTanda) {
        let kunci = KunciTanda::new(&[9; 32]).unwrap();
        let kepala = Kepala { seq, id: seq + 100, hash: vec![1, 2, 3], jumlah: seq };
        (Titik::baru(&kepala, DateTime::from_timestamp(1_800_000_000, 0).unwrap(), &kunci), kunci)
    }

    #[test]
    fn a_checkpoint_is_signed_over_every_field() {
        let (t, kunci) = titik(10);
        assert!(t.sah(&kunci.publik()));
        for changed in [
            Titik { seq: 11, ..t.clone() },
            Titik { id: 1, ..t.clone() },
            Titik { hash: "00".into(), ..t.clone() },
            Titik { jumlah: 9, ..t.clone() },
            Titik { at: t.at + chrono::Duration::seconds(1), ..t.clone() },
        ] {
            assert!(!changed.sah(&kunci.publik()), "{changed:?}");
        }
        // signed by another key, claiming it is the server's
        let other = KunciTanda::new(&[1; 32]).unwrap();
        let forged = Titik { tanda: other.tanda(t.teks().as_bytes()), ..t.clone() };
        assert!(!forged.sah(&kunci.publik()));
        let own_key = Titik { kunci: other.publik(), ..forged };
        assert!(!own_key.sah(&kunci.publik()), "a checkpoint naming its own key is not the server's");
    }

    #[test]
    fn the_file_is_read_back_line_by_line() {
        let dir = std::env::temp_dir().join(format!("titik-{}", std::process::id()));
        let file = dir.join("titik.jsonl");
        let _ = std::fs::remove_file(&file);
        let (a, _) = titik(1);
        let (b, _) = titik(2);
        tulis(&file, &a).unwrap();
        tulis(&file, &b).unwrap();
        assert_eq!(baca(&file).unwrap(), vec![a, b]);
        std::fs::write(&file, "bukan json\n").unwrap();
        assert!(baca(&file).unwrap_err().contains("baris 1"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
