//! The one thing a user should do next, shown at the top of its home page, in plain
//! Indonesian: derived from the state machine ([`crate::workflow`]) and the booking rules
//! ([`crate::jadwal::Calon::halangan`]), never restated here. The facts come from the server
//! (`backend::berikut`); these functions only choose and word.

use crate::berkas::BerkasStatus;
use crate::format::{desimal, tanggal};
use crate::jadwal::Calon;
use crate::pantau::{Fase, Papan};
use crate::workflow::{self, Langkah, RowFacts, Viewer};
use crate::{Jabatan, PejabatId, Role, Status};
use serde::{Deserialize, Serialize};

/// The next step: what to do, why, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Berikut {
    pub judul: String,
    pub alasan: String,
    /// The page to do it on, and the link's words; none when there is nothing to do but wait.
    pub tautan: Option<(String, String)>,
    /// Nothing is left to do (everything active).
    pub selesai: bool,
}

impl Berikut {
    fn lakukan(judul: impl Into<String>, alasan: impl Into<String>, href: &str, label: &str) -> Berikut {
        Berikut {
            judul: judul.into(),
            alasan: alasan.into(),
            tautan: Some((href.to_owned(), label.to_owned())),
            selesai: false,
        }
    }

    fn tunggu(judul: impl Into<String>, alasan: impl Into<String>) -> Berikut {
        Berikut { judul: judul.into(), alasan: alasan.into(), tautan: None, selesai: false }
    }

    fn selesai(judul: impl Into<String>, alasan: impl Into<String>) -> Berikut {
        Berikut { judul: judul.into(), alasan: alasan.into(), tautan: None, selesai: true }
    }
}

/// One reference (KPA, PPK or PPSPM) as the next step sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referensi {
    pub id: PejabatId,
    /// The account it belongs to.
    pub user_id: Option<crate::UserId>,
    pub nama: String,
    pub jabatan: Jabatan,
    pub status: Status,
    /// Its activation bundle, the newest that is not a replaced draft.
    pub berkas: Option<BerkasStatus>,
    /// A form of it was printed (`formulir_cetak`).
    pub dicetak: bool,
    /// It is named in a session still to come.
    pub terjadwal: bool,
}

impl Referensi {
    fn aktif(&self) -> bool {
        self.status == Status::Aktif
    }

    fn calon(&self) -> Calon {
        Calon {
            id: self.id,
            nama: self.nama.clone(),
            jabatan: self.jabatan,
            status: self.status,
            berkas_diterima: self.berkas == Some(BerkasStatus::Diterima),
            terjadwal: self.terjadwal,
        }
    }

    fn row(&self, milik_saya: bool) -> RowFacts {
        RowFacts {
            jabatan: self.jabatan,
            status: self.status,
            milik_saya,
            berkas_diterima: self.berkas == Some(BerkasStatus::Diterima),
        }
    }
}

/// A booked session: when and where, as `jadwal::waktu` and the session's place word it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sesi {
    /// `Rabu, 9 Desember 2026 10:30 WIB`.
    pub waktu: String,
    /// `di KPPN Jakarta VI`, `video conference`.
    pub tempat: String,
}

/// "PPK dan PPSPM", "PPK".
fn sebut(jabatan: &[Jabatan]) -> String {
    let names: Vec<&str> = jabatan.iter().map(|j| j.short()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} dan {last}", init.join(", ")),
    }
}

/// The Admin Lokal's next step, from its satker's references and its next session.
pub fn admin_lokal(referensi: &[Referensi], sesi: Option<&Sesi>) -> Berikut {
    if referensi.is_empty() {
        return Berikut::lakukan(
            "Rekam pejabat satker Anda",
            "Aktivasi OTP dimulai dengan merekam KPA, PPK dan PPSPM di Tabel Pejabat.",
            "/pejabat",
            "Buka Tabel Pejabat",
        );
    }
    let belum_aktif: Vec<&Referensi> = referensi.iter().filter(|r| !r.aktif()).collect();
    if belum_aktif.is_empty() {
        return Berikut::selesai(
            "Semua pejabat satker Anda sudah aktif",
            "OTP KPA, PPK dan PPSPM satker Anda sudah aktif. Tidak ada langkah yang menunggu.",
        );
    }
    let count = |f: &dyn Fn(&Referensi) -> bool| belum_aktif.iter().filter(|r| f(r)).count();
    let dikembalikan = count(&|r| r.berkas == Some(BerkasStatus::Dikembalikan));
    if dikembalikan > 0 {
        return Berikut::lakukan(
            format!("Perbaiki {dikembalikan} berkas yang dikembalikan CSO"),
            "Baca alasan CSO pada halaman Berkas, unggah berkas yang sudah diperbaiki, lalu ajukan kembali.",
            "/berkas",
            "Buka Berkas",
        );
    }
    let belum_cetak = count(&|r| r.berkas.is_none() && !r.dicetak);
    if belum_cetak > 0 {
        return Berikut::lakukan(
            format!("Cetak formulir untuk {belum_cetak} pejabat"),
            "Formulir ditandatangani pejabat, lalu dipindai dan diunggah sebagai berkas aktivasi.",
            "/pejabat",
            "Buka Tabel Pejabat",
        );
    }
    let belum_unggah = count(&|r| r.berkas.is_none());
    if belum_unggah > 0 {
        return Berikut::lakukan(
            "Unggah berkas yang telah ditandatangani",
            format!("Formulir {belum_unggah} pejabat sudah dicetak, tetapi berkasnya belum diunggah."),
            "/berkas",
            "Buka Berkas",
        );
    }
    let draf = count(&|r| r.berkas == Some(BerkasStatus::Draf));
    if draf > 0 {
        return Berikut::lakukan(
            "Kirim pengajuan ke KPPN",
            format!("{draf} berkas sudah diunggah, tetapi belum diajukan ke CSO KPPN."),
            "/berkas",
            "Buka Berkas",
        );
    }
    let calon: Vec<Calon> = referensi.iter().map(Referensi::calon).collect();
    let siap: Vec<&Calon> = calon.iter().filter(|c| c.halangan(&calon).is_none()).collect();
    if !siap.is_empty() {
        let names: Vec<String> = siap.iter().map(|c| c.sebutan()).collect();
        return Berikut::lakukan(
            "Pesan sesi aktivasi",
            format!("Berkas {} sudah diterima: pilih jadwal sesi dengan CSO KPPN.", names.join(", ")),
            "/berkas",
            "Pilih jadwal",
        );
    }
    if let Some(sesi) = sesi {
        return Berikut::tunggu(
            format!("Sesi Anda: {} {}", sesi.waktu, sesi.tempat),
            "Pejabat yang diaktivasi hadir membawa HP dengan nomor yang didaftarkan.",
        );
    }
    let diajukan = count(&|r| r.berkas == Some(BerkasStatus::Diajukan));
    if diajukan > 0 {
        return Berikut::tunggu(
            format!("{diajukan} berkas menunggu pemeriksaan CSO KPPN"),
            "Tidak ada yang perlu Anda lakukan sampai CSO memutuskan; hasilnya dikirim lewat email.",
        );
    }
    let verifikasi: Vec<Jabatan> = belum_aktif
        .iter()
        .filter(|r| workflow::next(r.jabatan, r.status, Langkah::VerifikasiHp).is_ok())
        .map(|r| r.jabatan)
        .collect();
    if !verifikasi.is_empty() {
        return Berikut::tunggu(
            format!("{} memverifikasi nomor HP-nya", sebut(&verifikasi)),
            "Setiap pejabat masuk dengan akunnya sendiri dan memasukkan kode yang dikirim ke HP-nya.",
        );
    }
    let kirim: Vec<Jabatan> = belum_aktif
        .iter()
        .filter(|r| workflow::next(r.jabatan, r.status, Langkah::KirimData).is_ok())
        .map(|r| r.jabatan)
        .collect();
    if !kirim.is_empty() {
        return Berikut::tunggu(
            format!("KPA melakukan Kirim Data untuk {}", sebut(&kirim)),
            "KPA masuk dengan akunnya dan meneruskan pejabat yang nomornya sudah terverifikasi ke CSO KPPN.",
        );
    }
    // what is left waits on a step the rules do not allow yet (the KPA's activation first)
    let halangan: Vec<String> = calon.iter().filter_map(|c| c.halangan(&calon)).collect();
    Berikut::tunggu(
        "Aktivasi berjalan",
        halangan.into_iter().find(|h| !h.contains("AKTIF.")).unwrap_or_else(|| "Pantau Tabel Pejabat.".into()),
    )
}

/// A pejabat's next step, from its own references, those of its satker (a KPA sends its PPK
/// and PPSPM) and its next session.
pub fn pejabat(role: Role, milik: &[Referensi], satker: &[Referensi], sesi: Option<&Sesi>) -> Berikut {
    let Some(saya) = milik.iter().find(|r| !r.aktif()).or(milik.first()) else {
        return Berikut::tunggu(
            "Referensi Anda belum direkam",
            "Admin Lokal satker Anda merekamnya di Tabel Pejabat; setelah itu langkah Anda muncul di sini.",
        );
    };
    let kpa_aktif = role == Role::Kpa && milik.iter().any(|r| r.jabatan == Jabatan::Kpa && r.aktif());
    let viewer = Viewer { role, kpa_aktif };
    // the steps the table offers this user, in the seed's order: its own first, then a KPA's
    // Kirim Data for its satker
    for r in milik {
        for offer in workflow::offers(viewer, r.row(true)) {
            match (offer.step, offer.blocked) {
                (Langkah::VerifikasiHp, None) => {
                    return Berikut::lakukan(
                        "Verifikasi nomor HP Anda",
                        "Pilih referensi Anda, klik Verifikasi Nomor HP, lalu masukkan kode yang dikirim ke HP Anda.",
                        "/pejabat",
                        "Buka Tabel Pejabat",
                    );
                }
                // the offer's own reason stays beside its button; this says who acts
                (Langkah::Aktivasi, Some(_)) => {
                    return Berikut::tunggu(
                        "Berkas aktivasi Anda belum diterima",
                        "Admin Lokal satker Anda mengunggah dan mengajukan berkas Anda ke CSO KPPN; setelah \
                         diterima, sesi aktivasi dapat dipesan.",
                    );
                }
                _ => {}
            }
        }
    }
    let kirim: Vec<Jabatan> = satker
        .iter()
        .filter(|r| workflow::offers(viewer, r.row(false)).iter().any(|o| o.step == Langkah::KirimData))
        .map(|r| r.jabatan)
        .collect();
    // a KPA not yet active is offered Kirim Data only disabled: its own activation comes first
    if !kirim.is_empty() && kpa_aktif {
        return Berikut::lakukan(
            format!("Setujui Kirim Data untuk {} Anda", sebut(&kirim)),
            "Kirim Data meneruskan pejabat yang nomornya sudah terverifikasi ke CSO KPPN untuk diaktivasi.",
            "/pejabat",
            "Buka Tabel Pejabat",
        );
    }
    if saya.aktif() {
        return Berikut::selesai("OTP Anda aktif", "Tidak ada langkah yang menunggu Anda.");
    }
    if workflow::next(saya.jabatan, saya.status, Langkah::Aktivasi).is_ok() {
        if let Some(sesi) = sesi {
            return Berikut::tunggu(
                format!("Sesi Anda: {} {}", sesi.waktu, sesi.tempat),
                "Hadir membawa HP dengan nomor yang didaftarkan: CSO KPPN mengaktifkan OTP Anda saat itu.",
            );
        }
        return Berikut::tunggu(
            "Tunggu jadwal sesi aktivasi",
            "Berkas Anda sudah diterima CSO KPPN; Admin Lokal satker Anda memesan sesinya.",
        );
    }
    if workflow::next(saya.jabatan, saya.status, Langkah::KirimData).is_ok() {
        return Berikut::tunggu(
            "Menunggu Kirim Data oleh KPA",
            "Nomor HP Anda sudah terverifikasi; KPA satker Anda meneruskannya ke CSO KPPN.",
        );
    }
    Berikut::tunggu("Aktivasi berjalan", "Pantau status Anda di Tabel Pejabat.")
}

/// The CSO's next step, from its KPPN's desk and sessions.
pub fn cso(menunggu: u32, siap_aktivasi: u32, sesi_berikut: Option<(&Sesi, &str)>) -> Berikut {
    if menunggu > 0 {
        return Berikut::lakukan(
            format!("{menunggu} berkas menunggu pemeriksaan"),
            "Periksa kelengkapan setiap berkas, lalu terima atau kembalikan dengan alasannya.",
            "/meja",
            "Buka Meja CSO",
        );
    }
    if let Some((sesi, satker)) = sesi_berikut {
        return Berikut::lakukan(
            format!("Sesi berikutnya: {} {}", sesi.waktu, sesi.tempat),
            format!("Satker {satker}. Tandai kedatangannya di antrean, lalu aktivasi pejabatnya di Konsol."),
            "/meja",
            "Buka antrean",
        );
    }
    if siap_aktivasi > 0 {
        return Berikut::lakukan(
            format!("{siap_aktivasi} pejabat siap diaktivasi"),
            "Berkasnya sudah diterima; aktivasi saat pejabatnya hadir atau dalam video conference.",
            "/cso",
            "Buka Konsol",
        );
    }
    Berikut::selesai("Tidak ada yang menunggu Anda", "Berkas dan sesi baru dari satker mitra muncul di sini.")
}

/// The satkers of a region (Kanwil) or of the country (Pusat), as their board counts them:
/// behind the deadline first, naming the unit furthest behind, then the satkers stuck longest.
pub fn pemantau(papan: &Papan) -> Berikut {
    let p = &papan.proyeksi;
    if p.total == 0 {
        return Berikut::tunggu(
            "Belum ada satker di wilayah Anda",
            "Satker muncul di sini setelah Operator Nasional mengimpor daftarnya.",
        );
    }
    if p.selesai == p.total {
        return Berikut::selesai(
            "Semua satker sudah selesai",
            "KPA, PPK dan PPSPM setiap satker di wilayah Anda sudah aktif.",
        );
    }
    if let (Some(false), Some(tenggat)) = (p.tepat_waktu(), p.tenggat) {
        let judul = match p.perkiraan_selesai {
            Some(d) => format!("Proyeksi selesai {}, setelah tenggat {}", tanggal(d), tanggal(tenggat)),
            None => format!("Tidak ada satker selesai dalam 14 hari terakhir; tenggat {}", tanggal(tenggat)),
        };
        let perlu = match p.perlu_per_hari {
            Some(n) => format!(
                "Perlu {} satker selesai per hari; laju 14 hari terakhir {}.",
                desimal(n),
                desimal(p.laju_per_hari)
            ),
            None => "Tenggat sudah lewat.".to_owned(),
        };
        // the unit one level down with the smallest share done (regions, KPPN; not satkers)
        let tertinggal = papan
            .baris
            .iter()
            .filter(|b| b.tahap.is_none() && b.hitungan.total() > 0)
            .min_by_key(|b| (u64::from(b.hitungan.di(Fase::Selesai)) * 1000) / u64::from(b.hitungan.total()));
        return match tertinggal {
            Some(b) => Berikut::lakukan(
                judul,
                format!(
                    "{perlu} Paling tertinggal: {} ({} dari {} satker selesai).",
                    b.nama,
                    b.hitungan.di(Fase::Selesai),
                    b.hitungan.total()
                ),
                &format!("/pantau{}", b.lingkup.query()),
                &format!("Lihat {}", b.nama),
            ),
            None => Berikut::tunggu(judul, perlu),
        };
    }
    if let Some(m) = papan.macet.first() {
        return Berikut::lakukan(
            format!("{} satker macet lebih dari {} hari", papan.macet_total, papan.macet_hari),
            format!(
                "Terlama: {} {} (KPPN {}), tahap \"{}\" sejak {}, {} hari. Dorong satker dan KPPN-nya menyelesaikan \
                 langkahnya.",
                m.satker_kode,
                m.satker_nama,
                m.kppn_kode,
                m.tahap.label(),
                tanggal(crate::pantau::tanggal_wib(m.sejak)),
                m.hari
            ),
            &format!("/pantau?satker={}", m.satker_kode),
            "Lihat satker",
        );
    }
    Berikut::tunggu(
        "Aktivasi berjalan sesuai jadwal",
        match p.perkiraan_selesai {
            Some(d) => format!(
                "{} dari {} satker selesai; pada laju 14 hari terakhir semuanya selesai {}.",
                p.selesai,
                p.total,
                tanggal(d)
            ),
            None => format!("{} dari {} satker selesai; tidak ada satker yang macet.", p.selesai, p.total),
        },
    )
}

/// What the national operator has provisioned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Persiapan {
    pub kppn: u32,
    pub satker: u32,
    /// Active users other than the operators.
    pub pengguna: u32,
    /// Active users with no password and no set-password link still valid: nobody has invited
    /// them, or their link expired unused.
    pub belum_diundang: u32,
    /// Active users with no password whose link is still valid.
    pub menunggu_sandi: u32,
}

/// The operator's next step: the lists in the order they depend on each other, then the
/// invitations of the users imported without a password.
pub fn operator(p: Persiapan) -> Berikut {
    let impor = |judul: &str, alasan: &str| Berikut::lakukan(judul, alasan, "/impor", "Buka Impor");
    if p.kppn == 0 {
        return impor(
            "Impor daftar KPPN",
            "Satker dan CSO terikat pada KPPN mitranya: impor daftar Kanwil dan KPPN lebih dulu.",
        );
    }
    if p.satker == 0 {
        return impor(
            "Impor daftar satker",
            "Admin Lokal dan pejabat terikat pada satkernya: impor satker sebelum pengguna.",
        );
    }
    if p.pengguna == 0 {
        return impor("Impor pengguna", "Admin Lokal, CSO, Kanwil dan Kantor Pusat masuk dengan akun yang diimpor.");
    }
    if p.belum_diundang > 0 {
        return Berikut::lakukan(
            format!("Undang {} pengguna yang belum punya sandi", p.belum_diundang),
            "Mereka sudah diimpor, tetapi belum menerima tautan untuk membuat sandi, atau tautannya kedaluwarsa.",
            "/pengguna",
            "Buka Pengguna",
        );
    }
    if p.menunggu_sandi > 0 {
        return Berikut::tunggu(
            format!("{} pengguna belum membuat sandi", p.menunggu_sandi),
            "Tautan undangan mereka masih berlaku (72 jam); setelah itu mereka muncul di sini untuk diundang lagi.",
        );
    }
    Berikut::selesai(
        "Semua pengguna sudah punya sandi",
        "Impor berikutnya memperbarui daftar; tidak ada yang menunggu Anda.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: i64, jabatan: Jabatan, status: Status, berkas: Option<BerkasStatus>) -> Referensi {
        Referensi {
            id: PejabatId(id),
            user_id: None,
            nama: format!("{} Satu", jabatan.short()),
            jabatan,
            status,
            berkas,
            dicetak: berkas.is_some(),
            terjadwal: false,
        }
    }

    fn sesi() -> Sesi {
        Sesi { waktu: "Rabu, 9 Desember 2026 10:30 WIB".into(), tempat: "di KPPN Jakarta VI".into() }
    }

    #[test]
    fn the_admin_lokal_is_led_through_the_bundle_and_the_booking() {
        use BerkasStatus as B;
        let baru = |berkas| r(1, Jabatan::Kpa, Status::Baru, berkas);
        assert_eq!(admin_lokal(&[], None).judul, "Rekam pejabat satker Anda");
        let two = [r(1, Jabatan::Kpa, Status::Baru, None), r(2, Jabatan::Ppk, Status::Baru, None)];
        assert_eq!(admin_lokal(&two, None).judul, "Cetak formulir untuk 2 pejabat");
        let printed = Referensi { dicetak: true, ..baru(None) };
        assert_eq!(admin_lokal(&[printed], None).judul, "Unggah berkas yang telah ditandatangani");
        assert_eq!(admin_lokal(&[baru(Some(B::Draf))], None).judul, "Kirim pengajuan ke KPPN");
        let returned = admin_lokal(&[baru(Some(B::Dikembalikan))], None);
        assert_eq!(
            (returned.judul.as_str(), returned.tautan.unwrap().0.as_str()),
            ("Perbaiki 1 berkas yang dikembalikan CSO", "/berkas")
        );
        let waiting = admin_lokal(&[baru(Some(B::Diajukan))], None);
        assert!(waiting.tautan.is_none() && waiting.judul.contains("menunggu pemeriksaan"), "{waiting:?}");
        // accepted: booking, then the session it booked
        let accepted = admin_lokal(&[baru(Some(B::Diterima))], None);
        assert_eq!(accepted.judul, "Pesan sesi aktivasi");
        assert!(accepted.alasan.contains("KPA KPA Satu"), "{accepted:?}");
        let booked = Referensi { terjadwal: true, ..baru(Some(B::Diterima)) };
        assert_eq!(
            admin_lokal(&[booked], Some(&sesi())).judul,
            "Sesi Anda: Rabu, 9 Desember 2026 10:30 WIB di KPPN Jakarta VI"
        );
        let done = [r(1, Jabatan::Kpa, Status::Aktif, Some(B::Diterima))];
        assert!(admin_lokal(&done, None).selesai);
    }

    /// A PPK whose bundle is accepted before its KPA is active is not offered for booking:
    /// the booking rule says why, and the page does not show the step as ready.
    #[test]
    fn a_step_the_rules_do_not_allow_yet_is_not_offered_as_ready() {
        use BerkasStatus as B;
        let refs = [
            r(1, Jabatan::Kpa, Status::Aktif, Some(B::Diterima)),
            r(2, Jabatan::Ppk, Status::VerifikasiPejabat, Some(B::Diterima)),
        ];
        let next = admin_lokal(&refs, None);
        assert_eq!(next.judul, "KPA melakukan Kirim Data untuk PPK");
        assert!(next.tautan.is_none(), "a wait, not a button");
        let refs =
            [r(1, Jabatan::Kpa, Status::Baru, Some(B::Diajukan)), r(2, Jabatan::Ppk, Status::Kirim, Some(B::Diterima))];
        let next = admin_lokal(&refs, None);
        assert!(next.tautan.is_none() && next.judul.contains("menunggu pemeriksaan"), "{next:?}");
    }

    #[test]
    fn a_pejabat_is_told_its_own_step_and_a_kpa_its_kirim_data() {
        use BerkasStatus as B;
        let ppk = r(2, Jabatan::Ppk, Status::Baru, None);
        assert_eq!(pejabat(Role::Ppk, std::slice::from_ref(&ppk), &[], None).judul, "Verifikasi nomor HP Anda");
        let kpa = r(1, Jabatan::Kpa, Status::Aktif, Some(B::Diterima));
        let ppk_ok = r(2, Jabatan::Ppk, Status::VerifikasiPejabat, None);
        let spm_ok = r(3, Jabatan::PejabatSpm, Status::VerifikasiPejabat, None);
        let satker = [kpa.clone(), ppk_ok.clone(), spm_ok];
        assert_eq!(
            pejabat(Role::Kpa, std::slice::from_ref(&kpa), &satker, None).judul,
            "Setujui Kirim Data untuk PPK dan PPSPM Anda"
        );
        assert_eq!(pejabat(Role::Ppk, &[ppk_ok], &satker, None).judul, "Menunggu Kirim Data oleh KPA");
        // a KPA not yet active: its own activation first, Kirim Data not offered as ready
        let kpa_baru = r(1, Jabatan::Kpa, Status::Baru, Some(B::Diajukan));
        let next = pejabat(Role::Kpa, std::slice::from_ref(&kpa_baru), std::slice::from_ref(&kpa_baru), None);
        assert_eq!(next.judul, "Berkas aktivasi Anda belum diterima");
        assert!(next.tautan.is_none());
        // its session comes before its PPK and PPSPM waiting for Kirim Data
        let kpa_siap = r(1, Jabatan::Kpa, Status::Baru, Some(B::Diterima));
        let waiting = [kpa_siap.clone(), r(2, Jabatan::Ppk, Status::VerifikasiPejabat, None)];
        assert_eq!(
            pejabat(Role::Kpa, std::slice::from_ref(&kpa_siap), &waiting, Some(&sesi())).judul,
            "Sesi Anda: Rabu, 9 Desember 2026 10:30 WIB di KPPN Jakarta VI"
        );
        assert!(pejabat(Role::Kpa, std::slice::from_ref(&kpa), std::slice::from_ref(&kpa), None).selesai);
        assert_eq!(pejabat(Role::Ppspm, &[], &[], None).judul, "Referensi Anda belum direkam");
    }

    fn papan(selesai: u32, total: u32, laju_terakhir: u32, tenggat: Option<chrono::NaiveDate>) -> Papan {
        use crate::pantau::{Baris, Hitungan, Lingkup, proyeksi};
        let hari_ini = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let kppn = |kode: &str, nama: &str, selesai: u32, total: u32| {
            let mut hitungan = Hitungan::default();
            (0..selesai).for_each(|_| hitungan.tambah(Fase::Selesai));
            (selesai..total).for_each(|_| hitungan.tambah(Fase::Direkam));
            Baris { lingkup: Lingkup::Kppn(kode.into()), kode: kode.into(), nama: nama.into(), hitungan, tahap: None }
        };
        let mut hitungan = Hitungan::default();
        (0..selesai).for_each(|_| hitungan.tambah(Fase::Selesai));
        (selesai..total).for_each(|_| hitungan.tambah(Fase::Direkam));
        Papan {
            lingkup: Lingkup::Kanwil("20".into()),
            jejak: vec![],
            hitungan,
            baris: vec![
                kppn("120", "KPPN Semarang I", (selesai * 7 / 10).min(total / 2), total / 2),
                kppn("121", "KPPN Semarang II", selesai - (selesai * 7 / 10).min(total / 2), total - total / 2),
            ],
            macet: vec![],
            macet_total: 0,
            macet_hari: 7,
            aktivasi_per_hari: vec![],
            proyeksi: proyeksi(total, selesai, laju_terakhir, hari_ini, tenggat),
            pejabat: vec![],
        }
    }

    #[test]
    fn a_region_is_told_when_it_falls_behind_the_deadline_then_what_is_stuck() {
        let tenggat = chrono::NaiveDate::from_ymd_opt(2027, 3, 31);
        // 10 of 200 done, 2 in the last 14 days: far behind; KPPN Semarang II has done less
        let behind = pemantau(&papan(10, 200, 2, tenggat));
        assert!(behind.judul.starts_with("Proyeksi selesai ") && behind.judul.ends_with("setelah tenggat 31 Mar 2027"));
        assert!(behind.alasan.contains("Paling tertinggal: KPPN Semarang II (3 dari 100"), "{behind:?}");
        assert!(
            behind.alasan.starts_with("Perlu 1,7 satker selesai per hari; laju 14 hari terakhir 0,1."),
            "{behind:?}"
        );
        assert_eq!(behind.tautan.unwrap().0, "/pantau?kppn=121");
        // on pace, a satker stuck: the longest is named and linked
        let mut on_pace = papan(150, 200, 100, tenggat);
        assert_eq!(pemantau(&on_pace).judul, "Aktivasi berjalan sesuai jadwal");
        on_pace.macet = vec![crate::pantau::Macet {
            satker_kode: "700001".into(),
            satker_nama: "SATKER CONTOH".into(),
            kppn_kode: "120".into(),
            tahap: Fase::Diajukan,
            sejak: chrono::DateTime::parse_from_rfc3339("2026-11-20T03:00:00Z").unwrap().to_utc(),
            hari: 17,
        }];
        on_pace.macet_total = 3;
        let stuck = pemantau(&on_pace);
        assert_eq!(stuck.judul, "3 satker macet lebih dari 7 hari");
        assert!(stuck.alasan.contains("tahap \"Berkas diajukan\" sejak 20 Nov 2026, 17 hari"), "{stuck:?}");
        assert_eq!(stuck.tautan.unwrap().0, "/pantau?satker=700001");
        assert!(pemantau(&papan(200, 200, 5, tenggat)).selesai);
        // no deadline: never "behind"
        assert_eq!(pemantau(&papan(10, 200, 0, None)).judul, "Aktivasi berjalan sesuai jadwal");
        assert_eq!(pemantau(&papan(0, 0, 0, tenggat)).judul, "Belum ada satker di wilayah Anda");
    }

    #[test]
    fn the_operator_is_led_through_the_lists_then_the_invitations() {
        let p = Persiapan::default();
        assert_eq!(operator(p).judul, "Impor daftar KPPN");
        let p = Persiapan { kppn: 4, ..p };
        assert_eq!(operator(p).judul, "Impor daftar satker");
        let p = Persiapan { satker: 200, ..p };
        assert_eq!(operator(p).judul, "Impor pengguna");
        let p = Persiapan { pengguna: 600, belum_diundang: 12, menunggu_sandi: 5, ..p };
        let invite = operator(p);
        assert_eq!(invite.judul, "Undang 12 pengguna yang belum punya sandi");
        assert_eq!(invite.tautan.unwrap().0, "/pengguna");
        let p = Persiapan { belum_diundang: 0, ..p };
        assert!(operator(p).tautan.is_none() && operator(p).judul == "5 pengguna belum membuat sandi");
        assert!(operator(Persiapan { menunggu_sandi: 0, ..p }).selesai);
    }

    #[test]
    fn the_cso_is_told_what_waits_at_its_desk() {
        assert_eq!(cso(3, 0, None).judul, "3 berkas menunggu pemeriksaan");
        let s = sesi();
        assert!(cso(0, 2, Some((&s, "561403"))).judul.starts_with("Sesi berikutnya: Rabu"));
        assert_eq!(cso(0, 2, None).judul, "2 pejabat siap diaktivasi");
        assert!(cso(0, 0, None).selesai);
    }
}
