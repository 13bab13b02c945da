//! The parts of the OpenAPI document the derive cannot write: the rules the code enforces on
//! what it reads (patterns, lengths, ranges, the known ids of stages, rule sets, IP kinds …),
//! the stage-event and application-step bodies, and the statuses every route can answer
//! with. The ids come from the code's own lists and the bounds from its own constants, so the
//! document cannot drift from them; `tests/it/web/api/openapi.rs` checks that no text the
//! API reads goes undescribed.
//!
//! The patterns are written for ECMA-262 and Python alike (the two that read this document
//! in practice). A pattern admits everything the code accepts; where the code refuses more
//! for a reason a pattern cannot state (a check character, a code that must exist, one field
//! against another, a date against today), the field's description says so and the answer is
//! a 400 naming the field.

use super::nominations::MAX_ITEMS;
use super::ApiDoc;
use crate::app::model::{IpKind, SortKey};
use crate::core::application::{ActionKind, Status, Target};
use crate::core::document::{ContentType, Kind};
use crate::core::input::{BLOCK_MAX, LINE_MAX};
use crate::core::rules::RuleSet;
use crate::core::stage::{EventKind, Stage};
use serde_json::{json, Map, Value};
use utoipa::OpenApi;

/// Control characters, which no text the API reads may hold (line breaks and tabs aside, in
/// multi-line text): what `core::input` refuses.
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F\u2028\u2029\uFEFF";

/// The white space that trimming removes and that is not a control character.
const SPACE: &str = r" \u00A0\u1680\u2000-\u200A\u202F\u205F\u3000";

/// Earliest fiscal year, founding year and the like the code takes.
pub const EARLIEST_YEAR: i32 = 1900;

/// One line of text: no control character, no line break.
pub fn one_line() -> String {
    format!("^[^{CONTROL}]*$")
}

/// Multi-line text: line breaks and tabs, no other control character.
pub fn multi_line() -> String {
    r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\uFEFF]*$".to_string()
}

/// One line with at least one character that is not white space (the code trims it first).
fn not_blank() -> String {
    format!("^[^{CONTROL}]*[^{SPACE}{CONTROL}][^{CONTROL}]*$")
}

/// A 统一社会信用代码 as the code reads it: 18 characters of GB 32100's alphabet (digits and
/// capitals without I, O, S, V, Z), lower case and surrounding spaces allowed (the code
/// upper-cases and trims). The check character is not a pattern's to state.
pub fn uscc() -> String {
    format!("^[{SPACE}]*[0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy]{{18}}[{SPACE}]*$")
}

/// Empty or spaces only (the code clears the field), else `body`, with spaces around.
fn or_blank(body: &str) -> String {
    format!("^[{SPACE}]*(?:{body})?[{SPACE}]*$")
}

/// A phone number: 5 to 20 digits among `+`, spaces, hyphens and parentheses; blank clears.
fn phone() -> String {
    or_blank(r"(?:[ +()\-]*[0-9]){5,20}[ +()\-]*")
}

/// An e-mail address: one `@`, a dot inside the domain, no spaces, quotes or brackets;
/// blank clears.
fn email() -> String {
    let c = format!(r#"[^@{SPACE}{CONTROL}<>()\[\],;:"\\]"#);
    let d = format!(r#"[^@{SPACE}{CONTROL}<>()\[\],;:"\\.]"#);
    or_blank(&format!(r"{c}{{1,64}}@{d}{c}*\.{c}*{d}"))
}

/// A GB/T 4754-2017 industry code: an optional section letter and 2 to 4 digits; blank
/// clears. Whether the letter is the division's section is not a pattern's to state.
fn industry() -> String {
    or_blank("[A-Za-z]?[0-9]{2,4}")
}

/// An HTE certificate number: `GR`, the issue year, the province and six digits.
const CERT_NO: &str = "^GR[0-9]{12}$";

/// What the code enforces on one field.
enum Rule {
    /// One line of at most `LINE_MAX` characters.
    Line,
    /// One line, not blank, of at most `LINE_MAX` characters.
    NotBlank,
    /// One line of any length (a code looked up among known ones).
    Code,
    /// Multi-line text (line breaks and tabs) of at most `BLOCK_MAX` characters.
    Block,
    /// An array of this many items at least and at most.
    Items(usize, usize),
    /// An array of these ids.
    ItemsOneOf(Vec<&'static str>),
    /// A pattern and, if any, a maximum length.
    Pattern(fn() -> String, Option<usize>),
    /// One of these ids.
    OneOf(Vec<&'static str>),
    /// A whole number in this range.
    Range(i64, i64),
}

impl Rule {
    fn apply(&self, schema: &mut Map<String, Value>) {
        let (pattern, max) = match self {
            Rule::Line => (one_line(), Some(LINE_MAX)),
            Rule::NotBlank => (not_blank(), Some(LINE_MAX)),
            Rule::Code => (one_line(), None),
            Rule::Block => (multi_line(), Some(BLOCK_MAX)),
            Rule::Items(min, max) => {
                schema.insert("minItems".into(), json!(min));
                schema.insert("maxItems".into(), json!(max));
                return;
            }
            Rule::ItemsOneOf(ids) => {
                if let Some(items) = schema.get_mut("items").and_then(Value::as_object_mut) {
                    items.insert("enum".into(), json!(ids));
                }
                return;
            }
            Rule::Pattern(p, max) => (p(), *max),
            Rule::OneOf(ids) => {
                let mut ids: Vec<Value> = ids.iter().map(|&id| json!(id)).collect();
                if nullable(schema) {
                    ids.push(Value::Null);
                }
                schema.insert("enum".into(), Value::Array(ids));
                schema.remove("format");
                return;
            }
            Rule::Range(min, max) => {
                schema.insert("minimum".into(), json!(min));
                schema.insert("maximum".into(), json!(max));
                return;
            }
        };
        schema.insert("pattern".into(), json!(pattern));
        if let Some(max) = max {
            schema.insert("maxLength".into(), json!(max));
        }
    }
}

fn nullable(schema: &Map<String, Value>) -> bool {
    schema
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|x| x == "null"))
}

fn stages() -> Vec<&'static str> {
    Stage::ALL.iter().map(|s| s.id()).collect()
}

fn ip_kinds() -> Vec<&'static str> {
    IpKind::ALL.iter().map(|k| k.id()).collect()
}

fn targets() -> Vec<&'static str> {
    Target::ALL.iter().map(|t| t.id()).collect()
}

fn statuses() -> Vec<&'static str> {
    Status::ALL.iter().map(|s| s.id()).collect()
}

fn actions() -> Vec<&'static str> {
    ActionKind::ALL.iter().map(|k| k.id()).collect()
}

/// The actions of an application's history: its opening, then every action.
fn step_actions() -> Vec<&'static str> {
    std::iter::once("open").chain(actions()).collect()
}

fn roles() -> Vec<&'static str> {
    vec!["admin", "bureau", "county", "advisor", "firm"]
}

fn acquisitions() -> Vec<&'static str> {
    vec!["own", "transferred"]
}

/// Largest amount in whole yuan (`core::profile::MAX_AMOUNT`).
fn max_yuan() -> i64 {
    crate::core::profile::MAX_AMOUNT.0 / 100
}

/// The rules of the fields of the schemas in `components`, requests and answers alike.
fn field_rules() -> Vec<(&'static str, &'static str, Rule)> {
    use Rule::*;
    let people = i64::from(i32::MAX);
    let mut rules = vec![
        ("FirmIn", "uscc", Pattern(uscc, None)),
        ("FirmIn", "name", NotBlank),
        ("FirmIn", "county_code", Code),
        ("FirmIn", "sector_code", Code),
        ("FirmIn", "industry_code", Pattern(industry, None)),
        ("FirmIn", "advisor_id", Range(1, i64::MAX)),
        ("FirmIn", "contact_name", Line),
        ("FirmIn", "contact_phone", Pattern(phone, Some(40))),
        ("FirmIn", "contact_email", Pattern(email, Some(254))),
        ("FirmIn", "employees", Range(0, people)),
        ("FirmIn", "tech_staff", Range(0, people)),
        ("FirmPatch", "name", NotBlank),
        ("FirmPatch", "county_code", Code),
        ("FirmPatch", "sector_code", Code),
        ("FirmPatch", "industry_code", Pattern(industry, None)),
        ("FirmPatch", "advisor_id", Range(1, i64::MAX)),
        ("FirmPatch", "contact_name", Line),
        ("FirmPatch", "contact_phone", Pattern(phone, Some(40))),
        ("FirmPatch", "contact_email", Pattern(email, Some(254))),
        ("FirmPatch", "employees", Range(0, people)),
        ("FirmPatch", "tech_staff", Range(0, people)),
        ("YearIn", "net_assets", Range(-max_yuan(), max_yuan())),
        ("YearIn", "conversions", Range(0, i64::from(i32::MAX))),
        ("IpIn", "kind", OneOf(ip_kinds())),
        ("IpIn", "number", NotBlank),
        ("IpIn", "title", Line),
        ("IpIn", "acquisition", OneOf(acquisitions())),
        ("FirmOut", "stage", OneOf(stages())),
        ("FirmOut", "next_stage", OneOf(stages())),
        ("EventOut", "from", OneOf(stages())),
        ("EventOut", "stage", OneOf(stages())),
        ("EvaluationOut", "stage", OneOf(stages())),
        ("EvaluationOut", "next_stage", OneOf(stages())),
        ("IpOut", "kind", OneOf(ip_kinds())),
        ("IpOut", "acquisition", OneOf(acquisitions())),
        ("MeOut", "role", OneOf(roles())),
        ("MeOut", "via", OneOf(vec!["bearer", "cookie"])),
        ("FirmOut", "readiness", Range(0, 100)),
        ("ApplicationIn", "target", OneOf(targets())),
        ("ApplicationIn", "note", Block),
        ("ApplicationOut", "target", OneOf(targets())),
        ("ApplicationOut", "status", OneOf(statuses())),
        ("ApplicationOut", "step", OneOf(vec!["county", "city"])),
        ("ApplicationOut", "waited_days", Range(0, i64::MAX)),
        ("ApplicationDetail", "firm_stage", OneOf(stages())),
        (
            "ApplicationDetail",
            "party",
            OneOf(vec!["firm", "advisor", "county", "city"]),
        ),
        ("ApplicationDetail", "actions", ItemsOneOf(actions())),
        ("StepOut", "action", OneOf(step_actions())),
        ("StepOut", "from", OneOf(statuses())),
        ("StepOut", "to", OneOf(statuses())),
        (
            "StepOut",
            "actor_role",
            OneOf(roles().into_iter().chain(["system"]).collect()),
        ),
        (
            "CriterionCell",
            "status",
            OneOf(vec!["pass", "fail", "unknown"]),
        ),
        (
            "NominationOut",
            "status",
            OneOf(vec!["pending", "confirmed", "declined"]),
        ),
        ("NominateIn", "items", Items(1, MAX_ITEMS)),
        ("NominateItem", "note", Block),
        ("DecideIn", "decisions", Items(1, MAX_ITEMS)),
        ("DecisionIn", "decision", OneOf(vec!["confirm", "decline"])),
        ("DecisionIn", "note", Block),
        (
            "DecisionResult",
            "decision",
            OneOf(vec!["confirm", "decline"]),
        ),
        (
            "DecisionResult",
            "status",
            OneOf(vec!["confirmed", "declined"]),
        ),
    ];
    for amount in [
        "revenue",
        "rd_expense",
        "rd_expense_domestic",
        "high_tech_revenue",
        "total_cost",
        "total_assets",
        "total_income",
    ] {
        rules.push(("YearIn", amount, Range(0, max_yuan())));
    }
    rules
}

/// The rules of query and path parameters: (path, method, parameter, rule).
fn parameter_rules(this_year: i32) -> Vec<(&'static str, &'static str, &'static str, Rule)> {
    use Rule::*;
    let list = "/api/v1/firms";
    vec![
        (list, "get", "stage", OneOf(stages())),
        (list, "get", "county", Code),
        (list, "get", "sector", Code),
        (list, "get", "industry", Code),
        (list, "get", "q", Code),
        (
            list,
            "get",
            "sort",
            OneOf(SortKey::ALL.iter().map(|k| k.id()).collect()),
        ),
        (list, "get", "dir", OneOf(vec!["asc", "desc"])),
        (list, "get", "format", OneOf(vec!["json", "csv", "xlsx"])),
        (
            "/api/v1/reserve-pool",
            "get",
            "format",
            OneOf(vec!["json", "csv", "xlsx"]),
        ),
        (
            "/api/v1/eligibility",
            "post",
            "ruleset",
            OneOf(RuleSet::ALL.iter().map(|r| r.id()).collect()),
        ),
        ("/api/v1/reserve-pool", "get", "county", Code),
        ("/api/v1/applications", "get", "status", OneOf(statuses())),
        ("/api/v1/applications", "get", "target", OneOf(targets())),
        ("/api/v1/applications", "get", "firm_id", Range(1, i64::MAX)),
        (
            "/api/v1/applications",
            "get",
            "format",
            OneOf(vec!["json", "csv", "xlsx"]),
        ),
        (
            "/api/v1/applications/{id}/documents",
            "post",
            "kind",
            OneOf(Kind::ALL.iter().map(|k| k.id()).collect()),
        ),
        (
            "/api/v1/applications/{id}/documents",
            "post",
            "file_name",
            Line,
        ),
        (
            "/api/v1/firms/{id}/years/{year}",
            "put",
            "year",
            Range(i64::from(EARLIEST_YEAR), i64::from(this_year)),
        ),
    ]
}

/// The data fields of a stage event, each with its schema.
fn event_fields(kind: EventKind) -> Vec<(&'static str, Value)> {
    let reason = || {
        json!({"type": "string", "pattern": multi_line(), "maxLength": BLOCK_MAX,
            "description": "Why, in words (line breaks allowed); a blank one is refused with \
                the reason `reason_required` (409)."})
    };
    let certificate = || {
        vec![
            (
                "cert_no",
                json!({"type": "string", "pattern": CERT_NO,
                "description": "Certificate number: GR, the issue year, the province and six \
                    digits (GR202441000123); another form, or a year other than the issue \
                    date's, is refused with the reason `invalid_cert_no` (409)."}),
            ),
            (
                "issued_on",
                json!({"type": "string", "format": "date", "description": "Issue date."}),
            ),
        ]
    };
    match kind {
        EventKind::RegisterTechSme => vec![
            (
                "year",
                json!({"type": "integer", "format": "int32",
                "description": "Registration year: this year or last (China time); another \
                    is refused with a reason (409)."}),
            ),
            (
                "reg_no",
                json!({"type": "string", "pattern": one_line(), "maxLength": LINE_MAX,
                "description": "Tech-SME registration number; a blank one is refused \
                    with the reason `reg_no_required` (409)."}),
            ),
        ],
        EventKind::CertifyHighTech | EventKind::RenewHighTech => certificate(),
        EventKind::LeaveReserve
        | EventKind::RevokeHighTech
        | EventKind::DemoteLeader
        | EventKind::Exit => vec![("reason", reason())],
        EventKind::LapseTechSme
        | EventKind::AdmitToReserve
        | EventKind::ExpireHighTech
        | EventKind::RecognizeLeader
        | EventKind::Reinstate => Vec::new(),
    }
}

/// The body of `POST /api/v1/firms/{id}/events`: one object per kind of event, its fields and
/// `expected_version`, nothing else.
fn event_schema() -> Value {
    let variants: Vec<Value> = EventKind::ALL
        .iter()
        .map(|&kind| {
            let mut properties = Map::new();
            properties.insert(
                "event".into(),
                json!({"type": "string", "enum": [kind.id()]}),
            );
            properties.insert(
                "expected_version".into(),
                json!({"type": "integer", "format": "int64",
                    "description": "The firm version the event was chosen on: a stale one \
                        is a 409 (`stale_version`)."}),
            );
            let mut required = vec![json!("event"), json!("expected_version")];
            for (name, schema) in event_fields(kind) {
                properties.insert(name.into(), schema);
                required.push(json!(name));
            }
            json!({"type": "object", "title": kind.id(), "properties": properties,
                "required": required, "additionalProperties": false})
        })
        .collect();
    json!({
        "description": "A stage event (DESIGN §2) and the firm version it was chosen on. \
            Whether the firm's stage and data allow it is the core's to decide: a refusal is \
            a 409 (`illegal_transition`) with every reason, a role that may never fire the \
            event a 403.",
        "oneOf": variants,
    })
}

/// The recorded result of a national target (the core's `Outcome`), by kind.
fn outcome_schema() -> Value {
    json!({
        "description": "The result: a tech-SME registration (`registered`) for a tech_sme \
            application, an HTE certificate (`certificate`) for a high_tech one; the other \
            kind is refused with the reason `application_outcome_mismatch` (409). The stage \
            machine checks the data as for the stage event it fires (`register_tech_sme`, \
            `certify_high_tech` or `renew_high_tech`): a refusal is a 409 \
            (`illegal_transition`) with its reasons.",
        "oneOf": [
            {"type": "object", "title": "registered", "additionalProperties": false,
                "required": ["outcome", "year", "reg_no"],
                "properties": {
                    "outcome": {"type": "string", "enum": ["registered"]},
                    "year": {"type": "integer", "format": "int32",
                        "description": "Registration year: this year or last (China time); \
                            another is refused with a reason (409)."},
                    "reg_no": {"type": "string", "pattern": one_line(), "maxLength": LINE_MAX,
                        "description": "Tech-SME registration number; a blank one is refused \
                            with the reason `reg_no_required` (409)."},
                }},
            {"type": "object", "title": "certificate", "additionalProperties": false,
                "required": ["outcome", "cert_no", "issued_on"],
                "properties": {
                    "outcome": {"type": "string", "enum": ["certificate"]},
                    "cert_no": {"type": "string", "pattern": CERT_NO,
                        "description": "Certificate number: GR, the issue year, the province \
                            and six digits (GR202441000123); another form, or a year other \
                            than the issue date's, is refused with the reason \
                            `invalid_cert_no` (409)."},
                    "issued_on": {"type": "string", "format": "date",
                        "description": "Issue date."},
                }},
        ],
    })
}

/// The body of `POST /api/v1/applications/{id}/steps`: one object per action, its comment
/// (required where the action needs one), `outcome` for `certify` only, and `version`.
fn step_schema() -> Value {
    let variants: Vec<Value> = ActionKind::ALL
        .iter()
        .map(|&kind| {
            let mut properties = Map::new();
            properties.insert(
                "action".into(),
                json!({"type": "string", "enum": [kind.id()]}),
            );
            properties.insert(
                "version".into(),
                json!({"type": "integer", "format": "int64",
                    "description": "The application version the step was chosen on: a stale \
                        one is a 409 (`stale_version`)."}),
            );
            let comment = if kind.needs_comment() {
                "Why (line breaks allowed), which the firm reads: a blank one is refused with \
                 the reason `application_comment_required` (409)."
            } else {
                "A remark kept with the step (line breaks allowed)."
            };
            properties.insert(
                "comment".into(),
                json!({"type": "string", "pattern": multi_line(), "maxLength": BLOCK_MAX,
                    "description": comment}),
            );
            let mut required = vec![json!("action"), json!("version")];
            if kind.needs_comment() {
                required.push(json!("comment"));
            }
            if kind == ActionKind::Certify {
                properties.insert("outcome".into(), outcome_schema());
                required.push(json!("outcome"));
            }
            json!({"type": "object", "title": kind.id(), "properties": properties,
                "required": required, "additionalProperties": false})
        })
        .collect();
    json!({
        "description": "A step on an application and the version it was chosen on. Whether \
            the application's status, the caller's part and the firm's stage allow it is the \
            status machine's to decide: a refusal is a 409 (`application_refused`) with every \
            reason in `error.reasons`; submitting when the target's rules are definitely not \
            met is a 422 with the evaluation. `actions` of `GET /api/v1/applications/{id}` \
            lists the steps the caller may take now.",
        "oneOf": variants,
    })
}

/// Every status a route can answer besides its own: (status, when, applies to the
/// operation at `path`).
fn common_statuses(path: &str, op: &Map<String, Value>) -> Vec<(&'static str, &'static str)> {
    let open = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)));
    let params = |place: &str| {
        op.get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == place))
    };
    let mut out = Vec::new();
    if open {
        return out;
    }
    out.push((
        "401",
        "No session cookie or bearer token, or one that is not valid (`unauthenticated`).",
    ));
    let json_body = op
        .get("requestBody")
        .is_some_and(|b| b["content"].get("application/json").is_some());
    if op.contains_key("requestBody") {
        out.extend([
            (
                "400",
                "Bad input: `error.field` names the field, `error.code` says what is wrong.",
            ),
            (
                "403",
                "A write with the session cookie but without its `X-CSRF-Token` (`csrf`), \
                 or a role that may not do this (`forbidden`).",
            ),
            ("408", "The body did not arrive in time (`timed_out`)."),
        ]);
    }
    if json_body {
        out.extend([
            (
                "413",
                "The body is larger than the route takes (`too_large`).",
            ),
            (
                "415",
                "The body is not `application/json` (`unsupported_media_type`).",
            ),
        ]);
    }
    if params("query") {
        out.push((
            "400",
            "A parameter that does not read, is out of range or is given twice: \
             `error.field` names it.",
        ));
    }
    if params("path") {
        out.push(if path.contains("{did}") {
            (
                "404",
                "No such application, no such document of it, or one of a firm outside the \
                 caller's territory (`not_found`).",
            )
        } else if path.starts_with("/api/v1/applications/") {
            (
                "404",
                "No such application, or one of a firm outside the caller's territory \
                 (`not_found`).",
            )
        } else {
            (
                "404",
                "No such firm, or one outside the caller's territory (`not_found`).",
            )
        });
    }
    out.push((
        "500",
        "An unexpected error (`internal`); the server logs it.",
    ));
    out.push((
        "503",
        "The database cannot be reached just now (`unavailable`); try again.",
    ));
    out
}

/// Where a firm's id leads: the operations on one firm, by operation id.
const FIRM_OPERATIONS: [&str; 9] = [
    "show",
    "patch",
    "years",
    "put_year",
    "ip_list",
    "ip_add",
    "fire",
    "evaluation",
    "open_application",
];

/// Where an application's id leads.
const APPLICATION_OPERATIONS: [&str; 4] = [
    "show_application",
    "step_application",
    "list_documents",
    "upload_document",
];

/// Where an uploaded document leads: its download and its removal.
fn link_documents(paths: &mut Map<String, Value>) {
    let params = json!({"id": "$response.body#/application_id", "did": "$response.body#/id"});
    let links: Map<String, Value> = ["download_document", "remove_document"]
        .iter()
        .map(|&op| {
            (
                op.to_string(),
                json!({"operationId": op, "parameters": params}),
            )
        })
        .collect();
    if let Some(r) = paths
        .get_mut("/api/v1/applications/{id}/documents")
        .and_then(|p| p["post"]["responses"]["201"].as_object_mut())
    {
        r.insert("links".into(), Value::Object(links));
    }
}

/// A download answers the file in the type decided at upload: one of the accepted types.
fn download_types(paths: &mut Map<String, Value>) {
    let binary = json!({"schema": {"type": "string", "format": "binary"}});
    let types: Map<String, Value> = ContentType::ALL
        .iter()
        .map(|t| (t.mime().to_string(), binary.clone()))
        .collect();
    if let Some(ok) = paths
        .get_mut("/api/v1/applications/{id}/documents/{did}")
        .and_then(|p| p["get"]["responses"]["200"].as_object_mut())
    {
        ok.insert("content".into(), Value::Object(types));
    }
    if let Some(body) = paths
        .get_mut("/api/v1/applications/{id}/documents")
        .and_then(|p| {
            p["post"]["requestBody"]["content"]["application/octet-stream"].as_object_mut()
        })
    {
        body.insert("schema".into(), binary["schema"].clone());
    }
}

/// Links from the answers that carry a firm id (a created firm, a firm user's own firm) to
/// the operations on that firm, and from those that carry an application's to its
/// operations.
fn link_firm_ids(paths: &mut Map<String, Value>) {
    let app_id = "$response.body#/application/id";
    let from: [(&str, &str, &str, &str, &[&str]); 4] = [
        (
            "/api/v1/firms",
            "post",
            "201",
            "$response.body#/id",
            &FIRM_OPERATIONS,
        ),
        (
            "/api/v1/me",
            "get",
            "200",
            "$response.body#/firm_id",
            &FIRM_OPERATIONS,
        ),
        (
            "/api/v1/firms/{id}/applications",
            "post",
            "201",
            app_id,
            &APPLICATION_OPERATIONS,
        ),
        (
            "/api/v1/applications/{id}/steps",
            "post",
            "200",
            app_id,
            &APPLICATION_OPERATIONS,
        ),
    ];
    for (path, method, status, id, operations) in from {
        let links: Map<String, Value> = operations
            .iter()
            .map(|&op| {
                (
                    op.to_string(),
                    json!({"operationId": op, "parameters": {"id": id}}),
                )
            })
            .collect();
        if let Some(r) = paths
            .get_mut(path)
            .and_then(|p| p[method]["responses"][status].as_object_mut())
        {
            r.insert("links".into(), Value::Object(links));
        }
    }
}

/// The OpenAPI document as served: [`ApiDoc`] and the rules above. `this_year` is the last
/// fiscal year whose figures may be entered.
pub fn document(this_year: i32) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    let schemas = &mut doc["components"]["schemas"];
    for (name, field, rule) in field_rules() {
        if let Some(p) = schemas[name]["properties"][field].as_object_mut() {
            rule.apply(p);
        }
    }
    schemas["EventIn"] = event_schema();
    schemas["StepIn"] = step_schema();
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    for (path, method, name, rule) in parameter_rules(this_year) {
        let Some(params) = paths
            .get_mut(path)
            .and_then(|p| p[method]["parameters"].as_array_mut())
        else {
            continue;
        };
        for p in params.iter_mut().filter(|p| p["name"] == name) {
            if let Some(s) = p["schema"].as_object_mut() {
                rule.apply(s);
            }
        }
    }
    link_firm_ids(paths);
    link_documents(paths);
    download_types(paths);
    let error = json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}});
    for (path, ops) in paths.iter_mut() {
        let Some(ops) = ops.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut().filter_map(Value::as_object_mut) {
            let add = common_statuses(path, op);
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for (status, when) in add {
                let r = responses
                    .entry(status)
                    .or_insert_with(|| json!({"description": when, "content": error.clone()}));
                // Two reasons for one status: say both.
                let said = r["description"].as_str().unwrap_or("").to_string();
                if said.is_empty() {
                    r["description"] = json!(when);
                } else if !said.contains(when) {
                    r["description"] = json!(format!("{said} {when}"));
                }
            }
        }
    }
    doc
}
