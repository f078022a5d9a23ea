-- Years of the working-day calendar loaded by province administrators
-- (credit calendar load): the 放假安排 the State Council General Office
-- publishes each autumn, for years past the table embedded in the program
-- (internal/workday/data/holidays.csv) or instead of one of its years. A
-- year is corrected by loading it again: earlier loads are kept, and the
-- load with the highest version of a year is the one in force.
CREATE TABLE calendar_entries (
	year     INTEGER NOT NULL,
	version  INTEGER NOT NULL,
	day      TEXT NOT NULL,
	kind     TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
	name     TEXT NOT NULL,
	added_by TEXT NOT NULL,
	added_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (year, version, day)
);
