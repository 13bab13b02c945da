-- firms_advisor (advisor_id) is the leading column of firms_advisor_next_contact
-- (advisor_id, next_contact_on): every look-up by advisor uses the longer index as well, and
-- each firm written kept both up to date.
DROP INDEX firms_advisor;
