-- Department kinds are one vocabulary (access.DepartmentKinds), the one the
-- measures catalog uses; the demo province named two of them differently.
UPDATE departments SET kind = 'natural_resources' WHERE kind = 'resources';
UPDATE departments SET kind = 'human_resources' WHERE kind = 'hrss';
