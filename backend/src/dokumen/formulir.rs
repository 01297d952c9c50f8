//! The printed forms ("Unduh"): the Admin Lokal downloads a pejabat's form as a PDF with
//! two copies; each print gets a short verification code (and QR) under which the printed
//! values are kept, so the CSO can check that a printout matches the data on record.

use crate::Caller;
use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::audit::{self, Entry, Outcome, refuse};
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use domain::audit::Aksi;
use domain::authz::Action;
use domain::formulir::{Cek, Jenis, Penghapusan};
use domain::{Jabatan, PejabatId};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

/// Letters and digits that cannot be misread for one another (no 0/O, 1/I).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

fn new_kode() -> String {
    let mut rng = rand::rngs::OsRng;
    let mut k: String = (0..8).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    k.insert(4, '-');
    k
}

/// The printed values, as kept under the verification code: (label, value) in print order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cetakan(pub Vec<(String, String)>);

#[derive(sqlx::FromRow)]
struct Data {
    id: PejabatId,
    satker_kode: String,
    satker_nama: String,
    kppn_kode: String,
    kppn_nama: String,
    nama: String,
    nip: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    tempat_lahir: String,
    tanggal_lahir: NaiveDate,
    email: String,
    no_hp: String,
    alamat_domisili: String,
    alamat_ktp: String,
    nomor_sk: String,
    tanggal_sk: NaiveDate,
    no_hp_baru: Option<String>,
    kpa_nama: Option<String>,
    kpa_nip: Option<String>,
}

const DATA: &str = "SELECT p.id, p.satker_kode, s.nama AS satker_nama, k.kode AS kppn_kode, k.nama AS kppn_nama,
        p.nama, p.nip, p.jabatan, p.tempat_lahir, p.tanggal_lahir, p.email, p.no_hp, p.alamat_domisili, p.alamat_ktp,
        p.nomor_sk, p.tanggal_sk,
        (SELECT u.no_hp_baru FROM ubah_nomor u WHERE u.pejabat_id = p.id AND u.tahap NOT IN ('SELESAI', 'BATAL')
           AND u.tahap <> 'VERIFIKASI NOMOR BARU') AS no_hp_baru,
        kpa.nama AS kpa_nama, kpa.nip AS kpa_nip
    FROM pejabat p JOIN satker s ON s.kode = p.satker_kode JOIN kppn k ON k.kode = s.kppn_kode
    LEFT JOIN pejabat kpa ON kpa.satker_kode = p.satker_kode AND kpa.deleted_at IS NULL
         AND kpa.jabatan = 'KUASA PENGGUNA ANGGARAN' AND kpa.id <> p.id
    WHERE p.id = $1 AND p.deleted_at IS NULL";

impl Data {
    fn isian(&self, jenis: Jenis, kode: String, tautan: String, dicetak: String) -> cetak::Isian {
        cetak::Isian {
            jenis,
            satker_kode: self.satker_kode.clone(),
            satker_nama: self.satker_nama.clone(),
            kppn_kode: self.kppn_kode.clone(),
            kppn_nama: self.kppn_nama.clone(),
            nama: self.nama.clone(),
            nip: self.nip.clone(),
            jabatan: self.jabatan.label().to_owned(),
            tempat_lahir: self.tempat_lahir.clone(),
            tanggal_lahir: domain::format::tanggal(self.tanggal_lahir),
            email: self.email.clone(),
            no_hp: self.no_hp.clone(),
            no_hp_baru: self.no_hp_baru.clone(),
            alamat_domisili: self.alamat_domisili.clone(),
            alamat_ktp: self.alamat_ktp.clone(),
            nomor_sk: self.nomor_sk.clone(),
            tanggal_sk: domain::format::tanggal(self.tanggal_sk),
            kpa: match (&self.kpa_nama, &self.kpa_nip) {
                (Some(n), Some(i)) if self.jabatan != Jabatan::Kpa => Some((n.clone(), i.clone())),
                _ => None,
            },
            kode_verifikasi: kode,
            tautan_verifikasi: tautan,
            dicetak,
        }
    }

    /// What the CSO compares: the values that identify the pejabat and its number.
    fn cetakan(&self, jenis: Jenis) -> Cetakan {
        let mut v = vec![
            ("Satker".to_owned(), format!("{} {}", self.satker_kode, self.satker_nama)),
            ("Nama".into(), self.nama.clone()),
            ("NIP".into(), self.nip.clone()),
            ("Jabatan".into(), self.jabatan.label().to_owned()),
            ("Nomor SK".into(), self.nomor_sk.clone()),
            ("Tanggal SK".into(), domain::format::tanggal(self.tanggal_sk)),
            ("Email".into(), self.email.clone()),
            ("Nomor HP".into(), self.no_hp.clone()),
        ];
        if jenis == Jenis::UbahNomorOtp {
            v.push(("Nomor HP baru".into(), self.no_hp_baru.clone().unwrap_or_default()));
        }
        Cetakan(v)
    }
}

/// A downloaded form.
#[derive(Debug)]
pub struct Unduhan {
    pub nama_file: String,
    pub pdf: Vec<u8>,
    pub kode: String,
}

/// Prints form `jenis` for reference `pejabat_id` of the caller's satker. `base_url` is
/// where the app is reached (for the QR code), e.g. `https://sakti.example`.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id, ?jenis))]
pub async fn unduh(
    pool: &PgPool,
    caller: &Caller,
    pejabat_id: PejabatId,
    jenis: Jenis,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<Unduhan> {
    let action = Action::UnduhFormulir;
    let actor = authorize(pool, caller, action).await?;
    let data: Option<Data> = sqlx::query_as(DATA).bind(pejabat_id).fetch_optional(pool).await?;
    let data = match data {
        Some(d) if actor.unit.satker() == Some(d.satker_kode.as_str()) => d,
        _ => {
            let e = Error::NotFound("Referensi pejabat tidak ditemukan.".into());
            return Err(refuse(pool, caller, action, Some(pejabat_id), e).await);
        }
    };
    let jabatan = data.jabatan;
    let refusal = match jenis {
        Jenis::AktivasiOtp | Jenis::UbahNomorOtp if !jabatan.takes_part_in_otp() => {
            Some(format!("Jabatan {} tidak memakai OTP; unduh Form Informasi Pejabat.", jabatan.label()))
        }
        Jenis::UbahNomorOtp if data.no_hp_baru.is_none() => {
            Some("Form Ubah Nomor OTP dicetak setelah pejabat mengajukan dan memverifikasi nomor barunya.".to_owned())
        }
        _ => None,
    };
    if let Some(m) = refusal {
        return Err(refuse(pool, caller, action, Some(pejabat_id), Error::Rule(m)).await);
    }
    let kode = new_kode();
    let tautan = format!("{}/meja?kode={kode}", base_url.trim_end_matches('/'));
    let dicetak = now.with_timezone(&chrono_tz::Asia::Jakarta).format("%d-%m-%Y %H:%M WIB").to_string();
    let cetakan = data.cetakan(jenis);
    let mut attempt = Attempt::begin(pool, caller, action).await?;
    attempt.about(data.id);
    sqlx::query(
        "INSERT INTO formulir_cetak (kode, pejabat_id, jenis, isi, dicetak_at, dicetak_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&kode)
    .bind(data.id)
    .bind(jenis.code())
    .bind(sqlx::types::Json(&cetakan))
    .bind(now)
    .bind(actor.user_id)
    .execute(attempt.tx())
    .await?;
    let detail = format!("{} kode verifikasi {kode}", jenis.label());
    attempt.done(detail, None).await?;
    let pdf = cetak::render(&data.isian(jenis, kode.clone(), tautan, dicetak));
    let nama_file = format!("{}-{}-{}.pdf", jenis.code(), data.satker_kode, data.nip);
    Ok(Unduhan { nama_file, pdf, kode })
}

/// The CSO looks up a printed form's code: the values printed beside those on record.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn cek(pool: &PgPool, caller: &Caller, kode: &str) -> Result<Cek> {
    const ACTION: Aksi = Aksi::CekFormulir;
    let actor = authorize(pool, caller, Action::MejaCso).await?;
    let kode: String = kode.trim().to_ascii_uppercase().chars().filter(|c| !c.is_whitespace()).take(20).collect();
    let well_formed = kode.len() == 9
        && kode
            .char_indices()
            .all(|(i, c)| if i == 4 { c == '-' } else { ALPHABET.contains(&(c as u8)) && c.is_ascii() });
    if !well_formed {
        let mut f = domain::validate::FieldErrors::default();
        f.add("kode", "Kode verifikasi terdiri dari 8 huruf/angka seperti tercetak, misalnya K7M2-QX9P.");
        return Err(crate::audit::refuse(pool, caller, ACTION, None, Error::Invalid(f)).await);
    }
    #[derive(sqlx::FromRow)]
    struct Printed {
        pejabat_id: PejabatId,
        #[sqlx(try_from = "crate::sistem::stored::Stored<Jenis>")]
        jenis: Jenis,
        isi: sqlx::types::Json<Cetakan>,
        dicetak_at: DateTime<Utc>,
        kppn_kode: String,
    }
    let row: Option<Printed> = sqlx::query_as(
        "SELECT f.pejabat_id, f.jenis, f.isi, f.dicetak_at, s.kppn_kode
         FROM formulir_cetak f JOIN pejabat p ON p.id = f.pejabat_id JOIN satker s ON s.kode = p.satker_kode
         WHERE f.kode = $1",
    )
    .bind(&kode)
    .fetch_optional(pool)
    .await?;
    let Some(Printed { pejabat_id, jenis, isi, dicetak_at, .. }) =
        row.filter(|r| actor.unit.kppn() == Some(r.kppn_kode.as_str()))
    else {
        let e = Error::NotFound(
            "Kode verifikasi tidak dikenal untuk KPPN Anda. Periksa kembali kode pada formulir.".into(),
        );
        return Err(refuse(pool, caller, ACTION, None, e).await);
    };
    // the record as it is now, deleted or not: a deleted reference keeps its values, so the
    // deletion itself decides (from the audit trail: when and by whom)
    let now: Option<Data> =
        sqlx::query_as(&DATA.replace(" AND p.deleted_at IS NULL", "")).bind(pejabat_id).fetch_optional(pool).await?;
    let dihapus = penghapusan(pool, pejabat_id).await?;
    let current = now.map(|d| d.cetakan(jenis)).unwrap_or(Cetakan(vec![]));
    let baris = isi
        .0
        .0
        .into_iter()
        .map(|(label, printed)| {
            let cur = current.0.iter().find(|(l, _)| *l == label).map(|(_, v)| v.clone()).unwrap_or_default();
            (label, printed, cur)
        })
        .collect();
    let cek = Cek { kode, jenis, dicetak_ms: dicetak_at.timestamp_millis(), baris, dihapus };
    let verdict = match (&cek.dihapus, cek.sesuai()) {
        (Some(_), _) => "TIDAK sesuai (referensi dihapus)",
        (None, true) => "sesuai",
        (None, false) => "TIDAK sesuai",
    };
    let detail = format!("{} {verdict}", cek.kode);
    audit::record(pool, Entry::new(caller, ACTION, Outcome::Berhasil).pejabat(pejabat_id).detail(detail)).await?;
    Ok(cek)
}

/// When and by whom reference `pejabat_id` was deleted, from the audit trail; `None` while it
/// is not deleted. A deletion without its audit line (data loaded by hand) still counts.
async fn penghapusan(pool: &PgPool, pejabat_id: PejabatId) -> Result<Option<Penghapusan>> {
    let deleted: Option<(Option<DateTime<Utc>>, Option<String>)> = sqlx::query_as(
        "SELECT p.deleted_at, u.username FROM pejabat p LEFT JOIN app_user u ON u.id = p.deleted_by WHERE p.id = $1",
    )
    .bind(pejabat_id)
    .fetch_optional(pool)
    .await?;
    let Some((Some(deleted_at), deleted_by)) = deleted else {
        return Ok(None);
    };
    /// The trail's line of the deletion: when and by whom.
    #[derive(sqlx::FromRow)]
    struct Baris {
        at: DateTime<Utc>,
        actor_username: Option<String>,
        actor_role: Option<String>,
    }
    let line: Option<Baris> = sqlx::query_as(
        "SELECT at, actor_username, actor_role FROM audit_log
         WHERE pejabat_id = $1 AND action = 'HAPUS_PEJABAT' AND outcome = 'BERHASIL' ORDER BY id DESC LIMIT 1",
    )
    .bind(pejabat_id)
    .fetch_optional(pool)
    .await?;
    let (at, username, role) = match line {
        Some(Baris { at, actor_username, actor_role }) => (at, actor_username.or(deleted_by), actor_role),
        None => (deleted_at, deleted_by, None),
    };
    let mut oleh = username.unwrap_or_else(|| "pengguna tidak dikenal".into());
    if let Some(role) = role {
        oleh = format!("{oleh} ({})", domain::Role::try_from(role)?.label());
    }
    Ok(Some(Penghapusan { at_ms: at.timestamp_millis(), oleh }))
}
