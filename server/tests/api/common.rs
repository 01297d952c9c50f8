//! The app in-process for HTTP-level tests: the real router, sessions and middleware.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use backend::otp::OtpKey;
use http_body_util::BodyExt;
use sqlx::PgPool;
use std::net::SocketAddr;
use tower::ServiceExt;

pub struct App {
    pub router: Router,
}

impl App {
    pub async fn new(pool: &PgPool, key: OtpKey) -> App {
        App::with_edge(pool, key, server::Edge::default()).await
    }

    /// The app as it runs behind `edge` (a public URL, trusted proxies).
    pub async fn with_edge(pool: &PgPool, key: OtpKey, edge: server::Edge) -> App {
        let public_url = edge.public_url.clone();
        let state = app::ssr::AppState { pool: pool.clone(), otp_key: key, simulator: true, public_url };
        let (closing_tx, closing) = tokio::sync::watch::channel(false);
        // the test app never shuts down
        std::mem::forget(closing_tx);
        let live =
            app::live::Live { pool: pool.clone(), hub: backend::events::Hub::start(pool).await.unwrap(), closing };
        let store = tower_sessions_sqlx_store::PostgresStore::new(pool.clone());
        let sessions = server::session_layer(store, &edge);
        let options = leptos::prelude::LeptosOptions::builder().output_name("aktivasi-otp-sakti").build();
        App { router: server::router(state, live, options, sessions, edge) }
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
        let set_cookie = res.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
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

    pub async fn login(&self, username: &str) -> String {
        let req = Request::post("/api/auth_login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("username={username}&password=Sakti%232026")))
            .unwrap();
        let (status, body, set_cookie) = self.send(req, None).await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        let line = set_cookie
            .lines()
            .find(|l| l.starts_with("sakti_sesi="))
            .unwrap_or_else(|| panic!("no cookie: {set_cookie}"));
        line.split(';').next().unwrap().to_owned()
    }
}
