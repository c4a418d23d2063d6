-- A visit may also be shown by "I'm here" under the answer to a location shared near the
-- station. (SQLite rebuilds the table to change the CHECK; PostgreSQL replaces the constraint.)
ALTER TABLE station_visits DROP CONSTRAINT station_visits_via_check,
    ADD CONSTRAINT station_visits_via_check CHECK (via IN ('poster', 'here'));
CREATE INDEX station_visits_by_day ON station_visits (day);
