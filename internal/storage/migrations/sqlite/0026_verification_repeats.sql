-- The queries of a verification that named a subject already asked earlier in
-- the same request (answered alike, counted once): the statistics count
-- total - repeats subjects, so that a repeat does not lower the hit rate.
ALTER TABLE verifications ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
