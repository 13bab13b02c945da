//! A realistic demo city (Luohe, 漯河): counties, sectors, advisors and about 500 firms with
//! five years of plausible figures, IP, and stage histories that the core accepts.
//!
//! This module is pure and deterministic (a seeded generator): it plans what to write, and
//! `cli::demo` writes it through the app's use cases, firing every planned event through the
//! core. Each plan is checked here against the same core, so a seeded event is never refused.

pub mod coaching;

use crate::core::money::Fen;
use crate::core::profile::{
    DirectRoutes, FirmYear, Flags, HteCertificate, Ip, Judged, PlatformLevel, Profile,
    RdManagement, TechSmeRegistration,
};
use crate::core::rules::Thresholds;
use crate::core::stage::{self, Actor, Context, Event, FirmState, Role, Stage};
use crate::core::uscc;
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashSet};

/// A county, district or zone of the demo city.
#[derive(Debug, Clone, Copy)]
pub struct County {
    /// Division code (functional zones without one get a local code).
    pub code: &'static str,
    /// Chinese name.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// `district`, `county`, `zone` or `functional`.
    pub kind: &'static str,
}

/// Luohe's counties, districts and zones (CRITERIA §5).
pub const COUNTIES: [County; 8] = [
    County {
        code: "411102",
        name_zh: "源汇区",
        name_en: "Yuanhui District",
        kind: "district",
    },
    County {
        code: "411103",
        name_zh: "郾城区",
        name_en: "Yancheng District",
        kind: "district",
    },
    County {
        code: "411104",
        name_zh: "召陵区",
        name_en: "Shaoling District",
        kind: "district",
    },
    County {
        code: "411121",
        name_zh: "舞阳县",
        name_en: "Wuyang County",
        kind: "county",
    },
    County {
        code: "411122",
        name_zh: "临颍县",
        name_en: "Linying County",
        kind: "county",
    },
    County {
        code: "411171",
        name_zh: "漯河经济技术开发区",
        name_en: "Luohe Economic and Technological Development Zone",
        kind: "zone",
    },
    County {
        code: "LH-XC",
        name_zh: "西城区",
        name_en: "Xicheng District (functional zone)",
        kind: "functional",
    },
    County {
        code: "LH-DC",
        name_zh: "东城区",
        name_en: "Dongcheng District (functional zone)",
        kind: "functional",
    },
];

/// A sector of the city plan.
#[derive(Debug, Clone, Copy)]
pub struct Sector {
    /// Stable code.
    pub code: &'static str,
    /// Chinese name.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Words a firm name in this sector ends with.
    words: &'static [&'static str],
}

/// Plausible GB/T 4754-2017 classes for a sector's firms (the demo picks one by the firm's
/// place in the plan, so the random draws stay as they were).
pub fn industry_codes(sector: &str) -> &'static [&'static str] {
    match sector {
        "food" => &["C1351", "C1441", "C1462", "C1524"],
        "salt_chem" => &["C2612", "C2613", "C2661"],
        "new_materials" => &["C2651", "C3091", "C3240"],
        "biomedicine" => &["C2710", "C2720", "C2761"],
        "equipment" => &["C3411", "C3513", "C3525"],
        "agriculture" => &["A0111", "C1311", "A0311"],
        "electronics" => &["C3982", "C3989", "I6513"],
        _ => &["C3990"],
    }
}

/// The sectors of Luohe's plan.
pub const SECTORS: [Sector; 7] = [
    Sector {
        code: "food",
        name_zh: "食品",
        name_en: "Food",
        words: &["食品", "乳业", "饮品", "调味品", "肉制品"],
    },
    Sector {
        code: "salt_chem",
        name_zh: "盐化工",
        name_en: "Salt chemicals",
        words: &["盐化", "化工", "精细化工"],
    },
    Sector {
        code: "new_materials",
        name_zh: "新材料",
        name_en: "New materials",
        words: &["新材料", "复合材料", "纳米材料", "高分子材料"],
    },
    Sector {
        code: "biomedicine",
        name_zh: "生物医药",
        name_en: "Biomedicine",
        words: &["生物科技", "制药", "医疗器械", "生物工程"],
    },
    Sector {
        code: "equipment",
        name_zh: "先进装备",
        name_en: "Advanced equipment",
        words: &["机械", "智能装备", "电气", "液压"],
    },
    Sector {
        code: "agriculture",
        name_zh: "现代农业",
        name_en: "Modern agriculture",
        words: &["农业科技", "种业", "农牧", "生态农业"],
    },
    Sector {
        code: "electronics",
        name_zh: "电子信息",
        name_en: "Electronic information",
        words: &["电子", "信息技术", "软件", "智能科技"],
    },
];

const NAME_WORDS: [&str; 56] = [
    "恒达", "金源", "瑞丰", "华通", "宏盛", "天成", "鑫隆", "中原", "沙澧", "嘉禾", "康源", "盛泰",
    "佳和", "永兴", "博远", "科创", "润达", "新乐", "豫华", "东方", "明德", "远航", "正弘", "澳能",
    "汇通", "立信", "福瑞", "海川", "晨光", "泰和", "华冠", "德润", "宇航", "锦程", "协力", "安康",
    "万象", "金穗", "同创", "联合", "长青", "兴业", "卓越", "众诚", "南街", "北舞", "贾湖", "龙城",
    "澧河", "开源", "九州", "星火", "宏图", "凯达", "绿源", "信达",
];

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
];
const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东",
];

/// One planned IP item.
#[derive(Debug, Clone)]
pub struct DemoIp {
    /// Kind, e.g. `invention_patent`, `utility_model`.
    pub kind: &'static str,
    /// Registration number.
    pub number: String,
    /// Title.
    pub title: String,
    /// `own` or `transferred`.
    pub acquisition: &'static str,
}

/// One planned firm with its figures and stage history.
#[derive(Debug, Clone)]
pub struct DemoFirm {
    /// 统一社会信用代码.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// County code.
    pub county: &'static str,
    /// Sector code.
    pub sector: &'static str,
    /// GB/T 4754-2017 industry code, plausible for the sector.
    pub industry_code: &'static str,
    /// Founding date.
    pub founded_on: NaiveDate,
    /// Contact person.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Head count.
    pub employees: u32,
    /// Technical staff.
    pub tech_staff: u32,
    /// Yearly figures, oldest first.
    pub years: Vec<FirmYear>,
    /// Conversions of results by year.
    pub conversions: BTreeMap<i32, u32>,
    /// IP items.
    pub ip: Vec<DemoIp>,
    /// Yes/no facts.
    pub flags: Flags,
    /// R&D organisation items.
    pub rd_management: RdManagement,
    /// Direct routes other than a valid HTE (that one follows from the certificate).
    pub direct_routes: DirectRoutes,
    /// Advisor-judged sub-scores.
    pub judged: Judged,
    /// Best R&D platform.
    pub rd_platform: PlatformLevel,
    /// Index of the paired advisor in [`advisors`].
    pub advisor: usize,
    /// Events to fire, oldest first, with their dates and actor roles.
    pub plan: Vec<(Event, NaiveDate, Role)>,
}

impl DemoFirm {
    /// The profile the rules see for this firm in `state` (credentials come from the state).
    pub fn profile(&self, state: &FirmState) -> Profile {
        let class_one = self.ip.iter().filter(|i| is_class_one(i.kind)).count() as u32;
        let class_two = self.ip.len() as u32 - class_one;
        Profile {
            uscc: Some(self.uscc.clone()),
            name: Some(self.name.clone()),
            founded_on: Some(self.founded_on),
            employees: Some(self.employees),
            tech_staff: Some(self.tech_staff),
            financials: self.years.clone(),
            ip: Ip {
                class_one: Some(class_one),
                class_two: Some(class_two),
                own_rd: if self.ip.is_empty() {
                    None
                } else {
                    Some(self.ip.iter().any(|i| i.acquisition == "own"))
                },
                standards: Some(self.direct_routes.led_standard_5y == Some(true)),
            },
            conversions: self.conversions.clone(),
            rd_management: self.rd_management.clone(),
            flags: self.flags.clone(),
            direct_routes: DirectRoutes {
                valid_hte: Some(state.credentials.hte.is_some()),
                ..self.direct_routes.clone()
            },
            judged: self.judged,
            industry_code: Some(self.industry_code.to_string()),
            tech_sme: state.credentials.tech_sme.as_ref().map(|(year, reg_no)| {
                TechSmeRegistration {
                    year: *year,
                    reg_no: Some(reg_no.clone()),
                }
            }),
            hte_certificate: state.credentials.hte.as_ref().map(|(cert_no, issued_on)| {
                HteCertificate {
                    cert_no: cert_no.clone(),
                    issued_on: *issued_on,
                }
            }),
            rd_platform: Some(self.rd_platform),
        }
    }
}

/// Whether an IP kind is Class I.
pub fn is_class_one(kind: &str) -> bool {
    matches!(
        kind,
        "invention_patent"
            | "plant_variety"
            | "crop_variety"
            | "new_drug"
            | "tcm_protected"
            | "ic_layout"
    )
}

/// A demo advisor: username, name, county.
#[derive(Debug, Clone)]
pub struct DemoAdvisor {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Email.
    pub email: String,
    /// Home county.
    pub county: &'static str,
}

/// The 50 policy advisors, spread over the counties.
pub fn advisors() -> Vec<DemoAdvisor> {
    (0..50)
        .map(|i| DemoAdvisor {
            username: format!("advisor{:02}", i + 1),
            display_name: format!(
                "{}{}",
                SURNAMES[i % SURNAMES.len()],
                GIVEN[(i * 7 + 3) % GIVEN.len()]
            ),
            email: format!("advisor{:02}@kjj.luohe.example", i + 1),
            county: COUNTIES[i % COUNTIES.len()].code,
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Prospect,
    Lapsed,
    TechSme,
    Reserve,
    HighTech,
    Expired,
    Leader,
    Exited,
}

fn targets(n: usize) -> Vec<Target> {
    // Shares per 500 firms, close to Luohe's ladder in 2026.
    let shares = [
        (Target::Prospect, 100),
        (Target::Lapsed, 20),
        (Target::TechSme, 170),
        (Target::Reserve, 55),
        (Target::HighTech, 120),
        (Target::Expired, 15),
        (Target::Leader, 10),
        (Target::Exited, 10),
    ];
    let mut out = Vec::with_capacity(n);
    for (t, per500) in shares {
        out.extend(std::iter::repeat_n(t, (per500 * n).div_ceil(500)));
    }
    out.truncate(n);
    out
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn rand_date(rng: &mut StdRng, y: i32, m0: u32, m1: u32) -> NaiveDate {
    let m = rng.gen_range(m0..=m1);
    date(y, m, rng.gen_range(1..=28))
}

fn pct(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
    rng.gen_range(lo..hi)
}

/// Amounts are generated with floats and rounded to whole yuan once; every rule check
/// afterwards is exact on the stored integers.
fn yuan(v: f64) -> Fen {
    Fen::from_yuan(v.round().max(0.0) as i64).unwrap_or(Fen(0))
}

struct Shape {
    revenue: (f64, f64),
    growth: (f64, f64),
    rd: (f64, f64),
    high_tech: (f64, f64),
    staff: (f64, f64),
    class_one: (u32, u32),
    class_two: (u32, u32),
    conversions: (u32, u32),
    small: bool,
}

fn shape(t: Target) -> Shape {
    match t {
        Target::Prospect => Shape {
            revenue: (3.0e6, 6.0e7),
            growth: (-0.05, 0.2),
            rd: (0.005, 0.045),
            high_tech: (0.1, 0.6),
            staff: (0.05, 0.28),
            class_one: (0, 0),
            class_two: (0, 3),
            conversions: (0, 2),
            small: true,
        },
        Target::TechSme | Target::Lapsed | Target::Exited => Shape {
            revenue: (8.0e6, 1.2e8),
            growth: (0.0, 0.3),
            rd: (0.035, 0.08),
            high_tech: (0.3, 0.8),
            staff: (0.18, 0.4),
            class_one: (0, 1),
            class_two: (1, 6),
            conversions: (1, 3),
            small: true,
        },
        Target::Reserve => Shape {
            revenue: (2.0e7, 1.3e8),
            growth: (0.12, 0.35),
            rd: (0.052, 0.08),
            high_tech: (0.62, 0.9),
            staff: (0.16, 0.4),
            class_one: (1, 4),
            class_two: (3, 10),
            conversions: (3, 6),
            small: true,
        },
        Target::HighTech | Target::Expired => Shape {
            revenue: (3.0e7, 4.0e8),
            growth: (0.05, 0.35),
            rd: (0.052, 0.09),
            high_tech: (0.62, 0.92),
            staff: (0.12, 0.4),
            class_one: (1, 8),
            class_two: (4, 20),
            conversions: (2, 7),
            small: false,
        },
        Target::Leader => Shape {
            revenue: (3.2e8, 1.2e9),
            growth: (0.1, 0.3),
            rd: (0.04, 0.07),
            high_tech: (0.65, 0.9),
            staff: (0.12, 0.3),
            class_one: (10, 40),
            class_two: (20, 60),
            conversions: (5, 10),
            small: false,
        },
    }
}

/// Plan `n` firms (the demo uses 500), deterministic for a seed.
pub fn generate(seed: u64, n: usize, today: NaiveDate) -> Vec<DemoFirm> {
    let mut rng = StdRng::seed_from_u64(seed);
    let thresholds = Thresholds::default();
    let mut names = HashSet::new();
    let mut usccs = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for (i, target) in targets(n).into_iter().enumerate() {
        let county = COUNTIES[rng.gen_range(0..COUNTIES.len())];
        let sector = SECTORS[rng.gen_range(0..SECTORS.len())];
        let name = loop {
            let w = NAME_WORDS[rng.gen_range(0..NAME_WORDS.len())];
            let s = sector.words[rng.gen_range(0..sector.words.len())];
            let legal = if rng.gen_bool(0.2) {
                "股份有限公司"
            } else {
                "有限公司"
            };
            let place = if county.kind == "county" {
                county.name_zh
            } else {
                "漯河市"
            };
            let candidate = format!("{place}{w}{s}{legal}");
            if names.insert(candidate.clone()) {
                break candidate;
            }
        };
        let uscc = loop {
            let division = if county.code.starts_with("4111") {
                county.code
            } else {
                "411100"
            };
            let body: String = (0..7)
                .map(|_| b"0123456789ABCDEFGHJKLMNPQRTUWXY"[rng.gen_range(0..31)] as char)
                .collect();
            if let Some(code) = uscc::with_check_char(&format!("91{division}MA{body}")) {
                if usccs.insert(code.clone()) {
                    break code;
                }
            }
        };
        let mut firm = base_firm(&mut rng, target, i, name, uscc, county.code, sector.code);
        firm.plan = plan(&mut rng, target, i, today);
        settle(&mut firm, &thresholds, today);
        out.push(firm);
    }
    out
}

fn base_firm(
    rng: &mut StdRng,
    target: Target,
    i: usize,
    name: String,
    uscc: String,
    county: &'static str,
    sector: &'static str,
) -> DemoFirm {
    let sh = shape(target);
    let founded_year = rng.gen_range(2004..=2019);
    let founded_on = rand_date(rng, founded_year, 1, 12);
    let mut revenue = pct(rng, sh.revenue.0, sh.revenue.1);
    let rd_ratio = pct(rng, sh.rd.0, sh.rd.1);
    let ht_share = pct(rng, sh.high_tech.0, sh.high_tech.1);
    let asset_ratio = pct(rng, 0.9, 1.5);
    let mut years = Vec::new();
    let mut conversions = BTreeMap::new();
    for year in 2021..=2025 {
        let mut total_assets = revenue * asset_ratio;
        if sh.small {
            total_assets = total_assets.min(1.9e8);
            revenue = revenue.min(1.9e8);
        }
        let rd = revenue * rd_ratio;
        years.push(FirmYear {
            year,
            revenue: Some(yuan(revenue)),
            rd_expense: Some(yuan(rd)),
            rd_expense_domestic: Some(yuan(if rng.gen_bool(0.85) { rd } else { rd * 0.9 })),
            high_tech_revenue: Some(yuan(revenue * ht_share)),
            total_cost: Some(yuan(revenue * pct(rng, 0.82, 0.95))),
            total_assets: Some(yuan(total_assets)),
            net_assets: Some(yuan(total_assets * (0.45 + 0.02 * f64::from(year - 2021)))),
            // 总收入: sales plus a little investment and other income.
            total_income: Some(yuan(revenue * pct(rng, 1.0, 1.04))),
        });
        conversions.insert(year, rng.gen_range(sh.conversions.0..=sh.conversions.1));
        revenue *= 1.0 + pct(rng, sh.growth.0, sh.growth.1.max(sh.growth.0 + 0.01));
    }
    let latest_revenue = revenue / 1.1;
    let mut employees = (latest_revenue / 6.0e5).round().clamp(12.0, 3000.0) as u32;
    if sh.small {
        employees = employees.min(480);
    }
    let tech_staff =
        ((f64::from(employees) * pct(rng, sh.staff.0, sh.staff.1)).round() as u32).min(employees);
    let n1 = rng.gen_range(sh.class_one.0..=sh.class_one.1);
    let n2 = rng.gen_range(sh.class_two.0..=sh.class_two.1);
    let own = rng.gen_bool(0.85);
    let mut ip = Vec::new();
    for k in 0..(n1 + n2) {
        let class_one = k < n1;
        let kind = if class_one {
            "invention_patent"
        } else {
            [
                "utility_model",
                "utility_model",
                "design",
                "software_copyright",
            ][rng.gen_range(0..4)]
        };
        let number = match kind {
            "invention_patent" => format!(
                "ZL20{}1{:07}.{}",
                rng.gen_range(15..25),
                rng.gen_range(0..9_999_999),
                rng.gen_range(0..10)
            ),
            "utility_model" => format!(
                "ZL20{}2{:07}.{}",
                rng.gen_range(15..25),
                rng.gen_range(0..9_999_999),
                rng.gen_range(0..10)
            ),
            "design" => format!(
                "ZL20{}3{:07}.{}",
                rng.gen_range(15..25),
                rng.gen_range(0..9_999_999),
                rng.gen_range(0..10)
            ),
            _ => format!(
                "20{}SR{:07}",
                rng.gen_range(15..25),
                rng.gen_range(0..9_999_999)
            ),
        };
        ip.push(DemoIp {
            kind,
            number,
            title: format!(
                "{}相关技术 {}",
                SECTORS
                    .iter()
                    .find(|s| s.code == sector)
                    .map_or("", |s| s.name_zh),
                k + 1
            ),
            acquisition: if own || k > 0 { "own" } else { "transferred" },
        });
    }
    // Reserve candidates and up have coached firms' paperwork (R&D organisation, judged
    // sub-scores); about a third of tech-SMEs have got that far too.
    let strong = match target {
        Target::Prospect | Target::Lapsed | Target::Exited => false,
        Target::TechSme => rng.gen_bool(0.3),
        _ => true,
    };
    let all = |p: f64, rng: &mut StdRng| Some(strong || rng.gen_bool(p));
    let codes = industry_codes(sector);
    DemoFirm {
        uscc,
        name,
        county,
        sector,
        industry_code: codes[i % codes.len()],
        founded_on,
        contact_name: format!(
            "{}{}",
            SURNAMES[rng.gen_range(0..SURNAMES.len())],
            GIVEN[rng.gen_range(0..GIVEN.len())]
        ),
        contact_phone: format!("139{:08}", rng.gen_range(0..100_000_000)),
        employees,
        tech_staff,
        years,
        conversions,
        flags: Flags {
            key_field: Some(strong || target == Target::TechSme || rng.gen_bool(0.5)),
            core_ip: Some(!ip.is_empty()),
            major_incident: Some(false),
            restricted_industry: Some(false),
            dishonest: Some(false),
            deemed_taxation: Some(false),
        },
        ip,
        rd_management: RdManagement {
            system: all(0.4, rng),
            institution: all(0.3, rng),
            conversion_platform: all(0.2, rng),
            talent: all(0.4, rng),
        },
        direct_routes: DirectRoutes {
            valid_hte: Some(false),
            provincial_rd_center: Some(target == Target::Leader),
            award_5y: Some(false),
            led_standard_5y: Some(target == Target::Leader && rng.gen_bool(0.5)),
        },
        judged: if strong {
            Judged {
                ip_advancement: Some(rng.gen_range(4..=8)),
                ip_core_support: Some(rng.gen_range(4..=8)),
                rd_organisation: Some(rng.gen_range(12..=18)),
                ..Judged::default()
            }
        } else {
            Judged::default()
        },
        rd_platform: match target {
            Target::Leader => {
                if rng.gen_bool(0.3) {
                    PlatformLevel::National
                } else {
                    PlatformLevel::Provincial
                }
            }
            Target::HighTech | Target::Expired | Target::Reserve => {
                if rng.gen_bool(0.4) {
                    PlatformLevel::City
                } else {
                    PlatformLevel::None
                }
            }
            _ => PlatformLevel::None,
        },
        advisor: i % 50,
        plan: Vec::new(),
    }
}

/// The issue date of a certificate that runs out `days` after `today` (three years on).
fn runs_out_in(today: NaiveDate, days: u64) -> NaiveDate {
    use chrono::Datelike;
    let back = today
        .with_year(today.year() - 3)
        .or_else(|| today.pred_opt()?.with_year(today.year() - 3))
        .unwrap_or(today);
    back + chrono::Days::new(days)
}

fn reg_no(year: i32, i: usize) -> String {
    format!("{year}4111{:02}{:05}", (i % 7) + 1, i + 1)
}

fn cert_no(issued_on: NaiveDate, i: usize) -> String {
    use chrono::Datelike;
    format!("GR{}41{:06}", issued_on.year(), 1000 + i)
}

fn plan(
    rng: &mut StdRng,
    target: Target,
    i: usize,
    today: NaiveDate,
) -> Vec<(Event, NaiveDate, Role)> {
    use Role::{Bureau, County, System};
    let register = |year: i32, on: NaiveDate| {
        (
            Event::RegisterTechSme {
                year,
                reg_no: reg_no(year, i),
            },
            on,
            Bureau,
        )
    };
    let certify = |on: NaiveDate| {
        (
            Event::CertifyHighTech {
                cert_no: cert_no(on, i),
                issued_on: on,
            },
            on + chrono::Days::new(12),
            Bureau,
        )
    };
    match target {
        Target::Prospect => Vec::new(),
        Target::Lapsed => vec![
            register(2025, rand_date(rng, 2025, 4, 8)),
            (Event::LapseTechSme, date(2026, 4, 1), System),
        ],
        Target::TechSme => {
            let mut p = Vec::new();
            if rng.gen_bool(0.6) {
                p.push(register(2025, rand_date(rng, 2025, 4, 8)));
            }
            p.push(register(2026, rand_date(rng, 2026, 3, 8)));
            p
        }
        Target::Reserve => vec![
            register(2025, rand_date(rng, 2025, 3, 6)),
            register(2026, rand_date(rng, 2026, 3, 5)),
            (Event::AdmitToReserve, rand_date(rng, 2026, 6, 9), Bureau),
        ],
        Target::HighTech => {
            let issued = match rng.gen_range(0..10) {
                // A fifth run out within half a year of the demo's today (10 to 170 days
                // on), so `peiyu tick` has certificate reminders at every mark to send.
                0..=1 => runs_out_in(today, rng.gen_range(10..=170)),
                2..=5 => rand_date(rng, 2024, 11, 12),
                _ => rand_date(rng, 2025, 11, 12),
            };
            let mut p = Vec::new();
            if rng.gen_bool(0.5) {
                // Registered, then admitted to the reserve, in the months before the
                // certificate.
                use chrono::Datelike;
                let registered = issued - chrono::Days::new(rng.gen_range(120..=150));
                let admitted = issued - chrono::Days::new(rng.gen_range(30..=60));
                p.push(register(registered.year(), registered));
                p.push((Event::AdmitToReserve, admitted, Bureau));
            }
            p.push(certify(issued));
            p
        }
        Target::Expired => {
            let issued = rand_date(rng, 2022, 11, 12);
            vec![
                certify(issued),
                (
                    Event::ExpireHighTech,
                    stage::hte_valid_until(issued),
                    System,
                ),
            ]
        }
        Target::Leader => {
            let issued = rand_date(rng, 2024, 11, 12);
            vec![
                certify(issued),
                (Event::RecognizeLeader, rand_date(rng, 2025, 3, 6), Bureau),
            ]
        }
        Target::Exited => vec![
            register(2025, rand_date(rng, 2025, 4, 8)),
            (
                Event::Exit {
                    reason: "企业注销（工商登记已注销）".into(),
                },
                rand_date(rng, 2026, 2, 10),
                County,
            ),
        ],
    }
}

/// Walk the plan through the core. Where a guard refuses on the rules, improve exactly the
/// figures it names, one modest step at a time, the way a coached firm grows (a point more
/// R&D, a few more technical staff, another patent); where nothing can help (a firm too big
/// to be a tech-SME), drop the event. Every seeded event is then one the core accepts, and
/// firms stay spread around the thresholds instead of all passing with a margin. Plans never
/// run past `today`.
fn settle(firm: &mut DemoFirm, thresholds: &Thresholds, today: NaiveDate) {
    firm.plan.retain(|(_, on, _)| *on <= today);
    for step in 0..12 {
        let Some((k, codes)) = first_refusal(firm, thresholds) else {
            return;
        };
        let hopeless = [
            "tsme.size",
            "leader.revenue",
            "role_not_allowed",
            "not_allowed_from_stage",
        ];
        if step >= 8 || codes.iter().any(|c| hopeless.contains(&c.as_str())) {
            firm.plan.remove(k);
        } else {
            improve(firm, &codes);
        }
    }
    while let Some((k, _)) = first_refusal(firm, thresholds) {
        firm.plan.remove(k);
    }
}

fn first_refusal(firm: &DemoFirm, thresholds: &Thresholds) -> Option<(usize, Vec<String>)> {
    let mut state = FirmState::new();
    for (k, (event, on, role)) in firm.plan.iter().enumerate() {
        let profile = firm.profile(&state);
        let actor = Actor {
            user_id: None,
            role: *role,
        };
        let ctx = Context {
            profile: &profile,
            thresholds,
        };
        match stage::apply(&state, event, &actor, *on, &ctx) {
            Ok(t) => state = t.state,
            Err(r) => return Some((k, r.reasons.into_iter().map(|r| r.code).collect())),
        }
    }
    None
}

fn improve(firm: &mut DemoFirm, codes: &[String]) {
    let needs = |ids: &[&str]| codes.iter().any(|c| ids.contains(&c.as_str()));
    if needs(&[
        "tsme.score",
        "reserve.near_hte",
        "leader.rd_ratio",
        "hte.rd_ratio",
    ]) {
        for y in &mut firm.years {
            if let (Some(rev), Some(rd)) = (y.revenue, y.rd_expense) {
                let more = Fen(rd.0 + rev.0 / 100);
                y.rd_expense = Some(more);
                y.rd_expense_domestic = Some(more);
            }
        }
    }
    if needs(&["tsme.score", "reserve.near_hte"]) {
        firm.tech_staff = (firm.tech_staff + firm.employees.div_ceil(20)).min(firm.employees);
    }
    if needs(&["tsme.score"]) {
        let class_one = firm.ip.iter().any(|i| is_class_one(i.kind));
        firm.ip.push(DemoIp {
            kind: if class_one || firm.ip.len() < 2 {
                "utility_model"
            } else {
                "invention_patent"
            },
            number: format!("ZL2023{:07}.{}", firm.ip.len() + 1, firm.ip.len() % 10),
            title: "工艺改进".into(),
            acquisition: "own",
        });
        firm.flags.core_ip = Some(true);
    }
    if needs(&["reserve.near_hte"]) {
        for y in &mut firm.years {
            if let (Some(rev), Some(ht)) = (y.revenue, y.high_tech_revenue) {
                y.high_tech_revenue = Some(Fen((ht.0 + rev.0 / 20).min(rev.0)));
            }
        }
        firm.flags.core_ip = Some(true);
        firm.flags.key_field = Some(true);
        if !firm.ip.iter().any(|i| is_class_one(i.kind)) {
            firm.ip.push(DemoIp {
                kind: "invention_patent",
                number: format!("ZL2022{:07}.X", firm.ip.len() + 1),
                title: "核心产品发明专利".into(),
                acquisition: "own",
            });
        }
    }
    if needs(&["reserve.score_floor"]) {
        for c in firm.conversions.values_mut() {
            *c += 1;
        }
        firm.rd_management = RdManagement {
            system: Some(true),
            institution: Some(true),
            conversion_platform: Some(true),
            talent: Some(true),
        };
        let bump =
            |v: Option<u8>, by: u8, max: u8| Some(v.unwrap_or(0).saturating_add(by).min(max));
        firm.judged.ip_advancement = bump(firm.judged.ip_advancement, 2, 8);
        firm.judged.ip_core_support = bump(firm.judged.ip_core_support, 2, 8);
        firm.judged.rd_organisation = bump(firm.judged.rd_organisation, 3, 20);
    }
    if needs(&["leader.platform"]) {
        firm.rd_platform = PlatformLevel::Provincial;
    }
}

/// How many firms the plan puts in each stage (for messages and tests).
pub fn planned_stages(firms: &[DemoFirm]) -> BTreeMap<Stage, usize> {
    let mut out = BTreeMap::new();
    for f in firms {
        let s = stage::replay(f.plan.iter().map(|(e, d, _)| (e, *d))).stage;
        *out.entry(s).or_insert(0) += 1;
    }
    out
}
