-- A rider's visit to a station (scanning its poster's QR code): one per rider, station and
-- district day, the figure coordinators count ("2,000+ rider visits served").
CREATE TABLE station_visits (
    station   TEXT COLLATE "C" NOT NULL,
    rider_id  BIGINT  NOT NULL,
    day       TEXT COLLATE "C" NOT NULL,          -- the district's date, YYYY-MM-DD
    at        TEXT COLLATE "C" NOT NULL,
    via       TEXT COLLATE "C" NOT NULL CONSTRAINT station_visits_via_check CHECK (via IN ('poster')),
    PRIMARY KEY (station, rider_id, day)
);
CREATE INDEX station_visits_day ON station_visits (station, day);
CREATE INDEX station_visits_rider ON station_visits (rider_id);
