//! Exact ratios for the policy's percentage thresholds.
//!
//! Every bound in CRITERIA.md is compared by cross-multiplying integers, so a ratio that sits
//! exactly on a bound passes and one a hair below fails; no f64 is involved in a verdict.

use std::cmp::Ordering;
use std::fmt;

/// A non-negative fraction `num / den` with `den > 0`, compared exactly.
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    /// `num / den`; `None` when `den` is zero. A negative denominator flips both signs.
    pub fn new(num: i128, den: i128) -> Option<Ratio> {
        match den.cmp(&0) {
            Ordering::Equal => None,
            Ordering::Greater => Some(Ratio { num, den }),
            Ordering::Less => Some(Ratio {
                num: -num,
                den: -den,
            }),
        }
    }

    /// A whole percentage, `p / 100`.
    pub const fn percent(p: i64) -> Ratio {
        Ratio {
            num: p as i128,
            den: 100,
        }
    }

    /// `p / 1000`: tenths of a percent, for thresholds like 4.5%.
    pub const fn permille(p: i64) -> Ratio {
        Ratio {
            num: p as i128,
            den: 1000,
        }
    }

    /// Basis points, `bp / 10000`: how editable thresholds are stored (1% = 100 bp).
    pub const fn bp(bp: i64) -> Ratio {
        Ratio {
            num: bp as i128,
            den: 10_000,
        }
    }

    /// Zero.
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    /// One.
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// Numerator.
    pub fn num(&self) -> i128 {
        self.num
    }

    /// Denominator (always positive).
    pub fn den(&self) -> i128 {
        self.den
    }

    /// Exact sum.
    #[allow(clippy::should_implement_trait)] // named methods, kept for existing callers
    pub fn add(self, o: Ratio) -> Ratio {
        Ratio {
            num: self.num * o.den + o.num * self.den,
            den: self.den * o.den,
        }
        .reduced()
    }

    /// Exact difference.
    #[allow(clippy::should_implement_trait)] // named methods, kept for existing callers
    pub fn sub(self, o: Ratio) -> Ratio {
        Ratio {
            num: self.num * o.den - o.num * self.den,
            den: self.den * o.den,
        }
        .reduced()
    }

    /// Exact product.
    #[allow(clippy::should_implement_trait)] // named methods, kept for existing callers
    pub fn mul(self, o: Ratio) -> Ratio {
        Ratio {
            num: self.num * o.num,
            den: self.den * o.den,
        }
        .reduced()
    }

    /// Exact quotient; `None` when dividing by zero.
    #[allow(clippy::should_implement_trait)] // named methods, kept for existing callers
    pub fn div(self, o: Ratio) -> Option<Ratio> {
        Ratio::new(self.num * o.den, self.den * o.num).map(Ratio::reduced)
    }

    fn reduced(self) -> Ratio {
        let g = gcd(self.num.unsigned_abs(), self.den.unsigned_abs()) as i128;
        if g > 1 {
            Ratio {
                num: self.num / g,
                den: self.den / g,
            }
        } else {
            self
        }
    }

    /// The value in basis points, rounded half away from zero (for display and readiness).
    pub fn to_bp(&self) -> i64 {
        let scaled = self.num * 10_000;
        let q = scaled / self.den;
        let r = scaled % self.den;
        let adj = if 2 * r.abs() >= self.den {
            scaled.signum()
        } else {
            0
        };
        (q + adj) as i64
    }

    /// The value as a percentage with two decimals, e.g. `4.96%`.
    pub fn pct(&self) -> String {
        format_bp(self.to_bp())
    }

    /// Approximate value, for display-only uses such as a progress bar. Never used in a verdict.
    pub fn approx(&self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The value clamped to `[0, 1]`.
    pub fn clamp01(self) -> Ratio {
        if self < Ratio::ZERO {
            Ratio::ZERO
        } else if self > Ratio::ONE {
            Ratio::ONE
        } else {
            self
        }
    }
}

/// Basis points rendered as a percentage with two decimals: 496 → `4.96%`.
pub fn format_bp(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let a = bp.unsigned_abs();
    format!("{sign}{}.{:02}%", a / 100, a % 100)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a.max(1)
}

impl PartialEq for Ratio {
    fn eq(&self, o: &Ratio) -> bool {
        self.num * o.den == o.num * self.den
    }
}
impl Eq for Ratio {}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, o: &Ratio) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ratio {
    fn cmp(&self, o: &Ratio) -> Ordering {
        // Denominators are positive, so cross-multiplication keeps the order.
        (self.num * o.den).cmp(&(o.num * self.den))
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pct())
    }
}

/// Smallest integer `x >= 0` such that `(have + x) / den >= need`, for "how much more" gaps.
/// `need` is a ratio; the answer is exact (ceiling division).
pub fn shortfall(have: i128, den: i128, need: Ratio) -> i128 {
    // need.num/need.den * den - have, rounded up, floored at zero.
    let req_num = need.num * den;
    let required = ceil_div(req_num, need.den);
    (required - have).max(0)
}

/// Smallest integer `x >= 0` such that `(have + x) / (den + x) >= need`: the gap when each
/// added unit also joins the whole (a new technical hire is also a new employee, new high-tech
/// sales are also revenue). `None` when no amount can reach `need` (a share of 100% or more
/// that is not already met).
pub fn shortfall_added(have: i128, den: i128, need: Ratio) -> Option<i128> {
    // (have + x)·q >= p·(den + x)  ⇔  x·(q − p) >= p·den − q·have, with q > 0.
    let lack = need.num * den - need.den * have;
    if lack <= 0 {
        return Some(0);
    }
    let step = need.den - need.num;
    if step <= 0 {
        return None;
    }
    Some(ceil_div(lack, step))
}

/// `floor(num · 1_000_000 / den)` clamped to `[0, 1_000_000]`: a progress fraction in parts
/// per million for readiness (display only, never a verdict). A non-positive `den` gives 0.
pub fn ppm(num: i128, den: i128) -> u32 {
    if den <= 0 || num <= 0 {
        return 0;
    }
    match num.checked_mul(1_000_000) {
        Some(scaled) => (scaled / den).min(1_000_000) as u32,
        // Only huge numerators overflow; compare instead of scaling.
        None => {
            if num >= den {
                1_000_000
            } else {
                ((num / (den / 1_000_000).max(1)).min(1_000_000)) as u32
            }
        }
    }
}

/// Ceiling division for a positive divisor.
pub fn ceil_div(a: i128, b: i128) -> i128 {
    debug_assert!(b > 0);
    let q = a / b;
    if a % b != 0 && a > 0 {
        q + 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_at_bound_is_equal_not_a_hair_below() {
        // 0.1 + 0.2 style traps: 3/30 is exactly 10%.
        assert_eq!(Ratio::new(3, 30).unwrap(), Ratio::percent(10));
        assert!(Ratio::new(5_000_000, 100_000_000).unwrap() >= Ratio::percent(5));
        assert!(Ratio::new(4_999_999, 100_000_000).unwrap() < Ratio::percent(5));
    }

    #[test]
    fn zero_denominator_is_none() {
        assert!(Ratio::new(1, 0).is_none());
    }

    #[test]
    fn percent_rendering_rounds_half_up() {
        assert_eq!(Ratio::new(585, 11800).unwrap().pct(), "4.96%");
        assert_eq!(Ratio::new(1, 3).unwrap().pct(), "33.33%");
        assert_eq!(Ratio::new(2, 3).unwrap().pct(), "66.67%");
        assert_eq!(Ratio::percent(15).pct(), "15.00%");
    }

    #[test]
    fn shortfall_added_counts_the_whole_growing_too() {
        // 11 of 120 at 10%: one reclassified employee is enough, but a hire makes 12 of 121.
        assert_eq!(shortfall(11, 120, Ratio::percent(10)), 1);
        assert_eq!(shortfall_added(11, 120, Ratio::percent(10)), Some(2));
        assert_eq!(shortfall_added(12, 120, Ratio::percent(10)), Some(0));
        // 60% domestic of 100 with 50: (50 + x) / (100 + x) >= 0.6 ⇔ x >= 25.
        assert_eq!(shortfall_added(50, 100, Ratio::percent(60)), Some(25));
        assert_eq!(shortfall_added(1, 2, Ratio::percent(100)), None);
    }

    #[test]
    fn ppm_is_clamped_and_floored() {
        assert_eq!(ppm(1, 3), 333_333);
        assert_eq!(ppm(5, 3), 1_000_000);
        assert_eq!(ppm(-1, 3), 0);
        assert_eq!(ppm(1, 0), 0);
    }

    #[test]
    fn shortfall_is_the_smallest_passing_increment() {
        // 585 of 11800 needs 590 for 5%: short by 5.
        assert_eq!(shortfall(585, 11800, Ratio::percent(5)), 5);
        assert_eq!(shortfall(590, 11800, Ratio::percent(5)), 0);
        // 18 of 120 tech staff needs 12 for 10%: nothing short.
        assert_eq!(shortfall(18, 120, Ratio::percent(10)), 0);
        // 11 of 121 needs 12.1 → 13.
        assert_eq!(shortfall(11, 121, Ratio::percent(10)), 2);
    }
}
