-- Yearly targets (issue 15): the count of HTEs, tech-SMEs and reserve firms the city, and each
-- county, means to reach by the end of a year. `county_code` '' is the whole city.
-- Keep in step with ../../postgres/<same folder>.
CREATE TABLE targets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    year        INTEGER NOT NULL,
    county_code TEXT NOT NULL DEFAULT '',
    metric      TEXT NOT NULL CHECK (metric IN ('high_tech', 'tech_sme', 'reserve')),
    value       BIGINT NOT NULL CHECK (value >= 0),
    updated_by  BIGINT,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX targets_one ON targets (year, county_code, metric);
