//! The SMS texts of the seed, word for word.

use crate::Jabatan;

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

/// Sent when an administrator removed the user's second factors.
pub fn faktor_direset() -> String {
    "Faktor kedua (passkey/aplikasi autentikator) akun Aktivasi OTP SAKTI Anda telah direset oleh admin. Daftarkan yang baru saat masuk berikutnya. Bila Anda tidak memintanya, hubungi CSO KPPN.".to_string()
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
}
