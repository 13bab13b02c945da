-- DESIGN §4, SQLite dialect. Keep in step with ../../postgres/<same folder>/up.sql:
-- same tables, same columns, same nullability (a test compares them).

CREATE TABLE counties (
    code    TEXT NOT NULL PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('district', 'county', 'zone', 'functional'))
);

CREATE TABLE sectors (
    code    TEXT NOT NULL PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

-- users.firm_id refers forward to firms: SQLite resolves foreign keys when rows change.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    email         TEXT,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'bureau', 'county', 'advisor', 'firm')),
    county_code   TEXT REFERENCES counties (code),
    firm_id       BIGINT REFERENCES firms (id) ON DELETE SET NULL,
    password_hash TEXT NOT NULL,
    lang          TEXT NOT NULL DEFAULT 'zh-CN',
    active        BOOLEAN NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE firms (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    uscc          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    county_code   TEXT NOT NULL REFERENCES counties (code),
    sector_code   TEXT REFERENCES sectors (code),
    founded_on    DATE,
    stage         TEXT NOT NULL DEFAULT 'prospect'
                  CHECK (stage IN ('prospect', 'tech_sme', 'reserve', 'high_tech', 'leader', 'exited')),
    version       BIGINT NOT NULL DEFAULT 1,
    advisor_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    contact_name  TEXT,
    contact_phone TEXT,
    contact_email TEXT,
    employees     INTEGER CHECK (employees >= 0),
    tech_staff    INTEGER CHECK (tech_staff >= 0),
    facts         TEXT NOT NULL DEFAULT '{}',
    next_stage    TEXT,
    next_ruleset  TEXT,
    next_eligible BOOLEAN,
    readiness     INTEGER NOT NULL DEFAULT 0 CHECK (readiness BETWEEN 0 AND 100),
    evaluated_at  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX firms_stage_readiness ON firms (stage, readiness);
CREATE INDEX firms_county ON firms (county_code);
CREATE INDEX firms_advisor ON firms (advisor_id);
CREATE INDEX firms_sector ON firms (sector_code);

-- Amounts in fen (分).
CREATE TABLE firm_years (
    firm_id             BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    year                INTEGER NOT NULL,
    revenue             BIGINT,
    rd_expense          BIGINT,
    rd_expense_domestic BIGINT,
    high_tech_revenue   BIGINT,
    total_cost          BIGINT,
    total_assets        BIGINT,
    net_assets          BIGINT,
    conversions         INTEGER CHECK (conversions >= 0),
    PRIMARY KEY (firm_id, year)
);

CREATE TABLE firm_ip (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    firm_id     BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('invention_patent', 'plant_variety', 'crop_variety',
                    'new_drug', 'tcm_protected', 'ic_layout', 'utility_model', 'design',
                    'software_copyright')),
    number      TEXT NOT NULL,
    title       TEXT NOT NULL,
    granted_on  DATE,
    acquisition TEXT NOT NULL CHECK (acquisition IN ('own', 'transferred')),
    used_in_hte BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (firm_id, kind, number)
);

CREATE TABLE credentials (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    firm_id     BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('tech_sme', 'hte', 'leader', 'gazelle', 'little_giant')),
    number      TEXT,
    issued_on   DATE,
    valid_from  DATE NOT NULL,
    valid_until DATE,
    status      TEXT NOT NULL CHECK (status IN ('active', 'expired', 'revoked', 'lapsed', 'superseded')),
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX credentials_firm_kind_status ON credentials (firm_id, kind, status);

CREATE TABLE stage_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    firm_id     BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    from_stage  TEXT NOT NULL,
    to_stage    TEXT NOT NULL,
    event       TEXT NOT NULL,
    data        TEXT NOT NULL,
    ruleset     TEXT,
    evaluation  TEXT,
    actor_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor_role  TEXT NOT NULL,
    reason      TEXT,
    as_of       DATE NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    UNIQUE (firm_id, seq)
);

CREATE TABLE settings (
    key        TEXT NOT NULL PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- No foreign key on actor_id: the audit trail outlives the users it names.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id   BIGINT,
    actor_role TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  BIGINT,
    detail     TEXT NOT NULL DEFAULT '{}',
    at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
