//! Hostile input through the real server functions (over HTTP, through the real router):
//! malformed, overlong, control characters, mixed scripts, markup, SQL metacharacters
//! and wrong types. Each must get a clear message (never a 500) and store nothing.

use crate::common::App;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::aktivasi::otp::OtpKey;
use sqlx::PgPool;

/// Values no strictly typed field (NIP, phone, email, dates, jabatan, KPPN, codes) accepts.
fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\u{0}",
        "abc\u{0}def",
        "\u{1}\u{2}\u{3}",
        "\u{7f}",
        "\u{1b}[31mmerah",
        "\u{202e}gnp.exe",
        "\u{200b}",
        "\u{feff}",
        "null",
        "NULL",
        "undefined",
        "true",
        "false",
        "NaN",
        "Infinity",
        "-1",
        "0",
        "-0",
        "1e309",
        "9223372036854775808",
        "-9223372036854775809",
        "0x1F",
        "1_000",
        "[]",
        "{}",
        "[object Object]",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "\"><svg onload=alert(1)>",
        "javascript:alert(1)",
        "' OR '1'='1",
        "'; DROP TABLE pejabat;--",
        "1; DELETE FROM audit_log",
        "\" OR \"\"=\"",
        "%",
        "%%",
        "_",
        "\\",
        "\\\\",
        "$1",
        "$$",
        "{{7*7}}",
        "${jndi:ldap://x/a}",
        "../../etc/passwd",
        "..\\..\\win.ini",
        "%00",
        "%2e%2e%2f",
        "\r\nSet-Cookie: x=y",
        "a\u{301}",
        "Ａ１２３",
        "аdm_561403",
        "адм",
        "管理员",
        "مدير",
        "😀😀😀",
        "🇮🇩",
        "\u{10ffff}",
        "ﷺ",
        "𝕒𝕕𝕞",
        "ǅ",
        "İ",
        "ß",
        "\u{2028}",
        "\u{85}",
        "x".repeat(101).as_str(),
        "9".repeat(300).as_str(),
        "a@".repeat(200).as_str(),
        "<".repeat(1000).as_str(),
        "0812345678901234567890",
        "+62",
        "+6281",
        "08123",
        "62-812-abc",
        "1234567890123456789",
        "12345678901234567",
        "12345678901234567a",
        "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨",
        "２０２６-０１-０１",
        "2026-13-01",
        "2026-02-30",
        "0000-00-00",
        "9999-12-31",
        "1900-01-01",
        "2026/01/01",
        "01-01-2026",
        "2026-01-01T00:00:00Z",
        "@",
        "a@",
        "@b.c",
        "a@b",
        "a b@c.d",
        "a@b..c",
        "a@-b.c",
        "KUASA PENGGUNA ANGGARAN ",
        "kuasa pengguna anggaran",
        "KETUA",
        "019 ",
        "19",
        "0190",
        "abc",
        "999",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(100_000));
    v.push("\u{0}".repeat(50));
    v
}

fn enc(v: &str) -> String {
    domain::format::query_value(v)
}

/// A valid Rekam form for the admin of 561403, with `field` replaced.
fn rekam(field: &str, value: &str) -> String {
    let base = [
        ("nip", "197203142000031001"),
        ("nama", "Maulana Malik Ibrahim"),
        ("tempat_lahir", "Jakarta"),
        ("tanggal_lahir", "1972-03-14"),
        ("email", "maulana@kemenkeu.go.id"),
        ("no_hp", "081311119999"),
        ("alamat_domisili", "Jakarta"),
        ("alamat_ktp", "Jakarta"),
        ("nomor_sk", "KEP-1/2026"),
        ("tanggal_sk", "2026-01-05"),
        ("jabatan", "PEJABAT SPM"),
        ("kppn_kode", "019"),
    ];
    base.iter()
        .map(|(k, v)| format!("input[{k}]={}", enc(if *k == field { value } else { v })))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(app: &App, name: &str, body: String, cookie: &str) -> (StatusCode, String) {
    let req = Request::post(format!("/api/{name}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let (status, body, _) = app.send(req, Some(cookie)).await;
    (status, body)
}

async fn stored(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM pejabat) + (SELECT count(*) FROM jadwal) + (SELECT count(*) FROM ubah_nomor)
              + (SELECT count(*) FROM otp_code) + (SELECT count(*) FROM berkas)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// A refusal a person can read: a 4xx with a non-empty message.
fn clear_refusal(what: &str, status: StatusCode, body: &str) {
    assert!(status.is_client_error(), "{what}: expected a refusal, got {status} {body}");
    // decoded as the browser decodes it: an `AppError`, or the page shows a transport error
    let error: app::sistem::error::AppError =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: not an AppError ({e}): {body}"));
    assert!(!matches!(error, app::sistem::error::AppError::Transport(_)), "{what}: {body}");
    assert!(error.to_string().len() > 4, "{what}: no message in {body}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn unreadable_arguments_are_a_400_the_page_can_show(pool: PgPool) {
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let app = App::new(&pool, OtpKey::new(b"h".to_vec())).await;
    let admin = app.login("adm_561403").await;
    for body in ["id=bukan-angka", "", "id=1&id=2&x=%ZZ"] {
        let (status, text) = post(&app, "pejabat_hapus", body.into(), &admin).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}: {text}");
        clear_refusal(body, status, &text);
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_hundred_hostile_values_are_refused_with_a_message_and_nothing_is_stored(pool: PgPool) {
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let app = App::new(&pool, OtpKey::new(b"h".to_vec())).await;
    let admin = app.login("adm_561403").await;
    let ppk = app.login("val_ppk561403").await;
    let cso = app.login("cso_jakarta6").await;
    let values = hostile();
    assert!(values.len() >= 100, "{}", values.len());
    let before = stored(&pool).await;
    let strict = ["nip", "email", "no_hp", "tanggal_lahir", "tanggal_sk", "jabatan", "kppn_kode"];
    let mut calls = 0;
    for (i, v) in values.iter().enumerate() {
        // every value into one strict field of Rekam (rotating), and into the other inputs
        let field = strict[i % strict.len()];
        let (s, b) = post(&app, "pejabat_rekam", rekam(field, v), &admin).await;
        clear_refusal(&format!("rekam {field}={v:?}"), s, &b);
        assert!(b.contains(field), "rekam {field}={v:?}: the message names the field: {b}");
        let (s, b) = post(&app, "ubah_nomor_ajukan", format!("pejabat_id=1&no_hp={}", enc(v)), &ppk).await;
        clear_refusal(&format!("ubah_nomor_ajukan {v:?}"), s, &b);
        let (s, b) = post(&app, "formulir_cek", format!("kode={}", enc(v)), &cso).await;
        clear_refusal(&format!("formulir_cek {v:?}"), s, &b);
        let jadwal = format!(
            "input[satker_kode]=561403&input[tanggal]={}&input[jam]={}&input[mode]=KPPN&input[tautan]=&input[catatan]=",
            enc(v),
            enc(v)
        );
        let (s, b) = post(&app, "jadwal_buat", jadwal, &cso).await;
        clear_refusal(&format!("jadwal_buat {v:?}"), s, &b);
        let (s, b) = post(&app, "otp_submit", format!("pejabat_id=1&purpose=VerifikasiHp&code={}", enc(v)), &ppk).await;
        clear_refusal(&format!("otp_submit {v:?}"), s, &b);
        // free text is fine when it is text; the filters must never break the query
        let (s, b) =
            post(&app, "pejabat_daftar", format!("query[page]=1&query[per_page]=10&query[filter]={}", enc(v)), &admin)
                .await;
        assert_eq!(s, StatusCode::OK, "pejabat_daftar filter {v:?}: {b}");
        let (s, b) = post(
            &app,
            "audit_cari",
            format!("query[page]=1&query[aktor]={}&query[pejabat]={}", enc(v), enc(v)),
            &admin,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "audit_cari {v:?}: {b}");
        let req = Request::post("/api/auth_login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("username={}&password={}", enc(v), enc(v))))
            .unwrap();
        let (s, b, _) = app.send(req, None).await;
        clear_refusal(&format!("login {v:?}"), s, &b);
        calls += 8;
    }
    // wrong types and missing arguments
    let wrong: [(&str, &str, &str); 12] = [
        ("pejabat_hapus", "id=abc", "admin"),
        ("pejabat_hapus", "", "admin"),
        ("pejabat_hapus", "id=99999999999999999999", "admin"),
        ("otp_request", "pejabat_id=1&purpose=Bogus", "ppk"),
        ("otp_request", "pejabat_id=1.5&purpose=VerifikasiHp", "ppk"),
        ("pejabat_daftar", "query[page]=-1&query[filter]=", "admin"),
        ("pejabat_daftar", "query=1", "admin"),
        ("meja_putuskan", "berkas_id=1&ceklis[0]=maybe&terima=true&alasan=", "cso"),
        ("jadwal_catat", "jadwal_id=1&hadir=2&hasil=x", "cso"),
        ("cso_aktivasi", "pejabat_id=x&code=1&ceklis[dicentang][0]=Bukan", "cso"),
        ("audit_cari", "query[page]=abc", "admin"),
        ("pejabat_rekam", "input=%3Cscript%3E", "admin"),
    ];
    for (name, body, who) in wrong {
        let cookie = match who {
            "admin" => &admin,
            "ppk" => &ppk,
            _ => &cso,
        };
        let (s, b) = post(&app, name, body.to_string(), cookie).await;
        clear_refusal(&format!("{name} {body}"), s, &b);
        calls += 1;
    }
    assert!(calls >= 700);
    assert_eq!(stored(&pool).await, before, "a hostile value was stored");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_forged_cross_site_request_is_refused_and_audited(pool: PgPool) {
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let app = App::new(&pool, OtpKey::new(b"h".to_vec())).await;
    let admin = app.login("adm_561403").await;
    let req = Request::post("/api/pejabat_hapus")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from("id=1"))
        .unwrap();
    let (status, _, _) = app.send(req, Some(&admin)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // counted per address and minute, written when the minute is over
    backend::audit::tutup_hitungan(&pool, backend::now() + chrono::Duration::minutes(1)).await.unwrap();
    let (action, detail): (String, String) =
        sqlx::query_as("SELECT action, detail FROM audit_log ORDER BY id DESC LIMIT 1").fetch_one(&pool).await.unwrap();
    assert_eq!(action, "PERMINTAAN_LINTAS_SITUS");
    assert!(detail.starts_with("1× dalam menit "), "{detail}");
    assert!(detail.ends_with("yang pertama: /api/pejabat_hapus dari https://evil.example"), "{detail}");
    let deleted: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pejabat WHERE deleted_at IS NOT NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(deleted, 0);
}

/// A multipart upload of `size` bytes of PDF for the pilot reference of 561403.
fn upload(size: usize, declare_length: bool) -> Request<Body> {
    let boundary = "----sakti-uji";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"pejabat_id\"\r\n\r\n1\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"keperluan\"\r\n\r\nAKTIVASI\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"berkas\"; filename=\"besar.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    )
    .into_bytes();
    body.resize(body.len() + size, b' ');
    body.extend_from_slice(format!("\n%%EOF\r\n--{boundary}--\r\n").as_bytes());
    let mut req =
        Request::post("/api/berkas").header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
    if declare_length {
        req = req.header(header::CONTENT_LENGTH, body.len());
    }
    req.body(Body::from(body)).unwrap()
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn an_upload_over_ten_megabytes_is_answered_413_with_the_message(pool: PgPool) {
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let app = App::new(&pool, OtpKey::new(b"h".to_vec())).await;
    let admin = app.login("adm_561403").await;
    let before = stored(&pool).await;
    // declared (as browsers do) and not declared (a chunked body): read to its end, then refused
    for declared in [true, false] {
        let (status, body, _) = app.send(upload(11 * 1024 * 1024, declared), Some(&admin)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "declared {declared}: {body}");
        assert!(body.contains(domain::berkas::TERLALU_BESAR), "{body}");
        assert!(body.contains("href=\"/berkas?galat="), "a way back: {body}");
    }
    assert_eq!(stored(&pool).await, before, "nothing stored");
    // within the limit the same route reaches the handler, which answers with its redirect
    let (status, _, location) = app.send(upload(1024, true), Some(&admin)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/berkas?"), "{location}");
}

/// An upload from someone not logged in, or not allowed to upload, is answered before a byte
/// of its body is read: a sender that never finishes is answered at once (the server used to
/// read up to 64 MiB of anyone's body first, for up to two minutes).
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn an_upload_is_refused_before_its_body_is_read_when_the_caller_may_not(pool: PgPool) {
    use futures::StreamExt;
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let app = App::new(&pool, OtpKey::new(b"h".to_vec())).await;
    let kpa = app.login("apr_kpa561403").await;
    let endless = || {
        let first = futures::stream::once(async { Ok::<_, std::io::Error>(vec![b'-'; 1024]) });
        let body = Body::from_stream(first.chain(futures::stream::pending()));
        Request::post("/api/berkas")
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=----sakti-uji")
            .header(header::CONTENT_LENGTH, 5 * 1024 * 1024)
            .body(body)
            .unwrap()
    };
    for (who, cookie, want) in
        [("nobody", None, StatusCode::UNAUTHORIZED), ("a KPA", Some(kpa.as_str()), StatusCode::FORBIDDEN)]
    {
        let answer = tokio::time::timeout(std::time::Duration::from_secs(5), app.send(endless(), cookie)).await;
        let (status, body, _) = answer.unwrap_or_else(|_| panic!("{who}: the server waited for the body"));
        assert_eq!(status, want, "{who}: {body}");
    }
}
