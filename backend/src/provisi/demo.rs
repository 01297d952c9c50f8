//! Demo data: a regional office (Kanwil) over two KPPN, a satker under each, their users and
//! the old 2020 pilot references that seed step 1 deletes. Loaded only into a database without users,
//! which it marks (`data_demo`) in the same transaction; [`traces`] finds the mark and the demo
//! users, so that production can refuse such a database (`config::Config::check_database`).

use crate::akses::sandi::hash_password;
use crate::error::Result;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The password of every demo user.
pub const PASSWORD: &str = "Sakti#2026";

/// Kanwil: (kode, nama).
pub const KANWIL: (&str, &str) = ("09", "Kanwil DJPb Provinsi DKI Jakarta");

/// KPPN: (kode, nama), both in [`KANWIL`].
pub const KPPN: [(&str, &str); 2] = [("019", "KPPN Jakarta VI"), ("028", "KPPN Jakarta II")];

/// Satker: (kode, nama, kppn).
pub const SATKER: [(&str, &str, &str); 2] = [
    ("561403", "KANTOR PELAYANAN PAJAK PRATAMA JAKARTA MENTENG SATU", "019"),
    ("527010", "KANTOR WILAYAH DJKN DKI JAKARTA", "028"),
];

/// A demo user: (username, nama, nip, role, satker, kppn or kanwil).
pub type User = (&'static str, &'static str, Option<&'static str>, &'static str, &'static str);

/// Users.
pub const USERS: [User; 14] = [
    ("adm_561403", "Admin Lokal 561403", Some("198501012010011001"), "ADMIN_LOKAL", "561403"),
    ("apr_kpa561403", "KPA PSIE I", Some("199109112010111001"), "KPA", "561403"),
    ("apr_spm561403", "PPSPM PSIE I", Some("198807152012121002"), "PPSPM", "561403"),
    ("val_ppk561403", "PPK PSIE I", Some("133209333013111001"), "PPK", "561403"),
    ("apr_maulana561403", "Maulana Malik Ibrahim", Some("197203142000031001"), "PPSPM", "561403"),
    ("val_putut561403", "Putut Wijanarko", Some("198911302014021003"), "PPK", "561403"),
    ("cso_jakarta6", "CSO KPPN Jakarta VI", None, "CSO", "019"),
    ("adm_527010", "Admin Lokal 527010", Some("198202022008011002"), "ADMIN_LOKAL", "527010"),
    ("apr_kpa527010", "KPA Kanwil DJKN DKI", Some("197501012000031004"), "KPA", "527010"),
    ("val_ppk527010", "PPK Kanwil DJKN DKI", Some("198003032005011005"), "PPK", "527010"),
    ("cso_jakarta2", "CSO KPPN Jakarta II", None, "CSO", "028"),
    ("opr_nasional", "Operator Nasional", None, "OPERATOR", ""),
    ("kwl_dki", "Kanwil DJPb DKI Jakarta", None, "KANWIL", "09"),
    ("pst_djpb", "Kantor Pusat DJPb", None, "PUSAT", ""),
];

/// The story's region ([`cerita`]): a second Kanwil with four KPPN.
pub const CERITA_KANWIL: (&str, &str) = ("20", "Kanwil DJPb Provinsi Jawa Tengah");
pub const CERITA_KPPN: [(&str, &str); 4] =
    [("120", "KPPN Semarang I"), ("121", "KPPN Semarang II"), ("122", "KPPN Surakarta"), ("123", "KPPN Magelang")];
/// The story's staff: the CSO of KPPN Semarang I and the region's Kanwil user.
pub const CERITA_USERS: [User; 2] = [
    ("cso_semarang1", "CSO KPPN Semarang I", None, "CSO", "120"),
    ("kwl_jateng", "Kanwil DJPb Jawa Tengah", None, "KANWIL", "20"),
];

/// The demo staff's authenticator-app secret (base32): fixed, so the phone simulator can
/// show their codes and tests can compute them. Only the demo seeds it.
pub fn totp_secret(username: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("aktivasi-otp-sakti demo {username}").as_bytes());
    totp_rs::Secret::from(digest[..20].to_vec()).to_base32()
}

/// A code of demo user `username`'s authenticator app that the server has not seen yet at
/// `now` (a code is good once), for the tests and the bench that sign staff in: the previous
/// step's while 20 s of the current step are left (the server accepts one step either side,
/// so it never expires on its way), else the current step's, else the next one's; `None` when
/// only a step beyond that is left — ask again a few seconds later.
pub async fn kode_authenticator(pool: &PgPool, username: &str, now: DateTime<Utc>) -> Result<Option<String>> {
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT f.totp_step FROM faktor f JOIN app_user u ON u.id = f.user_id
         WHERE u.username = $1 AND f.jenis = 'TOTP'",
    )
    .bind(username)
    .fetch_one(pool)
    .await?;
    let current = now.timestamp() / 30;
    let oldest = if now.timestamp() - current * 30 < 10 { current - 1 } else { current };
    let step = oldest.max(last.map_or(0, |l| l + 1));
    if step > current + 1 {
        return Ok(None);
    }
    let at = DateTime::from_timestamp(step * 30, 0).unwrap_or(now);
    Ok(Some(crate::akses::faktor::kode_totp(&totp_secret(username), username, at)?))
}

/// The demo users with an authenticator app (the staff: `domain::Role::is_staff`).
pub fn staff() -> impl Iterator<Item = &'static str> {
    USERS
        .iter()
        .chain(&CERITA_USERS)
        .filter(|u| domain::Role::from_code(u.3).is_some_and(domain::Role::is_staff))
        .map(|u| u.0)
}

/// Every username the demo seed creates: one of them in a database means anyone who read the
/// README can sign in there.
pub fn usernames() -> impl Iterator<Item = &'static str> {
    USERS.iter().chain(&CERITA_USERS).map(|u| u.0)
}

/// What shows that the demo has been in a database: its mark and the demo users it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traces {
    /// When the demo seed marked the database (`data_demo`).
    pub seeded_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The demo usernames present, in order.
    pub users: Vec<String>,
}

impl Traces {
    /// Neither a mark nor a demo user.
    pub fn is_empty(&self) -> bool {
        self.seeded_at.is_none() && self.users.is_empty()
    }
}

impl std::fmt::Display for Traces {
    /// `tanda demo 2026-11-26 03:00 UTC; pengguna demo adm_561403, apr_kpa561403, apr_spm561403 dan 11 lainnya`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 3;
        let mut parts = Vec::new();
        if let Some(at) = self.seeded_at {
            parts.push(format!("tanda demo {} UTC", at.format("%Y-%m-%d %H:%M")));
        }
        if !self.users.is_empty() {
            let names = self.users.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
            let more = match self.users.len().saturating_sub(SHOWN) {
                0 => String::new(),
                n => format!(" dan {n} lainnya"),
            };
            parts.push(format!("pengguna demo {names}{more}"));
        }
        f.write_str(&parts.join("; "))
    }
}

/// The demo's traces in the database, read without changing it: a database not migrated yet
/// (no `data_demo` or `app_user`) simply has none of them.
pub async fn traces(pool: &PgPool) -> Result<Traces> {
    let (marked, users): (bool, bool) = sqlx::query_as(
        "SELECT to_regclass('public.data_demo') IS NOT NULL, to_regclass('public.app_user') IS NOT NULL",
    )
    .fetch_one(pool)
    .await?;
    let seeded_at =
        if marked { sqlx::query_scalar("SELECT dimuat_at FROM data_demo").fetch_optional(pool).await? } else { None };
    let users = if users {
        sqlx::query_scalar("SELECT username FROM app_user WHERE username = ANY($1) ORDER BY username")
            .bind(usernames().collect::<Vec<_>>())
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    Ok(Traces { seeded_at, users })
}

/// References already on record: (satker, username, jabatan, tanggal lahir, no HP).
const PEJABAT: [(&str, &str, &str, &str, &str); 3] = [
    ("561403", "apr_maulana561403", "KEPALA KANTOR", "1972-03-14", "+6281311110001"),
    ("561403", "val_putut561403", "BENDAHARA", "1989-11-30", "+6281311110002"),
    ("527010", "apr_kpa527010", "KUASA PENGGUNA ANGGARAN", "1975-01-01", "+6281311110003"),
];

/// Loads the demo data when the database has no users. Returns whether it did.
pub async fn seed_if_empty(pool: &PgPool) -> Result<bool> {
    let mut tx = pool.begin().await?;
    // serialise concurrent start-ups of several instances
    sqlx::query("LOCK TABLE app_user IN EXCLUSIVE MODE").execute(&mut *tx).await?;
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM app_user").fetch_one(&mut *tx).await?;
    if users > 0 {
        return Ok(false);
    }
    // the mark first: whatever else this transaction stores, production will know it
    sqlx::query("INSERT INTO data_demo (dimuat_at) VALUES ($1) ON CONFLICT (satu) DO NOTHING")
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
    insert_wilayah(&mut tx, KANWIL, &KPPN).await?;
    for (kode, nama, kppn) in SATKER {
        sqlx::query("INSERT INTO satker (kode, nama, kppn_kode) VALUES ($1, $2, $3)")
            .bind(kode)
            .bind(nama)
            .bind(kppn)
            .execute(&mut *tx)
            .await?;
    }
    // One hash for all: the demo password is published in the README anyway, and
    // hashing once keeps a fresh test database quick to fill.
    let hash = hash_password(PASSWORD).await?;
    for user in USERS {
        insert_user(&mut tx, user, &hash).await?;
    }
    for username in staff().filter(|s| USERS.iter().any(|u| u.0 == *s)) {
        let id: domain::UserId = sqlx::query_scalar("SELECT id FROM app_user WHERE username = $1")
            .bind(username)
            .fetch_one(&mut *tx)
            .await?;
        // in clear, as before seeds were sealed: the server seals them at start-up with its key
        // (`kunci::segel_ulang`), which the seed does not hold
        let data = serde_json::json!({ "secret": totp_secret(username) });
        crate::akses::faktor::simpan_totp(&mut tx, id, data, None, crate::now()).await?;
    }
    for (satker, username, jabatan, lahir, hp) in PEJABAT {
        sqlx::query(
            "INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp,
                                  alamat_domisili, alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, created_by,
                                  created_at)
             SELECT u.satker_kode, u.id, u.nip, u.nama, 'Jakarta', $3::date, $1 || '@kemenkeu.go.id', $4,
                    'Jl. Medan Merdeka Timur No. 16, Jakarta Pusat', 'Jl. Medan Merdeka Timur No. 16, Jakarta Pusat',
                    'KEP-01/PILOT/2020', DATE '2020-02-03', $2, s.kppn_kode, u.id, TIMESTAMPTZ '2020-02-03 09:00+07'
             FROM app_user u JOIN satker s ON s.kode = u.satker_kode
             WHERE u.username = $1 AND s.kode = $5",
        )
        .bind(username)
        .bind(jabatan)
        .bind(lahir)
        .bind(hp)
        .bind(satker)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Inserts a region and its KPPN.
async fn insert_wilayah(tx: &mut sqlx::PgConnection, kanwil: (&str, &str), kppn: &[(&str, &str)]) -> Result<()> {
    sqlx::query("INSERT INTO kanwil (kode, nama) VALUES ($1, $2)")
        .bind(kanwil.0)
        .bind(kanwil.1)
        .execute(&mut *tx)
        .await?;
    for (kode, nama) in kppn {
        sqlx::query("INSERT INTO kppn (kode, nama, kanwil_kode) VALUES ($1, $2, $3)")
            .bind(kode)
            .bind(nama)
            .bind(kanwil.0)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Inserts one demo user with the demo password's `hash`.
async fn insert_user(tx: &mut sqlx::PgConnection, user: User, hash: &str) -> Result<domain::UserId> {
    let (username, nama, nip, role, unit) = user;
    let (satker, kppn, kanwil) = match role {
        "CSO" => (None, Some(unit), None),
        "KANWIL" => (None, None, Some(unit)),
        "OPERATOR" | "PUSAT" => (None, None, None),
        _ => (Some(unit), None, None),
    };
    Ok(sqlx::query_scalar(
        "INSERT INTO app_user (username, nama, nip, role, satker_kode, kppn_kode, kanwil_kode, password_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(username)
    .bind(nama)
    .bind(nip)
    .bind(role)
    .bind(satker)
    .bind(kppn)
    .bind(kanwil)
    .bind(hash)
    .fetch_one(tx)
    .await?)
}

/// A one-page PDF, the scan the story's bundles carry.
const PDF_CERITA: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n";

/// The demo's story: a second region, [`CERITA_KANWIL`], with four KPPN and 200 satkers at
/// every stage of the roll-out (bundles on the desk, sessions open and booked today and
/// tomorrow, satkers stuck for weeks, activations over the last three weeks), its CSO and its
/// Kanwil user ([`CERITA_USERS`], the demo password and an authenticator app), so that the
/// board, the desk and the queue have something to show (`demo_cerita.sql`). Once per
/// database, after [`seed_if_empty`]; the six demo people are not touched. Returns whether it
/// told it now.
pub async fn cerita(pool: &PgPool) -> Result<bool> {
    let mut tx = pool.begin().await?;
    sqlx::query("LOCK TABLE kanwil IN EXCLUSIVE MODE").execute(&mut *tx).await?;
    let told: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM kanwil WHERE kode = $1)")
        .bind(CERITA_KANWIL.0)
        .fetch_one(&mut *tx)
        .await?;
    if told {
        return Ok(false);
    }
    insert_wilayah(&mut tx, CERITA_KANWIL, &CERITA_KPPN).await?;
    let seeded: Option<String> = sqlx::query_scalar("SELECT password_hash FROM app_user WHERE username = $1")
        .bind(USERS[0].0)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
    let hash = match seeded {
        Some(hash) => hash,
        None => hash_password(PASSWORD).await?,
    };
    let mut cso = None;
    for user in CERITA_USERS {
        let id = insert_user(&mut tx, user, &hash).await?;
        let data = serde_json::json!({ "secret": totp_secret(user.0) });
        crate::akses::faktor::simpan_totp(&mut tx, id, data, None, crate::now()).await?;
        if user.3 == "CSO" {
            cso = Some(id);
        }
    }
    sqlx::query(
        "CREATE TEMP TABLE cerita_param ON COMMIT DROP AS SELECT $1::text AS hash, $2::bigint AS cso, $3::bytea AS pdf",
    )
    .bind(&hash)
    .bind(cso)
    .bind(PDF_CERITA)
    .execute(&mut *tx)
    .await?;
    sqlx::raw_sql(include_str!("demo_cerita.sql")).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_the_seed_creates_is_a_demo_username() {
        let all: Vec<&str> = usernames().collect();
        assert_eq!(all.len(), USERS.len() + CERITA_USERS.len());
        for name in staff().chain(PEJABAT.iter().map(|p| p.1)) {
            assert!(all.contains(&name), "{name}");
        }
        let mut unique = all.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), all.len(), "no username twice");
    }

    #[test]
    fn traces_read_as_one_line_naming_the_mark_and_a_few_users() {
        assert!(Traces::default().is_empty());
        assert_eq!(Traces::default().to_string(), "");
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-26T03:04:05Z").unwrap().to_utc();
        let all = Traces { seeded_at: Some(at), users: usernames().map(String::from).collect() };
        assert!(!all.is_empty());
        assert_eq!(
            all.to_string(),
            format!(
                "tanda demo 2026-11-26 03:04 UTC; pengguna demo adm_561403, apr_kpa561403, apr_spm561403 dan {} lainnya",
                usernames().count() - 3
            )
        );
        let one = Traces { seeded_at: None, users: vec!["cso_jakarta6".into()] };
        assert!(!one.is_empty());
        assert_eq!(one.to_string(), "pengguna demo cso_jakarta6");
        let mark = Traces { seeded_at: Some(at), users: Vec::new() };
        assert_eq!(mark.to_string(), "tanda demo 2026-11-26 03:04 UTC");
    }
}
