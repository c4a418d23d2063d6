-- Departments and service plans are listed in the order of the file they were imported from:
-- an explicit position (categories have had one from the start) instead of SQLite's rowid,
-- which PostgreSQL lacks. Rows imported before keep the order they had.
ALTER TABLE departments ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE departments SET position = rowid;
ALTER TABLE service_plans ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE service_plans SET position = rowid;

-- A report's card rows are found by the report as an integer, the one form of the comparison
-- both engines evaluate alike (PostgreSQL's json_extract gives text).
DROP INDEX outbox_card;
CREATE INDEX outbox_card ON outbox (CAST(json_extract(payload, '$.report') AS BIGINT))
    WHERE kind = 'reports.card';
