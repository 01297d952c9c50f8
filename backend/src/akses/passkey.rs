//! Passkeys (WebAuthn, `webauthn-rs`): enrolment and sign-in. The relying party is the host
//! users reach the app at (`SAKTI_PUBLIC_URL`, or the demo's own `localhost`); a browser on
//! an IP address cannot use passkeys, and the page then offers the authenticator app. The
//! ceremonies' state lives in the server-side session between their two calls; the stored
//! credential (`faktor.data`) is updated after each sign-in (its counter).

use crate::akses::attempt::Attempt;
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use chrono::{DateTime, Utc};
use domain::FaktorId;
use domain::audit::Aksi;
use sqlx::PgPool;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid,
    Webauthn, WebauthnBuilder,
};

/// The relying party for `origin` (`https://host[:port]`, or `http://localhost:port`).
fn relying_party(origin: &str) -> Result<Webauthn> {
    let unusable = || {
        Error::Rule(
            "Passkey hanya dapat dipakai bila aplikasi dibuka dengan nama host (bukan alamat IP). \
             Pakai aplikasi autentikator."
                .into(),
        )
    };
    let url = Url::parse(origin).map_err(|_| unusable())?;
    let host = url.domain().ok_or_else(unusable)?.to_owned();
    WebauthnBuilder::new(&host, &url).and_then(|b| b.rp_name("Aktivasi OTP SAKTI").build()).map_err(|_| unusable())
}

/// The user's id for authenticators: fixed per account, no personal data.
fn user_handle(actor: &Actor) -> Uuid {
    Uuid::from_u128(u128::try_from(actor.user_id.0).unwrap_or_default())
}

async fn stored(pool: &PgPool, actor: &Actor) -> Result<Vec<(FaktorId, Passkey)>> {
    let rows: Vec<(FaktorId, serde_json::Value)> =
        sqlx::query_as("SELECT id, data FROM faktor WHERE user_id = $1 AND jenis = 'PASSKEY' ORDER BY id")
            .bind(actor.user_id)
            .fetch_all(pool)
            .await?;
    rows.into_iter()
        .map(|(id, data)| {
            serde_json::from_value(data)
                .map(|p| (id, p))
                .map_err(|e| Error::Hash(format!("passkey tersimpan tidak terbaca: {e}")))
        })
        .collect()
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Hash(format!("passkey: {e}")))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|_| Error::Rule("Jawaban passkey tidak terbaca. Coba lagi.".into()))
}

/// A ceremony's second half as the browser and the session bring it: where the browser
/// reached the app, the state kept since the first half, and `credential.toJSON()`.
#[derive(Debug, Clone, Copy)]
pub struct Jawaban<'a> {
    pub origin: &'a str,
    pub state: &'a str,
    pub credential: &'a str,
}

/// A ceremony's first half: the options for the browser (`{"publicKey": …}`) and the state
/// to keep in the session until the second.
pub struct Mulai {
    pub options: String,
    pub state: String,
}

/// Starts enrolling a passkey for `actor` (its existing ones excluded).
pub async fn daftarkan_mulai(pool: &PgPool, actor: &Actor, origin: &str) -> Result<Mulai> {
    let rp = relying_party(origin)?;
    let exclude = stored(pool, actor).await?.into_iter().map(|(_, p)| p.cred_id().clone()).collect();
    let (options, state) = rp
        .start_passkey_registration(user_handle(actor), &actor.username, &actor.nama, Some(exclude))
        .map_err(|e| Error::Rule(format!("Passkey tidak dapat dimulai: {e}")))?;
    Ok(Mulai { options: json(&options)?, state: json(&state)? })
}

/// Finishes the enrolment with the browser's `credential.toJSON()`; returns the recovery
/// codes when it is the user's first factor.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn daftarkan_selesai(
    pool: &PgPool,
    caller: &Caller,
    jawaban: Jawaban<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let actor = crate::akses::faktor::pendaftar(pool, caller).await?;
    let rp = relying_party(jawaban.origin)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::DaftarkanFaktor).await?;
    let state: PasskeyRegistration = parse(jawaban.state)?;
    let credential: RegisterPublicKeyCredential = match parse(jawaban.credential) {
        Ok(c) => c,
        Err(e) => return Err(attempt.refuse(e).await),
    };
    let passkey = match rp.finish_passkey_registration(&credential, &state) {
        Ok(p) => p,
        Err(e) => return Err(attempt.refuse(Error::Rule(format!("Passkey ditolak: {e}"))).await),
    };
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM faktor WHERE user_id = $1 AND jenis = 'PASSKEY'")
        .bind(actor.user_id)
        .fetch_one(attempt.tx())
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO faktor (user_id, jenis, nama, data, credential, created_at)
         VALUES ($1, 'PASSKEY', $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(actor.user_id)
    .bind(format!("Passkey {}", count + 1))
    .bind(serde_json::to_value(&passkey).map_err(|e| Error::Hash(e.to_string()))?)
    .bind(json(passkey.cred_id())?)
    .bind(now)
    .execute(attempt.tx())
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(attempt.refuse(Error::Rule("Passkey ini sudah terdaftar.".into())).await);
    }
    let codes = crate::akses::faktor::first_factor_codes(attempt.tx(), actor.user_id).await?;
    attempt.done("passkey", None).await?;
    Ok(codes)
}

/// Starts a sign-in (or a step-up) with one of `actor`'s passkeys.
pub async fn masuk_mulai(pool: &PgPool, actor: &Actor, origin: &str) -> Result<Mulai> {
    let rp = relying_party(origin)?;
    let keys: Vec<Passkey> = stored(pool, actor).await?.into_iter().map(|(_, p)| p).collect();
    if keys.is_empty() {
        return Err(Error::Rule("Akun ini belum punya passkey.".into()));
    }
    let (options, state) =
        rp.start_passkey_authentication(&keys).map_err(|e| Error::Rule(format!("Passkey tidak dapat dimulai: {e}")))?;
    Ok(Mulai { options: json(&options)?, state: json(&state)? })
}

/// Checks the browser's answer to [`masuk_mulai`]. A failure counts like a wrong code.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id.0))]
pub async fn masuk_selesai(
    pool: &PgPool,
    caller: &Caller,
    actor: &Actor,
    sandi: crate::akses::masuk::Sandi,
    jawaban: Jawaban<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    if !sandi.is_benar() {
        return Err(crate::akses::faktor::sandi_salah(pool, caller, actor, "passkey", now).await);
    }
    let counted = crate::akses::faktor::gate(pool, caller, actor, now).await?;
    let rp = relying_party(jawaban.origin)?;
    let state: PasskeyAuthentication = parse(jawaban.state)?;
    let checked = parse::<PublicKeyCredential>(jawaban.credential)
        .ok()
        .and_then(|c| rp.finish_passkey_authentication(&c, &state).ok());
    if let Some(result) = &checked {
        for (id, mut key) in stored(pool, actor).await? {
            let changed = key.update_credential(result);
            if changed.is_some() {
                sqlx::query("UPDATE faktor SET data = $2, used_at = $3 WHERE id = $1")
                    .bind(id)
                    .bind(serde_json::to_value(&key).map_err(|e| Error::Hash(e.to_string()))?)
                    .bind(now)
                    .execute(pool)
                    .await?;
            }
        }
    }
    crate::akses::faktor::settle(pool, caller, actor, counted, checked.is_some(), "passkey", now).await
}
