//! Cells as a reader hands them over, and their exact conversion to amounts, counts and dates.

use super::headers::Unit;
use crate::core::money::Fen;
use chrono::NaiveDate;

/// One cell of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing (or only spaces).
    Empty,
    /// Text (every CSV cell; XLSX strings).
    Text(String),
    /// An XLSX number. Money is never kept as a float: see [`Cell::decimal_text`].
    Number(f64),
    /// An XLSX date.
    Date(NaiveDate),
}

impl Cell {
    /// Whether the cell holds nothing but spaces.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a person sees it, for the error report.
    pub fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_string(),
            Cell::Number(_) => self.decimal_text().unwrap_or_default(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }

    /// The decimal text of the cell. For a number this is the shortest decimal that reads
    /// back as the same double (Rust's `Display`, never an exponent): what Excel shows at full
    /// precision, so `1234.56` typed into Excel is `"1234.56"` here and converts exactly. A
    /// number of 2^53 or more is not exactly what was typed and has no text (`None`).
    pub fn decimal_text(&self) -> Option<String> {
        match self {
            Cell::Number(f) if f.is_finite() && f.abs() < 9_007_199_254_740_992.0 => {
                Some(format!("{f}"))
            }
            Cell::Number(_) => None,
            Cell::Text(t) => Some(t.trim().to_string()),
            Cell::Empty => Some(String::new()),
            Cell::Date(_) => None,
        }
    }
}

/// Why a cell is not what its column needs (the catalog key `import.error.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellError {
    /// Not a number.
    NotANumber,
    /// Finer than a fen in the column's unit.
    TooPrecise,
    /// Beyond what is stored.
    TooLarge,
    /// A count that is negative or not whole.
    NotACount,
    /// Not a date.
    NotADate,
    /// Not a year.
    NotAYear,
}

impl CellError {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            CellError::NotANumber => "not_a_number",
            CellError::TooPrecise => "too_precise",
            CellError::TooLarge => "too_large",
            CellError::NotACount => "not_a_count",
            CellError::NotADate => "not_a_date",
            CellError::NotAYear => "not_a_year",
        }
    }
}

fn cleaned(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{3000}' | '¥' | '￥'))
        .map(|c| match c {
            // Full-width digits, point and minus, as Chinese input methods type them.
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '－' | '−' => '-',
            c => c,
        })
        .collect()
}

/// An amount in `unit`, exactly, as fen: a decimal text (group separators, `¥` and a trailing
/// unit word tolerated) or an XLSX number through its decimal text. More decimals than a fen
/// in that unit is [`CellError::TooPrecise`], never rounded. A blank cell is `None`.
pub fn amount(cell: &Cell, unit: Unit) -> Result<Option<Fen>, CellError> {
    let Some(text) = cell.decimal_text() else {
        return Err(match cell {
            Cell::Date(_) => CellError::NotANumber,
            _ => CellError::TooLarge,
        });
    };
    let mut t = cleaned(&text);
    for suffix in ["万元", "千元", "元"] {
        if let Some(rest) = t.strip_suffix(suffix) {
            t = rest.to_string();
            break;
        }
    }
    if t.is_empty() || t == "-" || t == "/" {
        return Ok(None);
    }
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !all_digits(int_part)
        || !all_digits(frac_part)
    {
        return Err(CellError::NotANumber);
    }
    let frac = frac_part.trim_end_matches('0');
    let decimals = unit.decimals();
    if frac.len() > decimals {
        return Err(CellError::TooPrecise);
    }
    let scale = 10i64.pow(u32::try_from(decimals).unwrap_or(0));
    let mut whole: i64 = 0;
    for b in int_part.bytes() {
        whole = whole
            .checked_mul(10)
            .and_then(|w| w.checked_add(i64::from(b - b'0')))
            .ok_or(CellError::TooLarge)?;
    }
    let mut f: i64 = 0;
    for i in 0..decimals {
        f = f * 10 + frac.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
    }
    let fen = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(f))
        .ok_or(CellError::TooLarge)?;
    Ok(Some(Fen(if negative { -fen } else { fen })))
}

/// A whole count, not negative (`12`, `12.0`, `12人`). A blank cell is `None`.
pub fn count(cell: &Cell) -> Result<Option<u32>, CellError> {
    let Some(text) = cell.decimal_text() else {
        return Err(CellError::NotACount);
    };
    let mut t = cleaned(&text);
    for suffix in ["人", "件", "项", "个"] {
        if let Some(rest) = t.strip_suffix(suffix) {
            t = rest.to_string();
        }
    }
    if t.is_empty() {
        return Ok(None);
    }
    let whole = t.strip_suffix(".0").unwrap_or(&t);
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CellError::NotACount);
    }
    whole
        .parse::<u32>()
        .ok()
        .filter(|n| i32::try_from(*n).is_ok())
        .map(Some)
        .ok_or(CellError::TooLarge)
}

/// A fiscal year: `2024`, `2024年`, `2024年度`, or an XLSX number 2024.
pub fn year(cell: &Cell) -> Result<Option<i32>, CellError> {
    let Some(text) = cell.decimal_text() else {
        return Err(CellError::NotAYear);
    };
    let t = cleaned(&text);
    let t = t.trim_end_matches('度').trim_end_matches('年');
    let t = t.strip_suffix(".0").unwrap_or(t);
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i32>() {
        Ok(y) if t.len() == 4 => Ok(Some(y)),
        _ => Err(CellError::NotAYear),
    }
}

/// A date: an XLSX date, or text `2015-03-02`, `2015/3/2`, `2015.3.2`, `2015年3月2日`,
/// `20150302`.
pub fn date(cell: &Cell) -> Result<Option<NaiveDate>, CellError> {
    match cell {
        Cell::Date(d) => Ok(Some(*d)),
        Cell::Number(_) => Err(CellError::NotADate),
        Cell::Empty => Ok(None),
        Cell::Text(t) => {
            let t = cleaned(t);
            if t.is_empty() {
                return Ok(None);
            }
            let unified: String = t
                .trim_end_matches('日')
                .chars()
                .map(|c| match c {
                    '年' | '月' | '/' | '.' => '-',
                    c => c,
                })
                .collect();
            // A time after the date (an export of a database) is dropped.
            let unified = unified.split('T').next().unwrap_or("").to_string();
            let unified =
                unified
                    .split(':')
                    .next()
                    .map_or("", |s| if s.len() > 10 { &s[..10] } else { s });
            NaiveDate::parse_from_str(unified, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(unified, "%Y%m%d"))
                .map(Some)
                .map_err(|_| CellError::NotADate)
        }
    }
}

/// The column letters of a zero-based index: 0 → `A`, 26 → `AA`.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(char::from(b'A' + u8::try_from(r).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    #[test]
    fn amounts_convert_exactly_in_each_unit_and_refuse_what_a_fen_cannot_hold() {
        assert_eq!(
            amount(&t("1,234.56"), Unit::Wan),
            Ok(Some(Fen(1_234_560_000)))
        );
        assert_eq!(amount(&t("1234.56"), Unit::Yuan), Ok(Some(Fen(123_456))));
        assert_eq!(amount(&t("1.5"), Unit::Thousand), Ok(Some(Fen(150_000))));
        assert_eq!(amount(&t("0.001"), Unit::Yuan), Err(CellError::TooPrecise));
        assert_eq!(amount(&t("0.000001"), Unit::Wan), Ok(Some(Fen(1))));
        assert_eq!(amount(&t("-3"), Unit::Wan), Ok(Some(Fen(-3_000_000))));
        assert_eq!(amount(&t("abc"), Unit::Wan), Err(CellError::NotANumber));
        assert_eq!(amount(&t(""), Unit::Wan), Ok(None));
        assert_eq!(amount(&t("１２"), Unit::Yuan), Ok(Some(Fen(1200))));
        // Floats from XLSX go through their shortest decimal text: 0.1 + 0.2 is not 0.3.
        assert_eq!(
            amount(&Cell::Number(1234.56), Unit::Wan),
            Ok(Some(Fen(1_234_560_000)))
        );
        assert_eq!(
            amount(&Cell::Number(0.1 + 0.2), Unit::Yuan),
            Err(CellError::TooPrecise)
        );
        assert_eq!(
            amount(&Cell::Number(1e300), Unit::Yuan),
            Err(CellError::TooLarge)
        );
    }

    #[test]
    fn counts_years_dates_and_letters() {
        assert_eq!(count(&t("12")), Ok(Some(12)));
        assert_eq!(count(&Cell::Number(12.0)), Ok(Some(12)));
        assert_eq!(count(&Cell::Number(12.5)), Err(CellError::NotACount));
        assert_eq!(count(&t("-1")), Err(CellError::NotACount));
        assert_eq!(year(&t("2024年")), Ok(Some(2024)));
        assert_eq!(year(&Cell::Number(2024.0)), Ok(Some(2024)));
        assert_eq!(year(&t("24")), Err(CellError::NotAYear));
        let d = NaiveDate::from_ymd_opt(2015, 3, 2);
        assert_eq!(date(&t("2015年3月2日")), Ok(d));
        assert_eq!(date(&t("2015/3/2")), Ok(d));
        assert_eq!(date(&t("20150302")), Ok(d));
        assert_eq!(date(&t("2015-02-30")), Err(CellError::NotADate));
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
