//! The rules a new password must meet, after NIST SP 800-63B §5.1.1.2: length, not
//! composition. At least [`MIN_CHARS`] characters and at most [`MAX_CHARS`] (counted as
//! Unicode characters, so that 8 Chinese characters are 8), any characters but control
//! characters, no rule about digits or capitals; refused are the common passwords of an
//! embedded list (`common_passwords.txt`, where it came from is written at its top), one short
//! unit repeated (`aaaaaaaa`, `12121212`) or a run (`12345678`, `hgfedcba`), and the account's
//! own words (its username, its firm's name) alone or with only digits and signs around them.

use super::error::{InputError, Text};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Fewest characters a password may have.
pub const MIN_CHARS: usize = 8;
/// Most characters a password may have (NIST asks for at least 64).
pub const MAX_CHARS: usize = 128;
/// A repeated unit of at most this many characters makes a password repetitive.
const REPEAT_UNIT: usize = 4;
/// An account's word shorter than this is not looked for in its password.
const MIN_WORD_CHARS: usize = 3;

const COMMON_SOURCE: &str = include_str!("common_passwords.txt");

/// The common passwords, lower case.
fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_SOURCE
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// How many common passwords the list holds.
pub fn common_count() -> usize {
    common().len()
}

/// One short unit repeated: `aaaaaaaa`, `12121212`, `abcabcab`.
fn repetitive(chars: &[char]) -> bool {
    (1..=REPEAT_UNIT.min(chars.len() / 2))
        .any(|p| (p..chars.len()).all(|i| chars[i] == chars[i - p]))
}

/// A run of consecutive characters, up or down: `12345678`, `abcdefgh`, `87654321`.
fn sequential(chars: &[char]) -> bool {
    let steps: Vec<i64> = chars
        .windows(2)
        .map(|w| i64::from(u32::from(w[1])) - i64::from(u32::from(w[0])))
        .collect();
    steps.first().is_some_and(|s| s.abs() == 1) && steps.iter().all(|s| *s == steps[0])
}

/// Whether `password` (lower case) is `word` (lower case) alone, with only digits and signs
/// around it, or a piece of it.
fn built_on(password: &str, word: &str) -> bool {
    if word.chars().count() < MIN_WORD_CHARS {
        return false;
    }
    if word.contains(password) {
        return true;
    }
    password.find(word).is_some_and(|at| {
        let rest = password[..at]
            .chars()
            .chain(password[at + word.len()..].chars());
        !rest.into_iter().any(char::is_alphabetic)
    })
}

/// Check a new password typed into `field`. `own_words` are the account's words it may not be
/// built on (its username, its firm's name); blank ones are ignored.
pub fn check(field: &str, password: &str, own_words: &[&str]) -> Result<(), InputError> {
    let chars: Vec<char> = password.chars().collect();
    if chars.iter().any(|c| c.is_control()) {
        return Err(InputError::new(
            field,
            "password_control_char",
            Text::new("app.accounts.password_control_char"),
        ));
    }
    if chars.len() < MIN_CHARS {
        return Err(InputError::new(
            field,
            "password_too_short",
            Text::new("app.accounts.password_too_short").plain("min", MIN_CHARS),
        ));
    }
    if chars.len() > MAX_CHARS {
        return Err(InputError::new(
            field,
            "password_too_long",
            Text::new("app.accounts.password_too_long").plain("max", MAX_CHARS),
        ));
    }
    let lower = password.to_lowercase();
    if common().contains(lower.as_str()) {
        return Err(InputError::new(
            field,
            "password_common",
            Text::new("app.accounts.password_common"),
        ));
    }
    if repetitive(&chars) || sequential(&chars) {
        return Err(InputError::new(
            field,
            "password_repetitive",
            Text::new("app.accounts.password_repetitive"),
        ));
    }
    if own_words
        .iter()
        .map(|w| w.trim().to_lowercase())
        .any(|w| built_on(&lower, &w))
    {
        return Err(InputError::new(
            field,
            "password_like_name",
            Text::new("app.accounts.password_like_name"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(password: &str, own: &[&str]) -> Option<&'static str> {
        check("password", password, own).err().map(|e| e.code)
    }

    #[test]
    fn eight_characters_pass_and_seven_do_not() {
        assert_eq!(code("tulip-7q", &[]), None);
        assert_eq!(code("tulip-7", &[]), Some("password_too_short"));
        let e = check("new_password", "short", &[]).unwrap_err();
        assert_eq!(e.field, "new_password");
        assert_eq!(e.text.args[0].0, "min");
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        // Eight Chinese characters are 24 bytes but eight characters: enough.
        assert_eq!(code("春眠不觉晓处闻啼", &[]), None);
        // Seven are too few, though 21 bytes.
        assert_eq!(code("春眠不觉晓处闻", &[]), Some("password_too_short"));
    }

    #[test]
    fn one_hundred_twenty_eight_characters_pass_and_more_do_not() {
        let at_max: String = "correct horse battery staple "
            .chars()
            .cycle()
            .take(MAX_CHARS)
            .collect();
        assert_eq!(at_max.chars().count(), 128);
        assert_eq!(code(&at_max, &[]), None);
        let over = format!("{at_max}x");
        assert_eq!(code(&over, &[]), Some("password_too_long"));
        // 128 Chinese characters are 384 bytes: still allowed.
        let wide: String = "白日依山尽黄河入海流"
            .chars()
            .cycle()
            .take(MAX_CHARS)
            .collect();
        assert_eq!(code(&wide, &[]), None);
    }

    #[test]
    fn no_composition_rule() {
        for p in [
            "alllowercaseletters",
            "一二三四五六七八九十",
            "with spaces in it",
        ] {
            assert_eq!(code(p, &[]), None, "{p}");
        }
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(common_count() > 10_000, "{}", common_count());
        for p in [
            "password",
            "PassWord",
            "iloveyou",
            "qwertyuiop",
            "1qaz2wsx",
            "trustno1",
        ] {
            assert_eq!(code(p, &[]), Some("password_common"), "{p}");
        }
        // Near a common one is not the same.
        assert_eq!(code("password-of-mine", &[]), None);
    }

    #[test]
    fn repeats_and_runs_are_refused_but_longer_units_pass() {
        for p in [
            "aaaaaaaa",
            "88888888",
            "12121212",
            "abcabcab",
            "abcdabcd",
            "23456789",
            "987654321",
            "hgfedcba",
        ] {
            assert_eq!(code(p, &[]), Some("password_repetitive"), "{p}");
        }
        // A unit of five repeated, or a run broken once, is not refused as such.
        assert_eq!(code("qzvxkqzvxk", &[]), None);
        assert_eq!(code("1234567x9", &[]), None);
    }

    #[test]
    fn the_account_s_own_words_are_refused() {
        let own = ["zhang.wei", "平顶山市星辰科技有限公司"];
        for p in [
            "zhang.wei",
            "ZHANG.WEI2024",
            "2024!zhang.wei",
            "平顶山市星辰科技有限公司",
            "星辰科技有限公司",
            "平顶山市星辰科技有限公司123",
        ] {
            assert_eq!(code(p, &own), Some("password_like_name"), "{p}");
        }
        // With words of its own around the name, it is a password of its own.
        assert_eq!(code("zhang.wei likes tea", &own), None);
        assert_eq!(code("星辰科技有限公司的大门", &own), None);
        // Blank or very short words are not looked for.
        assert_eq!(code("ab-12345678-x", &["", "ab"]), None);
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(code("tulip-7q\n", &[]), Some("password_control_char"));
        assert_eq!(code("tul\u{7}ip-7q", &[]), Some("password_control_char"));
    }
}
