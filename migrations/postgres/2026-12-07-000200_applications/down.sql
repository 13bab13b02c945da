DROP TABLE application_steps;
DROP TABLE applications;
