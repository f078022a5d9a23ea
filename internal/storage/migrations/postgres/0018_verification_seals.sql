-- Beside each verification.seal audit entry (storage.SealVerifications), per
-- stream (verifications, query_log, verification_feedback, batch_errors),
-- the id and the first 8 bytes of the digest of every item the seal covers
-- (varint id deltas, each followed by the 8 bytes). Not trusted: the audit
-- entry is what `credit ledger verify` checks; these only name the first
-- changed, deleted or inserted row when a sealed range no longer matches.
-- The newest audit_id is also where the sealer starts looking for the
-- newest seal.
CREATE TABLE verification_seals (
	audit_id BIGINT NOT NULL,
	stream   TEXT NOT NULL,
	digests  BYTEA NOT NULL,
	PRIMARY KEY (audit_id, stream)
);
