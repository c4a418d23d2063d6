-- One dialogue state per chat (teloxide's Storage, on the project's own pool).
-- `state` is the serde JSON of `bot::dialogue::State`; `updated_at` drives the idle timeout.
CREATE TABLE dialogues (
    chat_id     BIGINT  PRIMARY KEY,
    state       TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);
