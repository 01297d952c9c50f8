//! The server's configuration: read once from the environment at start-up, checked before
//! anything starts. Without `SAKTI_DEMO` the server is production and refuses to start with
//! one line naming the setting when something a production server needs is missing, or
//! (once it has read its database) when the database holds demo data.

use crate::sistem::net::TrustedProxies;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the server can be told.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: the role the server runs as. Without it the server runs its own
    /// PostgreSQL cluster under `data_dir`, with an owner role and an app role of its own.
    pub database_url: Option<String>,
    /// `SAKTI_MIGRATE_DATABASE_URL`: the role that owns the schema, for migrations and the
    /// administrative commands. Unset with `DATABASE_URL`: the same role does both (a warning
    /// at start: the server could then alter the schema and the audit trail's triggers).
    pub migrate_database_url: Option<String>,
    /// `SAKTI_DATA_DIR` (default `.data`, in the demo `.data-demo`): the private cluster and
    /// other local state. The defaults differ so that a production start never finds the
    /// demo's database where it looks for its own.
    pub data_dir: PathBuf,
    /// `SAKTI_DEMO` (default off): the demo — demo data in an empty database, the phone
    /// simulator (`/hp`) when no gateway is set, loopback only. Off: production.
    pub demo: bool,
    /// `SAKTI_PUBLIC_URL`: where users reach the app (`https://…`, required in production).
    /// With `https` the cookie is `__Host-…; Secure`, answers carry HSTS, and the
    /// same-origin check expects this origin; links in messages start with it.
    pub public_url: Option<PublicUrl>,
    /// `SAKTI_TRUSTED_PROXIES`: addresses or CIDR blocks of the reverse proxies whose
    /// `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// `SAKTI_OTP_SECRET`: the key OTP codes are hashed with (at least 32 characters).
    /// Without it, one is generated on first run and kept in `data_dir/otp-secret`.
    /// Every instance on one database needs the same key.
    otp_secret: Option<String>,
    /// `SAKTI_SMS_GATEWAY_URL`: an external HTTP SMS gateway (required in production). Unset
    /// in the demo: the built-in phone simulator (`/hp`). With it: `SAKTI_SMS_GATEWAY_TOKEN`
    /// (bearer token) and `SAKTI_SMS_GATEWAY_BODY` (JSON template with `{{to}}`,
    /// `{{message}}`, `{{id}}`). More gateways, tried in order when one fails:
    /// `SAKTI_SMS_GATEWAY_2_URL` (`_2_TOKEN`, `_2_BODY`) up to `_9_`.
    pub sms_gateways: Vec<GatewaySetting>,
    /// `SAKTI_SMS_RECEIPT_SECRET` (at least 32 characters): the secret gateways sign their
    /// delivery reports with (`POST /api/sms/kuitansi`). Unset: the endpoint does not exist.
    pub sms_receipt_secret: Option<String>,
    /// `SAKTI_SMS_NATIONAL_PER_HOUR` (default 20000): code SMS per hour for the whole
    /// country; past it requests are refused and `sakti_sms_national_ceiling_refused_total` counts.
    pub sms_national_per_hour: i64,
    /// `SAKTI_SMTP_URL` (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`) and `SAKTI_SMTP_FROM` (`Aktivasi OTP SAKTI
    /// <noreply@…>`): email is sent only with both. Unset: emails wait in the outbox until
    /// they expire.
    smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    /// `SAKTI_NOMOR_WAIT` (default `24h`): how long after a number change was asked for
    /// the CSO may confirm it, unless it records that the old phone is lost.
    pub nomor_wait: chrono::Duration,
    /// `SAKTI_SESI_TOLERANSI` (default `10m`, 0 – 60 minutes): how long before a session's
    /// start and after its end its aktivasi code may still be requested.
    pub sesi_toleransi: chrono::Duration,
    /// `SAKTI_PANTAU_MACET_HARI` (default 7, 1–365): days in a stage after which the board
    /// lists a satker as stuck; `SAKTI_PANTAU_TENGGAT` (`2027-03-31`): the roll-out's deadline
    /// the board counts down to and projects against (none by default).
    pub pantau: crate::pantau::Setelan,
    /// `SAKTI_METRICS_TOKEN`: a scraper from elsewhere than loopback presents it as a bearer
    /// token to `GET /metrics` (at least 32 characters). Unset: loopback only.
    pub metrics_token: Option<String>,
    /// `SAKTI_RETENTION` (default `90d`, 7 days – 10 years): how long sent messages, closed
    /// codes and used links are kept (`backend::sistem::retensi`; the audit trail is never purged).
    pub retention: chrono::Duration,
    /// `SAKTI_SESSION_IDLE` (default `30m`), `SAKTI_SESSION_STAFF_IDLE` (`15m`, CSO, Admin
    /// Lokal and the operator), `SAKTI_SESSION_MAX` (`8h`, from login whatever the
    /// activity): how long sessions live. A number with `s`, `m` or `h`.
    pub session_limits: domain::sesi::Limits,
}

/// One HTTP SMS gateway: its URL, bearer token and body template.
#[derive(Clone)]
pub struct GatewaySetting {
    pub url: String,
    token: Option<String>,
    body: Option<String>,
}

impl std::fmt::Debug for GatewaySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GatewaySetting({}, token {})", self.url, if self.token.is_some() { "***" } else { "-" })
    }
}

/// The gateways from `SAKTI_SMS_GATEWAY_URL` and `SAKTI_SMS_GATEWAY_2_URL` … `_9_`, in order.
fn gateways() -> Vec<GatewaySetting> {
    (1..=9)
        .filter_map(|n| {
            let prefix = if n == 1 { "SAKTI_SMS_GATEWAY".to_string() } else { format!("SAKTI_SMS_GATEWAY_{n}") };
            let url = var(&format!("{prefix}_URL"))?;
            Some(GatewaySetting { url, token: var(&format!("{prefix}_TOKEN")), body: var(&format!("{prefix}_BODY")) })
        })
        .collect()
}

/// A setting the server cannot start with: which one, and why. Printed as one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("konfigurasi {setting}: {message}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub message: String,
}

fn refuse(setting: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { setting, message: message.into() }
}

/// The app's public address: scheme, host and port, no path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    origin: String,
    https: bool,
}

impl PublicUrl {
    /// Parses `https://sakti.example` or `http://127.0.0.1:3000` (a trailing `/` is dropped).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().trim_end_matches('/');
        let (https, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(format!("harus diawali https:// (bukan {text:?})"));
        };
        let host_ok = !rest.is_empty()
            && rest.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
            && !rest.starts_with([':', '.']);
        if !host_ok {
            return Err(format!("hanya skema, host dan port, tanpa path atau kredensial (bukan {text:?})"));
        }
        Ok(PublicUrl {
            origin: format!("{}://{}", if https { "https" } else { "http" }, rest.to_ascii_lowercase()),
            https,
        })
    }

    /// `https://host[:port]`, as a browser sends it in `Origin`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn is_https(&self) -> bool {
        self.https
    }
}

fn flag(name: &str, default: bool) -> bool {
    match std::env::var(name) {
        Ok(v) => matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"),
        Err(_) => default,
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.trim().is_empty())
}

/// A duration setting (`90s`, `15m`, `8h`) within `minutes` (lowest, highest), or `default`.
fn duration(
    name: &'static str,
    default: chrono::Duration,
    (lowest, highest): (i64, i64),
) -> Result<chrono::Duration, ConfigError> {
    let Some(text) = var(name) else { return Ok(default) };
    let text = text.trim();
    let (number, unit) = text.split_at(text.len() - text.chars().last().map_or(0, char::len_utf8));
    let seconds = match (number.parse::<i64>(), unit) {
        (Ok(n), "s") => n,
        (Ok(n), "m") => n * 60,
        (Ok(n), "h") => n * 3600,
        (Ok(n), "d") => n * 86_400,
        _ => return Err(refuse(name, format!("tulis angka dengan s, m, h atau d, misalnya 15m (bukan {text:?})"))),
    };
    if !(lowest * 60..=highest * 60).contains(&seconds) {
        return Err(refuse(name, format!("harus antara {lowest} menit dan {} jam (bukan {text})", highest / 60)));
    }
    Ok(chrono::Duration::seconds(seconds))
}

impl Config {
    /// Reads the environment; a value that cannot be read is an error naming its variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        let public_url = var("SAKTI_PUBLIC_URL")
            .map(|u| PublicUrl::parse(&u).map_err(|m| refuse("SAKTI_PUBLIC_URL", m)))
            .transpose()?;
        let trusted_proxies = TrustedProxies::parse(&var("SAKTI_TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|m| refuse("SAKTI_TRUSTED_PROXIES", m))?;
        let demo = flag("SAKTI_DEMO", false);
        let limits = domain::sesi::Limits::default();
        let session_limits = domain::sesi::Limits {
            idle: duration("SAKTI_SESSION_IDLE", limits.idle, (1, 60))?,
            staff_idle: duration("SAKTI_SESSION_STAFF_IDLE", limits.staff_idle, (1, 60))?,
            absolute: duration("SAKTI_SESSION_MAX", limits.absolute, (10, 24 * 60))?,
        };
        Ok(Config {
            session_limits,
            database_url: var("DATABASE_URL"),
            migrate_database_url: var("SAKTI_MIGRATE_DATABASE_URL"),
            data_dir: std::env::var_os("SAKTI_DATA_DIR")
                .map_or_else(|| PathBuf::from(default_data_dir(demo)), PathBuf::from),
            demo,
            public_url,
            trusted_proxies,
            otp_secret: std::env::var("SAKTI_OTP_SECRET").ok().filter(|s| !s.is_empty()),
            sms_gateways: gateways(),
            smtp_url: var("SAKTI_SMTP_URL"),
            metrics_token: var("SAKTI_METRICS_TOKEN"),
            smtp_from: var("SAKTI_SMTP_FROM"),
            sms_receipt_secret: var("SAKTI_SMS_RECEIPT_SECRET"),
            sms_national_per_hour: match var("SAKTI_SMS_NATIONAL_PER_HOUR") {
                None => domain::otp::DEFAULT_NATIONAL_PER_HOUR,
                Some(n) => n.trim().parse::<i64>().ok().filter(|n| (1..=10_000_000).contains(n)).ok_or_else(|| {
                    refuse("SAKTI_SMS_NATIONAL_PER_HOUR", format!("harus bilangan 1 … 10000000 (bukan {n:?})"))
                })?,
            },
            nomor_wait: duration("SAKTI_NOMOR_WAIT", domain::ubah_nomor::DEFAULT_WAIT, (0, 7 * 24 * 60))?,
            sesi_toleransi: duration("SAKTI_SESI_TOLERANSI", domain::upacara::DEFAULT_TOLERANSI, (0, 60))?,
            pantau: crate::pantau::Setelan {
                macet_hari: match var("SAKTI_PANTAU_MACET_HARI") {
                    None => domain::pantau::DEFAULT_MACET_HARI,
                    Some(n) => n.trim().parse::<u32>().ok().filter(|n| (1..=365).contains(n)).ok_or_else(|| {
                        refuse("SAKTI_PANTAU_MACET_HARI", format!("harus bilangan 1 … 365 (bukan {n:?})"))
                    })?,
                },
                tenggat: var("SAKTI_PANTAU_TENGGAT")
                    .map(|d| {
                        chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                            refuse(
                                "SAKTI_PANTAU_TENGGAT",
                                format!("tulis tanggal TTTT-BB-HH, misalnya 2027-03-31 (bukan {d:?})"),
                            )
                        })
                    })
                    .transpose()?,
            },
            retention: duration(
                "SAKTI_RETENTION",
                crate::sistem::retensi::DEFAULT_KEEP,
                (7 * 24 * 60, 3650 * 24 * 60),
            )?,
        })
    }

    /// The rules of the two modes, for a server that will listen on `listen`.
    pub fn check(&self, listen: SocketAddr) -> Result<(), ConfigError> {
        if self.otp_secret.as_ref().is_some_and(|secret| secret.len() < 32) {
            return Err(refuse("SAKTI_OTP_SECRET", "harus minimal 32 karakter"));
        }
        if self.metrics_token.as_ref().is_some_and(|token| token.len() < 32) {
            return Err(refuse("SAKTI_METRICS_TOKEN", "harus minimal 32 karakter"));
        }
        if self.sms_receipt_secret.as_ref().is_some_and(|secret| secret.len() < 32) {
            return Err(refuse("SAKTI_SMS_RECEIPT_SECRET", "harus minimal 32 karakter"));
        }
        match (&self.smtp_url, &self.smtp_from) {
            (Some(_), None) => {
                return Err(refuse("SAKTI_SMTP_FROM", "wajib diisi bersama SAKTI_SMTP_URL (alamat pengirim)"));
            }
            (None, Some(_)) => return Err(refuse("SAKTI_SMTP_URL", "wajib diisi bersama SAKTI_SMTP_FROM")),
            _ => {}
        }
        if let Err(m) = self.smtp() {
            return Err(refuse("SAKTI_SMTP_URL", m));
        }
        for (i, g) in self.sms_gateways.iter().enumerate() {
            crate::kirim::sms::HttpGateway::new(g.url.clone(), g.token.clone(), g.body.clone())
                .map_err(|m| refuse(if i == 0 { "SAKTI_SMS_GATEWAY_BODY" } else { "SAKTI_SMS_GATEWAY_n_BODY" }, m))?;
        }
        if self.demo {
            if !listen.ip().is_loopback() {
                return Err(refuse(
                    "LEPTOS_SITE_ADDR",
                    format!("mode demo (SAKTI_DEMO) hanya mendengarkan di loopback, bukan {listen}"),
                ));
            }
            return Ok(());
        }
        if self.sms_gateways.is_empty() {
            return Err(refuse(
                "SAKTI_SMS_GATEWAY_URL",
                "mode produksi memerlukan gateway SMS (simulator HP hanya untuk demo: SAKTI_DEMO=1)",
            ));
        }
        match &self.public_url {
            None => return Err(refuse("SAKTI_PUBLIC_URL", "mode produksi memerlukan alamat publik https://…")),
            Some(url) if !url.is_https() => {
                return Err(refuse(
                    "SAKTI_PUBLIC_URL",
                    format!("mode produksi memerlukan https:// (bukan {})", url.origin()),
                ));
            }
            Some(_) => {}
        }
        // the server speaks plain HTTP behind the TLS proxy: without the proxy's address every
        // client looks like the proxy (one address for the login limit and the trail)
        if self.trusted_proxies.is_empty() {
            return Err(refuse(
                "SAKTI_TRUSTED_PROXIES",
                "mode produksi di belakang proxy TLS memerlukan alamat proxy itu, agar alamat klien (batas \
                 percobaan masuk, jejak audit) benar",
            ));
        }
        // behind a proxy on the same host every client is loopback: /metrics needs its token
        if self.metrics_token.is_none() {
            return Err(refuse(
                "SAKTI_METRICS_TOKEN",
                "mode produksi memerlukan token /metrics (minimal 32 karakter); di belakang proxy semua klien \
                 tampak lokal",
            ));
        }
        // codes and set-password links travel on these: TLS, except to this host itself
        for (i, g) in self.sms_gateways.iter().enumerate() {
            let name = if i == 0 { "SAKTI_SMS_GATEWAY_URL" } else { "SAKTI_SMS_GATEWAY_n_URL" };
            Self::outbound_tls(&g.url, &["https"]).map_err(|m| refuse(name, m))?;
        }
        if let Some(url) = &self.smtp_url {
            Self::outbound_tls(url, &["smtps"]).map_err(|m| refuse("SAKTI_SMTP_URL", m))?;
        }
        self.data_dir_absolute()
    }

    /// Production's data folder is an absolute path whenever something lives there: started
    /// from another directory (cron, a unit without `WorkingDirectory`) a relative one would
    /// quietly make a new, empty cluster, or new keys.
    fn data_dir_absolute(&self) -> Result<(), ConfigError> {
        if self.data_dir.is_absolute() {
            return Ok(());
        }
        let mut kept: Vec<&str> = Vec::new();
        if self.database_url.is_none() {
            kept.push("kluster PostgreSQL pribadi");
        }
        if self.otp_secret.is_none() {
            kept.push("SAKTI_OTP_SECRET");
        }
        kept.extend(
            crate::sistem::kunci::KUNCI_LINGKUNGAN
                .iter()
                .filter(|name| std::env::var_os(name).is_none_or(|v| v.is_empty())),
        );
        if kept.is_empty() {
            return Ok(());
        }
        Err(refuse(
            "SAKTI_DATA_DIR",
            format!(
                "mode produksi memerlukan path absolut (bukan {:?}): {} disimpan di sana, dan path relatif bergantung                  pada direktori tempat server dijalankan",
                self.data_dir.display().to_string(),
                kept.join(", ")
            ),
        ))
    }

    /// The rule of the two modes that needs the database: production refuses one the demo
    /// has been in (`traces`: `backend::provisi::demo::traces`), naming the setting that chose it.
    pub fn check_database(&self, traces: &crate::provisi::demo::Traces) -> Result<(), ConfigError> {
        demo_refusal(self.demo, self.database_url.is_some(), &self.data_dir, traces)
    }

    /// An outbound channel's URL is encrypted (a scheme in `tls`, or SMTP with STARTTLS required:
    /// `?tls=required`) or goes to this host only (loopback). The error is the reason.
    pub fn outbound_tls(url: &str, tls: &[&str]) -> std::result::Result<(), String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("alamat tidak terbaca: {e}"))?;
        let encrypted = tls.contains(&parsed.scheme())
            || (parsed.scheme() == "smtp" && parsed.query_pairs().any(|(k, v)| k == "tls" && v == "required"));
        let host = parsed.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
        let loopback =
            host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if encrypted || loopback {
            Ok(())
        } else {
            Err(format!(
                "mode produksi mengirim kode dan tautan hanya lewat TLS ({} atau smtp://…?tls=required), kecuali ke host ini sendiri; bukan {}://{}",
                tls.join("/"),
                parsed.scheme(),
                parsed.host_str().unwrap_or("")
            ))
        }
    }

    /// The SMS gateways in order: the HTTP ones when configured, else the phone simulator on
    /// `pool` (the demo only: production refuses to start without a gateway).
    pub fn sms_relay(
        &self,
        pool: &sqlx::PgPool,
    ) -> Result<crate::kirim::sms::Relay<crate::kirim::sms::AnyGateway>, String> {
        use crate::kirim::sms::{AnyGateway, HttpGateway, Relay, Simulator};
        if self.sms_gateways.is_empty() {
            return Ok(Relay::one("simulator", AnyGateway::Simulator(Simulator { pool: pool.clone() })));
        }
        let mut list = Vec::new();
        for (i, g) in self.sms_gateways.iter().enumerate() {
            let gateway = HttpGateway::new(g.url.clone(), g.token.clone(), g.body.clone())?;
            list.push((format!("gateway-{}", i + 1), AnyGateway::Http(gateway)));
        }
        Ok(Relay::new(list))
    }

    /// The SMTP server emails go through, when one is configured.
    pub fn smtp(&self) -> Result<Option<crate::kirim::email::Smtp>, String> {
        match (&self.smtp_url, &self.smtp_from) {
            (Some(url), Some(from)) => crate::kirim::email::Smtp::new(url, from).map(Some),
            _ => Ok(None),
        }
    }

    /// The OTP key from the environment, or the one kept in the data directory
    /// (created on first use, readable by its owner only).
    pub fn otp_key(&self) -> std::io::Result<crate::aktivasi::otp::OtpKey> {
        use std::io::{Error, ErrorKind};
        if let Some(secret) = &self.otp_secret {
            if secret.len() < 32 {
                return Err(Error::new(ErrorKind::InvalidInput, "SAKTI_OTP_SECRET harus minimal 32 karakter"));
            }
            return Ok(self.otp_settings(crate::aktivasi::otp::OtpKey::new(secret.as_bytes().to_vec())));
        }
        let secret = crate::sistem::secret::kept(&self.data_dir.join("otp-secret"))?;
        Ok(self.otp_settings(crate::aktivasi::otp::OtpKey::new(secret.into_bytes())))
    }

    /// `key` with the OTP engine's settings from this configuration.
    fn otp_settings(&self, key: crate::aktivasi::otp::OtpKey) -> crate::aktivasi::otp::OtpKey {
        key.with_national_per_hour(self.sms_national_per_hour).with_sesi_toleransi(self.sesi_toleransi)
    }

    /// A one-line summary without secrets, printed at start-up.
    pub fn summary(&self) -> String {
        let db = match &self.database_url {
            Some(url) => format!("DATABASE_URL={}", redact(url)),
            None => format!("PostgreSQL pribadi di {}", self.data_dir.join("postgres").display()),
        };
        let mode = if self.demo { "DEMO" } else { "PRODUKSI" };
        let public = self.public_url.as_ref().map_or("-", PublicUrl::origin);
        let sms = match self.sms_gateways.len() {
            0 => "simulator HP".to_string(),
            n => format!("{n} gateway HTTP, {} SMS kode/jam nasional", self.sms_national_per_hour),
        };
        let l = &self.session_limits;
        let email = if self.smtp_url.is_some() { "SMTP" } else { "mati" };
        format!(
            "mode {mode}, {db}, alamat publik {public}, SMS {sms}, email {email}, proxy tepercaya {}, sesi {}/{}/{} menit (diam/diam staf/maks)",
            self.trusted_proxies,
            l.idle.num_minutes(),
            l.staff_idle.num_minutes(),
            l.absolute.num_minutes()
        )
    }
}

/// The data folder when `SAKTI_DATA_DIR` is not set: the demo's is not production's.
fn default_data_dir(demo: bool) -> &'static str {
    if demo { ".data-demo" } else { ".data" }
}

/// [`Config::check_database`]: the demo takes any database; production none with demo traces.
fn demo_refusal(
    demo: bool,
    database_url: bool,
    data_dir: &std::path::Path,
    traces: &crate::provisi::demo::Traces,
) -> Result<(), ConfigError> {
    if demo || traces.is_empty() {
        return Ok(());
    }
    let (setting, which, remedy) = if database_url {
        ("DATABASE_URL", "basis data DATABASE_URL".to_string(), "arahkan DATABASE_URL ke basis data baru yang kosong")
    } else {
        (
            "SAKTI_DATA_DIR",
            format!("basis data di {}", data_dir.join("postgres").display()),
            "pakai SAKTI_DATA_DIR lain yang kosong, atau DATABASE_URL ke basis data baru",
        )
    };
    Err(refuse(
        setting,
        format!(
            "{which} berisi data demo ({traces}) yang kata sandinya diketahui umum; mode produksi tidak berjalan \
             di atasnya: {remedy} (data demo hanya untuk SAKTI_DEMO=1)"
        ),
    ))
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
    #[test]
    fn outbound_channels_need_tls_except_to_this_host() {
        let outbound_tls = super::Config::outbound_tls;
        assert!(outbound_tls("https://sms.example/kirim", &["https"]).is_ok());
        assert!(outbound_tls("http://127.0.0.1:9/kirim", &["https"]).is_ok());
        assert!(outbound_tls("http://localhost:9/kirim", &["https"]).is_ok());
        assert!(outbound_tls("http://[::1]:9/kirim", &["https"]).is_ok());
        let plain = outbound_tls("http://sms.example/kirim", &["https"]).unwrap_err();
        assert!(plain.contains("http://sms.example"), "{plain}");
        assert!(outbound_tls("smtps://u:p@mail.example:465", &["smtps"]).is_ok());
        assert!(outbound_tls("smtp://u:p@mail.example:587?tls=required", &["smtps"]).is_ok());
        assert!(outbound_tls("smtp://mail.example:587?tls=opportunistic", &["smtps"]).is_err());
        assert!(outbound_tls("smtp://mail.example:25", &["smtps"]).is_err());
        assert!(outbound_tls("smtp://127.0.0.1:2525", &["smtps"]).is_ok());
    }

    use super::*;

    #[test]
    fn redact_hides_the_password() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn the_demo_and_production_never_share_a_default_data_folder() {
        let (demo, production) = (PathBuf::from(default_data_dir(true)), PathBuf::from(default_data_dir(false)));
        assert_eq!(production, PathBuf::from(".data"));
        assert!(!demo.starts_with(&production) && !production.starts_with(&demo), "{demo:?} {production:?}");
    }

    #[test]
    fn production_refuses_a_database_with_demo_traces_naming_the_setting_that_chose_it() {
        use crate::provisi::demo::Traces;
        let dir = std::path::Path::new(".data");
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-26T03:04:05Z").unwrap().to_utc();
        let marked = Traces { seeded_at: Some(at), users: Vec::new() };
        let renamed = Traces { seeded_at: None, users: vec!["adm_561403".into()] };
        // the demo takes any database, production a clean one
        for traces in [&marked, &renamed, &Traces::default()] {
            assert_eq!(demo_refusal(true, true, dir, traces), Ok(()));
            assert_eq!(demo_refusal(true, false, dir, traces), Ok(()));
        }
        assert_eq!(demo_refusal(false, true, dir, &Traces::default()), Ok(()));
        for (traces, shown) in [(&marked, "tanda demo 2026-11-26 03:04 UTC"), (&renamed, "pengguna demo adm_561403")] {
            let e = demo_refusal(false, true, dir, traces).unwrap_err();
            assert_eq!(e.setting, "DATABASE_URL");
            let line = e.to_string();
            assert!(line.contains(shown) && line.contains("basis data baru") && !line.contains('\n'), "{line}");
            let e = demo_refusal(false, false, dir, traces).unwrap_err();
            assert_eq!(e.setting, "SAKTI_DATA_DIR");
            assert!(e.message.contains(".data/postgres") && e.message.contains(shown), "{}", e.message);
        }
    }

    #[test]
    fn a_public_url_is_an_origin() {
        let url = PublicUrl::parse("https://SAKTI.example:8443/").unwrap();
        assert_eq!((url.origin(), url.is_https()), ("https://sakti.example:8443", true));
        assert!(!PublicUrl::parse("http://127.0.0.1:3000").unwrap().is_https());
        for bad in ["sakti.example", "ftp://x", "https://", "https://x/app", "https://u:p@x", "https://x?q"] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
