-- credit:no-transaction
-- The batch history (the dashboard's latest eight, 报送批次, GET
-- /api/v1/batches) is newest first over every batch of the province: an
-- index in that order, instead of sorting them all for a page. Uploads
-- still receiving are swept every minute by their lease (batch.go
-- RemoveAbandonedUploads): a partial index holds the few of them.
DROP INDEX CONCURRENTLY IF EXISTS batches_created;
CREATE INDEX CONCURRENTLY batches_created ON batches(created_at, id);
DROP INDEX CONCURRENTLY IF EXISTS batches_receiving;
CREATE INDEX CONCURRENTLY batches_receiving ON batches(lease_until) WHERE status = 'receiving';
