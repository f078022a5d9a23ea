-- The current records of a deciding department, for listings filtered by
-- department or by the region of the deciding department: without it such a
-- listing read every record newest first looking for the few that match.
CREATE INDEX records_department ON records(department_id, class) WHERE is_current;
