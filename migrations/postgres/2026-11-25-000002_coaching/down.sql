DROP TABLE firm_issues;
DROP INDEX firms_advisor_next_contact;
ALTER TABLE firms DROP COLUMN last_contact_on;
ALTER TABLE firms DROP COLUMN next_contact_on;
DROP TABLE followups;
DROP TABLE assignments;
