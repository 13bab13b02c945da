//! The tables of DESIGN §4 in types both backends share: `BigInt` (ids, money in fen),
//! `Integer`, `Text` (enums as stable ids, JSON), `Bool`, `Date`, `Timestamp` (UTC).
//!
//! Written by hand, not by `diesel print_schema`: the two dialects' migrations must agree with
//! this one file, and a test checks that they produce the same tables and columns.

#![allow(missing_docs)]

diesel::table! {
    /// Districts, counties and zones of the city.
    counties (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        kind -> Text,
    }
}

diesel::table! {
    /// Industry sectors.
    sectors (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    /// People who sign in.
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        role -> Text,
        county_code -> Nullable<Text>,
        firm_id -> Nullable<BigInt>,
        password_hash -> Text,
        lang -> Text,
        active -> Bool,
        created_at -> Timestamp,
        session_epoch -> Integer,
        must_change_password -> Bool,
    }
}

diesel::table! {
    /// Firms under cultivation, with their stage and the derived next-stage columns.
    firms (id) {
        id -> BigInt,
        uscc -> Text,
        name -> Text,
        county_code -> Text,
        sector_code -> Nullable<Text>,
        founded_on -> Nullable<Date>,
        stage -> Text,
        version -> BigInt,
        advisor_id -> Nullable<BigInt>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        employees -> Nullable<Integer>,
        tech_staff -> Nullable<Integer>,
        facts -> Text,
        next_stage -> Nullable<Text>,
        next_ruleset -> Nullable<Text>,
        next_eligible -> Nullable<Bool>,
        readiness -> Integer,
        evaluated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        next_contact_on -> Nullable<Date>,
        last_contact_on -> Nullable<Date>,
        industry_code -> Nullable<Text>,
        readiness_margin -> Integer,
    }
}

diesel::table! {
    /// One row per firm and fiscal year of figures; amounts in fen.
    firm_years (firm_id, year) {
        firm_id -> BigInt,
        year -> Integer,
        revenue -> Nullable<BigInt>,
        rd_expense -> Nullable<BigInt>,
        rd_expense_domestic -> Nullable<BigInt>,
        high_tech_revenue -> Nullable<BigInt>,
        total_cost -> Nullable<BigInt>,
        total_assets -> Nullable<BigInt>,
        net_assets -> Nullable<BigInt>,
        conversions -> Nullable<Integer>,
        total_income -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Intellectual property items.
    firm_ip (id) {
        id -> BigInt,
        firm_id -> BigInt,
        kind -> Text,
        number -> Text,
        title -> Text,
        granted_on -> Nullable<Date>,
        acquisition -> Text,
        used_in_hte -> Bool,
    }
}

diesel::table! {
    /// Credentials recorded beside the stage, with their validity.
    credentials (id) {
        id -> BigInt,
        firm_id -> BigInt,
        kind -> Text,
        number -> Nullable<Text>,
        issued_on -> Nullable<Date>,
        valid_from -> Date,
        valid_until -> Nullable<Date>,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Every accepted stage event, numbered per firm.
    stage_events (id) {
        id -> BigInt,
        firm_id -> BigInt,
        seq -> Integer,
        from_stage -> Text,
        to_stage -> Text,
        event -> Text,
        data -> Text,
        ruleset -> Nullable<Text>,
        evaluation -> Nullable<Text>,
        actor_id -> Nullable<BigInt>,
        actor_role -> Text,
        reason -> Nullable<Text>,
        as_of -> Date,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    /// Key → JSON value.
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Who did what to which entity.
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor_role -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<BigInt>,
        detail -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    /// Sign-in attempts, for throttling.
    login_attempts (id) {
        id -> BigInt,
        username -> Text,
        address -> Text,
        succeeded -> Bool,
        at -> Timestamp,
    }
}

diesel::joinable!(firms -> counties (county_code));
diesel::joinable!(firms -> sectors (sector_code));
diesel::joinable!(firm_years -> firms (firm_id));
diesel::joinable!(firm_ip -> firms (firm_id));
diesel::joinable!(credentials -> firms (firm_id));
diesel::joinable!(stage_events -> firms (firm_id));

diesel::allow_tables_to_appear_in_same_query!(
    counties,
    sectors,
    users,
    firms,
    firm_years,
    firm_ip,
    credentials,
    stage_events,
    settings,
    audit_log,
    login_attempts,
);

// Coaching (issue 5): assignments, follow-ups and the issue ledger.

diesel::table! {
    /// Advisor ↔ firm pairings with start and end; the open row is the current advisor.
    assignments (id) {
        id -> BigInt,
        firm_id -> BigInt,
        advisor_id -> BigInt,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        assigned_by -> Nullable<BigInt>,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Visits, calls, online meetings and trainings; corrections point at the original.
    followups (id) {
        id -> BigInt,
        firm_id -> BigInt,
        advisor_id -> Nullable<BigInt>,
        happened_on -> Date,
        kind -> Text,
        attendees -> Text,
        summary -> Text,
        next_action -> Text,
        due_on -> Nullable<Date>,
        created_by -> BigInt,
        created_at -> Timestamp,
        corrects_id -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// 诉求台账: a firm's difficulties with owner, status and resolution.
    firm_issues (id) {
        id -> BigInt,
        firm_id -> BigInt,
        category -> Text,
        title -> Text,
        detail -> Text,
        owner_id -> Nullable<BigInt>,
        status -> Text,
        resolution -> Nullable<Text>,
        raised_by -> Nullable<BigInt>,
        raised_on -> Date,
        closed_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(assignments -> firms (firm_id));
diesel::joinable!(followups -> firms (firm_id));
diesel::joinable!(firm_issues -> firms (firm_id));

diesel::allow_tables_to_appear_in_same_query!(assignments, followups, firm_issues);
diesel::allow_tables_to_appear_in_same_query!(assignments, firms);
diesel::allow_tables_to_appear_in_same_query!(assignments, users);
diesel::allow_tables_to_appear_in_same_query!(assignments, counties);
diesel::allow_tables_to_appear_in_same_query!(assignments, sectors);
diesel::allow_tables_to_appear_in_same_query!(followups, firms);
diesel::allow_tables_to_appear_in_same_query!(followups, users);
diesel::allow_tables_to_appear_in_same_query!(followups, counties);
diesel::allow_tables_to_appear_in_same_query!(followups, sectors);
diesel::allow_tables_to_appear_in_same_query!(firm_issues, firms);
diesel::allow_tables_to_appear_in_same_query!(firm_issues, users);
diesel::allow_tables_to_appear_in_same_query!(firm_issues, counties);
diesel::allow_tables_to_appear_in_same_query!(firm_issues, sectors);

diesel::table! {
    /// The transactional outbox of emails; see the migration for the statuses.
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        to_user -> BigInt,
        to_address -> Text,
        lang -> Text,
        dedup_key -> Text,
        template -> Text,
        params -> Text,
        link -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Each user's choice per kind of mail: immediate, digest or off.
    mail_prefs (user_id, kind) {
        user_id -> BigInt,
        kind -> Text,
        mode -> Text,
    }
}

diesel::joinable!(outbox -> users (to_user));
diesel::joinable!(mail_prefs -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(outbox, mail_prefs, users);

diesel::table! {
    /// Who set each record flag and direct route of a firm, and when (one row per firm and fact).
    firm_fact_marks (firm_id, fact) {
        firm_id -> BigInt,
        fact -> Text,
        value -> Nullable<Bool>,
        set_by -> Nullable<BigInt>,
        set_role -> Text,
        set_at -> Timestamp,
    }
}

diesel::joinable!(firm_fact_marks -> firms (firm_id));

diesel::table! {
    /// A firm's application to climb (issue 14), with its frozen submission.
    applications (id) {
        id -> BigInt,
        firm_id -> BigInt,
        target -> Text,
        status -> Text,
        on_behalf -> Bool,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        status_at -> Timestamp,
        due_on -> Nullable<Date>,
        submitted_at -> Nullable<Timestamp>,
        ruleset -> Nullable<Text>,
        frozen_profile -> Nullable<Text>,
        frozen_evaluation -> Nullable<Text>,
        outcome -> Nullable<Text>,
        stage_event_id -> Nullable<BigInt>,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Every step of an application: who, when, what, the comment and the evaluation then.
    application_steps (id) {
        id -> BigInt,
        application_id -> BigInt,
        action -> Text,
        from_status -> Text,
        to_status -> Text,
        actor_id -> Nullable<BigInt>,
        actor_role -> Text,
        comment -> Text,
        evaluation -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    /// An evidence document of an application (issue 14); its bytes are in the storage.
    documents (id) {
        id -> BigInt,
        application_id -> BigInt,
        firm_id -> BigInt,
        kind -> Text,
        file_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        uploaded_by -> Nullable<BigInt>,
        uploaded_at -> Timestamp,
    }
}

diesel::joinable!(applications -> firms (firm_id));
diesel::joinable!(documents -> applications (application_id));
diesel::allow_tables_to_appear_in_same_query!(documents, applications);
diesel::joinable!(application_steps -> applications (application_id));
diesel::allow_tables_to_appear_in_same_query!(applications, firms, application_steps);
diesel::allow_tables_to_appear_in_same_query!(applications, counties);

diesel::table! {
    /// Reserve-pool nominations by county officers, confirmed or declined by the bureau.
    nominations (id) {
        id -> BigInt,
        firm_id -> BigInt,
        county_code -> Text,
        note -> Text,
        status -> Text,
        nominated_by -> Nullable<BigInt>,
        nominated_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Text,
        stage_event_id -> Nullable<BigInt>,
    }
}

diesel::joinable!(nominations -> firms (firm_id));
diesel::allow_tables_to_appear_in_same_query!(nominations, firms);

diesel::table! {
    /// Yearly targets of the city (`county_code` '') and of each county.
    targets (id) {
        id -> BigInt,
        year -> Integer,
        county_code -> Text,
        metric -> Text,
        value -> BigInt,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Registry imports as stored runs: the file, the mode, the progress, the report.
    import_runs (id) {
        id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        county_code -> Nullable<Text>,
        file_name -> Text,
        size -> BigInt,
        file -> Nullable<Binary>,
        dry_run -> Bool,
        skip_bad_rows -> Bool,
        source_run_id -> Nullable<BigInt>,
        status -> Text,
        phase -> Nullable<Text>,
        done -> BigInt,
        total -> BigInt,
        report -> Nullable<Text>,
        failure -> Nullable<Text>,
        holder -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        heartbeat_at -> Timestamp,
    }
}
