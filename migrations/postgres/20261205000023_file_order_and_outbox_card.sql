-- Departments and service plans are listed in the order of the file they were imported from:
-- an explicit position (categories have had one from the start) instead of SQLite's rowid,
-- which PostgreSQL lacks.
ALTER TABLE departments ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
ALTER TABLE service_plans ADD COLUMN position BIGINT NOT NULL DEFAULT 0;

-- A report's card rows are found by the report as an integer, the one form of the comparison
-- both engines evaluate alike (json_extract gives text here).
DROP INDEX outbox_card;
CREATE INDEX outbox_card ON outbox (CAST(json_extract(payload, '$.report') AS BIGINT))
    WHERE kind = 'reports.card';
