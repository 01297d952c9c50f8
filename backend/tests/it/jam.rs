//! The clock: every rule that reads the time reads the one it is given. A manual clock is
//! moved instead of waited for, and the same use case gives its "before" answer at `t0` and
//! its "after" answer once the clock has moved: a code's expiry, a booking's last hour and
//! its reminders, a session's limits and step-up, the minute an anonymous refusal is counted
//! in, and the stamps the use cases write.

use crate::common::{accept_bundles, kpa_input, last_code, login};
use backend::akses::sesi::{self, Keadaan, Live};
use backend::aktivasi::otp::{self, OtpKey};
use backend::kirim::sms::{self, Relay, Simulator};
use backend::{Caller, Clock, Error, aktivasi::pejabat, jadwal};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::jadwal::{JadwalInput, Mode};
use domain::otp::{OtpRefusal, Purpose};
use domain::sesi::Limits;
use domain::{PejabatId, SesiId, UserId};
use sqlx::PgPool;

const KPA_HP: &str = "+6281234567890";

/// 2026-11-24 09:00 WIB, long before the real time the tests run at.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap()
}

/// `h:m` WIB on 2026-11-`day`.
fn wib(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Jakarta.with_ymd_and_hms(2026, 11, day, h, m, 0).unwrap().with_timezone(&Utc)
}

/// Moves `clock` on to `to`.
fn move_to(clock: &Clock, to: DateTime<Utc>) {
    clock.advance(to - clock.now());
}

/// A slot of KPPN 019 for one satker on 2026-11-26 at `jam` WIB.
fn slot(jam: &str) -> JadwalInput {
    JadwalInput {
        tanggal: "2026-11-26".into(),
        jam: jam.into(),
        mode: Mode::Kppn.code().into(),
        kapasitas: "1".into(),
        durasi: "45".into(),
        ..Default::default()
    }
}

fn rule<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Rule(m)) => m,
        other => panic!("expected a refusal by a rule, got {other:?}"),
    }
}

fn otp_refusal<T: std::fmt::Debug>(r: Result<T, Error>) -> OtpRefusal {
    match r {
        Err(Error::Otp(r)) => r,
        other => panic!("expected an OTP refusal, got {other:?}"),
    }
}

/// Session `id` of `user` as a request at the clock's time finds it (not the user's own
/// activity unless `active`): `None` once it has ended.
async fn muat(pool: &PgPool, id: SesiId, user: UserId, clock: &Clock, active: bool) -> Option<Box<Live>> {
    match sesi::muat(pool, id, user, None, &Limits::default(), clock.now(), active).await.unwrap() {
        Keadaan::Live(live) => Some(live),
        Keadaan::Ended => None,
    }
}

/// One clock, moved by hand: the code expires 120 s after the clock sent it, the booking is
/// held in the clock's last hour before it and reminded on the clock's day before and hour
/// before, and the session ends on the clock's idle and absolute limits — none of it waits.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_code_a_booking_and_a_session_follow_the_moved_clock(pool: PgPool) {
    let clock = Clock::manual(t0());
    let admin = login(&pool, "adm_561403").await;
    let kpa = login(&pool, "apr_kpa561403").await;
    let cso = login(&pool, "cso_jakarta6").await;
    let kpa_id = pejabat::rekam(&pool, &admin, &kpa_input(), clock.now()).await.unwrap();
    accept_bundles(&pool, &[kpa_id]).await;

    // the code: still good a second before its 120 s are up by the clock, expired at 120 s
    let key = OtpKey::new(b"kunci-uji-jam".to_vec());
    let kppn = crate::common::ceklis_kppn();
    crate::common::sesi_langsung(&pool, &cso, kpa_id, clock.now()).await;
    otp::request(&pool, &key, &kpa, kpa_id, Purpose::Aktivasi, clock.now()).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    clock.advance(Duration::seconds(119));
    assert!(otp::pending(&pool, kpa_id, Purpose::Aktivasi, clock.now()).await.unwrap().is_some());
    let before = otp::submit(&pool, &key, &cso, kpa_id, Purpose::Aktivasi, wrong, Some(&kppn), clock.now()).await;
    assert_eq!(otp_refusal(before), OtpRefusal::Wrong(2), "a live code counts a wrong try");
    clock.advance(Duration::seconds(1));
    assert!(otp::pending(&pool, kpa_id, Purpose::Aktivasi, clock.now()).await.unwrap().is_none());
    let after = otp::submit(&pool, &key, &cso, kpa_id, Purpose::Aktivasi, &code, Some(&kppn), clock.now()).await;
    assert_eq!(otp_refusal(after), OtpRefusal::Expired, "even the right code, once the clock passed its expiry");

    // the booking: moved freely two days ahead; reminded the day before at 08:00 and an hour
    // before; held from the last hour on
    let s1 = jadwal::terbitkan(&pool, &cso, &slot("10:00"), clock.now()).await.unwrap();
    let s2 = jadwal::terbitkan(&pool, &cso, &slot("13:00"), clock.now()).await.unwrap();
    let j = jadwal::pesan(&pool, &admin, s1.id, &[kpa_id], clock.now()).await.unwrap();
    let moved = jadwal::pindah(&pool, &admin, j.id, s2.id, clock.now()).await.unwrap();
    assert_eq!(moved.slot_id, s2.id);
    assert_eq!(jadwal::ingatkan(&pool, clock.now()).await.unwrap(), 0);
    move_to(&clock, wib(25, 7, 59));
    assert_eq!(jadwal::ingatkan(&pool, clock.now()).await.unwrap(), 0);
    clock.advance(Duration::minutes(1));
    assert_eq!(jadwal::ingatkan(&pool, clock.now()).await.unwrap(), 1, "the day before at 08:00 WIB");
    let mulai = DateTime::from_timestamp_millis(moved.mulai_ms).unwrap();
    assert_eq!(mulai, wib(26, 13, 0));
    move_to(&clock, mulai - Duration::minutes(61));
    assert_eq!(jadwal::ingatkan(&pool, clock.now()).await.unwrap(), 0);
    clock.advance(Duration::minutes(1));
    assert_eq!(jadwal::ingatkan(&pool, clock.now()).await.unwrap(), 1, "an hour before");
    clock.advance(Duration::minutes(1));
    assert!(rule(jadwal::pindah(&pool, &admin, j.id, s1.id, clock.now()).await).contains("satu jam"));
    assert!(rule(jadwal::batal(&pool, &admin, j.id, clock.now()).await).contains("satu jam"));
    let page = jadwal::satker(&pool, &admin, clock.now()).await.unwrap();
    // (beside the walk-in session of the code above, which the satker sees too)
    let booked: Vec<_> = page.sesi.iter().filter(|s| !s.langsung).map(|s| s.id).collect();
    assert_eq!(booked, [j.id], "the booking stays");

    // the session of the KPA (30 minutes idle, 8 hours in all): the step-up for five minutes
    // after the sign-in, then the idle limit, by the clock
    let user = kpa.actor().unwrap().user_id;
    let idle = sesi::mulai(&pool, user, None, None, clock.now()).await.unwrap();
    clock.advance(Duration::minutes(5));
    let live = muat(&pool, idle, user, &clock, false).await.expect("live five minutes on");
    assert!(live.caller.step_up().is_some());
    assert_eq!(live.left.idle, Duration::minutes(25));
    clock.advance(Duration::seconds(1));
    assert!(muat(&pool, idle, user, &clock, false).await.unwrap().caller.step_up().is_none());
    clock.advance(Duration::minutes(25) - Duration::seconds(2));
    assert_eq!(muat(&pool, idle, user, &clock, false).await.unwrap().left.idle, Duration::seconds(1));
    clock.advance(Duration::seconds(1));
    assert!(muat(&pool, idle, user, &clock, false).await.is_none(), "idle for 30 minutes by the clock");

    // a session in use all along ends at its absolute limit
    let busy = sesi::mulai(&pool, user, None, None, clock.now()).await.unwrap();
    let start = clock.now();
    while clock.now() < start + Duration::hours(7) + Duration::minutes(40) {
        clock.advance(Duration::minutes(20));
        assert!(muat(&pool, busy, user, &clock, true).await.is_some(), "in use at {}", clock.now());
    }
    move_to(&clock, start + Duration::hours(8) - Duration::seconds(1));
    let last = muat(&pool, busy, user, &clock, false).await.expect("live a second before eight hours");
    assert_eq!(last.left.absolute, Duration::seconds(1));
    assert!(last.left.idle > Duration::minutes(10), "not idle: it is the absolute limit that ends it");
    clock.advance(Duration::seconds(1));
    assert!(muat(&pool, busy, user, &clock, false).await.is_none(), "eight hours after the sign-in");
}

/// A refusal of a caller not logged in is counted in the minute of its clock, and that minute
/// is written to the trail once the clock has left it — whatever the database's own time.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn an_anonymous_refusal_is_counted_in_the_minute_of_the_clock(pool: PgPool) {
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let clock = Clock::manual(t0() + Duration::seconds(30));
    let anonymous = Caller::anonymous(Some("10.1.2.3".into()), clock.now());
    let refused = pejabat::hapus(&pool, &anonymous, PejabatId(1), clock.now()).await;
    assert!(matches!(refused, Err(Error::Unauthenticated)), "{refused:?}");
    let menit: Vec<DateTime<Utc>> =
        sqlx::query_scalar("SELECT menit FROM audit_hitungan WHERE addr = '10.1.2.3'").fetch_all(&pool).await.unwrap();
    assert_eq!(menit, [t0()]);
    assert_eq!(backend::audit::tutup_hitungan(&pool, clock.now()).await.unwrap(), 0, "its minute is not over");
    clock.advance(Duration::seconds(30));
    assert_eq!(backend::audit::tutup_hitungan(&pool, clock.now()).await.unwrap(), 1);
    let line = backend::audit::latest(&pool, 1).await.unwrap().remove(0);
    assert_eq!((line.action.as_str(), line.outcome.as_str()), ("HAPUS_PEJABAT", "DITOLAK"));
    assert!(line.detail.starts_with("1× dalam menit 2026-11-24 09:00 WIB"), "{}", line.detail);
}

/// What a use case writes as its time is the time it was given, not the database's: a
/// reference recorded and removed, a user unlocked and deactivated, a notice queued (and due
/// from then on).
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn use_cases_stamp_the_time_they_are_given(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let at = |hours: i64| t0() + Duration::hours(hours);
    let id = pejabat::rekam(&pool, &admin, &kpa_input(), at(0)).await.unwrap();
    let stamps = || async {
        let (created, updated, deleted): (DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>) =
            sqlx::query_as("SELECT created_at, updated_at, deleted_at FROM pejabat WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
        (created, updated, deleted)
    };
    assert_eq!(stamps().await, (at(0), at(0), None));
    pejabat::hapus(&pool, &admin, id, at(1)).await.unwrap();
    assert_eq!(stamps().await, (at(0), at(1), Some(at(1))));

    let cli = Caller::command_line();
    let updated = |username: &'static str| {
        let pool = pool.clone();
        async move {
            let at: DateTime<Utc> = sqlx::query_scalar("SELECT updated_at FROM app_user WHERE username = $1")
                .bind(username)
                .fetch_one(&pool)
                .await
                .unwrap();
            at
        }
    };
    backend::akses::pengguna::buka_kunci(&pool, &cli, "apr_kpa561403", at(2)).await.unwrap();
    assert_eq!(updated("apr_kpa561403").await, at(2));
    backend::akses::pengguna::nonaktifkan(&pool, &cli, "val_ppk561403", at(3)).await.unwrap();
    assert_eq!(updated("val_ppk561403").await, at(3));

    sms::enqueue(&pool, KPA_HP, "pemberitahuan", "pemberitahuan", at(4)).await.unwrap();
    let sim = Relay::one("simulator", Simulator { pool: pool.clone() });
    assert_eq!(sms::deliver_due(&pool, &sim, at(4) - Duration::seconds(1), 10).await.unwrap(), 0);
    assert_eq!(sms::deliver_due(&pool, &sim, at(4), 10).await.unwrap(), 1);
}
