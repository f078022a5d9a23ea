-- How a stored chunk of a batch's raw bytes was encoded before it was
-- sealed: 'raw' as received, 'zstd' compressed (RFC 8878); both sealed with
-- the batch, place and encoding as associated data. '' marks the chunks
-- stored before this migration (as received, sealed without it). Sealed
-- bytes cannot be compressed by the database, and raw files are kept for
-- ever.
ALTER TABLE batch_chunks ADD COLUMN encoding TEXT NOT NULL DEFAULT '';
