//! The layout of one page of a form: kop, title, the pejabat's data, statement,
//! attachments, signatures and the verification footer.
//!
//! The footer sits at a fixed place at the bottom; everything else flows from the top.
//! When long values (addresses, names) would push the signatures into the footer, the
//! flowing part is drawn again with smaller type until it fits.

use domain::Jabatan;
use domain::formulir::{Jenis, lampiran};

use crate::Isian;
use crate::canvas::{Canvas, PAGE_H, PAGE_W};
use crate::winansi::{ELLIPSIS, Font, encode, fit_line, width, wrap};

/// Side margins of 18 mm.
const LEFT: f32 = 51.0;
const RIGHT: f32 = PAGE_W - 51.0;
const CONTENT_W: f32 = RIGHT - LEFT;
/// Where the footer ends: 13 mm above the paper's edge, inside every printer's margin.
const BOTTOM: f32 = PAGE_H - 36.0;
/// About 25 mm, big enough for a phone camera at arm's length.
const QR_SIZE: f32 = 72.0;
/// Longest value printed, in characters. Values are at most 250 characters by the
/// validators; anything longer is cut so that no input can push the page apart.
const MAX_CHARS: usize = 300;
/// The smallest type scale tried; below it text stops being readable on paper.
const MIN_SCALE: f32 = 0.5;

/// Which of the two copies ("rangkap dua") a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lembar {
    Kppn,
    Satker,
}

impl Lembar {
    /// Both copies, in print order.
    pub(crate) const ALL: [Lembar; 2] = [Lembar::Kppn, Lembar::Satker];

    fn label(self) -> &'static str {
        match self {
            Lembar::Kppn => "Lembar 1 — untuk KPPN",
            Lembar::Satker => "Lembar 2 — untuk Satker",
        }
    }
}

/// The content stream of one copy of the form.
pub(crate) fn page(isian: &Isian, lembar: Lembar) -> Vec<u8> {
    let mut scale = 1.0;
    loop {
        let (canvas, fits) = draw(isian, lembar, scale);
        if fits || scale <= MIN_SCALE {
            return canvas.finish();
        }
        scale -= 0.05;
    }
}

/// Draws the page with the flowing part at `scale`; says whether it stayed above the footer.
fn draw(isian: &Isian, lembar: Lembar, scale: f32) -> (Canvas, bool) {
    let mut c = Canvas::new();
    kop(&mut c, lembar);
    let footer_top = footer(&mut c, isian);
    let y = body(&mut c, isian, scale);
    let end = signatures(&mut c, isian, y + 22.0 * scale, scale);
    (c, end <= footer_top - 6.0)
}

/// A value as printed: cut to [`MAX_CHARS`] and WinAnsi-encoded.
fn value(text: &str) -> Vec<u8> {
    let mut bytes = encode(text.trim());
    if bytes.len() > MAX_CHARS {
        bytes.truncate(MAX_CHARS);
        bytes.push(ELLIPSIS);
    }
    bytes
}

fn kop(c: &mut Canvas, lembar: Lembar) {
    c.text(LEFT, 52.0, Font::Bold, 12.0, &encode("KEMENTERIAN KEUANGAN REPUBLIK INDONESIA"));
    c.text(LEFT, 66.0, Font::Regular, 9.0, &encode("SAKTI — Sistem Aplikasi Keuangan Tingkat Instansi"));
    let label = encode(lembar.label());
    let badge_w = width(&label, Font::Bold, 8.5) + 14.0;
    c.frame(RIGHT - badge_w, 41.0, badge_w, 17.0, 0.8, 0.0);
    c.text_right(RIGHT - 7.0, 52.5, Font::Bold, 8.5, &label);
    // The double rule of an Indonesian letterhead (kop surat).
    c.line(LEFT, 76.0, RIGHT, 76.0, 1.6, 0.0);
    c.line(LEFT, 78.6, RIGHT, 78.6, 0.5, 0.0);
}

/// Title, satker and KPPN, the data table, the statement and the attachments; returns
/// where the next element may start.
fn body(c: &mut Canvas, isian: &Isian, s: f32) -> f32 {
    let mut y = 92.0;
    for line in wrap(&encode(isian.jenis.judul()), Font::Bold, 13.5, CONTENT_W) {
        c.text_center(PAGE_W / 2.0, y + 13.0, Font::Bold, 13.5, &line);
        y += 17.0;
    }
    y += 10.0 * s;
    y = labelled(c, y, "Satker", &format!("{} – {}", isian.satker_kode.trim(), isian.satker_nama.trim()), s);
    y = labelled(c, y, "KPPN", &format!("{} – {}", isian.kppn_kode.trim(), isian.kppn_nama.trim()), s);
    y += 10.0 * s;
    y = heading(c, y, "DATA PEJABAT", s);
    y = table(c, y, &rows(isian), s);
    y += 12.0 * s;
    y = paragraph(c, y, &statement(isian), s);
    y += 10.0 * s;
    y = heading(c, y, "DOKUMEN YANG DILAMPIRKAN", s);
    attachments(c, y, s)
}

/// One "Label : value" line under the title, the value wrapping under itself.
fn labelled(c: &mut Canvas, top: f32, label: &str, text: &str, s: f32) -> f32 {
    let (size, lead) = (9.5 * s, 13.0 * s);
    let value_x = LEFT + 44.0 * s;
    let base = top + lead * 0.75;
    c.text(LEFT, base, Font::Regular, size, &encode(label));
    c.text(value_x - 8.0 * s, base, Font::Regular, size, b":");
    let lines = wrap(&value(text), Font::Bold, size, RIGHT - value_x);
    for (i, line) in lines.iter().enumerate() {
        c.text(value_x, base + i as f32 * lead, Font::Bold, size, line);
    }
    top + lines.len() as f32 * lead
}

fn heading(c: &mut Canvas, top: f32, text: &str, s: f32) -> f32 {
    c.text(LEFT, top + 10.0 * s, Font::Bold, 10.0 * s, &encode(text));
    top + 16.0 * s
}

/// The rows of the data table: the addresses are asked for when a pejabat is recorded or
/// activated, not when only the number changes.
fn rows(isian: &Isian) -> Vec<(&'static str, String)> {
    let lahir = [isian.tempat_lahir.trim(), isian.tanggal_lahir.trim()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let mut rows = vec![
        ("Nama", isian.nama.clone()),
        ("NIP", isian.nip.clone()),
        ("Jabatan", isian.jabatan.clone()),
        ("Tempat/Tgl Lahir", lahir),
        ("Nomor SK", isian.nomor_sk.clone()),
        ("Tanggal SK", isian.tanggal_sk.clone()),
        ("Email", isian.email.clone()),
    ];
    if isian.jenis == Jenis::UbahNomorOtp {
        rows.push(("Nomor HP lama", isian.no_hp.clone()));
        rows.push(("Nomor HP baru", nomor_baru(isian).to_owned()));
    } else {
        rows.push(("Nomor HP", isian.no_hp.clone()));
        rows.push(("Alamat domisili", isian.alamat_domisili.clone()));
        rows.push(("Alamat sesuai KTP", isian.alamat_ktp.clone()));
    }
    rows
}

/// The new number, or dots to write it in by hand when none was entered.
fn nomor_baru(isian: &Isian) -> &str {
    isian.no_hp_baru.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("..............................")
}

fn table(c: &mut Canvas, top: f32, rows: &[(&str, String)], s: f32) -> f32 {
    let (size, lead, pad) = (9.5 * s, 12.5 * s, 4.0 * s);
    let label_w = 122.0;
    let value_x = LEFT + label_w;
    let inset = 6.0;
    let wrapped: Vec<_> =
        rows.iter().map(|(_, text)| wrap(&value(text), Font::Regular, size, RIGHT - value_x - 2.0 * inset)).collect();
    let heights: Vec<f32> = wrapped.iter().map(|lines| lines.len() as f32 * lead + 2.0 * pad).collect();
    let bottom = top + heights.iter().sum::<f32>();
    // The shading goes first so that no row's fill covers the rule above it.
    c.fill(LEFT, top, label_w, bottom - top, 0.92);
    let mut y = top;
    for (((label, _), lines), h) in rows.iter().zip(&wrapped).zip(&heights) {
        let base = y + pad + lead * 0.75;
        c.text(LEFT + inset, base, Font::Regular, size, &encode(label));
        for (i, line) in lines.iter().enumerate() {
            c.text(value_x + inset, base + i as f32 * lead, Font::Regular, size, line);
        }
        y += h;
        if y < bottom - 0.01 {
            c.line(LEFT, y, RIGHT, y, 0.4, 0.6);
        }
    }
    c.line(value_x, top, value_x, bottom, 0.4, 0.6);
    c.frame(LEFT, top, CONTENT_W, bottom - top, 0.8, 0.25);
    bottom
}

/// What the pejabat declares by signing, in the form's own words.
fn statement(isian: &Isian) -> String {
    match isian.jenis {
        Jenis::InformasiPejabat => "Demikian informasi pejabat ini disampaikan dengan sebenarnya untuk keperluan \
            perekaman data pejabat perbendaharaan pada aplikasi SAKTI."
            .to_owned(),
        Jenis::AktivasiOtp => format!(
            "Dengan ini saya, pejabat sebagaimana tersebut di atas, mengajukan permohonan pengaktifan pengguna \
             (user) dan OTP SAKTI dengan nomor handphone {} dan alamat email {}. Saya menyatakan bahwa data \
             tersebut benar dan nomor handphone tersebut saya gunakan sendiri.",
            isian.no_hp.trim(),
            isian.email.trim()
        ),
        Jenis::UbahNomorOtp => format!(
            "Dengan ini saya, pejabat sebagaimana tersebut di atas, mengajukan perubahan nomor handphone OTP SAKTI \
             dari {} menjadi {}. Saya menyatakan bahwa nomor handphone yang baru tersebut saya gunakan sendiri.",
            isian.no_hp.trim(),
            nomor_baru(isian)
        ),
    }
}

fn paragraph(c: &mut Canvas, top: f32, text: &str, s: f32) -> f32 {
    let (size, lead) = (9.5 * s, 13.0 * s);
    // Cut like a value, allowing for the two values the statement may hold.
    let mut bytes = encode(text);
    bytes.truncate(3 * MAX_CHARS);
    let lines = wrap(&bytes, Font::Regular, size, CONTENT_W);
    for (i, line) in lines.iter().enumerate() {
        c.text(LEFT, top + lead * 0.75 + i as f32 * lead, Font::Regular, size, line);
    }
    top + lines.len() as f32 * lead
}

/// The attachments with an empty box each, ticked by hand by whoever assembles the bundle.
fn attachments(c: &mut Canvas, top: f32, s: f32) -> f32 {
    let (size, lead) = (9.5 * s, 14.0 * s);
    let square = 8.0 * s;
    let text_x = LEFT + 4.0 + square + 7.0 * s;
    let mut y = top;
    for item in lampiran() {
        for (i, line) in wrap(&encode(item), Font::Regular, size, RIGHT - text_x).iter().enumerate() {
            let base = y + lead * 0.75;
            if i == 0 {
                c.frame(LEFT + 4.0, base - square + 0.5 * s, square, square, 0.7, 0.0);
            }
            c.text(text_x, base, Font::Regular, size, line);
            y += lead;
        }
    }
    y
}

/// The two signature blocks side by side; returns where they end.
///
/// A KPA cannot countersign for themself, so on a KPA's own form the left block is for
/// the satker's Admin Lokal instead.
fn signatures(c: &mut Canvas, isian: &Isian, top: f32, s: f32) -> f32 {
    let (size, lead) = (9.5 * s, 13.0 * s);
    let col_w = 215.0;
    let left_c = LEFT + col_w / 2.0;
    let right_c = RIGHT - col_w / 2.0;
    let base = top + lead * 0.75;
    let pejabat_is_kpa = Jabatan::from_label(isian.jabatan.trim()) == Some(Jabatan::Kpa);
    let counter_signer = if pejabat_is_kpa { "Admin Lokal," } else { "Kuasa Pengguna Anggaran," };

    c.text_center(
        right_c,
        base,
        Font::Regular,
        size,
        &encode("............................, ..............................."),
    );
    c.text_center(right_c, base + lead, Font::Regular, size, &encode("Pejabat yang bersangkutan,"));
    c.text_center(left_c, base, Font::Regular, size, &encode("Mengetahui,"));
    c.text_center(left_c, base + lead, Font::Regular, size, &encode(counter_signer));

    // Room for a wet signature (and a stamp over it); it does not shrink below 15 mm.
    let names = base + lead + (62.0 * s).max(44.0);
    let right_end = signer(c, right_c, col_w, names, &isian.nama, &isian.nip, s);
    let left_end = match (&isian.kpa, pejabat_is_kpa) {
        (Some((nama, nip)), false) => signer(c, left_c, col_w, names, nama, nip, s),
        _ => {
            c.text_center(left_c, names, Font::Regular, size, &encode("(......................................)"));
            c.text_center(left_c, names + lead, Font::Regular, size, &encode("NIP ..............................."));
            names + lead
        }
    };
    right_end.max(left_end) + lead * 0.25
}

/// The underlined name and the NIP under a signature, centred on `center`.
fn signer(c: &mut Canvas, center: f32, col_w: f32, top_base: f32, nama: &str, nip: &str, s: f32) -> f32 {
    let (size, lead) = (9.5 * s, 13.0 * s);
    let mut base = top_base;
    for line in wrap(&value(nama), Font::Bold, size, col_w) {
        c.text_center(center, base, Font::Bold, size, &line);
        let w = width(&line, Font::Bold, size);
        c.line(center - w / 2.0, base + 1.8 * s, center + w / 2.0, base + 1.8 * s, 0.6, 0.0);
        base += lead;
    }
    let mut nip_text = encode("NIP ");
    nip_text.extend(value(nip));
    c.text_center(center, base, Font::Regular, size, &fit_line(&nip_text, Font::Regular, size, col_w));
    base
}

/// The verification footer at the bottom of the page; returns its top.
fn footer(c: &mut Canvas, isian: &Isian) -> f32 {
    let qr_top = BOTTOM - QR_SIZE;
    // The rule stays a QR quiet zone (four modules) away from the code.
    let rule = qr_top - 12.0;
    c.line(LEFT, rule, RIGHT, rule, 0.5, 0.4);
    let qr_x = RIGHT - QR_SIZE;
    if !c.qr(qr_x, qr_top, QR_SIZE, &isian.tautan_verifikasi) {
        c.frame(qr_x, qr_top, QR_SIZE, QR_SIZE, 0.5, 0.5);
        c.text_center(qr_x + QR_SIZE / 2.0, qr_top + QR_SIZE / 2.0, Font::Regular, 7.0, &encode("QR tidak tersedia"));
    }

    let text_w = qr_x - 16.0 - LEFT;
    let mut y = qr_top + 12.0;
    let label = encode("Kode verifikasi: ");
    let label_w = width(&label, Font::Regular, 10.0);
    c.text(LEFT, y, Font::Regular, 10.0, &label);
    let kode = fit_line(&value(&isian.kode_verifikasi), Font::Bold, 13.0, text_w - label_w);
    c.text(LEFT + label_w, y, Font::Bold, 13.0, &kode);
    y += 15.0;
    let mut dicetak = encode("Dicetak: ");
    dicetak.extend(value(&isian.dicetak));
    c.text(LEFT, y, Font::Regular, 9.0, &fit_line(&dicetak, Font::Regular, 9.0, text_w));
    y += 14.0;

    c.fill_gray(0.2);
    let hint = encode("Periksa keaslian di aplikasi Aktivasi OTP SAKTI (CSO KPPN ");
    c.text(LEFT, y, Font::Regular, 8.0, &hint);
    let mut x = LEFT + width(&hint, Font::Regular, 8.0);
    x += c.arrow(x, y, 8.0);
    c.text(x, y, Font::Regular, 8.0, &encode(" Cek Formulir)"));
    y += 11.0;
    // The link in words too, for a reader without a camera; two lines at most.
    let link = wrap(&value(&isian.tautan_verifikasi), Font::Regular, 7.0, text_w);
    for (i, line) in link.iter().take(2).enumerate() {
        let line = if i == 1 && link.len() > 2 {
            let mut cut = line.clone();
            cut.push(ELLIPSIS);
            fit_line(&cut, Font::Regular, 7.0, text_w)
        } else {
            line.clone()
        };
        c.text(LEFT, y + i as f32 * 9.0, Font::Regular, 7.0, &line);
    }
    c.fill_gray(0.0);
    rule
}

#[cfg(test)]
mod tests {
    use super::*;

    fn isian(jenis: Jenis, long: &str) -> Isian {
        Isian {
            jenis,
            satker_kode: long.into(),
            satker_nama: long.into(),
            kppn_kode: long.into(),
            kppn_nama: long.into(),
            nama: long.into(),
            nip: long.into(),
            jabatan: long.into(),
            tempat_lahir: long.into(),
            tanggal_lahir: long.into(),
            email: long.into(),
            no_hp: long.into(),
            no_hp_baru: Some(long.into()),
            alamat_domisili: long.into(),
            alamat_ktp: long.into(),
            nomor_sk: long.into(),
            tanggal_sk: long.into(),
            kpa: Some((long.into(), long.into())),
            kode_verifikasi: long.into(),
            tautan_verifikasi: long.into(),
            dicetak: long.into(),
        }
    }

    #[test]
    fn ordinary_values_fit_at_full_size() {
        for jenis in Jenis::ALL {
            assert!(draw(&isian(jenis, "BUDI SANTOSO"), Lembar::Kppn, 1.0).1, "{jenis:?}");
        }
    }

    #[test]
    fn every_field_at_the_longest_length_still_fits_above_the_footer() {
        let long = "Jalan Panjang Sekali ".repeat(20);
        for jenis in Jenis::ALL {
            let mut scale = 1.0;
            while !draw(&isian(jenis, &long), Lembar::Satker, scale).1 {
                scale -= 0.05;
                assert!(scale >= MIN_SCALE - 1e-3, "{jenis:?} does not fit even at the smallest type");
            }
        }
    }

    #[test]
    fn values_are_cut_at_the_limit_with_an_ellipsis() {
        assert_eq!(value("  NIP  "), b"NIP");
        let cut = value(&"x".repeat(1000));
        assert_eq!(cut.len(), MAX_CHARS + 1);
        assert_eq!(cut.last(), Some(&ELLIPSIS));
    }
}
