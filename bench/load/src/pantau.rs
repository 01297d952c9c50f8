//! Issue 17, point 2: how long the progress board takes at national scale (`bench/pantau.sh`
//! loads the data): `backend::pantau::papan` as Pusat for the whole country, one region and one
//! KPPN, 20 times each after a warm-up, printing the median and the slowest; then the plan of
//! the board's main statement (`backend::pantau::pernyataan`) for each, from `EXPLAIN ANALYZE`.

use std::time::Instant;

use backend::pantau::{Setelan, papan};
use domain::pantau::Lingkup;
use sqlx::PgPool;

pub async fn run(pool: &PgPool) {
    let actor =
        backend::akses::masuk::login(pool, Some("127.0.0.1".into()), "pst_djpb", backend::provisi::demo::PASSWORD)
            .await
            .expect("pst_djpb signs in")
            .into_actor();
    let caller = backend::akses::sesi::mulai_dan_muat(pool, &actor, Some("127.0.0.1".into()), backend::now())
        .await
        .expect("a session");
    let setelan = Setelan { macet_hari: 7, tenggat: chrono::NaiveDate::from_ymd_opt(2027, 3, 31) };
    for (label, lingkup) in [
        ("national board (25,000 satkers)", None),
        ("one region (Kanwil 11)", Some(Lingkup::Kanwil("11".into()))),
        ("one KPPN (300)", Some(Lingkup::Kppn("300".into()))),
    ] {
        let mut ms = Vec::new();
        let mut satkers = 0;
        for i in 0..22 {
            let start = Instant::now();
            let board = papan(pool, &caller, lingkup.clone(), setelan, chrono::Utc::now()).await.expect("board");
            if i >= 2 {
                ms.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            satkers = board.hitungan.total();
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "{label}: {satkers} satkers, median {:.1} ms, slowest {:.1} ms (20 runs)",
            ms[ms.len() / 2],
            ms[ms.len() - 1]
        );
    }
    for (label, lingkup) in [
        ("country", Lingkup::Nasional),
        ("region 11", Lingkup::Kanwil("11".into())),
        ("KPPN 300", Lingkup::Kppn("300".into())),
    ] {
        let explain = format!("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {}", backend::pantau::pernyataan(&lingkup));
        let mut query = sqlx::query_scalar::<_, String>(&explain);
        if let Lingkup::Kanwil(k) | Lingkup::Kppn(k) = &lingkup {
            query = query.bind(k);
        }
        let plan = query.fetch_all(pool).await.expect("EXPLAIN");
        println!("== EXPLAIN ANALYZE, {label}");
        for line in plan.iter().filter(|l| l.contains("Scan on") || l.contains("Join") || l.contains("Time:")) {
            println!("{line}");
        }
    }
}
