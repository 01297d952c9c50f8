//! Second factors: passkeys (WebAuthn) and an authenticator app (TOTP, RFC 6238), with ten
//! single-use recovery codes; enrolled at the first login of staff, asked at every login of
//! whoever has one, reset by the admins who manage the user or by the command line.
//!
//! Wrong codes count against the account like wrong passwords (`domain::login`): the
//! second factor is where guessing stops for a user who has one.

use crate::akses::attempt::Attempt;
use crate::akses::hitung::{Dihitung, Penghitung};
use crate::audit::{self, Entry, Outcome};
use crate::error::{Error, Result};
use crate::sistem::kunci::KunciFaktor;
use crate::{Actor, Caller};
use chrono::{DateTime, Utc};
use domain::audit::Aksi;
pub use domain::faktor::{FaktorInfo, Metode, Milik, TotpBaru};
use domain::{FaktorId, UserId};
use sqlx::{PgConnection, PgPool};
use totp_rs::{Builder, Secret, Totp};

/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;
/// The issuer authenticator apps show beside the account.
const ISSUER: &str = "Aktivasi OTP SAKTI";

pub async fn milik(pool: &PgPool, user_id: UserId) -> Result<Milik> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: FaktorId,
        #[sqlx(try_from = "crate::sistem::stored::Stored<Metode>")]
        jenis: Metode,
        nama: String,
        created_at: DateTime<Utc>,
        used_at: Option<DateTime<Utc>>,
    }
    let rows: Vec<Row> =
        sqlx::query_as("SELECT id, jenis, nama, created_at, used_at FROM faktor WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(pool)
            .await?;
    let sisa_pemulihan =
        sqlx::query_scalar("SELECT count(*) FROM kode_pemulihan WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .fetch_one(pool)
            .await?;
    let faktor = rows
        .into_iter()
        .map(|r| FaktorInfo {
            id: r.id,
            jenis: r.jenis,
            nama: r.nama,
            dibuat_ms: r.created_at.timestamp_millis(),
            dipakai_ms: r.used_at.map(|t| t.timestamp_millis()),
        })
        .collect();
    Ok(Milik { faktor, sisa_pemulihan })
}

/// SHA-1, six digits, 30-second steps, one step of drift either way: what every app reads.
fn totp(secret_b32: &str, username: &str) -> Result<Totp> {
    let secret = Secret::try_from_base32(secret_b32).map_err(|e| Error::Hash(format!("totp: {e:?}")))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(username)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| Error::Hash(format!("totp: {e:?}")))
}

/// A new secret for `username`'s authenticator app.
pub fn totp_baru(username: &str) -> Result<TotpBaru> {
    let secret = Secret::generate().to_base32();
    let url = totp(&secret, username)?.to_url().map_err(|e| Error::Hash(format!("totp: {e:?}")))?;
    let qr_svg = cetak::qr_svg(&url).unwrap_or_default();
    Ok(TotpBaru { secret, url, qr_svg })
}

/// The code an authenticator app with `secret` shows at `now` (the demo's simulator shows
/// the demo staff's codes; tests type them).
pub fn kode_totp(secret_b32: &str, username: &str, now: DateTime<Utc>) -> Result<String> {
    Ok(totp(secret_b32, username)?.generate(u64::try_from(now.timestamp()).unwrap_or(0)).to_string())
}

/// The 30-second step `code` is good for at `now` (the step before and after allowed for
/// clocks that drift), if any.
fn step_of(secret_b32: &str, username: &str, code: &str, now: DateTime<Utc>) -> Result<Option<i64>> {
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    if code.len() != 6 {
        return Ok(None);
    }
    let t = totp(secret_b32, username)?;
    let now = u64::try_from(now.timestamp()).unwrap_or(0);
    Ok(t.check(&code, now).and_then(|step| i64::try_from(step).ok()))
}

/// Ten new recovery codes for `user_id` (the old ones stop working); only their hashes are
/// kept, the codes are shown once.
pub(crate) async fn pemulihan_baru(conn: &mut PgConnection, user_id: UserId) -> Result<Vec<String>> {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let codes: Vec<String> = {
        let mut rng = rand::rngs::OsRng;
        (0..RECOVERY_CODES)
            .map(|_| {
                let chars: String = (0..10).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
                format!("{}-{}", &chars[..5], &chars[5..])
            })
            .collect()
    };
    sqlx::query("DELETE FROM kode_pemulihan WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    for code in &codes {
        // salted and slow, like a password: a copy of the database gives none of them away
        sqlx::query("INSERT INTO kode_pemulihan (user_id, phc) VALUES ($1, $2)")
            .bind(user_id)
            .bind(crate::akses::sandi::hash_password(&normal(code)).await?)
            .execute(&mut *conn)
            .await?;
    }
    Ok(codes)
}

/// Uses up the unused recovery code of `user_id` that `code` is, if any: each is checked
/// against its own salted hash (a code issued before them, against its SHA-256), and the one
/// that matches is marked used in a statement that only one of two parallel tries can win.
async fn pemulihan_cocok(pool: &PgPool, user_id: UserId, code: &str, now: DateTime<Utc>) -> Result<bool> {
    /// An unused recovery code: its salted hash (`phc`), or an older code's SHA-256 (`hash`).
    #[derive(sqlx::FromRow)]
    struct Kode {
        id: i64,
        hash: Option<Vec<u8>>,
        phc: Option<String>,
    }
    let unused: Vec<Kode> =
        sqlx::query_as("SELECT id, hash, phc FROM kode_pemulihan WHERE user_id = $1 AND used_at IS NULL ORDER BY id")
            .bind(user_id)
            .fetch_all(pool)
            .await?;
    for Kode { id, hash, phc } in unused {
        let matches = match (hash, phc) {
            (_, Some(phc)) => crate::akses::sandi::argon2_cocok(code, &phc).await?,
            (Some(hash), None) => hash == crate::sistem::secret::sha256(code),
            (None, None) => false,
        };
        if matches {
            let used = sqlx::query("UPDATE kode_pemulihan SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(pool)
                .await?;
            return Ok(used.rows_affected() == 1);
        }
    }
    Ok(false)
}

/// A recovery code as typed: case, spaces and dashes do not matter.
fn normal(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// Who enrols a factor: the caller itself, either half-way through its own sign-in (its
/// first factor, right after its password) or signed in with a recent authentication.
pub(crate) async fn pendaftar<'c>(pool: &PgPool, caller: &'c Caller) -> Result<&'c Actor> {
    let actor = crate::akses::auth::sendiri(pool, caller, Aksi::DaftarkanFaktor).await?;
    if caller.sesi().is_some() {
        crate::akses::auth::step_up(caller)?;
    }
    Ok(actor)
}

/// Enrols the authenticator app whose `secret` the caller was shown, once `code` from it
/// proves it was set up. The first factor of a user comes with its recovery codes (returned
/// to be shown once).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn daftarkan_totp(
    pool: &PgPool,
    kunci: &KunciFaktor,
    caller: &Caller,
    secret: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let actor = pendaftar(pool, caller).await?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::DaftarkanFaktor).await?;
    let Some(step) = step_of(secret, &actor.username, code, now)? else {
        let mut fields = domain::validate::FieldErrors::default();
        fields.add("kode", "Kode tidak cocok. Periksa jam ponsel Anda, lalu masukkan kode yang sedang tampil.");
        return Err(attempt.refuse(Error::Invalid(fields)).await);
    };
    if !simpan_totp(attempt.tx(), actor.user_id, kunci.segel(actor.user_id, secret)?, Some(step), now).await? {
        let e = Error::Rule("Aplikasi autentikator sudah terdaftar; hapus yang lama lebih dulu.".into());
        return Err(attempt.refuse(e).await);
    }
    let codes = first_factor_codes(attempt.tx(), actor.user_id).await?;
    attempt.done("aplikasi autentikator", None).await?;
    Ok(codes)
}

/// Stores an authenticator app's secret, sealed (`kunci::KunciFaktor::segel`; `step`: the one
/// its confirming code used); false when the user has one already.
pub(crate) async fn simpan_totp(
    conn: &mut PgConnection,
    user_id: UserId,
    data: serde_json::Value,
    step: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO faktor (user_id, jenis, nama, data, created_at, totp_step)
         VALUES ($1, 'TOTP', 'Aplikasi autentikator', $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(data)
    .bind(now)
    .bind(step)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The recovery codes of a user's first factor (none when it had a factor already).
pub(crate) async fn first_factor_codes(conn: &mut PgConnection, user_id: UserId) -> Result<Vec<String>> {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM faktor WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    if count == 1 { pemulihan_baru(conn, user_id).await } else { Ok(Vec::new()) }
}

/// What a user gives as its second factor at login (a passkey goes through `passkey`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bukti {
    /// The six digits of its authenticator app.
    Totp(String),
    /// One of its recovery codes.
    Pemulihan(String),
}

/// Checks the second factor of `actor`, whose password step gave `sandi`. Each try is counted
/// against the account before it is checked (`domain::login`); a right one clears the count.
/// A TOTP code is good once: a code of a step already used is refused. After a wrong password
/// the factor is not even checked, and the refusal reads exactly like a wrong factor's.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id.0))]
#[allow(clippy::too_many_arguments)]
pub async fn periksa(
    pool: &PgPool,
    kunci: &KunciFaktor,
    caller: &Caller,
    actor: &Actor,
    sandi: crate::akses::masuk::Sandi,
    bukti: &Bukti,
    now: DateTime<Utc>,
) -> Result<()> {
    let what = match bukti {
        Bukti::Totp(_) => "kode aplikasi autentikator",
        Bukti::Pemulihan(_) => "kode pemulihan",
    };
    if !sandi.is_benar() {
        return Err(sandi_salah(pool, caller, actor, what, now).await);
    }
    let counted = gate(pool, caller, actor, now).await?;
    let good = match bukti {
        Bukti::Totp(code) => {
            let row: Option<(FaktorId, serde_json::Value)> =
                sqlx::query_as("SELECT id, data FROM faktor WHERE user_id = $1 AND jenis = 'TOTP'")
                    .bind(actor.user_id)
                    .fetch_optional(pool)
                    .await?;
            match row {
                Some((id, data)) => {
                    let secret = kunci.buka(actor.user_id, &data)?;
                    match step_of(&secret, &actor.username, code, now)? {
                        // the step must be newer than the last one used: a code is good once
                        Some(step) => {
                            sqlx::query(
                                "UPDATE faktor SET totp_step = $2, used_at = $3 WHERE id = $1
                             AND (totp_step IS NULL OR totp_step < $2)",
                            )
                            .bind(id)
                            .bind(step)
                            .bind(now)
                            .execute(pool)
                            .await?
                            .rows_affected()
                                == 1
                        }
                        None => false,
                    }
                }
                None => false,
            }
        }
        Bukti::Pemulihan(code) => pemulihan_cocok(pool, actor.user_id, &normal(code), now).await?,
    };
    settle(pool, caller, actor, counted, good, what, now).await
}

/// The refusal of a factor (`what`) that was wrong, or of a login whose password was: the
/// same words either way.
fn salah(what: &str) -> Error {
    Error::Forbidden(format!("Kata sandi atau {what} salah, atau kodenya sudah dipakai."))
}

/// The second step of a login whose password was wrong (counted at the first step): refused
/// like a wrong factor, unless the account is held back anyway.
pub(crate) async fn sandi_salah(
    pool: &PgPool,
    caller: &Caller,
    actor: &Actor,
    what: &str,
    now: DateTime<Utc>,
) -> Error {
    let held = match crate::akses::masuk::load_pending(pool, actor.user_id).await {
        Ok(Some((_, failures))) => domain::login::gate(failures, now).err(),
        Ok(None) => None,
        Err(e) => return e,
    };
    let entry = Entry::new(caller, Aksi::FaktorKedua, Outcome::Gagal).detail("kata sandi di langkah pertama salah");
    if let Err(e) = audit::record(pool, entry).await {
        return e;
    }
    match held {
        Some(blocked) => Error::ditahan(&blocked),
        None => salah(what),
    }
}

/// Counts a try of the second factor against the account before it is checked
/// (`crate::akses::hitung`), unless the account's limit holds it back.
pub(crate) async fn gate(pool: &PgPool, caller: &Caller, actor: &Actor, now: DateTime<Utc>) -> Result<Dihitung> {
    let counted = crate::akses::hitung::hitung(pool, Penghitung::Akun(actor.user_id), now).await?;
    let entry =
        |b: &domain::login::Blocked| Entry::new(caller, Aksi::FaktorKedua, Outcome::Ditolak).detail(b.to_string());
    crate::akses::sandi::or_held(pool, counted, entry).await
}

/// After a second factor was checked: a right one clears the count, a wrong one keeps the
/// try counted by [`gate`].
pub(crate) async fn settle(
    pool: &PgPool,
    caller: &Caller,
    actor: &Actor,
    counted: Dihitung,
    good: bool,
    what: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    if good {
        crate::akses::masuk::berhasil(pool, actor.user_id, None).await?;
        audit::record(pool, Entry::new(caller, Aksi::FaktorKedua, Outcome::Berhasil).detail(what)).await?;
        return Ok(());
    }
    let count = counted.count;
    let entry = Entry::new(caller, Aksi::FaktorKedua, Outcome::Gagal).detail(format!("{what} salah"));
    Err(match crate::akses::masuk::locked_after(pool, actor.user_id, count, now, entry).await {
        Error::LoginFailed => salah(what),
        other => other,
    })
}

/// Removes one of the caller's own factors (after a step-up). Staff keep at least one.
#[tracing::instrument(skip_all, fields(faktor = id.0))]
pub async fn hapus(pool: &PgPool, caller: &Caller, id: FaktorId) -> Result<()> {
    let actor = crate::akses::auth::sendiri(pool, caller, Aksi::ResetFaktor).await?;
    crate::akses::auth::step_up(caller)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::ResetFaktor).await?;
    let ids: Vec<FaktorId> = sqlx::query_scalar("SELECT id FROM faktor WHERE user_id = $1 FOR UPDATE")
        .bind(actor.user_id)
        .fetch_all(attempt.tx())
        .await?;
    if !ids.contains(&id) {
        return Err(attempt.refuse(Error::Rule("Faktor itu tidak ada (sudah dihapus?).".into())).await);
    }
    if ids.len() == 1 && actor.role.is_staff() {
        let e = Error::Rule("Akun staf harus punya faktor kedua: daftarkan yang lain sebelum menghapus ini.".into());
        return Err(attempt.refuse(e).await);
    }
    sqlx::query("DELETE FROM faktor WHERE id = $1").bind(id).execute(attempt.tx()).await?;
    if ids.len() == 1 {
        sqlx::query("DELETE FROM kode_pemulihan WHERE user_id = $1").bind(actor.user_id).execute(attempt.tx()).await?;
    }
    attempt.done(format!("faktor {id} milik sendiri"), None).await
}

/// New recovery codes for the caller (after a step-up); the old ones stop working.
pub async fn pemulihan_ulang(pool: &PgPool, caller: &Caller) -> Result<Vec<String>> {
    let actor = crate::akses::auth::sendiri(pool, caller, Aksi::DaftarkanFaktor).await?;
    crate::akses::auth::step_up(caller)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::DaftarkanFaktor).await?;
    if !crate::akses::auth::punya_faktor(pool, actor.user_id).await? {
        return Err(attempt.refuse(Error::Rule("Daftarkan faktor kedua lebih dulu.".into())).await);
    }
    let codes = pemulihan_baru(attempt.tx(), actor.user_id).await?;
    attempt.done("kode pemulihan baru", None).await?;
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_code_is_good_for_its_step_and_the_ones_beside_it() {
        let secret = Secret::generate().to_base32();
        let now = Utc.timestamp_opt(1_790_000_015, 0).unwrap();
        let t = totp(&secret, "cso_x").unwrap();
        let step = 1_790_000_015 / 30;
        let code = |s: i64| t.generate(u64::try_from(s * 30).unwrap()).to_string();
        assert_eq!(step_of(&secret, "cso_x", &code(step), now).unwrap(), Some(step));
        assert_eq!(step_of(&secret, "cso_x", &code(step - 1), now).unwrap(), Some(step - 1));
        assert_eq!(step_of(&secret, "cso_x", &code(step + 1), now).unwrap(), Some(step + 1));
        assert_eq!(step_of(&secret, "cso_x", &code(step - 2), now).unwrap(), None);
        assert_eq!(step_of(&secret, "cso_x", "12345", now).unwrap(), None);
    }

    #[test]
    fn a_recovery_code_is_read_without_case_spaces_or_dashes() {
        assert_eq!(normal(" AbCde-fGh23 "), "abcdefgh23");
    }

    #[test]
    fn a_new_secret_comes_with_its_address_and_qr_code() {
        let baru = totp_baru("cso_jakarta6").unwrap();
        assert!(baru.url.starts_with("otpauth://totp/"), "{}", baru.url);
        assert!(baru.url.contains("cso_jakarta6"));
        assert!(baru.qr_svg.starts_with("<?xml") || baru.qr_svg.contains("<svg"));
    }
}
