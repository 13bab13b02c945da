//! The words of `leader-local`: each criterion's label, requirement and sentences, Chinese
//! and English side by side, with the thresholds the evaluation recorded.

use super::Id;
use crate::core::eval::{Criterion, Evaluation};
use crate::core::money::Fen;
use crate::core::ratio::format_bp;
use crate::core::rules::detail::{Detail, HteSource};
use crate::core::rules::words::{self, at_least_platform, off_shape, yen, yuan_zh, Words};
use crate::core::rules::{LeaderThresholds, ThresholdsUsed};

/// The thresholds the evaluation used.
fn thresholds(ev: &Evaluation) -> LeaderThresholds {
    match ev.thresholds {
        Some(ThresholdsUsed::Leader(t)) => t,
        _ => LeaderThresholds::default(),
    }
}

/// The label of a criterion.
pub(crate) fn label(id: Id) -> (&'static str, &'static str) {
    match id {
        Id::ValidHte => ("有效高新技术企业证书", "Valid HTE certificate"),
        Id::Revenue => ("营业收入", "Revenue"),
        Id::RdRatio => ("研发费用占比", "R&D ratio"),
        Id::Platform => ("研发平台", "R&D platform"),
    }
}

/// The requirement of a criterion, short, with the thresholds in force.
pub(crate) fn required(id: Id, _c: &Criterion, ev: &Evaluation) -> (String, String) {
    let t = thresholds(ev);
    match id {
        Id::ValidHte => (
            "有效高新技术企业证书".to_string(),
            "valid HTE certificate".to_string(),
        ),
        Id::Revenue => {
            let bound = Fen::from_yuan_saturating(t.revenue_yuan);
            (format!("≥ {}", yuan_zh(bound)), format!("≥ {}", yen(bound)))
        }
        Id::RdRatio => {
            let s = format!("≥ {}", format_bp(t.rd_ratio_bp));
            (s.clone(), s)
        }
        Id::Platform => at_least_platform(t.platform),
    }
}

/// The actual value, the explaining sentence and the gap of a criterion.
pub(crate) fn words(id: Id, c: &Criterion, ev: &Evaluation) -> Words {
    match id {
        Id::ValidHte => valid_hte(c, ev),
        Id::Revenue => words::amount(c),
        Id::RdRatio => words::rd_ratio(c, ("", "")),
        Id::Platform => words::platform(c),
    }
}

fn valid_hte(c: &Criterion, ev: &Evaluation) -> Words {
    let Detail::ValidHte { source } = c.detail else {
        return off_shape(c);
    };
    let as_of = ev.as_of;
    match source {
        HteSource::Certificate { issued_on, until } => {
            let actual = (format!("{issued_on} 颁发"), format!("issued {issued_on}"));
            if c.status == crate::core::eval::Status::Pass {
                return Words::new(
                    actual,
                    (
                        format!("高新技术企业证书 {issued_on} 颁发，有效期至 {until}。"),
                        format!("HTE certificate issued on {issued_on}, valid until {until}."),
                    ),
                    None,
                );
            }
            let explain = if issued_on > as_of {
                (
                    format!("高新技术企业证书颁发日期 {issued_on} 晚于评价日 {as_of}。"),
                    format!("The HTE certificate's issue date {issued_on} is after {as_of}."),
                )
            } else {
                (
                    format!("高新技术企业证书 {issued_on} 颁发，已于 {until} 到期。"),
                    format!("The HTE certificate issued on {issued_on} expired on {until}."),
                )
            };
            Words::new(
                actual,
                explain,
                Some((
                    "重新认定取得有效的高新技术企业证书".to_string(),
                    "a valid HTE certificate (re-certification)".to_string(),
                )),
            )
        }
        HteSource::Declared(true) => Words::new(
            ("企业申报有效".to_string(), "declared valid".to_string()),
            (
                "企业档案表明持有有效的高新技术企业证书。".to_string(),
                "The profile declares a valid HTE certificate.".to_string(),
            ),
            None,
        ),
        HteSource::Declared(false) => Words::new(
            ("无".to_string(), "none".to_string()),
            (
                "没有有效的高新技术企业证书。".to_string(),
                "No valid HTE certificate.".to_string(),
            ),
            Some((
                "取得有效的高新技术企业证书".to_string(),
                "a valid HTE certificate".to_string(),
            )),
        ),
    }
}
