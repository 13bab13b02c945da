//! Text as people type it, checked at the boundary the same way on every backend: no NUL or
//! other control characters (a line break only where a field is multi-line), a bounded length
//! in characters, and full-width digits and Chinese punctuation in numbers read as their ASCII
//! forms (the NFKC mapping of the full-width block).

use super::error::{InputError, Text};

/// Longest one-line field (a name, a title, a contact), in characters.
pub const LINE_MAX: usize = 200;
/// Longest multi-line field (a summary, a detail, a reason), in characters.
pub const BLOCK_MAX: usize = 10_000;

/// The first character `s` may not hold: a control character, or a line break unless
/// `multiline` (then `\n`, `\r` and tab are allowed).
pub fn forbidden_char(s: &str, multiline: bool) -> Option<char> {
    s.chars().find(|&c| {
        let allowed_in_block = matches!(c, '\n' | '\r' | '\t');
        (c.is_control() && !(multiline && allowed_in_block))
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
    })
}

/// Check text for `field`: the characters (see [`forbidden_char`]) and at most `max`
/// characters. The error names the field and what is wrong.
pub fn check(field: &str, s: &str, multiline: bool, max: usize) -> Result<(), InputError> {
    if let Some(c) = forbidden_char(s, multiline) {
        let (code, key) = if matches!(c, '\n' | '\r') {
            ("line_break", "input.text.line_break")
        } else {
            ("control_character", "input.text.control_character")
        };
        return Err(InputError::new(
            field,
            code,
            Text::new(key).plain("code", format!("U+{:04X}", u32::from(c))),
        ));
    }
    let n = s.chars().count();
    if n > max {
        return Err(InputError::new(
            field,
            "too_long",
            Text::new("input.text.too_long")
                .plain("max", max)
                .plain("n", n),
        ));
    }
    Ok(())
}

/// A one-line field of at most [`LINE_MAX`] characters.
pub fn line(field: &str, s: &str) -> Result<(), InputError> {
    check(field, s, false, LINE_MAX)
}

/// A multi-line field of at most [`BLOCK_MAX`] characters.
pub fn block(field: &str, s: &str) -> Result<(), InputError> {
    check(field, s, true, BLOCK_MAX)
}

/// Full-width ASCII forms (U+FF01–U+FF5E: `１２３．５`, `－`, `，`) and the ideographic space as
/// their ASCII forms, and the Chinese full stop `。` as a decimal point: what NFKC does to
/// the characters a number is typed with on a Chinese keyboard.
pub fn ascii_forms(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '。' => '.',
            other => other,
        })
        .collect()
}

/// An e-mail address: one line, at most 254 characters, one `@` with text on both sides, a
/// dot in the domain, no spaces or angle brackets.
pub fn email(field: &str, s: &str) -> Result<(), InputError> {
    check(field, s, false, 254)?;
    let ok = match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= 64
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !s
                    .chars()
                    .any(|c| c.is_whitespace() || "<>()[],;:\"\\".contains(c))
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            field,
            "invalid_email",
            Text::new("input.text.email"),
        ))
    }
}

/// A phone number: digits with optional `+`, spaces, hyphens and parentheses; 5 to 20 digits
/// (a landline with its area code and extension, a mobile number, or an international one).
pub fn phone(field: &str, s: &str) -> Result<(), InputError> {
    check(field, s, false, 40)?;
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let shape = s.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
    if shape && (5..=20).contains(&digits) {
        Ok(())
    } else {
        Err(InputError::new(
            field,
            "invalid_phone",
            Text::new("input.text.phone"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_line_breaks_are_refused_where_they_do_not_belong() {
        assert_eq!(forbidden_char("漯河\u{0}公司", true), Some('\u{0}'));
        assert_eq!(forbidden_char("a\u{7}b", true), Some('\u{7}'));
        assert_eq!(forbidden_char("两行\n文字", false), Some('\n'));
        assert_eq!(forbidden_char("两行\r\n文字\t", true), None);
        assert_eq!(forbidden_char("\u{2028}", true), Some('\u{2028}'));
        assert!(line("name", "漯河市科技有限公司").is_ok());
        assert_eq!(line("name", "a\nb").unwrap_err().code, "line_break");
        assert_eq!(
            block("summary", "a\u{0}").unwrap_err().code,
            "control_character"
        );
    }

    #[test]
    fn lengths_are_counted_in_characters_on_both_sides_of_the_bound() {
        let at = "字".repeat(LINE_MAX);
        assert!(line("name", &at).is_ok());
        let over = "字".repeat(LINE_MAX + 1);
        let e = line("name", &over).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("name", "too_long"));
        assert!(block("detail", &"x".repeat(BLOCK_MAX)).is_ok());
        assert!(block("detail", &"x".repeat(BLOCK_MAX + 1)).is_err());
    }

    #[test]
    fn full_width_digits_and_chinese_punctuation_read_as_ascii() {
        assert_eq!(ascii_forms("１２３４．５６"), "1234.56");
        assert_eq!(ascii_forms("－５"), "-5");
        assert_eq!(ascii_forms("１，２００"), "1,200");
        assert_eq!(ascii_forms("３。５"), "3.5");
        assert_eq!(ascii_forms("2024"), "2024");
    }

    #[test]
    fn emails_and_phones_have_a_plausible_shape() {
        for ok in ["li@example.org", "a.b+c@mail.luohe.gov.cn"] {
            assert!(email("email", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "li",
            "li@",
            "@x.cn",
            "li@cn",
            "li@x.cn\r\nBcc: z@y.cn",
            "a b@x.cn",
            "<a@x.cn>",
        ] {
            assert!(email("email", bad).is_err(), "{bad:?}");
        }
        for ok in ["0395-1234567", "13800138000", "+86 (395) 123-4567"] {
            assert!(phone("phone", ok).is_ok(), "{ok}");
        }
        for bad in ["1234", "电话", "138001380001380013800", "0395\n123456"] {
            assert!(phone("phone", bad).is_err(), "{bad:?}");
        }
    }
}
