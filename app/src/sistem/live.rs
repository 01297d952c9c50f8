//! Live updates: the server pushes "something changed in your satker" over Server-Sent
//! Events (fed by PostgreSQL LISTEN/NOTIFY, so changes made through any instance
//! arrive); the browser reloads what it shows.

use leptos::prelude::*;

/// Calls `f` every `period` while the calling component lives (in the browser only).
pub fn every(period: std::time::Duration, f: impl Fn() + Clone + Send + Sync + 'static) {
    Effect::new(move |_| {
        let handle = set_interval_with_handle(f.clone(), period).ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    });
}

/// Bumps `tick` whenever the server announces a change that concerns this user.
pub fn refresh_on_change(tick: RwSignal<u32>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::{JsCast, closure::Closure};
        let Ok(source) = web_sys::EventSource::new("/api/events") else { return };
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
            tick.try_update(|t| *t += 1);
        });
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let held = send_wrapper::SendWrapper::new((source, on_message));
        on_cleanup(move || held.0.close());
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = tick;
}

#[cfg(feature = "ssr")]
pub use stream::{Live, SESSION_CHECK, events};

/// The event stream on the server: `/api/events`, one per open page.
#[cfg(feature = "ssr")]
mod stream {
    use crate::sistem::ssr::AppState;
    use axum::Extension;
    use axum::http::StatusCode;
    use axum::response::sse::{Event, KeepAlive, Sse};
    use axum::response::{IntoResponse, Response};
    use backend::sistem::events::{Change, Hub};
    use backend::{Actor, PgPool};
    use std::convert::Infallible;
    use tokio::sync::broadcast::error::RecvError;
    use tower_sessions::Session;

    /// What the event stream needs; added to the router as an extension.
    #[derive(Clone)]
    pub struct Live {
        pub pool: PgPool,
        pub hub: Hub,
        /// Turns true when the server shuts down: open streams end so the shutdown can drain.
        pub closing: tokio::sync::watch::Receiver<bool>,
        /// How often an open stream checks that its session still lives ([`SESSION_CHECK`]).
        pub session_check: std::time::Duration,
    }

    /// An event's data when every page should read again (a satker's code otherwise).
    const SEMUA: &str = "*";

    fn concerns(actor: &Actor, change: &Change) -> bool {
        match change {
            Change::Anything => true,
            Change::Satker { kanwil_kode, kppn_kode, satker_kode } => {
                actor.role == domain::Role::Pusat
                    || actor.unit.satker() == Some(satker_kode.as_str())
                    || actor.unit.kppn() == Some(kppn_kode.as_str())
                    || actor.unit.kanwil() == Some(kanwil_kode.as_str())
            }
        }
    }

    /// How often an open stream checks that its session still lives: a session ended
    /// elsewhere (or timed out) closes its streams within this.
    pub const SESSION_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

    /// `GET /api/events`: one event per change in the caller's satker (for a CSO: in
    /// any satker of its KPPN). Logged-out callers get 401, the operator (no unit) 403.
    /// The stream closes when its session ends.
    pub async fn events(
        Extension(live): Extension<Live>,
        Extension(state): Extension<AppState>,
        session: Session,
    ) -> Response {
        let caller = match crate::sistem::ssr::caller_of(&state, &session, None).await {
            Ok(caller) => caller,
            Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        };
        let (Some(actor), Some(sesi)) = (caller.actor().cloned(), caller.sesi()) else {
            return StatusCode::UNAUTHORIZED.into_response();
        };
        // the operator has no satker, KPPN or region: no change ever concerns it (Pusat
        // watches them all)
        if actor.role == domain::Role::Operator {
            return StatusCode::FORBIDDEN.into_response();
        }
        let rx = live.hub.subscribe();
        let mut check = tokio::time::interval(live.session_check);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let start = (rx, live.closing.clone(), check);
        let stream = futures::stream::unfold(start, move |(mut rx, mut closing, mut check)| {
            let (actor, state) = (actor.clone(), state.clone());
            async move {
                loop {
                    if *closing.borrow() {
                        return None;
                    }
                    let received = tokio::select! {
                        r = rx.recv() => r,
                        _ = closing.changed() => return None,
                        _ = check.tick() => {
                            let now = state.clock.now();
                            match backend::akses::sesi::muat(&state.pool, sesi, actor.user_id, None, &state.limits, now, false).await {
                                Ok(backend::akses::sesi::Keadaan::Ended) => return None,
                                // live, or the database away for a moment: keep the stream
                                _ => continue,
                            }
                        }
                    };
                    match received {
                        Ok(change) if concerns(&actor, &change) => {
                            let data = match change {
                                Change::Satker { satker_kode, .. } => satker_kode,
                                Change::Anything => SEMUA.to_owned(),
                            };
                            return Some((Ok::<_, Infallible>(Event::default().data(data)), (rx, closing, check)));
                        }
                        Ok(_) => continue,
                        // missed some: tell the page to reload anyway
                        Err(RecvError::Lagged(_)) => {
                            return Some((Ok(Event::default().data(SEMUA)), (rx, closing, check)));
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            }
        });
        Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
    }
}
