-- Per-key request rate limits of the JSON API: rate_limit requests per
-- second on average, bursts of up to rate_burst. rate_limit = 0 means the
-- key is not limited. Existing keys get the default (access.DefaultKeyLimit).
ALTER TABLE api_keys ADD COLUMN rate_limit REAL NOT NULL DEFAULT 100 CHECK (rate_limit >= 0);
ALTER TABLE api_keys ADD COLUMN rate_burst INTEGER NOT NULL DEFAULT 200 CHECK (rate_burst >= 0);
