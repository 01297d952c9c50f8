//! The audit page's search: who sees which lines, the filters, paging and the CSV export.

use crate::common::{accept_bundles, kpa_input, login};
use backend::{Error, aktivasi::pejabat, dokumen::berkas, pantau::jejak};
use domain::audit::AuditQuery;
use sqlx::PgPool;

fn q() -> AuditQuery {
    AuditQuery { page: 1, ..Default::default() }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn each_unit_sees_its_own_trail_filtered_and_paged(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let id = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    accept_bundles(&pool, &[id]).await;
    // a refusal in the other satker, and a failed login with a hostile username
    let other = login(&pool, "adm_527010").await;
    assert!(berkas::ajukan(&pool, &other, backend::now()).await.is_err());
    let _ = backend::akses::masuk::login(&pool, Some("10.0.0.9".into()), "=cmd|' /C calc'!A0", "x").await;

    let mine = jejak::page(&pool, &admin, &q()).await.unwrap();
    let actions: Vec<&str> = mine.rows.iter().map(|r| r.aksi.as_str()).collect();
    // the admin's own steps and the CSO's decision on its pejabat, nothing of 527010
    assert!(actions.contains(&"REKAM_PEJABAT") && actions.contains(&"TERIMA_BERKAS"), "{actions:?}");
    assert!(mine.rows.iter().all(|r| r.unit != "527010"));
    let theirs = jejak::page(&pool, &other, &q()).await.unwrap();
    assert!(theirs.rows.iter().any(|r| r.aksi == "AJUKAN_BERKAS" && r.hasil == "DITOLAK"));
    assert!(theirs.rows.iter().all(|r| r.aksi != "REKAM_PEJABAT"));
    // the CSO of KPPN 019 sees 561403's lines, the CSO of 028 sees 527010's
    let cso = login(&pool, "cso_jakarta6").await;
    let kppn = jejak::page(&pool, &cso, &q()).await.unwrap();
    assert!(kppn.rows.iter().any(|r| r.aksi == "REKAM_PEJABAT"));
    assert!(kppn.rows.iter().all(|r| r.unit != "527010"));
    let cso2 = login(&pool, "cso_jakarta2").await;
    assert!(jejak::page(&pool, &cso2, &q()).await.unwrap().rows.iter().all(|r| r.aksi != "REKAM_PEJABAT"));

    // filters: outcome, action, actor, pejabat, dates
    let only = |f: fn(&mut AuditQuery)| {
        let mut x = q();
        f(&mut x);
        x
    };
    let terima = jejak::page(&pool, &admin, &only(|x| x.aksi = "terima_berkas".into())).await.unwrap();
    assert_eq!(terima.total, 1);
    assert_eq!(terima.rows[0].pejabat, "KPA PSIE I");
    let by_cso = jejak::page(&pool, &admin, &only(|x| x.aktor = "cso_".into())).await.unwrap();
    assert!(by_cso.total >= 1 && by_cso.rows.iter().all(|r| r.aktor.starts_with("cso_")));
    let by_pejabat = jejak::page(&pool, &admin, &only(|x| x.pejabat = "psie".into())).await.unwrap();
    assert!(by_pejabat.rows.iter().all(|r| r.pejabat == "KPA PSIE I"));
    let refused = jejak::page(&pool, &other, &only(|x| x.hasil = "ditolak".into())).await.unwrap();
    assert!(refused.total >= 1 && refused.rows.iter().all(|r| r.hasil == "DITOLAK"));
    let future = jejak::page(&pool, &admin, &only(|x| x.dari = "2099-01-01".into())).await.unwrap();
    assert_eq!(future.total, 0);
    let today_wib = backend::today_wib().to_string();
    let day = jejak::page(
        &pool,
        &admin,
        &only(|x| {
            x.dari = backend::today_wib().to_string();
            x.sampai = backend::today_wib().to_string();
        }),
    )
    .await
    .unwrap();
    assert_eq!(day.total, mine.total, "{today_wib}");
    // a LIKE metacharacter matches itself only
    assert_eq!(jejak::page(&pool, &admin, &only(|x| x.aktor = "%".into())).await.unwrap().total, 0);
    // invalid filters get field messages; other roles are refused
    assert!(matches!(jejak::page(&pool, &admin, &only(|x| x.hasil = "X".into())).await, Err(Error::Invalid(_))));
    let kpa = login(&pool, "apr_kpa561403").await;
    assert!(matches!(jejak::page(&pool, &kpa, &q()).await, Err(Error::Forbidden(_))));

    // paging: 50 a page, newest first
    for _ in 0..60 {
        let _ = berkas::ajukan(&pool, &other, backend::now()).await;
    }
    let p1 = jejak::page(&pool, &other, &q()).await.unwrap();
    let p2 = jejak::page(&pool, &other, &AuditQuery { page: 2, ..q() }).await.unwrap();
    assert_eq!(p1.rows.len(), 50);
    assert!(p1.total > 60 && p1.rows[0].id > p1.rows[49].id && p1.rows[49].id > p2.rows[0].id);

    // CSV: every matching line, quoted, formulas neutralised; the export is audited
    let csv = jejak::csv(&pool, &cso2, &q()).await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], domain::audit::CSV_HEADER);
    assert!(lines.len() > 60);
    let exports = jejak::page(&pool, &cso2, &AuditQuery { aksi: "EKSPOR_AUDIT".into(), ..q() }).await.unwrap();
    assert_eq!(exports.total, 1);
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn csv_cells_cannot_become_spreadsheet_formulas(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let mut input = kpa_input();
    input.nama = "=HYPERLINK(\"http://evil\",\"klik\")".into();
    pejabat::rekam(&pool, &admin, &input, backend::now()).await.unwrap();
    let csv = jejak::csv(&pool, &admin, &q()).await.unwrap();
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"klik\"\")\""), "{csv}");
    assert!(!csv.contains(",\"=HYPERLINK"));
}
