//! Helpers shared by the PostgreSQL integration tests.
#![allow(dead_code)]

use backend::{Actor, Caller, akses::masuk, provisi::demo};
use chrono::NaiveDate;
use domain::validate::PejabatInput;
use sqlx::PgPool;

/// A port nothing listens on (TCP port 9, "discard": no service here, and below the ephemeral
/// range the tests' own servers are given).
pub const UNREACHABLE_PORT: u16 = 9;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// The trail's MAC key of the tests, installed for the process (every test installs the same):
/// call it first in a test that verifies the trail, so each of its lines carries a MAC.
pub fn kunci_mac() -> backend::sistem::kunci::KunciMac {
    let kunci = backend::sistem::kunci::KunciMac::new(&[8; 32]);
    backend::audit::pasang_kunci_mac(kunci.clone());
    kunci
}

/// Loads the demo data and logs `username` in with the demo password.
pub async fn login(pool: &PgPool, username: &str) -> Caller {
    demo::seed_if_empty(pool).await.unwrap();
    let actor: Actor =
        masuk::login(pool, Some("127.0.0.1".into()), username, demo::PASSWORD).await.unwrap().into_actor();
    backend::akses::sesi::mulai_dan_muat(pool, &actor, Some("127.0.0.1".into()), backend::now()).await.unwrap()
}

/// A valid Rekam form for the demo KPA of satker 561403.
pub fn kpa_input() -> PejabatInput {
    PejabatInput {
        nip: "199109112010111001".into(),
        nama: "KPA PSIE I".into(),
        tempat_lahir: "Jakarta".into(),
        tanggal_lahir: "1970-12-20".into(),
        email: "kpa.psie@kemenkeu.go.id".into(),
        no_hp: "0812 3456 7890".into(),
        alamat_domisili: "Jl. Medan Merdeka Timur No. 16".into(),
        alamat_ktp: "Jl. Medan Merdeka Timur No. 16".into(),
        nomor_sk: "KEP-12/WPJ.04/2026".into(),
        tanggal_sk: "2026-01-05".into(),
        jabatan: "KUASA PENGGUNA ANGGARAN".into(),
        kppn_kode: "019".into(),
    }
}

pub async fn audit_actions(pool: &PgPool) -> Vec<(String, String)> {
    backend::audit::latest(pool, 100).await.unwrap().into_iter().map(|r| (r.action, r.outcome)).collect()
}

/// A small but well-formed PDF (header to end marker), unique per `tag`.
pub fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {tag}\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

/// Seed step 2 through the real use cases: the admin of 561403 uploads a bundle for each
/// reference, sends them as one submission, and the CSO accepts each with a full checklist.
pub async fn accept_bundles(pool: &PgPool, ids: &[domain::PejabatId]) {
    use backend::dokumen::berkas;
    use domain::berkas::{Keperluan, Keputusan};
    let admin = login(pool, "adm_561403").await;
    let now = backend::now();
    for id in ids {
        berkas::unggah(pool, &admin, *id, Keperluan::Aktivasi, "bundel.pdf", &pdf(&id.to_string()), now).await.unwrap();
    }
    berkas::ajukan(pool, &admin, now).await.unwrap();
    let cso = login(pool, "cso_jakarta6").await;
    let desk = berkas::meja(pool, &cso, 10).await.unwrap();
    for item in &desk[0].items {
        berkas::putuskan(pool, &cso, item.berkas.id, [true; 5], &Keputusan::Terima, now).await.unwrap();
    }
}

/// The code in the newest code SMS to `phone`, read from the outbox as the phone would.
pub async fn last_code(pool: &PgPool, phone: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body FROM sms_outbox WHERE phone = $1 AND otp_code_id IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(phone)
    .fetch_one(pool)
    .await
    .unwrap();
    // every code SMS ends "…: <code>. Kode berlaku 2 menit. …"
    let end = body.find(". Kode berlaku").unwrap();
    body[end - 6..end].to_owned()
}

/// A walk-in session ("sesi langsung") for reference `id` opened at `at` by the CSO of its
/// KPPN (`cso_jakarta6` for satker 561403): the aktivasi code may be requested from then on
/// for an hour, and this CSO enters it.
pub async fn sesi_langsung(pool: &PgPool, cso: &Caller, id: domain::PejabatId, at: chrono::DateTime<chrono::Utc>) {
    backend::jadwal::langsung(pool, cso, id, domain::upacara::DEFAULT_TOLERANSI, at).await.unwrap();
}

/// The in-person checklist of a walk-in session, complete.
pub fn ceklis_kppn() -> domain::upacara::CeklisInput {
    let dicentang = domain::upacara::Butir::untuk(domain::jadwal::Mode::Kppn).to_vec();
    domain::upacara::CeklisInput { dicentang, kuasa: None }
}
