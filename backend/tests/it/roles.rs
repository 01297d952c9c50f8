//! The database's own defences: the app role may only add to and read the audit trail and
//! cannot switch its triggers off, nor remove the demo's mark; the trail's hash chain names
//! the first line changed, removed or inserted behind the app's back.

use crate::common::{kpa_input, kunci_mac, login};
use backend::sistem::db;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};

/// A login role with the app's grants, and a connection to the test's database as it.
async fn as_app_role(pool: &PgPool) -> sqlx::PgConnection {
    let role = format!("app_{}", rand_suffix());
    sqlx::query(&format!("CREATE ROLE {role} LOGIN PASSWORD 'rahasia-uji' NOSUPERUSER NOCREATEDB NOCREATEROLE"))
        .execute(pool)
        .await
        .unwrap();
    db::grant_app(pool, &role).await.unwrap();
    let options: PgConnectOptions = (*pool.connect_options()).clone().username(&role).password("rahasia-uji");
    options.connect().await.unwrap()
}

fn rand_suffix() -> String {
    format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos())
}

fn refused(result: Result<sqlx::postgres::PgQueryResult, sqlx::Error>) -> String {
    match result {
        Err(sqlx::Error::Database(e)) => e.code().unwrap_or_default().into_owned(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_app_role_adds_to_the_trail_but_cannot_change_it_or_switch_its_triggers_off(pool: PgPool) {
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let admin = login(&pool, "adm_561403").await;
    backend::aktivasi::pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let mut app = as_app_role(&pool).await;
    // what the server needs works
    let lines: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(&mut app).await.unwrap();
    assert!(lines > 0);
    sqlx::query("INSERT INTO audit_log (action, outcome, detail) VALUES ('LOGIN', 'GAGAL', 'uji')")
        .execute(&mut app)
        .await
        .unwrap();
    sqlx::query("UPDATE pejabat SET updated_at = now()").execute(&mut app).await.unwrap();
    let linked: i32 = sqlx::query_scalar("SELECT audit_sambung(100)").fetch_one(&mut app).await.unwrap();
    assert!(linked > 0, "the app role links the trail through the linker");
    // what it must not do is refused by PostgreSQL itself (42501: insufficient privilege)
    let attempts = [
        "UPDATE audit_log SET detail = 'diubah'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate",
        // the chain's columns too: only the linker fills them, by its own rules
        "UPDATE audit_log SET seq = -1, hash = sha256('palsu'::bytea) WHERE seq IS NULL",
        "DROP TABLE pejabat",
        "CREATE TABLE selundupan (x int)",
        "DELETE FROM _sqlx_migrations",
        // the demo's mark stays: production refuses the database it marks
        "DELETE FROM data_demo",
        "UPDATE data_demo SET dimuat_at = now()",
        "TRUNCATE data_demo",
    ];
    for sql in attempts {
        let code = refused(sqlx::query(sql).execute(&mut app).await);
        assert_eq!(code, "42501", "{sql}");
    }
    app.close().await.unwrap();
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_hash_chain_names_the_first_line_changed_removed_or_inserted(pool: PgPool) {
    let mac = kunci_mac();
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let admin = login(&pool, "adm_561403").await;
    backend::aktivasi::pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    // concurrent writers and linkers (two instances' workers) still make one chain
    let writers = (0..8).map(|i| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let caller = backend::Caller::anonymous(Some(format!("10.0.0.{i}")), backend::now());
            let entry =
                backend::audit::Entry::new(&caller, backend::audit::Aksi::Login, backend::audit::Outcome::Gagal);
            backend::audit::record(&pool, entry).await.unwrap();
            backend::audit::sambung(&pool).await.unwrap();
        })
    });
    for w in writers {
        w.await.unwrap();
    }
    let waiting: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE seq IS NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(waiting, 0, "every committed line is linked");
    let laporan = backend::audit::verify(&pool, &mac).await.unwrap();
    assert!(laporan.baris >= 10, "{laporan:?}");
    assert_eq!((laporan.patah, laporan.sebelum_mac), (None, 0));

    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM audit_log ORDER BY seq").fetch_all(&pool).await.unwrap();
    let tamper = |sql: String| {
        let pool = pool.clone();
        async move {
            // as the owner, who can switch the append-only trigger off
            sqlx::raw_sql(&format!(
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update; {sql};
                 ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;"
            ))
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    // a changed line
    tamper(format!("UPDATE audit_log SET detail = 'tidak pernah terjadi' WHERE id = {}", ids[4])).await;
    let broken = backend::audit::verify(&pool, &mac).await.unwrap().patah;
    let broken = broken.expect("a changed line is caught");
    assert_eq!(broken.id, ids[4]);
    assert!(broken.alasan.contains("diubah"), "{}", broken.alasan);
    // rehashing the changed line to hide it breaks the link to the next line instead
    tamper(format!(
        "UPDATE audit_log SET hash = sha256(coalesce(prev_hash, ''::bytea) || audit_line_bytes(audit_log)) WHERE id = {}",
        ids[4]
    ))
    .await;
    let broken = backend::audit::verify(&pool, &mac).await.unwrap().patah;
    let broken = broken.expect("a rehashed line is caught");
    assert_eq!(broken.id, ids[5], "a rehashed line no longer links to the next");
    assert!(broken.alasan.contains("menyambung"), "{}", broken.alasan);
    // a removed line, earlier in the chain: the line after it is the first broken one
    tamper(format!("DELETE FROM audit_log WHERE id = {}", ids[1])).await;
    let broken = backend::audit::verify(&pool, &mac).await.unwrap().patah;
    assert_eq!(broken.map(|b| b.id), Some(ids[2]));
    // the append-only trigger lets the owner through for one change only: an empty place filled
    sqlx::query("INSERT INTO audit_log (action, outcome, detail) VALUES ('LOGIN', 'GAGAL', 'uji')")
        .execute(&pool)
        .await
        .unwrap();
    for sql in [
        "UPDATE audit_log SET seq = 999999, hash = sha256('x'::bytea), detail = 'diubah' WHERE seq IS NULL",
        "UPDATE audit_log SET seq = seq + 1000000 WHERE seq IS NOT NULL",
        "UPDATE audit_log SET hash = NULL, prev_hash = NULL, seq = NULL",
    ] {
        let code = refused(sqlx::query(sql).execute(&pool).await);
        assert_eq!(code, "P0001", "{sql}");
    }
}

/// The owner's way of hiding a change: every hash recomputed in chain order, so the chain holds.
const RECHAIN: &str = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
    DO $$
    DECLARE line audit_log; prev bytea := NULL;
    BEGIN
        FOR line IN SELECT * FROM audit_log ORDER BY seq LOOP
            line.hash := sha256(coalesce(prev, ''::bytea) || audit_line_bytes(line));
            UPDATE audit_log SET prev_hash = prev, hash = line.hash WHERE id = line.id;
            prev := line.hash;
        END LOOP;
    END $$;
    ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;";

async fn owner(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(&format!(
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update; {sql};
         ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;"
    ))
    .execute(pool)
    .await
    .unwrap();
}

/// A trail of a few dozen lines, each with its MAC, and a checkpoint of its head.
async fn trail_with_checkpoint(
    pool: &PgPool,
) -> (backend::sistem::kunci::KunciMac, backend::sistem::kunci::KunciTanda, Titik) {
    let mac = kunci_mac();
    backend::provisi::demo::seed_if_empty(pool).await.unwrap();
    let admin = login(pool, "adm_561403").await;
    backend::aktivasi::pejabat::rekam(pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    for i in 0..10 {
        let caller = backend::Caller::anonymous(Some(format!("10.0.0.{i}")), backend::now());
        let entry = backend::audit::Entry::new(&caller, backend::audit::Aksi::Login, backend::audit::Outcome::Gagal);
        backend::audit::record(pool, entry).await.unwrap();
    }
    let tanda = backend::sistem::kunci::KunciTanda::new(&[9; 32]).unwrap();
    let head = titik::kepala(pool).await.unwrap().unwrap();
    let checkpoint = Titik::baru(&head, backend::now(), &tanda);
    assert_eq!(titik::periksa(pool, std::slice::from_ref(&checkpoint), &tanda.publik()).await.unwrap(), None);
    assert_eq!(backend::audit::verify(pool, &mac).await.unwrap().patah, None);
    (mac, tanda, checkpoint)
}

use backend::audit::titik::{self, Titik};

/// Tried from outside: with the app's database password, a line inserted by hand is chained
/// and hashed by the trigger, so the chain holds; its MAC (the key is the server's) does not.
/// A copy of a good line, MAC and all, is refused by the database.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_line_written_through_the_database_alone_fails_verify(pool: PgPool) {
    let (mac, _, _) = trail_with_checkpoint(&pool).await;
    let mut app = as_app_role(&pool).await;
    sqlx::query("INSERT INTO audit_log (action, outcome, detail) VALUES ('PALSU', 'BERHASIL', 'tidak pernah terjadi')")
        .execute(&mut app)
        .await
        .unwrap();
    let copy = sqlx::query(
        "INSERT INTO audit_log (actor_user_id, actor_username, actor_role, satker_kode, kppn_kode, client_addr,
                                action, outcome, pejabat_id, detail, mac_nonce, mac)
         SELECT actor_user_id, actor_username, actor_role, satker_kode, kppn_kode, client_addr,
                action, outcome, pejabat_id, detail, mac_nonce, mac FROM audit_log ORDER BY seq DESC OFFSET 1 LIMIT 1",
    )
    .execute(&mut app)
    .await;
    assert_eq!(refused(copy), "23505", "a copied line's nonce is taken");
    app.close().await.unwrap();
    let patah = backend::audit::verify(&pool, &mac).await.unwrap().patah.expect("the forged line is named");
    assert_eq!(patah.action, "PALSU");
    assert!(patah.alasan.contains("tanpa MAC"), "{}", patah.alasan);
    // a line's text changed by the owner and the chain recomputed: the chain holds, the MAC not
    owner(&pool, "DELETE FROM audit_log WHERE action = 'PALSU'").await;
    owner(&pool, "UPDATE audit_log SET detail = 'diubah' WHERE seq = (SELECT min(seq) + 3 FROM audit_log)").await;
    sqlx::raw_sql(RECHAIN).execute(&pool).await.unwrap();
    let patah = backend::audit::verify(&pool, &mac).await.unwrap().patah.expect("the changed line is named");
    assert!(patah.alasan.contains("MAC tidak cocok"), "{}", patah.alasan);
    // and under another key nothing passes
    let other = backend::sistem::kunci::KunciMac::new(&[1; 32]);
    assert!(backend::audit::verify(&pool, &other).await.unwrap().patah.is_some());
}

/// Deleting the newest lines leaves a chain that holds: only the checkpoint outside the
/// database tells.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_removed_tail_is_caught_by_the_checkpoint(pool: PgPool) {
    let (mac, tanda, checkpoint) = trail_with_checkpoint(&pool).await;
    owner(&pool, "DELETE FROM audit_log WHERE seq > (SELECT max(seq) - 3 FROM audit_log)").await;
    assert_eq!(backend::audit::verify(&pool, &mac).await.unwrap().patah, None, "the chain alone cannot tell");
    let found = titik::periksa(&pool, &[checkpoint], &tanda.publik()).await.unwrap().expect("caught");
    assert!(found.starts_with("EKOR DIHAPUS"), "{found}");
}

/// A line removed in the middle and the chain recomputed by the owner: chain and MACs hold;
/// the checkpoint's head no longer matches.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_rewritten_chain_is_caught_by_the_checkpoint(pool: PgPool) {
    let (mac, tanda, checkpoint) = trail_with_checkpoint(&pool).await;
    owner(&pool, "DELETE FROM audit_log WHERE seq = (SELECT min(seq) + 2 FROM audit_log)").await;
    sqlx::raw_sql(RECHAIN).execute(&pool).await.unwrap();
    assert_eq!(backend::audit::verify(&pool, &mac).await.unwrap().patah, None, "chain and MACs hold");
    let found = titik::periksa(&pool, &[checkpoint], &tanda.publik()).await.unwrap().expect("caught");
    assert!(found.starts_with("RANTAI DITULIS ULANG"), "{found}");
}

/// A line inserted before the checkpoint's head (by the owner, the chain recomputed, a MAC
/// copied from elsewhere to look signed) changes the head's hash and count.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn an_inserted_line_is_caught(pool: PgPool) {
    let (mac, tanda, checkpoint) = trail_with_checkpoint(&pool).await;
    sqlx::raw_sql(
        "INSERT INTO audit_log (action, outcome, detail, seq, mac_nonce, mac)
         SELECT 'PALSU', 'BERHASIL', 'sisipan', 0, sha256('acak'::bytea), mac FROM audit_log WHERE mac IS NOT NULL LIMIT 1;",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::raw_sql(RECHAIN).execute(&pool).await.unwrap();
    let patah = backend::audit::verify(&pool, &mac).await.unwrap().patah.expect("the MAC names it");
    assert_eq!(patah.action, "PALSU");
    let found = titik::periksa(&pool, &[checkpoint], &tanda.publik()).await.unwrap().expect("caught");
    assert!(found.starts_with("RANTAI DITULIS ULANG"), "{found}");
}

/// A checkpoint edited to match a cut trail, or signed with another key, is a forgery.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_forged_checkpoint_is_refused(pool: PgPool) {
    let (_, tanda, checkpoint) = trail_with_checkpoint(&pool).await;
    owner(&pool, "DELETE FROM audit_log WHERE seq > (SELECT max(seq) - 3 FROM audit_log)").await;
    let head = titik::kepala(&pool).await.unwrap().unwrap();
    // the file edited to the cut head, its signature kept
    let edited =
        Titik { seq: head.seq, id: head.id, hash: hex_of(&head.hash), jumlah: head.jumlah, ..checkpoint.clone() };
    let found = titik::periksa(&pool, &[edited], &tanda.publik()).await.unwrap().expect("caught");
    assert!(found.contains("PALSU"), "{found}");
    // a new checkpoint of the cut head under the forger's own key
    let forger = backend::sistem::kunci::KunciTanda::new(&[1; 32]).unwrap();
    let forged = Titik::baru(&head, backend::now(), &forger);
    let found = titik::periksa(&pool, &[forged], &tanda.publik()).await.unwrap().expect("caught");
    assert!(found.contains("PALSU"), "{found}");
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
