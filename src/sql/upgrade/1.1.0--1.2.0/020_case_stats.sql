-- case_stats: distributable by county (its key); case_id stays indexed.
DROP INDEX gridgov.case_stats_case;
CREATE INDEX case_stats_case ON gridgov.case_stats (case_id);
