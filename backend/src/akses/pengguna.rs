//! Real users' passwords and state. An imported user has no password: a set-password link
//! (`undang`, or `reset` which also ends the old password) is valid 72 hours and once, and
//! only its SHA-256 is stored. Passwords follow NIST SP 800-63B: 12 to 128 characters, any
//! characters, no composition rules, and not common or guessable from the user's own data
//! (zxcvbn with the username, name, unit, "sakti" and "kemenkeu" as known words). Every
//! action here is in the audit trail.

use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::audit::refuse;
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use chrono::{DateTime, Duration, Utc};
use domain::audit::Aksi;
use domain::authz::Action;
use domain::{Role, UserId};
use sqlx::PgPool;

/// How long a set-password link works.
pub const LINK_HOURS: i64 = 72;
/// Password length, in characters.
pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// Why a link is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tujuan {
    /// The first password of an imported user.
    Undangan,
    /// A new password: the old one stops working at once.
    Reset,
}

impl Tujuan {
    fn code(self) -> &'static str {
        match self {
            Tujuan::Undangan => "UNDANGAN",
            Tujuan::Reset => "RESET",
        }
    }

    fn aksi(self) -> Aksi {
        match self {
            Tujuan::Undangan => Aksi::UndangPengguna,
            Tujuan::Reset => Aksi::ResetSandi,
        }
    }
}

/// A set-password link as issued. Its token is never stored (only its SHA-256), and it reaches
/// the issuer only when the user has no email the link could go to.
#[derive(Debug, Clone)]
pub struct Tautan {
    pub username: String,
    /// An invitation for a user without a password, a reset for anyone else.
    pub tujuan: Tujuan,
    pub expires_at: DateTime<Utc>,
    pub jalan: Jalan,
}

/// How a link reaches its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jalan {
    /// Emailed to the user's address on record (masked here): the issuer never sees it.
    Surel { ke: String },
    /// No email can carry it (none on record, or the server sends no email): the issuer
    /// passes it on, and the audit line says so.
    Tampil { token: String },
}

impl Tautan {
    /// The link under the app's public address `base` (`https://sakti.example`), when it is
    /// the issuer's to pass on.
    pub fn url(&self, base: &str) -> Option<String> {
        match &self.jalan {
            Jalan::Tampil { token } => Some(link_url(base, token)),
            Jalan::Surel { .. } => None,
        }
    }
}

fn link_url(base: &str, token: &str) -> String {
    format!("{}/sandi?token={token}", base.trim_end_matches('/'))
}

/// Where a new link may go: the app's public address for the link, and whether the server
/// sends email (`SAKTI_SMTP_URL`): without it a link is shown to the issuer.
#[derive(Debug, Clone, Copy)]
pub struct Kirim<'a> {
    pub base: &'a str,
    pub surel: bool,
}

/// The password rules; the error is the message a person reads. `known` are words the
/// password must not be built from (username, name, unit code).
pub fn check_password(password: &str, known: &[&str]) -> std::result::Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(format!("Kata sandi minimal {MIN_CHARS} karakter (sekarang {chars})."));
    }
    if chars > MAX_CHARS {
        return Err(format!("Kata sandi paling banyak {MAX_CHARS} karakter."));
    }
    let mut words: Vec<&str> = known.iter().copied().filter(|w| !w.is_empty()).collect();
    words.extend(["sakti", "kemenkeu", "kppn", "satker", "otp"]);
    // built from the user's own words with a little around them ("sakti2026sakti")
    let mut rest = password.to_lowercase();
    for word in words.iter().filter(|w| w.chars().count() >= 3) {
        rest = rest.replace(&word.to_lowercase(), "");
    }
    if rest.chars().count() < 8 {
        return Err(
            "Kata sandi ini dibangun dari nama, username, kode satker atau kata SAKTI. Pakai beberapa kata acak lain."
                .into(),
        );
    }
    let estimate = zxcvbn::zxcvbn(password, &words);
    if u8::from(estimate.score()) < 3 {
        let hint =
            estimate.feedback().and_then(|f| f.warning()).map(|w| format!(" ({})", peringatan(w))).unwrap_or_default();
        return Err(format!(
            "Kata sandi ini mudah ditebak{hint}. Pakai beberapa kata acak yang tidak berhubungan dengan nama, \
             username, satker atau SAKTI."
        ));
    }
    Ok(())
}

/// zxcvbn's warning in the page's language (its own text is English).
fn peringatan(w: zxcvbn::feedback::Warning) -> &'static str {
    use zxcvbn::feedback::Warning as W;
    match w {
        W::StraightRowsOfKeysAreEasyToGuess => "deretan tombol keyboard mudah ditebak",
        W::ShortKeyboardPatternsAreEasyToGuess => "pola keyboard pendek mudah ditebak",
        W::RepeatsLikeAaaAreEasyToGuess => "pengulangan seperti \"aaa\" mudah ditebak",
        W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "pengulangan seperti \"abcabcabc\" hanya sedikit lebih sulit ditebak daripada \"abc\""
        }
        W::ThisIsATop10Password | W::ThisIsATop100Password | W::ThisIsACommonPassword => {
            "ini termasuk kata sandi yang paling sering dipakai"
        }
        W::ThisIsSimilarToACommonlyUsedPassword => "mirip kata sandi yang sering dipakai",
        W::SequencesLikeAbcAreEasyToGuess => "urutan seperti abc atau 6543 mudah ditebak",
        W::RecentYearsAreEasyToGuess => "tahun-tahun terakhir mudah ditebak",
        W::AWordByItselfIsEasyToGuess => "satu kata saja mudah ditebak",
        W::DatesAreOftenEasyToGuess => "tanggal mudah ditebak",
        W::NamesAndSurnamesByThemselvesAreEasyToGuess | W::CommonNamesAndSurnamesAreEasyToGuess => {
            "nama orang mudah ditebak"
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct Sasaran {
    pub(crate) id: UserId,
    pub(crate) username: String,
    nama: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Role>")]
    role: Role,
    satker_kode: Option<String>,
    /// The KPPN of the user's satker.
    satker_kppn: Option<String>,
    email: Option<String>,
    active: bool,
    has_password: bool,
}

const TARGET: &str = "SELECT u.id, u.username, u.nama, u.role, u.satker_kode, s.kppn_kode AS satker_kppn,
                             u.email, u.active, u.password_hash IS NOT NULL AS has_password
                      FROM app_user u LEFT JOIN satker s ON s.kode = u.satker_kode";

/// May `actor` manage `user`? Admin Lokal: its satker's users; the CSO: the Admin Lokal of
/// its KPPN's satkers; the operator: anyone.
fn manages(actor: &Actor, user: &Sasaran) -> bool {
    match actor.role {
        Role::Operator => true,
        Role::AdminLokal => actor.unit.satker().is_some() && actor.unit.satker() == user.satker_kode.as_deref(),
        Role::Cso => {
            user.role == Role::AdminLokal
                && actor.unit.kppn().is_some()
                && actor.unit.kppn() == user.satker_kppn.as_deref()
        }
        _ => false,
    }
}

/// Finds `username` and checks the caller may manage it. The command line may manage
/// anyone: it runs with the database's credentials. Anyone else must be logged in.
pub(crate) async fn managed(pool: &PgPool, caller: &Caller, aksi: Aksi, username: &str) -> Result<Sasaran> {
    let actor = if caller.is_command_line() { None } else { Some(authorize(pool, caller, Action::TautanSandi).await?) };
    let user: Option<Sasaran> = sqlx::query_as(&format!("{TARGET} WHERE u.username = $1"))
        .bind(username.trim().to_ascii_lowercase())
        .fetch_optional(pool)
        .await?;
    match (user, actor) {
        (Some(user), Some(actor)) if manages(actor, &user) => Ok(user),
        (Some(user), None) if caller.is_command_line() => Ok(user),
        _ => {
            let e = Error::NotFound(format!("Pengguna {username} tidak ditemukan."));
            Err(refuse(pool, caller, aksi, None, e).await)
        }
    }
}

/// Issues a set-password link for `username`; earlier unused links of the user stop working.
/// A user without a password gets an invitation; anyone else a reset, which also ends the
/// current password at once. Either is a sensitive step (a link is a way into the account):
/// it needs a recent authentication. The link is emailed to the user's address on record when
/// there is one and the server sends email, and then not returned to the issuer.
#[tracing::instrument(skip_all, fields(username))]
pub async fn tautan(
    pool: &PgPool,
    caller: &Caller,
    username: &str,
    kirim: Kirim<'_>,
    now: DateTime<Utc>,
) -> Result<Tautan> {
    let user = managed(pool, caller, Aksi::UndangPengguna, username).await?;
    // asked before the refusals below too (the attempt would ask only once they passed): a
    // stale session learns nothing about the user, not even whether it is active
    crate::akses::auth::step_up(caller)?;
    let tujuan = if user.has_password { Tujuan::Reset } else { Tujuan::Undangan };
    let aksi = tujuan.aksi();
    if !user.active {
        let e = Error::Rule(format!("Pengguna {} tidak aktif; aktifkan lewat impor pengguna.", user.username));
        return Err(refuse(pool, caller, aksi, None, e).await);
    }
    let token = crate::sistem::secret::random_hex();
    let expires_at = now + Duration::hours(LINK_HOURS);
    let mut attempt = Attempt::begin(pool, caller, aksi).await?;
    sqlx::query("UPDATE password_link SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
        .bind(user.id)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    if tujuan == Tujuan::Reset {
        sqlx::query("UPDATE app_user SET password_hash = NULL, updated_at = $2 WHERE id = $1")
            .bind(user.id)
            .bind(now)
            .execute(attempt.tx())
            .await?;
    }
    sqlx::query(
        "INSERT INTO password_link (user_id, token_hash, purpose, created_at, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user.id)
    .bind(crate::sistem::secret::sha256(&token))
    .bind(tujuan.code())
    .bind(now)
    .bind(caller.actor().map(|a| a.user_id))
    .bind(expires_at)
    .execute(attempt.tx())
    .await?;
    let (jalan, how) = match (&user.email, kirim.surel) {
        (Some(to), true) => {
            let nama = &user.nama;
            let until = domain::format::wib_ms(expires_at.timestamp_millis());
            let url = link_url(kirim.base, &token);
            let isi = domain::surel::tautan_sandi(nama, &user.username, &url, &until);
            let redacted = domain::surel::tautan_sandi(nama, &user.username, "(tautan disamarkan)", &until).badan;
            let surat =
                crate::kirim::email::Surat { to: to.clone(), isi, redacted: Some(redacted), ics: None, expires_at };
            crate::kirim::email::enqueue(attempt.tx(), &surat, now).await?;
            let ke = domain::surel::alamat_tersamar(to);
            let how = format!("dikirim ke email terdaftar {ke}");
            (Jalan::Surel { ke }, how)
        }
        (Some(_), false) => {
            (Jalan::Tampil { token }, "ditampilkan kepada penerbit: server tidak mengirim email".to_string())
        }
        (None, _) => (Jalan::Tampil { token }, "ditampilkan kepada penerbit: tidak ada email terdaftar".to_string()),
    };
    let username = user.username;
    attempt.done(format!("tautan kata sandi untuk {username} berlaku {LINK_HOURS} jam; {how}"), None).await?;
    Ok(Tautan { username, tujuan, expires_at, jalan })
}

/// A link as stored, with the user it is for.
#[derive(sqlx::FromRow)]
struct Link {
    id: i64,
    user_id: UserId,
    username: String,
    nama: String,
    unit: Option<String>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
}

const LINK: &str = "SELECT l.id, u.id AS user_id, u.username, u.nama, coalesce(u.satker_kode, u.kppn_kode) AS unit,
                           l.expires_at, l.used_at
                    FROM password_link l JOIN app_user u ON u.id = l.user_id WHERE l.token_hash = $1";

/// Whether a link works at `now`; the error says why not, in words a person can act on.
fn usable(link: Option<Link>, now: DateTime<Utc>) -> Result<Link> {
    match link {
        None => Err(Error::NotFound(
            "Tautan tidak dikenal. Periksa kembali tautan dari email atau minta tautan baru.".into(),
        )),
        Some(l) if l.used_at.is_some() => {
            Err(Error::Rule("Tautan ini sudah dipakai atau diganti tautan yang lebih baru. Minta tautan baru.".into()))
        }
        Some(l) if l.expires_at <= now => {
            Err(Error::Rule(format!("Tautan ini sudah kedaluwarsa (berlaku {LINK_HOURS} jam). Minta tautan baru.")))
        }
        Some(l) => Ok(l),
    }
}

/// The user a link is for, when it still works (for the set-password page's greeting).
pub async fn pemilik_tautan(pool: &PgPool, token: &str, now: DateTime<Utc>) -> Result<String> {
    let link: Option<Link> =
        sqlx::query_as(LINK).bind(crate::sistem::secret::sha256(token)).fetch_optional(pool).await?;
    usable(link, now).map(|l| l.username)
}

/// Sets a password through a link: the link is used up, the account unlocked.
#[tracing::instrument(skip_all)]
pub async fn atur_sandi(
    pool: &PgPool,
    addr: Option<String>,
    token: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let caller = Caller::anonymous(addr, now);
    let mut attempt = Attempt::begin(pool, &caller, Aksi::AturSandi).await?;
    let link: Option<Link> = sqlx::query_as(&format!("{LINK} FOR UPDATE OF l, u"))
        .bind(crate::sistem::secret::sha256(token))
        .fetch_optional(attempt.tx())
        .await?;
    let link = match usable(link, now) {
        Ok(link) => link,
        Err(e) => return Err(attempt.refuse(e).await),
    };
    attempt.as_user(&link.username);
    let words: Vec<&str> =
        link.nama.split_whitespace().chain([link.username.as_str(), link.unit.as_deref().unwrap_or("")]).collect();
    if let Err(m) = check_password(password, &words) {
        let mut fields = domain::validate::FieldErrors::default();
        fields.add("password", m);
        return Err(attempt.refuse(Error::Invalid(fields)).await);
    }
    let hash = crate::akses::sandi::hash_password(password).await?;
    sqlx::query(
        "UPDATE app_user SET password_hash = $2, failed_logins = 0, last_failed_at = NULL, updated_at = $3 WHERE id = $1",
    )
    .bind(link.user_id)
    .bind(&hash)
    .bind(now)
    .execute(attempt.tx())
    .await?;
    // a new password: whoever held the old one is logged out, and the user hears of it on
    // every channel on record (a link used by someone else is noticed)
    crate::akses::sesi::akhiri_milik(attempt.tx(), link.user_id, None).await?;
    crate::kirim::sms::enqueue_to_user(attempt.tx(), link.user_id, &domain::sms::sandi_diatur(), now).await?;
    sqlx::query("UPDATE password_link SET used_at = $2 WHERE id = $1")
        .bind(link.id)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    attempt.done("kata sandi diatur lewat tautan", None).await?;
    Ok(link.username)
}

/// Changes the caller's own password ("Ganti kata sandi"): the current one first.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn ganti_sandi(pool: &PgPool, caller: &Caller, lama: &str, baru: &str, now: DateTime<Utc>) -> Result<()> {
    let actor = crate::akses::auth::sendiri(pool, caller, Aksi::GantiSandi).await?;
    let mut fields = domain::validate::FieldErrors::default();
    // counted like a login: a stolen session cannot guess its way to the password
    if !crate::akses::masuk::periksa_sandi(pool, caller, actor, Aksi::GantiSandi, lama, now).await? {
        fields.add("lama", "Kata sandi sekarang salah.");
        return Err(Error::Invalid(fields));
    }
    let words: Vec<&str> = actor.nama.split_whitespace().chain([actor.username.as_str(), actor.unit.kode()]).collect();
    let checked = check_password(baru, &words).and_then(|()| {
        if baru == lama { Err("Kata sandi baru sama dengan yang sekarang.".to_string()) } else { Ok(()) }
    });
    if let Err(m) = checked {
        fields.add("baru", m);
        return Err(Error::Invalid(fields));
    }
    let hash = crate::akses::sandi::hash_password(baru).await?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::GantiSandi).await?;
    sqlx::query("UPDATE app_user SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(actor.user_id)
        .bind(&hash)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    // the other sessions may be someone who learnt the old password
    let ended = crate::akses::sesi::akhiri_milik(attempt.tx(), actor.user_id, caller.sesi()).await?;
    attempt.done(if ended > 0 { format!("{ended} sesi lain diakhiri") } else { String::new() }, None).await
}

/// Deactivates `username` at `now`: it is logged out at its next request and cannot log in;
/// its unused links stop working.
pub async fn nonaktifkan(pool: &PgPool, caller: &Caller, username: &str, now: DateTime<Utc>) -> Result<()> {
    let user = managed(pool, caller, Aksi::NonaktifkanPengguna, username).await?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::NonaktifkanPengguna).await?;
    sqlx::query("UPDATE app_user SET active = false, updated_at = $2 WHERE id = $1")
        .bind(user.id)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    sqlx::query("UPDATE password_link SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
        .bind(user.id)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    crate::akses::sesi::akhiri_milik(attempt.tx(), user.id, None).await?;
    attempt.done(user.username, None).await
}

/// Lifts a lock after wrong passwords or codes at `now`: the account's count and its
/// devices' start again from zero.
pub async fn buka_kunci(pool: &PgPool, caller: &Caller, username: &str, now: DateTime<Utc>) -> Result<()> {
    let user = managed(pool, caller, Aksi::BukaKunciPengguna, username).await?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::BukaKunciPengguna).await?;
    sqlx::query("UPDATE app_user SET failed_logins = 0, last_failed_at = NULL, updated_at = $2 WHERE id = $1")
        .bind(user.id)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    sqlx::query("UPDATE perangkat SET failed_logins = 0, last_failed_at = NULL WHERE user_id = $1")
        .bind(user.id)
        .execute(attempt.tx())
        .await?;
    attempt.done(user.username, None).await
}

/// Ends every session of a user the caller manages.
#[tracing::instrument(skip_all, fields(username))]
pub async fn akhiri_sesi(pool: &PgPool, caller: &Caller, username: &str) -> Result<u64> {
    let user = managed(pool, caller, Aksi::AkhiriSesi, username).await?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::AkhiriSesi).await?;
    let n = crate::akses::sesi::akhiri_milik(attempt.tx(), user.id, caller.sesi()).await?;
    attempt.done(format!("{n} sesi {}", user.username), None).await?;
    Ok(n)
}

/// Removes every factor and recovery code of a user the caller manages (the CLI: anyone),
/// ends its sessions and tells it (at `now`): at its next login it enrols again.
#[tracing::instrument(skip_all, fields(username))]
pub async fn reset_faktor(pool: &PgPool, caller: &Caller, username: &str, now: DateTime<Utc>) -> Result<()> {
    let user = managed(pool, caller, Aksi::ResetFaktor, username).await?;
    crate::akses::auth::step_up(caller)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::ResetFaktor).await?;
    let removed = sqlx::query("DELETE FROM faktor WHERE user_id = $1").bind(user.id).execute(attempt.tx()).await?;
    sqlx::query("DELETE FROM kode_pemulihan WHERE user_id = $1").bind(user.id).execute(attempt.tx()).await?;
    crate::akses::sesi::akhiri_milik(attempt.tx(), user.id, None).await?;
    crate::kirim::sms::enqueue_to_user(attempt.tx(), user.id, &domain::sms::faktor_direset(), now).await?;
    attempt.done(format!("{}: {} faktor dihapus", user.username, removed.rows_affected()), None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_and_not_guessable_with_no_composition_rules() {
        let known = ["budi", "santoso", "apr_budi527010", "527010"];
        assert!(check_password("pendek", &known).unwrap_err().contains("minimal 12"));
        assert!(check_password(&"x".repeat(129), &known).unwrap_err().contains("paling banyak"));
        for weak in ["password1234", "sakti2026sakti", "budisantoso527010", "apr_budi527010!", "aaaaaaaaaaaaaaaa"] {
            let refused = check_password(weak, &known).err().unwrap_or_default();
            assert!(refused.contains("mudah ditebak") || refused.contains("dibangun dari"), "{weak}: {refused:?}");
            // all Indonesian: none of zxcvbn's English sentences inside
            for english in [" is ", " are ", "guess", "password"] {
                assert!(!refused.contains(english), "{weak}: {refused:?}");
            }
        }
        assert!(check_password("aaaaaaaaaaaaaaaa", &known).unwrap_err().contains("pengulangan seperti"));
        // any characters, no upper/digit/symbol demanded
        for strong in
            ["kuda merah makan rambutan di pasar", "jendela biru lompat kopi tebal", "ɡelas-kaca_berdebu~senja"]
        {
            assert_eq!(check_password(strong, &known), Ok(()), "{strong}");
        }
    }

    #[test]
    fn a_link_is_unknown_used_expired_or_good() {
        let now = Utc::now();
        let link = |hours: i64, used: bool| {
            Some(Link {
                id: 1,
                user_id: UserId(1),
                username: "adm_x".into(),
                nama: "X".into(),
                unit: None,
                expires_at: now + Duration::hours(hours),
                used_at: used.then_some(now),
            })
        };
        assert!(matches!(usable(None, now), Err(Error::NotFound(_))));
        assert!(usable(link(1, true), now).err().unwrap().to_string().contains("sudah dipakai"));
        assert!(usable(link(-1, false), now).err().unwrap().to_string().contains("kedaluwarsa"));
        assert_eq!(usable(link(1, false), now).ok().unwrap().username, "adm_x");
    }
}
