//! The server's configuration: read once from the environment at start-up.

use std::path::PathBuf;

/// Everything the server can be told. Defaults give the demo.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`. Without it the server runs its own PostgreSQL cluster under `data_dir`.
    pub database_url: Option<String>,
    /// `SAKTI_DATA_DIR` (default `.data`): the private cluster and other local state.
    pub data_dir: PathBuf,
    /// `SAKTI_DEMO` (default on): load the demo data when the database has no users.
    pub demo: bool,
    /// `SAKTI_SECURE_COOKIE` (default off): mark the session cookie `Secure` (behind TLS).
    pub secure_cookie: bool,
    /// `SAKTI_OTP_SECRET`: the key OTP codes are hashed with (at least 32 characters).
    /// Without it, one is generated on first run and kept in `data_dir/otp-secret`.
    /// Every instance on one database needs the same key.
    otp_secret: Option<String>,
    /// `SAKTI_SMS_GATEWAY_URL`: an external HTTP SMS gateway. Unset: the built-in phone
    /// simulator (`/hp`). With it: `SAKTI_SMS_GATEWAY_TOKEN` (bearer token) and
    /// `SAKTI_SMS_GATEWAY_BODY` (JSON template with `{{to}}`, `{{message}}`, `{{id}}`).
    pub sms_gateway_url: Option<String>,
    sms_gateway_token: Option<String>,
    sms_gateway_body: Option<String>,
}

fn flag(name: &str, default: bool) -> bool {
    match std::env::var(name) {
        Ok(v) => matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"),
        Err(_) => default,
    }
}

impl Config {
    pub fn from_env() -> Self {
        Config {
            database_url: std::env::var("DATABASE_URL").ok().filter(|s| !s.trim().is_empty()),
            data_dir: std::env::var_os("SAKTI_DATA_DIR").map_or_else(|| PathBuf::from(".data"), PathBuf::from),
            demo: flag("SAKTI_DEMO", true),
            secure_cookie: flag("SAKTI_SECURE_COOKIE", false),
            otp_secret: std::env::var("SAKTI_OTP_SECRET").ok().filter(|s| !s.is_empty()),
            sms_gateway_url: std::env::var("SAKTI_SMS_GATEWAY_URL").ok().filter(|s| !s.is_empty()),
            sms_gateway_token: std::env::var("SAKTI_SMS_GATEWAY_TOKEN").ok().filter(|s| !s.is_empty()),
            sms_gateway_body: std::env::var("SAKTI_SMS_GATEWAY_BODY").ok().filter(|s| !s.is_empty()),
        }
    }

    /// The SMS gateway: HTTP when configured, else the phone simulator on `pool`.
    pub fn sms_gateway(&self, pool: &sqlx::PgPool) -> Result<crate::sms::AnyGateway, String> {
        use crate::sms::{AnyGateway, HttpGateway, Simulator};
        match &self.sms_gateway_url {
            None => Ok(AnyGateway::Simulator(Simulator { pool: pool.clone() })),
            Some(url) => Ok(AnyGateway::Http(HttpGateway::new(
                url.clone(),
                self.sms_gateway_token.clone(),
                self.sms_gateway_body.clone(),
            )?)),
        }
    }

    /// The OTP key from the environment, or the one kept in the data directory
    /// (created on first use, readable by its owner only).
    pub fn otp_key(&self) -> std::io::Result<crate::otp::OtpKey> {
        use std::io::{Error, ErrorKind};
        use std::os::unix::fs::OpenOptionsExt;
        if let Some(secret) = &self.otp_secret {
            if secret.len() < 32 {
                return Err(Error::new(ErrorKind::InvalidInput, "SAKTI_OTP_SECRET harus minimal 32 karakter"));
            }
            return Ok(crate::otp::OtpKey::new(secret.as_bytes().to_vec()));
        }
        let path = self.data_dir.join("otp-secret");
        if !path.exists() {
            use rand::RngCore;
            use std::io::Write;
            std::fs::create_dir_all(&self.data_dir)?;
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
            file.write_all(hex.as_bytes())?;
        }
        Ok(crate::otp::OtpKey::new(std::fs::read_to_string(&path)?.trim().as_bytes().to_vec()))
    }

    /// A one-line summary without secrets, printed at start-up.
    pub fn summary(&self) -> String {
        let db = match &self.database_url {
            Some(url) => format!("DATABASE_URL={}", redact(url)),
            None => format!("PostgreSQL pribadi di {}", self.data_dir.join("postgres").display()),
        };
        format!("{db}, demo={}, secure_cookie={}", self.demo, self.secure_cookie)
    }
}

/// The URL with its password replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_the_password() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}
