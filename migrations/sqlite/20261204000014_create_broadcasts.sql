-- Coordinators' announcements, sent through the outbox; and each person's notification
-- settings (announcements on or off; the area of their last shared location, kept only when
-- they turn nearby alerts on).
ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER;
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;

CREATE TABLE broadcasts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id     INTEGER NOT NULL,
    request_key   TEXT    NOT NULL UNIQUE,       -- the preview's Send button: one broadcast per press
    audience      TEXT    NOT NULL,              -- JSON
    body          TEXT    NOT NULL,              -- JSON: text, or a photo with a caption
    button        TEXT,                          -- JSON: a station or session to open
    urgent        INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    status        TEXT    NOT NULL CHECK (status IN ('scheduled', 'sending', 'done', 'cancelled')),
    recipients    INTEGER NOT NULL,
    send_at       TEXT    NOT NULL,
    progress_chat INTEGER,
    progress_msg  INTEGER,
    created_at    TEXT    NOT NULL,
    finished_at   TEXT
);
CREATE INDEX broadcasts_status ON broadcasts (status);

CREATE TABLE notification_settings (
    user_id       INTEGER PRIMARY KEY,
    announcements INTEGER NOT NULL DEFAULT 1 CHECK (announcements IN (0, 1)),
    nearby        INTEGER NOT NULL DEFAULT 0 CHECK (nearby IN (0, 1)),
    last_lat      REAL,      -- rounded to about a kilometre, only while nearby = 1
    last_lng      REAL,
    last_at       TEXT
);
