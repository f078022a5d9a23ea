-- credit:no-transaction
-- The current records of a deciding department, for listings filtered by
-- department or by the region of the deciding department: without it such a
-- listing read every record newest first looking for the few that match.
-- Built without blocking writes to records; the drop first makes a rerun
-- after a failed build (which leaves an invalid index) start over.
DROP INDEX CONCURRENTLY IF EXISTS records_department;
CREATE INDEX CONCURRENTLY records_department ON records(department_id, class) WHERE is_current;
