-- Grid reports: a rider's photo of a street problem, routed to the department that fixes it.

-- Departments that fix problems (城管, 环卫, 物业, 消防, 交警, ...). Imported from CSV.
CREATE TABLE departments (
    code    TEXT    PRIMARY KEY,
    name_zh TEXT    NOT NULL,
    name_en TEXT,
    active  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- What a report is about. A category's points live in earning_rules ('report:<code>'), written
-- by the same import, so the passbook has one source of truth.
CREATE TABLE categories (
    code       TEXT    PRIMARY KEY,
    name_zh    TEXT    NOT NULL,
    name_en    TEXT,
    department TEXT    NOT NULL REFERENCES departments (code),
    position   INTEGER NOT NULL DEFAULT 0,     -- order of the category buttons
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- One row per report; its number is R- and the id padded to six digits. The status is the
-- current one; report_history holds every change.
CREATE TABLE reports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reporter_id     INTEGER NOT NULL REFERENCES users (id),
    reporter_role   TEXT    NOT NULL CHECK (reporter_role IN ('rider', 'grid_officer', 'coordinator')),
    category        TEXT    NOT NULL REFERENCES categories (code),
    lat             REAL    NOT NULL CHECK (lat BETWEEN -90 AND 90),     -- WGS-84
    lng             REAL    NOT NULL CHECK (lng BETWEEN -180 AND 180),
    note            TEXT    CHECK (note IS NULL OR length(note) <= 500),
    status          TEXT    NOT NULL DEFAULT 'submitted'
                    CHECK (status IN ('submitted', 'accepted', 'routed', 'resolved',
                                      'rejected', 'duplicate', 'withdrawn')),
    department      TEXT    REFERENCES departments (code),
    reject_reason   TEXT,
    duplicate_of    INTEGER REFERENCES reports (id),
    possible_dup_of INTEGER REFERENCES reports (id),   -- flagged at filing: same category, near, recent
    request_key     TEXT    NOT NULL UNIQUE,            -- the confirm button's message: one report per press
    triage_chat_id  INTEGER,                            -- the card in the coordinators' group, once posted
    triage_msg_id   INTEGER,
    triage_caption  INTEGER NOT NULL DEFAULT 0,         -- 1: the card is a photo caption; 0: a text message
    raised_at       TEXT,                               -- last follow-up reminder
    status_at       TEXT    NOT NULL,                   -- when the status last changed
    created_at      TEXT    NOT NULL,
    CHECK ((status = 'duplicate') = (duplicate_of IS NOT NULL)),
    CHECK (status <> 'rejected' OR reject_reason IS NOT NULL),
    CHECK (status <> 'routed' OR department IS NOT NULL)
);
CREATE INDEX reports_reporter ON reports (reporter_id, id);
CREATE INDEX reports_status ON reports (status, status_at);
CREATE INDEX reports_near ON reports (category, created_at);
CREATE INDEX reports_untriaged ON reports (id) WHERE triage_msg_id IS NULL;

-- The photos of a report, in order (1 to 3). Files live under MEDIA_DIR named by content hash;
-- file_id re-sends a Telegram photo without uploading it again.
CREATE TABLE report_photos (
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    seq        INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 3),
    file_id    TEXT    NOT NULL,
    sha256     TEXT    NOT NULL,
    path       TEXT    NOT NULL,        -- relative to MEDIA_DIR
    size       INTEGER NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('photo', 'document')),
    PRIMARY KEY (report_id, seq)
);

-- Every status change with who made it and when: the report's history.
CREATE TABLE report_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    actor_id    INTEGER NOT NULL,
    detail      TEXT,
    at          TEXT    NOT NULL
);
CREATE INDEX report_history_report ON report_history (report_id, id);
