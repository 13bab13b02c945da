//! The pages in a real browser: headless Chromium, driven over WebDriver, against the app
//! served on a small demo city (SQLite). What a person does: sign in as each role, search the
//! firm list, open a firm and read why it is not yet eligible, switch the language, fix an
//! invalid yearly figure (error beside the field, in Chinese) and save, and certify a firm
//! through the confirmed stage action and see it on the timeline. The run
//! leaves screenshots of the dashboard and the firm page in `screenshots/` (see
//! [`driver::screenshot_dir`]) for a person to look at.

mod driver;

use super::TestApp;
use crate::common::TestDb;
use chrono::Utc;
use driver::Browser;
use peiyu::app::seed_demo::{seed_demo, DEMO_PASSWORD};
use peiyu::i18n::{self, Lang};
use peiyu::store::firms::{self, Firm, FirmFilter};
use peiyu::store::users;

/// Firms in the browser tests' demo city: enough for every stage and a second list page.
const DEMO_FIRMS: usize = 60;

/// A demo city on SQLite, served.
fn demo_app() -> (TestDb, TestApp) {
    let db = TestDb::sqlite();
    seed_demo(
        &mut db.conn(),
        20_251_125,
        DEMO_FIRMS,
        Utc::now().date_naive(),
    )
    .unwrap();
    let app = TestApp::spawn(&db);
    (db, app)
}

fn zh(key: &str) -> String {
    i18n::text(Lang::ZhCn, key)
}

fn en(key: &str) -> String {
    i18n::text(Lang::En, key)
}

fn all_firms(db: &TestDb) -> Vec<Firm> {
    firms::list(
        &mut db.conn(),
        &FirmFilter {
            limit: Some(10_000),
            ..FirmFilter::default()
        },
    )
    .unwrap()
}

/// The firm count the dashboard shows.
fn dashboard_total(b: &Browser) -> i64 {
    b.text("main section p strong").trim().parse().unwrap()
}

#[test]
fn each_role_signs_in_to_its_own_dashboard() {
    let (db, app) = demo_app();
    let b = Browser::start(&app.base);
    let firm1 = users::find_by_username(&mut db.conn(), "firm1")
        .unwrap()
        .unwrap();
    let firm1_firm = firms::find_by_id(&mut db.conn(), firm1.firm_id.unwrap()).unwrap();

    let mut totals = Vec::new();
    for (username, role) in [
        ("admin", "admin"),
        ("bureau", "bureau"),
        ("county-411102", "county"),
        ("advisor01", "advisor"),
    ] {
        b.sign_in(username, DEMO_PASSWORD);
        assert_eq!(b.path(), "/", "{username} lands on the dashboard");
        assert_eq!(b.text("main h1"), zh("dashboard.title"), "{username}");
        let who = b.text("header .user");
        assert!(
            who.contains(&zh(&format!("role.{role}"))),
            "{username}'s header says {who:?}"
        );
        let headings: Vec<String> = b.find_all("main h2").iter().map(|h| b.text_of(h)).collect();
        assert_eq!(
            headings.contains(&zh("dashboard.my_firms")),
            role == "advisor",
            "{username}: {headings:?}"
        );
        totals.push((role, dashboard_total(&b)));
        b.sign_out();
        assert!(b.path().starts_with("/login"), "signed out: {}", b.path());
    }
    // The city sees every firm; a county officer only their county's.
    let all = all_firms(&db);
    let county = all.iter().filter(|f| f.county_code == "411102").count() as i64;
    assert_eq!(totals[0], ("admin", all.len() as i64));
    assert_eq!(totals[1], ("bureau", all.len() as i64));
    assert_eq!(totals[2], ("county", county));
    assert!(county < all.len() as i64);

    // A firm's user gets the portal's home, about their own firm.
    b.sign_in("firm1", DEMO_PASSWORD);
    assert_eq!(b.path(), "/");
    assert_eq!(b.text("main h1"), firm1_firm.name);
    assert!(b.text("main").contains(&zh("portal.asks")));
    assert!(b.text("header .user").contains(&zh("role.firm")));
}

#[test]
fn an_advisor_finds_a_firm_and_reads_why_it_is_not_yet_eligible() {
    let (db, app) = demo_app();
    // An assigned firm with a next stage it does not (yet) qualify for.
    let firm = all_firms(&db)
        .into_iter()
        .find(|f| f.advisor_id.is_some() && f.next_stage.is_some() && f.next_eligible != Some(true))
        .expect("the demo has a firm that is not yet eligible");
    let advisor = users::find_by_id(&mut db.conn(), firm.advisor_id.unwrap()).unwrap();

    let b = Browser::start(&app.base);
    b.sign_in(&advisor.username, DEMO_PASSWORD);
    b.click("header nav a[href='/firms']");
    assert_eq!(b.text("main h1"), zh("firms.list.title"));
    b.fill("#q", &firm.name);
    b.click("form.filters button[type=submit]");
    assert!(b.path().contains("q="), "searched: {}", b.path());
    let rows = b.find_all("table.firms tbody tr");
    assert_eq!(rows.len(), 1, "one firm has this name");
    b.click(&format!("table.firms a[href='/firms/{}']", firm.id));

    assert_eq!(b.path(), format!("/firms/{}", firm.id));
    assert_eq!(b.text("main h1"), firm.name);
    let not_met: Vec<String> = b
        .find_all("table.criteria tr.criterion-fail, table.criteria tr.criterion-unknown")
        .iter()
        .map(|r| b.text_of(r))
        .collect();
    assert!(
        !not_met.is_empty(),
        "a firm that is not eligible has a failing or unknown criterion"
    );
    let explained = b
        .find_all("table.criteria tr.criterion-fail td:last-child, table.criteria tr.criterion-unknown td:last-child")
        .iter()
        .map(|td| b.text_of(td))
        .filter(|t| t.trim().chars().count() > 4)
        .count();
    assert!(
        explained > 0,
        "the reason is written out, not only marked: {not_met:?}"
    );
    let shot = b.screenshot("firm-page-zh");
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn the_bureau_sets_its_targets_and_reads_the_progress_on_its_dashboard() {
    let (db, app) = demo_app();
    let b = Browser::start(&app.base);
    b.sign_in("bureau", DEMO_PASSWORD);
    b.click_and_load("header a[href='/targets']");
    assert_eq!(b.path(), "/targets");
    b.fill("input[name='city.high_tech']", "150");
    b.fill("input[name='city.tech_sme']", "300");
    b.click_and_load("form.entry button[type=submit]");
    assert!(b.text("main").contains(&zh("targets.saved")));
    b.goto("/");
    // Today's HTE count on the dashboard is the count of firms holding a certificate in force.
    let holders = super::board::holders(&mut db.conn(), "hte", None);
    let shown: i64 = b
        .text("#progress-high_tech td[data-count]")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(shown, holders);
    let bars = b.find_all("#progress-high_tech svg rect[data-value]");
    assert_eq!(b.attr_of(&bars[1], "data-value"), holders.to_string());
    assert!(b.text("#progress-high_tech .pace").contains("150"));
    let shot = b.screenshot("targets-dashboard");
    eprintln!("screenshot: {}", shot.display());
    // The county scorecard, from the menu, with its chart.
    b.click_and_load("header a[href='/scorecard']");
    assert_eq!(b.text("main h1"), zh("scorecard.title"));
    assert!(!b
        .find_all("#scorecard-chart svg rect[data-value]")
        .is_empty());
    b.screenshot("scorecard");
    // The reserve pool as printed for a meeting: its filter and the print time at the top.
    b.goto("/pool?county=411102&print=1");
    let head = b.text("#pool-printed");
    assert!(head.contains("源汇区"), "{head}");
    let today = peiyu::app::today().format("%Y-%m-%d").to_string();
    assert!(head.contains(&today), "{head}");
    b.screenshot("pool-printed");
}

#[test]
fn the_language_switch_changes_the_page_and_is_remembered_across_pages() {
    let (db, app) = demo_app();
    let firm = &all_firms(&db)[0];
    let b = Browser::start(&app.base);
    b.sign_in("bureau", DEMO_PASSWORD);
    assert_eq!(b.lang(), "zh-CN");
    let shot = b.screenshot("dashboard-zh");
    eprintln!("screenshot: {}", shot.display());

    b.click("a.lang-switch");
    assert_eq!(b.path(), "/", "the switch comes back to the same page");
    assert_eq!(b.lang(), "en");
    assert_eq!(b.text("main h1"), en("dashboard.title"));
    b.screenshot("dashboard-en");

    b.click("header nav a[href='/firms']");
    assert_eq!(b.lang(), "en", "remembered on the next page");
    assert_eq!(b.text("main h1"), en("firms.list.title"));
    b.goto(&format!("/firms/{}", firm.id));
    assert_eq!(b.lang(), "en");
    assert_eq!(b.text("main section h2"), en("firm.profile"));
    b.screenshot("firm-page-en");

    b.click("a.lang-switch");
    assert_eq!(b.path(), format!("/firms/{}", firm.id));
    assert_eq!(b.lang(), "zh-CN");
    assert_eq!(b.text("main section h2"), zh("firm.profile"));
    b.goto("/");
    assert_eq!(b.lang(), "zh-CN", "and Chinese is remembered too");
    assert_eq!(b.text("main h1"), zh("dashboard.title"));
}

#[test]
fn a_county_officer_fixes_an_invalid_figure_and_saves_the_year() {
    let (db, app) = demo_app();
    let firm = all_firms(&db)
        .into_iter()
        .find(|f| f.county_code == "411102" && f.stage != "exited")
        .expect("a firm in 411102");
    let b = Browser::start(&app.base);
    b.sign_in("county-411102", DEMO_PASSWORD);
    b.goto(&format!("/firms/{}/years?year=2025", firm.id));
    b.fill("#f-revenue", "-12");
    b.click("form.entry button[type=submit]");

    // The error stands beside the field, in Chinese; what was typed is kept; nothing saved.
    let err = b.text("#f-revenue-err");
    assert!(err.contains(&zh("forms.error.negative")), "{err}");
    assert_eq!(b.attr("#f-revenue", "value").as_deref(), Some("-12"));
    let unchanged = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
    assert_eq!(unchanged.version, firm.version, "nothing was written");

    b.fill("#f-revenue", "12345.67");
    // 总收入 is never below sales: the two go together.
    b.fill("#f-total_income", "13000");
    b.click("form.entry button[type=submit]");
    assert!(
        b.path().starts_with(&format!("/firms/{}", firm.id)),
        "{}",
        b.path()
    );
    let year = peiyu::store::years::list_for_firm(&mut db.conn(), firm.id)
        .unwrap()
        .into_iter()
        .find(|y| y.year == 2025)
        .expect("2025 saved");
    // 12,345.67 万元 = 123,456,700 yuan, kept exactly in fen.
    assert_eq!(year.revenue, Some(12_345_670_000));
}

#[test]
fn the_bureau_certifies_a_firm_and_the_timeline_shows_it() {
    let (db, app) = demo_app();
    let firm = all_firms(&db)
        .into_iter()
        .find(|f| f.stage == "reserve")
        .expect("a reserve firm");
    let issued = Utc::now().date_naive() - chrono::Days::new(10);
    let cert_no = format!("GR{}41009999", chrono::Datelike::year(&issued));
    let b = Browser::start(&app.base);
    b.sign_in("bureau", DEMO_PASSWORD);
    b.goto(&format!("/firms/{}", firm.id));
    b.click(&format!(
        "a[href='/firms/{}/actions/certify_high_tech']",
        firm.id
    ));
    b.fill("#f-cert_no", &cert_no);
    b.pick_date("#f-issued_on", issued);
    // Without the confirmation nothing happens.
    b.click("form.entry button[type=submit]");
    assert!(!b.text("#f-confirm-err").is_empty());
    assert_eq!(
        firms::find_by_id(&mut db.conn(), firm.id).unwrap().stage,
        "reserve"
    );

    b.click_in_page("#f-confirm");
    b.click("form.entry button[type=submit]");
    assert_eq!(
        b.path(),
        format!("/firms/{}?done=event_done", firm.id),
        "fired: {}",
        b.text("main")
    );
    assert_eq!(
        firms::find_by_id(&mut db.conn(), firm.id).unwrap().stage,
        "high_tech"
    );
    let timeline = b.text("ol.timeline");
    assert!(
        timeline.contains(&zh("event.certify_high_tech")),
        "the timeline shows the certification: {timeline}"
    );
}

#[test]
fn an_advisor_logs_a_followup_with_a_due_date_and_finds_it_on_the_agenda() {
    let (db, app) = demo_app();
    let b = Browser::start(&app.base);
    let advisor = users::find_by_username(&mut db.conn(), "advisor01")
        .unwrap()
        .unwrap();
    let firm = all_firms(&db)
        .into_iter()
        .find(|f| f.advisor_id == Some(advisor.id) && f.stage != "exited")
        .expect("advisor01 coaches a firm");
    b.sign_in("advisor01", DEMO_PASSWORD);
    b.goto(&format!("/firms/{}", firm.id));
    b.click_in_page("#followups details summary");
    b.fill("#fu-attendees", "总经理、研发部长");
    b.fill("#fu-summary", "走访企业，核对研发费用辅助账");
    b.fill("#fu-next_action", "提交高企申报材料初稿");
    let due = peiyu::core::clock::china_date(Utc::now().naive_utc()) + chrono::Duration::days(2);
    b.pick_date("#fu-due_on", due);
    b.click("#followups form button[type=submit]");
    assert_eq!(b.path(), format!("/firms/{}?done=followup_logged", firm.id));
    assert!(b.text("main .notice").contains(&zh("done.followup_logged")));
    assert!(b.text("#followups").contains("提交高企申报材料初稿"));

    b.goto("/agenda");
    assert_eq!(b.text("main h1"), zh("coach.agenda.title"));
    let soon = b.text("#due_soon");
    assert!(soon.contains(&firm.name), "{soon}");
    assert!(soon.contains("提交高企申报材料初稿"), "{soon}");
    assert!(b.text("#overdue").contains(&zh("coach.agenda.overdue")));
    b.screenshot("agenda");

    // The daily job queues the advisor's digest of due follow-ups; the mail worker delivers
    // it to a real SMTP server, and the mail lists the follow-up just logged.
    let today = peiyu::core::clock::china_date(Utc::now().naive_utc());
    let mut conn = db.conn();
    peiyu::jobs::run_tick(&mut conn, &peiyu::jobs::TickOptions::new(today)).unwrap();
    let server = crate::notify::smtp::SmtpServer::start();
    let mailer = peiyu::notify::mailer::Mailer::smtp(&server.url()).unwrap();
    peiyu::notify::worker::run_once(&mut conn, &mailer, "browser-test", Utc::now().naive_utc())
        .unwrap();
    let address = advisor
        .email
        .clone()
        .expect("the demo advisor has an address");
    let mails = server.messages();
    let digest = mails
        .iter()
        .find(|m| {
            m.to.contains(&address)
                && m.text
                    .as_deref()
                    .is_some_and(|t| t.contains(&firm.name) && t.contains("提交高企申报材料初稿"))
        })
        .unwrap_or_else(|| {
            panic!(
                "no mail to {address} lists the follow-up; subjects to them: {:?}",
                mails
                    .iter()
                    .filter(|m| m.to.contains(&address))
                    .map(|m| &m.subject)
                    .collect::<Vec<_>>()
            )
        });
    let html = digest.html.clone().unwrap_or_default();
    assert!(html.contains("提交高企申报材料初稿"), "{html}");
    assert!(html.contains(&firm.name), "{html}");
}

/// On a phone (400 px wide) no main page scrolls sideways, for any role: wide tables scroll
/// inside their own box and long names wrap by words.
#[test]
fn the_main_pages_fit_a_400_px_phone_for_every_role() {
    let (db, app) = demo_app();
    let b = Browser::start(&app.base);
    let all = all_firms(&db);
    let firm = all.iter().max_by_key(|f| f.name.chars().count()).unwrap();
    let firm1 = users::find_by_username(&mut db.conn(), "firm1")
        .unwrap()
        .unwrap();
    let own = firm1.firm_id.unwrap();
    b.set_viewport(400, 900);
    let mut wide = Vec::new();
    let mut visit = |who: &str, path: &str| {
        b.goto(path);
        b.find("main");
        if let Some(why) = b.sideways() {
            wide.push(format!("{who} {path}: {why}"));
        }
    };
    visit("anonymous", "/login");
    visit("anonymous", "/password/forgot");
    let f = firm.id;
    let staff_pages = [
        "/".to_string(),
        "/firms".to_string(),
        format!("/firms/{f}"),
        format!("/firms/{f}/edit"),
        format!("/firms/{f}/whatif"),
        "/pool".to_string(),
        "/advisors".to_string(),
        "/agenda".to_string(),
        "/issues".to_string(),
        "/account/mail".to_string(),
        "/account/password".to_string(),
        "/applications".to_string(),
    ];
    for username in ["admin", "bureau", "county-411102", "advisor01"] {
        b.sign_in(username, DEMO_PASSWORD);
        for p in &staff_pages {
            visit(username, p);
        }
        if username != "advisor01" {
            visit(username, "/nominations");
        }
        if username == "admin" {
            visit(username, "/admin/users");
            visit(username, "/admin/mail");
            visit(username, "/firm-users");
        }
        b.sign_out();
    }
    b.sign_in("firm1", DEMO_PASSWORD);
    for p in [
        "/".to_string(),
        "/applications".to_string(),
        format!("/firms/{own}"),
        format!("/firms/{own}/edit"),
        "/account/mail".into(),
        "/account/password".into(),
    ] {
        visit("firm1", &p);
    }
    assert!(
        wide.is_empty(),
        "pages wider than a phone:\n{}",
        wide.join("\n")
    );
}

#[test]
fn a_firm_user_is_offered_no_record_flag_or_direct_route_on_the_edit_form() {
    let (db, app) = demo_app();
    let firm1 = users::find_by_username(&mut db.conn(), "firm1")
        .unwrap()
        .unwrap();
    let own = firm1.firm_id.unwrap();
    let b = Browser::start(&app.base);
    b.sign_in("firm1", DEMO_PASSWORD);
    b.goto(&format!("/firms/{own}/edit"));
    assert!(
        !b.find_all("#f-employees").is_empty(),
        "figures and staff stay editable"
    );
    assert!(!b.find_all("#f-industry_code").is_empty());
    for field in [
        "major_incident",
        "restricted_industry",
        "dishonest",
        "deemed_taxation",
        "dr_valid_hte",
        "dr_provincial_rd_center",
        "dr_award_5y",
        "dr_led_standard_5y",
    ] {
        assert!(
            b.find_all(&format!("[name={field}]")).is_empty(),
            "a firm user is offered {field}"
        );
    }
    // Bureau staff see the record fields, but never the valid-HTE one.
    b.sign_out();
    b.sign_in("bureau", DEMO_PASSWORD);
    b.goto(&format!("/firms/{own}/edit"));
    assert!(!b.find_all("[name=major_incident]").is_empty());
    assert!(b.find_all("[name=dr_valid_hte]").is_empty());
}

/// The first steps of a firm joining: the bureau invites the firm's contact on the firm
/// accounts page, the invitation arrives at a real SMTP server, its link sets a password and
/// signs the new user in on their firm's page; signed out, they sign in again with it and land
/// there too.
#[test]
fn the_bureau_invites_a_firm_user_who_sets_a_password_from_the_mail_and_lands_on_their_firm() {
    let (db, app) = demo_app();
    let firm = all_firms(&db)
        .into_iter()
        .find(|f| f.stage != "exited")
        .expect("a firm");
    peiyu::store::settings::set(
        &mut db.conn(),
        peiyu::notify::worker::BASE_URL_KEY,
        &serde_json::json!(app.base),
    )
    .unwrap();
    let b = Browser::start(&app.base);
    b.sign_in("bureau", DEMO_PASSWORD);
    b.click_and_load("header a[href='/firm-users']");
    assert_eq!(b.text("main h1"), zh("firm_users.title"));
    b.fill("#firm_uscc", &firm.uscc);
    b.fill("#username", "zhao.contact");
    b.fill("#display_name", "赵联络");
    b.fill("#email", "zhao@firm.example");
    b.click_and_load("form.invite button[type=submit]");
    assert_eq!(b.path(), "/firm-users?done=invited", "{}", b.text("main"));
    assert!(b
        .text("main .notice")
        .contains(&zh("firm_users.done.invited")));
    assert!(b.text("table.firm-users").contains("zhao.contact"));
    b.screenshot("firm-users");
    b.sign_out();

    let server = crate::notify::smtp::SmtpServer::start();
    let mailer = peiyu::notify::mailer::Mailer::smtp(&server.url()).unwrap();
    peiyu::notify::worker::run_once(
        &mut db.conn(),
        &mailer,
        "browser-test",
        Utc::now().naive_utc(),
    )
    .unwrap();
    let mails = server.messages();
    let mail = mails
        .iter()
        .find(|m| m.to.contains("zhao@firm.example"))
        .expect("the invitation arrived");
    let text = mail.text.clone().unwrap_or_default();
    let start = text
        .find(&format!("{}/password/set?token=", app.base))
        .unwrap_or_else(|| panic!("no link in the invitation:\n{text}"));
    let url = text[start..].split_whitespace().next().unwrap();
    let path = url.strip_prefix(&app.base).unwrap();

    b.goto(path);
    assert_eq!(b.text("main h1"), zh("set_password.title_invite"));
    assert_eq!(
        b.attr("#username", "value").as_deref(),
        Some("zhao.contact")
    );
    // A common password is refused beside its field, in Chinese.
    b.fill("#password", "iloveyou");
    b.fill("#password_again", "iloveyou");
    b.click_and_load("form[action='/password/set'] button[type=submit]");
    assert!(b
        .text("#password-err")
        .contains(&zh("app.accounts.password_common")));
    let password = "赵家的新密码 2026 spring";
    b.fill("#password", password);
    b.fill("#password_again", password);
    b.click_and_load("form[action='/password/set'] button[type=submit]");
    // The portal's home, about their firm.
    assert_eq!(b.path(), "/", "{}", b.text("main"));
    assert_eq!(b.text("main h1"), firm.name);
    assert!(b.text("header .user").contains("赵联络"));

    b.sign_out();
    b.sign_in("zhao.contact", password);
    assert_eq!(b.path(), "/");
    assert_eq!(b.text("main h1"), firm.name);
}

/// The figures of `year` of `firm` as the year form shows them (万元), for typing back.
fn year_row(db: &TestDb, firm_id: i64, year: i32) -> peiyu::store::years::FirmYearRow {
    peiyu::store::years::list_for_firm(&mut db.conn(), firm_id)
        .unwrap()
        .into_iter()
        .find(|y| y.year == year)
        .unwrap_or_else(|| panic!("the demo firm has figures for {year}"))
}

fn wan(fen: Option<i64>) -> String {
    fen.map(|f| peiyu::core::money::Fen(f).wan_text())
        .unwrap_or_default()
}

/// Deliver what the outbox holds to `server`.
fn deliver(db: &TestDb, server: &crate::notify::smtp::SmtpServer) {
    let mailer = peiyu::notify::mailer::Mailer::smtp(&server.url()).unwrap();
    peiyu::notify::worker::run_once(
        &mut db.conn(),
        &mailer,
        "browser-test",
        Utc::now().naive_utc(),
    )
    .unwrap();
}

/// On an application page: upload a PDF for every item of the checklist still missing.
fn upload_required_pdfs(b: &Browser) {
    let files = tempfile::tempdir().unwrap();
    let kinds: Vec<String> = b
        .find_all("li.doc-kind.missing")
        .iter()
        .map(|e| b.attr_of(e, "id").trim_start_matches("doc-").to_string())
        .collect();
    assert!(!kinds.is_empty(), "the checklist asks for documents");
    for kind in &kinds {
        let path = files.path().join(format!("{kind}.pdf"));
        std::fs::write(&path, peiyu::core::document::samples::pdf(2048)).unwrap();
        b.choose_file(&format!("#f-file-{kind}"), &path);
        b.click_and_load(&format!("#doc-{kind} form.upload button[type=submit]"));
    }
    assert!(
        b.find_all("li.doc-kind.missing").is_empty(),
        "{}",
        b.text("main")
    );
}

/// Take `action` on the application page the browser shows, with `comment`.
fn take_step(b: &Browser, action: &str, comment: &str) {
    b.click_in_page(&format!("input[name=action][value={action}]"));
    if !comment.is_empty() {
        b.fill("#f-comment", comment);
    }
    b.click_and_load("form.entry button[type=submit]");
    assert!(
        b.text("main .notice")
            .contains(&zh("application.page.done").replace("{action}", "")),
        "{action}: {}",
        b.text("main")
    );
}

/// Issue 14's path end to end: the bureau invites a firm user by mail; the firm enters three
/// years of figures, reads why it is not yet eligible for the reserve pool, fixes a figure,
/// applies and submits; the county returns it with a comment; the firm changes a figure and
/// submits again; the county and the bureau approve; the firm is in the reserve pool, its
/// timeline says so, and the firm and its advisor received every status mail.
#[test]
fn a_firm_invited_by_mail_applies_for_the_reserve_pool_and_is_admitted() {
    // A larger city than the other browser tests': enough ready tech-SMEs with advisors.
    let db = TestDb::sqlite();
    seed_demo(&mut db.conn(), 20_251_125, 200, Utc::now().date_naive()).unwrap();
    let app = TestApp::spawn(&db);
    peiyu::store::settings::set(
        &mut db.conn(),
        peiyu::notify::worker::BASE_URL_KEY,
        &serde_json::json!(app.base),
    )
    .unwrap();
    // A tech-SME ready for the reserve pool, with an advisor who has an address.
    let firm = all_firms(&db)
        .into_iter()
        .find(|f| f.stage == "tech_sme" && f.next_eligible == Some(true) && f.advisor_id.is_some())
        .expect("a tech-SME ready for the reserve pool");
    let advisor = users::find_many(&mut db.conn(), &[firm.advisor_id.unwrap()]).unwrap()[0].clone();
    let advisor_email = advisor.email.clone().expect("demo advisors have addresses");
    let server = crate::notify::smtp::SmtpServer::start();

    // The invitation.
    let b = Browser::start(&app.base);
    b.sign_in("bureau", DEMO_PASSWORD);
    b.goto("/firm-users");
    b.fill("#firm_uscc", &firm.uscc);
    b.fill("#username", "qian.contact");
    b.fill("#display_name", "钱联络");
    b.fill("#email", "qian@firm.example");
    b.click_and_load("form.invite button[type=submit]");
    b.sign_out();
    deliver(&db, &server);
    let invitation = server
        .messages()
        .into_iter()
        .find(|m| m.to.contains("qian@firm.example"))
        .expect("the invitation arrived");
    let text = invitation.text.unwrap_or_default();
    let start = text
        .find(&format!("{}/password/set?token=", app.base))
        .unwrap();
    let link = text[start..].split_whitespace().next().unwrap();
    b.goto(link.strip_prefix(&app.base).unwrap());
    let password = "钱家的密码 2026 winter";
    b.fill("#password", password);
    b.fill("#password_again", password);
    b.click_and_load("form[action='/password/set'] button[type=submit]");
    assert_eq!(b.text("main h1"), firm.name);

    // Three years of figures; the last with an R&D expense far too small.
    let last = chrono::Datelike::year(&Utc::now().date_naive()) - 1;
    let original = year_row(&db, firm.id, last);
    for year in [last - 2, last - 1, last] {
        let row = year_row(&db, firm.id, year);
        b.goto(&format!("/firms/{}/years?year={year}", firm.id));
        b.fill("#f-revenue", &wan(row.revenue));
        b.fill("#f-total_income", &wan(row.total_income.or(row.revenue)));
        if year == last {
            b.fill("#f-rd_expense", "1");
            b.fill("#f-rd_expense_domestic", "1");
        }
        b.click_and_load("form.entry button[type=submit]");
        assert!(
            b.path().starts_with(&format!("/firms/{}", firm.id)),
            "{year}: {}",
            b.text("main")
        );
    }
    b.goto("/");
    let home = b.text("main");
    let verdict = |status: &str, mark: &str| {
        format!(
            "{}: {mark} {}",
            zh("firm.eligible"),
            zh(&format!("criterion_status.{status}"))
        )
    };
    assert!(home.contains(&verdict("fail", "✗")), "{home}");
    assert!(
        home.contains("研发费用"),
        "the failing criterion is explained: {home}"
    );
    // The fix: the R&D expense as it really was.
    b.goto(&format!("/firms/{}/years?year={last}", firm.id));
    b.fill("#f-rd_expense", &wan(original.rd_expense));
    b.fill("#f-rd_expense_domestic", &wan(original.rd_expense_domestic));
    b.click_and_load("form.entry button[type=submit]");
    b.goto("/");
    assert!(
        b.text("main").contains(&verdict("pass", "✓")),
        "{}",
        b.text("main")
    );

    // The application.
    b.click_and_load(&format!("a[href='/firms/{}/applications/new']", firm.id));
    b.click_in_page("input[name=target][value=reserve]");
    b.fill("#f-note", "请审核我公司入库申请");
    b.click_and_load("form.entry button[type=submit]");
    let href = b.path();
    assert!(href.starts_with("/applications/"), "{href}");
    upload_required_pdfs(&b);
    take_step(&b, "submit", "");
    assert!(b.text("main").contains(&zh("application.status.submitted")));
    b.sign_out();

    // The county returns it.
    let county = format!("county-{}", firm.county_code.to_lowercase());
    b.sign_in(&county, DEMO_PASSWORD);
    b.goto("/applications");
    b.click_and_load(&format!("a[href='{href}']"));
    take_step(&b, "return", "请核对最近一年的研发费用");
    b.sign_out();

    // The firm reads the comment on its home page, changes a figure and submits again.
    b.sign_in("qian.contact", password);
    assert!(
        b.text("main").contains("请核对最近一年的研发费用"),
        "{}",
        b.text("main")
    );
    b.goto(&format!("/firms/{}/years?year={last}", firm.id));
    b.fill(
        "#f-rd_expense",
        &wan(original.rd_expense.map(|r| r + 1_000_000)),
    );
    b.click_and_load("form.entry button[type=submit]");
    b.goto(&href);
    take_step(&b, "submit", "已更正研发费用");
    b.sign_out();

    // The county forwards, the bureau approves.
    b.sign_in(&county, DEMO_PASSWORD);
    b.goto(&href);
    take_step(&b, "forward", "同意推荐");
    b.sign_out();
    b.sign_in("bureau", DEMO_PASSWORD);
    b.goto(&href);
    // What changed since the submission the county forwarded: nothing.
    assert!(
        b.text("main").contains(&zh("application.page.no_changes")),
        "{}",
        b.text("main")
    );
    take_step(&b, "approve", "");
    b.screenshot("application-approved");
    b.sign_out();

    let now = firms::find_by_id(&mut db.conn(), firm.id).unwrap();
    assert_eq!(now.stage, "reserve");
    b.sign_in("qian.contact", password);
    b.goto(&format!("/firms/{}", firm.id));
    assert!(b.text("main").contains(&zh("event.admit_to_reserve")));

    // Every status mail reached the firm's user and its advisor.
    deliver(&db, &server);
    let mails = server.messages();
    for to in ["qian@firm.example", advisor_email.as_str()] {
        let subjects: Vec<String> = mails
            .iter()
            .filter(|m| m.to.contains(to))
            .map(|m| m.subject.clone())
            .collect();
        for status in ["submitted", "returned", "city_review", "approved"] {
            let words = zh(&format!("application.status.{status}"));
            assert!(
                subjects.iter().any(|s| s.contains(&words)),
                "{to} has no mail saying {words}: {subjects:?}"
            );
        }
    }
}

/// The HTE path in a browser: the firm applies for HTE certification support with its
/// documents; the county forwards; the bureau recommends; when the certificate arrives the
/// bureau records it, and the firm is a high-tech enterprise.
#[test]
fn a_reserve_firm_is_recommended_for_hte_and_the_recorded_certificate_makes_it_high_tech() {
    let db = TestDb::sqlite();
    seed_demo(&mut db.conn(), 20_251_125, 200, Utc::now().date_naive()).unwrap();
    let app = TestApp::spawn(&db);
    // A reserve firm whose HTE evaluation does not definitely fail, with a user of its own.
    let firm = all_firms(&db)
        .into_iter()
        .find(|f| f.stage == "reserve" && f.next_eligible != Some(false))
        .expect("a reserve firm not failing the HTE rules");
    let hash = users::find_by_username(&mut db.conn(), "bureau")
        .unwrap()
        .unwrap()
        .password_hash;
    users::insert(
        &mut db.conn(),
        &users::NewUser {
            username: "sun.contact".to_string(),
            display_name: "孙联络".to_string(),
            email: None,
            role: "firm".to_string(),
            county_code: None,
            firm_id: Some(firm.id),
            password_hash: hash,
            lang: "zh-CN".to_string(),
            active: true,
            created_at: Utc::now().naive_utc(),
        },
    )
    .unwrap();
    let b = Browser::start(&app.base);
    b.sign_in("sun.contact", DEMO_PASSWORD);
    b.click_and_load(&format!("a[href='/firms/{}/applications/new']", firm.id));
    b.click_in_page("input[name=target][value=high_tech]");
    b.click_and_load("form.entry button[type=submit]");
    let href = b.path();
    upload_required_pdfs(&b);
    take_step(&b, "submit", "");
    b.sign_out();

    b.sign_in(
        &format!("county-{}", firm.county_code.to_lowercase()),
        DEMO_PASSWORD,
    );
    b.goto(&href);
    take_step(&b, "forward", "同意推荐");
    b.sign_out();

    b.sign_in("bureau", DEMO_PASSWORD);
    b.goto(&href);
    take_step(&b, "approve", "");
    // A recommendation, not yet the certificate.
    assert!(
        b.text("main")
            .contains(&zh("application.status_national.approved")),
        "{}",
        b.text("main")
    );
    assert_eq!(
        firms::find_by_id(&mut db.conn(), firm.id).unwrap().stage,
        "reserve"
    );
    let issued = Utc::now().date_naive() - chrono::Days::new(3);
    let cert_no = format!("GR{}41000888", chrono::Datelike::year(&issued));
    b.click_in_page("input[name=action][value=certify]");
    b.fill("#f-cert_no", &cert_no);
    b.pick_date("#f-issued_on", issued);
    b.click_and_load("form.entry button[type=submit]");
    assert!(
        b.text("main").contains(&zh("application.status.certified")),
        "{}",
        b.text("main")
    );
    b.sign_out();

    assert_eq!(
        firms::find_by_id(&mut db.conn(), firm.id).unwrap().stage,
        "high_tech"
    );
    b.sign_in("sun.contact", DEMO_PASSWORD);
    b.goto(&format!("/firms/{}", firm.id));
    assert!(
        b.text("main").contains(&cert_no),
        "the certificate on the firm page"
    );
    assert!(b.text("main").contains(&zh("event.certify_high_tech")));
}
