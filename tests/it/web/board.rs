//! The targets dashboard and the yearly targets, on the demo city, both backends: the bureau
//! sets targets (a wrong value is shown beside its cell and nothing is saved); the dashboard's
//! charts and tables show the same numbers as SQL counts on the same database, for the whole
//! city and for a county officer's county; advisors get no targets dashboard.

use super::forms::field_error;
use super::TestApp;
use crate::common::{backends, TestDb};
use diesel::prelude::*;
use peiyu::app::seed_demo::{seed_demo, DEMO_PASSWORD};
use peiyu::store::schema::{audit_log, credentials, firms, targets};

fn signed_in(app: &TestApp, username: &str) -> TestApp {
    let client = app.other_client();
    let r = client.login(username, DEMO_PASSWORD);
    assert_eq!(r.status, 303, "sign in as {username}: {}", r.body);
    client
}

/// The demo city with `firms` firms on `db`, served, and the bureau signed in.
fn demo(db: &TestDb, firms: usize) -> (TestApp, TestApp) {
    seed_demo(&mut db.conn(), 20_261_207, firms, peiyu::app::today()).unwrap();
    let app = TestApp::spawn(db);
    let bureau = signed_in(&app, "bureau");
    (app, bureau)
}

/// The text of the element that starts at `marker` up to `end`.
fn section<'a>(body: &'a str, marker: &str, end: &str) -> &'a str {
    let start = body
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not on the page"));
    let rest = &body[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Every `data-value` of the bars in `svg`, in order.
fn bar_values(svg: &str) -> Vec<i64> {
    svg.split("data-value=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The numbers of a table's body cells (`<td class="num">N</td>`), in order.
fn cells(html: &str) -> Vec<i64> {
    html.split("<td class=\"num\">")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].trim().parse().unwrap())
        .collect()
}

/// Firms holding a credential of `kind` in force today, by SQL.
pub(super) fn holders(c: &mut peiyu::store::DbConn, kind: &str, county: Option<&str>) -> i64 {
    let today = peiyu::app::today();
    let mut q = credentials::table
        .inner_join(firms::table)
        .filter(credentials::kind.eq(kind))
        .filter(credentials::status.ne("revoked"))
        .filter(credentials::valid_from.le(today))
        .filter(
            credentials::valid_until
                .is_null()
                .or(credentials::valid_until.gt(today)),
        )
        .select(credentials::firm_id)
        .distinct()
        .into_boxed();
    if let Some(code) = county {
        q = q.filter(firms::county_code.eq(code.to_string()));
    }
    i64::try_from(q.load::<i64>(c).unwrap().len()).unwrap()
}

/// Firms at `stage` (in `county`), by SQL.
fn at_stage(c: &mut peiyu::store::DbConn, stage: &str, county: Option<&str>) -> i64 {
    let mut q = firms::table
        .filter(firms::stage.eq(stage))
        .count()
        .into_boxed();
    if let Some(code) = county {
        q = q.filter(firms::county_code.eq(code.to_string()));
    }
    q.get_result(c).unwrap()
}

#[test]
fn the_dashboard_shows_the_sql_counts_for_the_city_and_for_a_county() {
    for db in backends() {
        let (app, bureau) = demo(&db, 150);
        let mut c = db.conn();

        // Targets for the city and one county.
        let form = bureau.get("/targets");
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        let year = peiyu::app::today().format("%Y").to_string();
        let saved = bureau.post(
            "/targets",
            &[
                ("_csrf", csrf.as_str()),
                ("year", year.as_str()),
                ("city.high_tech", "150"),
                ("city.tech_sme", "300"),
                ("411102.high_tech", "40"),
            ],
        );
        assert_eq!(saved.status, 303, "{}", saved.body);
        let form = bureau.get(saved.location.as_deref().unwrap());
        assert!(form.body.contains("目标已保存"));
        assert!(form.body.contains("name=\"city.high_tech\" value=\"150\""));

        let home = bureau.get("/");
        assert_eq!(home.status, 200);
        let body = &home.body;
        // Progress: today's count is the SQL count, the target is drawn and said.
        let hte = section(body, "id=\"progress-high_tech\"", "</figure>");
        let count = holders(&mut c, "hte", None);
        assert!(
            hte.contains(&format!("data-count=\"high_tech\">{count}<")),
            "{count}: {hte}"
        );
        assert_eq!(bar_values(hte)[1], count, "the chart's 'today' bar");
        assert!(hte.contains("目标 150"), "the target line: {hte}");
        assert!(hte.contains("目标 150 家"), "the pace sentence: {hte}");
        let tsme = section(body, "id=\"progress-tech_sme\"", "</figure>");
        assert_eq!(bar_values(tsme)[1], holders(&mut c, "tech_sme", None));
        let reserve = section(body, "id=\"progress-reserve\"", "</figure>");
        assert_eq!(bar_values(reserve)[1], at_stage(&mut c, "reserve", None));

        // Firms by county and stage: table and chart equal SQL, county by county.
        let by_county = section(body, "id=\"by-county\"", "</figure>");
        let counties: Vec<String> = peiyu::store::refdata::counties(&mut c)
            .unwrap()
            .into_iter()
            .map(|k| k.code)
            .collect();
        let stages = [
            "prospect",
            "tech_sme",
            "reserve",
            "high_tech",
            "leader",
            "exited",
        ];
        let mut want_cells = Vec::new();
        let mut want_bars = vec![Vec::new(); 4];
        for code in &counties {
            let row: Vec<i64> = stages
                .iter()
                .map(|s| at_stage(&mut c, s, Some(code)))
                .collect();
            want_cells.extend(row.iter().copied());
            want_cells.push(row.iter().sum());
            for (i, v) in row[1..5].iter().enumerate() {
                want_bars[i].push(*v);
            }
        }
        assert_eq!(cells(by_county), want_cells, "{}", db.name());
        let bars: Vec<i64> = bar_values(by_county);
        // The chart draws county by county, the four ladder stages side by side.
        let n = counties.len();
        let drawn: Vec<Vec<i64>> = (0..4)
            .map(|s| (0..n).map(|k| bars[k * 4 + s]).collect())
            .collect();
        assert_eq!(drawn, want_bars);
        assert!(body.contains("<title>"), "charts carry a title");

        // A county officer sees their county only.
        let county = signed_in(&app, "county-411102");
        let home = county.get("/");
        let hte = section(&home.body, "id=\"progress-high_tech\"", "</figure>");
        assert_eq!(bar_values(hte)[1], holders(&mut c, "hte", Some("411102")));
        assert!(hte.contains("目标 40"), "{hte}");
        let by_county = section(&home.body, "id=\"by-county\"", "</figure>");
        assert_eq!(cells(by_county).len(), stages.len() + 1, "one county");

        // An advisor keeps the dashboard without targets.
        let advisor_name: String = peiyu::store::schema::users::table
            .filter(peiyu::store::schema::users::role.eq("advisor"))
            .select(peiyu::store::schema::users::username)
            .first(&mut c)
            .unwrap();
        let advisor = signed_in(&app, &advisor_name);
        let home = advisor.get("/");
        assert_eq!(home.status, 200);
        assert!(!home.body.contains("id=\"progress-high_tech\""));
        assert_eq!(advisor.get("/targets").status, 403);
    }
}

#[test]
fn a_wrong_target_is_shown_beside_its_cell_and_nothing_is_saved() {
    for db in backends() {
        let (_app, bureau) = demo(&db, 10);
        let mut c = db.conn();
        let csrf = bureau.get("/targets").csrf();
        let before: i64 = audit_log::table.count().get_result(&mut c).unwrap();
        let r = bureau.post(
            "/targets",
            &[
                ("_csrf", csrf.as_str()),
                ("city.high_tech", "150"),
                ("411102.reserve", "-3"),
                ("411103.tech_sme", "很多"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.body);
        for f in ["411102.reserve", "411103.tech_sme"] {
            let said = field_error(&r, f).unwrap_or_else(|| panic!("{f}: {}", r.body));
            assert!(said.contains("0 到 1000000 之间的整数"), "{said}");
        }
        assert!(r.body.contains("value=\"很多\""), "what was typed is kept");
        let stored: i64 = targets::table.count().get_result(&mut c).unwrap();
        assert_eq!(stored, 0);
        let after: i64 = audit_log::table.count().get_result(&mut c).unwrap();
        assert_eq!(after, before);

        // Saved: one audit row with before and after; saving the same again writes nothing.
        let ok = bureau.post(
            "/targets",
            &[("_csrf", csrf.as_str()), ("city.high_tech", "150")],
        );
        assert_eq!(ok.status, 303, "{}", ok.body);
        let again = bureau.post(
            "/targets",
            &[("_csrf", csrf.as_str()), ("city.high_tech", "150")],
        );
        assert_eq!(again.status, 303);
        let rows: Vec<String> = audit_log::table
            .filter(audit_log::action.eq("set_targets"))
            .select(audit_log::detail)
            .load(&mut c)
            .unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows[0].contains("\"city.high_tech\":150"), "{}", rows[0]);
    }
}

/// The rows of the scorecard: (county code, the row's numbers in order).
fn scorecard_rows(body: &str) -> Vec<(String, Vec<String>)> {
    body.split("<tr data-county=\"")
        .skip(1)
        .map(|s| {
            let code = s[..s.find('"').unwrap()].to_string();
            let row = &s[..s.find("</tr>").unwrap()];
            let cells = row
                .split("<td class=\"num\">")
                .skip(1)
                .map(|c| c[..c.find("</td>").unwrap()].trim().to_string())
                .collect();
            (code, cells)
        })
        .collect()
}

#[test]
fn the_scorecard_shows_each_countys_sql_counts_and_sorts_by_its_columns() {
    for db in backends() {
        let (app, bureau) = demo(&db, 150);
        let mut c = db.conn();
        let page = bureau.get("/scorecard");
        assert_eq!(page.status, 200, "{}", page.body);
        let rows = scorecard_rows(&page.body);
        let counties = peiyu::store::refdata::counties(&mut c).unwrap();
        assert_eq!(rows.len(), counties.len());
        let today = peiyu::app::today();
        let recent = today - chrono::Days::new(60);
        for (code, cells) in &rows {
            let code = code.as_str();
            // HTEs, tech-SMEs, reserve firms today (the middle cell of each metric's three).
            assert_eq!(
                cells[1],
                holders(&mut c, "hte", Some(code)).to_string(),
                "{code}"
            );
            assert_eq!(
                cells[4],
                holders(&mut c, "tech_sme", Some(code)).to_string()
            );
            assert_eq!(
                cells[7],
                at_stage(&mut c, "reserve", Some(code)).to_string()
            );
            // Contacted in the last 60 days, of the assigned firms.
            let assigned: i64 = firms::table
                .filter(firms::county_code.eq(code))
                .filter(firms::stage.ne("exited"))
                .filter(firms::advisor_id.is_not_null())
                .count()
                .get_result(&mut c)
                .unwrap();
            let contacted: i64 = firms::table
                .filter(firms::county_code.eq(code))
                .filter(firms::stage.ne("exited"))
                .filter(firms::advisor_id.is_not_null())
                .filter(firms::last_contact_on.ge(recent))
                .count()
                .get_result(&mut c)
                .unwrap();
            assert!(
                cells[9].starts_with(&format!("{contacted} / {assigned} (")),
                "{code}: {}",
                cells[9]
            );
            // Reserve firms meeting the HTE rules without an HTE application.
            use peiyu::store::schema::applications as a;
            // In progress, or recommended and waiting for the national result.
            let applying = a::table
                .filter(a::target.eq("high_tech"))
                .filter(a::status.eq_any([
                    "draft",
                    "submitted",
                    "county_review",
                    "city_review",
                    "returned",
                    "approved",
                ]))
                .select(a::firm_id);
            let ready: i64 = firms::table
                .filter(firms::county_code.eq(code))
                .filter(firms::stage.eq("reserve"))
                .filter(firms::next_eligible.eq(true))
                .filter(firms::id.ne_all(applying))
                .count()
                .get_result(&mut c)
                .unwrap();
            assert_eq!(cells.last().unwrap(), &ready.to_string(), "{code}");
        }
        // Sorted by HTEs today, most first.
        let sorted = scorecard_rows(&bureau.get("/scorecard?sort=high_tech&dir=desc").body);
        let hte: Vec<i64> = sorted.iter().map(|(_, c)| c[1].parse().unwrap()).collect();
        let mut want = hte.clone();
        want.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(hte, want);
        assert!(page.body.contains("<svg"), "a chart");

        // A county officer: their own row; an advisor: none.
        let county = signed_in(&app, "county-411102");
        let own = scorecard_rows(&county.get("/scorecard").body);
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].0, "411102");
        let advisor_name: String = peiyu::store::schema::users::table
            .filter(peiyu::store::schema::users::role.eq("advisor"))
            .select(peiyu::store::schema::users::username)
            .first(&mut c)
            .unwrap();
        assert_eq!(signed_in(&app, &advisor_name).get("/scorecard").status, 403);
    }
}

/// (firm id, why) of the rows of a "should register" table.
fn should_rows(body: &str) -> Vec<(i64, String)> {
    body.split("<tr data-firm=\"")
        .skip(1)
        .map(|s| {
            let id = s[..s.find('"').unwrap()].parse().unwrap();
            let why = s
                .split("data-why=\"")
                .nth(1)
                .map(|w| w[..w.find('"').unwrap()].to_string())
                .unwrap_or_default();
            (id, why)
        })
        .collect()
}

/// What the "should register" list must hold, by SQL: (firm id, why), in `county` and for
/// `advisor` when given.
fn should_by_sql(
    c: &mut peiyu::store::DbConn,
    county: Option<&str>,
    advisor: Option<i64>,
) -> std::collections::BTreeSet<(i64, String)> {
    use peiyu::store::schema::applications as a;
    let today = peiyu::app::today();
    let applying: Vec<i64> = a::table
        .filter(a::target.eq("high_tech"))
        .filter(a::status.eq_any([
            "draft",
            "submitted",
            "county_review",
            "city_review",
            "returned",
            "approved",
        ]))
        .select(a::firm_id)
        .load(c)
        .unwrap();
    let registered: Vec<i64> = credentials::table
        .filter(credentials::kind.eq("tech_sme"))
        .filter(credentials::status.ne("revoked"))
        .filter(credentials::valid_from.le(today))
        .filter(
            credentials::valid_until
                .is_null()
                .or(credentials::valid_until.gt(today)),
        )
        .select(credentials::firm_id)
        .load(c)
        .unwrap();
    type FirmRow = (i64, String, String, Option<i64>, Option<bool>);
    let rows: Vec<FirmRow> = firms::table
        .select((
            firms::id,
            firms::stage,
            firms::county_code,
            firms::advisor_id,
            firms::next_eligible,
        ))
        .load(c)
        .unwrap();
    rows.into_iter()
        .filter(|r| county.is_none_or(|k| r.2 == k) && advisor.is_none_or(|x| r.3 == Some(x)))
        .filter_map(|(id, stage, _, _, eligible)| {
            let eligible = eligible == Some(true);
            let why = match stage.as_str() {
                "prospect" if eligible => "tech_sme",
                "reserve" if eligible && !applying.contains(&id) => "high_tech",
                "reserve" if !registered.contains(&id) => "registration_missing",
                _ => return None,
            };
            Some((id, why.to_string()))
        })
        .collect()
}

#[test]
fn the_should_register_list_holds_exactly_the_firms_sql_finds_and_advisors_see_theirs() {
    for db in backends() {
        let (app, bureau) = demo(&db, 150);
        let mut c = db.conn();
        let page = bureau.get("/should-register");
        assert_eq!(page.status, 200, "{}", page.body);
        let shown: std::collections::BTreeSet<_> = should_rows(&page.body).into_iter().collect();
        let want = should_by_sql(&mut c, None, None);
        assert!(!want.is_empty(), "the demo has firms to list");
        assert_eq!(shown, want, "{}", db.name());
        // Most ready first.
        let readiness: Vec<i32> = should_rows(&page.body)
            .iter()
            .map(|(id, _)| {
                firms::table
                    .find(id)
                    .select(firms::readiness)
                    .first(&mut c)
                    .unwrap()
            })
            .collect();
        assert!(readiness.windows(2).all(|w| w[0] >= w[1]), "{readiness:?}");
        // Filtered by county.
        let county: std::collections::BTreeSet<_> =
            should_rows(&bureau.get("/should-register?county=411102").body)
                .into_iter()
                .collect();
        assert_eq!(county, should_by_sql(&mut c, Some("411102"), None));

        // An advisor finds theirs on the dashboard.
        let (advisor_id, username): (i64, String) = peiyu::store::schema::users::table
            .filter(peiyu::store::schema::users::role.eq("advisor"))
            .order(peiyu::store::schema::users::id.asc())
            .select((
                peiyu::store::schema::users::id,
                peiyu::store::schema::users::username,
            ))
            .first(&mut c)
            .unwrap();
        let home = signed_in(&app, &username).get("/");
        let mine = section(&home.body, "id=\"should-register\"", "</section>");
        let ids: std::collections::BTreeSet<i64> =
            should_rows(mine).into_iter().map(|(id, _)| id).collect();
        let want: std::collections::BTreeSet<i64> = should_by_sql(&mut c, None, Some(advisor_id))
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, want);
    }
}

#[test]
fn the_scorecard_and_the_should_register_list_export_as_their_pages_show_them() {
    for db in backends() {
        let (_app, bureau) = demo(&db, 150);
        let mut c = db.conn();

        // The scorecard as CSV: a row per county, in the page's order, with its numbers.
        let page = bureau.get("/scorecard?sort=high_tech&dir=desc");
        let links = page.body.replace("&#x3D;", "=").replace("&amp;", "&");
        assert!(links.contains("/scorecard/export?format=csv&sort=high_tech&dir=desc"));
        let shown = scorecard_rows(&page.body);
        let (status, _, bytes) =
            bureau.get_bytes("/scorecard/export?format=csv&sort=high_tech&dir=desc");
        assert_eq!(status, 200);
        let (head, rows) = super::export::read_csv(&bytes);
        assert_eq!(head[0], "县区");
        assert_eq!(head[2], "高新技术企业当前");
        assert_eq!(rows.len(), shown.len());
        for (row, (_, cells)) in rows.iter().zip(&shown) {
            // HTE today, tech-SMEs today, reserve today, ready not applied.
            assert_eq!(row[2], cells[1]);
            assert_eq!(row[5], cells[4]);
            assert_eq!(row[8], cells[7]);
            assert_eq!(row.last(), cells.last());
        }

        // The "should register" list as XLSX, filtered by county: its title names the
        // filter, its rows are the page's firms, most ready first.
        let page = bureau.get("/should-register?county=411102");
        let ids: Vec<i64> = should_rows(&page.body).iter().map(|(id, _)| *id).collect();
        let (status, _, bytes) =
            bureau.get_bytes("/should-register/export?format=xlsx&county=411102");
        assert_eq!(status, 200);
        let cells = super::export::read_xlsx(bytes);
        let title = match &cells[0][0] {
            calamine::Data::String(s) => s.clone(),
            other => panic!("{other:?}"),
        };
        assert!(
            title.contains("应评尽评") && title.contains("源汇区"),
            "{title}"
        );
        let usccs: Vec<String> = cells[2..]
            .iter()
            .map(|r| match &r[2] {
                calamine::Data::String(s) => s.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        let want: Vec<String> = ids
            .iter()
            .map(|id| {
                firms::table
                    .find(id)
                    .select(firms::uscc)
                    .first(&mut c)
                    .unwrap()
            })
            .collect();
        assert_eq!(usccs, want);
        assert_eq!(cells[2][0], calamine::Data::Float(1.0), "ranks are numbers");
    }
}
