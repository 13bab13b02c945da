DROP INDEX firms_industry_code;
ALTER TABLE firms DROP COLUMN industry_code;
ALTER TABLE firm_years DROP COLUMN total_income;
