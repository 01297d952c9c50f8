//! Text for the standard Type 1 fonts: WinAnsi encoding, Helvetica widths and line wrapping.
//!
//! The standard fonts need no embedding (every PDF reader has them), but they only know
//! the 8-bit WinAnsi (cp1252) character set. Everything printed goes through [`encode`]
//! first, so that any string a user typed — emoji, Arabic, control characters — becomes
//! bytes the font can show; the PDF string escaping itself is done by `pdf_writer::Str`.

/// The two faces the forms use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

/// What a character the font cannot show is printed as.
const REPLACEMENT: u8 = b'?';

/// The WinAnsi code of the horizontal ellipsis, put where a too long text is cut.
pub(crate) const ELLIPSIS: u8 = 0x85;

/// Encodes `text` as WinAnsi bytes: one byte per character, `?` for anything the
/// character set lacks. Line breaks and tabs become spaces because a PDF text line has
/// no line breaks; other control characters (NUL included) become `?` so that they stay
/// visible as something rather than vanishing silently.
pub(crate) fn encode(text: &str) -> Vec<u8> {
    text.chars().map(encode_char).collect()
}

fn encode_char(c: char) -> u8 {
    match c {
        '\t' | '\n' | '\r' => b' ',
        ' '..='~' => c as u8,
        // Latin-1 letters and signs have the same code in WinAnsi; U+00A0 is the no-break space.
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        // The cp1252 extras in 0x80..=0x9f.
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8a,
        '‹' => 0x8b,
        'Œ' => 0x8c,
        'Ž' => 0x8e,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9a,
        '›' => 0x9b,
        'œ' => 0x9c,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        _ => REPLACEMENT,
    }
}

/// Advance widths (1/1000 em) of codes 32..=126, from Adobe's Helvetica AFM.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // '0'..'?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // '@'..'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 'P'..'_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // '`'..'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p'..'~'
];

/// Advance widths (1/1000 em) of codes 32..=126, from Adobe's Helvetica-Bold AFM.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // '0'..'?'
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // '@'..'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 'P'..'_'
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // '`'..'o'
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // 'p'..'~'
];

/// Width in 1/1000 em of one WinAnsi code. Above ASCII the value errs on the wide side
/// (most accented letters are 500–722), so that wrapping never lets a line run over.
fn advance(byte: u8, font: Font) -> u16 {
    let table = match font {
        Font::Regular => &HELVETICA,
        Font::Bold => &HELVETICA_BOLD,
    };
    match byte {
        32..=126 => table[usize::from(byte - 32)],
        0x85 | 0x89 | 0x8c | 0x97 | 0x99 | 0xc6 => 1000,
        0x9c | 0xe6 => 944,
        _ => 778,
    }
}

/// Width in points of WinAnsi `text` set in `font` at `size` points.
pub(crate) fn width(text: &[u8], font: Font, size: f32) -> f32 {
    let units: u32 = text.iter().map(|&b| u32::from(advance(b, font))).sum();
    units as f32 * size / 1000.0
}

/// Breaks WinAnsi `text` into lines no wider than `max_width` points, at spaces where
/// it can and inside a word where the word alone is too wide (an address or an e-mail
/// without spaces must still stay within its column). Always returns at least one line,
/// so that an empty value still takes the height of a line.
pub(crate) fn wrap(text: &[u8], font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    let fits = |line: &[u8]| width(line, font, size) <= max_width;
    let mut lines = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        if !current.is_empty() {
            let mut joined = current.clone();
            joined.push(b' ');
            joined.extend_from_slice(word);
            if fits(&joined) {
                current = joined;
                continue;
            }
            lines.push(std::mem::take(&mut current));
        }
        for &byte in word {
            current.push(byte);
            // A single character wider than the column stays alone rather than looping.
            if !fits(&current) && current.len() > 1 {
                current.pop();
                lines.push(std::mem::replace(&mut current, vec![byte]));
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// `text` cut to fit on one line of `max_width` points, ending with an ellipsis when cut.
pub(crate) fn fit_line(text: &[u8], font: Font, size: f32, max_width: f32) -> Vec<u8> {
    if width(text, font, size) <= max_width {
        return text.to_vec();
    }
    let mut cut = text.to_vec();
    cut.push(ELLIPSIS);
    while cut.len() > 1 && width(&cut, font, size) > max_width {
        cut.remove(cut.len() - 2);
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdf_writer::{Content, Str};

    #[test]
    fn ascii_and_latin1_keep_their_codes() {
        assert_eq!(encode("Abc 123 ~"), b"Abc 123 ~");
        assert_eq!(encode("Désirée Ñ"), [b'D', 0xe9, b's', b'i', b'r', 0xe9, 0x65, b' ', 0xd1]);
    }

    #[test]
    fn cp1252_extras_map_into_0x80_to_0x9f() {
        assert_eq!(encode("€—–…“”"), [0x80, 0x97, 0x96, 0x85, 0x93, 0x94]);
    }

    #[test]
    fn characters_winansi_lacks_become_question_marks_one_per_character() {
        assert_eq!(encode("a😀b"), b"a?b");
        assert_eq!(encode("سلام"), b"????");
        assert_eq!(encode("中文"), b"??");
        assert_eq!(encode("→"), b"?");
    }

    #[test]
    fn control_characters_never_reach_the_pdf() {
        assert_eq!(encode("a\0b\x07c\x1b"), b"a?b?c?");
        assert_eq!(encode("baris\nbaru\ttab\r"), b"baris baru tab ");
        assert!(encode("x\u{80}\u{9f}\u{7f}").iter().all(|&b| b == b'x' || b == b'?'));
    }

    #[test]
    fn pdf_string_escaping_keeps_delimiters_inside_the_string() {
        let mut content = Content::new();
        content.show(Str(&encode(r"a) (b\c")));
        let stream = content.finish().into_vec();
        let text = String::from_utf8_lossy(&stream);
        assert_eq!(text.trim(), r"(a\) \(b\\c) Tj");

        // Bytes above ASCII go out as a hex string, which has nothing to escape.
        let mut content = Content::new();
        content.show(Str(&encode("é)")));
        assert_eq!(String::from_utf8_lossy(&content.finish().into_vec()).trim().to_lowercase(), "<e929> tj");
    }

    #[test]
    fn widths_follow_the_helvetica_metrics() {
        assert!((width(b"ii", Font::Regular, 10.0) - 4.44).abs() < 1e-4);
        assert_eq!(width(b"W", Font::Bold, 1000.0), 944.0);
        assert!(width(b"m", Font::Bold, 10.0) > width(b"m", Font::Regular, 10.0));
    }

    #[test]
    fn wrapping_breaks_at_spaces_within_the_width() {
        let text = encode("Jl. Jenderal Sudirman Kav. 52-53 Senayan Kebayoran Baru Jakarta Selatan");
        let lines = wrap(&text, Font::Regular, 10.0, 120.0);
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(width(line, Font::Regular, 10.0) <= 120.0);
            assert!(!line.starts_with(b" ") && !line.ends_with(b" "));
        }
        assert_eq!(lines.join(&b' '), text);
    }

    #[test]
    fn a_word_wider_than_the_column_is_broken_inside() {
        let text = vec![b'x'; 250];
        let lines = wrap(&text, Font::Regular, 9.0, 100.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| width(l, Font::Regular, 9.0) <= 100.0));
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn empty_text_is_one_empty_line() {
        assert_eq!(wrap(b"", Font::Regular, 9.0, 100.0), vec![Vec::<u8>::new()]);
        assert_eq!(wrap(b"   ", Font::Regular, 9.0, 100.0), vec![Vec::<u8>::new()]);
    }

    #[test]
    fn fit_line_cuts_with_an_ellipsis_only_when_needed() {
        assert_eq!(fit_line(b"K7M2-QX9P", Font::Bold, 10.0, 200.0), b"K7M2-QX9P");
        let cut = fit_line(&[b'a'; 100], Font::Regular, 10.0, 50.0);
        assert_eq!(cut.last(), Some(&ELLIPSIS));
        assert!(width(&cut, Font::Regular, 10.0) <= 50.0);
    }
}
