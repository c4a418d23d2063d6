-- Messages to anyone but the person acting: written in the same transaction as the change they
-- report, sent by one supervised sender. `kind` names what the message is (its capability
-- renders it when it is sent, in the recipient's language then); `payload` is what it needs.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    priority    INTEGER NOT NULL DEFAULT 0 CHECK (priority IN (0, 1)),  -- 0: a rider's own; 1: bulk
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unreachable',
                                  'unknown', 'dropped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT    NOT NULL,
    dedup_key   TEXT    UNIQUE,           -- the same cause enqueues once
    message_id  INTEGER,                  -- Telegram's, once sent
    error       TEXT,
    created_at  TEXT    NOT NULL,
    done_at     TEXT
);
CREATE INDEX outbox_pending ON outbox (priority, id) WHERE status = 'pending';
CREATE INDEX outbox_chat ON outbox (chat_id, status);
