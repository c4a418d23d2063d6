-- Warm-up stations. (src_lat, src_lng, datum) is what the import file said; (lat, lng) is the
-- WGS-84 position the bot measures from. A closure set by a coordinator lasts until
-- closed_until (or until reopened when that is NULL).
CREATE TABLE stations (
    code          TEXT COLLATE "C" PRIMARY KEY,
    name_zh       TEXT COLLATE "C" NOT NULL,
    name_en       TEXT COLLATE "C",
    kind          TEXT COLLATE "C" NOT NULL CHECK (kind IN ('centre', 'station', 'bar', 'community')),
    address       TEXT COLLATE "C" NOT NULL,
    src_lat       DOUBLE PRECISION NOT NULL,
    src_lng       DOUBLE PRECISION NOT NULL,
    datum         TEXT COLLATE "C" NOT NULL CHECK (datum IN ('wgs84', 'gcj02')),
    lat           DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng           DOUBLE PRECISION NOT NULL CHECK (lng BETWEEN -180 AND 180),
    hours         TEXT COLLATE "C" NOT NULL,
    services      TEXT COLLATE "C" NOT NULL DEFAULT '',
    parking_spots BIGINT  NOT NULL DEFAULT 0 CHECK (parking_spots >= 0),
    phone         TEXT COLLATE "C",
    closed        BIGINT  NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    closed_until  TEXT COLLATE "C",
    closed_reason TEXT COLLATE "C",
    created_at    TEXT COLLATE "C" NOT NULL,
    updated_at    TEXT COLLATE "C" NOT NULL
);

-- The running bot reads the rows changed since it last looked.
CREATE INDEX stations_updated_at ON stations (updated_at);

-- Bumped by every change to stations (n) and every deletion (deletes), so a running bot (and its
-- in-memory index) notices an import made by another process.
CREATE TABLE station_revision (
    id      BIGINT  PRIMARY KEY CHECK (id = 1),
    n       BIGINT  NOT NULL,
    deletes BIGINT  NOT NULL
);
INSERT INTO station_revision (id, n, deletes) VALUES (1, 0, 0);

-- One bump per row changed, as SQLite's FOR EACH ROW triggers do.
CREATE FUNCTION stations_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        UPDATE station_revision SET n = n + 1, deletes = deletes + 1 WHERE id = 1;
    ELSE
        UPDATE station_revision SET n = n + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stations_revision_insert AFTER INSERT ON stations
FOR EACH ROW EXECUTE FUNCTION stations_revision();
CREATE TRIGGER stations_revision_update AFTER UPDATE ON stations
FOR EACH ROW EXECUTE FUNCTION stations_revision();
CREATE TRIGGER stations_revision_delete AFTER DELETE ON stations
FOR EACH ROW EXECUTE FUNCTION stations_revision();
-- SQLite has no TRUNCATE; here it skips row triggers, so it counts as a deletion too.
CREATE TRIGGER stations_revision_truncate AFTER TRUNCATE ON stations
FOR EACH STATEMENT EXECUTE FUNCTION stations_revision();
