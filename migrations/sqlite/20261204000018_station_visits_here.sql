-- A visit may also be shown by "I'm here" under the answer to a location shared near the
-- station. SQLite cannot change a CHECK: the table is rebuilt with its rows and indexes.
CREATE TABLE station_visits_new (
    station   TEXT    NOT NULL,
    rider_id  INTEGER NOT NULL,
    day       TEXT    NOT NULL,          -- the district's date, YYYY-MM-DD
    at        TEXT    NOT NULL,
    via       TEXT    NOT NULL CHECK (via IN ('poster', 'here')),
    PRIMARY KEY (station, rider_id, day)
);
INSERT INTO station_visits_new (station, rider_id, day, at, via)
    SELECT station, rider_id, day, at, via FROM station_visits;
DROP TABLE station_visits;
ALTER TABLE station_visits_new RENAME TO station_visits;
CREATE INDEX station_visits_day ON station_visits (station, day);
CREATE INDEX station_visits_rider ON station_visits (rider_id);
CREATE INDEX station_visits_by_day ON station_visits (day);
