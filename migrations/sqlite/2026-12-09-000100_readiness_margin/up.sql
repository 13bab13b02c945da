-- The reserve pool's order (issue 15): readiness, then the score margin (points of the
-- conservative score over the pass mark of the next stage's rule set), then id. A derived
-- column written with readiness, so the order comes from an index across a whole province
-- and a tie is never cut arbitrarily at a list's limit.
ALTER TABLE firms ADD COLUMN readiness_margin INTEGER NOT NULL DEFAULT 0;
CREATE INDEX firms_stage_readiness_margin ON firms (stage, readiness DESC, readiness_margin DESC, id);
-- Existing firms get their margin from the next re-score (`peiyu migrate`, or the daily tick
-- of `peiyu serve`), which this row asks for; a database without firms needs none.
INSERT INTO settings (key, value)
SELECT 'derived.rescore_pending', 'true'
WHERE EXISTS (SELECT 1 FROM firms);
