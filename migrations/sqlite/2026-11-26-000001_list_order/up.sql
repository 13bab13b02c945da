-- The firms list's default order (most ready first, then id) straight from an index, so a
-- page of 20 reads 20 index entries instead of sorting every matching firm: per stage (the
-- list filtered by stage) and across all stages (the unfiltered list).
DROP INDEX firms_stage_readiness;
CREATE INDEX firms_stage_readiness ON firms (stage, readiness DESC, id);
CREATE INDEX firms_readiness ON firms (readiness DESC, id);
