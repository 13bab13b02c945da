//! The documented mapping from the header names bureaus write in their registries to the
//! fields the importer knows. These are data (the words found in real sheets), not interface
//! text: the names are matched after [`normalise`], which drops spaces, line breaks, the unit in
//! brackets and a year, and lower-cases ASCII. The import page and `peiyu import firms
//! --help` show this table.

/// What a column of a registry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// 序号: a running number, read and ignored.
    Serial,
    /// 统一社会信用代码.
    Uscc,
    /// 企业名称.
    Name,
    /// 所属县区 (a county's code or its Chinese or English name).
    County,
    /// 成立日期.
    FoundedOn,
    /// 职工总数.
    Employees,
    /// 科技人员数.
    TechStaff,
    /// 联系人.
    ContactName,
    /// 联系电话.
    ContactPhone,
    /// 行业代码 (GB/T 4754-2017).
    IndustryCode,
    /// 发明专利 (count).
    InventionPatents,
    /// 实用新型专利 (count).
    UtilityModels,
    /// 外观设计专利 (count).
    Designs,
    /// 软件著作权 (count).
    SoftwareCopyrights,
    /// 年度: the fiscal year of a row in the long form (one row per firm and year).
    Year,
    /// 营业收入 (amount).
    Revenue,
    /// 研发费用 (amount).
    RdExpense,
    /// 高新技术产品（服务）收入 (amount).
    HighTechRevenue,
    /// 总收入 (amount).
    TotalIncome,
    /// 成本费用总额 (amount).
    TotalCost,
    /// 资产总额 (amount).
    TotalAssets,
    /// 净资产 (amount).
    NetAssets,
}

impl Field {
    /// Every field, in the order of the template file.
    pub const ALL: [Field; 22] = [
        Field::Serial,
        Field::Uscc,
        Field::Name,
        Field::County,
        Field::FoundedOn,
        Field::Employees,
        Field::TechStaff,
        Field::ContactName,
        Field::ContactPhone,
        Field::IndustryCode,
        Field::InventionPatents,
        Field::UtilityModels,
        Field::Designs,
        Field::SoftwareCopyrights,
        Field::Year,
        Field::Revenue,
        Field::RdExpense,
        Field::HighTechRevenue,
        Field::TotalIncome,
        Field::TotalCost,
        Field::TotalAssets,
        Field::NetAssets,
    ];

    /// Stable id (also the catalog key `import.field.<id>`).
    pub fn id(self) -> &'static str {
        match self {
            Field::Serial => "serial",
            Field::Uscc => "uscc",
            Field::Name => "name",
            Field::County => "county",
            Field::FoundedOn => "founded_on",
            Field::Employees => "employees",
            Field::TechStaff => "tech_staff",
            Field::ContactName => "contact_name",
            Field::ContactPhone => "contact_phone",
            Field::IndustryCode => "industry_code",
            Field::InventionPatents => "invention_patents",
            Field::UtilityModels => "utility_models",
            Field::Designs => "designs",
            Field::SoftwareCopyrights => "software_copyrights",
            Field::Year => "year",
            Field::Revenue => "revenue",
            Field::RdExpense => "rd_expense",
            Field::HighTechRevenue => "high_tech_revenue",
            Field::TotalIncome => "total_income",
            Field::TotalCost => "total_cost",
            Field::TotalAssets => "total_assets",
            Field::NetAssets => "net_assets",
        }
    }

    /// Whether it is an amount of money (read with the header's unit, 万元 by default).
    pub fn is_amount(self) -> bool {
        matches!(
            self,
            Field::Revenue
                | Field::RdExpense
                | Field::HighTechRevenue
                | Field::TotalIncome
                | Field::TotalCost
                | Field::TotalAssets
                | Field::NetAssets
        )
    }

    /// Whether it belongs to a fiscal year (amounts), rather than to the firm.
    pub fn is_yearly(self) -> bool {
        self.is_amount()
    }

    /// The names accepted for it: the first Chinese and the first English one are the
    /// template's headers; the others are aliases met in real sheets.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Field::Serial => &["序号", "no", "no.", "#", "编号", "serial"],
            Field::Uscc => &[
                "统一社会信用代码",
                "uscc",
                "社会信用代码",
                "信用代码",
                "统一信用代码",
                "unifiedsocialcreditcode",
                "creditcode",
            ],
            Field::Name => &[
                "企业名称",
                "name",
                "单位名称",
                "公司名称",
                "企业",
                "firmname",
                "company",
                "companyname",
                "firm",
            ],
            Field::County => &[
                "所属县区",
                "county",
                "县区",
                "县（区）",
                "县(区)",
                "区县",
                "所属区县",
                "所在县区",
                "县市区",
                "所属县市区",
                "district",
                "countycode",
            ],
            Field::FoundedOn => &[
                "成立日期",
                "founded",
                "注册日期",
                "成立时间",
                "注册时间",
                "foundedon",
                "dateofregistration",
            ],
            Field::Employees => &[
                "职工总数",
                "employees",
                "从业人员",
                "职工人数",
                "从业人数",
                "员工人数",
                "headcount",
            ],
            Field::TechStaff => &[
                "科技人员数",
                "techstaff",
                "科技人员",
                "研发人员",
                "研发人员数",
                "科技人员人数",
            ],
            Field::ContactName => &["联系人", "contact", "contactname", "联系人姓名"],
            Field::ContactPhone => &[
                "联系电话",
                "phone",
                "contactphone",
                "电话",
                "手机",
                "联系方式",
            ],
            Field::IndustryCode => &[
                "行业代码",
                "industrycode",
                "国民经济行业代码",
                "所属行业代码",
            ],
            Field::InventionPatents => &[
                "发明专利",
                "inventionpatents",
                "发明专利数",
                "发明专利数量",
                "发明专利授权数",
            ],
            Field::UtilityModels => &[
                "实用新型专利",
                "utilitymodels",
                "实用新型",
                "实用新型数",
                "实用新型专利数",
            ],
            Field::Designs => &[
                "外观设计专利",
                "designs",
                "外观设计",
                "外观设计数",
                "外观设计专利数",
            ],
            Field::SoftwareCopyrights => &[
                "软件著作权",
                "softwarecopyrights",
                "软件著作权数",
                "软著",
                "软件著作权登记数",
            ],
            Field::Year => &["年度", "year", "年份", "财务年度", "fiscalyear"],
            Field::Revenue => &[
                "营业收入",
                "revenue",
                "销售收入",
                "主营业务收入",
                "营收",
                "salesrevenue",
            ],
            Field::RdExpense => &[
                "研发费用",
                "rdexpense",
                "研发投入",
                "研究开发费用",
                "研发经费",
                "r&dexpense",
            ],
            Field::HighTechRevenue => &[
                "高新技术产品（服务）收入",
                "hightechrevenue",
                "高新技术产品(服务)收入",
                "高新技术产品收入",
                "高品收入",
            ],
            Field::TotalIncome => &["总收入", "totalincome", "收入总额"],
            Field::TotalCost => &["成本费用总额", "totalcost", "成本费用"],
            Field::TotalAssets => &["资产总额", "totalassets", "总资产"],
            Field::NetAssets => &["净资产", "netassets", "所有者权益", "净资产总额"],
        }
    }

    /// The field a normalised header base names, if any.
    pub fn from_name(base: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| {
            f.names()
                .iter()
                .any(|n| normalise(n).base == base && !base.is_empty())
        })
    }
}

/// The header of the template file: one column per field in the wide form, the amounts of
/// `year` with their unit, in Chinese (`2025年营业收入（万元）`) or English
/// (`Revenue 2025 (10k yuan)`); the importer reads both.
pub fn template_header(zh: bool, year: i32) -> Vec<String> {
    Field::ALL
        .into_iter()
        .filter(|f| *f != Field::Year)
        .map(|f| {
            let names = f.names();
            let name = if zh { names[0] } else { names[1] };
            let name = if zh {
                name.to_string()
            } else {
                english_label(f)
            };
            match (f.is_amount(), zh) {
                (true, true) => format!("{year}年{name}（万元）"),
                (true, false) => format!("{name} {year} (10k yuan)"),
                (false, _) => name,
            }
        })
        .collect()
}

fn english_label(f: Field) -> String {
    match f {
        Field::Serial => "No.",
        Field::Uscc => "USCC",
        Field::Name => "Name",
        Field::County => "County",
        Field::FoundedOn => "Founded",
        Field::Employees => "Employees",
        Field::TechStaff => "Tech staff",
        Field::ContactName => "Contact",
        Field::ContactPhone => "Phone",
        Field::IndustryCode => "Industry code",
        Field::InventionPatents => "Invention patents",
        Field::UtilityModels => "Utility models",
        Field::Designs => "Designs",
        Field::SoftwareCopyrights => "Software copyrights",
        Field::Year => "Year",
        Field::Revenue => "Revenue",
        Field::RdExpense => "R&D expense",
        Field::HighTechRevenue => "High-tech revenue",
        Field::TotalIncome => "Total income",
        Field::TotalCost => "Total cost",
        Field::TotalAssets => "Total assets",
        Field::NetAssets => "Net assets",
    }
    .to_string()
}

/// The unit an amount column is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 万元 (10,000 yuan): the default when a header names no unit.
    Wan,
    /// 千元.
    Thousand,
    /// 元.
    Yuan,
}

impl Unit {
    /// How many decimal places of this unit make a fen.
    pub fn decimals(self) -> usize {
        match self {
            Unit::Wan => 6,
            Unit::Thousand => 5,
            Unit::Yuan => 2,
        }
    }

    /// Stable id: `wan`, `thousand`, `yuan`.
    pub fn id(self) -> &'static str {
        match self {
            Unit::Wan => "wan",
            Unit::Thousand => "thousand",
            Unit::Yuan => "yuan",
        }
    }
}

/// A header cell taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The name without spaces, unit, year and brackets, ASCII lower-cased.
    pub base: String,
    /// The unit named in brackets, if any.
    pub unit: Option<Unit>,
    /// A year written in the header (`2024年营业收入`, `revenue 2024`).
    pub year: Option<i32>,
}

const UNIT_NAMES: [(&str, Unit); 10] = [
    ("万元", Unit::Wan),
    ("10kyuan", Unit::Wan),
    ("10kcny", Unit::Wan),
    ("tenthousandyuan", Unit::Wan),
    ("千元", Unit::Thousand),
    ("thousandyuan", Unit::Thousand),
    ("kcny", Unit::Thousand),
    ("元", Unit::Yuan),
    ("yuan", Unit::Yuan),
    ("cny", Unit::Yuan),
];

/// Take a header apart: drop whitespace, map full-width brackets to ASCII, find a unit in
/// brackets (or after `单位:`), find a year of four digits (1990–2100, with or without `年`),
/// and keep the rest, ASCII lower-cased, as the base name.
pub fn normalise(raw: &str) -> Header {
    let mut s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}' && *c != '_' && *c != '-')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '：' => ':',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let mut unit = None;
    // A unit in brackets, anywhere: "营业收入(万元)", "(万元)营业收入"; other brackets stay
    // ("高新技术产品(服务)收入").
    let mut from = 0;
    while let Some(open) = s[from..].find('(').map(|i| i + from) {
        let Some(close) = s[open..].find(')').map(|i| i + open) else {
            break;
        };
        let inner = &s[open + 1..close];
        let inner_unit = inner
            .trim_start_matches("单位:")
            .trim_start_matches("unit:");
        match UNIT_NAMES.iter().find(|(n, _)| *n == inner_unit) {
            Some((_, u)) => {
                unit = Some(*u);
                s.replace_range(open..=close, "");
                from = open;
            }
            None => from = close + 1,
        }
    }
    if let Some(i) = s.find("单位:") {
        let tail = s[i + "单位:".len()..].to_string();
        if let Some((_, u)) = UNIT_NAMES.iter().find(|(n, _)| *n == tail) {
            unit = Some(*u);
            s.truncate(i);
        }
    }
    // A year: four ASCII digits not part of a longer number.
    let mut year = None;
    let bytes: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        let is_digit = |k: usize| bytes.get(k).is_some_and(char::is_ascii_digit);
        if (0..4).all(|k| is_digit(i + k)) && !is_digit(i + 4) && (i == 0 || !is_digit(i - 1)) {
            let y: String = bytes[i..i + 4].iter().collect();
            if let Ok(n) = y.parse::<i32>() {
                if (1990..=2100).contains(&n) {
                    year = Some(n);
                    let mut end = i + 4;
                    if bytes.get(end) == Some(&'年') {
                        end += 1;
                    }
                    if bytes.get(end) == Some(&'度') {
                        end += 1;
                    }
                    let rest: String = bytes[..i].iter().chain(bytes[end..].iter()).collect();
                    s = rest;
                    break;
                }
            }
        }
        i += 1;
    }
    let base = s
        .trim_matches(|c: char| c == ':' || c == '/' || c == '*' || c == '.')
        .to_string();
    Header { base, unit, year }
}

/// The words of a totals row (合计, 总计, 小计, Total): a row whose first text says one of
/// these, and which holds no valid code, is recognised and not imported.
pub const TOTALS_WORDS: [&str; 6] = ["合计", "总计", "小计", "total", "sum", "grandtotal"];

/// Whether a cell's text marks a totals row.
pub fn is_totals_word(text: &str) -> bool {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}' && *c != ':' && *c != '：')
        .collect::<String>()
        .to_ascii_lowercase();
    TOTALS_WORDS.contains(&t.as_str())
}

// The header names of the province's announcement lists (`announce`), beside the firm's own
// fields above.

/// 证书编号: the HTE certificate number of an announcement list.
pub const CERT_NO_NAMES: &[&str] = &[
    "证书编号",
    "certificatenumber",
    "证书号",
    "证书号码",
    "高新技术企业证书编号",
    "高企证书编号",
    "certificateno",
    "certno",
];

/// 发证日期: the certificate's date of issue.
pub const ISSUED_ON_NAMES: &[&str] = &[
    "发证日期",
    "issuedon",
    "发证时间",
    "颁证日期",
    "认定日期",
    "认定时间",
    "证书日期",
    "issuedate",
    "dateofissue",
];

/// 入库登记编号: a tech-SME registration number.
pub const REG_NO_NAMES: &[&str] = &[
    "入库登记编号",
    "registrationnumber",
    "登记编号",
    "入库编号",
    "入库登记号",
    "登记号",
    "registrationno",
    "regno",
];

/// 年度: the registration year of a tech-SME list.
pub const LIST_YEAR_NAMES: &[&str] = &[
    "年度",
    "year",
    "入库年度",
    "入库年份",
    "登记年度",
    "年份",
    "registrationyear",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_lose_their_unit_and_year_and_map_to_fields() {
        let h = normalise("2024年营业收入（万元）");
        assert_eq!(h.year, Some(2024));
        assert_eq!(h.unit, Some(Unit::Wan));
        assert_eq!(Field::from_name(&h.base), Some(Field::Revenue));
        let h = normalise("Revenue 2023 (yuan)");
        assert_eq!((h.year, h.unit), (Some(2023), Some(Unit::Yuan)));
        assert_eq!(Field::from_name(&h.base), Some(Field::Revenue));
        let h = normalise("研发费用\n(千元)");
        assert_eq!(h.unit, Some(Unit::Thousand));
        assert_eq!(Field::from_name(&h.base), Some(Field::RdExpense));
        let h = normalise("统一社会信用代码");
        assert_eq!(Field::from_name(&h.base), Some(Field::Uscc));
        assert_eq!(
            Field::from_name(&normalise("高新技术产品（服务）收入（万元）").base),
            Some(Field::HighTechRevenue)
        );
        assert_eq!(
            Field::from_name(&normalise("县（区）").base),
            Some(Field::County)
        );
        assert_eq!(Field::from_name(&normalise("备注").base), None);
        for zh in [true, false] {
            for h in template_header(zh, 2025) {
                let n = normalise(&h);
                assert!(Field::from_name(&n.base).is_some(), "{h}");
            }
        }
        assert!(is_totals_word("合 计"));
        assert!(is_totals_word("Total"));
        assert!(!is_totals_word("新华区"));
    }
}
