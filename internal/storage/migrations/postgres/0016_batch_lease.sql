-- credit:no-transaction
-- Who is processing a stored batch, and until when that claim holds
-- (renewed with every chunk written). A batch whose processing stopped
-- (the process was stopped or died, the client went away) is left stored
-- or processing with its lease released or expiring; the server resumes
-- it from processed_rows once no lease holds it (ResumeBatches).
ALTER TABLE batches ADD COLUMN IF NOT EXISTS lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN IF NOT EXISTS lease_until TIMESTAMPTZ;
DROP INDEX CONCURRENTLY IF EXISTS batches_open;
CREATE INDEX CONCURRENTLY batches_open ON batches(created_at) WHERE status IN ('stored', 'processing');
