DELETE FROM settings WHERE key = 'derived.rescore_pending';
DROP INDEX firms_stage_readiness_margin;
ALTER TABLE firms DROP COLUMN readiness_margin;
