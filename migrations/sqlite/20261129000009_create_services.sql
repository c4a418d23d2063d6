-- Free services (为民服务日): a plan says what is offered where and when (once, or every given
-- weekday); sessions are its dated occurrences, made for the next two weeks; riders sign up,
-- wait in line, are reminded and check in.

CREATE TABLE service_plans (
    code       TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    title_zh   TEXT    NOT NULL,
    title_en   TEXT,
    station    TEXT    NOT NULL REFERENCES stations (code),
    schedule   TEXT    NOT NULL,          -- a date (2026-12-05) or weekdays (Sa, Mo;We)
    start_time TEXT    NOT NULL,          -- HH:MM in the district's time zone
    end_time   TEXT    NOT NULL,
    capacity   INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- One occurrence of a plan. Its code is the plan's and the local date: HAIRCUT-20261205.
CREATE TABLE sessions (
    code       TEXT    PRIMARY KEY,
    plan       TEXT    NOT NULL REFERENCES service_plans (code),
    starts_at  TEXT    NOT NULL,
    ends_at    TEXT    NOT NULL,
    capacity   INTEGER NOT NULL CHECK (capacity >= 1),
    cancelled  INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
    CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_starts ON sessions (starts_at);

-- A rider's place in a session. Waitlist order is created_at (then rowid).
CREATE TABLE signups (
    session     TEXT    NOT NULL REFERENCES sessions (code),
    rider_id    INTEGER NOT NULL REFERENCES users (id),
    status      TEXT    NOT NULL CHECK (status IN ('signed', 'waitlisted', 'cancelled', 'attended')),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    reminded_at TEXT,
    PRIMARY KEY (session, rider_id)
);
CREATE INDEX signups_rider ON signups (rider_id, status);
CREATE INDEX signups_session ON signups (session, status, created_at);
