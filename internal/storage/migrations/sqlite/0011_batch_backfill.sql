-- 历史数据补录: a batch of records decided before the department reported
-- to the platform (the initial load of a department's history). Its rows
-- are not flagged late, and the timeliness rate leaves them out.
ALTER TABLE batches ADD COLUMN backfill BOOLEAN NOT NULL DEFAULT FALSE;
