-- Free services (为民服务日): a plan says what is offered where and when (once, or every given
-- weekday); sessions are its dated occurrences, made for the next two weeks; riders sign up,
-- wait in line, are reminded and check in.

CREATE TABLE service_plans (
    code       TEXT COLLATE "C" PRIMARY KEY,
    kind       TEXT COLLATE "C" NOT NULL,
    title_zh   TEXT COLLATE "C" NOT NULL,
    title_en   TEXT COLLATE "C",
    station    TEXT COLLATE "C" NOT NULL REFERENCES stations (code),
    schedule   TEXT COLLATE "C" NOT NULL,          -- a date (2026-12-05) or weekdays (Sa, Mo;We)
    start_time TEXT COLLATE "C" NOT NULL,          -- HH:MM in the district's time zone
    end_time   TEXT COLLATE "C" NOT NULL,
    capacity   BIGINT  NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    active     BIGINT  NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- One occurrence of a plan. Its code is the plan's and the local date: HAIRCUT-20261205.
CREATE TABLE sessions (
    code       TEXT COLLATE "C" PRIMARY KEY,
    plan       TEXT COLLATE "C" NOT NULL REFERENCES service_plans (code),
    starts_at  TEXT COLLATE "C" NOT NULL,
    ends_at    TEXT COLLATE "C" NOT NULL,
    capacity   BIGINT  NOT NULL CHECK (capacity >= 1),
    cancelled  BIGINT  NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
    CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_starts ON sessions (starts_at);

-- A rider's place in a session. Waitlist order is created_at (then rowid).
CREATE TABLE signups (
    session     TEXT COLLATE "C" NOT NULL REFERENCES sessions (code),
    rider_id    BIGINT  NOT NULL REFERENCES users (id),
    status      TEXT COLLATE "C" NOT NULL CHECK (status IN ('signed', 'waitlisted', 'cancelled', 'attended')),
    created_at  TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL,
    reminded_at TEXT COLLATE "C",
    PRIMARY KEY (session, rider_id)
);
CREATE INDEX signups_rider ON signups (rider_id, status);
CREATE INDEX signups_session ON signups (session, status, created_at);
