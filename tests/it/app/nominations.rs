//! Reserve-pool nominations on the demo city, both backends: a county officer's batch is all or
//! nothing; the bureau's decisions are each on their own.

use crate::common::backends;
use diesel::prelude::*;
use peiyu::app::applications::nominations::{decide, nominate, Decision};
use peiyu::app::seed_demo::seed_demo;
use peiyu::app::{today, AppError, Principal};
use peiyu::store::schema::{firms as firms_t, nominations as nominations_t};
use peiyu::store::{events, firms, users, DbConn};

fn principal(conn: &mut DbConn, username: &str) -> Principal {
    let u = users::find_by_username(conn, username).unwrap().unwrap();
    peiyu::app::access::principal_of(&u).unwrap()
}

fn tech_smes(conn: &mut DbConn, county: &str, eligible: bool, n: i64) -> Vec<i64> {
    firms_t::table
        .filter(firms_t::stage.eq("tech_sme"))
        .filter(firms_t::county_code.eq(county))
        .filter(firms_t::next_eligible.eq(eligible))
        .order(firms_t::id.asc())
        .limit(n)
        .select(firms_t::id)
        .load(conn)
        .unwrap()
}

fn count(conn: &mut DbConn) -> i64 {
    nominations_t::table.count().get_result(conn).unwrap()
}

#[test]
fn a_county_nominates_at_once_and_the_bureau_decides_each_on_its_own() {
    for db in backends() {
        let mut c = db.conn();
        seed_demo(&mut c, 20_261_207, 200, today()).unwrap();
        // The county with the most ready tech-SMEs.
        let county: String = firms_t::table
            .filter(firms_t::stage.eq("tech_sme"))
            .filter(firms_t::next_eligible.eq(true))
            .group_by(firms_t::county_code)
            .order(diesel::dsl::count_star().desc())
            .select(firms_t::county_code)
            .first(&mut c)
            .unwrap();
        let officer = principal(&mut c, &format!("county-{}", county.to_lowercase()));
        let bureau = principal(&mut c, "bureau");
        let ready = tech_smes(&mut c, &county, true, 2);
        let not_ready = tech_smes(&mut c, &county, false, 1);
        assert_eq!((ready.len(), not_ready.len()), (2, 1), "{}", db.name());
        let elsewhere: i64 = firms_t::table
            .filter(firms_t::stage.eq("tech_sme"))
            .filter(firms_t::county_code.ne(&county))
            .select(firms_t::id)
            .first(&mut c)
            .unwrap();

        // One firm of another county spoils the batch: nothing is written, and it is named.
        let mut items: Vec<(i64, String)> = ready
            .iter()
            .chain(&not_ready)
            .map(|id| (*id, format!("推荐 {id}")))
            .collect();
        items.push((elsewhere, String::new()));
        let refused = nominate(&mut c, &officer, &items).unwrap().unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].firm_id, elsewhere);
        assert_eq!(count(&mut c), 0);
        // Only county officers nominate; an empty batch is bad input.
        assert!(matches!(
            nominate(&mut c, &bureau, &items),
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            nominate(&mut c, &officer, &[]),
            Err(AppError::BadInput(_))
        ));

        items.pop();
        let ids = nominate(&mut c, &officer, &items).unwrap().unwrap();
        assert_eq!(ids.len(), 3);
        // A firm waits once.
        let again = nominate(&mut c, &officer, &items[..1])
            .unwrap()
            .unwrap_err();
        assert_eq!(again[0].firm_id, items[0].0);

        // The bureau admits all three and declines nothing: the firm that does not meet the
        // rules fails with the machine's reasons and keeps waiting; the others are admitted.
        let decisions: Vec<(i64, Decision, String)> = ids
            .iter()
            .map(|id| (*id, Decision::Confirm, String::new()))
            .collect();
        assert!(matches!(
            decide(&mut c, &officer, &decisions, today()),
            Err(AppError::Forbidden)
        ));
        let results = decide(&mut c, &bureau, &decisions, today()).unwrap();
        let ok: Vec<bool> = results.iter().map(|(_, r)| r.is_ok()).collect();
        assert_eq!(ok, [true, true, false], "{}: {results:?}", db.name());
        for id in &ready {
            assert_eq!(firms::find_by_id(&mut c, *id).unwrap().stage, "reserve");
            assert_eq!(
                events::list_for_firm(&mut c, *id)
                    .unwrap()
                    .last()
                    .unwrap()
                    .event,
                "admit_to_reserve"
            );
        }
        assert_eq!(
            firms::find_by_id(&mut c, not_ready[0]).unwrap().stage,
            "tech_sme"
        );
        // Deciding a decided one again is refused; declining needs a note.
        let twice = decide(&mut c, &bureau, &decisions[..1], today()).unwrap();
        assert!(twice[0].1.is_err());
        let bare = decide(
            &mut c,
            &bureau,
            &[(ids[2], Decision::Decline, " ".into())],
            today(),
        )
        .unwrap();
        assert!(matches!(bare[0].1, Err(AppError::BadInput(_))));
        let declined = decide(
            &mut c,
            &bureau,
            &[(ids[2], Decision::Decline, "研发投入不足".into())],
            today(),
        )
        .unwrap();
        assert!(declined[0].1.is_ok());
        let statuses: Vec<String> = nominations_t::table
            .order(nominations_t::id.asc())
            .select(nominations_t::status)
            .load(&mut c)
            .unwrap();
        assert_eq!(statuses, ["confirmed", "confirmed", "declined"]);
    }
}
