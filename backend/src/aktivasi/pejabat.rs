//! The pejabat references of a satker: the table, Rekam and Hapus.

use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::audit::refuse;
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use chrono::{DateTime, NaiveDate, Utc};
use domain::authz::Action;
use domain::pejabat::{Page, PejabatRow, RekamOptions, TableQuery, UserChoice};
use domain::validate::{self, FieldErrors, PejabatContext, PejabatInput};
use domain::{Jabatan, PejabatId, Status, UserId};
use sqlx::{PgConnection, PgPool};

/// The largest page the table asks for, other than "Semua".
const MAX_PER_PAGE: u32 = 100;
/// Longest filter text taken into account.
const MAX_FILTER_CHARS: usize = 100;

fn own_satker(actor: &Actor) -> Result<&str> {
    actor.unit.satker().ok_or_else(|| Error::Forbidden("Pengguna ini tidak terdaftar pada satker.".into()))
}

/// Text typed into a search box as the queries use it: control characters dropped, at
/// most [`MAX_FILTER_CHARS`], trimmed; with its [`like_pattern`]. The Tabel Pejabat and the
/// CSO console search with it.
pub(crate) fn search_text(typed: &str) -> (String, String) {
    let text: String = typed.chars().filter(|c| !c.is_control()).take(MAX_FILTER_CHARS).collect();
    let text = text.trim().to_owned();
    let pattern = like_pattern(&text);
    (text, pattern)
}

/// `%text%` for ILIKE with the LIKE metacharacters of `text` escaped.
fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The constraint that keeps one phone number to one person (migration 000007).
pub(crate) const SATU_NOMOR: &str = "pejabat_satu_nomor_satu_orang";

/// Why `no_hp` cannot be the number of a reference of `nip`: it is the OTP number of an
/// active reference of another NIP (named with its jabatan and satker), or `None`.
pub(crate) async fn nomor_dipakai<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    no_hp: &str,
    nip: &str,
) -> Result<Option<String>> {
    /// The reference that holds a number, and its satker.
    #[derive(sqlx::FromRow)]
    struct Pemegang {
        jabatan: String,
        satker_kode: String,
        satker_nama: String,
    }
    let holder: Option<Pemegang> = sqlx::query_as(
        "SELECT p.jabatan, s.kode AS satker_kode, s.nama AS satker_nama
         FROM pejabat p JOIN satker s ON s.kode = p.satker_kode
         WHERE p.no_hp = $1 AND p.nip <> $2 AND p.deleted_at IS NULL ORDER BY p.id LIMIT 1",
    )
    .bind(no_hp)
    .bind(nip)
    .fetch_optional(exec)
    .await?;
    Ok(holder.map(|h| validate::nomor_dipakai(&h.jabatan, &h.satker_kode, &h.satker_nama)))
}

/// A pejabat reference as the steps need it, locked for their transaction (the OTP steps and
/// the number change lock the reference they act on through these).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Target {
    pub(crate) id: PejabatId,
    pub(crate) user_id: UserId,
    pub(crate) satker_kode: String,
    pub(crate) kppn_kode: String,
    pub(crate) nama: String,
    pub(crate) nip: String,
    pub(crate) no_hp: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    pub(crate) jabatan: Jabatan,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Status>")]
    pub(crate) status: Status,
    /// Consecutive wrong codes on the reference, across codes.
    pub(crate) otp_salah: i32,
    /// Its pejabat reported "Bukan saya": its OTP steps are locked.
    pub(crate) otp_dilaporkan: bool,
}

/// The columns of [`Target`], for a query that continues with `WHERE` and ends `FOR UPDATE OF p`.
const TARGET_FROM: &str =
    "SELECT p.id, p.user_id, p.satker_kode, s.kppn_kode, p.nama, p.nip, p.no_hp, p.jabatan, p.status, p.otp_salah,
            p.otp_dilaporkan_at IS NOT NULL AS otp_dilaporkan
     FROM pejabat p JOIN satker s ON s.kode = p.satker_kode";

pub(crate) async fn lock_pejabat(tx: &mut PgConnection, id: PejabatId) -> Result<Option<Target>> {
    Ok(sqlx::query_as(&format!("{TARGET_FROM} WHERE p.id = $1 AND p.deleted_at IS NULL FOR UPDATE OF p"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?)
}

/// A reference as [`lock_pejabat`] reads it, removed or not.
async fn lock_pejabat_any(tx: &mut PgConnection, id: PejabatId) -> Result<Option<Target>> {
    Ok(sqlx::query_as(&format!("{TARGET_FROM} WHERE p.id = $1 FOR UPDATE OF p"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?)
}

/// The active KPA reference of the actor in its satker (the one that approves).
pub(crate) async fn lock_own_kpa(tx: &mut PgConnection, actor: &Actor) -> Result<Option<Target>> {
    Ok(sqlx::query_as(&format!(
        "{TARGET_FROM} WHERE p.user_id = $1 AND p.jabatan = 'KUASA PENGGUNA ANGGARAN' AND p.deleted_at IS NULL
         FOR UPDATE OF p"
    ))
    .bind(actor.user_id)
    .fetch_optional(&mut *tx)
    .await?)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: PejabatId,
    nama: String,
    nip: String,
    tanggal_lahir: NaiveDate,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Status>")]
    status: Status,
    milik_saya: bool,
    berkas_diterima: bool,
    bukti: bool,
}

impl Row {
    fn into_row(self) -> PejabatRow {
        PejabatRow {
            id: self.id,
            nama: self.nama,
            nip: self.nip,
            tanggal_lahir: self.tanggal_lahir,
            jabatan: self.jabatan,
            status: self.status,
            milik_saya: self.milik_saya,
            berkas_diterima: self.berkas_diterima,
            bukti: self.bukti,
        }
    }
}

/// When a bundle `b` counts as accepted: accepted by the CSO, and not for a number change
/// that has ended. Shared by [`berkas_diterima`] (which the steps ask) and the table's
/// `berkas_diterima` column (which the buttons follow), so the two cannot disagree. Here
/// rather than in `dokumen`, which depends on activation (the steps ask it here, without
/// a circle).
pub(crate) const BERKAS_BERLAKU: &str = "b.status = 'DITERIMA'
    AND (b.ubah_nomor_id IS NULL
         OR b.ubah_nomor_id IN (SELECT id FROM ubah_nomor WHERE tahap NOT IN ('SELESAI', 'BATAL')))";

/// Whether the reference's activation bundle is accepted, as a column of a query over `pejabat`.
/// Whether reference `pejabat_id` has an accepted bundle for `keperluan`.
pub async fn berkas_diterima<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    pejabat_id: PejabatId,
    keperluan: domain::berkas::Keperluan,
) -> Result<bool> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM berkas b WHERE b.pejabat_id = $1 AND b.keperluan = $2 AND {})",
        BERKAS_BERLAKU
    ))
    .bind(pejabat_id)
    .bind(keperluan.code())
    .fetch_one(exec)
    .await?)
}

pub(crate) fn berkas_diterima_column() -> String {
    format!("{} AS berkas_diterima", berkas_diterima_predicate())
}

/// Whether the reference's activation bundle is accepted, as a condition over `pejabat`.
pub(crate) fn berkas_diterima_predicate() -> String {
    format!(
        "EXISTS (SELECT 1 FROM berkas b WHERE b.pejabat_id = pejabat.id AND b.keperluan = 'AKTIVASI'
                 AND {BERKAS_BERLAKU})"
    )
}

/// Whether a reference's activation left an evidence record, as a column over `pejabat`.
const BUKTI: &str = "EXISTS (SELECT 1 FROM bukti_aktivasi b WHERE b.pejabat_id = pejabat.id) AS bukti";

/// The caller's own active references (none for the Admin Lokal unless it is a pejabat
/// too): the table selects one at once and a KPA's status decides its Kirim Data button.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn milik_saya(pool: &PgPool, caller: &Caller) -> Result<Vec<PejabatRow>> {
    let actor = authorize(pool, caller, Action::LihatPejabat).await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT id, nama, nip, tanggal_lahir, jabatan, status, true AS milik_saya, {}, {BUKTI}
         FROM pejabat WHERE user_id = $1 AND deleted_at IS NULL ORDER BY id",
        berkas_diterima_column()
    ))
    .bind(actor.user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Row::into_row).collect())
}

/// One page of the caller's satker's Tabel Pejabat, sorted by name, filtered by free
/// text over nama, NIP, jabatan and status.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn daftar(pool: &PgPool, caller: &Caller, q: &TableQuery) -> Result<Page<PejabatRow>> {
    let actor = authorize(pool, caller, Action::LihatPejabat).await?;
    let satker = own_satker(actor)?;
    let (filter, pattern) = search_text(&q.filter);
    let per_page = q.per_page.map(|n| n.clamp(1, MAX_PER_PAGE));
    let page = q.page.max(1);
    let offset = per_page.map_or(0, |n| i64::from(page - 1) * i64::from(n));

    const WHERE: &str = "satker_kode = $1 AND deleted_at IS NULL
        AND ($2 = '' OR nama ILIKE $3 OR nip LIKE $3 OR jabatan ILIKE $3 OR status ILIKE $3)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM pejabat WHERE {WHERE}"))
        .bind(satker)
        .bind(&filter)
        .bind(&pattern)
        .fetch_one(pool)
        .await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT id, nama, nip, tanggal_lahir, jabatan, status, user_id = $4 AS milik_saya, {}, {BUKTI}
         FROM pejabat WHERE {WHERE}
         ORDER BY nama, id LIMIT $5 OFFSET $6",
        berkas_diterima_column()
    ))
    .bind(satker)
    .bind(&filter)
    .bind(&pattern)
    .bind(actor.user_id)
    .bind(per_page.map(i64::from))
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(Page {
        rows: rows.into_iter().map(Row::into_row).collect(),
        total: u64::try_from(total).unwrap_or(0),
        page,
        per_page,
    })
}

/// The satker, its partner KPPN and its users, for the Rekam form's choices on the WIB day
/// of `now`.
pub async fn rekam_options(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<RekamOptions> {
    let actor = authorize(pool, caller, Action::RekamPejabat).await?;
    let satker = own_satker(actor)?;
    /// The satker and its partner KPPN, named.
    #[derive(sqlx::FromRow)]
    struct Mitra {
        satker_kode: String,
        satker_nama: String,
        kppn_kode: String,
        kppn_nama: String,
    }
    /// A user of the satker who may be named in a reference.
    #[derive(sqlx::FromRow)]
    struct Pengguna {
        nip: String,
        username: String,
        nama: String,
    }
    let mitra: Mitra = sqlx::query_as(
        "SELECT s.kode AS satker_kode, s.nama AS satker_nama, k.kode AS kppn_kode, k.nama AS kppn_nama
         FROM satker s JOIN kppn k ON k.kode = s.kppn_kode WHERE s.kode = $1",
    )
    .bind(satker)
    .fetch_one(pool)
    .await?;
    let users: Vec<Pengguna> = sqlx::query_as(
        "SELECT nip, username, nama FROM app_user
         WHERE satker_kode = $1 AND active AND nip IS NOT NULL AND role <> 'ADMIN_LOKAL'
         ORDER BY nama, username",
    )
    .bind(satker)
    .fetch_all(pool)
    .await?;
    Ok(RekamOptions {
        satker_kode: mitra.satker_kode,
        satker_nama: mitra.satker_nama,
        kppn_kode: mitra.kppn_kode,
        kppn_nama: mitra.kppn_nama,
        users: users.into_iter().map(|u| UserChoice { nip: u.nip, username: u.username, nama: u.nama }).collect(),
        hari_ini: crate::wib_date(now),
    })
}

fn nip_terekam(jabatan: domain::Jabatan) -> String {
    format!("NIP ini sudah terekam sebagai {}. Hapus referensi lama terlebih dahulu.", jabatan.label())
}

/// Records a new reference with status `BARU` at `now` (its dates are checked against the WIB
/// day of `now`). Every field is validated again here; on any error nothing is saved and each
/// wrong field gets its own message.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn rekam(pool: &PgPool, caller: &Caller, input: &PejabatInput, now: DateTime<Utc>) -> Result<PejabatId> {
    let action = Action::RekamPejabat;
    let actor = authorize(pool, caller, action).await?;
    let satker = own_satker(actor)?;
    let new = match validate::pejabat(input, crate::wib_date(now)) {
        Ok(new) => new,
        Err(fields) => {
            return Err(refuse(pool, caller, action, None, Error::Invalid(fields)).await);
        }
    };

    // The satker's users with this NIP; prefer one whose prefix fits the jabatan.
    let users: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, username FROM app_user WHERE satker_kode = $1 AND nip = $2 AND active ORDER BY username",
    )
    .bind(satker)
    .bind(&new.nip)
    .fetch_all(pool)
    .await?;
    let chosen = users.iter().find(|(_, u)| validate::prefix_fits(new.jabatan, u).is_ok()).or(users.first());
    let kppn_mitra: String =
        sqlx::query_scalar("SELECT kppn_kode FROM satker WHERE kode = $1").bind(satker).fetch_one(pool).await?;
    let ctx = PejabatContext { username_for_nip: chosen.map(|(_, u)| u.as_str()), kppn_mitra: &kppn_mitra };
    // every finding of the data at once: the form is corrected in one go, not one refusal at a time
    let mut fields = validate::pejabat_in_context(&new, &ctx);
    let recorded: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pejabat WHERE nip = $1 AND jabatan = $2 AND deleted_at IS NULL)",
    )
    .bind(&new.nip)
    .bind(new.jabatan.label())
    .fetch_one(pool)
    .await?;
    if recorded {
        fields.add("nip", nip_terekam(new.jabatan));
    }
    if let Some(taken) = nomor_dipakai(pool, &new.no_hp, &new.nip).await? {
        fields.add("no_hp", taken);
    }
    if !fields.is_empty() {
        return Err(refuse(pool, caller, action, None, Error::Invalid(fields)).await);
    }
    let Some((user_id, _)) = chosen else {
        return Err(Error::Invalid(FieldErrors::default()));
    };

    let mut attempt = Attempt::begin(pool, caller, action).await?;
    let inserted: std::result::Result<PejabatId, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp,
                              alamat_domisili, alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, created_by,
                              created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
         RETURNING id",
    )
    .bind(satker)
    .bind(user_id)
    .bind(&new.nip)
    .bind(&new.nama)
    .bind(&new.tempat_lahir)
    .bind(new.tanggal_lahir)
    .bind(&new.email)
    .bind(&new.no_hp)
    .bind(&new.alamat_domisili)
    .bind(&new.alamat_ktp)
    .bind(&new.nomor_sk)
    .bind(new.tanggal_sk)
    .bind(new.jabatan.label())
    .bind(&new.kppn_kode)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(attempt.tx())
    .await;
    let id = match inserted {
        Ok(id) => id,
        // another Rekam of the same NIP since the check above
        Err(sqlx::Error::Database(db)) if db.constraint() == Some("pejabat_active_nip_jabatan") => {
            let mut fields = FieldErrors::default();
            fields.add("nip", nip_terekam(new.jabatan));
            return Err(attempt.refuse(Error::Invalid(fields)).await);
        }
        Err(sqlx::Error::Database(db)) if db.constraint() == Some(SATU_NOMOR) => {
            // another Rekam took the number since the check above
            let mut fields = FieldErrors::default();
            let taken = nomor_dipakai(pool, &new.no_hp, &new.nip).await?;
            fields.add("no_hp", taken.unwrap_or_else(|| validate::NOMOR_DIPAKAI_ORANG_LAIN.into()));
            return Err(attempt.refuse(Error::Invalid(fields)).await);
        }
        Err(e) => return Err(e.into()),
    };
    attempt.about(id);
    let detail = format!("{} {} ({})", new.jabatan.label(), new.nama, new.nip);
    attempt.done(detail, Some(satker)).await?;
    Ok(id)
}

/// Removes a reference from the table at `now`. The record stays in the database, marked
/// with who removed it and when.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %id))]
pub async fn hapus(pool: &PgPool, caller: &Caller, id: PejabatId, now: DateTime<Utc>) -> Result<()> {
    let action = Action::HapusPejabat;
    let actor = authorize(pool, caller, action).await?;
    let satker = own_satker(actor)?;
    let mut attempt = Attempt::begin(pool, caller, action).await?;
    /// The reference as Hapus finds it.
    #[derive(sqlx::FromRow)]
    struct Referensi {
        satker_kode: String,
        nama: String,
        jabatan: String,
        terhapus: bool,
        aktif: bool,
    }
    let found: Option<Referensi> = sqlx::query_as(
        "SELECT satker_kode, nama, jabatan, deleted_at IS NOT NULL AS terhapus, status = 'AKTIF' AS aktif
         FROM pejabat WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(attempt.tx())
    .await?;
    let (nama, jabatan, aktif) = match found {
        Some(r) if r.satker_kode != satker => {
            attempt.about(id);
            return Err(attempt.refuse(Error::Forbidden("Referensi pejabat ini milik satker lain.".into())).await);
        }
        Some(Referensi { terhapus: true, .. }) | None => {
            let err = Error::NotFound("Referensi pejabat tidak ditemukan atau sudah dihapus. Klik Refresh.".into());
            return Err(attempt.refuse(err).await);
        }
        // removing an active OTP reference unbinds a pejabat's phone: a step-up first
        Some(Referensi { aktif: true, .. }) if crate::akses::auth::step_up(caller).is_err() => {
            return Err(Error::StepUp);
        }
        Some(Referensi { nama, jabatan, aktif, .. }) => (nama, jabatan, aktif),
    };
    attempt.about(id);
    sqlx::query("UPDATE pejabat SET deleted_at = $3, deleted_by = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(actor.user_id)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    if aktif {
        // the pejabat hears that its number no longer receives codes (a new reference may
        // bind another one); the KPPN's console lists the removal
        let Some(target) = lock_pejabat_any(attempt.tx(), id).await? else {
            return Err(Error::NotFound("Referensi pejabat tidak ditemukan.".into()));
        };
        let kontak = crate::kirim::sms::kontak_kppn(attempt.tx(), &target.kppn_kode).await?;
        let text = domain::sms::referensi_dihapus(&target.nama, target.jabatan, &target.satker_kode, &kontak);
        let isi = domain::surel::referensi_dihapus;
        crate::kirim::sms::enqueue_to_pejabat(attempt.tx(), id, &target.no_hp, &text, isi, now).await?;
    }
    attempt.done(format!("{jabatan} {nama}"), Some(satker)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }
}
