//! Evidence documents (issue 14): what each target asks a firm to upload, and what an uploaded
//! file is — decided from its bytes, never from its name or the type the browser declared.
//!
//! - [`Kind`] and [`checklist`]: the documents a target requires (a setting over
//!   [`default_checklist`]), and [`missing`] for the submission's guard.
//! - [`sniff`]: the content type from magic numbers; for the zip-based formats (OFD, XLSX,
//!   DOCX) from the names in the central directory, refusing a zip whose declared sizes are
//!   absurd (a zip bomb) without inflating anything.
//! - [`accept`]: the whole decision for one upload (type, name, size), with the words of
//!   every refusal; [`clean_name`] and [`ascii_name`] for the names kept and sent back.

use super::application::Target;
use super::error::{InputError, Text};
use std::io::Cursor;

/// A kind of evidence document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// 营业执照.
    BusinessLicence,
    /// 知识产权证书 (patents, software copyrights …).
    IpCertificates,
    /// 研发费用专项审计报告.
    RdExpenseAudit,
    /// 高新技术产品（服务）收入专项审计报告.
    HighTechRevenueAudit,
    /// 科技人员名单.
    TechStaffList,
    /// 年度财务会计报告.
    AnnualFinancialReport,
}

impl Kind {
    /// Every kind, in the order a checklist shows them.
    pub const ALL: [Kind; 6] = [
        Kind::BusinessLicence,
        Kind::IpCertificates,
        Kind::RdExpenseAudit,
        Kind::HighTechRevenueAudit,
        Kind::TechStaffList,
        Kind::AnnualFinancialReport,
    ];

    /// Stable id, as stored, in the settings and in forms.
    pub fn id(self) -> &'static str {
        match self {
            Kind::BusinessLicence => "business_licence",
            Kind::IpCertificates => "ip_certificates",
            Kind::RdExpenseAudit => "rd_expense_audit",
            Kind::HighTechRevenueAudit => "high_tech_revenue_audit",
            Kind::TechStaffList => "tech_staff_list",
            Kind::AnnualFinancialReport => "annual_financial_report",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.id() == s)
    }

    /// The catalog key of its name.
    pub fn key(self) -> &'static str {
        match self {
            Kind::BusinessLicence => "document.kind.business_licence",
            Kind::IpCertificates => "document.kind.ip_certificates",
            Kind::RdExpenseAudit => "document.kind.rd_expense_audit",
            Kind::HighTechRevenueAudit => "document.kind.high_tech_revenue_audit",
            Kind::TechStaffList => "document.kind.tech_staff_list",
            Kind::AnnualFinancialReport => "document.kind.annual_financial_report",
        }
    }
}

/// The documents a target requires when the setting says nothing about it: the HTE
/// certification asks for all six; the tech-SME registration for the licence, the staff list
/// and the accounts; the reserve pool and the leader recognition for the evidence of R&D, IP
/// and (for leaders) high-tech revenue beside the licence and the accounts.
pub fn default_checklist(target: Target) -> &'static [Kind] {
    match target {
        Target::TechSme => &[
            Kind::BusinessLicence,
            Kind::TechStaffList,
            Kind::AnnualFinancialReport,
        ],
        Target::Reserve => &[
            Kind::BusinessLicence,
            Kind::IpCertificates,
            Kind::RdExpenseAudit,
            Kind::AnnualFinancialReport,
        ],
        Target::HighTech => &Kind::ALL,
        Target::Leader => &[
            Kind::BusinessLicence,
            Kind::IpCertificates,
            Kind::RdExpenseAudit,
            Kind::HighTechRevenueAudit,
            Kind::AnnualFinancialReport,
        ],
    }
}

/// The documents `target` requires, from the setting (`{"high_tech": ["business_licence",
/// …], …}`, see `app::applications::documents::CHECKLIST_KEY`): a target the setting names
/// takes its list (unknown ids are left out, an empty list requires nothing); any other takes
/// [`default_checklist`]. In [`Kind::ALL`]'s order, each once.
pub fn checklist(setting: Option<&serde_json::Value>, target: Target) -> Vec<Kind> {
    let listed = setting
        .and_then(|s| s.get(target.id()))
        .and_then(|l| l.as_array());
    match listed {
        Some(ids) => Kind::ALL
            .into_iter()
            .filter(|k| ids.iter().any(|v| v.as_str() == Some(k.id())))
            .collect(),
        None => default_checklist(target).to_vec(),
    }
}

/// The kinds of `required` that `present` does not hold, in `required`'s order.
pub fn missing(required: &[Kind], present: &[Kind]) -> Vec<Kind> {
    required
        .iter()
        .copied()
        .filter(|k| !present.contains(k))
        .collect()
}

/// The largest upload when the setting is absent: 20 MB.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// The size limit from its setting (a whole number of bytes, 1 KB to 1 GB), else
/// [`DEFAULT_MAX_BYTES`].
pub fn max_bytes(setting: Option<&serde_json::Value>) -> u64 {
    setting
        .and_then(serde_json::Value::as_u64)
        .filter(|n| (1024..=1024 * 1024 * 1024).contains(n))
        .unwrap_or(DEFAULT_MAX_BYTES)
}

/// A size as people read it: `812 B`, `34.5 KB`, `20 MB` (binary units, one decimal at most).
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    let (unit, div) = match bytes {
        b if b >= MB => ("MB", MB),
        b if b >= KB => ("KB", KB),
        _ => return format!("{bytes} B"),
    };
    let tenths = (bytes * 10 + div / 2) / div;
    if tenths % 10 == 0 {
        format!("{} {unit}", tenths / 10)
    } else {
        format!("{}.{} {unit}", tenths / 10, tenths % 10)
    }
}

/// A type of file the bureau accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentType {
    /// PDF.
    Pdf,
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// OFD (GB/T 33190), China's fixed-layout e-document: a zip holding `OFD.xml`.
    Ofd,
    /// Excel workbook (OOXML).
    Xlsx,
    /// Word document (OOXML).
    Docx,
}

impl ContentType {
    /// Every accepted type, in the order messages list them.
    pub const ALL: [ContentType; 6] = [
        ContentType::Pdf,
        ContentType::Png,
        ContentType::Jpeg,
        ContentType::Ofd,
        ContentType::Xlsx,
        ContentType::Docx,
    ];

    /// The media type served with it.
    pub fn mime(self) -> &'static str {
        match self {
            ContentType::Pdf => "application/pdf",
            ContentType::Png => "image/png",
            ContentType::Jpeg => "image/jpeg",
            ContentType::Ofd => "application/ofd",
            ContentType::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ContentType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    /// The media type as stored back into the type (`None` for any other).
    pub fn from_mime(s: &str) -> Option<ContentType> {
        ContentType::ALL.into_iter().find(|t| t.mime() == s)
    }

    /// The file name extension it is saved under.
    pub fn extension(self) -> &'static str {
        match self {
            ContentType::Pdf => "pdf",
            ContentType::Png => "png",
            ContentType::Jpeg => "jpg",
            ContentType::Ofd => "ofd",
            ContentType::Xlsx => "xlsx",
            ContentType::Docx => "docx",
        }
    }

    /// Its name in messages, the same in every language.
    pub fn label(self) -> &'static str {
        match self {
            ContentType::Pdf => "PDF",
            ContentType::Png => "PNG",
            ContentType::Jpeg => "JPEG",
            ContentType::Ofd => "OFD",
            ContentType::Xlsx => "XLSX",
            ContentType::Docx => "DOCX",
        }
    }

    /// The type a file name's extension claims (`.jpeg` and `.jpg` both JPEG), if any.
    pub fn named_by(name: &str) -> Option<ContentType> {
        let (_, ext) = name.rsplit_once('.')?;
        let ext = ext.to_ascii_lowercase();
        if ext == "jpeg" {
            return Some(ContentType::Jpeg);
        }
        ContentType::ALL.into_iter().find(|t| t.extension() == ext)
    }
}

/// Why the bytes are not a document the bureau accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing in it.
    Empty,
    /// None of the accepted types (a zip that is none of the zip-based ones, a damaged zip).
    NotAccepted,
    /// A zip whose central directory declares an absurd uncompressed size, ratio or number of
    /// entries, or whose entries overlap: a zip bomb.
    ZipBomb,
}

/// The most entries a zip-based document may declare.
pub const ZIP_MAX_ENTRIES: usize = 10_000;
/// The most its entries may declare uncompressed, in all: 256 MB.
pub const ZIP_MAX_UNCOMPRESSED: u64 = 256 * 1024 * 1024;
/// The most its entries may declare uncompressed per byte of the file, once they declare more
/// than [`ZIP_RATIO_FLOOR`] in all. Office files compress their XML some 5 to 30 times.
pub const ZIP_MAX_RATIO: u64 = 100;
/// Below this declared total the ratio is not looked at (a small file of repetitive XML).
pub const ZIP_RATIO_FLOOR: u64 = 8 * 1024 * 1024;

const PDF_MAGIC: &[u8] = b"%PDF-";
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = b"\xFF\xD8\xFF";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// What `bytes` are, from their content alone: PDF, PNG and JPEG by their magic numbers; a zip
/// by the names in its central directory (`OFD.xml` at the root for OFD,
/// `[Content_Types].xml` with `xl/…` for XLSX or `word/…` for DOCX), after checking the sizes
/// it declares (see [`Refusal::ZipBomb`]). Nothing is inflated.
pub fn sniff(bytes: &[u8]) -> Result<ContentType, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.starts_with(PDF_MAGIC) {
        return Ok(ContentType::Pdf);
    }
    if bytes.starts_with(PNG_MAGIC) {
        return Ok(ContentType::Png);
    }
    if bytes.starts_with(JPEG_MAGIC) {
        return Ok(ContentType::Jpeg);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return sniff_zip(bytes);
    }
    Err(Refusal::NotAccepted)
}

fn sniff_zip(bytes: &[u8]) -> Result<ContentType, Refusal> {
    // The zip crate reads the central directory only (no compression feature is built in);
    // entry sizes come from there, as declared.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Refusal::NotAccepted)?;
    if zip.len() > ZIP_MAX_ENTRIES {
        return Err(Refusal::ZipBomb);
    }
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(|_| Refusal::NotAccepted)?;
        total = total.saturating_add(entry.size());
        names.push(String::from_utf8_lossy(entry.name_raw()).into_owned());
    }
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX).max(1);
    if total > ZIP_MAX_UNCOMPRESSED || (total > ZIP_RATIO_FLOOR && total / len > ZIP_MAX_RATIO) {
        return Err(Refusal::ZipBomb);
    }
    // Entries sharing their compressed data multiply the declared sizes of the rest.
    if zip.has_overlapping_files().unwrap_or(true) {
        return Err(Refusal::ZipBomb);
    }
    let has = |name: &str| names.iter().any(|n| n == name);
    let under = |dir: &str| names.iter().any(|n| n.starts_with(dir));
    if has("OFD.xml") {
        return Ok(ContentType::Ofd);
    }
    if has("[Content_Types].xml") {
        if under("xl/") {
            return Ok(ContentType::Xlsx);
        }
        if under("word/") {
            return Ok(ContentType::Docx);
        }
    }
    Err(Refusal::NotAccepted)
}

/// The longest file name kept, in characters (the extension included).
pub const NAME_MAX: usize = 120;

/// A file name as uploaded, made safe to keep and show: the last path component (browsers on
/// Windows may send `C:\…\name`), control characters and `<>:"/\|?*` replaced by `_`, spaces
/// at the ends and leading dots trimmed, at most [`NAME_MAX`] characters (the extension kept).
/// An empty result is `document`.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let replaced: String = last
        .chars()
        .map(|c| {
            if c.is_control()
                || matches!(
                    c,
                    '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
                )
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = replaced.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        return "document".to_string();
    }
    if trimmed.chars().count() <= NAME_MAX {
        return trimmed.to_string();
    }
    let (stem, ext) = match trimmed.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 10 => (s, Some(e)),
        _ => (trimmed, None),
    };
    let room = NAME_MAX - ext.map_or(0, |e| e.chars().count() + 1);
    let stem: String = stem.chars().take(room).collect();
    match ext {
        Some(e) => format!("{}.{e}", stem.trim_end()),
        None => stem.trim_end().to_string(),
    }
}

/// A plain-ASCII name for the `filename` parameter of a download (the exact name travels in
/// `filename*`): the name itself when it is letters, digits, `.`, `-`, `_` and spaces only,
/// else `<kind>-<id>.<ext>`.
pub fn ascii_name(name: &str, kind: &str, id: i64, content_type: ContentType) -> String {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b' '));
    if plain {
        name.to_string()
    } else {
        format!("{kind}-{id}.{}", content_type.extension())
    }
}

/// What [`accept`] decided about an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// Its type, from its content.
    pub content_type: ContentType,
    /// The name it is kept under: cleaned, and ending in its type's extension (added when the
    /// name had none or an unknown one).
    pub name: String,
}

/// The field an upload's refusals stand beside.
pub const FILE_FIELD: &str = "file";

/// Decide an upload named `raw_name` of `bytes`, at most `limit` bytes: its type from its
/// content ([`sniff`]), refused when its name claims another accepted type (`report.pdf` that
/// is a PNG, or that is nothing accepted), too large, empty, of a type not on the list, or a
/// zip bomb; every refusal names the file and says what to do.
pub fn accept(raw_name: &str, bytes: &[u8], limit: u64) -> Result<Accepted, InputError> {
    let name = clean_name(raw_name);
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limit {
        return Err(too_large(&name, limit));
    }
    let named = ContentType::named_by(&name);
    let refuse = |code: &'static str, text: Text| Err(InputError::new(FILE_FIELD, code, text));
    match (sniff(bytes), named) {
        (Ok(t), Some(n)) if n != t => refuse(
            "document_misnamed",
            Text::new("document.refused.misnamed")
                .plain("name", &name)
                .plain("named", n.label())
                .plain("actual", t.label()),
        ),
        (Ok(t), Some(_)) => Ok(Accepted {
            content_type: t,
            name,
        }),
        (Ok(t), None) => Ok(Accepted {
            content_type: t,
            name: format!("{name}.{}", t.extension()),
        }),
        (Err(Refusal::Empty), _) => refuse(
            "document_empty",
            Text::new("document.refused.empty").plain("name", &name),
        ),
        (Err(Refusal::ZipBomb), _) => refuse(
            "document_zip_bomb",
            Text::new("document.refused.zip_bomb").plain("name", &name),
        ),
        (Err(Refusal::NotAccepted), Some(n)) => refuse(
            "document_not_what_named",
            Text::new("document.refused.not_what_named")
                .plain("name", &name)
                .plain("named", n.label()),
        ),
        (Err(Refusal::NotAccepted), None) => refuse(
            "document_type",
            Text::new("document.refused.type").plain("name", &name),
        ),
    }
}

/// The refusal of a file larger than `limit` (the web layer says it while the body streams).
pub fn too_large(name: &str, limit: u64) -> InputError {
    InputError::new(
        FILE_FIELD,
        "document_too_large",
        Text::new("document.refused.too_large")
            .plain("name", clean_name(name))
            .plain("limit", human_size(limit)),
    )
}

pub mod samples;

#[cfg(test)]
mod tests;
