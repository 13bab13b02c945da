-- 总收入 (total income = 收入总额 − 不征税收入), the denominator of the HTE high-tech revenue
-- share (32号 §11(6)); and the firm's GB/T 4754-2017 industry code, which the 2022 tech-SME
-- guideline reads for the industries excluded from the R&D super deduction.
ALTER TABLE firm_years ADD COLUMN total_income BIGINT;
ALTER TABLE firms ADD COLUMN industry_code TEXT;
CREATE INDEX firms_industry_code ON firms (industry_code);
