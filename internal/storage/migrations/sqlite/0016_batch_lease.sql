-- Who is processing a stored batch, and until when that claim holds
-- (renewed with every chunk written). A batch whose processing stopped
-- (the process was stopped or died, the client went away) is left stored
-- or processing with its lease released or expiring; the server resumes
-- it from processed_rows once no lease holds it (ResumeBatches).
ALTER TABLE batches ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN lease_until TIMESTAMP;
CREATE INDEX batches_open ON batches(created_at) WHERE status IN ('stored', 'processing');
