//! Sessions over HTTP with a clock the test moves: the idle and absolute limits, the way
//! back after a session ended, "Sesi saya", the changes that end a user's other sessions,
//! step-up, and the event stream of an ended session.

use crate::common::{App, form};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::aktivasi::otp::OtpKey;
use chrono::Duration;
use sqlx::PgPool;

async fn app(pool: &PgPool) -> App {
    backend::provisi::demo::seed_if_empty(pool).await.unwrap();
    let clock = backend::Clock::manual(backend::now());
    App::with_clock(pool, OtpKey::new(b"sesi".to_vec()), server::Edge::default(), clock).await
}

async fn whoami(app: &App, cookie: &str) -> (StatusCode, String) {
    let (status, body, _) = app.send(form("/api/auth_whoami", ""), Some(cookie)).await;
    (status, body)
}

async fn active(app: &App, cookie: &str) -> StatusCode {
    app.send(form("/api/auth_sesi", "aktif=true"), Some(cookie)).await.0
}

async fn sessions(pool: &PgPool, username: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM sesi s JOIN app_user u ON u.id = s.user_id WHERE u.username = $1")
        .bind(username)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn activity_keeps_a_session_past_the_idle_limit_but_never_past_the_absolute_one(pool: PgPool) {
    let app = app(&pool).await;
    let kpa = app.login("apr_kpa561403").await;
    // active every 20 minutes (the pejabat's idle limit is 30): in, for 7 h 40 min
    for _ in 0..23 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(active(&app, &kpa).await, StatusCode::OK);
    }
    assert_eq!(whoami(&app, &kpa).await.0, StatusCode::OK);
    // eight hours after login it ends, however active
    app.clock.advance(Duration::minutes(20));
    let (status, body) = whoami(&app, &kpa).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("SessionEnded"), "{body}");
    assert_eq!(sessions(&pool, "apr_kpa561403").await, 0, "the ended session's row is gone");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn an_idle_session_ends_sooner_for_staff_and_reading_is_not_activity(pool: PgPool) {
    let app = app(&pool).await;
    let kpa = app.login("apr_kpa561403").await;
    let cso = app.login("cso_jakarta6").await;
    // the page's own reads and checks do not extend the idle limit
    for _ in 0..2 {
        app.clock.advance(Duration::minutes(7));
        assert_eq!(whoami(&app, &kpa).await.0, StatusCode::OK);
        assert_eq!(app.send(form("/api/auth_sesi", "aktif=false"), Some(&cso)).await.0, StatusCode::OK);
    }
    app.clock.advance(Duration::minutes(2));
    // 16 minutes idle: the CSO (15) is out, the KPA (30) is not
    assert_eq!(whoami(&app, &cso).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami(&app, &kpa).await.0, StatusCode::OK);
    app.clock.advance(Duration::minutes(15));
    assert_eq!(whoami(&app, &kpa).await.0, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn after_a_session_ended_an_action_lands_on_the_login_page_with_the_way_back(pool: PgPool) {
    let app = app(&pool).await;
    let admin = app.login("adm_561403").await;
    app.clock.advance(Duration::minutes(16));
    let req = Request::post("/api/sesi_daftar")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::REFERER, "http://localhost/berkas?tab=2")
        .body(Body::from(""))
        .unwrap();
    let (status, body, location) = app.send(req, Some(&admin)).await;
    assert!(body.contains("SessionEnded"), "{status} {body}");
    assert!(location.starts_with("/login?habis=1&kembali=%2Fberkas%3Ftab%3D2"), "{location}");
    // a page load of an ended session redirects the same way
    let (_, _, location) = app.send(Request::get("/pejabat").body(Body::empty()).unwrap(), Some(&admin)).await;
    assert!(location.starts_with("/login?habis=1&kembali=%2Fpejabat"), "{location}");
    // and the login returns there
    let req = form("/api/auth_login", "username=apr_kpa561403&password=Sakti%232026&kembali=%2Fberkas%3Ftab%3D2");
    let (_, _, location) = app.send(req, None).await;
    assert!(location.starts_with("/berkas?tab=2"), "{location}");
    // but never off the site
    let req = form("/api/auth_login", "username=apr_kpa561403&password=Sakti%232026&kembali=%2F%2Fevil.example");
    let (_, _, location) = app.send(req, None).await;
    assert!(location.starts_with("/pejabat"), "{location}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn sesi_saya_lists_and_ends_sessions_and_changes_end_the_others(pool: PgPool) {
    let app = app(&pool).await;
    let laptop = app.login("val_ppk561403").await;
    let phone = app.login("val_ppk561403").await;
    let (status, body, _) = app.send(form("/api/sesi_daftar", ""), Some(&laptop)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.matches("\"ini\":true").count(), 1, "{body}");
    assert_eq!(body.matches("\"ini\":false").count(), 1, "{body}");
    let (status, body, _) = app.send(form("/api/sesi_akhiri_lain", ""), Some(&laptop)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "1"));
    assert_eq!(whoami(&app, &phone).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami(&app, &laptop).await.0, StatusCode::OK);
    // a session whose browser was closed is not listed once its idle limit passed
    let _closed = app.login("val_ppk561403").await;
    app.clock.advance(Duration::minutes(20));
    assert_eq!(active(&app, &laptop).await, StatusCode::OK);
    app.clock.advance(Duration::minutes(15));
    let (_, body, _) = app.send(form("/api/sesi_daftar", ""), Some(&laptop)).await;
    assert_eq!(body.matches("\"id\"").count(), 1, "{body}");

    // a password change ends the other sessions, not this one
    let phone = app.login("val_ppk561403").await;
    let change = "lama=Sakti%232026&baru=sepeda+tua+bunyi+lonceng&ulang=sepeda+tua+bunyi+lonceng";
    assert_eq!(app.send(form("/api/sandi_ganti", change), Some(&laptop)).await.0, StatusCode::OK);
    assert_eq!(whoami(&app, &phone).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami(&app, &laptop).await.0, StatusCode::OK);

    // the satker's Admin Lokal ends all of a user's sessions; another satker's cannot
    let other = app.login("adm_527010").await;
    let (status, ..) = app.send(form("/api/pengguna_akhiri_sesi", "username=val_ppk561403"), Some(&other)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(whoami(&app, &laptop).await.0, StatusCode::OK);
    let admin = app.login("adm_561403").await;
    let (status, body, _) = app.send(form("/api/pengguna_akhiri_sesi", "username=val_ppk561403"), Some(&admin)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "1"));
    assert_eq!(whoami(&app, &laptop).await.0, StatusCode::UNAUTHORIZED);

    // a deactivation ends them too
    let kpa = app.login("apr_kpa561403").await;
    backend::akses::pengguna::nonaktifkan(&pool, &backend::Caller::command_line(), "apr_kpa561403", backend::now())
        .await
        .unwrap();
    assert_eq!(whoami(&app, &kpa).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(sessions(&pool, "apr_kpa561403").await, 0);
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_sensitive_step_asks_for_the_password_and_code_again_after_five_minutes(pool: PgPool) {
    let app = app(&pool).await;
    let admin = app.login("adm_561403").await;
    let (status, ..) = app.send(form("/api/auth_segar", ""), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    app.clock.advance(Duration::minutes(6));
    assert_eq!(active(&app, &admin).await, StatusCode::OK, "activity does not make the login fresh");
    let (status, body, _) = app.send(form("/api/auth_segar", ""), Some(&admin)).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{body}");
    // the password alone is not enough for a user with a second factor
    let (status, body, _) = app.send(form("/api/auth_ulang", "password=Sakti%232026"), Some(&admin)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _, _) = app.send(form("/api/auth_ulang", "password=salah&kode=000000"), Some(&admin)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let code = app.totp_code("adm_561403").await;
    let (status, body, _) =
        app.send(form("/api/auth_ulang", &format!("password=Sakti%232026&kode={code}")), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, ..) = app.send(form("/api/auth_segar", ""), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    // the same code again is refused (a code is good once)
    app.clock.advance(Duration::minutes(6));
    let (status, body, _) =
        app.send(form("/api/auth_ulang", &format!("password=Sakti%232026&kode={code}")), Some(&admin)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_event_stream_of_an_ended_session_closes_at_its_next_session_check(pool: PgPool) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let app = App::new(&pool, OtpKey::new(b"sesi".to_vec())).await;
    let admin = app.login("adm_561403").await;
    let mut req = Request::get("/api/events").header(header::COOKIE, &admin).body(Body::empty()).unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))));
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();
    // while the session lives, the stream stays open
    let open = tokio::time::timeout(std::time::Duration::from_secs(2), body.frame()).await;
    assert!(!matches!(open, Ok(None)), "the stream of a live session closed");
    sqlx::query("DELETE FROM sesi").execute(&pool).await.unwrap();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Some(frame) = body.frame().await {
            if frame.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream was still open a minute after its session ended (checked every second)");
}

/// A try held back by a guessing limit is a rate limit: 429 with `Retry-After`, the wait in
/// the message (NIST SP 800-63B-4 §3.2.2; ASVS 5.0 6.3.1).
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_login_held_back_by_a_limit_answers_429_with_retry_after(pool: PgPool) {
    let app = app(&pool).await;
    for _ in 0..3 {
        let (status, ..) = app.send(form("/api/auth_login", "username=apr_kpa561403&password=salah"), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body, extra) =
        app.send(form("/api/auth_login", "username=apr_kpa561403&password=Sakti%232026"), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.contains("Tunggu"), "{body}");
    let wait: i64 = extra.rsplit("retry-after: ").next().unwrap().trim().parse().expect("a Retry-After in seconds");
    assert!((1..=30).contains(&wait), "{wait}");
}

/// Pages and answers with personal data are never cached (`Cache-Control: no-store`), and a
/// logout tells the browser to drop what it kept (`Clear-Site-Data`).
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn pages_are_not_cached_and_a_logout_clears_the_site_data(pool: PgPool) {
    use axum::extract::ConnectInfo;
    use tower::ServiceExt;
    let app = app(&pool).await;
    let admin = app.login("adm_561403").await;
    let send = |req: Request<Body>| {
        let mut req = req;
        req.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))));
        req.headers_mut().insert(header::HOST, "localhost".parse().unwrap());
        req.headers_mut().insert(header::COOKIE, admin.parse().unwrap());
        app.router.clone().oneshot(req)
    };
    let page = send(Request::get("/pejabat").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let list = send(form("/api/pejabat_daftar", "query[page]=1&query[per_page]=10&query[filter]=")).await.unwrap();
    assert_eq!(list.headers()[header::CACHE_CONTROL], "no-store");
    let mut logout = form("/api/auth_logout", "");
    logout.headers_mut().insert(header::ORIGIN, "http://localhost".parse().unwrap());
    let out = send(logout).await.unwrap();
    assert!(out.status().is_success() || out.status().is_redirection(), "{}", out.status());
    assert_eq!(out.headers()["clear-site-data"], "\"cache\", \"storage\"");
}

/// Every protected page asked for without a session is a real redirect (303) to the login
/// page with the way back, whatever the client accepts (a probe, a browser without
/// JavaScript); the public pages are not; signed in, the page renders; a session that ended
/// says so on the login page.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_protected_page_without_a_session_redirects_to_the_login_page(pool: PgPool) {
    let app = app(&pool).await;
    let pages = server::protected_pages();
    for expected in ["/", "/pejabat", "/cso", "/berkas", "/meja", "/audit", "/pantau", "/impor", "/pengguna", "/akun"] {
        assert!(pages.iter().any(|p| p == expected), "{expected} is protected: {pages:?}");
    }
    for page in &pages {
        let (status, _, location) = app.send(Request::get(page.as_str()).body(Body::empty()).unwrap(), None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert!(location.starts_with("/login"), "{page}: {location}");
        if page != "/" {
            let back = format!("kembali={}", page.replace('/', "%2F"));
            assert!(location.contains(&back), "{page}: {location}");
        }
    }
    for page in server::PUBLIC_PAGES {
        let (status, _, _) = app.send(Request::get(page).body(Body::empty()).unwrap(), None).await;
        // the second step answers for itself (401 without a password step before it)
        assert_ne!(status, StatusCode::SEE_OTHER, "{page} is open to anyone");
    }
    let kpa = app.login("apr_kpa561403").await;
    let (status, _, _) = app.send(Request::get("/pejabat").body(Body::empty()).unwrap(), Some(&kpa)).await;
    assert_eq!(status, StatusCode::OK);
    app.clock.advance(Duration::minutes(31));
    let (status, _, location) = app.send(Request::get("/akun").body(Body::empty()).unwrap(), Some(&kpa)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/login?habis=1&kembali=%2Fakun"), "{location}");
}
