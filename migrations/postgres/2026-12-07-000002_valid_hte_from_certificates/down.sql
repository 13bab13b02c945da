-- The removed flags cannot be restored; only the count is dropped.
DELETE FROM settings WHERE key = 'migration.valid_hte_flag';
