//! The SMS texts of the seed, word for word.

use crate::Jabatan;
use serde::{Deserialize, Serialize};

/// The code SMS. `waktu_kirim` is already in WIB, `YYYY-MM-DD HH:MM:SS`.
pub fn kode(jabatan: Jabatan, satker: &str, code: &str, waktu_kirim: &str) -> String {
    format!(
        "Yth Pejabat {} Satker {satker}. Kode Otentifikasi Anda: {code}. Kode berlaku 2 menit. Waktu kirim {waktu_kirim} WIB.",
        jabatan.short()
    )
}

/// Sent to a PPK/PPSPM after its KPA's "Kirim Data".
pub fn diusulkan(nama: &str, jabatan: Jabatan, satker: &str) -> String {
    format!(
        "Yth. {nama} Anda telah diusulkan sebagai pengguna OTP SAKTI dengan kewenangan Pejabat {} pada satker {satker}. Silakan kunjungi KPPN mitra satker Anda untuk mengaktifkan OTP tersebut.",
        jabatan.short()
    )
}

/// Sent when the CSO has activated the OTP.
pub fn aktif(nama: &str, jabatan: Jabatan, satker: &str) -> String {
    format!("Yth. {nama}, Pejabat {} pada satker {satker}, fitur OTP Anda telah aktif!", jabatan.short())
}

/// Sent when wrong passwords or codes locked the user's SAKTI OTP account (`why` says how
/// long).
pub fn akun_terkunci(why: &str) -> String {
    format!(
        "Akun Aktivasi OTP SAKTI Anda terkunci setelah beberapa kali gagal masuk. {why} Bila bukan Anda yang mencoba, hubungi Admin Lokal atau CSO KPPN."
    )
}

/// Sent when a password was set through a set-password link: every session ended, and the
/// user hears of it on every channel on record, so a link used by someone else is noticed.
pub fn sandi_diatur() -> String {
    "Kata sandi akun Aktivasi OTP SAKTI Anda baru saja diatur lewat tautan, dan semua sesi diakhiri. Bila bukan Anda, segera hubungi Admin Lokal atau CSO KPPN.".to_string()
}

/// Sent when an administrator removed the user's second factors.
pub fn faktor_direset() -> String {
    "Faktor kedua (passkey/aplikasi autentikator) akun Aktivasi OTP SAKTI Anda telah direset oleh admin. Daftarkan yang baru saat masuk berikutnya. Bila Anda tidak memintanya, hubungi CSO KPPN.".to_string()
}

/// The KPA's code approving a PPK's/PPSPM's number change: it names whose number changes
/// and shows the new one masked, so a KPA never approves blind.
pub fn kode_setuju_ubah_nomor(
    satker: &str,
    nama: &str,
    jabatan: Jabatan,
    nomor_baru: &str,
    code: &str,
    waktu_kirim: &str,
) -> String {
    format!(
        "Yth Pejabat KPA Satker {satker}. Kode persetujuan perubahan nomor HP OTP {nama} (Pejabat {}) ke {nomor_baru}: {code}. Kode berlaku 2 menit. Waktu kirim {waktu_kirim} WIB.",
        jabatan.short()
    )
}

/// Sent when the reference's OTP steps locked after `salah` wrong codes in a row
/// (`otp::MAX_CONSECUTIVE_WRONG`).
pub fn otp_terkunci(nama: &str, jabatan: Jabatan, satker: &str, salah: i32) -> String {
    format!(
        "Yth. {nama}, Pejabat {} pada satker {satker}: langkah OTP Anda dikunci setelah {} kali kode salah berturut-turut. Hubungi CSO KPPN mitra satker untuk membukanya.",
        jabatan.short(),
        salah
    )
}

/// Sent to the satker's KPA (and, by email, its Admin Lokal) when a pejabat reported "Bukan
/// saya" in its code dialog.
pub fn bukan_saya(nama: &str, jabatan: Jabatan, satker: &str, waktu: &str, kontak_kppn: &str) -> String {
    format!(
        "Perhatian satker {satker}: {nama} (Pejabat {}) melaporkan kode OTP yang tidak dimintanya atau penelepon yang tidak dipercaya pada {waktu} WIB. Langkah OTP-nya dikunci sampai CSO memeriksanya. Jangan berikan kode OTP kepada siapa pun; hubungi {kontak_kppn}.",
        jabatan.short()
    )
}

/// The stage of a number change the old number is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TahapPemberitahuan {
    Diajukan,
    DisetujuiKpa,
    Dikonfirmasi,
}

/// The notice to the number being replaced (and the email on record), at each stage of a
/// change: who, to which number (masked), whom to call, and how to stop it.
pub fn ubah_nomor_lama(
    tahap: TahapPemberitahuan,
    nama: &str,
    jabatan: Jabatan,
    satker: &str,
    nomor_baru: &str,
    kontak_kppn: &str,
) -> String {
    let j = jabatan.short();
    match tahap {
        TahapPemberitahuan::Diajukan => format!(
            "Yth. {nama}, ada pengajuan perubahan nomor HP OTP SAKTI Anda sebagai Pejabat {j} pada satker {satker} ke {nomor_baru}. Bila bukan Anda, masuk ke Aktivasi OTP SAKTI dan klik Batalkan, atau hubungi {kontak_kppn}."
        ),
        TahapPemberitahuan::DisetujuiKpa => format!(
            "Yth. {nama}, perubahan nomor HP OTP SAKTI Anda sebagai Pejabat {j} pada satker {satker} ke {nomor_baru} telah disetujui KPA. Bila bukan Anda, masuk ke Aktivasi OTP SAKTI dan klik Batalkan, atau hubungi {kontak_kppn}."
        ),
        TahapPemberitahuan::Dikonfirmasi => format!(
            "Yth. {nama}, nomor HP OTP SAKTI Anda sebagai Pejabat {j} pada satker {satker} telah diganti ke {nomor_baru}. Nomor ini tidak lagi menerima kode OTP. Bila Anda tidak mengajukan perubahan ini, segera hubungi {kontak_kppn}."
        ),
    }
}

/// Sent when the Admin Lokal removed an `AKTIF` reference (Hapus): the number no longer
/// receives codes, and a new reference may bind another one.
pub fn referensi_dihapus(nama: &str, jabatan: Jabatan, satker: &str, kontak_kppn: &str) -> String {
    format!(
        "Yth. {nama}, referensi OTP SAKTI Anda sebagai Pejabat {} pada satker {satker} telah dihapus oleh Admin Lokal. Nomor ini tidak lagi menerima kode OTP. Bila ini tidak semestinya, hubungi {kontak_kppn}.",
        jabatan.short()
    )
}

/// Sent to a pejabat booked for an activation session, the day before and an hour before.
pub fn pengingat_sesi(nama: &str, jabatan: Jabatan, satker: &str, waktu: &str, tempat: &str) -> String {
    format!(
        "Yth. {nama}, pengingat sesi Aktivasi OTP SAKTI Pejabat {} satker {satker}: {waktu}, {tempat}. Bawa HP dengan nomor ini.",
        jabatan.short()
    )
}

/// How a KPPN is named in a notice: its name and, when recorded, its telephone.
pub fn kontak_kppn(nama: &str, telepon: Option<&str>) -> String {
    match telepon {
        Some(t) => format!("{nama} ({t})"),
        None => nama.to_owned(),
    }
}

crate::stored_enum! {
    /// Where an SMS is on its way to the phone.
    pub enum StatusKirim as code / from_code {
        /// Waiting in the outbox (first try, or a retry after a failing gateway).
        Antre = "ANTRE",
        /// A gateway accepted it.
        Terkirim = "TERKIRIM",
        /// The gateway's delivery report says the phone has it.
        Diterima = "DITERIMA",
        /// Every try failed: given up.
        Gagal = "GAGAL",
        /// Its code expired before it could leave: never sent.
        Kedaluwarsa = "KEDALUWARSA",
    }
}

impl StatusKirim {
    pub fn label(self) -> &'static str {
        match self {
            StatusKirim::Antre => "antre",
            StatusKirim::Terkirim => "terkirim",
            StatusKirim::Diterima => "diterima HP",
            StatusKirim::Gagal => "gagal",
            StatusKirim::Kedaluwarsa => "kedaluwarsa",
        }
    }

    /// The state in plain words, for the pejabat and the CSO.
    pub fn keterangan(self) -> &'static str {
        match self {
            StatusKirim::Antre => "SMS kode sedang dikirim.",
            StatusKirim::Terkirim => "SMS kode telah dikirim ke operator seluler.",
            StatusKirim::Diterima => "SMS kode telah diterima HP.",
            StatusKirim::Gagal => {
                "SMS kode gagal dikirim ke nomor ini. Minta kode baru; bila tetap gagal, hubungi CSO KPPN."
            }
            StatusKirim::Kedaluwarsa => "SMS kode tidak terkirim sebelum kodenya kedaluwarsa. Minta kode baru.",
        }
    }

    /// True once a gateway took it (and perhaps the phone confirmed).
    pub fn terkirim(self) -> bool {
        matches!(self, StatusKirim::Terkirim | StatusKirim::Diterima)
    }

    /// True when it will never reach the phone (given up, or its code expired first).
    pub fn gagal(self) -> bool {
        matches!(self, StatusKirim::Gagal | StatusKirim::Kedaluwarsa)
    }

    /// True once nothing more will happen to the message.
    pub fn is_final(self) -> bool {
        matches!(self, StatusKirim::Diterima | StatusKirim::Gagal | StatusKirim::Kedaluwarsa)
    }
}

/// The SMS that carried a code, as the dialog and the console show it beside the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kiriman {
    /// `+62 812-****-7890`.
    pub nomor: String,
    pub status: StatusKirim,
    /// When it was queued (the "Waktu kirim" of its text), epoch milliseconds.
    pub waktu_kirim_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_the_seed() {
        assert_eq!(
            kode(Jabatan::Ppk, "561403", "505362", "2021-01-25 08:59:50"),
            "Yth Pejabat PPK Satker 561403. Kode Otentifikasi Anda: 505362. Kode berlaku 2 menit. Waktu kirim 2021-01-25 08:59:50 WIB."
        );
        assert_eq!(
            diusulkan("PPK PSIE I", Jabatan::Ppk, "561403"),
            "Yth. PPK PSIE I Anda telah diusulkan sebagai pengguna OTP SAKTI dengan kewenangan Pejabat PPK pada satker 561403. Silakan kunjungi KPPN mitra satker Anda untuk mengaktifkan OTP tersebut."
        );
        assert_eq!(
            aktif("PPK PSIE 1", Jabatan::Ppk, "561403"),
            "Yth. PPK PSIE 1, Pejabat PPK pada satker 561403, fitur OTP Anda telah aktif!"
        );
    }

    #[test]
    fn the_kpa_approval_code_names_whose_number_changes() {
        let text = kode_setuju_ubah_nomor(
            "561403",
            "Budi",
            Jabatan::Ppk,
            "+62 812-****-7890",
            "123456",
            "2021-01-25 08:59:50",
        );
        assert!(text.contains("Budi (Pejabat PPK)") && text.contains("+62 812-****-7890") && text.contains("123456"));
    }

    #[test]
    fn every_notice_to_the_old_number_names_the_kppn_and_the_new_number() {
        let kontak = kontak_kppn("KPPN Jakarta I", Some("021-3840001"));
        for tahap in [TahapPemberitahuan::Diajukan, TahapPemberitahuan::DisetujuiKpa, TahapPemberitahuan::Dikonfirmasi]
        {
            let text = ubah_nomor_lama(tahap, "Budi", Jabatan::Ppk, "561403", "+62 812-****-7890", &kontak);
            assert!(text.contains("KPPN Jakarta I (021-3840001)") && text.contains("+62 812-****-7890"), "{text}");
        }
        assert!(ubah_nomor_lama(TahapPemberitahuan::Diajukan, "B", Jabatan::Kpa, "1", "x", "k").contains("Batalkan"));
    }
}
