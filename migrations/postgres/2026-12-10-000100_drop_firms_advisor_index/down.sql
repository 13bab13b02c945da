CREATE INDEX firms_advisor ON firms (advisor_id);
