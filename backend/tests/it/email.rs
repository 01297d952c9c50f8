//! Email through a real SMTP server on loopback (`aiosmtpd` from PyPI, installed by
//! `scripts/test.sh`; its Python is `SAKTI_TEST_SMTP_PYTHON`), read back from its Maildir.

use crate::common::{accept_bundles, kpa_input, login};
use backend::kirim::email::{self, Smtp, Surat};
use backend::{akses::pengguna, aktivasi::pejabat, jadwal};
use chrono::{Duration, Utc};
use domain::jadwal::JadwalInput;
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// An `aiosmtpd` server storing what it receives in a Maildir; stopped on drop.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl SmtpServer {
    async fn start() -> SmtpServer {
        let python = std::env::var("SAKTI_TEST_SMTP_PYTHON").expect(
            "SAKTI_TEST_SMTP_PYTHON: a Python with aiosmtpd (scripts/test.sh installs one; or `pip install aiosmtpd`)",
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("sakti-smtp-{port}-{}", std::process::id()));
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let server = SmtpServer { child, port, dir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not listen on {port}");
    }

    fn smtp(&self) -> Smtp {
        Smtp::new(&format!("smtp://127.0.0.1:{}", self.port), "Aktivasi OTP SAKTI <noreply@sakti.test>").unwrap()
    }

    /// Every message received, as raw bytes.
    fn received(&self) -> Vec<Vec<u8>> {
        let new = self.dir.join("new");
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&new).map_or(vec![], |d| d.map(|e| e.unwrap().path()).collect());
        files.sort();
        files.iter().map(|p: &PathBuf| std::fs::read(Path::new(p)).unwrap()).collect()
    }
}

/// Subject, recipient, the plain text and the `.ics` attachment of a received message.
struct Received {
    subject: String,
    to: String,
    text: String,
    ics: Option<String>,
}

fn parse(raw: &[u8]) -> Received {
    use mailparse::MailHeaderMap;
    let mail = mailparse::parse_mail(raw).unwrap();
    let header = |name: &str| mail.headers.get_first_value(name).unwrap_or_default();
    let mut text = String::new();
    let mut ics = None;
    let parts: Vec<&mailparse::ParsedMail> =
        if mail.subparts.is_empty() { vec![&mail] } else { mail.subparts.iter().collect() };
    for part in parts {
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = part.get_body().unwrap(),
            "text/calendar" => ics = Some(part.get_body().unwrap()),
            _ => {}
        }
    }
    Received { subject: header("Subject"), to: header("To"), text, ics }
}

async fn deliver(pool: &PgPool, smtp: &Smtp) {
    while email::deliver_due(pool, smtp, Utc::now() + Duration::seconds(1), 50).await.unwrap() > 0 {}
}

/// The submission reaches the KPPN's service mailbox, the acceptance the satker's Admin
/// Lokal, and a scheduled session arrives with an invitation that parses back to the same
/// time in WIB and the video link.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn submissions_decisions_and_sessions_are_emailed_with_an_invitation(pool: PgPool) {
    let server = SmtpServer::start().await;
    let admin = login(&pool, "adm_561403").await;
    sqlx::query("UPDATE kppn SET email = 'layanan.kppn019@kemenkeu.go.id' WHERE kode = '019'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE app_user SET email = 'admin.561403@kemenkeu.go.id' WHERE username = 'adm_561403'")
        .execute(&pool)
        .await
        .unwrap();
    let kpa = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    accept_bundles(&pool, &[kpa]).await;
    let cso = login(&pool, "cso_jakarta6").await;
    let tomorrow = (Utc::now() + Duration::days(1)).with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    let input = JadwalInput {
        satker_kode: "561403".into(),
        tanggal: tomorrow.format("%Y-%m-%d").to_string(),
        jam: "09:30".into(),
        mode: domain::jadwal::Mode::VideoConference.code().into(),
        tautan: "https://zoom.example/j/123".into(),
        catatan: "Siapkan KTP".into(),
        ..Default::default()
    };
    jadwal::buat(&pool, &cso, &input, Utc::now()).await.unwrap();
    deliver(&pool, &server.smtp()).await;

    let mails: Vec<Received> = server.received().iter().map(|m| parse(m)).collect();
    let find = |subject: &str| {
        mails.iter().find(|m| m.subject.starts_with(subject)).unwrap_or_else(|| {
            panic!("no email {subject:?} among {:?}", mails.iter().map(|m| &m.subject).collect::<Vec<_>>())
        })
    };
    let submitted = find("Pengajuan Formulir Aktivasi OTP SAKTI Satker 561403");
    assert!(submitted.to.contains("layanan.kppn019@kemenkeu.go.id"));
    assert!(submitted.text.contains("mengajukan 1 berkas"), "{}", submitted.text);
    let accepted = find("Berkas KPA PSIE I diterima CSO KPPN");
    assert!(accepted.to.contains("admin.561403@kemenkeu.go.id"));
    let session = find("Jadwal sesi Aktivasi OTP SAKTI Satker 561403");
    assert!(
        session.text.contains("09:30 WIB") && session.text.contains("https://zoom.example/j/123"),
        "{}",
        session.text
    );
    // the invitation, parsed back
    use icalendar::{Component, EventLike};
    let calendar: icalendar::Calendar = session.ics.as_deref().expect("an .ics attachment").parse().unwrap();
    let event = calendar.components.iter().find_map(|c| c.as_event()).expect("a VEVENT");
    let start = event.get_start().expect("DTSTART");
    let expected = tomorrow.and_hms_opt(9, 30, 0).unwrap();
    match start {
        icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::WithTimezone { date_time, tzid }) => {
            assert_eq!((date_time, tzid.as_str()), (expected, "Asia/Jakarta"));
        }
        other => panic!("DTSTART not in WIB: {other:?}"),
    }
    assert_eq!(event.get_location(), Some("video conference https://zoom.example/j/123"));
    // strict clients need the zone the times name defined in the calendar itself
    assert_zones_defined(session.ics.as_deref().unwrap());
    assert_eq!(event.get_url(), Some("https://zoom.example/j/123"));
    // what was sent is marked so
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE state <> 'TERKIRIM'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

/// A set-password link goes to the user's address; once sent, the outbox keeps it masked.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_set_password_link_is_emailed_and_then_masked_in_the_outbox(pool: PgPool) {
    let server = SmtpServer::start().await;
    let admin = login(&pool, "adm_561403").await;
    sqlx::query("UPDATE app_user SET email = 'ppk.psie@kemenkeu.go.id' WHERE username = 'val_ppk561403'")
        .execute(&pool)
        .await
        .unwrap();
    let kirim = pengguna::Kirim { base: "https://sakti.test", surel: true };
    let link = pengguna::tautan(&pool, &admin, "val_ppk561403", kirim, Utc::now()).await.unwrap();
    // the issuer sees where it went, never the link
    assert_eq!(link.jalan, pengguna::Jalan::Surel { ke: "p***@kemenkeu.go.id".into() });
    assert_eq!(link.url("https://sakti.test"), None);
    deliver(&pool, &server.smtp()).await;
    let mails: Vec<Received> = server.received().iter().map(|m| parse(m)).collect();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].to.contains("ppk.psie@kemenkeu.go.id"));
    let at = mails[0].text.find("https://sakti.test/sandi?token=").expect("the link in the email");
    let token = &mails[0].text[at + "https://sakti.test/sandi?token=".len()..][..64];
    let body: String = sqlx::query_scalar("SELECT body FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert!(!body.contains(token) && body.contains("(tautan disamarkan)"), "{body}");
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'RESET_SANDI'").fetch_one(&pool).await.unwrap();
    assert!(detail.contains("dikirim ke email terdaftar p***@kemenkeu.go.id"), "{detail}");
}

/// An email never goes out stale, and an unreachable SMTP server is retried, then given up.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn stale_emails_are_never_sent_and_an_unreachable_server_is_given_up(pool: PgPool) {
    let server = SmtpServer::start().await;
    let now = Utc::now();
    let isi = domain::surel::ubah_nomor("uji");
    email::enqueue(
        &pool,
        &Surat::notice("a@kemenkeu.go.id", isi.clone(), now - Duration::hours(25)),
        now - Duration::hours(25),
    )
    .await
    .unwrap();
    email::deliver_due(&pool, &server.smtp(), now, 10).await.unwrap();
    assert!(server.received().is_empty());
    let state: String = sqlx::query_scalar("SELECT state FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!(state, "KEDALUWARSA");
    // nothing listens here (a fixed low port: one let go by the OS could be another test's server)
    let down =
        Smtp::new(&format!("smtp://127.0.0.1:{}", crate::common::UNREACHABLE_PORT), "noreply@sakti.test").unwrap();
    sqlx::query("DELETE FROM email_outbox").execute(&pool).await.unwrap();
    email::enqueue(&pool, &Surat::notice("b@kemenkeu.go.id", isi, now), now).await.unwrap();
    let mut t = now;
    for _ in 0..40 {
        email::deliver_due(&pool, &down, t, 10).await.unwrap();
        t += Duration::seconds(61);
    }
    let (state, attempts, error): (String, i32, Option<String>) =
        sqlx::query_as("SELECT state, attempts, last_error FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!((state.as_str(), attempts), ("GAGAL", email::MAX_ATTEMPTS));
    assert!(error.unwrap().starts_with("SMTP"));
}

/// RFC 5545, read strictly where clients differ: every `TZID` a property names has a
/// `VTIMEZONE` of the same calendar with an observance and its offsets, and that zone is
/// WIB's; components nest in order; lines stay within 75 octets. (The line ends are the
/// mail's: the attachment arrives with the receiver's.)
fn assert_zones_defined(ics: &str) {
    let ics = ics.replace("\r\n", "\n");
    let ics = ics.as_str();
    for line in ics.split('\n') {
        assert!(line.len() <= 75, "a line longer than 75 octets: {line}");
    }
    let mut open: Vec<&str> = Vec::new();
    let mut named = std::collections::BTreeSet::new();
    let mut defined = std::collections::BTreeMap::new();
    let mut observance = std::collections::BTreeMap::<&str, &str>::new();
    for line in ics.split('\n').filter(|l| !l.is_empty() && !l.starts_with(' ')) {
        if let Some(kind) = line.strip_prefix("BEGIN:") {
            open.push(kind);
        } else if let Some(kind) = line.strip_prefix("END:") {
            assert_eq!(open.pop(), Some(kind), "components nest in order");
        } else {
            let (name, value) = line.split_once(':').expect("NAME:value");
            if let Some((_, params)) = name.split_once(';') {
                for p in params.split(';') {
                    if let Some(tzid) = p.strip_prefix("TZID=") {
                        named.insert(tzid.to_owned());
                    }
                }
            }
            match (open.as_slice(), name) {
                ([.., "VTIMEZONE"], "TZID") => {
                    defined.insert(value.to_owned(), 0);
                }
                ([.., "VTIMEZONE", "STANDARD" | "DAYLIGHT"], _) => {
                    observance.insert(name, value);
                    if let Some(n) = defined.values_mut().last() {
                        *n += 1;
                    }
                }
                _ => {}
            }
        }
    }
    assert!(open.is_empty(), "every component ends");
    assert!(!named.is_empty(), "the times name their zone");
    for tzid in &named {
        assert!(defined.contains_key(tzid), "TZID={tzid} has no VTIMEZONE in {ics}");
    }
    for required in ["DTSTART", "TZOFFSETFROM", "TZOFFSETTO"] {
        assert!(observance.contains_key(required), "the observance has {required}");
    }
    assert_eq!((observance["TZOFFSETFROM"], observance["TZOFFSETTO"]), ("+0700", "+0700"));
}
