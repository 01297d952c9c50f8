//! The signed evidence record of an activation (issue 26): on `AKTIF`, one record of what the
//! ceremony was — the bundle's SHA-256, the checklist, the CSO, the session and its mode, the
//! delivery of the codes' SMS, the audit line's place in the chain, the time — signed with the
//! server's Ed25519 key (`SAKTI_AUDIT_SIGN_KEY`, which the database never sees). The Admin
//! Lokal, the KPPN, the Kanwil and Pusat download it within their scope; `server evidence
//! verify FILE` checks it offline: a record changed by one byte fails.

use crate::Caller;
use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::error::{Error, Result};
use crate::sistem::kunci::{KunciTanda, tanda_sah};
use chrono::{DateTime, Duration, Utc};
use domain::PejabatId;
use domain::audit::Aksi;
use domain::authz::Action;
use domain::upacara::Ceklis;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

/// What the signature covers before the record's text: a signature made for anything else
/// (a checkpoint of the trail, with the same key) is never an evidence record's.
pub const DOMAIN: &str = "aktivasi-otp-sakti/bukti-aktivasi/v1\n";

/// One activation, as the record tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bukti {
    pub versi: u32,
    pub pejabat: BuktiPejabat,
    /// When it became `AKTIF` (RFC 3339, UTC).
    pub aktif_pada: String,
    pub sesi: BuktiSesi,
    pub ceklis: Ceklis,
    /// The accepted activation bundle.
    pub berkas: Option<BuktiBerkas>,
    /// The SMS of the pejabat's aktivasi codes, oldest first.
    pub kiriman: Vec<BuktiKiriman>,
    /// The audit line of the activation: its id, place in the chain and hash.
    pub jejak: BuktiJejak,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuktiPejabat {
    pub id: PejabatId,
    pub nama: String,
    pub nip: String,
    pub jabatan: String,
    pub satker_kode: String,
    pub kppn_kode: String,
    /// Masked.
    pub no_hp: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuktiSesi {
    pub jadwal_id: domain::JadwalId,
    pub nomor: Option<i16>,
    pub mode: String,
    pub mulai: String,
    pub selesai: String,
    pub langsung: bool,
    pub cso_id: domain::UserId,
    pub cso_nama: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuktiBerkas {
    pub id: domain::BerkasId,
    pub sha256: String,
    pub nama_file: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuktiKiriman {
    pub sms_id: i64,
    pub nomor: String,
    pub status: String,
    pub gateway: Option<String>,
    pub dikirim: String,
    pub diterima: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuktiJejak {
    pub audit_id: i64,
    pub seq: Option<i64>,
    pub hash: Option<String>,
}

/// The record as stored and downloaded: its exact text, the signature of [`DOMAIN`] + that
/// text, and the public key that checks it (all hex but the text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuktiBertanda {
    pub bukti: String,
    pub tanda: String,
    pub kunci_publik: String,
}

impl BuktiBertanda {
    /// The file to keep: this as indented JSON.
    pub fn berkas(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A kept file, read back.
    pub fn baca(text: &str) -> std::result::Result<BuktiBertanda, String> {
        serde_json::from_str(text).map_err(|e| format!("berkas bukti tidak terbaca: {e}"))
    }

    /// The record, if the signature holds under `kunci_publik` and it names that key.
    pub fn periksa(&self, kunci_publik: &str) -> std::result::Result<Bukti, String> {
        if !self.kunci_publik.eq_ignore_ascii_case(kunci_publik.trim()) {
            return Err(format!("ditandatangani kunci lain ({}), bukan kunci server ini", self.kunci_publik));
        }
        let message = format!("{DOMAIN}{}", self.bukti);
        if !tanda_sah(kunci_publik.trim(), message.as_bytes(), &self.tanda) {
            return Err("tanda tangan tidak sah: isi bukti telah berubah atau bukan dari server ini".into());
        }
        serde_json::from_str(&self.bukti).map_err(|e| format!("isi bukti tidak terbaca: {e}"))
    }
}

impl BuktiBertanda {
    /// The record as one printable page (`cetak::lembar`), when its text reads.
    pub fn pdf(&self) -> std::result::Result<Vec<u8>, String> {
        let b: Bukti = serde_json::from_str(&self.bukti).map_err(|e| format!("isi bukti tidak terbaca: {e}"))?;
        let p = &b.pejabat;
        let s = &b.sesi;
        let mut baris = vec![
            ("Pejabat", format!("{} (NIP {})", p.nama, p.nip)),
            ("Jabatan", p.jabatan.clone()),
            ("Satker / KPPN", format!("{} / {}", p.satker_kode, p.kppn_kode)),
            ("Nomor HP", p.no_hp.clone()),
            ("Aktif pada", b.aktif_pada.clone()),
            (
                "Sesi",
                format!(
                    "No. {} (jadwal {}), {}{}, {} s.d. {}",
                    s.nomor.map_or_else(|| "-".into(), |n| n.to_string()),
                    s.jadwal_id,
                    s.mode,
                    if s.langsung { ", sesi langsung" } else { "" },
                    s.mulai,
                    s.selesai
                ),
            ),
            ("CSO", format!("{} (id {})", s.cso_nama, s.cso_id)),
            ("Ceklis", b.ceklis.ringkas()),
        ];
        if let Some(berkas) = &b.berkas {
            baris.push(("Berkas (SHA-256)", format!("{} {}", berkas.nama_file, berkas.sha256)));
        }
        for k in &b.kiriman {
            let diterima = k.diterima.as_deref().map(|d| format!(", diterima {d}")).unwrap_or_default();
            baris.push(("SMS kode", format!("{} {} {}{diterima}", k.nomor, k.status, k.dikirim)));
        }
        let jejak = &b.jejak;
        let seq = jejak.seq.map_or_else(|| "-".into(), |n| n.to_string());
        baris.push((
            "Jejak audit",
            format!("baris {}, urutan {seq}, hash {}", jejak.audit_id, jejak.hash.as_deref().unwrap_or("-")),
        ));
        baris.push(("Kunci publik", self.kunci_publik.clone()));
        baris.push(("Tanda tangan", self.tanda.clone()));
        let kaki = "Tanda tangan Ed25519 server atas isi bukti dalam berkas JSON-nya; periksa dengan `server evidence verify BERKAS.json`. Lembar ini salinan untuk dibaca.";
        Ok(cetak::lembar("Bukti Aktivasi OTP SAKTI", &baris, kaki))
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Writes the evidence record of reference `pejabat_id`, which has just become `AKTIF`, signed
/// with `kunci` at `now`. Called after the activation's transaction committed (its audit line
/// is committed, and linked here into the chain); [`susulkan`] writes at start-up any that a
/// crash kept from this.
pub async fn catat(pool: &PgPool, kunci: &KunciTanda, pejabat_id: PejabatId, now: DateTime<Utc>) -> Result<()> {
    crate::audit::sambung(pool).await?;
    let mut tx = pool.begin().await?;
    /// The reference, its session and its CSO as the activation stored them.
    #[derive(sqlx::FromRow)]
    struct Row {
        nama: String,
        nip: String,
        jabatan: String,
        satker_kode: String,
        kppn_kode: String,
        no_hp: String,
        aktif_at: Option<DateTime<Utc>>,
        ceklis: Option<sqlx::types::Json<Ceklis>>,
        jadwal_id: Option<domain::JadwalId>,
        nomor_sesi: Option<i16>,
        mode: Option<String>,
        mulai: Option<DateTime<Utc>>,
        durasi_menit: Option<i32>,
        langsung: Option<bool>,
        cso_id: Option<domain::UserId>,
        cso_nama: Option<String>,
    }
    let r: Row = sqlx::query_as(
        "SELECT p.nama, p.nip, p.jabatan, p.satker_kode, p.kppn_kode, p.no_hp, p.aktif_at,
                p.aktivasi_ceklis AS ceklis, p.aktivasi_jadwal AS jadwal_id, j.nomor_sesi, sl.mode, sl.mulai,
                sl.durasi_menit, j.langsung, p.aktivasi_cso AS cso_id, u.nama AS cso_nama
         FROM pejabat p
         LEFT JOIN jadwal j ON j.id = p.aktivasi_jadwal LEFT JOIN slot sl ON sl.id = j.slot_id
         LEFT JOIN app_user u ON u.id = p.aktivasi_cso
         WHERE p.id = $1 AND p.status = 'AKTIF'",
    )
    .bind(pejabat_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::Rule("Pejabat ini belum AKTIF.".into()))?;
    let incomplete = || Error::Rule("Aktivasi ini tidak tercatat dalam sesi.".into());
    let (Some(ceklis), Some(jadwal_id), Some(mulai), Some(durasi), Some(cso_id)) =
        (r.ceklis, r.jadwal_id, r.mulai, r.durasi_menit, r.cso_id)
    else {
        return Err(incomplete());
    };
    let berkas: Option<(domain::BerkasId, Vec<u8>, String)> = sqlx::query_as(
        "SELECT id, sha256, nama_file FROM berkas
         WHERE pejabat_id = $1 AND keperluan = 'AKTIVASI' AND status = 'DITERIMA' ORDER BY id DESC LIMIT 1",
    )
    .bind(pejabat_id)
    .fetch_optional(&mut *tx)
    .await?;
    /// One code SMS as the outbox holds it.
    #[derive(sqlx::FromRow)]
    struct Sms {
        id: i64,
        phone: String,
        state: String,
        gateway: Option<String>,
        created_at: DateTime<Utc>,
        received_at: Option<DateTime<Utc>>,
    }
    let kiriman: Vec<Sms> = sqlx::query_as(
        "SELECT o.id, o.phone, o.state, o.gateway, o.created_at, o.received_at
         FROM otp_code c JOIN sms_outbox o ON o.otp_code_id = c.id
         WHERE c.pejabat_id = $1 AND c.purpose = 'aktivasi' ORDER BY o.id",
    )
    .bind(pejabat_id)
    .fetch_all(&mut *tx)
    .await?;
    let jejak: (i64, Option<i64>, Option<Vec<u8>>) = sqlx::query_as(
        "SELECT id, seq, hash FROM audit_log
         WHERE pejabat_id = $1 AND action = 'AKTIVASI_OTP' AND outcome = 'BERHASIL' ORDER BY id DESC LIMIT 1",
    )
    .bind(pejabat_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(incomplete)?;
    let bukti = Bukti {
        versi: 1,
        pejabat: BuktiPejabat {
            id: pejabat_id,
            nama: r.nama,
            nip: r.nip,
            jabatan: r.jabatan,
            satker_kode: r.satker_kode,
            kppn_kode: r.kppn_kode,
            no_hp: domain::format::masked_phone(&r.no_hp),
        },
        aktif_pada: rfc3339(r.aktif_at.unwrap_or(now)),
        sesi: BuktiSesi {
            jadwal_id,
            nomor: r.nomor_sesi,
            mode: r.mode.unwrap_or_default(),
            mulai: rfc3339(mulai),
            selesai: rfc3339(mulai + Duration::minutes(i64::from(durasi))),
            langsung: r.langsung.unwrap_or(false),
            cso_id,
            cso_nama: r.cso_nama.unwrap_or_default(),
        },
        ceklis: ceklis.0,
        berkas: berkas.map(|(id, sha, nama_file)| BuktiBerkas { id, sha256: hex::encode(sha), nama_file }),
        kiriman: kiriman
            .into_iter()
            .map(|m| BuktiKiriman {
                sms_id: m.id,
                nomor: domain::format::masked_phone(&m.phone),
                status: m.state,
                gateway: m.gateway,
                dikirim: rfc3339(m.created_at),
                diterima: m.received_at.map(rfc3339),
            })
            .collect(),
        jejak: BuktiJejak { audit_id: jejak.0, seq: jejak.1, hash: jejak.2.map(hex::encode) },
    };
    let isi = serde_json::to_string(&bukti).map_err(|e| Error::Kunci(format!("bukti aktivasi: {e}")))?;
    let tanda = kunci.tanda(format!("{DOMAIN}{isi}").as_bytes());
    sqlx::query(
        "INSERT INTO bukti_aktivasi (pejabat_id, isi, tanda, kunci_publik, dibuat_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(pejabat_id)
    .bind(&isi)
    .bind(&tanda)
    .bind(kunci.publik())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Writes the evidence record of every activation that has none: `catat` runs after the
/// activation's commit, so a crash between the two leaves an `AKTIF` reference without one.
/// Run at start-up; returns how many it wrote. An activation from before the ceremony (no
/// checklist, no session) has none to write.
pub async fn susulkan(pool: &PgPool, kunci: &KunciTanda, now: DateTime<Utc>) -> Result<usize> {
    let ids: Vec<PejabatId> = sqlx::query_scalar(
        "SELECT p.id FROM pejabat p
         WHERE p.status = 'AKTIF' AND p.aktivasi_ceklis IS NOT NULL AND p.aktivasi_jadwal IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM bukti_aktivasi b WHERE b.pejabat_id = p.id)
         ORDER BY p.id",
    )
    .fetch_all(pool)
    .await?;
    for id in &ids {
        catat(pool, kunci, *id, now).await?;
    }
    Ok(ids.len())
}

/// Where the audit line of evidence record `bukti` stands in the trail, checked against the
/// signed checkpoints `titik` (public key `publik`): the whole chain and every line's MAC
/// recomputed (`kunci_mac`), the checkpoints found in it, the record's line still at its place
/// with its hash, and a checkpoint at or after it — so a signed head seals the line. `Ok(Err)`
/// names the first thing that does not hold.
pub async fn periksa_posisi(
    pool: &PgPool,
    bukti: &Bukti,
    titik: &[crate::audit::titik::Titik],
    publik: &str,
    kunci_mac: &crate::sistem::kunci::KunciMac,
) -> Result<std::result::Result<String, String>> {
    let laporan = crate::audit::verify(pool, kunci_mac).await?;
    if let Some(p) = laporan.patah {
        return Ok(Err(format!("jejak audit RUSAK pada baris id {} ({}): {}", p.id, p.action, p.alasan)));
    }
    if let Some(masalah) = crate::audit::titik::periksa(pool, titik, publik).await? {
        return Ok(Err(format!("jejak audit RUSAK: {masalah}")));
    }
    let jejak = &bukti.jejak;
    /// The record's line as the trail holds it now.
    #[derive(sqlx::FromRow)]
    struct Baris {
        seq: Option<i64>,
        hash: Option<Vec<u8>>,
        pejabat_id: Option<PejabatId>,
        action: String,
        outcome: String,
    }
    let baris: Option<Baris> =
        sqlx::query_as("SELECT seq, hash, pejabat_id, action, outcome FROM audit_log WHERE id = $1")
            .bind(jejak.audit_id)
            .fetch_optional(pool)
            .await?;
    let Some(b) = baris else {
        return Ok(Err(format!("baris jejak id {} yang dicatat bukti tidak ada di jejak audit", jejak.audit_id)));
    };
    let sama = b.seq == jejak.seq
        && b.hash.as_deref().map(hex::encode) == jejak.hash
        && b.pejabat_id == Some(bukti.pejabat.id)
        && b.action == Aksi::AktivasiOtp.code()
        && b.outcome == "BERHASIL";
    let Some(seq) = b.seq.filter(|_| sama) else {
        return Ok(Err(format!(
            "baris jejak id {} tidak sama dengan yang dicatat bukti (urutan atau hash lain, atau bukan aktivasi pejabat ini)",
            jejak.audit_id
        )));
    };
    let Some(segel) = titik.iter().filter(|t| t.seq >= seq).min_by_key(|t| t.seq) else {
        return Ok(Err(format!(
            "belum ada titik periksa sesudah baris jejak id {}: jalankan `server audit checkpoint`, lalu periksa lagi",
            jejak.audit_id
        )));
    };
    Ok(Ok(format!(
        "baris jejak id {} (urutan {seq}) ada di rantai yang utuh dan tersegel titik periksa {} UTC (baris ke-{})",
        jejak.audit_id,
        segel.at.format("%Y-%m-%d %H:%M:%S"),
        segel.jumlah
    )))
}

/// The newest evidence record of reference `pejabat_id`, for a caller whose scope holds it:
/// the satker's Admin Lokal, its KPPN's CSO, its region's Kanwil, Pusat.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id))]
pub async fn unduh(pool: &PgPool, caller: &Caller, pejabat_id: PejabatId) -> Result<BuktiBertanda> {
    let actor = authorize(pool, caller, Action::UnduhBukti).await?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::UnduhBukti).await?;
    attempt.about(pejabat_id);
    /// The record and where its reference belongs.
    #[derive(sqlx::FromRow)]
    struct Row {
        satker_kode: String,
        kppn_kode: String,
        kanwil_kode: Option<String>,
        isi: String,
        tanda: String,
        kunci_publik: String,
    }
    let found: Option<Row> = sqlx::query_as(
        "SELECT p.satker_kode, p.kppn_kode, k.kanwil_kode, b.isi, b.tanda, b.kunci_publik
         FROM bukti_aktivasi b JOIN pejabat p ON p.id = b.pejabat_id JOIN kppn k ON k.kode = p.kppn_kode
         WHERE b.pejabat_id = $1 ORDER BY b.id DESC LIMIT 1",
    )
    .bind(pejabat_id)
    .fetch_optional(attempt.tx())
    .await?;
    let unit = &actor.unit;
    match found {
        Some(r)
            if unit.satker() == Some(r.satker_kode.as_str())
                || unit.kppn() == Some(r.kppn_kode.as_str())
                || (unit.kanwil().is_some() && unit.kanwil() == r.kanwil_kode.as_deref())
                || matches!(unit, domain::Unit::Nasional) =>
        {
            attempt.done("bukti aktivasi diunduh", Some(&r.satker_kode)).await?;
            Ok(BuktiBertanda { bukti: r.isi, tanda: r.tanda, kunci_publik: r.kunci_publik })
        }
        _ => Err(attempt.refuse(Error::NotFound("Bukti aktivasi pejabat ini tidak ditemukan.".into())).await),
    }
}
