//! The forms read back with poppler's `pdftotext`: the data is on both copies, and hostile
//! input still gives a valid PDF. The PDFs are left in the temp directory
//! (`cetak-sample-*.pdf`, `cetak-hostile.pdf`) for a look.
//!
//! Needs `pdftotext` from poppler-utils; without it these tests fail rather than pass
//! without having checked anything.

use std::io::ErrorKind;
use std::path::PathBuf;
use std::process::Command;

use cetak::{Isian, render};
use domain::formulir::Jenis;

fn contoh(jenis: Jenis) -> Isian {
    Isian {
        jenis,
        satker_kode: "527010".into(),
        satker_nama: "KANTOR WILAYAH DIREKTORAT JENDERAL PERBENDAHARAAN PROVINSI JAWA BARAT".into(),
        kppn_kode: "019".into(),
        kppn_nama: "KPPN BANDUNG I".into(),
        nama: "DRS. BUDI SANTOSO, M.SI.".into(),
        nip: "197012202000031001".into(),
        jabatan: "PEJABAT PEMBUAT KOMITMEN".into(),
        tempat_lahir: "Bandung".into(),
        tanggal_lahir: "20 Des 1970".into(),
        email: "budi.santoso@kemenkeu.go.id".into(),
        no_hp: "+6281234567890".into(),
        no_hp_baru: (jenis == Jenis::UbahNomorOtp).then(|| "+6285711112222".into()),
        alamat_domisili: "Jl. Asia Afrika No. 114, RT 003/RW 005, Kelurahan Braga, Kecamatan Sumur Bandung, \
                          Kota Bandung, Jawa Barat 40111"
            .into(),
        alamat_ktp: "Perumahan Griya Asri Blok C2 No. 17, Desa Cileunyi Kulon, Kecamatan Cileunyi, \
                     Kabupaten Bandung, Jawa Barat 40622"
            .into(),
        nomor_sk: "KEP-12/WPB.12/2026".into(),
        tanggal_sk: "5 Jan 2026".into(),
        kpa: Some(("IR. SITI RAHAYU, M.M.".into(), "196805151993032002".into())),
        kode_verifikasi: "K7M2-QX9P".into(),
        tautan_verifikasi: "https://aktivasi-otp.kppn019.go.id/cek/K7M2-QX9P".into(),
        dicetak: "24 Nov 2026 10:15 WIB".into(),
    }
}

/// Writes `pdf` to the temp directory as `name` and returns what `pdftotext -layout` reads.
fn pdftotext(pdf: &[u8], name: &str) -> String {
    let path: PathBuf = std::env::temp_dir().join(name);
    std::fs::write(&path, pdf).expect("the temp directory is writable");
    let output = match Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output() {
        Ok(output) => output,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            panic!("pdftotext not found: install poppler-utils (apt-get install -y poppler-utils) to run these tests")
        }
        Err(e) => panic!("pdftotext could not be started: {e}"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "pdftotext failed on {}: {stderr}", path.display());
    // Poppler reports a damaged file on stderr even when it manages to read it.
    assert!(stderr.trim().is_empty(), "pdftotext complained about {}: {stderr}", path.display());
    String::from_utf8(output.stdout).expect("pdftotext writes UTF-8")
}

/// The text of each page with runs of white space made one space, so that a value
/// wrapped onto two lines is still found; pdftotext ends every page with a form feed.
fn pages(text: &str) -> Vec<String> {
    text.split('\x0c')
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn each_form_carries_the_data_on_both_copies() {
    for jenis in Jenis::ALL {
        let isian = contoh(jenis);
        let pdf = render(&isian);
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdftotext(&pdf, &format!("cetak-sample-{}.pdf", jenis.code()));
        let pages = pages(&text);
        assert_eq!(pages.len(), 2, "{jenis:?}: two copies expected, got:\n{text}");
        assert!(pages[0].contains("Lembar 1") && !pages[0].contains("Lembar 2"), "{jenis:?}");
        assert!(pages[1].contains("Lembar 2") && !pages[1].contains("Lembar 1"), "{jenis:?}");

        let mut expected = vec![
            jenis.judul(),
            "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA",
            isian.nama.as_str(),
            isian.nip.as_str(),
            isian.jabatan.as_str(),
            isian.nomor_sk.as_str(),
            isian.no_hp.as_str(),
            isian.satker_kode.as_str(),
            isian.satker_nama.as_str(),
            isian.kppn_nama.as_str(),
            isian.email.as_str(),
            "Kode verifikasi: K7M2-QX9P",
            "Dicetak: 24 Nov 2026 10:15 WIB",
            "CSO KPPN → Cek Formulir",
            "IR. SITI RAHAYU, M.M.",
        ];
        if let Some(baru) = &isian.no_hp_baru {
            expected.extend(["Nomor HP lama", "Nomor HP baru", baru.as_str()]);
        }
        for lampiran in domain::formulir::lampiran() {
            expected.push(lampiran);
        }
        for (i, page) in pages.iter().enumerate() {
            for want in &expected {
                assert!(page.contains(want), "{jenis:?} page {}: {want:?} missing from:\n{page}", i + 1);
            }
        }
        let has_addresses = pages[0].contains("Alamat sesuai KTP");
        assert_eq!(has_addresses, jenis != Jenis::UbahNomorOtp, "{jenis:?}");
    }
}

#[test]
fn hostile_values_still_give_a_valid_pdf_with_the_text_printed_literally() {
    let script = "<img src=x onerror=alert(1)>";
    let sql = "Robert'); DROP TABLE--";
    let mut isian = contoh(Jenis::AktivasiOtp);
    isian.nama = script.into();
    isian.nip = sql.into();
    isian.jabatan = r"(KPA)) \ ((PPK \\ ) \n".into();
    isian.email = "a\0b\x07c\x1b@x.id\r\n".into();
    isian.satker_nama = "Satker 😀 العربية 中文 (uji)".into();
    isian.tempat_lahir = "%PDF-1.7 endstream endobj trailer".into();
    isian.alamat_domisili = "Jl. Panjang Sekali ".repeat(13).chars().take(250).collect();
    isian.alamat_ktp = "X".repeat(250);
    isian.kode_verifikasi = ")Tj ET BT (".into();
    isian.tautan_verifikasi = "https://x.id/cek?k=".to_owned() + &"a".repeat(3000);
    isian.kpa = Some((") Tj (".into(), "\\".into()));

    let pdf = render(&isian);
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdftotext(&pdf, "cetak-hostile.pdf");
    let pages = pages(&text);
    assert_eq!(pages.len(), 2, "{text}");
    for page in pages {
        assert!(page.contains(script), "{script} missing from:\n{page}");
        assert!(page.contains(sql), "{sql} missing from:\n{page}");
        assert!(page.contains(r"(KPA)) \ ((PPK \\ ) \n"), "{page}");
        assert!(page.contains("a?b?c?@x.id"), "{page}");
        assert!(page.contains("Satker ? ??????? ?? (uji)"), "{page}");
        assert!(page.contains("Kode verifikasi: )Tj ET BT ("), "{page}");
        assert!(page.contains("QR tidak tersedia"), "an over-long link has no QR code:\n{page}");
    }
}

/// The one-page record (the activation's evidence): its title, every line, a long value
/// wrapped rather than cut, and the foot, all read back.
#[test]
fn a_record_page_reads_back_with_its_long_values_wrapped() {
    let tanda = "ab12".repeat(32);
    let baris = vec![
        ("Pejabat", "KPA PSIE I (NIP 199109112010111001)".to_string()),
        ("Sesi", "No. 47, video conference, Selasa, 8 Des 2026 09:00-10:00 WIB".to_string()),
        ("Tanda tangan", tanda.clone()),
    ];
    let pdf = cetak::lembar("Bukti Aktivasi OTP SAKTI", &baris, "Periksa dengan: server evidence verify");
    let text = pdftotext(&pdf, "cetak-lembar.pdf");
    for expected in ["Bukti Aktivasi OTP SAKTI", "KPA PSIE I", "Sesi", "No. 47", "server evidence verify"] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let joined: String = text.split_whitespace().collect();
    assert!(joined.contains(&tanda), "the signature whole, over its lines: {text}");
}
