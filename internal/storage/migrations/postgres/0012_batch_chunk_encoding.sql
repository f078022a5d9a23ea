-- How a stored chunk of a batch's raw bytes was encoded before it was
-- sealed: '' as received, 'zstd' compressed (RFC 8878). Sealed bytes cannot
-- be compressed by the database, and raw files are kept for ever.
ALTER TABLE batch_chunks ADD COLUMN encoding TEXT NOT NULL DEFAULT '';
