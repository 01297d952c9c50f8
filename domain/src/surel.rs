//! The emails the app sends, in Indonesian in the seed's style: subject and body of each,
//! written once here. The SMS notices of a number change say the same as their email.

use crate::Jabatan;

/// An email's subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isi {
    pub subjek: String,
    pub badan: String,
}

const PENUTUP: &str = "\n\nPesan ini dikirim otomatis oleh Aktivasi OTP SAKTI; jangan membalas email ini.";

fn isi(subjek: String, badan: String) -> Isi {
    Isi { subjek, badan: format!("{badan}{PENUTUP}") }
}

/// To the KPPN's service mailbox: a satker sent its bundles.
pub fn pengajuan_masuk(satker_kode: &str, satker_nama: &str, jumlah: usize) -> Isi {
    isi(
        format!("Pengajuan Formulir Aktivasi OTP SAKTI Satker {satker_kode}"),
        format!(
            "Yth. CSO KPPN,\n\nSatker {satker_kode} {satker_nama} mengajukan {jumlah} berkas formulir Aktivasi OTP SAKTI. Silakan periksa di menu Meja CSO aplikasi Aktivasi OTP SAKTI."
        ),
    )
}

/// To the satker's Admin Lokal: the CSO accepted or returned a pejabat's bundle.
pub fn berkas_diputus(nama: &str, jabatan: Jabatan, satker_kode: &str, alasan: Option<&str>) -> Isi {
    match alasan {
        None => isi(
            format!("Berkas {nama} diterima CSO KPPN"),
            format!(
                "Yth. Admin Lokal Satker {satker_kode},\n\nBerkas Aktivasi OTP SAKTI {nama} (Pejabat {}) telah diterima CSO KPPN. Langkah berikutnya dapat dilanjutkan di aplikasi Aktivasi OTP SAKTI.",
                jabatan.short()
            ),
        ),
        Some(alasan) => isi(
            format!("Berkas {nama} dikembalikan CSO KPPN"),
            format!(
                "Yth. Admin Lokal Satker {satker_kode},\n\nBerkas Aktivasi OTP SAKTI {nama} (Pejabat {}) dikembalikan CSO KPPN dengan alasan:\n\n{alasan}\n\nPerbaiki berkasnya lalu ajukan kembali di menu Berkas aplikasi Aktivasi OTP SAKTI.",
                jabatan.short()
            ),
        ),
    }
}

/// To the satker's Admin Lokal: the CSO scheduled an activation session (the `.ics`
/// invitation rides along). `waktu_wib` is `jadwal::waktu`'s, which names the zone.
pub fn jadwal(satker_kode: &str, waktu_wib: &str, tempat: &str, catatan: &str) -> Isi {
    let catatan = if catatan.trim().is_empty() { String::new() } else { format!("\nCatatan CSO: {catatan}") };
    isi(
        format!("Jadwal sesi Aktivasi OTP SAKTI Satker {satker_kode}: {waktu_wib}"),
        format!(
            "Yth. Admin Lokal Satker {satker_kode},\n\nCSO KPPN menjadwalkan sesi Aktivasi OTP SAKTI pada {waktu_wib}, {tempat}.{catatan}\n\nUndangan kalender terlampir (undangan.ics). Pejabat yang akan diaktivasi hadir membawa HP dengan nomor yang didaftarkan."
        ),
    )
}

/// To the satker's Admin Lokal: it booked (or moved) a session for `pejabat` (the `.ics`
/// invitation rides along).
pub fn jadwal_dipesan(satker_kode: &str, waktu_wib: &str, tempat: &str, pejabat: &str) -> Isi {
    isi(
        format!("Sesi Aktivasi OTP SAKTI Satker {satker_kode} dipesan: {waktu_wib}"),
        format!(
            "Yth. Admin Lokal Satker {satker_kode},\n\nSesi Aktivasi OTP SAKTI untuk {pejabat} telah dipesan pada {waktu_wib}, {tempat}.\n\nUndangan kalender terlampir (undangan.ics). Sesi dapat dipindah atau dibatalkan paling lambat satu jam sebelum dimulai. Pejabat yang akan diaktivasi hadir membawa HP dengan nomor yang didaftarkan."
        ),
    )
}

/// To the satker's Admin Lokal: the reminder of a session the CSO set without naming pejabat.
pub fn pengingat_satker(satker_kode: &str, waktu_wib: &str, tempat: &str) -> Isi {
    isi(
        "Pengingat sesi Aktivasi OTP SAKTI".to_string(),
        format!(
            "Yth. Admin Lokal Satker {satker_kode},\n\nPengingat sesi Aktivasi OTP SAKTI: {waktu_wib}, {tempat}. Pejabat yang akan diaktivasi hadir membawa HP dengan nomor yang didaftarkan."
        ),
    )
}

/// To the email on record of a pejabat booked for a session: the reminder (the words of its
/// SMS, `teks`).
pub fn pengingat(teks: &str) -> Isi {
    isi("Pengingat sesi Aktivasi OTP SAKTI".to_string(), teks.to_string())
}

/// To the email on record of a pejabat whose number is being changed (the same words as the
/// SMS to the old number, `teks`).
pub fn ubah_nomor(teks: &str) -> Isi {
    isi("Perubahan nomor HP OTP SAKTI Anda".to_string(), teks.to_string())
}

/// To the email on record of a pejabat whose `AKTIF` reference was removed (the words of its
/// SMS, `teks`).
pub fn referensi_dihapus(teks: &str) -> Isi {
    isi("Referensi OTP SAKTI Anda dihapus".to_string(), teks.to_string())
}

/// To the satker's Admin Lokal and KPA: a pejabat reported "Bukan saya" (the words of the
/// SMS, `teks`).
pub fn bukan_saya(teks: &str) -> Isi {
    isi("Laporan \"Bukan saya\" pada Aktivasi OTP SAKTI".to_string(), teks.to_string())
}

/// To the pejabat with an email on record, as its aktivasi code goes out: which session the
/// code is for and who will hear it (`sesi`, its WIB time `waktu_sesi_wib`), the warning, and
/// the one-time "Bukan saya" link (`tautan`, good until `berlaku_sampai_wib`).
pub fn kode_aktivasi(
    nama: &str,
    nomor_hp: &str,
    dikirim_wib: &str,
    sesi: &crate::upacara::InfoSesi,
    waktu_sesi_wib: &str,
    tautan: &str,
    berlaku_sampai_wib: &str,
) -> Isi {
    let nomor = sesi.nomor.map_or_else(|| "-".to_string(), |n| n.to_string());
    let cso = sesi.pemegang.as_ref().map_or("CSO KPPN", |p| p.nama.as_str());
    let kontak = crate::sms::kontak_kppn(&sesi.kppn_nama, sesi.kppn_telepon.as_deref());
    isi(
        "Kode aktivasi OTP SAKTI dikirim ke HP Anda".to_string(),
        format!(
            "Yth. {nama},\n\nKode aktivasi OTP SAKTI dikirim ke nomor {nomor_hp} pada {dikirim_wib} WIB untuk sesi No. {nomor} dengan {cso}, {} ({waktu_sesi_wib} WIB, {}).\n\n{}\n\nBila Anda tidak meminta kode ini, atau tidak mempercayai penelepon, laporkan \"Bukan saya\" lewat tautan berikut (sekali pakai, berlaku sampai {berlaku_sampai_wib} WIB). Laporan membatalkan kode, mengunci langkah OTP Anda dan memberi tahu KPPN. Bila ragu, hubungi {kontak}.\n\n{tautan}",
            sesi.kppn_nama,
            sesi.mode.label().to_lowercase(),
            crate::upacara::PERINGATAN,
        ),
    )
}

/// To a user about its own account (a lock, a reset of its second factors: the words of the
/// SMS, `teks`).
pub fn akun(teks: &str) -> Isi {
    isi("Keamanan akun Aktivasi OTP SAKTI Anda".to_string(), teks.to_string())
}

/// To the user a set-password link is for.
pub fn tautan_sandi(nama: &str, username: &str, tautan: &str, berlaku_sampai_wib: &str) -> Isi {
    isi(
        "Atur kata sandi Aktivasi OTP SAKTI".to_string(),
        format!(
            "Yth. {nama},\n\nGunakan tautan berikut untuk mengatur kata sandi akun {username} di Aktivasi OTP SAKTI. Tautan hanya dapat dipakai sekali dan berlaku sampai {berlaku_sampai_wib} WIB.\n\n{tautan}\n\nBila Anda tidak memintanya, abaikan email ini dan hubungi Admin Lokal atau CSO KPPN."
        ),
    )
}

/// An address as shown to someone other than its owner: the first character of the local
/// part and the domain (`r***@kemenkeu.go.id`).
pub fn alamat_tersamar(alamat: &str) -> String {
    match alamat.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".to_string(),
    }
}

/// An address an email can go to: one `@`, something either side, no spaces, at most 254.
pub fn alamat_sah(alamat: &str) -> bool {
    let a = alamat.trim();
    a.len() <= 254
        && !a.chars().any(char::is_whitespace)
        && a.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_email_ends_with_the_no_reply_line() {
        let all = [
            pengajuan_masuk("561403", "KPP", 2),
            berkas_diputus("Budi", Jabatan::Ppk, "561403", None),
            berkas_diputus("Budi", Jabatan::Ppk, "561403", Some("KTP buram")),
            jadwal("561403", "2026-11-27 09:00", "di KPPN Jakarta VI", ""),
            ubah_nomor("teks"),
            tautan_sandi("Rina", "adm_rina", "https://x/sandi?token=t", "2026-11-28 10:00"),
        ];
        for e in all {
            assert!(e.badan.ends_with(PENUTUP), "{e:?}");
            assert!(!e.subjek.contains('\n'));
        }
        assert!(berkas_diputus("B", Jabatan::Kpa, "1", Some("KTP buram")).badan.contains("KTP buram"));
    }

    #[test]
    fn a_session_email_names_its_zone_once() {
        let waktu =
            crate::jadwal::waktu(chrono::NaiveDate::from_ymd_opt(2026, 12, 9).unwrap().and_hms_opt(10, 30, 0).unwrap());
        for e in
            [jadwal("561403", &waktu, "di KPPN Jakarta VI", ""), jadwal_dipesan("561403", &waktu, "di KPPN", "Budi")]
        {
            assert_eq!(e.subjek.matches("WIB").count(), 1, "{}", e.subjek);
            assert_eq!(e.badan.matches("WIB").count(), 1, "{}", e.badan);
        }
    }

    #[test]
    fn addresses() {
        assert!(alamat_sah("cso.jakarta6@kemenkeu.go.id"));
        for bad in ["", "a@b", "a b@c.id", "@c.id", "a@@c.id", "a"] {
            assert!(!alamat_sah(bad), "{bad}");
        }
    }

    #[test]
    fn an_address_shown_to_another_keeps_its_domain_and_one_letter() {
        assert_eq!(alamat_tersamar("rina.marlina@kemenkeu.go.id"), "r***@kemenkeu.go.id");
        assert_eq!(alamat_tersamar("tanpa-at"), "***");
    }
}
