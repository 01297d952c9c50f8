//! Importing the provisioning lists (KPPN, satkers, users) from CSV, for the `server import`
//! command and the operator's page alike. One file is one transaction: any bad row and
//! nothing is stored, with every bad row reported by its line number; a good file is applied
//! in a few set-based statements (a national list of 100,000 users is one `INSERT … SELECT
//! FROM unnest(…)`), and importing it again changes nothing. A dry run does the same work
//! and rolls back, so its counts are the real ones.
//! The operator page's checked drafts are `draf`.

use crate::Caller;
use crate::audit::{self, Entry, Outcome};
use crate::error::Result;
use domain::audit::Aksi;
use domain::impor::{self, KanwilBaris, KppnBaris, PenggunaBaris, SatkerBaris};

pub use domain::impor::{BarisSalah, Daftar, Draf, Laporan};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The largest file read (a national users list is about 10 MB).
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// Bad rows listed in a report; the count is always complete.
const MAX_LISTED: usize = 200;

/// What to do with a good file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pilihan {
    /// Check and count, store nothing.
    pub dry_run: bool,
    /// Deactivate the users of the file's units that the file no longer lists.
    pub deactivate_missing: bool,
}

fn salah(baris: u64, alasan: impl Into<String>) -> BarisSalah {
    BarisSalah { baris, alasan: alasan.into() }
}

/// A file's rows: line number and fields.
type Rows = Vec<(u64, Vec<String>)>;

/// Reads a CSV file of `daftar`: UTF-8 (a BOM is dropped), comma-separated, CRLF or LF,
/// quoted fields allowed, the header the list's columns (the optional ones left out whole,
/// or all there). Returns the data rows with their line numbers, or why the file as a whole
/// cannot be read.
pub fn read(daftar: Daftar, bytes: &[u8]) -> std::result::Result<Rows, BarisSalah> {
    read_with_width(daftar, bytes).map(|(_, rows)| rows)
}

/// [`read`], with the number of columns the file's header has.
fn read_with_width(daftar: Daftar, bytes: &[u8]) -> std::result::Result<(usize, Rows), BarisSalah> {
    if bytes.len() > MAX_BYTES {
        return Err(salah(0, format!("berkas lebih dari {} MB", MAX_BYTES / 1024 / 1024)));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(salah(0, "bukan berkas teks CSV (berisi data biner)"));
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64;
        return Err(salah(line, "bukan teks UTF-8 (simpan berkas sebagai CSV UTF-8)"));
    }
    let columns = daftar.columns();
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let header = reader.headers().map_err(|e| salah(1, format!("judul kolom tidak terbaca: {e}")))?.clone();
    let found: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
    let width_ok = daftar.widths().contains(&found.len());
    if !width_ok || found[..] != columns[..found.len().min(columns.len())] {
        let line = header.iter().collect::<Vec<_>>().join(",");
        let hint = if found.len() == 1 && (line.contains(';') || line.contains('\t')) {
            "; pemisah kolom harus koma (,), bukan titik koma atau tab"
        } else {
            ""
        };
        return Err(salah(1, format!("judul kolom harus {:?} (bukan {found:?}){hint}", columns.join(","))));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            salah(line, format!("baris tidak terbaca: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().any(|field| field.contains(['\n', '\r'])) {
            return Err(salah(line, "kolom berisi pindah baris (tanda kutip yang tidak ditutup?)"));
        }
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok((found.len(), rows))
}

/// Imports `bytes` as `daftar`. Users of the units the file lists (its satkers and KPPN) that
/// it does not list are reported, and deactivated only with `deactivate_missing`: a file of
/// one KPPN's satkers never touches another's users. The caller is audited (the operator on its
/// page, or the command line) and authorized here, whoever called this. A user it changes is
/// stamped `now`.
#[tracing::instrument(skip_all, fields(daftar = daftar.code(), bytes = bytes.len(), dry_run = pilihan.dry_run))]
pub async fn impor(
    pool: &PgPool,
    caller: &Caller,
    daftar: Daftar,
    bytes: &[u8],
    pilihan: Pilihan,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Laporan> {
    if !caller.is_command_line() {
        crate::akses::auth::authorize(pool, caller, domain::authz::Action::Impor).await?;
    }
    let action = match daftar {
        Daftar::Kanwil => Aksi::ImporKanwil,
        Daftar::Kppn => Aksi::ImporKppn,
        Daftar::Satker => Aksi::ImporSatker,
        Daftar::Pengguna => Aksi::ImporPengguna,
    };
    let (width, rows) = match read_with_width(daftar, bytes) {
        Ok(read) => read,
        Err(e) => {
            let laporan = Laporan { salah: vec![e], jumlah_salah: 1, ..Laporan::default() };
            return refused(pool, caller, action, laporan).await;
        }
    };
    let started = std::time::Instant::now();
    let mut tx = pool.begin().await?;
    let laporan = match daftar {
        Daftar::Kanwil => kanwil(&mut tx, &rows).await?,
        Daftar::Kppn => kppn(&mut tx, &rows, width).await?,
        Daftar::Satker => satker(&mut tx, &rows).await?,
        Daftar::Pengguna => pengguna(&mut tx, &rows, pilihan.deactivate_missing, now).await?,
    };
    if laporan.jumlah_salah > 0 {
        drop(tx);
        return refused(pool, caller, action, laporan).await;
    }
    if pilihan.dry_run {
        tx.rollback().await?;
        return Ok(laporan);
    }
    let laporan = Laporan { diterapkan: true, ..laporan };
    let detail = format!(
        "{}: {} baris, {} baru, {} diubah, {} tetap, {} tidak ada di berkas, {} dinonaktifkan",
        daftar.label(),
        laporan.baris,
        laporan.dibuat,
        laporan.diubah,
        laporan.tetap,
        laporan.jumlah_hilang,
        laporan.dinonaktifkan
    );
    audit::record(&mut *tx, Entry::new(caller, action, Outcome::Berhasil).detail(detail)).await?;
    tx.commit().await?;
    if started.elapsed() > std::time::Duration::from_secs(1) {
        tracing::info!(
            "impor {}: {} baris disimpan dalam {} ms",
            daftar.label(),
            laporan.baris,
            started.elapsed().as_millis()
        );
    }
    Ok(laporan)
}

/// A file with bad rows: the refusal is audited (how many rows, not their content) and the
/// report is the answer — an import that stored nothing is not an error of the server.
async fn refused(pool: &PgPool, caller: &Caller, action: Aksi, laporan: Laporan) -> Result<Laporan> {
    let detail = format!("{} baris salah; tidak ada yang disimpan", laporan.jumlah_salah);
    audit::record(pool, Entry::new(caller, action, Outcome::Ditolak).detail(detail)).await?;
    Ok(laporan)
}

/// Collects the checked rows; a bad or duplicate row becomes a line of the report.
struct Checked<T> {
    /// Good rows with their lines.
    rows: Vec<(u64, T)>,
    salah: Vec<BarisSalah>,
}

impl<T> Checked<T> {
    fn new(
        rows: &[(u64, Vec<String>)],
        columns: usize,
        key: impl Fn(&T) -> String,
        check: impl Fn(&[&str]) -> std::result::Result<T, String>,
    ) -> Self {
        let mut out = Checked { rows: Vec::with_capacity(rows.len()), salah: Vec::new() };
        let mut seen: HashMap<String, u64> = HashMap::new();
        for (line, fields) in rows {
            if fields.len() != columns {
                out.salah.push(salah(*line, format!("{} kolom, seharusnya {columns}", fields.len())));
                continue;
            }
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            match check(&fields) {
                Err(m) => out.salah.push(salah(*line, m)),
                Ok(row) => match seen.insert(key(&row), *line) {
                    Some(first) => out.salah.push(salah(*line, format!("{} sudah ada di baris {first}", key(&row)))),
                    None => out.rows.push((*line, row)),
                },
            }
        }
        out
    }

    /// Rows naming a reference that does not exist become bad rows on their lines.
    fn unknown_refs(mut self, unknown: impl Fn(&T) -> Option<String>) -> Self {
        let rows = std::mem::take(&mut self.rows);
        for (line, row) in rows {
            match unknown(&row) {
                Some(m) => self.salah.push(salah(line, m)),
                None => self.rows.push((line, row)),
            }
        }
        self
    }

    fn report(mut self, baris: usize) -> (Vec<T>, Laporan) {
        self.salah.sort_by_key(|e| e.baris);
        let jumlah_salah = self.salah.len();
        self.salah.truncate(MAX_LISTED);
        let rows = self.rows.into_iter().map(|(_, row)| row).collect();
        (rows, Laporan { baris, salah: self.salah, jumlah_salah, ..Laporan::default() })
    }
}

/// Codes of `table` that exist among `codes`.
async fn existing(tx: &mut PgConnection, table: &str, codes: &[String]) -> Result<HashSet<String>> {
    let found: Vec<String> = sqlx::query_scalar(&format!("SELECT kode FROM {table} WHERE kode = ANY($1)"))
        .bind(codes)
        .fetch_all(&mut *tx)
        .await?;
    Ok(found.into_iter().collect())
}

/// `(created, updated)` from an upsert's `RETURNING (xmax = 0)`: a row comes back only when
/// it was inserted or its values differ.
fn counted(returned: &[bool], total: usize) -> (usize, usize, usize) {
    let dibuat = returned.iter().filter(|c| **c).count();
    let diubah = returned.len() - dibuat;
    (dibuat, diubah, total - dibuat - diubah)
}

async fn kanwil(tx: &mut PgConnection, rows: &[(u64, Vec<String>)]) -> Result<Laporan> {
    let checked = Checked::new(rows, 2, |r: &KanwilBaris| r.kode.clone(), impor::kanwil);
    let (rows, mut laporan) = checked.report(rows.len());
    if laporan.jumlah_salah > 0 {
        return Ok(laporan);
    }
    let (kode, nama): (Vec<String>, Vec<String>) = rows.into_iter().map(|r| (r.kode, r.nama)).unzip();
    let returned: Vec<bool> = sqlx::query_scalar(
        "INSERT INTO kanwil (kode, nama) SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT (kode) DO UPDATE SET nama = EXCLUDED.nama WHERE kanwil.nama IS DISTINCT FROM EXCLUDED.nama
         RETURNING (xmax = 0)",
    )
    .bind(&kode)
    .bind(&nama)
    .fetch_all(&mut *tx)
    .await?;
    (laporan.dibuat, laporan.diubah, laporan.tetap) = counted(&returned, kode.len());
    Ok(laporan)
}

/// `width`: the file's columns, `kode,nama`, with `telepon,email`, or with `kanwil` too.
async fn kppn(tx: &mut PgConnection, rows: &[(u64, Vec<String>)], width: usize) -> Result<Laporan> {
    let checked = Checked::new(rows, width, |r: &KppnBaris| r.kode.clone(), impor::kppn);
    let regions: Vec<String> = checked
        .rows
        .iter()
        .filter_map(|(_, r)| r.kanwil.clone().filter(|k| !k.is_empty()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let known = existing(tx, "kanwil", &regions).await?;
    let (rows, mut laporan) = checked
        .unknown_refs(|r| {
            let kanwil = r.kanwil.as_deref().filter(|k| !k.is_empty())?;
            (!known.contains(kanwil)).then(|| format!("Kanwil {kanwil} belum terdaftar (impor Kanwil dahulu)"))
        })
        .report(rows.len());
    if laporan.jumlah_salah > 0 {
        return Ok(laporan);
    }
    let contact = width > Daftar::Kppn.required();
    let region = width >= Daftar::Kppn.columns().len();
    let empty = |v: Option<String>| v.filter(|t| !t.is_empty());
    let (mut kode, mut nama, mut telepon, mut email, mut kanwil) = (vec![], vec![], vec![], vec![], vec![]);
    for r in rows {
        kode.push(r.kode);
        nama.push(r.nama);
        telepon.push(empty(r.telepon));
        email.push(empty(r.email));
        kanwil.push(empty(r.kanwil));
    }
    let returned: Vec<bool> = sqlx::query_scalar(
        "INSERT INTO kppn (kode, nama, telepon, email, kanwil_kode)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT (kode) DO UPDATE SET nama = EXCLUDED.nama,
                telepon = CASE WHEN $6 THEN EXCLUDED.telepon ELSE kppn.telepon END,
                email = CASE WHEN $6 THEN EXCLUDED.email ELSE kppn.email END,
                kanwil_kode = CASE WHEN $7 THEN EXCLUDED.kanwil_kode ELSE kppn.kanwil_kode END
         WHERE kppn.nama IS DISTINCT FROM EXCLUDED.nama
            OR ($6 AND (kppn.telepon IS DISTINCT FROM EXCLUDED.telepon OR kppn.email IS DISTINCT FROM EXCLUDED.email))
            OR ($7 AND kppn.kanwil_kode IS DISTINCT FROM EXCLUDED.kanwil_kode)
         RETURNING (xmax = 0)",
    )
    .bind(&kode)
    .bind(&nama)
    .bind(&telepon)
    .bind(&email)
    .bind(&kanwil)
    .bind(contact)
    .bind(region)
    .fetch_all(&mut *tx)
    .await?;
    (laporan.dibuat, laporan.diubah, laporan.tetap) = counted(&returned, kode.len());
    Ok(laporan)
}

async fn satker(tx: &mut PgConnection, rows: &[(u64, Vec<String>)]) -> Result<Laporan> {
    let checked = Checked::new(rows, 3, |r: &SatkerBaris| r.kode.clone(), impor::satker);
    let kppn: Vec<String> =
        checked.rows.iter().map(|(_, r)| r.kppn.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let known = existing(tx, "kppn", &kppn).await?;
    let (rows, mut laporan) = checked
        .unknown_refs(|r| {
            (!known.contains(&r.kppn)).then(|| format!("KPPN {} belum terdaftar (impor KPPN dahulu)", r.kppn))
        })
        .report(rows.len());
    if laporan.jumlah_salah > 0 {
        return Ok(laporan);
    }
    let mut cols: [Vec<String>; 3] = Default::default();
    for r in rows {
        cols[0].push(r.kode);
        cols[1].push(r.nama);
        cols[2].push(r.kppn);
    }
    let returned: Vec<bool> = sqlx::query_scalar(
        "INSERT INTO satker (kode, nama, kppn_kode) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
         ON CONFLICT (kode) DO UPDATE SET nama = EXCLUDED.nama, kppn_kode = EXCLUDED.kppn_kode
         WHERE (satker.nama, satker.kppn_kode) IS DISTINCT FROM (EXCLUDED.nama, EXCLUDED.kppn_kode)
         RETURNING (xmax = 0)",
    )
    .bind(&cols[0])
    .bind(&cols[1])
    .bind(&cols[2])
    .fetch_all(&mut *tx)
    .await?;
    (laporan.dibuat, laporan.diubah, laporan.tetap) = counted(&returned, cols[0].len());
    Ok(laporan)
}

async fn pengguna(
    tx: &mut PgConnection,
    rows: &[(u64, Vec<String>)],
    deactivate_missing: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Laporan> {
    let checked = Checked::new(rows, 7, |r: &PenggunaBaris| r.username.clone(), impor::pengguna);
    use domain::Role;
    // the table a role's unit is in (none for the operator and Pusat)
    let table = |peran: Role| match peran {
        Role::Operator | Role::Pusat => None,
        Role::Cso => Some("kppn"),
        Role::Kanwil => Some("kanwil"),
        _ => Some("satker"),
    };
    let units = |of: &str| -> Vec<String> {
        let set: BTreeSet<String> = checked
            .rows
            .iter()
            .map(|(_, r)| r)
            .filter(|r| table(r.peran) == Some(of))
            .map(|r| r.unit.clone())
            .collect();
        set.into_iter().collect()
    };
    let (satker_units, kppn_units, kanwil_units) = (units("satker"), units("kppn"), units("kanwil"));
    let known_satker = existing(tx, "satker", &satker_units).await?;
    let known_kppn = existing(tx, "kppn", &kppn_units).await?;
    let known_kanwil = existing(tx, "kanwil", &kanwil_units).await?;
    let (rows, mut laporan) = checked
        .unknown_refs(|r| match r.peran {
            Role::Operator | Role::Pusat => None,
            Role::Cso => (!known_kppn.contains(&r.unit)).then(|| format!("KPPN {} belum terdaftar", r.unit)),
            Role::Kanwil => (!known_kanwil.contains(&r.unit)).then(|| format!("Kanwil {} belum terdaftar", r.unit)),
            _ => (!known_satker.contains(&r.unit))
                .then(|| format!("satker {} belum terdaftar (impor satker dahulu)", r.unit)),
        })
        .report(rows.len());
    if laporan.jumlah_salah > 0 {
        return Ok(laporan);
    }
    let n = rows.len();
    let mut cols: [Vec<Option<String>>; 9] = Default::default();
    for r in rows {
        let (satker, kppn, kanwil) = match table(r.peran) {
            Some("kppn") => (None, Some(r.unit), None),
            Some("kanwil") => (None, None, Some(r.unit)),
            Some(_) => (Some(r.unit), None, None),
            None => (None, None, None),
        };
        cols[0].push(Some(r.username));
        cols[1].push(Some(r.nama));
        cols[2].push(Some(r.peran.code().to_owned()));
        cols[3].push(satker);
        cols[4].push(kppn);
        cols[5].push(r.nip);
        cols[6].push(r.no_hp);
        cols[7].push(r.email);
        cols[8].push(kanwil);
    }
    let returned: Vec<bool> = sqlx::query_scalar(
        "INSERT INTO app_user (username, nama, role, satker_kode, kppn_kode, nip, no_hp, email, kanwil_kode)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                              $8::text[], $9::text[])
         ON CONFLICT (username) DO UPDATE SET
             nama = EXCLUDED.nama, role = EXCLUDED.role, satker_kode = EXCLUDED.satker_kode,
             kppn_kode = EXCLUDED.kppn_kode, kanwil_kode = EXCLUDED.kanwil_kode, nip = EXCLUDED.nip,
             no_hp = EXCLUDED.no_hp, email = EXCLUDED.email, active = true, updated_at = $10
         WHERE (app_user.nama, app_user.role, app_user.satker_kode, app_user.kppn_kode, app_user.kanwil_kode,
                app_user.nip, app_user.no_hp, app_user.email, app_user.active)
               IS DISTINCT FROM (EXCLUDED.nama, EXCLUDED.role, EXCLUDED.satker_kode, EXCLUDED.kppn_kode,
                                 EXCLUDED.kanwil_kode, EXCLUDED.nip, EXCLUDED.no_hp, EXCLUDED.email, true)
         RETURNING (xmax = 0)",
    )
    .bind(&cols[0])
    .bind(&cols[1])
    .bind(&cols[2])
    .bind(&cols[3])
    .bind(&cols[4])
    .bind(&cols[5])
    .bind(&cols[6])
    .bind(&cols[7])
    .bind(&cols[8])
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    (laporan.dibuat, laporan.diubah, laporan.tetap) = counted(&returned, n);
    // users of the file's units that the file no longer lists: reported, deactivated on request
    let missing: Vec<String> = sqlx::query_scalar(
        "SELECT username FROM app_user
         WHERE active AND role <> 'OPERATOR' AND NOT (username = ANY($1))
           AND (satker_kode = ANY($2) OR kppn_kode = ANY($3) OR kanwil_kode = ANY($4))
         ORDER BY username",
    )
    .bind(&cols[0])
    .bind(&satker_units)
    .bind(&kppn_units)
    .bind(&kanwil_units)
    .fetch_all(&mut *tx)
    .await?;
    laporan.jumlah_hilang = missing.len();
    if deactivate_missing && !missing.is_empty() {
        let done = sqlx::query("UPDATE app_user SET active = false, updated_at = $2 WHERE username = ANY($1)")
            .bind(&missing)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        laporan.dinonaktifkan = usize::try_from(done.rows_affected()).unwrap_or(usize::MAX);
    }
    laporan.hilang = missing.into_iter().take(MAX_LISTED).collect();
    Ok(laporan)
}
