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
}

fn flag(name: &str, default: bool) -> bool {
    match std::env::var(name) {
        Ok(v) => matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        ),
        Err(_) => default,
    }
}

impl Config {
    pub fn from_env() -> Self {
        Config {
            database_url: std::env::var("DATABASE_URL")
                .ok()
                .filter(|s| !s.trim().is_empty()),
            data_dir: std::env::var_os("SAKTI_DATA_DIR")
                .map_or_else(|| PathBuf::from(".data"), PathBuf::from),
            demo: flag("SAKTI_DEMO", true),
            secure_cookie: flag("SAKTI_SECURE_COOKIE", false),
        }
    }

    /// A one-line summary without secrets, printed at start-up.
    pub fn summary(&self) -> String {
        let db = match &self.database_url {
            Some(url) => format!("DATABASE_URL={}", redact(url)),
            None => format!(
                "PostgreSQL pribadi di {}",
                self.data_dir.join("postgres").display()
            ),
        };
        format!(
            "{db}, demo={}, secure_cookie={}",
            self.demo, self.secure_cookie
        )
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
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}
