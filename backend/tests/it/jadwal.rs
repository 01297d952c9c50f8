//! Appointments: the CSO's slots, the Admin Lokal's bookings (who may be booked, moving and
//! cancelling up to an hour before, a no-show freeing the pejabat), today's arrivals, the
//! capacity under concurrent bookings, and the reminders with a set clock.

use crate::common::{accept_bundles, kpa_input, login};
use backend::{Error, aktivasi::pejabat, jadwal};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::PejabatId;
use domain::jadwal::{JadwalInput, Kehadiran, Mode};
use sqlx::PgPool;

fn refusal<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Forbidden(m) | Error::Rule(m) | Error::NotFound(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn wib_date(days: i64) -> NaiveDate {
    (Utc::now() + Duration::days(days)).with_timezone(&chrono_tz::Asia::Jakarta).date_naive()
}

fn at(date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Jakarta.from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap()).unwrap().with_timezone(&Utc)
}

/// An open slot of KPPN 019 `days` ahead at `jam` WIB.
fn slot(days: i64, jam: &str, kapasitas: i32) -> JadwalInput {
    JadwalInput {
        tanggal: wib_date(days).format("%Y-%m-%d").to_string(),
        jam: jam.into(),
        mode: Mode::Kppn.code().into(),
        kapasitas: kapasitas.to_string(),
        durasi: "45".into(),
        ..Default::default()
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_admin_books_moves_cancels_and_books_again_after_a_no_show(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let cso = login(&pool, "cso_jakarta6").await;
    let now = Utc::now();
    let kpa = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let s1 = jadwal::terbitkan(&pool, &cso, &slot(2, "09:00", 1), now).await.unwrap();
    let s2 = jadwal::terbitkan(&pool, &cso, &slot(2, "11:00", 3), now).await.unwrap();
    assert_eq!((s1.kapasitas, s1.terisi, s1.durasi_menit), (1, 0, 45));
    // not before its bundle is accepted
    assert!(refusal(jadwal::pesan(&pool, &admin, s1.id, &[kpa], now).await).contains("belum diterima"));
    accept_bundles(&pool, &[kpa]).await;
    let page = jadwal::satker(&pool, &admin, now).await.unwrap();
    assert_eq!(page.slot.iter().map(|s| s.id).collect::<Vec<_>>(), [s1.id, s2.id]);
    let me = page.calon.iter().find(|c| c.id == kpa).unwrap();
    assert_eq!(me.halangan(&page.calon), None);
    // only the Admin Lokal books, only its own pejabat, only its KPPN's slots
    let kpa_user = login(&pool, "apr_kpa561403").await;
    assert!(matches!(jadwal::pesan(&pool, &kpa_user, s1.id, &[kpa], now).await, Err(Error::Forbidden(_))));
    let other_admin = login(&pool, "adm_527010").await;
    assert!(matches!(jadwal::pesan(&pool, &other_admin, s1.id, &[kpa], now).await, Err(Error::NotFound(_))));
    assert!(matches!(jadwal::pesan(&pool, &admin, s1.id, &[PejabatId(999_999)], now).await, Err(Error::NotFound(_))));

    let j = jadwal::pesan(&pool, &admin, s1.id, &[kpa], now).await.unwrap();
    assert_eq!(j.pejabat, ["KPA KPA PSIE I"]);
    assert_eq!((j.slot_id, j.durasi_menit), (s1.id, 45));
    // once booked the pejabat cannot be booked twice, and the full slot takes nobody else
    assert!(refusal(jadwal::pesan(&pool, &admin, s2.id, &[kpa], now).await).contains("sudah terjadwal"));
    let page = jadwal::satker(&pool, &admin, now).await.unwrap();
    assert_eq!(page.slot.iter().map(|s| s.id).collect::<Vec<_>>(), [s2.id], "a full slot is not offered");
    assert_eq!(page.sesi.len(), 1);

    // moved to the second slot: the first has its place back
    let moved = jadwal::pindah(&pool, &admin, j.id, s2.id, now).await.unwrap();
    assert_eq!(moved.slot_id, s2.id);
    assert_eq!(jadwal::satker(&pool, &admin, now).await.unwrap().slot[0].terisi, 0);
    // within the last hour it stays
    let mulai2 = DateTime::from_timestamp_millis(moved.mulai_ms).unwrap();
    let late = mulai2 - Duration::minutes(59);
    assert!(refusal(jadwal::batal(&pool, &admin, j.id, late).await).contains("satu jam"));
    assert!(refusal(jadwal::pindah(&pool, &admin, j.id, s1.id, late).await).contains("satu jam"));
    jadwal::batal(&pool, &admin, j.id, mulai2 - Duration::minutes(60)).await.unwrap();
    assert!(jadwal::satker(&pool, &admin, now).await.unwrap().sesi.is_empty());
    assert!(matches!(jadwal::batal(&pool, &admin, j.id, now).await, Err(Error::NotFound(_))));

    // booked again; on the day the CSO sees the satker arrive, then records a no-show
    let again = jadwal::pesan(&pool, &admin, s1.id, &[kpa], now).await.unwrap();
    let mulai1 = DateTime::from_timestamp_millis(again.mulai_ms).unwrap();
    assert!(refusal(jadwal::tiba(&pool, &cso, again.id, mulai1 - Duration::days(1)).await).contains("hari sesi"));
    let other_cso = login(&pool, "cso_jakarta2").await;
    assert!(matches!(jadwal::tiba(&pool, &other_cso, again.id, mulai1).await, Err(Error::NotFound(_))));
    let queue = jadwal::tiba(&pool, &cso, again.id, mulai1 - Duration::minutes(10)).await.unwrap();
    assert!(queue.tiba_ms.is_some());
    assert!(refusal(jadwal::tiba(&pool, &cso, again.id, mulai1).await).contains("sudah dicatat"));
    let today = jadwal::kppn(&pool, &cso, mulai1).await.unwrap();
    assert_eq!(today.iter().map(|j| j.id).collect::<Vec<_>>(), [again.id]);
    let after = mulai1 + Duration::minutes(50);
    jadwal::catat(&pool, &cso, again.id, Kehadiran::TidakHadir, "Tidak hadir tanpa kabar", after).await.unwrap();
    // the no-show frees the KPA: the satker books again
    let page = jadwal::satker(&pool, &admin, after).await.unwrap();
    assert!(!page.calon.iter().find(|c| c.id == kpa).unwrap().terjadwal);
    let s3 = jadwal::terbitkan(&pool, &cso, &slot(4, "09:00", 2), now).await.unwrap();
    jadwal::pesan(&pool, &admin, s3.id, &[kpa], after).await.unwrap();

    let actions: Vec<String> = crate::common::audit_actions(&pool).await.into_iter().map(|(a, _)| a).collect();
    for a in ["PESAN_JADWAL", "PINDAH_JADWAL", "BATAL_JADWAL", "TIBA_JADWAL", "BUAT_JADWAL"] {
        assert!(actions.iter().any(|x| x == a), "{a} not in the trail");
    }
}

/// A session the CSO sets for one satker by hand is a slot of capacity one, booked.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_hand_set_session_is_a_booked_slot_of_one(pool: PgPool) {
    let cso = login(&pool, "cso_jakarta6").await;
    let admin = login(&pool, "adm_561403").await;
    let mut input = slot(3, "10:00", 1);
    input.satker_kode = "561403".into();
    let j = jadwal::buat(&pool, &cso, &input, Utc::now()).await.unwrap();
    let (kapasitas, durasi): (i32, i32) = sqlx::query_as("SELECT kapasitas, durasi_menit FROM slot WHERE id = $1")
        .bind(j.slot_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((kapasitas, durasi), (1, 45));
    assert!(j.pejabat.is_empty());
    let page = jadwal::satker(&pool, &admin, Utc::now()).await.unwrap();
    assert_eq!(page.sesi[0].id, j.id);
    // its slot is full: offered to no satker, so no other satker sees its time or note
    assert!(page.slot.iter().all(|s| s.id != j.slot_id));
    // capacity above one is for open slots only
    input.kapasitas = "2".into();
    assert!(matches!(jadwal::buat(&pool, &cso, &input, Utc::now()).await, Err(Error::Invalid(_))));
}

/// Twenty satkers whose KPA's bundle is accepted, with their Admin Lokal logged in.
async fn twenty_satkers(pool: &PgPool) -> Vec<(backend::Caller, PejabatId)> {
    login(pool, "adm_561403").await;
    for sql in [
        "INSERT INTO satker (kode, nama, kppn_kode) SELECT (900000 + s)::text, 'SATKER UJI ' || s, '019'
         FROM generate_series(1, 20) s",
        "INSERT INTO app_user (username, nip, nama, role, satker_kode, password_hash)
         SELECT u.name || (900000 + s), CASE WHEN u.role = 'KPA' THEN lpad((300000000000000000 + s)::text, 18, '0') END,
                u.role || ' ' || s, u.role, (900000 + s)::text,
                (SELECT password_hash FROM app_user WHERE username = 'adm_561403')
         FROM generate_series(1, 20) s, (VALUES ('adm_', 'ADMIN_LOKAL'), ('apr_kpa', 'KPA')) u(name, role)",
        "INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp, alamat_domisili,
                              alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, status, created_by, created_at)
         SELECT u.satker_kode, u.id, u.nip, u.nama, 'Jakarta', date '1980-01-01', 'k' || u.id || '@kemenkeu.go.id',
                '+6285' || lpad(u.id::text, 9, '0'), 'Jakarta', 'Jakarta', 'SK-' || u.id, date '2026-01-05',
                'KUASA PENGGUNA ANGGARAN', '019', 'BARU', u.id, now()
         FROM app_user u WHERE u.username LIKE 'apr\\_kpa9%'",
        "INSERT INTO pengajuan (satker_kode, kppn_kode, diajukan_at, diajukan_by)
         SELECT satker_kode, kppn_kode, now(), created_by FROM pejabat WHERE satker_kode LIKE '9%'",
        "INSERT INTO berkas (pejabat_id, keperluan, nama_file, ukuran, sha256, isi, diunggah_at, diunggah_by, pengajuan_id,
                             status, cek_formulir, cek_sk_pejabat, cek_sk_user, cek_ktp, cek_spesimen, diputus_at)
         SELECT p.id, 'AKTIVASI', 'b.pdf', 1, sha256('x'), 'x', now(), p.created_by, j.id, 'DITERIMA',
                true, true, true, true, true, now()
         FROM pengajuan j JOIN pejabat p ON p.satker_kode = j.satker_kode WHERE j.satker_kode LIKE '9%'",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
    let mut out = Vec::new();
    for s in 1..=20 {
        let kode = (900_000 + s).to_string();
        let id: PejabatId = sqlx::query_scalar("SELECT id FROM pejabat WHERE satker_kode = $1")
            .bind(&kode)
            .fetch_one(pool)
            .await
            .unwrap();
        out.push((login(pool, &format!("adm_{kode}")).await, id));
    }
    out
}

/// Twenty Admin Lokal of twenty satkers book the last place of a slot at the same moment:
/// exactly one gets it, the others are told it is full, and the slot holds its capacity.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn twenty_parallel_bookings_for_the_last_place_one_wins(pool: PgPool) {
    let satkers = twenty_satkers(&pool).await;
    let cso = login(&pool, "cso_jakarta6").await;
    let now = Utc::now();
    let s = jadwal::terbitkan(&pool, &cso, &slot(2, "13:00", 2), now).await.unwrap();
    // the first place goes to the first satker; nineteen others race the twentieth for the last
    let (first, rest) = satkers.split_first().unwrap();
    jadwal::pesan(&pool, &first.0, s.id, &[first.1], now).await.unwrap();
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(rest.len()));
    let mut tasks = Vec::new();
    for (caller, kpa) in rest.iter().cloned() {
        let (pool, start) = (pool.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            jadwal::pesan(&pool, &caller, s.id, &[kpa], now).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::Rule(m)) => assert!(m.contains("penuh"), "{m}"),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(won, 1);
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM jadwal WHERE slot_id = $1 AND dibatalkan_at IS NULL")
        .bind(s.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(live, 2);
}

async fn sms_to(pool: &PgPool, phone: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM sms_outbox WHERE phone = $1 AND body LIKE '%pengingat%' ORDER BY id")
        .bind(phone)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// The day-before reminder at 08:00 WIB and the hour-before one, each once, by SMS to the
/// named pejabat (with its email) and by email to the Admin Lokal when none is named;
/// nothing for a cancelled booking.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn reminders_leave_the_day_before_at_eight_and_an_hour_before(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let cso = login(&pool, "cso_jakarta6").await;
    sqlx::query("UPDATE app_user SET email = 'admin.561403@kemenkeu.go.id' WHERE username = 'adm_561403'")
        .execute(&pool)
        .await
        .unwrap();
    let now = Utc::now();
    let kpa = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    accept_bundles(&pool, &[kpa]).await;
    let s = jadwal::terbitkan(&pool, &cso, &slot(3, "10:00", 2), now).await.unwrap();
    let j = jadwal::pesan(&pool, &admin, s.id, &[kpa], now).await.unwrap();
    let mut by_hand = slot(3, "14:00", 1);
    by_hand.satker_kode = "561403".into();
    let h = jadwal::buat(&pool, &cso, &by_hand, now).await.unwrap();
    // a cancelled booking of another slot is never reminded
    let s2 = jadwal::terbitkan(&pool, &cso, &slot(3, "08:30", 1), now).await.unwrap();
    sqlx::query(
        "INSERT INTO jadwal (satker_kode, kppn_kode, slot_id, dibuat_at, dibuat_by, dibatalkan_at, dibatalkan_by)
                 SELECT '561403', '019', $1, $2, id, $2, id FROM app_user WHERE username = 'adm_561403'",
    )
    .bind(s2.id)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    let phone = "+6281234567890";
    let day = wib_date(3);
    let eve = day - Duration::days(1);
    assert_eq!(jadwal::ingatkan(&pool, at(eve, 7, 59)).await.unwrap(), 0);
    assert_eq!(jadwal::ingatkan(&pool, at(eve, 8, 0)).await.unwrap(), 2);
    let texts = sms_to(&pool, phone).await;
    assert_eq!(texts.len(), 1);
    assert!(texts[0].contains("Pejabat KPA satker 561403") && texts[0].contains("10:00 WIB"), "{}", texts[0]);
    assert_eq!(jadwal::ingatkan(&pool, at(eve, 8, 5)).await.unwrap(), 0);
    // the hand-set session names nobody: its Admin Lokal hears by email
    let emails: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE to_addr = 'admin.561403@kemenkeu.go.id' AND subject LIKE 'Pengingat%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(emails, 1);
    let mulai = DateTime::from_timestamp_millis(j.mulai_ms).unwrap();
    assert_eq!(jadwal::ingatkan(&pool, mulai - Duration::minutes(61)).await.unwrap(), 0);
    assert_eq!(jadwal::ingatkan(&pool, mulai - Duration::minutes(60)).await.unwrap(), 1);
    assert_eq!(sms_to(&pool, phone).await.len(), 2);
    assert_eq!(jadwal::ingatkan(&pool, mulai - Duration::minutes(30)).await.unwrap(), 0);
    assert_eq!(jadwal::ingatkan(&pool, mulai + Duration::minutes(1)).await.unwrap(), 0);
    let hand = DateTime::from_timestamp_millis(h.mulai_ms).unwrap();
    assert_eq!(jadwal::ingatkan(&pool, hand - Duration::minutes(10)).await.unwrap(), 1);
    assert_eq!(sms_to(&pool, phone).await.len(), 2);
}
