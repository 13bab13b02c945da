//! 统一社会信用代码 (unified social credit code, GB 32100-2015).

use crate::core::error::Text;
use serde::{Deserialize, Serialize};
use std::fmt;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A syntactically valid code whose check character is correct.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

/// Why a string is not a valid code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccError {
    /// Not 18 characters after trimming.
    Length(usize),
    /// A character outside the code's alphabet (I, O, S, V, Z and punctuation are not allowed).
    BadChar { position: usize, ch: char },
    /// Well-formed, but the 18th character is not the computed check character.
    CheckDigit { expected: char, found: char },
}

impl UsccError {
    /// What is wrong, in words rendered at the edge (`uscc.error.*` in the catalogs).
    pub fn text(&self) -> Text {
        match self {
            UsccError::Length(n) => Text::new("uscc.error.length").plain("n", n),
            UsccError::BadChar { position, ch } => Text::new("uscc.error.bad_char")
                .plain("position", position)
                .plain("ch", ch),
            UsccError::CheckDigit { expected, found } => Text::new("uscc.error.check_digit")
                .plain("expected", expected)
                .plain("found", found),
        }
    }

    /// Whether only the check character is wrong: such codes exist in early pilot regions,
    /// and the importer accepts them after a person confirms.
    pub fn is_check_digit_only(&self) -> bool {
        matches!(self, UsccError::CheckDigit { .. })
    }
}

impl fmt::Display for UsccError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsccError::Length(n) => write!(f, "USCC of {n} characters, not 18"),
            UsccError::BadChar { position, ch } => {
                write!(f, "USCC character {position} ({ch:?}) not allowed")
            }
            UsccError::CheckDigit { expected, found } => {
                write!(f, "USCC check character {found:?}, expected {expected:?}")
            }
        }
    }
}

impl std::error::Error for UsccError {}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Normalise (trim, upper-case) and check the form, returning the normalised text.
fn normalise_form(raw: &str) -> Result<String, UsccError> {
    let s: String = raw.trim().to_uppercase();
    let n = s.chars().count();
    if n != 18 {
        return Err(UsccError::Length(n));
    }
    for (i, ch) in s.chars().enumerate() {
        if !ch.is_ascii() || value(ch as u8).is_none() {
            return Err(UsccError::BadChar {
                position: i + 1,
                ch,
            });
        }
    }
    Ok(s)
}

/// The check character computed from the first 17 characters (which must be in the alphabet).
fn check_char(s: &[u8]) -> char {
    let sum: u32 = s[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| value(c).unwrap_or(0) * w)
        .sum();
    ALPHABET[((31 - sum % 31) % 31) as usize] as char
}

impl Uscc {
    /// Parse and verify a code, upper-casing and trimming it first.
    pub fn parse(raw: &str) -> Result<Uscc, UsccError> {
        let s = normalise_form(raw)?;
        let expected = check_char(s.as_bytes());
        let found = s.as_bytes()[17] as char;
        if expected != found {
            return Err(UsccError::CheckDigit { expected, found });
        }
        Ok(Uscc(s))
    }

    /// Accept a code whose only defect is its check character (a real code from an early pilot
    /// region). Callers must have a person confirm this; every other defect is still refused.
    pub fn parse_allowing_bad_check(raw: &str) -> Result<Uscc, UsccError> {
        match Uscc::parse(raw) {
            Err(e) if e.is_check_digit_only() => Ok(Uscc(normalise_form(raw)?)),
            other => other,
        }
    }

    /// The valid code of seventeen zeros and its check character: a placeholder for a record
    /// being filled in (the importer replaces it by the row's own code or rejects the row).
    pub fn all_zero() -> Uscc {
        Uscc(format!(
            "00000000000000000{}",
            check_char(b"000000000000000000")
        ))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registering authority's six-digit division code (positions 3–8), e.g. `411102`.
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Uscc, UsccError> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Complete 17 characters with their check character (for generators and tests).
pub fn with_check_char(first17: &str) -> Option<String> {
    let s = first17.trim().to_uppercase();
    if s.len() != 17 || s.bytes().any(|c| value(c).is_none()) {
        return None;
    }
    let c = check_char(format!("{s}0").as_bytes());
    Some(format!("{s}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_example_is_valid() {
        let u = Uscc::parse("914403001922038216").unwrap();
        assert_eq!(u.division(), "440300");
    }

    #[test]
    fn lower_case_and_spaces_are_normalised() {
        let s = with_check_char("91411100MA44XYZ1").map(|_| ()).is_none();
        assert!(s, "16 characters are not 17");
        let full = with_check_char("91411102MA9FTE0B1").unwrap();
        let messy = format!("  {}  ", full.to_lowercase());
        assert_eq!(Uscc::parse(&messy).unwrap().as_str(), full);
    }

    #[test]
    fn wrong_check_character_is_named() {
        let err = Uscc::parse("914403001922038217").unwrap_err();
        assert_eq!(
            err,
            UsccError::CheckDigit {
                expected: '6',
                found: '7'
            }
        );
        assert_eq!(err.text().key, "uscc.error.check_digit");
        assert!(Uscc::parse_allowing_bad_check("914403001922038217").is_ok());
    }

    #[test]
    fn forbidden_letters_and_lengths_are_refused() {
        assert!(matches!(
            Uscc::parse("91440300192203821I"),
            Err(UsccError::BadChar {
                position: 18,
                ch: 'I'
            })
        ));
        assert_eq!(Uscc::parse("9144"), Err(UsccError::Length(4)));
        assert!(Uscc::parse_allowing_bad_check("9144").is_err());
        assert!(Uscc::parse("91440300192203821中").is_err());
    }

    #[test]
    fn every_generated_code_validates() {
        for i in 0..500u32 {
            let body = format!("914111{:02}MA{:07}", i % 100, i * 7919 % 10_000_000);
            let code = with_check_char(&body).unwrap();
            assert!(Uscc::parse(&code).is_ok(), "{code}");
        }
    }
}
