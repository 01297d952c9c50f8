//! The authorization matrix: every server function (and file route), called over HTTP
//! through the real router as every role — Admin Lokal, KPA, PPSPM, PPK, CSO, logged
//! out — on a reference of its own satker/KPPN and on another's, against the one table
//! below. A server function missing from the table fails `every_server_function_is_in_the_matrix`.
//!
//! Deny means 401, 403 or 404 and nothing changed; allow means the call got past "who
//! are you": 200, or a 409/422 refusal about the state or the input. The first allowed
//! call of each row must be a plain 200, so the fixture really reaches the step.

use crate::common::App;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::aktivasi::otp::{self, OtpKey};
use backend::dokumen::berkas;
use domain::berkas::{Keperluan, Keputusan};
use domain::otp::Purpose;
use domain::validate::PejabatInput;
use domain::{BerkasId, JadwalId, PejabatId, UbahNomorId};
use sqlx::PgPool;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anon,
    Admin,
    Kpa,
    Ppspm,
    Ppk,
    Cso,
    /// The national operator: no unit, no pejabat data.
    Operator,
    /// The regional office over KPPN 019 and 028: watches only.
    Kanwil,
    /// The head office: watches everything.
    Pusat,
}

use Who::*;
const EVERYONE: [Who; 9] = [Anon, Admin, Kpa, Ppspm, Ppk, Cso, Operator, Kanwil, Pusat];
/// Everyone logged in.
const USERS: [Who; 8] = [Admin, Kpa, Ppspm, Ppk, Cso, Operator, Kanwil, Pusat];
const SATKER_ROLES: &[Who] = &[Admin, Kpa, Ppspm, Ppk];

impl Who {
    /// The demo user of satker 561403 / KPPN 019 playing the role.
    fn username(self) -> Option<&'static str> {
        match self {
            Anon => None,
            Admin => Some("adm_561403"),
            Kpa => Some("apr_kpa561403"),
            Ppspm => Some("apr_spm561403"),
            Ppk => Some("val_ppk561403"),
            Cso => Some("cso_jakarta6"),
            Operator => Some("opr_nasional"),
            Kanwil => Some("kwl_dki"),
            Pusat => Some("pst_djpb"),
        }
    }
}

/// How far the fixture goes (each level includes the ones before), in both satkers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// KPA, PPK (and PPSPM in 561403) recorded `BARU`; a form printed; a session that has started.
    Baru,
    /// KPA's and PPK's bundles uploaded as drafts.
    Draf,
    /// … and submitted.
    Diajukan,
    /// … and accepted.
    Diterima,
    /// The PPK asked for its phone-verification code.
    VerifPending,
    /// PPK verified; the KPA asked for its activation code.
    AktivasiPending,
    /// The CSO activated the KPA.
    KpaAktif,
    /// The KPA asked for its Kirim Data code for the PPK.
    KirimPending,
    /// PPK sent and activated.
    PpkAktif,
    /// The PPK asked to change its number.
    UbahVerif,
    /// … verified the new number.
    UbahPersetujuan,
    /// The KPA asked for its approval code.
    UbahSetujuPending,
    /// Approved, the change's bundle accepted: waiting for the CSO.
    UbahKonfirmasi,
}

/// The objects of one satker the calls point at.
#[derive(Debug, Clone, Default)]
struct Side {
    kpa: PejabatId,
    ppk: PejabatId,
    /// A reference nobody works with (for Hapus).
    spare: PejabatId,
    berkas: BerkasId,
    /// A session the CSO set by hand, started a minute ago.
    jadwal: JadwalId,
    /// Two open slots the day after tomorrow, and a booking of the second (none named).
    slot: domain::SlotId,
    slot2: domain::SlotId,
    pesanan: JadwalId,
    kode_formulir: String,
    ubah: UbahNomorId,
    /// The newest code each phone received.
    kode_kpa: String,
    kode_ppk: String,
    kode_ppk_baru: String,
    /// A set-password link of a user imported without a password.
    token: String,
    /// A user the satker's Admin Lokal and its KPPN's CSO manage (on the other side: one
    /// nobody reaches).
    pengguna: String,
    /// An import the operator checked.
    draf: domain::DrafId,
    satker: &'static str,
}

/// What a row sends: a server function (form-encoded arguments) or a file route.
enum Call {
    Fn(&'static str, fn(&Side) -> String),
    Get(fn(&Side) -> String),
    Upload(fn(&Side) -> PejabatId),
}

struct Row {
    key: &'static str,
    level: Level,
    call: Call,
    /// Who may, on its own satker/KPPN's objects.
    allowed: &'static [Who],
    /// False when the call names no object, so "another's" is the same call.
    targeted: bool,
    /// A sensitive step: with a login older than five minutes it asks for a step-up (428)
    /// and changes nothing.
    step_up: bool,
}

fn none(_: &Side) -> String {
    String::new()
}

const MATRIX: &[Row] = &[
    Row {
        key: "passkey_daftarkan_mulai",
        level: Level::Baru,
        call: Call::Fn("passkey_daftarkan_mulai", none),
        allowed: &USERS,
        targeted: false,
        step_up: true,
    },
    Row {
        key: "passkey_daftarkan_selesai",
        level: Level::Baru,
        call: Call::Fn("passkey_daftarkan_selesai", |_| "credential=%7B%7D".into()),
        allowed: &USERS,
        targeted: false,
        step_up: true,
    },
    Row {
        key: "passkey_masuk_mulai",
        level: Level::Baru,
        call: Call::Fn("passkey_masuk_mulai", none),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "passkey_masuk_selesai",
        level: Level::Baru,
        call: Call::Fn("passkey_masuk_selesai", |_| "credential=%7B%7D".into()),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "auth_ulang_passkey",
        level: Level::Baru,
        call: Call::Fn("auth_ulang_passkey", |_| "password=Sakti%232026&credential=%7B%7D".into()),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "auth_sesi",
        level: Level::Baru,
        call: Call::Fn("auth_sesi", |_| "aktif=true".into()),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "auth_segar",
        level: Level::Baru,
        call: Call::Fn("auth_segar", none),
        allowed: &USERS,
        targeted: false,
        step_up: true,
    },
    Row {
        key: "auth_ulang",
        level: Level::Baru,
        call: Call::Fn("auth_ulang", |_| "password=Sakti%232026".into()),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "sesi_daftar",
        level: Level::Baru,
        call: Call::Fn("sesi_daftar", none),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "sesi_akhiri",
        level: Level::Baru,
        call: Call::Fn("sesi_akhiri", |_| "id=0".into()),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "sesi_akhiri_lain",
        level: Level::Baru,
        call: Call::Fn("sesi_akhiri_lain", none),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "pengguna_akhiri_sesi",
        level: Level::Baru,
        call: Call::Fn("pengguna_akhiri_sesi", |s| format!("username={}", s.pengguna)),
        allowed: &[Admin, Cso, Operator],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "pengguna_buka_kunci",
        level: Level::Baru,
        call: Call::Fn("pengguna_buka_kunci", |s| format!("username={}", s.pengguna)),
        allowed: &[Admin, Cso, Operator],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "pengguna_reset_faktor",
        level: Level::Baru,
        call: Call::Fn("pengguna_reset_faktor", |s| format!("username={}", s.pengguna)),
        allowed: &[Admin, Cso, Operator],
        targeted: true,
        step_up: true,
    },
    // the second step of a login: a logged-in caller is past it (a rule refuses)
    Row {
        key: "masuk_status",
        level: Level::Baru,
        call: Call::Fn("masuk_status", none),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "masuk_kode",
        level: Level::Baru,
        call: Call::Fn("masuk_kode", |_| "kode=000000".into()),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "masuk_lanjut",
        level: Level::Baru,
        call: Call::Fn("masuk_lanjut", none),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "faktor_daftar",
        level: Level::Baru,
        call: Call::Fn("faktor_daftar", none),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "faktor_totp_baru",
        level: Level::Baru,
        call: Call::Fn("faktor_totp_baru", none),
        allowed: &USERS,
        targeted: false,
        step_up: true,
    },
    Row {
        key: "faktor_totp_simpan",
        level: Level::Baru,
        call: Call::Fn("faktor_totp_simpan", |_| "kode=000000".into()),
        allowed: &USERS,
        targeted: false,
        step_up: true,
    },
    Row {
        key: "faktor_hapus",
        level: Level::Baru,
        call: Call::Fn("faktor_hapus", |_| "id=0".into()),
        allowed: &USERS,
        targeted: false,
        step_up: true,
    },
    Row {
        key: "faktor_pemulihan_baru",
        level: Level::Baru,
        call: Call::Fn("faktor_pemulihan_baru", none),
        allowed: &USERS,
        targeted: false,
        step_up: true,
    },
    Row {
        key: "hp_autentikator",
        level: Level::Baru,
        call: Call::Fn("hp_autentikator", none),
        allowed: &EVERYONE,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "impor_draf",
        level: Level::Baru,
        call: Call::Fn("impor_draf", |s| format!("id={}", s.draf)),
        allowed: &[Operator],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "impor_terapkan",
        level: Level::Baru,
        call: Call::Fn("impor_terapkan", |s| format!("id={}", s.draf)),
        allowed: &[Operator],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "pengguna_tautan",
        level: Level::Baru,
        call: Call::Fn("pengguna_tautan", |s| format!("username={}", s.pengguna)),
        allowed: &[Admin, Cso, Operator],
        targeted: true,
        step_up: true,
    },
    // a set-password link works without a login; after its first use it is refused by a rule
    Row {
        key: "sandi_pemilik",
        level: Level::Baru,
        call: Call::Fn("sandi_pemilik", |s| format!("token={}", s.token)),
        allowed: &EVERYONE,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "sandi_atur",
        level: Level::Baru,
        call: Call::Fn("sandi_atur", |s| {
            format!("token={}&password=lampu+meja+hijau+di+pojok&ulang=lampu+meja+hijau+di+pojok", s.token)
        }),
        allowed: &EVERYONE,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "sandi_ganti",
        level: Level::Baru,
        call: Call::Fn("sandi_ganti", |_| {
            "lama=Sakti%232026&baru=sepeda+tua+bunyi+lonceng&ulang=sepeda+tua+bunyi+lonceng".into()
        }),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "auth_login",
        level: Level::Baru,
        call: Call::Fn("auth_login", |_| "username=adm_561403&password=Sakti%232026".into()),
        allowed: &EVERYONE,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "auth_logout",
        level: Level::Baru,
        call: Call::Fn("auth_logout", none),
        allowed: &EVERYONE,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "berikut",
        level: Level::Baru,
        call: Call::Fn("berikut", none),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "auth_whoami",
        level: Level::Baru,
        call: Call::Fn("auth_whoami", none),
        allowed: &USERS,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "hp_nomor",
        level: Level::Baru,
        call: Call::Fn("hp_nomor", none),
        allowed: &EVERYONE,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "hp_pesan",
        level: Level::Baru,
        call: Call::Fn("hp_pesan", |_| "phone=%2B6281234567890".into()),
        allowed: &EVERYONE,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "pejabat_daftar",
        level: Level::Baru,
        call: Call::Fn("pejabat_daftar", |_| "query[page]=1&query[per_page]=10&query[filter]=".into()),
        allowed: SATKER_ROLES,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "pejabat_pilihan",
        level: Level::Baru,
        call: Call::Fn("pejabat_pilihan", none),
        allowed: &[Admin],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "pejabat_rekam",
        level: Level::Baru,
        call: Call::Fn("pejabat_rekam", |_| rekam_args()),
        allowed: &[Admin],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "pejabat_hapus",
        level: Level::Baru,
        call: Call::Fn("pejabat_hapus", |s| format!("id={}", s.spare)),
        allowed: &[Admin],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "otp_request/verifikasi_hp",
        level: Level::Diterima,
        call: Call::Fn("otp_request", |s| format!("pejabat_id={}&purpose=VerifikasiHp", s.ppk)),
        allowed: &[Ppk],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "otp_request/aktivasi",
        level: Level::Diterima,
        call: Call::Fn("otp_request", |s| format!("pejabat_id={}&purpose=Aktivasi", s.kpa)),
        allowed: &[Kpa],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "otp_request/kirim_data",
        level: Level::KpaAktif,
        call: Call::Fn("otp_request", |s| format!("pejabat_id={}&purpose=KirimData", s.ppk)),
        allowed: &[Kpa],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "otp_latest",
        level: Level::AktivasiPending,
        call: Call::Fn("otp_latest", |s| format!("pejabat_id={}&purpose=Aktivasi", s.kpa)),
        allowed: SATKER_ROLES,
        targeted: true,
        step_up: false,
    },
    Row {
        key: "otp_submit/verifikasi_hp",
        level: Level::VerifPending,
        call: Call::Fn("otp_submit", |s| format!("pejabat_id={}&purpose=VerifikasiHp&code={}", s.ppk, s.kode_ppk)),
        allowed: &[Ppk],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "otp_submit/kirim_data",
        level: Level::KirimPending,
        call: Call::Fn("otp_submit", |s| format!("pejabat_id={}&purpose=KirimData&code={}", s.ppk, s.kode_kpa)),
        allowed: &[Kpa],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "otp_submit/aktivasi",
        level: Level::AktivasiPending,
        call: Call::Fn("otp_submit", |s| format!("pejabat_id={}&purpose=Aktivasi&code={}", s.kpa, s.kode_kpa)),
        allowed: &[Cso],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "cso_perhatian",
        level: Level::AktivasiPending,
        call: Call::Fn("cso_perhatian", none),
        allowed: &[Cso],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "cso_buka_kunci_otp",
        level: Level::AktivasiPending,
        // the spare reference, locked from this level on
        call: Call::Fn("cso_buka_kunci_otp", |s| {
            format!("pejabat_id={}&alasan=Dipastikan+lewat+telepon+resmi", s.spare)
        }),
        allowed: &[Cso],
        targeted: true,
        step_up: true,
    },
    Row {
        key: "otp_bukan_saya",
        level: Level::AktivasiPending,
        call: Call::Fn("otp_bukan_saya", |s| format!("pejabat_id={}", s.kpa)),
        allowed: &[Kpa],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "hp_gateway_gagal",
        level: Level::Baru,
        call: Call::Fn("hp_gateway_gagal", |_| "phone=%2B6281234567890".into()),
        allowed: &EVERYONE,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "cso_daftar",
        level: Level::AktivasiPending,
        call: Call::Fn("cso_daftar", |_| "search=".into()),
        allowed: &[Cso],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "cso_aktivasi",
        level: Level::AktivasiPending,
        call: Call::Fn("cso_aktivasi", |s| {
            // the in-person checklist of the session the fixture's CSO holds
            format!(
                "pejabat_id={}&code={}&ceklis[dicentang][0]=HadirLangsung&ceklis[dicentang][1]=KtpCocok",
                s.kpa, s.kode_kpa
            )
        }),
        allowed: &[Cso],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "cso_sesi_langsung",
        level: Level::Baru,
        call: Call::Fn("cso_sesi_langsung", |s| format!("pejabat_id={}", s.kpa)),
        allowed: &[Cso],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "berkas_daftar",
        level: Level::Draf,
        call: Call::Fn("berkas_daftar", none),
        allowed: SATKER_ROLES,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "berkas_ajukan",
        level: Level::Draf,
        call: Call::Fn("berkas_ajukan", none),
        allowed: &[Admin],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "jadwal_daftar_satker",
        level: Level::Baru,
        call: Call::Fn("jadwal_daftar_satker", none),
        allowed: SATKER_ROLES,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "ubah_nomor_daftar",
        level: Level::UbahPersetujuan,
        call: Call::Fn("ubah_nomor_daftar", none),
        allowed: SATKER_ROLES,
        targeted: false,
        step_up: false,
    },
    Row {
        key: "ubah_nomor_ajukan",
        level: Level::PpkAktif,
        call: Call::Fn("ubah_nomor_ajukan", |s| format!("pejabat_id={}&no_hp=081377770000", s.ppk)),
        allowed: &[Ppk],
        targeted: true,
        step_up: true,
    },
    Row {
        key: "ubah_nomor_verifikasi",
        level: Level::UbahVerif,
        call: Call::Fn("ubah_nomor_verifikasi", |s| format!("pejabat_id={}&code={}", s.ppk, s.kode_ppk_baru)),
        allowed: &[Ppk],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "ubah_nomor_minta_setuju",
        level: Level::UbahPersetujuan,
        call: Call::Fn("ubah_nomor_minta_setuju", |s| format!("pejabat_id={}", s.ppk)),
        allowed: &[Kpa],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "ubah_nomor_setuju",
        level: Level::UbahSetujuPending,
        call: Call::Fn("ubah_nomor_setuju", |s| format!("pejabat_id={}&code={}", s.ppk, s.kode_kpa)),
        allowed: &[Kpa],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "ubah_nomor_batal",
        level: Level::UbahPersetujuan,
        call: Call::Fn("ubah_nomor_batal", |s| format!("pejabat_id={}", s.ppk)),
        allowed: &[Admin, Kpa, Ppk],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "meja_daftar",
        level: Level::Diajukan,
        call: Call::Fn("meja_daftar", none),
        allowed: &[Cso],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "meja_putuskan",
        level: Level::Diajukan,
        call: Call::Fn("meja_putuskan", |s| {
            format!(
                "berkas_id={}&ceklis[0]=true&ceklis[1]=true&ceklis[2]=true&ceklis[3]=true&ceklis[4]=true&terima=true&alasan=",
                s.berkas
            )
        }),
        allowed: &[Cso],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "jadwal_daftar_kppn",
        level: Level::Baru,
        call: Call::Fn("jadwal_daftar_kppn", none),
        allowed: &[Cso],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "jadwal_buat",
        level: Level::Baru,
        call: Call::Fn("jadwal_buat", jadwal_args),
        allowed: &[Cso],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "jadwal_catat",
        level: Level::Baru,
        call: Call::Fn("jadwal_catat", |s| format!("jadwal_id={}&hadir=true&hasil=OTP+aktif", s.jadwal)),
        allowed: &[Cso],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "jadwal_ambil",
        level: Level::Baru,
        call: Call::Fn("jadwal_ambil", |s| format!("jadwal_id={}", s.jadwal)),
        allowed: &[Cso],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "jadwal_tiba",
        level: Level::Baru,
        call: Call::Fn("jadwal_tiba", |s| format!("jadwal_id={}", s.jadwal)),
        allowed: &[Cso],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "jadwal_pesan",
        level: Level::Diterima,
        call: Call::Fn("jadwal_pesan", |s| format!("slot_id={}&pejabat[0]={}", s.slot, s.kpa)),
        allowed: &[Admin],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "jadwal_pindah",
        level: Level::Baru,
        call: Call::Fn("jadwal_pindah", |s| format!("jadwal_id={}&slot_id={}", s.pesanan, s.slot)),
        allowed: &[Admin],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "jadwal_batal",
        level: Level::Baru,
        call: Call::Fn("jadwal_batal", |s| format!("jadwal_id={}", s.pesanan)),
        allowed: &[Admin],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "formulir_cek",
        level: Level::Baru,
        call: Call::Fn("formulir_cek", |s| format!("kode={}", s.kode_formulir)),
        allowed: &[Cso],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "ubah_nomor_konfirmasi_daftar",
        level: Level::UbahKonfirmasi,
        call: Call::Fn("ubah_nomor_konfirmasi_daftar", none),
        allowed: &[Cso],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "ubah_nomor_konfirmasi",
        level: Level::UbahKonfirmasi,
        // within the waiting period: the old phone is recorded as lost
        call: Call::Fn("ubah_nomor_konfirmasi", |s| format!("ubah_nomor_id={}&hp_lama_hilang=HP+hilang", s.ubah)),
        allowed: &[Cso],
        targeted: true,
        step_up: true,
    },
    // the progress board: the viewer's own scope (which scope each may open: backend pantau)
    Row {
        key: "pantau_papan",
        level: Level::Baru,
        call: Call::Fn("pantau_papan", |_| "query[kppn]=&query[kanwil]=&query[satker]=".into()),
        allowed: &[Cso, Kanwil, Pusat],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "GET /api/pantau.csv",
        level: Level::Baru,
        call: Call::Get(|_| "/api/pantau.csv".into()),
        allowed: &[Cso, Kanwil, Pusat],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "audit_cari",
        level: Level::Baru,
        call: Call::Fn("audit_cari", |_| "query[page]=1".into()),
        allowed: &[Admin, Cso],
        targeted: false,
        step_up: false,
    },
    // the routes that move files
    Row {
        key: "GET /api/formulir",
        level: Level::Baru,
        call: Call::Get(|s| format!("/api/formulir/{}/aktivasi-otp.pdf", s.kpa)),
        allowed: &[Admin],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "GET /api/bukti",
        level: Level::KpaAktif,
        call: Call::Get(|s| format!("/api/bukti/{}", s.kpa)),
        allowed: &[Admin, Cso, Kanwil, Pusat],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "GET /api/bukti/pdf",
        level: Level::KpaAktif,
        call: Call::Get(|s| format!("/api/bukti/{}/pdf", s.kpa)),
        allowed: &[Admin, Cso, Kanwil, Pusat],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "GET /api/berkas",
        level: Level::Diajukan,
        call: Call::Get(|s| format!("/api/berkas/{}", s.berkas)),
        allowed: &[Admin, Cso],
        targeted: true,
        step_up: false,
    },
    Row {
        key: "GET /api/audit.csv",
        level: Level::Baru,
        call: Call::Get(|_| "/api/audit.csv".into()),
        allowed: &[Admin, Cso],
        targeted: false,
        step_up: true,
    },
    Row {
        key: "GET /api/events",
        level: Level::Baru,
        call: Call::Get(|_| "/api/events".into()),
        allowed: &[Admin, Kpa, Ppspm, Ppk, Cso, Kanwil, Pusat],
        targeted: false,
        step_up: false,
    },
    Row {
        key: "POST /api/berkas",
        level: Level::Baru,
        call: Call::Upload(|s| s.kpa),
        allowed: &[Admin],
        targeted: true,
        step_up: false,
    },
];

fn rekam_args() -> String {
    // the 2020 pilot user of 561403, as a new PPSPM reference
    [
        ("nip", "197203142000031001"),
        ("nama", "Maulana Malik Ibrahim"),
        ("tempat_lahir", "Jakarta"),
        ("tanggal_lahir", "1972-03-14"),
        ("email", "maulana%40kemenkeu.go.id"),
        ("no_hp", "081311119999"),
        ("alamat_domisili", "Jakarta"),
        ("alamat_ktp", "Jakarta"),
        ("nomor_sk", "KEP-1%2F2026"),
        ("tanggal_sk", "2026-01-05"),
        ("jabatan", "PEJABAT+SPM"),
        ("kppn_kode", "019"),
    ]
    .iter()
    .map(|(k, v)| format!("input[{k}]={v}"))
    .collect::<Vec<_>>()
    .join("&")
}

fn jadwal_args(s: &Side) -> String {
    let tomorrow = backend::today_wib() + chrono::Duration::days(1);
    format!(
        "input[satker_kode]={}&input[tanggal]={tomorrow}&input[jam]=09%3A00&input[mode]=KPPN&input[tautan]=&input[catatan]=",
        s.satker
    )
}

// ---------------------------------------------------------------- the fixture

async fn caller(pool: &PgPool, username: &str) -> backend::Caller {
    let actor =
        backend::akses::masuk::login(pool, Some("127.0.0.1".into()), username, backend::provisi::demo::PASSWORD)
            .await
            .unwrap()
            .into_actor();
    backend::akses::sesi::mulai_dan_muat(pool, &actor, Some("127.0.0.1".into()), backend::now()).await.unwrap()
}

fn input(nip: &str, nama: &str, hp: &str, jabatan: &str, kppn: &str) -> PejabatInput {
    PejabatInput {
        nip: nip.into(),
        nama: nama.into(),
        tempat_lahir: "Jakarta".into(),
        tanggal_lahir: "1975-06-01".into(),
        email: format!("p{}@kemenkeu.go.id", &nip[14..]),
        no_hp: hp.into(),
        alamat_domisili: "Jakarta".into(),
        alamat_ktp: "Jakarta".into(),
        nomor_sk: "KEP-12/2026".into(),
        tanggal_sk: "2026-01-05".into(),
        jabatan: jabatan.into(),
        kppn_kode: kppn.into(),
    }
}

async fn newest_code(pool: &PgPool, phone: &str) -> String {
    let body: Option<String> = sqlx::query_scalar(
        "SELECT body FROM sms_outbox WHERE phone = $1 AND otp_code_id IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(phone)
    .fetch_optional(pool)
    .await
    .unwrap();
    // every code SMS ends "…: <code>. Kode berlaku 2 menit. …"
    body.and_then(|b| b.find(". Kode berlaku").map(|end| b[end - 6..end].to_owned())).unwrap_or_else(|| "000000".into())
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n".to_vec()
}

/// Satker `satker` taken to `level`; returns the objects of that side.
#[allow(clippy::too_many_lines)]
async fn side(pool: &PgPool, key: &OtpKey, level: Level, own: bool) -> Side {
    let (satker, kppn, admin, kpa_user, ppk_user, cso_user) = if own {
        ("561403", "019", "adm_561403", "apr_kpa561403", "val_ppk561403", "cso_jakarta6")
    } else {
        ("527010", "028", "adm_527010", "apr_kpa527010", "val_ppk527010", "cso_jakarta2")
    };
    let (kpa_hp, ppk_hp, baru_hp) = if own {
        ("+6281234567890", "+6281300000002", "+6281399990000")
    } else {
        ("+6281311110003", "+6281355500002", "+6281399990001")
    };
    let now = backend::now;
    let (a, k, p, c) = (
        caller(pool, admin).await,
        caller(pool, kpa_user).await,
        caller(pool, ppk_user).await,
        caller(pool, cso_user).await,
    );
    let mut s = Side { satker, ..Default::default() };
    // KPA: recorded here in 561403; 527010's is in the demo data
    s.kpa = if own {
        backend::aktivasi::pejabat::rekam(
            pool,
            &a,
            &input("199109112010111001", "KPA PSIE I", "081234567890", "KUASA PENGGUNA ANGGARAN", kppn),
            backend::now(),
        )
        .await
        .unwrap()
    } else {
        sqlx::query_scalar(
            "SELECT id FROM pejabat WHERE satker_kode = '527010' AND jabatan = 'KUASA PENGGUNA ANGGARAN'",
        )
        .fetch_one(pool)
        .await
        .unwrap()
    };
    let ppk_nip = if own { "133209333013111001" } else { "198003032005011005" };
    s.ppk = backend::aktivasi::pejabat::rekam(
        pool,
        &a,
        &input(ppk_nip, "PPK", ppk_hp, "PEJABAT PEMBUAT KOMITMEN", kppn),
        backend::now(),
    )
    .await
    .unwrap();
    s.spare = if own {
        sqlx::query_scalar("SELECT id FROM pejabat WHERE satker_kode = '561403' AND jabatan = 'BENDAHARA'")
            .fetch_one(pool)
            .await
            .unwrap()
    } else {
        backend::aktivasi::pejabat::rekam(
            pool,
            &a,
            &input("198202022008011002", "Admin", "081355500009", "BENDAHARA", kppn),
            backend::now(),
        )
        .await
        .unwrap()
    };
    s.kode_formulir =
        backend::dokumen::formulir::unduh(pool, &a, s.kpa, domain::formulir::Jenis::AktivasiOtp, "http://x", now())
            .await
            .unwrap()
            .kode;
    s.jadwal = sqlx::query_scalar(
        "WITH cso AS (SELECT id FROM app_user WHERE username = $3),
              sl AS (INSERT INTO slot (kppn_kode, mulai, durasi_menit, kapasitas, mode, dibuat_at, dibuat_by)
                     SELECT $2, now() - interval '1 minute', 60, 1, 'KPPN', now(), id FROM cso RETURNING id)
         INSERT INTO jadwal (satker_kode, kppn_kode, slot_id, dibuat_at, dibuat_by)
         SELECT $1, $2, sl.id, now(), cso.id FROM sl, cso RETURNING id",
    )
    .bind(satker)
    .bind(kppn)
    .bind(cso_user)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut open = Vec::new();
    for hours in [48, 50] {
        open.push(
            sqlx::query_scalar(
                "INSERT INTO slot (kppn_kode, mulai, durasi_menit, kapasitas, mode, dibuat_at, dibuat_by)
                 SELECT $1, now() + make_interval(hours => $2), 60, 2, 'KPPN', now(), id FROM app_user
                 WHERE username = $3 RETURNING id",
            )
            .bind(kppn)
            .bind(hours)
            .bind(cso_user)
            .fetch_one(pool)
            .await
            .unwrap(),
        );
    }
    (s.slot, s.slot2) = (open[0], open[1]);
    s.pesanan = sqlx::query_scalar(
        "INSERT INTO jadwal (satker_kode, kppn_kode, slot_id, dibuat_at, dibuat_by)
         SELECT $1, $2, $3, now(), id FROM app_user WHERE username = $4 RETURNING id",
    )
    .bind(satker)
    .bind(kppn)
    .bind(s.slot2)
    .bind(cso_user)
    .fetch_one(pool)
    .await
    .unwrap();
    if level >= Level::Draf {
        for id in [s.kpa, s.ppk] {
            s.berkas = berkas::unggah(pool, &a, id, Keperluan::Aktivasi, "b.pdf", &pdf(), now()).await.unwrap().id;
        }
    }
    if level >= Level::Diajukan {
        berkas::ajukan(pool, &a, now()).await.unwrap();
    }
    if level >= Level::Diterima {
        for g in berkas::meja(pool, &c, 10).await.unwrap() {
            for item in g.items {
                berkas::putuskan(pool, &c, item.berkas.id, [true; 5], &Keputusan::Terima, now()).await.unwrap();
            }
        }
        // the CSO holds the session set by hand, which names no pejabat: all of the satker's
        // aktivasi codes are requested in it
        backend::jadwal::ambil(pool, &c, s.jadwal, now()).await.unwrap();
    }
    let at_kppn = domain::upacara::CeklisInput {
        dicentang: domain::upacara::Butir::untuk(domain::jadwal::Mode::Kppn).to_vec(),
        kuasa: None,
    };
    if level >= Level::VerifPending {
        otp::request(pool, key, &p, s.ppk, Purpose::VerifikasiHp, now()).await.unwrap();
    }
    if level >= Level::AktivasiPending {
        // the spare reference's OTP steps locked (for Buka kunci)
        sqlx::query("UPDATE pejabat SET otp_salah = 10, otp_terkunci_at = now() WHERE id = $1")
            .bind(s.spare)
            .execute(pool)
            .await
            .unwrap();
        otp::submit(pool, key, &p, s.ppk, Purpose::VerifikasiHp, &newest_code(pool, ppk_hp).await, None, now())
            .await
            .unwrap();
        otp::request(pool, key, &k, s.kpa, Purpose::Aktivasi, now()).await.unwrap();
    }
    if level >= Level::KpaAktif {
        let code = newest_code(pool, kpa_hp).await;
        otp::submit(pool, key, &c, s.kpa, Purpose::Aktivasi, &code, Some(&at_kppn), now()).await.unwrap();
        let kunci = backend::sistem::kunci::KunciTanda::new(&[1; 32]).unwrap();
        backend::aktivasi::bukti::catat(pool, &kunci, s.kpa, now()).await.unwrap();
    }
    if level >= Level::KirimPending {
        otp::request(pool, key, &k, s.ppk, Purpose::KirimData, now()).await.unwrap();
    }
    if level >= Level::PpkAktif {
        otp::submit(pool, key, &k, s.ppk, Purpose::KirimData, &newest_code(pool, kpa_hp).await, None, now())
            .await
            .unwrap();
        otp::request(pool, key, &p, s.ppk, Purpose::Aktivasi, now()).await.unwrap();
        let code = newest_code(pool, ppk_hp).await;
        otp::submit(pool, key, &c, s.ppk, Purpose::Aktivasi, &code, Some(&at_kppn), now()).await.unwrap();
    }
    if level >= Level::UbahVerif {
        backend::aktivasi::ubah_nomor::ajukan(pool, key, &p, s.ppk, baru_hp, now()).await.unwrap();
    }
    if level >= Level::UbahPersetujuan {
        backend::aktivasi::ubah_nomor::verifikasi(pool, key, &p, s.ppk, &newest_code(pool, baru_hp).await, now())
            .await
            .unwrap();
    }
    if level >= Level::UbahSetujuPending {
        backend::aktivasi::ubah_nomor::minta_setuju(pool, key, &k, s.ppk, now()).await.unwrap();
    }
    if level >= Level::UbahKonfirmasi {
        backend::aktivasi::ubah_nomor::setuju(pool, key, &k, s.ppk, &newest_code(pool, kpa_hp).await, now())
            .await
            .unwrap();
        let b = berkas::unggah(pool, &a, s.ppk, Keperluan::UbahNomor, "u.pdf", &pdf(), now()).await.unwrap();
        berkas::ajukan(pool, &a, now()).await.unwrap();
        berkas::putuskan(pool, &c, b.id, [true; 5], &Keputusan::Terima, now()).await.unwrap();
    }
    s.ubah = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM ubah_nomor WHERE pejabat_id = $1")
        .bind(s.ppk)
        .fetch_one(pool)
        .await
        .unwrap();
    s.kode_kpa = newest_code(pool, kpa_hp).await;
    s.kode_ppk = newest_code(pool, ppk_hp).await;
    s.kode_ppk_baru = newest_code(pool, baru_hp).await;
    let invited = if own { "adm_baru561403" } else { "adm_baru527010" };
    sqlx::query("INSERT INTO app_user (username, nama, role, satker_kode) VALUES ($1, 'Baru', 'ADMIN_LOKAL', $2)")
        .bind(invited)
        .bind(satker)
        .execute(pool)
        .await
        .unwrap();
    let cli = backend::Caller::command_line();
    let shown = backend::akses::pengguna::Kirim { base: "http://localhost", surel: false };
    s.token = match backend::akses::pengguna::tautan(pool, &cli, invited, shown, now()).await.unwrap().jalan {
        backend::akses::pengguna::Jalan::Tampil { token } => token,
        other => panic!("{other:?}"),
    };
    s.pengguna = if own { invited.into() } else { "adm_tidakada527010".into() };
    let operator = caller(pool, "opr_nasional").await;
    let csv = if own { "kode,nama\n119,KPPN Uji\n" } else { "kode,nama\n120,KPPN Uji Dua\n" };
    let draf = backend::provisi::draf::uji(
        pool,
        &operator,
        backend::provisi::impor::Daftar::Kppn,
        "kppn.csv",
        csv.as_bytes(),
        false,
        now(),
    );
    s.draf = draf.await.unwrap().id;
    s
}

// ---------------------------------------------------------------- HTTP

async fn call(app: &App, call: &Call, side: &Side, cookie: Option<&str>) -> (StatusCode, String, String) {
    let req = match call {
        Call::Fn(name, args) => Request::post(format!("/api/{name}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(args(side)))
            .unwrap(),
        Call::Get(path) => Request::get(path(side)).body(Body::empty()).unwrap(),
        Call::Upload(id) => {
            let boundary = "matrixboundary";
            let mut body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"pejabat_id\"\r\n\r\n{}\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"keperluan\"\r\n\r\nAKTIVASI\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"berkas\"; filename=\"b.pdf\"\r\nContent-Type: application/pdf\r\n\r\n",
                id(side)
            )
            .into_bytes();
            body.extend_from_slice(&pdf());
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            Request::post("/api/berkas")
                .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
                .body(Body::from(body))
                .unwrap()
        }
    };
    app.send(req, cookie).await
}

/// Rows whose allowed caller is still refused by a rule every time: an activation code
/// through `otp_submit` (the CSO's console sends the attendance with `cso_aktivasi`).
/// So are the calls that name nothing real (a session or factor id 0), the second step of a
/// login made by someone already in, and a step-up without the staff's code.
/// `cso_buka_kunci_otp`: no reference is locked at any level (its success: backend `otp.rs`).
const NEVER_SUCCEEDS: &[&str] = &[
    "otp_submit/aktivasi",
    "sesi_akhiri",
    "masuk_status",
    "masuk_kode",
    "masuk_lanjut",
    "faktor_totp_simpan",
    "faktor_hapus",
    "auth_ulang",
    "passkey_daftarkan_selesai",
    "passkey_masuk_mulai",
    "passkey_masuk_selesai",
    "auth_ulang_passkey",
];

/// What the table says for `who` on `own` (or another's) objects.
/// Roles whose scope on a targeted row holds both satkers (the demo's two are in one region).
const WIDE: &[(&str, &[Who])] = &[("GET /api/bukti", &[Kanwil, Pusat]), ("GET /api/bukti/pdf", &[Kanwil, Pusat])];

fn expected(row: &Row, who: Who, own: bool) -> bool {
    let wide = WIDE.iter().any(|(key, roles)| *key == row.key && roles.contains(&who));
    row.allowed.contains(&who) && (own || !row.targeted || wide)
}

/// Allowed (true) or denied (false), as the answer shows it.
fn outcome(row: &Row, status: StatusCode, extra: &str) -> bool {
    match row.call {
        // the upload answers a plain form with a redirect carrying the outcome
        Call::Upload(_) => status == StatusCode::SEE_OTHER && extra.contains("pesan="),
        _ => !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
    }
}

/// A digest of everything a call could change (not the audit trail, which refusals write).
async fn state_digest(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws('|',
            (SELECT string_agg(id || status || no_hp || coalesce(deleted_at::text, ''), ',' ORDER BY id) FROM pejabat),
            (SELECT string_agg(id || status, ',' ORDER BY id) FROM berkas),
            (SELECT string_agg(id || tahap, ',' ORDER BY id) FROM ubah_nomor),
            (SELECT string_agg(id || ':' || slot_id || coalesce(kehadiran, '-') || coalesce(dibatalkan_at::text, '')
                    || coalesce(tiba_at::text, ''), ',' ORDER BY id) FROM jadwal),
            (SELECT count(*) FROM slot),
            (SELECT string_agg(id || state || wrong_tries, ',' ORDER BY id) FROM otp_code),
            (SELECT count(*) FROM sms_outbox), (SELECT count(*) FROM pengajuan),
            (SELECT count(*) FROM sesi), (SELECT count(*) FROM faktor),
            (SELECT string_agg(id || ':' || failed_logins, ',' ORDER BY id) FROM app_user))",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The objects of both satkers at one level, and everyone signed in: built once per level
/// in a database that each row copies.
struct Fixture {
    template: String,
    own: Side,
    other: Side,
    /// Each of [`EVERYONE`]'s session cookie (none for the logged-out visitor).
    cookies: Vec<Option<String>>,
    /// When it was built: the rows' clock stands there, so codes, sessions and bookings are
    /// as fresh as right after the build, however late in the run a row copies it.
    at: chrono::DateTime<chrono::Utc>,
}

async fn fixture(level: Level) -> &'static Fixture {
    const LEVELS: usize = Level::UbahKonfirmasi as usize + 1;
    static BUILT: [tokio::sync::OnceCell<Fixture>; LEVELS] = [const { tokio::sync::OnceCell::const_new() }; LEVELS];
    BUILT[level as usize]
        .get_or_init(|| async move {
            let tag = format!("{level:?}").to_lowercase();
            let (template, (own, other, cookies, at)) = crate::common::template_db(&tag, |pool| async move {
                backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
                let otp_key = OtpKey::new(b"matrix".to_vec());
                let own = side(&pool, &otp_key, level, true).await;
                let other = side(&pool, &otp_key, level, false).await;
                let app = App::new(&pool, otp_key).await;
                let mut cookies = Vec::new();
                for who in EVERYONE {
                    cookies.push(match who.username() {
                        Some(u) => Some(app.login(u).await),
                        None => None,
                    });
                }
                (own, other, cookies, backend::now())
            })
            .await;
            Fixture { template, own, other, cookies, at }
        })
        .await
}

async fn run_row(key: &str) {
    let row = MATRIX.iter().find(|r| r.key == key).unwrap_or_else(|| panic!("{key} is not in the matrix"));
    let Fixture { template, own, other, cookies, at } = fixture(row.level).await;
    let db = crate::common::DbCopy::of(template).await;
    let pool = db.pool.clone();
    let clock = backend::Clock::manual(*at);
    let app = App::with_clock(&pool, OtpKey::new(b"matrix".to_vec()), server::Edge::default(), clock).await;
    // denials first (each must leave everything as it was), then the allowed calls
    let mut cells: Vec<(Who, bool)> = EVERYONE.iter().flat_map(|w| [(*w, true), (*w, false)]).collect();
    cells.sort_by_key(|(w, o)| expected(row, *w, *o));
    let mut first_allowed = true;
    for (who, is_own) in cells {
        let cookie = cookies[EVERYONE.iter().position(|w| *w == who).unwrap()].as_deref();
        let side = if is_own { own } else { other };
        let before = state_digest(&pool).await;
        let trail_before: i64 =
            sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM audit_log").fetch_one(&pool).await.unwrap();
        let (status, body, extra) = call(&app, &row.call, side, cookie).await;
        let want = expected(row, who, is_own);
        let got = outcome(row, status, &extra);
        let place = if is_own { "own" } else { "another's" };
        assert_eq!(got, want, "{key} as {who:?} on {place}: {status} {body} {extra}");
        if !want {
            if row.key != "auth_logout" {
                assert_eq!(
                    state_digest(&pool).await,
                    before,
                    "{key} as {who:?} on {place} was denied but changed data"
                );
            }
        } else if first_allowed && !NEVER_SUCCEEDS.contains(&row.key) {
            first_allowed = false;
            if row.step_up {
                step_up_refused(&app, row, who, side, cookie, &pool).await;
            }
            let ok = matches!(status, StatusCode::OK | StatusCode::SEE_OTHER);
            assert!(ok, "{key} as {who:?}: the first allowed call must succeed, got {status} {body}");
            // a sensitive step the call carried out must be a row that asks for a step-up
            let done: Vec<String> =
                sqlx::query_scalar("SELECT action FROM audit_log WHERE id > $1 AND outcome = 'BERHASIL' ORDER BY id")
                    .bind(trail_before)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            for action in done {
                let sensitive = domain::audit::Aksi::from_code(&action).is_some_and(|a| a.perlu_step_up());
                assert!(
                    row.step_up || !sensitive,
                    "{key} carried out {action}, a sensitive step, but its row says step_up: false"
                );
            }
        }
    }
    // every line the calls wrote (successes and refusals) uses the trail's one vocabulary,
    // so the audit page's action list can find it
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT action FROM audit_log").fetch_all(&pool).await.unwrap();
    assert!(!actions.is_empty());
    for a in actions {
        assert!(domain::audit::Aksi::from_code(&a).is_some(), "{key}: audit action {a} is not in domain::audit::Aksi");
    }
    drop(app);
    db.drop_db().await;
}

/// Issue 26: the CSO holding the session enters a read-out code only with the whole checklist
/// of the session's mode. Over HTTP, without it or with part of it, the activation is refused,
/// the code stays pending and no wrong try is counted; with it, the KPA is AKTIF.
#[tokio::test]
async fn an_activation_without_its_checklist_is_refused_over_http() {
    let Fixture { template, own, cookies, at, .. } = fixture(Level::AktivasiPending).await;
    let db = crate::common::DbCopy::of(template).await;
    let pool = db.pool.clone();
    let clock = backend::Clock::manual(*at);
    let app = App::with_clock(&pool, OtpKey::new(b"matrix".to_vec()), server::Edge::default(), clock).await;
    let cso = cookies[EVERYONE.iter().position(|w| *w == Cso).unwrap()].as_deref();
    let state = |pool: PgPool, id: PejabatId| async move {
        let row: (String, i32, i64) = sqlx::query_as(
            "SELECT p.status, p.otp_salah, (SELECT count(*) FROM otp_code c WHERE c.pejabat_id = p.id AND c.state = 'PENDING')
             FROM pejabat p WHERE p.id = $1",
        )
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
        row
    };
    let without = Call::Fn("cso_aktivasi", |s| format!("pejabat_id={}&code={}", s.kpa, s.kode_kpa));
    let part =
        Call::Fn("cso_aktivasi", |s| format!("pejabat_id={}&code={}&ceklis[dicentang][0]=KtpCocok", s.kpa, s.kode_kpa));
    for refused in [&without, &part] {
        let (status, body, _) = call(&app, refused, own, cso).await;
        assert!(status.is_client_error(), "{status} {body}");
        assert_eq!(state(pool.clone(), own.kpa).await, ("BARU".to_string(), 0, 1), "{body}");
    }
    let (_, body, _) = call(&app, &part, own, cso).await;
    assert!(body.contains("Centang setiap butir"), "{body}");
    let whole = MATRIX.iter().find(|r| r.key == "cso_aktivasi").unwrap();
    let (status, body, _) = call(&app, &whole.call, own, cso).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(state(pool.clone(), own.kpa).await.0, "AKTIF");
    drop(app);
    db.drop_db().await;
}

/// Issue 26, point 3: the "Bukan saya" link of a code's email works over HTTP without a login.
/// Opening it (as a mail scanner would) changes nothing; its button reports once (the code
/// void, the steps locked); a used or unknown link answers 404 with words; a post from
/// another site is refused like any other.
#[tokio::test]
async fn the_bukan_saya_link_reports_over_http_without_a_login_once() {
    let Fixture { template, own, at, .. } = fixture(Level::AktivasiPending).await;
    let db = crate::common::DbCopy::of(template).await;
    let pool = db.pool.clone();
    let clock = backend::Clock::manual(*at);
    let app = App::with_clock(&pool, OtpKey::new(b"matrix".to_vec()), server::Edge::default(), clock).await;
    let token = "ab".repeat(32);
    sqlx::query(
        "INSERT INTO lapor_tautan (token_hash, pejabat_id, dibuat_at, berlaku_sampai)
         VALUES (sha256(convert_to($1, 'UTF8')), $2, $3, $3 + interval '1 day')",
    )
    .bind(&token)
    .bind(own.kpa)
    .bind(*at)
    .execute(&pool)
    .await
    .unwrap();
    let pending = || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM otp_code WHERE pejabat_id = $1 AND state = 'PENDING'")
            .bind(own.kpa)
            .fetch_one(&pool)
            .await
            .unwrap();
        n
    };
    let path = format!("/lapor/{token}");
    let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();
    // a post from the page itself (the browser says so), or from another site
    let post = |origin: Option<&'static str>| {
        let req = Request::post(&path);
        let req = match origin {
            Some(o) => req.header(header::ORIGIN, o),
            None => req.header("sec-fetch-site", "same-origin"),
        };
        req.body(Body::empty()).unwrap()
    };
    let before = state_digest(&pool).await;
    let (status, body, _) = app.send(get(&path), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("<form method=\"post\">") && body.contains("Laporkan: bukan saya"), "{body}");
    assert_eq!(state_digest(&pool).await, before, "opening the link changed data");
    let (status, _, _) = app.send(post(Some("https://penipu.example")), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(pending().await, 1);
    let (status, body, _) = app.send(post(None), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Laporan diterima"), "{body}");
    assert_eq!(pending().await, 0);
    let reported: bool = sqlx::query_scalar("SELECT otp_dilaporkan_at IS NOT NULL FROM pejabat WHERE id = $1")
        .bind(own.kpa)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(reported);
    let (status, body, _) = app.send(post(None), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body.contains("tidak berlaku"), "{body}");
    let (status, body, _) = app.send(get(&path), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Laporan sudah diterima") && !body.contains("<form"), "{body}");
    let (status, _, _) = app.send(get(&format!("/lapor/{}", "cd".repeat(32))), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    drop(app);
    db.drop_db().await;
}

/// A sensitive row called with a login six minutes old: 428, nothing changed; then called
/// again with a fresh one (the caller below).
async fn step_up_refused(app: &App, row: &Row, who: Who, side: &Side, cookie: Option<&str>, pool: &PgPool) {
    let age = "interval '6 minutes'";
    sqlx::query(&format!("UPDATE sesi SET created_at = created_at - {age}, auth_at = auth_at - {age}"))
        .execute(pool)
        .await
        .unwrap();
    let before = state_digest(pool).await;
    let (status, body, _) = call(app, &row.call, side, cookie).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{} as {who:?} with an old login: {body}", row.key);
    assert_eq!(state_digest(pool).await, before, "{} asked for a step-up but changed data", row.key);
    sqlx::query("UPDATE sesi SET auth_at = $1").bind(app.clock.now()).execute(pool).await.unwrap();
}

/// Every registered server function has a row (and every row a test below).
#[test]
fn every_server_function_is_in_the_matrix() {
    let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    assert!(registered.len() >= 30, "server functions not linked in: {registered:?}");
    for name in &registered {
        assert!(
            MATRIX.iter().any(|r| matches!(r.call, Call::Fn(n, _) if n == name)),
            "server function `{name}` is missing from the authorization matrix"
        );
    }
    let tested: Vec<&str> = TESTED.to_vec();
    for row in MATRIX {
        assert!(tested.contains(&row.key), "matrix row `{}` has no test below", row.key);
    }
}

macro_rules! rows {
    ($($name:ident => $key:literal),* $(,)?) => {
        const TESTED: &[&str] = &[$($key),*];
        $(
            #[tokio::test]
            async fn $name() {
                run_row($key).await;
            }
        )*
    };
}

rows! {
    impor_draf => "impor_draf",
    impor_terapkan => "impor_terapkan",
    pengguna_tautan => "pengguna_tautan",
    sandi_pemilik => "sandi_pemilik",
    sandi_atur => "sandi_atur",
    sandi_ganti => "sandi_ganti",
    auth_login => "auth_login",
    auth_logout => "auth_logout",
    auth_whoami => "auth_whoami",
    berikut => "berikut",
    hp_nomor => "hp_nomor",
    hp_pesan => "hp_pesan",
    pejabat_daftar => "pejabat_daftar",
    pejabat_pilihan => "pejabat_pilihan",
    pejabat_rekam => "pejabat_rekam",
    pejabat_hapus => "pejabat_hapus",
    otp_request_verifikasi_hp => "otp_request/verifikasi_hp",
    otp_request_aktivasi => "otp_request/aktivasi",
    otp_request_kirim_data => "otp_request/kirim_data",
    otp_latest => "otp_latest",
    otp_submit_verifikasi_hp => "otp_submit/verifikasi_hp",
    otp_submit_kirim_data => "otp_submit/kirim_data",
    otp_submit_aktivasi => "otp_submit/aktivasi",
    cso_daftar => "cso_daftar",
    cso_perhatian => "cso_perhatian",
    cso_buka_kunci_otp => "cso_buka_kunci_otp",
    otp_bukan_saya => "otp_bukan_saya",
    hp_gateway_gagal => "hp_gateway_gagal",
    cso_aktivasi => "cso_aktivasi",
    cso_sesi_langsung => "cso_sesi_langsung",
    jadwal_ambil => "jadwal_ambil",
    berkas_daftar => "berkas_daftar",
    berkas_ajukan => "berkas_ajukan",
    jadwal_daftar_satker => "jadwal_daftar_satker",
    ubah_nomor_daftar => "ubah_nomor_daftar",
    ubah_nomor_ajukan => "ubah_nomor_ajukan",
    ubah_nomor_verifikasi => "ubah_nomor_verifikasi",
    ubah_nomor_minta_setuju => "ubah_nomor_minta_setuju",
    ubah_nomor_setuju => "ubah_nomor_setuju",
    ubah_nomor_batal => "ubah_nomor_batal",
    meja_daftar => "meja_daftar",
    meja_putuskan => "meja_putuskan",
    jadwal_daftar_kppn => "jadwal_daftar_kppn",
    jadwal_buat => "jadwal_buat",
    jadwal_catat => "jadwal_catat",
    jadwal_tiba => "jadwal_tiba",
    jadwal_pesan => "jadwal_pesan",
    jadwal_pindah => "jadwal_pindah",
    jadwal_batal => "jadwal_batal",
    formulir_cek => "formulir_cek",
    ubah_nomor_konfirmasi_daftar => "ubah_nomor_konfirmasi_daftar",
    ubah_nomor_konfirmasi => "ubah_nomor_konfirmasi",
    audit_cari => "audit_cari",
    pantau_papan => "pantau_papan",
    auth_sesi => "auth_sesi",
    auth_segar => "auth_segar",
    auth_ulang => "auth_ulang",
    sesi_daftar => "sesi_daftar",
    sesi_akhiri => "sesi_akhiri",
    sesi_akhiri_lain => "sesi_akhiri_lain",
    pengguna_akhiri_sesi => "pengguna_akhiri_sesi",
    pengguna_buka_kunci => "pengguna_buka_kunci",
    pengguna_reset_faktor => "pengguna_reset_faktor",
    masuk_status => "masuk_status",
    masuk_kode => "masuk_kode",
    masuk_lanjut => "masuk_lanjut",
    faktor_daftar => "faktor_daftar",
    faktor_totp_baru => "faktor_totp_baru",
    faktor_totp_simpan => "faktor_totp_simpan",
    faktor_hapus => "faktor_hapus",
    faktor_pemulihan_baru => "faktor_pemulihan_baru",
    hp_autentikator => "hp_autentikator",
    passkey_daftarkan_mulai => "passkey_daftarkan_mulai",
    passkey_daftarkan_selesai => "passkey_daftarkan_selesai",
    passkey_masuk_mulai => "passkey_masuk_mulai",
    passkey_masuk_selesai => "passkey_masuk_selesai",
    auth_ulang_passkey => "auth_ulang_passkey",
    file_formulir => "GET /api/formulir",
    file_berkas => "GET /api/berkas",
    file_bukti => "GET /api/bukti",
    file_bukti_pdf => "GET /api/bukti/pdf",
    file_audit_csv => "GET /api/audit.csv",
    file_pantau_csv => "GET /api/pantau.csv",
    file_events => "GET /api/events",
    file_upload => "POST /api/berkas",
}
