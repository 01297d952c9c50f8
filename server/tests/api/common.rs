//! The app in-process for HTTP-level tests: the real router, sessions and middleware.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use backend::aktivasi::otp::OtpKey;
use http_body_util::BodyExt;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::net::SocketAddr;
use tower::ServiceExt;

/// The session cookie among a response's `Set-Cookie` lines.
pub fn session_cookie(set_cookie: &str) -> String {
    let line = set_cookie
        .lines()
        .find(|l| l.starts_with("sakti_sesi="))
        .unwrap_or_else(|| panic!("no session cookie: {set_cookie}"));
    line.split(';').next().unwrap().to_owned()
}

/// A code of `username`'s demo authenticator app that the app has not seen yet: a code is
/// good once, so a second login within the same 30 seconds takes the next step's (which the
/// app allows for clock drift), or waits for it.
pub async fn totp_code(pool: &PgPool, username: &str, clock: &backend::Clock) -> String {
    loop {
        if let Some(code) = backend::provisi::demo::kode_authenticator(pool, username, clock.now()).await.unwrap() {
            return code;
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
}

/// A form-encoded POST.
pub fn form(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

pub struct App {
    pub router: Router,
    pub pool: PgPool,
    /// The clock sessions are checked against (the test moves it).
    pub clock: backend::Clock,
}

/// A port for a server process the test starts, never one this test binary handed out
/// before: a port the OS gives and takes back can be given again at once, and two tests
/// running side by side would then start their servers on the same one.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap();
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// The keys of a test server (the same in every test of the process).
pub fn kunci() -> backend::sistem::kunci::Kunci {
    backend::sistem::kunci::Kunci::dari([7; 32], &[], &[8; 32], &[9; 32]).unwrap()
}

/// The same keys for a server process: every instance on one database holds the same.
pub const KUNCI_ENV: [(&str, &str); 3] = [
    ("SAKTI_FAKTOR_KEY", "0707070707070707070707070707070707070707070707070707070707070707"),
    ("SAKTI_AUDIT_MAC_KEY", "0808080808080808080808080808080808080808080808080808080808080808"),
    ("SAKTI_AUDIT_SIGN_KEY", "0909090909090909090909090909090909090909090909090909090909090909"),
];

impl App {
    pub async fn new(pool: &PgPool, key: OtpKey) -> App {
        App::with_edge(pool, key, server::Edge::default()).await
    }

    /// The app as it runs behind `edge` (a public URL, trusted proxies).
    pub async fn with_edge(pool: &PgPool, key: OtpKey, edge: server::Edge) -> App {
        App::with_clock(pool, key, edge, backend::Clock::system()).await
    }

    /// The app with its sessions checked against `clock`.
    pub async fn with_clock(pool: &PgPool, key: OtpKey, edge: server::Edge, clock: backend::Clock) -> App {
        App::with_ops(pool, key, edge, clock, server::ops::Ops::default()).await
    }

    /// The app with probes that watch `ops`' workers (and its metrics token).
    pub async fn with_ops(
        pool: &PgPool,
        key: OtpKey,
        edge: server::Edge,
        clock: backend::Clock,
        ops: server::ops::Ops,
    ) -> App {
        let public_url = edge.public_url.clone();
        backend::audit::pasang_kunci_mac(kunci().audit_mac);
        let state = app::sistem::ssr::AppState {
            pool: pool.clone(),
            otp_key: key,
            kunci: kunci(),
            simulator: true,
            public_url,
            limits: domain::sesi::Limits::default(),
            clock: clock.clone(),
            nomor_wait: domain::ubah_nomor::DEFAULT_WAIT,
            pantau: backend::pantau::Setelan::default(),
            email: false,
        };
        let (closing_tx, closing) = tokio::sync::watch::channel(false);
        // the test app never shuts down
        std::mem::forget(closing_tx);
        let live = app::sistem::live::Live {
            pool: pool.clone(),
            hub: backend::sistem::events::Hub::start(pool).await.unwrap(),
            closing,
            // a test waits a second, not the half minute of the server, to see a stream close
            session_check: std::time::Duration::from_secs(1),
        };
        let store = tower_sessions_sqlx_store::PostgresStore::new(pool.clone());
        let sessions = server::session_layer(store, &edge);
        let options = leptos::prelude::LeptosOptions::builder().output_name("aktivasi-otp-sakti").build();
        App { router: server::router(state, live, options, sessions, edge, ops), pool: pool.clone(), clock }
    }

    pub async fn send(&self, mut req: Request<Body>, cookie: Option<&str>) -> (StatusCode, String, String) {
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        req.headers_mut().insert(header::HOST, "localhost".parse().unwrap());
        if let Some(c) = cookie {
            req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let location = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let set_cookie: Vec<&str> =
            res.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
        let mut set_cookie = set_cookie.join("\n");
        if let Some(wait) = res.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()) {
            set_cookie.push_str(&format!("\nretry-after: {wait}"));
        }
        // an event stream never ends: read only the head
        let is_stream =
            res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let body = if is_stream {
            String::new()
        } else {
            String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned()
        };
        let extra = if set_cookie.is_empty() { location } else { format!("{location}\n{set_cookie}") };
        (status, body, extra)
    }

    /// Logs `username` in with the demo password and, for the demo staff, the code of their
    /// authenticator app; returns the session cookie.
    pub async fn login(&self, username: &str) -> String {
        let req = Request::post("/api/auth_login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("username={username}&password=Sakti%232026")))
            .unwrap();
        let (status, body, set_cookie) = self.send(req, None).await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        let cookie = session_cookie(&set_cookie);
        if !backend::provisi::demo::staff().any(|u| u == username) {
            return cookie;
        }
        let code = self.totp_code(username).await;
        let req = form("/api/masuk_kode", &format!("kode={code}"));
        let (status, body, set_cookie) = self.send(req, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "second factor {username}: {body}");
        session_cookie(&set_cookie)
    }

    /// A code of `username`'s demo authenticator app the app has not seen yet ([`totp_code`]).
    pub async fn totp_code(&self, username: &str) -> String {
        totp_code(&self.pool, username, &self.clock).await
    }
}

/// The test cluster's maintenance database (`DATABASE_URL`, as `#[sqlx::test]` reads it).
fn master() -> PgConnectOptions {
    std::env::var("DATABASE_URL").expect("DATABASE_URL (scripts/test.sh sets it)").parse().unwrap()
}

/// A name for a database of this process: `copy_<pid>_<tag>_<n>`.
fn db_name(tag: &str) -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("copy_{}_{tag}_{n}", std::process::id())
}

/// Drops the databases of test processes that have ended (a failed test keeps its copy for
/// a look), once per process.
async fn sweep(conn: &mut PgConnection) {
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            let names: Vec<String> =
                sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'copy\\_%'")
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
            for name in names {
                let pid = name.split('_').nth(1).unwrap_or_default();
                if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut *conn)
                        .await
                        .unwrap();
                }
            }
        })
        .await;
}

/// A database migrated and filled by `build`, then closed to connections so that tests can
/// take copies of it ([`DbCopy`]): a fixture that takes seconds to build is copied in a tenth
/// of that. Returns its name and what `build` returned.
pub async fn template_db<T, F, Fut>(tag: &str, build: F) -> (String, T)
where
    F: FnOnce(PgPool) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut conn = PgConnection::connect_with(&master()).await.unwrap();
    sweep(&mut conn).await;
    let name = db_name(tag);
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.unwrap();
    let pool = PgPoolOptions::new().connect_with(master().database(&name)).await.unwrap();
    backend::sistem::db::migrate(&pool).await.unwrap();
    let value = build(pool.clone()).await;
    // no new connection, and the open ones (an event listener among them) ended
    drop(pool.close());
    sqlx::query(&format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false")).execute(&mut conn).await.unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&name)
        .execute(&mut conn)
        .await
        .unwrap();
    (name, value)
}

/// A copy of a [`template_db`] database for one test.
pub struct DbCopy {
    pub pool: PgPool,
    name: String,
}

impl DbCopy {
    pub async fn of(template: &str) -> DbCopy {
        let mut conn = PgConnection::connect_with(&master()).await.unwrap();
        let name = db_name("t");
        sqlx::query(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")).execute(&mut conn).await.unwrap();
        let pool = PgPoolOptions::new().connect_with(master().database(&name)).await.unwrap();
        DbCopy { pool, name }
    }

    /// Drops the copy (a test that failed keeps it until the next run).
    pub async fn drop_db(self) {
        drop(self.pool.close());
        let mut conn = PgConnection::connect_with(&master()).await.unwrap();
        sqlx::query(&format!("DROP DATABASE \"{}\" WITH (FORCE)", self.name)).execute(&mut conn).await.unwrap();
    }
}
