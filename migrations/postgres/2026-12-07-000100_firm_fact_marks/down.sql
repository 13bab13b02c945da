DROP TABLE firm_fact_marks;
