//! Drawing on one A4 page: text, lines, boxes and the QR code.
//!
//! Coordinates are in points measured from the top-left corner, the way a form is read;
//! only this module knows that PDF counts from the bottom.

use pdf_writer::{Content, Name, Str};
use qrcode::{Color, EcLevel, QrCode};

use crate::winansi::{Font, width};

/// A4 width in points.
pub(crate) const PAGE_W: f32 = 595.28;
/// A4 height in points.
pub(crate) const PAGE_H: f32 = 841.89;

/// The resource names the page gives its fonts (see `lib.rs`).
pub(crate) const REGULAR: Name<'static> = Name(b"F1");
pub(crate) const BOLD: Name<'static> = Name(b"F2");
pub(crate) const SYMBOL: Name<'static> = Name(b"F3");

/// The WinAnsi-less glyph "→" in the Symbol font's own encoding, and its width (1/1000 em).
const SYMBOL_ARROW: u8 = 0xae;
const SYMBOL_ARROW_WIDTH: f32 = 987.0;

/// The content stream of one page being drawn.
pub(crate) struct Canvas {
    content: Content,
}

impl Canvas {
    pub(crate) fn new() -> Self {
        Canvas { content: Content::new() }
    }

    /// The finished content stream.
    pub(crate) fn finish(self) -> Vec<u8> {
        self.content.finish().into_vec()
    }

    /// WinAnsi `text` with its baseline starting at (`x`, `y`).
    pub(crate) fn text(&mut self, x: f32, y: f32, font: Font, size: f32, text: &[u8]) {
        let name = match font {
            Font::Regular => REGULAR,
            Font::Bold => BOLD,
        };
        self.show(x, y, name, size, text);
    }

    /// Like [`Canvas::text`], centred on `center_x`.
    pub(crate) fn text_center(&mut self, center_x: f32, y: f32, font: Font, size: f32, text: &[u8]) {
        self.text(center_x - width(text, font, size) / 2.0, y, font, size, text);
    }

    /// Like [`Canvas::text`], ending at `right_x`.
    pub(crate) fn text_right(&mut self, right_x: f32, y: f32, font: Font, size: f32, text: &[u8]) {
        self.text(right_x - width(text, font, size), y, font, size, text);
    }

    /// A right arrow at (`x`, `y`), from the Symbol font because WinAnsi has none;
    /// returns its width so the text can go on after it.
    pub(crate) fn arrow(&mut self, x: f32, y: f32, size: f32) -> f32 {
        self.show(x, y, SYMBOL, size, &[SYMBOL_ARROW]);
        SYMBOL_ARROW_WIDTH * size / 1000.0
    }

    fn show(&mut self, x: f32, y: f32, font: Name, size: f32, text: &[u8]) {
        self.content.begin_text();
        self.content.set_font(font, size);
        self.content.next_line(x, PAGE_H - y);
        self.content.show(Str(text));
        self.content.end_text();
    }

    /// Text and fills from now on in this shade of grey (0 black, 1 white).
    pub(crate) fn fill_gray(&mut self, gray: f32) {
        self.content.set_fill_gray(gray);
    }

    /// A straight line.
    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, line_width: f32, gray: f32) {
        self.content.set_line_width(line_width);
        self.content.set_stroke_gray(gray);
        self.content.move_to(x1, PAGE_H - y1);
        self.content.line_to(x2, PAGE_H - y2);
        self.content.stroke();
    }

    /// The outline of a box whose top-left corner is (`x`, `y`).
    pub(crate) fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, line_width: f32, gray: f32) {
        self.content.set_line_width(line_width);
        self.content.set_stroke_gray(gray);
        self.content.rect(x, PAGE_H - y - h, w, h);
        self.content.stroke();
    }

    /// A filled box whose top-left corner is (`x`, `y`); the fill colour is restored to black.
    pub(crate) fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, gray: f32) {
        self.content.set_fill_gray(gray);
        self.content.rect(x, PAGE_H - y - h, w, h);
        self.content.fill_nonzero();
        self.content.set_fill_gray(0.0);
    }

    /// A QR code of `data`, `size` points square, top-left at (`x`, `y`). Returns false
    /// (and draws nothing) when the data is too long for any QR version.
    ///
    /// Drawn in module units under a scaling transform, so each module is a short integer
    /// rectangle. Dark modules of a row are joined into one rectangle and all go into one
    /// path filled at once, so that viewers show no hairline seams between modules.
    pub(crate) fn qr(&mut self, x: f32, y: f32, size: f32, data: &str) -> bool {
        let Ok(code) = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M) else {
            return false;
        };
        let n = code.width();
        let modules = code.to_colors();
        let m = size / n as f32;
        self.content.save_state();
        // Module (0, 0) is the top-left one; PDF's y axis points up, hence the row flip.
        self.content.transform([m, 0.0, 0.0, m, x, PAGE_H - y - size]);
        for (row, cells) in modules.chunks(n).enumerate() {
            let flipped = (n - 1 - row) as f32;
            let mut col = 0;
            while col < n {
                if cells[col] == Color::Light {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < n && cells[col] == Color::Dark {
                    col += 1;
                }
                self.content.rect(start as f32, flipped, (col - start) as f32, 1.0);
            }
        }
        self.content.set_fill_gray(0.0);
        self.content.fill_nonzero();
        self.content.restore_state();
        true
    }
}
