//! Money in integer fen (分). Profiles speak whole yuan (元); the core keeps fen.

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
    fn ceil_yuan_rounds_fen_up() {
        assert_eq!(Fen(101).ceil_yuan(), Fen(200));
        assert_eq!(Fen(100).ceil_yuan(), Fen(100));
        assert_eq!(Fen(0).ceil_yuan(), Fen(0));
    }
}
