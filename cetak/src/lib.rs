//! The printable forms of the OTP procedure — Form Informasi Pejabat, Form Aktivasi OTP and
//! Form Ubah Nomor OTP — as PDF.
//!
//! [`render`] takes the values already formatted as text ([`Isian`]) and returns an A4
//! file with two identical pages, "Lembar 1 — untuk KPPN" and "Lembar 2 — untuk Satker",
//! so one print gives both copies. The standard fonts Helvetica and Helvetica-Bold are
//! used, so nothing is embedded and a form is a few kilobytes; the price is the WinAnsi
//! character set, and characters outside it print as `?`.
//!
//! No I/O: the caller stores or sends the bytes.

mod canvas;
mod form;
mod winansi;

use domain::formulir::Jenis;
use pdf_writer::{Finish, Name, Pdf, Rect, Ref, TextStr};

use crate::canvas::{BOLD, PAGE_H, PAGE_W, REGULAR, SYMBOL};
use crate::form::Lembar;

/// Everything printed on a form, already formatted as the reader should see it
/// (dates as "20 Des 1970", phone numbers as "+6281234567890"). Any text is accepted;
/// what the fonts cannot show prints as `?` and values past 300 characters are cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isian {
    /// Which of the three forms.
    pub jenis: Jenis,
    /// The satker's code, e.g. "527010".
    pub satker_kode: String,
    /// The satker's name.
    pub satker_nama: String,
    /// The KPPN's code, e.g. "019".
    pub kppn_kode: String,
    /// The KPPN's name.
    pub kppn_nama: String,
    /// The pejabat's name.
    pub nama: String,
    /// The pejabat's NIP.
    pub nip: String,
    /// The jabatan as SAKTI labels it, e.g. "PEJABAT PEMBUAT KOMITMEN". On the KPA's own
    /// form ("KUASA PENGGUNA ANGGARAN") the countersignature block is for Admin Lokal.
    pub jabatan: String,
    /// Place of birth.
    pub tempat_lahir: String,
    /// Date of birth, e.g. "20 Des 1970".
    pub tanggal_lahir: String,
    /// E-mail address.
    pub email: String,
    /// The OTP phone number; on Form Ubah Nomor OTP the current (old) one.
    pub no_hp: String,
    /// Form Ubah Nomor OTP only: the new number. `None` prints dots to fill in by hand.
    pub no_hp_baru: Option<String>,
    /// Address of residence (printed on Informasi Pejabat and Aktivasi OTP).
    pub alamat_domisili: String,
    /// Address on the KTP (printed on Informasi Pejabat and Aktivasi OTP).
    pub alamat_ktp: String,
    /// Number of the SK of appointment.
    pub nomor_sk: String,
    /// Date of the SK of appointment.
    pub tanggal_sk: String,
    /// (nama, NIP) of the satker's KPA, who countersigns under "Mengetahui". `None` when
    /// the pejabat is the KPA or no KPA is recorded: the block is left to fill in by hand.
    pub kpa: Option<(String, String)>,
    /// The code the CSO types to check the form, e.g. "K7M2-QX9P".
    pub kode_verifikasi: String,
    /// The URL put into the QR code and printed under it.
    pub tautan_verifikasi: String,
    /// When the form was printed, e.g. "24 Nov 2026 10:15 WIB".
    pub dicetak: String,
}

/// The complete PDF of the form: two A4 pages, one for the KPPN and one for the satker.
pub fn render(isian: &Isian) -> Vec<u8> {
    let pages = Lembar::ALL.iter().map(|&lembar| form::page(isian, lembar)).collect();
    document(isian.jenis.label(), isian.jenis.judul(), pages)
}

/// A one-page A4 record: `judul` in bold, then each (label, value) line — a long value wraps
/// under its label — and `kaki` in small print at the foot. What does not fit on the page is
/// left out, with "…" as its last line. For the activation's evidence record.
pub fn lembar(judul: &str, baris: &[(&str, String)], kaki: &str) -> Vec<u8> {
    use crate::winansi::{ELLIPSIS, Font, encode, wrap};
    const LEFT: f32 = 50.0;
    const VALUE_X: f32 = 190.0;
    const SIZE: f32 = 9.5;
    const STEP: f32 = 13.0;
    let bottom = PAGE_H - 70.0;
    let mut c = canvas::Canvas::new();
    c.text(LEFT, 60.0, Font::Bold, 14.0, &encode(judul));
    let mut y = 90.0;
    'lines: for (label, value) in baris {
        c.text(LEFT, y, Font::Bold, SIZE, &encode(label));
        for line in wrap(&encode(value), Font::Regular, SIZE, PAGE_W - VALUE_X - LEFT) {
            if y > bottom {
                c.text(VALUE_X, y, Font::Regular, SIZE, &[ELLIPSIS]);
                break 'lines;
            }
            c.text(VALUE_X, y, Font::Regular, SIZE, &line);
            y += STEP;
        }
        y += 3.0;
    }
    for (i, line) in wrap(&encode(kaki), Font::Regular, 7.5, PAGE_W - 2.0 * LEFT).into_iter().enumerate() {
        c.text(LEFT, PAGE_H - 50.0 + 10.0 * i as f32, Font::Regular, 7.5, &line);
    }
    document(judul, judul, vec![c.finish()])
}

/// A PDF of A4 `pages` (their content streams) with the standard fonts, titled `title`.
fn document(title: &str, subject: &str, pages: Vec<Vec<u8>>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let fonts = [(REGULAR, Ref::new(3), "Helvetica"), (BOLD, Ref::new(4), "Helvetica-Bold")];
    let symbol = Ref::new(5);
    let info = Ref::new(6);
    // Then a page and its content stream for each page.
    let page_ids: Vec<(Ref, Ref)> =
        (0..pages.len() as i32).map(|i| (Ref::new(7 + 2 * i), Ref::new(8 + 2 * i))).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().map(|&(page, _)| page)).count(page_ids.len() as i32);
    for (_, id, base) in fonts {
        pdf.type1_font(id).base_font(Name(base.as_bytes())).encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    // Symbol keeps its built-in encoding: it is only there for the arrow WinAnsi lacks.
    pdf.type1_font(symbol).base_font(Name(b"Symbol"));
    pdf.document_info(info).title(TextStr(title)).subject(TextStr(subject)).producer(TextStr("Aktivasi OTP SAKTI"));

    for (&(page_id, content_id), content) in page_ids.iter().zip(pages) {
        let mut page = pdf.page(page_id);
        page.parent(tree).media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).contents(content_id);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for (name, id, _) in fonts {
            font_dict.pair(name, id);
        }
        font_dict.pair(SYMBOL, symbol);
        font_dict.finish();
        resources.finish();
        page.finish();
        pdf.stream(content_id, &content);
    }
    pdf.finish()
}

/// `text` as a QR code in SVG (dark modules on white, with the quiet zone), for a page to
/// show inline: the authenticator app's enrolment.
pub fn qr_svg(text: &str) -> Option<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(code.render::<svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build())
}
