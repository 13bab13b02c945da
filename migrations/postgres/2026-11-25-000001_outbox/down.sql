DROP TABLE mail_prefs;
DROP TABLE outbox;
