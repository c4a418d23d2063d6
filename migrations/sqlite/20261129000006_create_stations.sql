-- Warm-up stations. (src_lat, src_lng, datum) is what the import file said; (lat, lng) is the
-- WGS-84 position the bot measures from. A closure set by a coordinator lasts until
-- closed_until (or until reopened when that is NULL).
CREATE TABLE stations (
    code          TEXT    PRIMARY KEY,
    name_zh       TEXT    NOT NULL,
    name_en       TEXT,
    kind          TEXT    NOT NULL CHECK (kind IN ('centre', 'station', 'bar', 'community')),
    address       TEXT    NOT NULL,
    src_lat       REAL    NOT NULL,
    src_lng       REAL    NOT NULL,
    datum         TEXT    NOT NULL CHECK (datum IN ('wgs84', 'gcj02')),
    lat           REAL    NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng           REAL    NOT NULL CHECK (lng BETWEEN -180 AND 180),
    hours         TEXT    NOT NULL,
    services      TEXT    NOT NULL DEFAULT '',
    parking_spots INTEGER NOT NULL DEFAULT 0 CHECK (parking_spots >= 0),
    phone         TEXT,
    closed        INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    closed_until  TEXT,
    closed_reason TEXT,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

-- The running bot reads the rows changed since it last looked.
CREATE INDEX stations_updated_at ON stations (updated_at);

-- Bumped by every change to stations (n) and every deletion (deletes), so a running bot (and its
-- in-memory index) notices an import made by another process.
CREATE TABLE station_revision (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    n       INTEGER NOT NULL,
    deletes INTEGER NOT NULL
);
INSERT INTO station_revision (id, n, deletes) VALUES (1, 0, 0);

CREATE TRIGGER stations_revision_insert AFTER INSERT ON stations
BEGIN UPDATE station_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER stations_revision_update AFTER UPDATE ON stations
BEGIN UPDATE station_revision SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER stations_revision_delete AFTER DELETE ON stations
BEGIN UPDATE station_revision SET n = n + 1, deletes = deletes + 1 WHERE id = 1; END;
