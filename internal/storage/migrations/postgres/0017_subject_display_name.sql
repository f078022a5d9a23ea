-- A subject's name as the department wrote it (full-width brackets and
-- punctuation kept: 长春某某（集团）有限公司), when it differs from name, the
-- normalised form every lookup and search matches on. '' = the same as name
-- (every subject created before this migration).
ALTER TABLE subjects ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
