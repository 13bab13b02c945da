//! Money in integer fen (分). Profiles speak whole yuan (元); the core keeps fen; forms speak
//! 万元. Every conversion between them, and every way an amount is written, lives here, on
//! integers only (never through a float).

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in fen (1 元 = 100 分).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    /// Whole yuan to fen; `None` on overflow.
    pub fn from_yuan(yuan: i64) -> Option<Fen> {
        yuan.checked_mul(100).map(Fen)
    }

    /// Whole yuan to fen, saturating at the ends of `i64` (thresholds are validated to lie far
    /// inside it).
    pub const fn from_yuan_saturating(yuan: i64) -> Fen {
        Fen(yuan.saturating_mul(100))
    }

    /// The amount in whole yuan, rounded towards zero.
    pub fn yuan(self) -> i64 {
        self.0 / 100
    }

    /// `1万元` as fen.
    pub const WAN: Fen = Fen(10_000 * 100);
    /// `1亿元` as fen.
    pub const YI: Fen = Fen(100_000_000 * 100);

    /// `n万元` as fen.
    pub const fn wan(n: i64) -> Fen {
        Fen(n * 10_000 * 100)
    }

    /// English display: `¥45,000` (fen shown only when not whole yuan).
    pub fn en(self) -> String {
        format!("¥{}", group(self))
    }

    /// Chinese display: `45,000元`, or `4,800万元` for round amounts of 万 and above.
    pub fn zh(self) -> String {
        if self.0 != 0 && self.0 % Fen::WAN.0 == 0 {
            format!("{}万元", group_int(self.0 / Fen::WAN.0))
        } else {
            format!("{}元", group(self))
        }
    }

    /// Compact Chinese display for thresholds: `3亿元`, `5,000万元`, otherwise [`Fen::zh`].
    pub fn zh_compact(self) -> String {
        if self.0 != 0 && self.0 % Fen::YI.0 == 0 {
            format!("{}亿元", group_int(self.0 / Fen::YI.0))
        } else {
            self.zh()
        }
    }

    /// Chinese in running text, without separators: `2亿元`, `5000万元`, `45000元`.
    pub fn zh_plain(self) -> String {
        if self.0 != 0 && self.0 % Fen::YI.0 == 0 {
            format!("{}亿元", self.0 / Fen::YI.0)
        } else if self.0 != 0 && self.0 % Fen::WAN.0 == 0 {
            format!("{}万元", self.0 / Fen::WAN.0)
        } else {
            format!("{}元", plain(self))
        }
    }

    /// Millions of yuan as a bare number for English running text: `50`, `200`, `0.5`.
    pub fn en_millions(self) -> String {
        let million = 1_000_000 * 100;
        let whole = self.0 / million;
        let rest = (self.0 % million).unsigned_abs();
        let sign = if self.0 < 0 && whole == 0 { "-" } else { "" };
        if rest == 0 {
            format!("{sign}{whole}")
        } else {
            let frac = format!("{rest:08}");
            format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
        }
    }

    /// Parse an amount typed in 万元 (`1234.56`, `-3`, `1,200.5`, `0.000001`) exactly. Empty
    /// text is `None`. Group separators (`,` `，` and spaces) are ignored.
    pub fn parse_wan(text: &str) -> Result<Option<Fen>, AmountError> {
        let cleaned: String = text
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{3000}'))
            .collect();
        if cleaned.is_empty() {
            return Ok(None);
        }
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, f),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !all_digits(int_part)
            || !all_digits(frac_part)
            || (digits.contains('.') && frac_part.is_empty() && int_part.is_empty())
        {
            return Err(AmountError::NotANumber);
        }
        let frac_trimmed = frac_part.trim_end_matches('0');
        if frac_trimmed.len() > WAN_DECIMALS {
            return Err(AmountError::TooPrecise);
        }
        let mut whole: i64 = 0;
        for b in int_part.bytes() {
            whole = whole
                .checked_mul(10)
                .and_then(|w| w.checked_add(i64::from(b - b'0')))
                .ok_or(AmountError::TooLarge)?;
        }
        let mut frac: i64 = 0;
        for i in 0..WAN_DECIMALS {
            let d = frac_trimmed
                .as_bytes()
                .get(i)
                .map_or(0, |b| i64::from(b - b'0'));
            frac = frac * 10 + d;
        }
        let fen = whole
            .checked_mul(Fen::WAN.0)
            .and_then(|w| w.checked_add(frac))
            .ok_or(AmountError::TooLarge)?;
        Ok(Some(Fen(if negative { -fen } else { fen })))
    }

    /// 万元 as text that [`Fen::parse_wan`] reads back to the same fen (`12.5`, `-0.000001`).
    pub fn wan_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let per = Fen::WAN.0.unsigned_abs();
        let (whole, frac) = (abs / per, abs % per);
        if frac == 0 {
            format!("{sign}{whole}")
        } else {
            let f = format!("{frac:0width$}", width = WAN_DECIMALS);
            format!("{sign}{whole}.{}", f.trim_end_matches('0'))
        }
    }

    /// 万元 with exactly `decimals` decimals (at most 6), rounded half away from zero, for
    /// tables: `4800.00`, `-0.50`.
    pub fn wan_fixed(self, decimals: u32) -> String {
        let decimals = decimals.min(WAN_DECIMALS as u32);
        let scale = 10i128.pow(decimals);
        let per = i128::from(Fen::WAN.0);
        let f = i128::from(self.0);
        let scaled = (f * scale + per / 2 * f.signum()) / per;
        let sign = if scaled < 0 { "-" } else { "" };
        let a = scaled.abs();
        if decimals == 0 {
            format!("{sign}{a}")
        } else {
            format!(
                "{sign}{}.{:0width$}",
                a / scale,
                a % scale,
                width = decimals as usize
            )
        }
    }

    /// The amount in yuan as a JSON number: an integer for whole yuan, else the decimal
    /// `123.45` (the nearest double, as JSON numbers are).
    pub fn yuan_json(self) -> serde_json::Value {
        if self.0 % 100 == 0 {
            serde_json::Value::from(self.0 / 100)
        } else {
            serde_json::from_str(&plain(self)).unwrap_or(serde_json::Value::Null)
        }
    }

    /// Rounded up to whole yuan (amounts a firm can act on are whole yuan).
    pub fn ceil_yuan(self) -> Fen {
        Fen(self.0.div_euclid(100) * 100 + if self.0.rem_euclid(100) != 0 { 100 } else { 0 })
    }
}

fn group(f: Fen) -> String {
    let whole = group_int(f.0 / 100);
    let cents = (f.0 % 100).abs();
    if cents == 0 {
        whole
    } else if f.0 < 0 && f.0 / 100 == 0 {
        format!("-0.{cents:02}")
    } else {
        format!("{whole}.{cents:02}")
    }
}

/// Decimals of 万元 that are still whole fen.
const WAN_DECIMALS: usize = 6;

/// Why an amount typed in 万元 did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not a decimal number.
    NotANumber,
    /// More decimals than whole fen.
    TooPrecise,
    /// Does not fit.
    TooLarge,
}

impl AmountError {
    /// Stable snake_case code (forms show `forms.error.<code>`).
    pub fn code(self) -> &'static str {
        match self {
            AmountError::NotANumber => "amount",
            AmountError::TooPrecise => "amount_precision",
            AmountError::TooLarge => "amount_large",
        }
    }
}

fn plain(f: Fen) -> String {
    let cents = (f.0 % 100).abs();
    let sign = if f.0 < 0 && f.0 / 100 == 0 { "-" } else { "" };
    if cents == 0 {
        format!("{}", f.0 / 100)
    } else {
        format!("{sign}{}.{cents:02}", f.0 / 100)
    }
}

/// Thousands separators for an integer: 1234567 → `1,234,567`.
pub fn group_int(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_yuan_with_separators_in_both_languages() {
        assert_eq!(Fen::from_yuan(45_000).unwrap().en(), "¥45,000");
        assert_eq!(Fen::from_yuan(45_000).unwrap().zh(), "45,000元");
        assert_eq!(Fen::wan(4_800).zh(), "4,800万元");
        assert_eq!(Fen(12_345).en(), "¥123.45");
        assert_eq!(group_int(-1_234_567), "-1,234,567");
    }

    #[test]
    fn compact_chinese_uses_yi_for_round_hundred_millions() {
        assert_eq!(Fen::wan(30_000).zh_compact(), "3亿元");
        assert_eq!(Fen::wan(5_000).zh_compact(), "5,000万元");
        assert_eq!(Fen(150).zh_compact(), "1.50元");
    }

    #[test]
    fn plain_words_have_no_separators() {
        assert_eq!(Fen::wan(5_000).zh_plain(), "5000万元");
        assert_eq!(Fen::wan(20_000).zh_plain(), "2亿元");
        assert_eq!(Fen(12_345).zh_plain(), "123.45元");
        assert_eq!(Fen::wan(5_000).en_millions(), "50");
        assert_eq!(Fen::wan(20_000).en_millions(), "200");
        assert_eq!(Fen::wan(50).en_millions(), "0.5");
        assert_eq!(Fen::from_yuan_saturating(i64::MAX), Fen(i64::MAX));
    }

    #[test]
    fn wan_parses_exactly_to_fen() {
        let parse_wan = |t: &str| Fen::parse_wan(t).map(|v| v.map(|f| f.0));
        assert_eq!(parse_wan(""), Ok(None));
        assert_eq!(parse_wan("  "), Ok(None));
        assert_eq!(parse_wan("1"), Ok(Some(1_000_000)));
        assert_eq!(parse_wan("4800"), Ok(Some(4_800_000_000)));
        assert_eq!(parse_wan("1,234.56"), Ok(Some(1_234_560_000)));
        assert_eq!(parse_wan("0.000001"), Ok(Some(1)));
        assert_eq!(parse_wan(".5"), Ok(Some(500_000)));
        assert_eq!(parse_wan("-3.25"), Ok(Some(-3_250_000)));
        assert_eq!(parse_wan("0.1000000"), Ok(Some(100_000)));
        assert_eq!(parse_wan("0.0000001"), Err(AmountError::TooPrecise));
        assert_eq!(parse_wan("1e3"), Err(AmountError::NotANumber));
        assert_eq!(parse_wan("abc"), Err(AmountError::NotANumber));
        assert_eq!(parse_wan("."), Err(AmountError::NotANumber));
        assert_eq!(parse_wan("1.2.3"), Err(AmountError::NotANumber));
        assert_eq!(parse_wan("--1"), Err(AmountError::NotANumber));
        assert_eq!(parse_wan("99999999999999999"), Err(AmountError::TooLarge));
    }

    #[test]
    fn wan_text_round_trips() {
        for fen in [0, 1, -1, 999_999, 1_000_000, 12_345_678_901, -500_000] {
            assert_eq!(
                Fen::parse_wan(&Fen(fen).wan_text()),
                Ok(Some(Fen(fen))),
                "{fen}"
            );
        }
        assert_eq!(Fen(4_800_000_000).wan_text(), "4800");
        assert_eq!(Fen(1_250_000).wan_text(), "1.25");
    }

    #[test]
    fn wan_fixed_rounds_half_away_from_zero() {
        assert_eq!(Fen::wan(4_800).wan_fixed(2), "4800.00");
        assert_eq!(Fen(12_345).wan_fixed(2), "0.01");
        assert_eq!(Fen(5_000).wan_fixed(2), "0.01");
        assert_eq!(Fen(4_999).wan_fixed(2), "0.00");
        assert_eq!(Fen(-5_000).wan_fixed(2), "-0.01");
        assert_eq!(Fen(-15_000_000).wan_fixed(1), "-15.0");
        assert_eq!(Fen(-500_000).wan_fixed(1), "-0.5");
        assert_eq!(Fen(123_450_000).wan_fixed(1), "123.5");
        assert_eq!(Fen(0).wan_fixed(1), "0.0");
    }

    #[test]
    fn yuan_json_is_an_integer_for_whole_yuan() {
        assert_eq!(Fen(4_500).yuan_json(), serde_json::json!(45));
        assert_eq!(Fen(12_345).yuan_json(), serde_json::json!(123.45));
        assert_eq!(Fen(-5).yuan_json(), serde_json::json!(-0.05));
    }

    #[test]
    fn ceil_yuan_rounds_fen_up() {
        assert_eq!(Fen(101).ceil_yuan(), Fen(200));
        assert_eq!(Fen(100).ceil_yuan(), Fen(100));
        assert_eq!(Fen(0).ceil_yuan(), Fen(0));
    }
}
