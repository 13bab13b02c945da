//! The targets dashboard as the bureau's and county officers' `/` shows it: progress toward
//! each target with this year's pace, firms by county and stage, monthly movements and the
//! endings ahead, each a server-drawn SVG chart beside a table of the same numbers.

use crate::app::reports::board::Board;
use crate::core::stage::Stage;
use crate::core::targets::Metric;
use crate::i18n::{self, Lang};
use crate::web::charts::{columns, Columns, Series};
use serde_json::{json, Value};

/// The stages the charts compare (the ladder above prospects).
const LADDER: [Stage; 4] = [
    Stage::TechSme,
    Stage::Reserve,
    Stage::HighTech,
    Stage::Leader,
];

fn stage_name(lang: Lang, s: Stage) -> String {
    i18n::text(lang, &format!("stage.{}", s.id()))
}

fn at(values: &[i64], s: Stage) -> i64 {
    Stage::ALL
        .iter()
        .position(|x| *x == s)
        .and_then(|i| values.get(i))
        .copied()
        .unwrap_or(0)
}

/// The dashboard's data for the template.
pub fn board_json(b: &Board, lang: Lang) -> Value {
    let t = |k: &str| i18n::text(lang, k);
    let progress: Vec<Value> = b
        .progress
        .iter()
        .map(|p| {
            let name = t(p.metric.key());
            let target_words = p.target.map(|v| {
                i18n::render(
                    lang,
                    &crate::core::error::Text::new("board.target_line").plain("value", v),
                )
            });
            let chart = columns(&Columns {
                title: &name,
                x_label: &t("board.axis.when"),
                y_label: &t("board.axis.firms"),
                categories: vec![
                    t("board.at_start"),
                    t("board.now"),
                    t("board.projected"),
                ],
                series: vec![Series {
                    name: name.clone(),
                    values: vec![p.at_start, p.count, p.projected],
                }],
                line: p.target.zip(target_words),
            });
            json!({
                "metric": p.metric.id(),
                "name": name,
                "count": p.count,
                "at_start": p.at_start,
                "projected": p.projected,
                "target": p.target,
                "percent": p.percent,
                "pace": match p.target {
                    Some(v) => i18n::render(lang, &crate::core::error::Text::new("board.pace")
                        .plain("projected", p.projected).plain("target", v)
                        .plain("year", b.year)),
                    None => i18n::render(lang, &crate::core::error::Text::new("board.pace_no_target")
                        .plain("projected", p.projected).plain("year", b.year)),
                },
                "chart": chart,
            })
        })
        .collect();
    let county_name = |c: &crate::app::model::County| lang.pick(&c.name_zh, &c.name_en).to_string();
    let by_county_chart = columns(&Columns {
        title: &t("board.by_county"),
        x_label: &t("board.axis.county"),
        y_label: &t("board.axis.firms"),
        categories: b.by_county.iter().map(|r| county_name(&r.county)).collect(),
        series: LADDER
            .iter()
            .map(|s| Series {
                name: stage_name(lang, *s),
                values: b.by_county.iter().map(|r| at(&r.counts, *s)).collect(),
            })
            .collect(),
        line: None,
    });
    let months_chart = columns(&Columns {
        title: &t("board.moves"),
        x_label: &t("board.axis.month"),
        y_label: &t("board.axis.firms"),
        categories: b.months.iter().map(|m| m.month.clone()).collect(),
        series: LADDER
            .iter()
            .map(|s| Series {
                name: stage_name(lang, *s),
                values: b.months.iter().map(|m| at(&m.into, *s)).collect(),
            })
            .collect(),
        line: None,
    });
    let endings_chart = columns(&Columns {
        title: &t("board.endings"),
        x_label: &t("board.axis.month"),
        y_label: &t("board.axis.credentials"),
        categories: b.endings.iter().map(|e| e.month.clone()).collect(),
        series: vec![
            Series {
                name: t(Metric::HighTech.key()),
                values: b.endings.iter().map(|e| e.hte).collect(),
            },
            Series {
                name: t(Metric::TechSme.key()),
                values: b.endings.iter().map(|e| e.tech_sme).collect(),
            },
        ],
        line: None,
    });
    json!({
        "year": b.year,
        "today": b.today.to_string(),
        "county": b.county.as_ref().map(county_name),
        "progress": progress,
        "stages": Stage::ALL.iter().map(|s| stage_name(lang, *s)).collect::<Vec<_>>(),
        "ladder": LADDER.iter().map(|s| stage_name(lang, *s)).collect::<Vec<_>>(),
        "by_county": b.by_county.iter().map(|r| json!({
            "name": county_name(&r.county),
            "counts": r.counts,
            "total": r.counts.iter().sum::<i64>(),
        })).collect::<Vec<_>>(),
        "by_county_chart": by_county_chart,
        "months": b.months.iter().map(|m| json!({
            "month": m.month,
            "cells": LADDER.iter().map(|s| json!({"into": at(&m.into, *s), "out_of": at(&m.out_of, *s)})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "months_chart": months_chart,
        "endings": b.endings.iter().map(|e| json!({"month": e.month, "hte": e.hte, "tech_sme": e.tech_sme})).collect::<Vec<_>>(),
        "endings_chart": endings_chart,
        "metric_hte": t(Metric::HighTech.key()),
        "metric_tech_sme": t(Metric::TechSme.key()),
    })
}
