-- Listening to riders: a rider's need or opinion on a topic, posted to the coordinators' group
-- as F-000123; coordinators answer by replying to it there, the rider may rate the answer.
CREATE TABLE feedback (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,      -- F- and the id padded to six digits
    rider_id      INTEGER NOT NULL REFERENCES users (id),
    topic         TEXT    NOT NULL CHECK (topic IN ('charging', 'rest', 'food', 'health',
                                                    'legal', 'app', 'other')),
    kind          TEXT    NOT NULL CHECK (kind IN ('text', 'photo', 'voice')),
    body          TEXT    CHECK (body IS NULL OR length(body) <= 2000),  -- the text or caption
    file_id       TEXT,                                   -- the photo or voice note, on Telegram
    duration_s    INTEGER,                                -- a voice note's length
    request_key   TEXT    NOT NULL UNIQUE,                -- the message that sent it: one item each
    status        TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed')),
    group_chat_id INTEGER,                                -- the item in the coordinators' group,
    group_msg_id  INTEGER,                                -- once posted
    rating        INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    created_at    TEXT    NOT NULL,
    answered_at   TEXT,                                   -- the first reply
    closed_at     TEXT,
    rated_at      TEXT,
    -- A rider's item holds what they sent. An erased rider's item (moved to their anonymous,
    -- negative id) keeps only the figure: topic, kind, times, status and rating; their words
    -- and file are gone, so body and file_id may then be NULL.
    CHECK (rider_id < 0 OR kind = 'text' OR file_id IS NOT NULL),
    CHECK (rider_id < 0 OR kind <> 'text' OR body IS NOT NULL),
    CHECK (duration_s IS NULL OR duration_s >= 0)
);
CREATE INDEX feedback_status ON feedback (status, id);
CREATE INDEX feedback_rider ON feedback (rider_id);
CREATE INDEX feedback_created ON feedback (created_at);
CREATE UNIQUE INDEX feedback_group_msg ON feedback (group_chat_id, group_msg_id)
    WHERE group_msg_id IS NOT NULL;

-- Coordinators' answers, each one a reply in the group, sent on to the rider through the outbox.
CREATE TABLE feedback_replies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    feedback_id INTEGER NOT NULL REFERENCES feedback (id),
    author_id   INTEGER NOT NULL,
    body        TEXT    NOT NULL CHECK (length(body) <= 4000),
    request_key TEXT    NOT NULL UNIQUE,                  -- the group message: one reply each
    created_at  TEXT    NOT NULL
);
CREATE INDEX feedback_replies_item ON feedback_replies (feedback_id, id);
