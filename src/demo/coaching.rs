//! The demo city's coaching: assignment histories, follow-ups over the past months and the
//! issue ledger, planned deterministically relative to the demo's own `today` so that on that
//! date some contacts are overdue, some due this week, some firms have no contact planned and
//! some were not contacted for over 60 days, and a few issues of every category are open.

use super::DemoFirm;
use chrono::{Days, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One planned assignment: firm index, advisor index, from, to (`None`: current), reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAssignment {
    /// Index into the firm plans.
    pub firm: usize,
    /// Index into [`super::advisors`].
    pub advisor: usize,
    /// First day.
    pub started_on: NaiveDate,
    /// Last day; `None` for the current one.
    pub ended_on: Option<NaiveDate>,
    /// Why.
    pub reason: &'static str,
}

/// One planned follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFollowup {
    /// Index into the firm plans.
    pub firm: usize,
    /// The firm's advisor then (index into [`super::advisors`]).
    pub advisor: usize,
    /// When.
    pub happened_on: NaiveDate,
    /// Kind id.
    pub kind: &'static str,
    /// Who took part.
    pub attendees: String,
    /// Summary.
    pub summary: String,
    /// Next action.
    pub next_action: String,
    /// Due date.
    pub due_on: Option<NaiveDate>,
    /// For a correction: the index (in this list) of the follow-up it corrects.
    pub corrects: Option<usize>,
}

/// One planned issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoIssue {
    /// Index into the firm plans.
    pub firm: usize,
    /// Category id.
    pub category: &'static str,
    /// Title.
    pub title: &'static str,
    /// Details.
    pub detail: String,
    /// Status id.
    pub status: &'static str,
    /// When raised.
    pub raised_on: NaiveDate,
    /// When resolved or closed.
    pub closed_on: Option<NaiveDate>,
    /// Resolution.
    pub resolution: Option<&'static str>,
}

/// Everything the demo seeds about coaching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoCoaching {
    /// Assignments, each firm's oldest first.
    pub assignments: Vec<DemoAssignment>,
    /// Follow-ups, each firm's oldest first (a correction after what it corrects).
    pub followups: Vec<DemoFollowup>,
    /// Issues.
    pub issues: Vec<DemoIssue>,
}

const SUMMARIES: [(&str, &str); 8] = [
    (
        "走访企业研发中心，了解研发费用归集情况",
        "协助建立研发费用辅助账",
    ),
    (
        "电话了解企业高新技术产品收入统计口径",
        "提供高新技术产品（服务）收入归集模板",
    ),
    ("线上讲解科技型中小企业评价指标", "企业补充知识产权清单"),
    ("参加市科技局组织的高企申报培训", "按培训要求整理申报材料"),
    (
        "走访企业生产车间，了解专利转化情况",
        "整理近三年科技成果转化证明材料",
    ),
    (
        "电话沟通企业研发人员认定标准",
        "核对科技人员名单及社保缴纳情况",
    ),
    ("线上对接金融机构科技贷产品", "准备知识产权质押融资材料"),
    ("走访企业，了解用工和人才引进需求", "推荐参加人才对接会"),
];

const ISSUES: [(&str, &str, &str); 12] = [
    (
        "finance",
        "科技贷授信额度不足",
        "企业扩产需流动资金约 800 万元，现有授信额度不足。",
    ),
    (
        "finance",
        "研发费用加计扣除申报问题",
        "企业对加计扣除的归集口径存在疑问。",
    ),
    (
        "talent",
        "高层次研发人才引进困难",
        "企业急需电气自动化方向研发负责人。",
    ),
    (
        "talent",
        "技术工人短缺",
        "生产线扩建后缺少熟练技术工人约 30 人。",
    ),
    (
        "ip",
        "发明专利审查周期长",
        "核心发明专利已进入实审一年半，希望加快审查。",
    ),
    (
        "ip",
        "专利被侵权维权",
        "企业发现外地企业仿制其实用新型专利产品。",
    ),
    ("land", "扩建用地指标", "二期厂房扩建需新增用地约 20 亩。"),
    (
        "land",
        "厂房租赁到期",
        "现租赁厂房明年到期，需协调新的生产场地。",
    ),
    (
        "certification",
        "高企认定材料指导",
        "企业首次申报高新技术企业，需要材料指导。",
    ),
    (
        "certification",
        "检测资质办理",
        "企业新产品需取得第三方检测资质。",
    ),
    (
        "other",
        "产学研合作对接",
        "希望与本地高校建立联合研发中心。",
    ),
    (
        "other",
        "科技成果评价",
        "企业希望对一项新工艺开展科技成果评价。",
    ),
];

const RESOLUTIONS: [&str; 3] = [
    "已协调合作银行增加授信，企业已获批贷款。",
    "已组织专家上门辅导，企业已完成材料整理。",
    "企业表示问题已自行解决，关闭诉求。",
];

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

fn days_after(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(d)
}

/// Plan the coaching of `firms` (as planned by [`super::generate`] for the same `today`),
/// deterministic for a seed. Exited firms keep their history but get no new follow-ups.
pub fn plan(seed: u64, firms: &[DemoFirm], today: NaiveDate) -> DemoCoaching {
    // A generator of its own, so the firms' plans do not change with this one.
    let mut rng = StdRng::seed_from_u64(seed ^ 0x00C0_AC11);
    let mut out = DemoCoaching::default();
    let n_advisors = super::advisors().len().max(1);
    for (i, f) in firms.iter().enumerate() {
        let current = f.advisor;
        let current_from = if n_advisors > 1 && rng.gen_bool(0.3) {
            // An earlier advisor, who handed the firm over.
            let previous = (current + 1 + rng.gen_range(0..n_advisors - 1)) % n_advisors;
            let start = days_before(today, rng.gen_range(400..900));
            let handover = days_before(today, rng.gen_range(90..300));
            out.assignments.push(DemoAssignment {
                firm: i,
                advisor: previous,
                started_on: start,
                ended_on: Some(handover),
                reason: "服务专员岗位调整",
            });
            handover
        } else {
            days_before(today, rng.gen_range(120..800))
        };
        out.assignments.push(DemoAssignment {
            firm: i,
            advisor: current,
            started_on: current_from,
            ended_on: None,
            reason: "",
        });

        let exited = f
            .plan
            .iter()
            .any(|(e, _, _)| matches!(e, crate::core::stage::Event::Exit { .. }));
        // What the latest follow-up leaves the firm with on `today`.
        let shape = rng.gen_range(0..100);
        if exited || shape < 8 {
            continue; // never contacted since assignment
        }
        let count = rng.gen_range(1..=4);
        // The latest contact: long ago for about a sixth, else within the last seven weeks.
        let last = if shape < 24 {
            days_before(today, rng.gen_range(61..160))
        } else {
            days_before(today, rng.gen_range(1..50))
        };
        let mut dates: Vec<NaiveDate> = (1..count)
            .map(|k| days_before(last, 30 * k as u64 + rng.gen_range(0..20)))
            .filter(|d| *d >= current_from)
            .collect();
        dates.reverse();
        dates.push(last.max(current_from));
        let n = dates.len();
        for (k, on) in dates.into_iter().enumerate() {
            let (summary, action) = SUMMARIES[rng.gen_range(0..SUMMARIES.len())];
            let kind = ["visit", "call", "online", "training"][rng.gen_range(0..4)];
            let due_on = if k + 1 < n {
                Some(days_after(on, 30))
            } else {
                match shape {
                    // Overdue: planned contact already past.
                    24..=41 => Some(days_before(today, rng.gen_range(1..25))).filter(|d| *d >= on),
                    // Due this week.
                    42..=59 => Some(days_after(today, rng.gen_range(0..7))),
                    // Nothing planned.
                    60..=69 => None,
                    // Long-ago contacts planned nothing either; the rest plan weeks ahead.
                    _ if shape < 24 => None,
                    _ => Some(days_after(today, rng.gen_range(7..60))),
                }
            };
            out.followups.push(DemoFollowup {
                firm: i,
                advisor: current,
                happened_on: on,
                kind,
                attendees: format!("{}（企业联系人）", f.contact_name),
                summary: summary.to_string(),
                next_action: if due_on.is_some() {
                    action.to_string()
                } else {
                    String::new()
                },
                due_on,
                corrects: None,
            });
        }
        // Now and then an old record gets a correction appended.
        if n > 1 && rng.gen_bool(0.05) {
            let k = out.followups.len() - n;
            let mut c = out.followups[k].clone();
            c.summary = format!("{}（更正：补记参加人员）", c.summary);
            c.attendees = format!("{}、企业技术负责人", c.attendees);
            c.corrects = Some(k);
            out.followups.push(c);
        }
    }
    // A few issues of every category: open, in progress, resolved and closed.
    let active: Vec<usize> = firms
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            !f.plan
                .iter()
                .any(|(e, _, _)| matches!(e, crate::core::stage::Event::Exit { .. }))
        })
        .map(|(i, _)| i)
        .collect();
    if active.is_empty() {
        return out;
    }
    for round in 0..4 {
        for (category, title, detail) in ISSUES {
            let firm = active[rng.gen_range(0..active.len())];
            let raised_on = days_before(today, rng.gen_range(3..200));
            let (status, closed_on, resolution) = match (round, rng.gen_range(0..3)) {
                (0, _) => ("open", None, None),
                (1, _) => ("in_progress", None, None),
                (_, 0) => (
                    "resolved",
                    Some(days_after(raised_on, rng.gen_range(1..3)).min(today)),
                    Some(RESOLUTIONS[rng.gen_range(0..2)]),
                ),
                (_, 1) => (
                    "closed",
                    Some(days_after(raised_on, 2).min(today)),
                    Some(RESOLUTIONS[2]),
                ),
                _ => ("open", None, None),
            };
            out.issues.push(DemoIssue {
                firm,
                category,
                title,
                detail: detail.to_string(),
                status,
                raised_on,
                closed_on,
                resolution,
            });
        }
    }
    out
}
