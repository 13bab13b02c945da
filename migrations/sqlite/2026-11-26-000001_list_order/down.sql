DROP INDEX firms_readiness;
DROP INDEX firms_stage_readiness;
CREATE INDEX firms_stage_readiness ON firms (stage, readiness);
