-- The tech-SME valid-HTE direct route follows from a recorded HTE certificate, never from the
-- flag `direct_routes.valid_hte` in `firms.facts` (which a firm user could set). The flag is
-- removed everywhere; where it said true, the firm's active HTE credential (if any) now
-- carries the route, and without one the route no longer holds. How many firms changed is
-- kept in the settings row `migration.valid_hte_flag`, which `peiyu migrate` prints.
INSERT INTO settings (key, value, updated_at)
SELECT 'migration.valid_hte_flag',
       json_object(
         'firms_changed', COUNT(*),
         'with_certificate', COALESCE(SUM(EXISTS (
             SELECT 1 FROM credentials c
             WHERE c.firm_id = firms.id AND c.kind = 'hte' AND c.status = 'active')), 0),
         'without_certificate', COALESCE(SUM(NOT EXISTS (
             SELECT 1 FROM credentials c
             WHERE c.firm_id = firms.id AND c.kind = 'hte' AND c.status = 'active')), 0)),
       CURRENT_TIMESTAMP
FROM firms
WHERE json_extract(facts, '$.direct_routes.valid_hte') = 1;
UPDATE firms SET facts = json_remove(facts, '$.direct_routes.valid_hte')
WHERE json_type(facts, '$.direct_routes.valid_hte') IS NOT NULL;
