//! Provisioning: the CSV import (good files, bad rows, malformed files, idempotent re-import,
//! users missing from a new file) and the set-password link's lifecycle and rules.

use crate::common::login;
use backend::Caller;
use backend::akses::pengguna::{self, Tujuan};
use backend::error::Error;
use backend::provisi::impor::{self, Daftar, Laporan, Pilihan};
use chrono::Duration;
use sqlx::PgPool;

const KPPN: &str = "kode,nama\n119,KPPN Contoh\n120,KPPN Kedua\n";
const SATKER: &str = "kode,nama,kppn\n900001,Satker Contoh Satu,119\n900002,\"Satker, dengan koma\",120\n";
const USERS: &str = "username,nama,peran,unit,nip,no_hp,email
adm_rina900001,Rina Marlina,ADMIN_LOKAL,900001,198501012010122001,081234500001,rina@kemenkeu.go.id
apr_budi900001,Budi Santoso,KPA,900001,,,budi@kemenkeu.go.id
val_sari900001,Sari Dewi,PPK,900001,,,
adm_tono900002,Tono,ADMIN_LOKAL,900002,,,
cso_andi119,Andi Pratama,CSO,119,,,andi@kemenkeu.go.id
";

fn cli() -> Caller {
    Caller::command_line()
}

async fn run(pool: &PgPool, daftar: Daftar, csv: &str, pilihan: Pilihan) -> Laporan {
    impor::impor(pool, &cli(), daftar, csv.as_bytes(), pilihan, backend::now()).await.unwrap()
}

async fn apply(pool: &PgPool, daftar: Daftar, csv: &str) -> Laporan {
    run(pool, daftar, csv, Pilihan::default()).await
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.unwrap()
}

async fn provisioned(pool: &PgPool) {
    for (daftar, csv) in [(Daftar::Kppn, KPPN), (Daftar::Satker, SATKER), (Daftar::Pengguna, USERS)] {
        let laporan = apply(pool, daftar, csv).await;
        assert!(laporan.diterapkan && laporan.jumlah_salah == 0, "{laporan}");
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_good_file_is_stored_and_importing_it_again_changes_nothing(pool: PgPool) {
    // a dry run counts what would happen and stores nothing
    let dry = run(&pool, Daftar::Kppn, KPPN, Pilihan { dry_run: true, ..Pilihan::default() }).await;
    assert_eq!((dry.baris, dry.dibuat, dry.diterapkan), (2, 2, false));
    assert_eq!(count(&pool, "kppn").await, 0);

    let kppn = apply(&pool, Daftar::Kppn, KPPN).await;
    assert_eq!((kppn.dibuat, kppn.diubah, kppn.tetap, kppn.diterapkan), (2, 0, 0, true));
    let satker = apply(&pool, Daftar::Satker, SATKER).await;
    assert_eq!(satker.dibuat, 2);
    let nama: String =
        sqlx::query_scalar("SELECT nama FROM satker WHERE kode = '900002'").fetch_one(&pool).await.unwrap();
    assert_eq!(nama, "Satker, dengan koma", "quoted field");
    let users = apply(&pool, Daftar::Pengguna, USERS).await;
    assert_eq!((users.dibuat, users.diubah, users.tetap), (5, 0, 0), "{users}");
    let (hash, hp): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT password_hash, no_hp FROM app_user WHERE username = 'adm_rina900001'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((hash, hp.as_deref()), (None, Some("+6281234500001")), "no password until the link is used");

    // again: nothing changes
    for (daftar, csv) in [(Daftar::Kppn, KPPN), (Daftar::Satker, SATKER), (Daftar::Pengguna, USERS)] {
        let again = apply(&pool, daftar, csv).await;
        assert_eq!((again.dibuat, again.diubah, again.tetap), (0, 0, again.baris), "{daftar:?}: {again}");
    }
    // one name changed, one user of a listed satker left out: one updated, the missing one
    // reported, still active
    let changed =
        USERS.replace("Budi Santoso", "Budi Santoso Wibowo").replace("val_sari900001,Sari Dewi,PPK,900001,,,\n", "");
    let laporan = apply(&pool, Daftar::Pengguna, &changed).await;
    assert_eq!(
        (laporan.diubah, laporan.tetap, laporan.jumlah_hilang, laporan.dinonaktifkan),
        (1, 3, 1, 0),
        "{laporan}"
    );
    assert_eq!(laporan.hilang, ["val_sari900001"]);
    assert!(laporan.to_string().contains("--deactivate-missing"), "{laporan}");
    let active: bool = sqlx::query_scalar("SELECT active FROM app_user WHERE username = 'val_sari900001'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(active, "not deleted or deactivated silently");
    // on request it is deactivated; the audit trail has each applied import
    let laporan =
        run(&pool, Daftar::Pengguna, &changed, Pilihan { deactivate_missing: true, ..Pilihan::default() }).await;
    assert_eq!((laporan.jumlah_hilang, laporan.dinonaktifkan), (1, 1));
    let active: bool = sqlx::query_scalar("SELECT active FROM app_user WHERE username = 'val_sari900001'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!active);
    let imports: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action LIKE 'IMPOR_%' AND outcome = 'BERHASIL' AND client_addr = 'cli'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(imports, 8, "the dry run is not recorded as an import");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn every_bad_row_is_reported_by_line_and_nothing_is_stored(pool: PgPool) {
    provisioned(&pool).await;
    let before = count(&pool, "app_user").await;
    let csv = "username,nama,peran,unit,nip,no_hp,email
adm_baru900001,Baru,ADMIN_LOKAL,900001,,,
adm_x,X,ADMIN_LOKAL,999999,,,
val_kpa900001,Salah Awalan,KPA,900001,,,
adm_baru900001,Dobel,ADMIN_LOKAL,900001,,,
adm_hp900001,HP,ADMIN_LOKAL,900001,,12345,
adm_mail900001,Mail,ADMIN_LOKAL,900001,,,bukan-email
adm_kolom900001,Kurang,ADMIN_LOKAL
cso_x,CSO,CSO,999,,,
";
    let laporan = apply(&pool, Daftar::Pengguna, csv).await;
    assert!(!laporan.diterapkan);
    let lines: Vec<u64> = laporan.salah.iter().map(|e| e.baris).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9], "{laporan}");
    let reasons: Vec<&str> = laporan.salah.iter().map(|e| e.alasan.as_str()).collect();
    for (i, why) in
        ["belum terdaftar", "apr_", "sudah ada di baris 2", "seluler", "email", "kolom", "KPPN 999"].iter().enumerate()
    {
        assert!(reasons[i].contains(why), "line {}: {} lacks {why}", lines[i], reasons[i]);
    }
    assert_eq!(count(&pool, "app_user").await, before, "nothing stored, not even the good row");
    let refused: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'IMPOR_PENGGUNA' AND outcome = 'DITOLAK'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(refused, 1);
    // a satker whose KPPN is unknown
    let laporan = apply(&pool, Daftar::Satker, "kode,nama,kppn\n900003,Tiga,777\n").await;
    assert!(laporan.salah[0].alasan.contains("KPPN 777 belum terdaftar"), "{laporan}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_malformed_file_is_reported_and_never_half_applied(pool: PgPool) {
    // BOM, CRLF, quotes: read as any spreadsheet writes them
    let windows = "\u{feff}kode,nama\r\n\"119\",\"KPPN \"\"Contoh\"\"\"\r\n";
    let laporan = apply(&pool, Daftar::Kppn, windows).await;
    assert_eq!((laporan.dibuat, laporan.jumlah_salah), (1, 0), "{laporan}");
    let junk: Vec<u8> = (0..10 * 1024 * 1024).map(|i| b"abc,;\"\n\xff"[i % 8]).collect();
    let binary = b"%PDF-1.7\n\x00\x01\x02".to_vec();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("semicolons", b"kode;nama\n120;Dua\n".to_vec(), "koma"),
        ("tabs", b"kode\tnama\n120\tDua\n".to_vec(), "koma"),
        ("wrong header", b"code,name\n120,Dua\n".to_vec(), "judul kolom"),
        ("10 MB of junk", junk, "UTF-8"),
        ("a binary file", binary, "biner"),
        ("latin-1", b"kode,nama\n120,Kant\xf3r\n".to_vec(), "UTF-8"),
        ("empty", Vec::new(), "judul kolom"),
        ("an unclosed quote", b"kode,nama\n120,\"Dua\n121,x\n".to_vec(), "tanda kutip"),
    ];
    for (what, bytes, why) in cases {
        let laporan =
            impor::impor(&pool, &cli(), Daftar::Kppn, &bytes, Pilihan::default(), backend::now()).await.unwrap();
        assert!(laporan.jumlah_salah > 0 && !laporan.diterapkan, "{what}: {laporan}");
        assert!(laporan.to_string().contains(why), "{what}: {laporan}");
        assert_eq!(count(&pool, "kppn").await, 1, "{what}: nothing more stored");
    }
}

/// The token of a link shown to its issuer (the server sends no email here).
fn token(link: &pengguna::Tautan) -> String {
    match &link.jalan {
        pengguna::Jalan::Tampil { token } => token.clone(),
        other => panic!("the link was not shown: {other:?}"),
    }
}

const SHOWN: pengguna::Kirim<'static> = pengguna::Kirim { base: "https://sakti.example/", surel: false };

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_set_password_link_works_once_within_72_hours(pool: PgPool) {
    provisioned(&pool).await;
    let now = backend::now();
    let link = pengguna::tautan(&pool, &cli(), "adm_rina900001", SHOWN, now).await.unwrap();
    assert_eq!(link.tujuan, Tujuan::Undangan);
    assert!(link.url("https://sakti.example/").unwrap().starts_with("https://sakti.example/sandi?token="));
    let link = token(&link);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM password_link").fetch_one(&pool).await.unwrap();
    assert_ne!(stored, link.as_bytes(), "only the hash is stored");
    assert!(backend::akses::masuk::login(&pool, None, "adm_rina900001", "").await.is_err(), "no password yet");

    // forged, weak, then good
    let forged = pengguna::atur_sandi(&pool, None, &"0".repeat(64), "lampu meja hijau di pojok", now).await;
    assert!(matches!(forged, Err(Error::NotFound(_))));
    let weak = pengguna::atur_sandi(&pool, None, &link, "rinamarlina2026", now).await;
    assert!(matches!(weak, Err(Error::Invalid(_))), "{weak:?}");
    let strong = "lampu meja hijau di pojok";
    assert_eq!(pengguna::atur_sandi(&pool, None, &link, strong, now).await.unwrap(), "adm_rina900001");
    backend::akses::masuk::login(&pool, None, "adm_rina900001", strong).await.unwrap();
    // used once
    let again = pengguna::atur_sandi(&pool, None, &link, "sepeda tua bunyi lonceng", now).await;
    assert!(again.unwrap_err().to_string().contains("sudah dipakai"));

    // expired after 72 hours; a newer link replaces an older one
    let old = token(&pengguna::tautan(&pool, &cli(), "apr_budi900001", SHOWN, now).await.unwrap());
    let late = pengguna::atur_sandi(&pool, None, &old, strong, now + Duration::hours(72)).await;
    assert!(late.unwrap_err().to_string().contains("kedaluwarsa"));
    let newer = token(&pengguna::tautan(&pool, &cli(), "apr_budi900001", SHOWN, now).await.unwrap());
    let _ = pengguna::tautan(&pool, &cli(), "apr_budi900001", SHOWN, now).await.unwrap();
    assert!(pengguna::atur_sandi(&pool, None, &newer, strong, now).await.is_err(), "replaced");

    // a user with a password gets a reset, which ends the current password at once
    let reset = pengguna::tautan(&pool, &cli(), "adm_rina900001", SHOWN, now).await.unwrap();
    // a refusal of someone not logged in (the forged link) is counted for its minute first
    backend::audit::tutup_hitungan(&pool, backend::now() + Duration::minutes(1)).await.unwrap();
    assert_eq!(reset.tujuan, Tujuan::Reset);
    assert!(backend::akses::masuk::login(&pool, None, "adm_rina900001", strong).await.is_err());
    let trail: Vec<String> =
        sqlx::query_scalar("SELECT action || ' ' || outcome FROM audit_log WHERE action IN ('UNDANG_PENGGUNA', 'ATUR_SANDI', 'RESET_SANDI') ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        trail.contains(&"ATUR_SANDI DITOLAK".to_string()) && trail.contains(&"RESET_SANDI BERHASIL".to_string()),
        "{trail:?}"
    );
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'RESET_SANDI'").fetch_one(&pool).await.unwrap();
    assert!(detail.contains("ditampilkan kepada penerbit"), "the trail says the link was shown: {detail}");
}

/// An invitation asked for a user who already has a password is a reset, and neither is issued
/// without a recent authentication: a stale session of whoever manages the user cannot take
/// the account over.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_link_for_a_user_with_a_password_is_a_reset_and_needs_a_step_up(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let now = backend::now();
    // the admin's session as loaded ten minutes after its last full authentication
    let admin_id = admin.actor().unwrap().user_id;
    let sesi =
        backend::akses::sesi::mulai(&pool, admin_id, None, None, now - chrono::Duration::minutes(10)).await.unwrap();
    let limits = domain::sesi::Limits::default();
    let stale = match backend::akses::sesi::muat(&pool, sesi, admin_id, None, &limits, now, true).await.unwrap() {
        backend::akses::sesi::Keadaan::Live(live) => live.caller,
        backend::akses::sesi::Keadaan::Ended => panic!("the session is live"),
    };
    assert!(stale.step_up().is_none());
    for who in ["val_ppk561403", "adm_baru561403"] {
        if who == "adm_baru561403" {
            sqlx::query(
                "INSERT INTO app_user (username, nama, role, satker_kode) VALUES ($1, 'Baru', 'ADMIN_LOKAL', '561403')",
            )
            .bind(who)
            .execute(&pool)
            .await
            .unwrap();
        }
        let refused = pengguna::tautan(&pool, &stale, who, SHOWN, now).await;
        assert!(matches!(refused, Err(Error::StepUp)), "{who}: {refused:?}");
    }
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM password_link").fetch_one(&pool).await.unwrap();
    assert_eq!(links, 0, "nothing issued without a step-up");
    backend::akses::masuk::login(&pool, None, "val_ppk561403", backend::provisi::demo::PASSWORD).await.unwrap();
    let link = pengguna::tautan(&pool, &admin, "val_ppk561403", SHOWN, now).await.unwrap();
    assert_eq!(link.tujuan, Tujuan::Reset, "the user had a password");
    assert!(
        backend::akses::masuk::login(&pool, None, "val_ppk561403", backend::provisi::demo::PASSWORD).await.is_err()
    );
}

/// Setting a password through a link ends every session of the user and tells it on every
/// channel on record (its verified number and its email).
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_password_set_through_a_link_ends_the_sessions_and_tells_the_user(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let now = backend::now();
    sqlx::query("UPDATE app_user SET email = 'ppk.psie@kemenkeu.go.id' WHERE username = 'val_ppk561403'")
        .execute(&pool)
        .await
        .unwrap();
    let user: domain::UserId =
        sqlx::query_scalar("SELECT id FROM app_user WHERE username = 'val_ppk561403'").fetch_one(&pool).await.unwrap();
    backend::akses::sesi::mulai(&pool, user, None, None, now).await.unwrap();
    let link = token(&pengguna::tautan(&pool, &admin, "val_ppk561403", SHOWN, now).await.unwrap());
    pengguna::atur_sandi(&pool, None, &link, "lampu meja hijau di pojok", now).await.unwrap();
    let sessions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sesi WHERE user_id = $1").bind(user).fetch_one(&pool).await.unwrap();
    assert_eq!(sessions, 0);
    let told: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM email_outbox WHERE to_addr = 'ppk.psie@kemenkeu.go.id'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(told.iter().any(|s| s.contains("Keamanan akun")), "{told:?}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn admin_lokal_and_cso_reissue_links_only_within_their_reach(pool: PgPool) {
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let now = backend::now();
    let admin = login(&pool, "adm_561403").await;
    let cso = login(&pool, "cso_jakarta6").await; // KPPN 019: satker 561403
    let ppk = login(&pool, "val_ppk561403").await;
    assert!(pengguna::tautan(&pool, &admin, "val_ppk561403", SHOWN, now).await.is_ok());
    assert!(matches!(pengguna::tautan(&pool, &admin, "val_ppk527010", SHOWN, now).await, Err(Error::NotFound(_))));
    assert!(pengguna::tautan(&pool, &cso, "adm_561403", SHOWN, now).await.is_ok());
    assert!(pengguna::tautan(&pool, &cso, "apr_kpa561403", SHOWN, now).await.is_err(), "the CSO: Admin Lokal only");
    assert!(pengguna::tautan(&pool, &cso, "adm_527010", SHOWN, now).await.is_err(), "another KPPN's satker");
    assert!(matches!(pengguna::tautan(&pool, &ppk, "val_ppk561403", SHOWN, now).await, Err(Error::Forbidden(_))));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_deactivated_user_cannot_log_in_and_an_unlocked_one_can(pool: PgPool) {
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let password = backend::provisi::demo::PASSWORD;
    for _ in 0..5 {
        let _ = backend::akses::masuk::login(&pool, None, "apr_kpa527010", "salah").await;
    }
    assert!(backend::akses::masuk::login(&pool, None, "apr_kpa527010", password).await.is_err(), "locked");
    pengguna::buka_kunci(&pool, &cli(), "apr_kpa527010", backend::now()).await.unwrap();
    backend::akses::masuk::login(&pool, None, "apr_kpa527010", password).await.unwrap();

    let link = token(&pengguna::tautan(&pool, &cli(), "val_ppk527010", SHOWN, backend::now()).await.unwrap());
    pengguna::nonaktifkan(&pool, &cli(), "val_ppk527010", backend::now()).await.unwrap();
    pengguna::nonaktifkan(&pool, &cli(), "apr_kpa527010", backend::now()).await.unwrap();
    assert!(backend::akses::masuk::login(&pool, None, "apr_kpa527010", password).await.is_err(), "deactivated");
    let used = pengguna::atur_sandi(&pool, None, &link, "lampu meja hijau di pojok", backend::now()).await;
    assert!(used.is_err(), "a deactivated user's link stops working");
    // a web caller without a login manages nobody
    let anonymous = Caller::anonymous(Some("10.0.0.1".into()), backend::now());
    assert!(matches!(
        pengguna::buka_kunci(&pool, &anonymous, "adm_527010", backend::now()).await,
        Err(Error::Unauthenticated)
    ));
    let trail: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action IN ('NONAKTIFKAN_PENGGUNA', 'BUKA_KUNCI_PENGGUNA') AND outcome = 'BERHASIL'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(trail, 3, "two deactivations and an unlock");
}

/// A KPPN file may carry the telephone and service mailbox; one without them keeps them.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_kppn_file_may_carry_its_telephone_and_mailbox(pool: PgPool) {
    let with = "kode,nama,telepon,email\n119,KPPN Contoh,021-3840001,layanan@kppn119.go.id\n";
    apply(&pool, Daftar::Kppn, with).await;
    apply(&pool, Daftar::Kppn, "kode,nama\n119,KPPN Contoh Baru\n").await;
    let row: (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT nama, telepon, email FROM kppn WHERE kode = '119'").fetch_one(&pool).await.unwrap();
    assert_eq!(row, ("KPPN Contoh Baru".into(), Some("021-3840001".into()), Some("layanan@kppn119.go.id".into())));
    let bad = apply(&pool, Daftar::Kppn, "kode,nama,telepon,email\n119,KPPN,021,bukan-email\n").await;
    assert_eq!(bad.jumlah_salah, 1, "{bad:?}");
    let header = apply(&pool, Daftar::Kppn, "kode,nama,telepon\n119,KPPN,021\n").await;
    assert!(header.salah[0].alasan.contains("judul kolom"), "{header:?}");
}

/// The import use case authorizes itself, whoever calls it: only the operator (or the command
/// line) may import; anyone else is refused and nothing is stored.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_import_refuses_anyone_but_the_operator_whoever_calls_it(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let csv = b"kode,nama\n119,KPPN Uji\n";
    let pilihan = Pilihan { dry_run: false, ..Pilihan::default() };
    let refused = impor::impor(&pool, &admin, Daftar::Kppn, csv, pilihan, backend::now()).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    let anonymous =
        impor::impor(&pool, &Caller::anonymous(None, backend::now()), Daftar::Kppn, csv, pilihan, backend::now()).await;
    assert!(matches!(anonymous, Err(Error::Unauthenticated)), "{anonymous:?}");
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM kppn WHERE kode = '119'").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 0);
    let operator = login(&pool, "opr_nasional").await;
    impor::impor(&pool, &operator, Daftar::Kppn, csv, pilihan, backend::now()).await.unwrap();
}

/// Captures what the code under test logs, as the server's log would print it.
#[derive(Clone, Default)]
struct Journal(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Journal {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut kept = self.0.lock().map_err(|_| std::io::Error::other("journal poisoned"))?;
        kept.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Journal {
    type Writer = Journal;
    fn make_writer(&'a self) -> Journal {
        self.clone()
    }
}

/// A slow statement is not logged with its text by the server's connections (a national
/// import's `INSERT` is megabytes of personal data); sqlx's own setting, which printed it, is
/// measured beside them so the capture is known to see it.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_slow_statement_is_never_logged_with_its_text(pool: PgPool) {
    use sqlx::{ConnectOptions, Connection};
    let logged = |options: sqlx::postgres::PgConnectOptions| async move {
        let journal = Journal::default();
        let subscriber = tracing_subscriber::fmt().with_writer(journal.clone()).with_ansi(false).finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let mut conn = options.connect().await.unwrap();
        sqlx::query("SELECT pg_sleep(1.1), 'isi-pernyataan-rahasia'").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        String::from_utf8(journal.0.lock().unwrap().clone()).unwrap()
    };
    let options = (*pool.connect_options()).clone();
    let sqlx_default = logged(options.clone()).await;
    assert!(sqlx_default.contains("isi-pernyataan-rahasia"), "the capture sees sqlx's warning: {sqlx_default}");
    let ours = logged(backend::sistem::db::tune(options)).await;
    assert!(!ours.contains("isi-pernyataan-rahasia"), "{ours}");
}
